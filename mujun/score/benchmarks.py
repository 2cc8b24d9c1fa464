"""Benchmarks (基准值): fixed, k × pool mean, k × aggregate ratio, or the best firm.

A benchmark is computed over the firms that are ranked (exempt, T and graded-as firms do not
move it), within the firm's cohort and the profile's ``group_by`` columns, from this year's
facts or, for ``year = "previous"``, from last year's.
"""

from __future__ import annotations

import polars as pl

from mujun.profiles.models import Benchmark, Profile
from mujun.schema import Col, item_col


def group_keys(bench: Benchmark) -> list[str]:
    """Columns a benchmark is computed within: the cohort (unless off), then ``group_by``."""
    return [*([Col.COHORT] if bench.by_cohort else []), *bench.group_by]


def over(expr: pl.Expr, keys: list[str]) -> pl.Expr:
    """A window aggregate over ``keys``, or over the whole frame when there are none."""
    return expr.over(keys) if keys else expr


def weight_expr(profile: Profile, indicator: str) -> pl.Expr:
    """The indicator's weight in each firm's cohort (0 where the cohort does not use it).

    Reads the working column that `weight_columns` adds once per indicator.
    """
    del profile
    return pl.col(f"_w__{indicator}")


def weight_columns(profile: Profile) -> dict[str, pl.Expr]:
    """Working columns: each used indicator's weight per firm, looked up from its cohort once."""
    out = {}
    for ind in profile.used_indicators():
        weights = {cid: c.weights.get(ind, 0.0) for cid, c in profile.cohorts.items()}
        out[f"_w__{ind}"] = (
            pl.col(Col.COHORT)
            .cast(pl.String)
            .replace_strict(weights, default=0.0, return_dtype=pl.Float64)
        )
    return out


def base_mask(profile: Profile, indicator: str) -> pl.Expr:
    """Firms whose value enters benchmarks and pool statistics for this indicator.

    Reads the working column that `base_columns` adds.
    """
    del profile
    return pl.col(f"_base__{indicator}")


def base_columns(profile: Profile) -> dict[str, pl.Expr]:
    """Working columns: ranked firms whose cohort uses the indicator and whose value exists."""
    return {
        f"_base__{ind}": (pl.col(Col.STATUS) == "ranked")
        & (pl.col(f"_w__{ind}") > 0)
        & (pl.col(item_col(ind, "status")) == "ok")
        for ind in profile.used_indicators()
    }


def current_expr(profile: Profile, indicator: str) -> pl.Expr:
    """This year's benchmark for every firm (null where the cohort does not use it)."""
    ind = profile.indicators[indicator]
    bench = profile.benchmark_for(indicator)
    value = pl.col(item_col(indicator, "value"))
    base = base_mask(profile, indicator)
    keys = group_keys(bench)
    match bench.method:
        case "fixed":
            fixed = {cid: c.benchmarks.get(indicator) for cid, c in profile.cohorts.items()}
            return (
                pl.col(Col.COHORT)
                .cast(pl.String)
                .replace_strict(fixed, default=None, return_dtype=pl.Float64)
            )
        case "mean":
            return bench.k * over(value.filter(base).mean(), keys)
        case "aggregate":
            if ind.denominator is None:
                return bench.k * over(value.filter(base).mean(), keys)
            num = pl.col(ind.numerator).filter(base).sum()
            den = pl.col(ind.denominator).filter(base).sum()
            return bench.k * ind.scale * over(num / den, keys)
        case "best":
            best = value.filter(base)
            return over(best.max() if ind.direction == "higher" else best.min(), keys)


def previous_table(prev: pl.LazyFrame, /, *, profile: Profile, indicator: str) -> pl.LazyFrame:
    """Last year's benchmark per group: the group keys and ``<indicator>__benchmark``.

    ``prev`` is last year's facts already run through the cohort and indicator stages.
    """
    bench = profile.benchmark_for(indicator)
    keys = group_keys(bench)
    target = item_col(indicator, "benchmark")
    with_bench = prev.with_columns(current_expr(profile, indicator).alias(target)).filter(
        pl.col(Col.COHORT).is_not_null()
    )
    first = pl.col(target).drop_nulls().first()
    return with_bench.group_by(keys).agg(first) if keys else with_bench.select(first)


def pool_extremes(profile: Profile, indicator: str) -> tuple[pl.Expr, pl.Expr]:
    """Min and max of this year's values among ranked firms of the benchmark group."""
    bench = profile.benchmark_for(indicator)
    value = pl.col(item_col(indicator, "value")).filter(base_mask(profile, indicator))
    keys = group_keys(bench)
    return over(value.min(), keys), over(value.max(), keys)
