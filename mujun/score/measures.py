"""Bring facts to the canonical schema and derive the measures rules refer to."""

from __future__ import annotations

import polars as pl

from mujun.errors import DataError
from mujun.schema import (
    EMISSION_STATUS,
    FACT_SCHEMA,
    FACTS,
    POLLUTANTS_T,
    POLLUTION_EQUIVALENT_KG,
    REQUIRED_FACTS,
    canonical_columns,
)

_DAYS_PER_YEAR = 365.25


def conform(lf: pl.LazyFrame, /, *, source: str = "facts") -> pl.LazyFrame:
    """Check required columns, add absent optional ones as nulls and cast to canonical dtypes.

    Columns that are not canonical facts are kept untouched (after the canonical ones).

    Raises:
        DataError: one or more required columns are missing (all are listed).
    """
    present = lf.collect_schema().names()
    missing = [c for c in REQUIRED_FACTS if c not in present]
    if missing:
        labelled = [f"{c} ({FACTS[c].label})" for c in missing]
        raise DataError.missing_columns(
            source,
            labelled,
            hint="canonical facts need these columns; `mujun import` builds them from the "
            "departments' spreadsheets, or see mujun/schema.py for names and units.",
        )
    canonical = canonical_columns(present)
    extra = [c for c in present if c not in FACT_SCHEMA]
    return lf.select(*canonical, *extra).with_columns(
        # NOTE: NaN and ±inf are not amounts; they become unknown so no division can spread them.
        pl.col(pl.Float64).pipe(_finite_or_null),
    )


def _finite_or_null(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.is_finite()).then(expr)


def derive(lf: pl.LazyFrame, /) -> pl.LazyFrame:
    """Add derived measures: pollutant totals and status, industry division and firm age."""
    pollutants = [pl.col(c) for c in POLLUTANTS_T]
    any_reported = pl.any_horizontal(p.is_not_null() for p in pollutants)
    total_t = pl.when(any_reported).then(pl.sum_horizontal(pollutants))
    equivalent_t = pl.sum_horizontal(pl.col(c) / POLLUTION_EQUIVALENT_KG[c] for c in POLLUTANTS_T)
    year_end = pl.date(pl.col("year"), 12, 31)
    start = pl.coalesce("production_start", "registration_date")
    derived = {
        "emissions_t": total_t,
        "emissions_eq_t": pl.coalesce("emissions_eq_t", pl.when(any_reported).then(equivalent_t)),
        "emission_status": pl.coalesce(
            "emission_status",
            pl.when(~any_reported)
            .then(pl.lit("missing"))
            .when(total_t == 0)
            .then(pl.lit("zero_declared"))
            .otherwise(pl.lit("reported"))
            .cast(EMISSION_STATUS),
        ),
        "industry_division": _division(pl.col("industry_code")),
        "firm_age_years": (year_end - start).dt.total_days() / _DAYS_PER_YEAR,
    }
    return lf.with_columns(**derived)


def _division(code: pl.Expr) -> pl.Expr:
    """2-digit GB/T 4754-2017 division from codes such as 'C3311', '3311' or '33'."""
    return code.str.extract(r"^\s*[A-Za-z]?(\d{2})", 1)
