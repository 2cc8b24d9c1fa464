"""Item scores: value and benchmark become points; missing-data policies fill the gaps."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from mujun._exprs import first_match
from mujun.profiles._base import Fallback
from mujun.profiles.models import Profile
from mujun.schema import item_col
from mujun.score.benchmarks import EVALUATED, base_mask, group_keys, pool_extremes, weight_expr
from mujun.score.indicators import possible_causes


def item_weight(profile: Profile, indicator: str) -> pl.Expr:
    """The indicator's weight for firms whose cohort uses it (where its status is not null).

    A literal when every such cohort gives the same weight, which saves a column per
    indicator at 10M firms; otherwise the cohort's weight.
    """
    weights = {c.weights[indicator] for c in profile.cohorts.values() if c.weights.get(indicator)}
    if len(weights) == 1:
        return pl.lit(weights.pop(), pl.Float64)
    return weight_expr(profile, indicator)


def scored_expr(profile: Profile, indicator: str) -> pl.Expr:
    """Points for a firm whose value is known, before the cap and floor.

    NOTE: a ratio item needs a positive benchmark. Where the benchmark is unknown or not
    positive (an empty pool, or a pool whose mean tax is negative) the item scores 0 and the
    benchmark column shows the problem; dividing by it would give meaningless or infinite points.
    """
    ind = profile.indicators[indicator]
    rule = profile.scoring_for(indicator)
    w = item_weight(profile, indicator)
    value = pl.col(item_col(indicator, "value"))
    if rule.method == "minmax":
        lo, hi = pool_extremes(indicator)
        spread = hi - lo
        position = (value - lo) if ind.direction == "higher" else (hi - value)
        # NOTE: when every firm in the group has the same value, all are equally best.
        normalised = pl.when(spread > 0).then(position / spread).otherwise(1.0)
        share = rule.minmax_floor_share
        return w * (share + (1 - share) * normalised)
    bench = pl.col(item_col(indicator, "benchmark"))
    ratio = value / bench
    points = ratio * w if ind.direction == "higher" else (2 - ratio) * (w / 2)
    return pl.when(bench > 0).then(points).otherwise(0.0)


def bounded(profile: Profile, indicator: str, points: pl.Expr) -> pl.Expr:
    """Apply the cap (a multiple of the weight) and the floor (points), in one pass."""
    rule = profile.scoring_for(indicator)
    upper = None if rule.cap is None else rule.cap * item_weight(profile, indicator)
    if upper is None and rule.floor is None:
        return points
    return points.clip(lower_bound=rule.floor, upper_bound=upper)


POINTS = "_pts__{}"
"""Working column: an indicator's bounded points, kept where the cohort mean needs them."""
COHORT_MEAN = "_cm__{}"
"""Working column: the mean points of the indicator's base firms in the firm's group."""


def points_expr(profile: Profile, indicator: str) -> pl.Expr:
    """Bounded points for a firm whose value is known."""
    return bounded(profile, indicator, scored_expr(profile, indicator))


def _fallbacks(profile: Profile, indicator: str) -> dict[Fallback, list[str]]:
    """The causes of absence the indicator can have, grouped by the policy that fills them."""
    policy = profile.missing_for(indicator)
    out: dict[Fallback, list[str]] = {}
    for cause in possible_causes(profile.indicators[indicator]):
        out.setdefault(getattr(policy, cause), []).append(cause)
    return out


def needs_cohort_mean(profile: Profile, indicator: str) -> bool:
    """Whether a cause of absence the indicator can have takes the cohort's mean item score."""
    return "cohort_mean" in _fallbacks(profile, indicator)


def cohort_mean_aggregates(
    profile: Profile, indicators: Sequence[str]
) -> dict[tuple[str, ...], list[pl.Expr]]:
    """Mean points of each indicator's base firms, by its benchmark group keys.

    Reads the `POINTS` working columns and names the results `COHORT_MEAN`.
    """
    out: dict[tuple[str, ...], list[pl.Expr]] = {}
    for name in indicators:
        keys = (*group_keys(profile.benchmark_for(name)), EVALUATED)  # as the benchmarks
        points = pl.when(base_mask(profile, name)).then(pl.col(POINTS.format(name)))
        out.setdefault(keys, []).append(points.mean().alias(COHORT_MEAN.format(name)))
    return out


def item_expr(profile: Profile, indicator: str) -> pl.Expr:
    """The item score of every evaluated firm whose cohort uses the indicator, by status.

    The indicator's status is null for every other firm, so they get null. Where a cause takes
    the cohort mean, reads the working columns of `cohort_mean_aggregates`.
    """
    policy = profile.missing_for(indicator)
    status = pl.col(item_col(indicator, "status"))
    fallbacks = _fallbacks(profile, indicator)
    points = (
        pl.col(POINTS.format(indicator))
        if "cohort_mean" in fallbacks
        else points_expr(profile, indicator)
    )

    def fallback(kind: Fallback) -> pl.Expr:
        match kind:
            case "zero":
                return pl.lit(0.0)
            case "full":
                return item_weight(profile, indicator)
            case "penalty":
                return pl.lit(-policy.penalty_points)
            case "cohort_mean":
                return pl.col(COHORT_MEAN.format(indicator)).fill_null(0.0)

    # Points where the value is known (masking is free), else the cause's fallback; zero is
    # the default fallback, so it needs no branch of its own.
    filler = first_match(
        ((status.is_in(c), fallback(k)) for k, c in fallbacks.items() if k != "zero"),
        otherwise=pl.lit(0.0),
    )
    known = pl.when(status == "ok").then(points)
    return pl.when(status.is_not_null()).then(known.fill_null(filler))
