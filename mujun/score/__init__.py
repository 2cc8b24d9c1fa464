"""Score stage: cohorts, indicators, benchmarks, item scores and totals."""

from __future__ import annotations

import polars as pl

from mujun._exprs import add_aggregates
from mujun.profiles.models import Profile
from mujun.schema import Col, item_col
from mujun.score import benchmarks, cohorts, indicators, items, measures, totals


def needs_previous_year(profile: Profile) -> bool:
    """Whether any used indicator's benchmark is computed from last year's facts."""
    return any(
        (b := profile.benchmark_for(i)).year == "previous" and b.method != "fixed"
        for i in profile.used_indicators()
    )


def add_indicators(
    lf: pl.LazyFrame, /, *, profile: Profile, data_year: int | None = None
) -> pl.LazyFrame:
    """Derive measures, assign cohorts and statuses, and add each indicator's value and status.

    ``data_year``: the one data year ``lf`` holds, when it holds only one.
    """
    lf = (
        lf.pipe(measures.derive, data_year=data_year)
        .pipe(cohorts.assign, profile=profile)
        .with_columns((pl.col(Col.STATUS) != "not_evaluated").alias(benchmarks.EVALUATED))
    )
    evaluated = pl.col(benchmarks.EVALUATED)
    names = profile.used_indicators()
    statuses = {
        item_col(n, "status"): pl.when(benchmarks.uses_expr(profile, n) & evaluated).then(
            indicators.status_expr(profile.indicators[n])
        )
        for n in names
    }
    values = {
        item_col(n, "value"): indicators.value_expr(
            profile.indicators[n], pl.col(item_col(n, "status"))
        )
        for n in names
    }
    return (
        lf.with_columns(**statuses)
        .with_columns(**values)
        .with_columns(**benchmarks.base_columns(profile))
    )


def add_scores(
    lf: pl.LazyFrame,
    /,
    *,
    profile: Profile,
    previous: pl.LazyFrame | None = None,
    data_year: int | None = None,
) -> pl.LazyFrame:
    """The whole score stage: indicator values, benchmarks, item scores and totals.

    Args:
        lf: conformed facts of the data year.
        profile: the region profile.
        previous: conformed facts of the year before, needed when a benchmark uses last year.
        data_year: the data year ``lf`` holds (``previous`` holds the year before), if known.
    """
    lf = lf.pipe(add_indicators, profile=profile, data_year=data_year)
    prev = (
        None
        if previous is None
        else previous.pipe(
            add_indicators,
            profile=profile,
            data_year=None if data_year is None else data_year - 1,
        )
    )
    used = profile.used_indicators()
    fixed: dict[str, pl.Expr] = {}
    for name in used:
        bench = profile.benchmark_for(name)
        if bench.method == "fixed":
            fixed[item_col(name, "benchmark")] = benchmarks.fixed_expr(profile, name)
        elif bench.year == "previous" and prev is not None:
            table = benchmarks.previous_table(prev, profile=profile, indicator=name)
            keys = benchmarks.group_keys(bench)
            lf = (
                lf.join(table, on=keys, how="left", nulls_equal=True, maintain_order="left")
                if keys
                else lf.join(table, how="cross", maintain_order="left")
            )
    lf = add_aggregates(lf.with_columns(**fixed), benchmarks.current_aggregates(profile))
    lf = lf.with_columns(
        **{
            item_col(n, "benchmark"): pl.when(pl.col(item_col(n, "status")).is_not_null()).then(
                pl.col(item_col(n, "benchmark"))
            )
            for n in used
            if not benchmarks.shown_only_where_used(profile, n)
        }
    )
    pooled = [n for n in used if items.needs_cohort_mean(profile, n)]
    if pooled:
        lf = lf.with_columns(
            **{items.POINTS.format(n): items.points_expr(profile, n) for n in pooled}
        )
        lf = add_aggregates(lf, items.cohort_mean_aggregates(profile, pooled))
    return lf.with_columns(
        **{item_col(n, "item"): items.item_expr(profile, n) for n in used}
    ).with_columns(**totals.total_exprs(profile))


__all__ = ["add_indicators", "add_scores", "measures", "needs_previous_year"]
