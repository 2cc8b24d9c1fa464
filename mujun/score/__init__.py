"""Score stage: cohorts, indicators, benchmarks, item scores and totals."""

from __future__ import annotations

import polars as pl

from mujun.profiles.models import Profile
from mujun.schema import Col, item_col
from mujun.score import benchmarks, cohorts, indicators, items, measures, totals


def needs_previous_year(profile: Profile) -> bool:
    """Whether any used indicator's benchmark is computed from last year's facts."""
    return any(profile.benchmark_for(i).year == "previous" for i in profile.used_indicators())


def add_indicators(lf: pl.LazyFrame, /, *, profile: Profile) -> pl.LazyFrame:
    """Derive measures, assign cohorts and statuses, and add each indicator's value and status."""
    lf = (
        lf.pipe(measures.derive)
        .pipe(cohorts.assign, profile=profile)
        .with_columns(**benchmarks.weight_columns(profile))
    )
    exprs: dict[str, pl.Expr] = {}
    for name in profile.used_indicators():
        ind = profile.indicators[name]
        used = (benchmarks.weight_expr(profile, name) > 0) & (pl.col(Col.STATUS) != "not_evaluated")
        status = pl.when(used).then(indicators.status_expr(ind))
        exprs[item_col(name, "status")] = status
        exprs[item_col(name, "value")] = indicators.value_expr(ind, status)
    return lf.with_columns(**exprs).with_columns(**benchmarks.base_columns(profile))


def add_scores(
    lf: pl.LazyFrame, /, *, profile: Profile, previous: pl.LazyFrame | None = None
) -> pl.LazyFrame:
    """The whole score stage: indicator values, benchmarks, item scores and totals.

    Args:
        lf: conformed facts of the data year.
        profile: the region profile.
        previous: conformed facts of the year before, needed when a benchmark uses last year.
    """
    lf = lf.pipe(add_indicators, profile=profile)
    prev = None if previous is None else previous.pipe(add_indicators, profile=profile)
    current: dict[str, pl.Expr] = {}
    for name in profile.used_indicators():
        bench = profile.benchmark_for(name)
        target = item_col(name, "benchmark")
        if bench.year == "previous" and prev is not None:
            table = benchmarks.previous_table(prev, profile=profile, indicator=name)
            keys = benchmarks.group_keys(bench)
            lf = (
                lf.join(table, on=keys, how="left", nulls_equal=True, maintain_order="left")
                if keys
                else lf.join(table, how="cross", maintain_order="left")
            )
        else:
            current[target] = benchmarks.current_expr(profile, name)
    used = {
        item_col(n, "benchmark"): pl.when(pl.col(item_col(n, "status")).is_not_null()).then(
            pl.col(item_col(n, "benchmark"))
        )
        for n in profile.used_indicators()
    }
    return (
        lf.with_columns(**current)
        .with_columns(**used)
        .with_columns(
            **{item_col(n, "item"): items.item_expr(profile, n) for n in profile.used_indicators()}
        )
        .with_columns(**totals.total_exprs(profile))
    )


__all__ = ["add_indicators", "add_scores", "measures", "needs_previous_year"]
