"""Item scores: value and benchmark become points; missing-data policies fill the gaps."""

from __future__ import annotations

import polars as pl

from mujun._exprs import first_match
from mujun.profiles._base import Fallback
from mujun.profiles.models import Profile
from mujun.schema import Col, item_col
from mujun.score.benchmarks import base_mask, group_keys, over, pool_extremes, weight_expr


def scored_expr(profile: Profile, indicator: str) -> pl.Expr:
    """Points for a firm whose value is known, before the cap and floor.

    NOTE: a ratio item needs a positive benchmark. Where the benchmark is unknown or not
    positive (an empty pool, or a pool whose mean tax is negative) the item scores 0 and the
    benchmark column shows the problem; dividing by it would give meaningless or infinite points.
    """
    ind = profile.indicators[indicator]
    rule = profile.scoring_for(indicator)
    w = weight_expr(profile, indicator)
    value = pl.col(item_col(indicator, "value"))
    if rule.method == "minmax":
        lo, hi = pool_extremes(profile, indicator)
        spread = hi - lo
        position = (value - lo) if ind.direction == "higher" else (hi - value)
        # NOTE: when every firm in the group has the same value, all are equally best.
        normalised = pl.when(spread > 0).then(position / spread).otherwise(1.0)
        share = rule.minmax_floor_share
        return w * (share + (1 - share) * normalised)
    bench = pl.col(item_col(indicator, "benchmark"))
    ratio = value / bench
    points = w * ratio if ind.direction == "higher" else (2 - ratio) * w / 2
    return pl.when(bench > 0).then(points).otherwise(0.0)


def bounded(profile: Profile, indicator: str, points: pl.Expr) -> pl.Expr:
    """Apply the cap (a multiple of the weight) and the floor (points)."""
    rule = profile.scoring_for(indicator)
    if rule.cap is not None:
        points = pl.min_horizontal(points, rule.cap * weight_expr(profile, indicator))
    if rule.floor is not None:
        points = pl.max_horizontal(points, pl.lit(rule.floor))
    return points


def item_expr(profile: Profile, indicator: str) -> pl.Expr:
    """The item score of every evaluated firm whose cohort uses the indicator, by status."""
    policy = profile.missing_for(indicator)
    status = pl.col(item_col(indicator, "status"))
    w = weight_expr(profile, indicator)
    points = bounded(profile, indicator, scored_expr(profile, indicator))
    keys = group_keys(profile.benchmark_for(indicator))
    cohort_mean = over(points.filter(base_mask(profile, indicator)).mean(), keys).fill_null(0.0)

    def fallback(kind: Fallback) -> pl.Expr:
        match kind:
            case "zero":
                return pl.lit(0.0)
            case "full":
                return w
            case "penalty":
                return pl.lit(-policy.penalty_points)
            case "cohort_mean":
                return cohort_mean

    causes = ("missing", "zero", "zero_verified", "not_applicable", "invalid")
    expr = first_match(
        [(status == "ok", points)] + [(status == c, fallback(getattr(policy, c))) for c in causes],
        otherwise=pl.lit(None, pl.Float64),
    )
    return pl.when((w > 0) & (pl.col(Col.STATUS) != "not_evaluated")).then(expr)
