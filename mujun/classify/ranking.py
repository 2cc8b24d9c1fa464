"""Rank firms within their pool and turn ranks into classes by quotas or score thresholds.

Tie-break (documented, deterministic): higher total first; then the profile's ``tie_break``
indicators, higher value first (unknown values last); then the USCC in ascending order.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from mujun._exprs import first_match, gid_column, lookup, with_group_id
from mujun.profiles.conditions import compare
from mujun.profiles.models import Bound, Classification, Profile
from mujun.schema import Col, item_col
from mujun.score.cohorts import label_enum

_PPM = 1_000_000
RANKED = "_ranked"
"""Working column: the firm is ranked in its pool (part of every ranking window's keys)."""
CLASS_INDEX = "_class_index"
"""Working column: the position of the firm's computed class (0 = best)."""
# NOTE: totals are sums of float products; a firm exactly at a threshold may compute as
# 79.99999999999999. Without a published precision, comparisons allow this much slack.
_EPS = 1e-9


def reaches(total: pl.Expr, threshold: float, digits: int | None) -> pl.Expr:
    """Whether a total reaches a class threshold, at the published precision of totals."""
    if digits is None:
        return total + _EPS >= threshold
    return compare(total, ">=", threshold, digits)


def pool_columns(profile: Profile) -> list[str]:
    """Columns that define a ranking pool (the cohort first where cohorts rank apart)."""
    cls = profile.classification
    return [*([Col.COHORT] if cls.pool_by_cohort else []), *cls.pool]


_CUM = "_cum{}"
"""Working columns: how many of the pool's top-ranked firms reach class j or better."""
_WEAKEST = "_weakest{}"
"""Working columns: the total of the weakest firm of class j in the firm's pool."""


def add_ranks(lf: pl.LazyFrame, /, *, profile: Profile) -> pl.LazyFrame:
    """Add pool name, pool size, rank and rank share for ranked firms, and class boundaries.

    The boundaries (`_CUM` working columns) say how many of the pool's top-ranked firms reach
    each class or better; `add_classes` reads them. Pool figures are computed once per pool
    (a group-by of the ranked firms on the pool's `group_id`, joined back) and only the rank
    is computed per firm (a window over the pool).
    """
    cls = profile.classification
    cols = pool_columns(profile)
    partition = [*cols, RANKED]
    pool = gid_column(partition)
    ranked = pl.col(RANKED)
    order = pl.struct(
        (-pl.col(Col.TOTAL)).alias("t"),
        *(
            (-pl.col(item_col(tb, "value"))).fill_null(float("inf")).alias(f"b{i}")
            for i, tb in enumerate(cls.tie_break)
        ),
        # NOTE: the USCC string itself is the last key, not its ordinal rank among all firms
        # (a full string sort): score() CPU 0.86x at 1M and 0.71x at 10M firms, shuffled.
        pl.col("uscc").alias("u"),
    )
    n = pl.len().cast(pl.Int64)
    reached = [
        reaches(pl.col(Col.TOTAL), cls.thresholds[label], cls.score_digits).sum().cast(pl.Int64)
        for label in cls.labels[:-1]
        if cls.method == "threshold"
    ]
    lf = with_group_id(lf.with_columns((pl.col(Col.STATUS) == "ranked").alias(RANKED)), partition)
    # NOTE: the pool's figures as one row per pool, joined back: as windows beside the rank
    # they took 1.5 s at 10M firms, this way 1.06 s (0.137 -> 0.084 s at 1M). Unranked firms
    # have pools of their own (RANKED is a key), which the table leaves out: they get nulls.
    pools = (
        lf.filter(ranked)
        .group_by(pool)
        .agg(
            _pool_name(profile, cols).alias(Col.POOL),
            n.alias(Col.POOL_SIZE),
            *(
                c.alias(_CUM.format(j))
                for j, c in enumerate(cumulative_counts(cls, n=n, reached=reached))
            ),
        )
    )
    return (
        lf.with_columns(
            # NOTE: unranked firms' keys masked to null before the rank (they are in pools of
            # their own and get no rank): 0.95 -> 0.90 s for the rank at 10M firms.
            pl.when(ranked)
            .then(pl.when(ranked).then(order).rank("ordinal").over(pool))
            .cast(pl.Int64)
            .alias(Col.RANK)
        )
        .join(pools, on=pool, how="left", maintain_order="left")
        .with_columns((pl.col(Col.RANK) / pl.col(Col.POOL_SIZE)).alias(Col.RANK_PCT))
    )


def _pool_name(profile: Profile, cols: list[str]) -> pl.Expr:
    """A readable pool name such as 规上企业/示范县, as one value per pool."""
    labels = [pl.col(c).first().cast(pl.String).fill_null("（空）") for c in cols]
    if Col.COHORT in cols:
        names = {cid: c.label for cid, c in profile.cohorts.items()}
        labels[0] = (
            pl.col(Col.COHORT)
            .first()
            .cast(pl.String)
            .replace_strict(names, default=None, return_dtype=pl.String)
            .fill_null("（空）")
        )
    return (pl.concat_str(labels, separator="/") if labels else pl.lit("全部")).cast(pl.Categorical)


def _count(n: pl.Expr, share: float, rounding: str) -> pl.Expr:
    """Whole number of firms for a share of the pool, in integer arithmetic (no float drift)."""
    scaled = n * round(share * _PPM)
    match rounding:
        case "floor":
            return scaled // _PPM
        case "ceil":
            return (scaled + _PPM - 1) // _PPM
        case _:
            return (scaled + _PPM // 2) // _PPM


def cumulative_counts(
    cls: Classification, *, n: pl.Expr, reached: Sequence[pl.Expr]
) -> list[pl.Expr]:
    """For each class but the worst, how many of the pool's top-ranked firms reach it or better.

    Quotas give ``round(n × cumulative share)``; thresholds give the number of firms at or above
    each threshold (``reached``, one count per class but the worst). Bounds then hold each
    class's count within ``[min_share, max_share]`` of the pool, taking firms from the next
    class down (or up, for the worst class).
    """
    labels = cls.labels
    counts: list[pl.Expr] = []
    prev: pl.Expr = pl.lit(0, pl.Int64)
    running_share = 0.0
    for j, label in enumerate(labels[:-1]):
        if cls.method == "quota":
            running_share += cls.quotas[label]
            cum = _count(n, running_share, cls.rounding)
        else:
            cum = reached[j]
        cum = pl.max_horizontal(cum, prev)
        bound = cls.bounds.get(label)
        if bound is not None and bound.max_share is not None:
            cum = pl.min_horizontal(cum, prev + _count(n, bound.max_share, cls.rounding))
        if bound is not None and bound.min_share is not None:
            cum = pl.max_horizontal(cum, prev + _count(n, bound.min_share, cls.rounding))
        cum = pl.min_horizontal(cum, n)
        counts.append(cum)
        prev = cum
    worst = cls.bounds.get(labels[-1])
    if worst is not None and worst.min_share is not None:
        limit = n - _count(n, worst.min_share, cls.rounding)
        counts = [pl.min_horizontal(c, limit) for c in counts]
    if worst is not None and worst.max_share is not None:
        floor = n - _count(n, worst.max_share, cls.rounding)
        counts[-1] = pl.max_horizontal(counts[-1], floor)
    return counts


def add_classes(lf: pl.LazyFrame, /, *, profile: Profile) -> pl.LazyFrame:
    """Add each ranked firm's class (as an index) and its score gap to the next better class.

    Under quotas the gap is the distance to the weakest firm of the better class in the same
    pool; under thresholds, the distance to the better class's threshold (and, where the better
    class is capped, to its weakest firm too).
    """
    cls = profile.classification
    better = range(len(cls.labels) - 1)  # classes with a class below them
    ranked = pl.col(RANKED)
    pool = gid_column([*pool_columns(profile), RANKED])
    rank = pl.col(Col.RANK)
    total = pl.col(Col.TOTAL)
    bounds = [pl.lit(0, pl.Int64), *(pl.col(_CUM.format(j)) for j in better)]
    # Boundaries rise with the class, so the class index is how many of them the rank passes.
    passed = [(rank > bounds[j + 1]).cast(pl.Int64) for j in better]
    index = pl.sum_horizontal(passed) if passed else pl.lit(0, pl.Int64)
    capped = [j for j in better if (cls.bounds.get(cls.labels[j]) or Bound()).max_share is not None]
    weakest_of = list(better) if cls.method == "quota" else capped
    # The weakest total of each better class in the firm's pool (null if it has no firms):
    # ranks follow totals, so it is the total of the class's last rank.
    # NOTE: working columns, computed once: inside the gap expression each window ran twice
    # (the gap took 1.35 s at 10M firms, 0.5 s this way).
    lf = lf.with_columns(
        pl.when(ranked).then(index).alias(CLASS_INDEX),
        *(
            pl.when(rank == bounds[j + 1]).then(total).max().over(pool).alias(_WEAKEST.format(j))
            for j in weakest_of
        ),
    )
    idx = pl.col(CLASS_INDEX)
    target = idx - 1  # the next better class
    better_min = first_match(
        (
            ((target == j) & (bounds[j + 1] > bounds[j]), pl.col(_WEAKEST.format(j)))
            for j in weakest_of
        ),
        otherwise=pl.lit(None, pl.Float64),
    )
    if cls.method == "threshold":
        # Reaching the threshold is enough, unless a cap on the better class means the firm
        # must also pass the weakest firm already in it.
        thresholds = {j: cls.thresholds[cls.labels[j]] for j in better}
        threshold = lookup(target, thresholds, dtype=pl.Float64)
        better_min = (
            pl.when(target.is_in(capped))
            .then(pl.max_horizontal(threshold, better_min))
            .otherwise(threshold)
        )
    reachable = (idx > 0) & better_min.is_not_null()  # an empty better class gives no gap
    gap = pl.when(reachable).then(pl.max_horizontal(better_min - total, pl.lit(0.0)))
    next_label = lookup(target, {j: cls.labels[j] for j in better}, dtype=label_enum(profile))
    return lf.with_columns(
        gap.alias(Col.GAP_TO_NEXT),
        next_label.alias(Col.NEXT_CLASS),
    ).drop(*(_CUM.format(j) for j in better), *(_WEAKEST.format(j) for j in weakest_of))
