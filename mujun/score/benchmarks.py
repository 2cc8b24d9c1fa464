"""Benchmarks (基准值): fixed, k × pool mean, k × aggregate ratio, or the best firm.

A benchmark is computed over the firms that are ranked (exempt, T and graded-as firms do not
move it), within the firm's cohort and the profile's ``group_by`` columns, from this year's
facts or, for ``year = "previous"``, from last year's.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from mujun._exprs import lookup
from mujun.profiles.models import Benchmark, Profile
from mujun.schema import Col, item_col

EVALUATED = "_evaluated"
"""Working column: the firm is evaluated (ranked, ungraded or graded-as)."""


def group_keys(bench: Benchmark) -> list[str]:
    """Columns a benchmark is computed within: the cohort (unless off), then ``group_by``."""
    return [*([Col.COHORT] if bench.by_cohort else []), *bench.group_by]


def by_cohort(values: Mapping[str, float | None], /) -> pl.Expr:
    """A number per firm looked up from its cohort (null where the cohort has none).

    NOTE: a lookup on the Enum cohort, not a working column: at 10M firms each materialized
    Float64 column costs 80 MB.
    """
    return lookup(pl.col(Col.COHORT), values, dtype=pl.Float64)


def uses_expr(profile: Profile, indicator: str) -> pl.Expr:
    """True where the firm's cohort gives the indicator a positive weight."""
    users = [cid for cid, c in profile.cohorts.items() if c.weights.get(indicator, 0.0) > 0]
    return pl.col(Col.COHORT).is_in(users).fill_null(value=False)


def weight_expr(profile: Profile, indicator: str) -> pl.Expr:
    """The indicator's weight in each firm's cohort (0 where the cohort does not use it)."""
    weights = {cid: c.weights.get(indicator, 0.0) for cid, c in profile.cohorts.items()}
    return by_cohort({cid: w for cid, w in weights.items() if w > 0}).fill_null(0.0)


def base_mask(profile: Profile, indicator: str) -> pl.Expr:
    """Firms whose value enters benchmarks and pool statistics for this indicator.

    Reads the working column that `base_columns` adds.
    """
    del profile
    return pl.col(f"_base__{indicator}")


def base_columns(profile: Profile) -> dict[str, pl.Expr]:
    """Working columns: ranked firms whose cohort uses the indicator and whose value exists."""
    return {
        # the indicator's status is null where the cohort does not use it
        f"_base__{ind}": (pl.col(Col.STATUS) == "ranked")
        & (pl.col(item_col(ind, "status")) == "ok")
        for ind in profile.used_indicators()
    }


def fixed_expr(profile: Profile, indicator: str) -> pl.Expr:
    """A fixed benchmark: the number the profile gives for each firm's cohort."""
    return by_cohort({cid: c.benchmarks.get(indicator) for cid, c in profile.cohorts.items()})


def group_aggregate(profile: Profile, indicator: str) -> pl.Expr:
    """The benchmark as an aggregate over one group's base firms (not for ``fixed``)."""
    ind = profile.indicators[indicator]
    bench = profile.benchmark_for(indicator)
    value = pl.col(item_col(indicator, "value"))
    base = base_mask(profile, indicator)
    # NOTE: when(base).then(column) only masks (no copy); .filter(base) copied the values.
    match bench.method:
        case "aggregate" if ind.denominator is not None:
            num = pl.when(base).then(pl.col(ind.numerator)).sum()
            den = pl.when(base).then(pl.col(ind.denominator)).sum()
            return bench.k * ind.scale * (num / den)
        case "best":
            best = pl.when(base).then(value)
            return best.max() if ind.direction == "higher" else best.min()
        case _:  # mean, or an aggregate of a plain measure
            return bench.k * pl.when(base).then(value).mean()


def current_aggregates(profile: Profile) -> dict[tuple[str, ...], list[pl.Expr]]:
    """This year's group statistics, by group keys: benchmarks and min–max extremes.

    Benchmarks are named ``<indicator>__benchmark``; the extremes that min–max scoring reads
    are the working columns ``_lo__<indicator>`` and ``_hi__<indicator>``.
    """
    out: dict[tuple[str, ...], list[pl.Expr]] = {}
    for name in profile.used_indicators():
        bench = profile.benchmark_for(name)
        group = out.setdefault((*group_keys(bench), EVALUATED), [])
        if bench.method != "fixed" and bench.year == "current":
            group.append(group_aggregate(profile, name).alias(item_col(name, "benchmark")))
        if profile.scoring_for(name).method == "minmax":
            value = pl.when(base_mask(profile, name)).then(pl.col(item_col(name, "value")))
            group += [value.min().alias(f"_lo__{name}"), value.max().alias(f"_hi__{name}")]
    return out


def shown_only_where_used(profile: Profile, indicator: str) -> bool:
    """Whether `current_aggregates` already leaves the benchmark null where it does not apply.

    Groups split by cohort and by `EVALUATED`, and a cohort that does not use the indicator
    has no base firms; so only this year's benchmarks by cohort need no masking afterwards.
    """
    bench = profile.benchmark_for(indicator)
    return bench.method != "fixed" and bench.year == "current" and bench.by_cohort


def previous_table(prev: pl.LazyFrame, /, *, profile: Profile, indicator: str) -> pl.LazyFrame:
    """Last year's benchmark per group: the group keys and ``<indicator>__benchmark``.

    ``prev`` is last year's facts already run through the cohort and indicator stages.
    """
    keys = group_keys(profile.benchmark_for(indicator))
    target = group_aggregate(profile, indicator).alias(item_col(indicator, "benchmark"))
    grouped = prev.filter(pl.col(Col.COHORT).is_not_null())
    return grouped.group_by(keys).agg(target) if keys else grouped.select(target)


def pool_extremes(indicator: str) -> tuple[pl.Expr, pl.Expr]:
    """Min and max of this year's values among ranked firms of the benchmark group.

    Reads the working columns that `current_aggregates` adds.
    """
    return pl.col(f"_lo__{indicator}"), pl.col(f"_hi__{indicator}")
