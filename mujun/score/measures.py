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
        "firm_age_years": firm_age(start, pl.date(pl.col("year") + 1, 1, 1)),
    }
    return lf.with_columns(**derived)


def firm_age(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Years from ``start`` to ``end`` by the calendar: whole years, then the part of the next.

    ``end`` is the day after the data year's end, so a firm that started production on
    1 January two years before is exactly 2.0 years old (start + 2 years ≤ end), not 1.996 as
    365.25-day years made it. The fraction is the days since the last anniversary over the
    days to the next (a 29 February start has its anniversary on 28 February in common years).
    """
    behind = (start.dt.month() > end.dt.month()) | (
        (start.dt.month() == end.dt.month()) & (start.dt.day() > end.dt.day())
    )
    whole = end.dt.year() - start.dt.year() - behind.cast(pl.Int32)

    def anniversary(years: pl.Expr) -> pl.Expr:
        year = start.dt.year() + years
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        feb29 = (start.dt.month() == 2) & (start.dt.day() == 29) & ~leap
        day = pl.when(feb29).then(pl.lit(28, pl.Int8)).otherwise(start.dt.day())
        return pl.date(year, start.dt.month(), day)

    last, following = anniversary(whole), anniversary(whole + 1)
    part = (end - last).dt.total_days() / (following - last).dt.total_days()
    return whole.cast(pl.Float64) + part


def _division(code: pl.Expr) -> pl.Expr:
    """2-digit GB/T 4754-2017 division from codes such as 'C3311', '3311' or '33'."""
    return code.str.extract(r"^\s*[A-Za-z]?(\d{2})", 1)
