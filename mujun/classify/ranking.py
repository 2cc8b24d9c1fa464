"""Rank firms within their pool and turn ranks into classes by quotas or score thresholds.

Tie-break (documented, deterministic): higher total first; then the profile's ``tie_break``
indicators, higher value first (unknown values last); then the USCC in ascending order.
"""

from __future__ import annotations

import polars as pl

from mujun._exprs import first_match
from mujun.profiles.models import Bound, Classification, Profile
from mujun.schema import Col, item_col

_PPM = 1_000_000
RANKED = "_ranked"
CLASS_INDEX = "_class_index"
"""Working column: the firm is ranked in its pool (part of every ranking window's keys)."""
# NOTE: totals are sums of float products; a firm exactly at a threshold may compute as
# 79.99999999999999. Comparisons allow this much slack so the published boundary holds.
_EPS = 1e-9


def pool_columns(profile: Profile) -> list[str]:
    """Columns that define a ranking pool (the cohort first where cohorts rank apart)."""
    cls = profile.classification
    return [*([Col.COHORT] if cls.pool_by_cohort else []), *cls.pool]


def add_ranks(lf: pl.LazyFrame, /, *, profile: Profile) -> pl.LazyFrame:
    """Add pool name, pool size, rank and rank share for ranked firms."""
    cols = pool_columns(profile)
    ranked = pl.col(Col.STATUS) == "ranked"
    partition = [*cols, RANKED]
    order = pl.struct(
        (-pl.col(Col.TOTAL)).alias("t"),
        *(
            (-pl.col(item_col(tb, "value"))).fill_null(float("inf")).alias(f"b{i}")
            for i, tb in enumerate(profile.classification.tie_break)
        ),
        pl.col("uscc").alias("u"),
    )
    lf = lf.with_columns(ranked.alias(RANKED))
    labels = [pl.col(c).cast(pl.String).fill_null("（空）") for c in cols]
    if Col.COHORT in cols:
        labels[0] = pl.col(Col.COHORT_LABEL).fill_null("（空）")
    pool_name = pl.concat_str(labels, separator="/") if labels else pl.lit("全部")
    rank = order.rank("ordinal").over(partition)
    size = pl.len().over(partition)
    return lf.with_columns(
        pl.when(ranked).then(pool_name).alias(Col.POOL),
        pl.when(ranked).then(size).cast(pl.Int64).alias(Col.POOL_SIZE),
        pl.when(ranked).then(rank).cast(pl.Int64).alias(Col.RANK),
    ).with_columns(
        (pl.col(Col.RANK) / pl.col(Col.POOL_SIZE)).alias(Col.RANK_PCT),
    )


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


def cumulative_counts(cls: Classification, *, n: pl.Expr, partition: list[str]) -> list[pl.Expr]:
    """For each class but the worst, how many of the pool's top-ranked firms reach it or better.

    Quotas give ``round(n × cumulative share)``; thresholds give the number of firms at or above
    each threshold. Bounds then hold each class's count within ``[min_share, max_share]`` of the
    pool, taking firms from the next class down (or up, for the worst class).
    """
    labels = cls.labels
    counts: list[pl.Expr] = []
    prev: pl.Expr = pl.lit(0, pl.Int64)
    running_share = 0.0
    for label in labels[:-1]:
        if cls.method == "quota":
            running_share += cls.quotas[label]
            cum = _count(n, running_share, cls.rounding)
        else:
            reached = pl.col(Col.TOTAL) + _EPS >= cls.thresholds[label]
            cum = reached.sum().over(partition).cast(pl.Int64)
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
    pool; under thresholds, the distance to the better class's threshold.
    """
    cls = profile.classification
    ranked = pl.col(RANKED)
    partition = [*pool_columns(profile), RANKED]
    n = pl.col(Col.POOL_SIZE)
    rank = pl.col(Col.RANK)
    index = first_match(
        (
            (rank <= cum, pl.lit(i, pl.Int64))
            for i, cum in enumerate(cumulative_counts(cls, n=n, partition=partition))
        ),
        otherwise=pl.lit(len(cls.labels) - 1, pl.Int64),
    )
    index = pl.when(ranked).then(index)
    lf = lf.with_columns(index.alias(CLASS_INDEX))

    # The weakest total of each class in each pool, keyed to the class below it: one small
    # group-by and a join (cheaper than a filtered window per class).
    keys = [*pool_columns(profile), RANKED, CLASS_INDEX]
    weakest = (
        lf.filter(ranked)
        .group_by(keys)
        .agg(pl.col(Col.TOTAL).min().alias("_better_min"))
        .with_columns(pl.col(CLASS_INDEX) + 1)
    )
    lf = lf.join(weakest, on=keys, how="left", nulls_equal=True, maintain_order="left")
    idx = pl.col(CLASS_INDEX)
    better_min = pl.col("_better_min")
    if cls.method == "threshold":
        # Reaching the threshold is enough, unless a cap on the better class means the firm
        # must also pass the weakest firm already in it.
        threshold = (idx - 1).replace_strict(
            {j: cls.thresholds[lab] for j, lab in enumerate(cls.labels[:-1])},
            default=None,
            return_dtype=pl.Float64,
        )
        capped = [
            j
            for j, lab in enumerate(cls.labels[:-1])
            if (cls.bounds.get(lab) or Bound()).max_share is not None
        ]
        better_min = (
            pl.when((idx - 1).is_in(capped))
            .then(pl.max_horizontal(threshold, better_min))
            .otherwise(threshold)
        )
    reachable = (idx > 0) & better_min.is_not_null()  # an empty better class gives no gap
    gap = pl.when(reachable).then(pl.max_horizontal(better_min - pl.col(Col.TOTAL), pl.lit(0.0)))
    label_of = dict(enumerate(cls.labels))
    next_label = (idx - 1).replace_strict(label_of, default=None, return_dtype=pl.String)
    return lf.with_columns(
        gap.alias(Col.GAP_TO_NEXT),
        pl.when(idx > 0).then(next_label).alias(Col.NEXT_CLASS),
    ).drop("_better_min")
