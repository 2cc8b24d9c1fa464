"""Who moves between two results of the same firms: migration, movers and why, rank agreement.

Both sides are engine results (`mujun.score` frames, or a published run read back with its
items); classes are the engine's, so a manual adjustment on the published run is not a move.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mujun._exprs import class_index
from mujun.profiles.models import Profile
from mujun.schema import Col, item_col

_EXPLAINED = 3
"""How many indicator items (largest changes first) a mover's explanation names."""


_UNCHANGED = "各项得分未变（名次随其他企业变动）"
"""A mover whose items did not change: others moved past it (quotas are shares of a pool)."""


@dataclass(frozen=True)
class Comparison:
    """Two results side by side; ``a`` is the base, ``b`` the variant."""

    summary: pl.DataFrame
    """One row: firms in both, class changes, up, down, Spearman rank correlation of totals."""
    matrix: pl.DataFrame
    """All firms: class in ``a`` (rows) × class in ``b`` (columns), firms."""
    migration: pl.DataFrame
    """County, township, cohort (its Chinese label), class in ``a``, class in ``b``, firms."""
    movers: pl.DataFrame
    """Each firm whose class changed: identity, both classes, totals, ranks, and the items
    that changed most (``explanation``)."""


def class_step(profile: Profile, label: pl.Expr) -> pl.Expr:
    """0 for the best class, 1 for the next, …; null for labels that are not classes."""
    return class_index(profile.classification.labels, label)


def compare(
    a: pl.DataFrame,
    b: pl.DataFrame,
    *,
    profile: Profile,
    items_a: pl.DataFrame | None = None,
) -> Comparison:
    """Compare result ``b`` with base ``a`` (same firms; rows in any order).

    Args:
        a: the base result, with ``uscc``, identity, ``cohort_label``, ``class_label``,
            ``total_score`` and ``rank``.
        b: the variant's result, with the same columns.
        profile: the variant's profile (class order and indicator names).
        items_a: ``uscc`` and the item score columns (``<indicator>__item``) of ``a``, when
            ``a`` does not hold them itself (a published run read back from the store).
    """
    both = _pairs(a, b).rename({Col.CLASS: "class_a", Col.TOTAL: "total_a", Col.RANK: "rank_a",
              f"{Col.CLASS}_b": "class_b", f"{Col.TOTAL}_b": "total_b", f"{Col.RANK}_b": "rank_b"}
    ).with_columns(
        pl.col("class_a", "class_b").cast(pl.String),
        pl.coalesce(pl.col(Col.COHORT_LABEL, f"{Col.COHORT_LABEL}_b").cast(pl.String))
        .alias(Col.COHORT),
    ).drop(Col.COHORT_LABEL, f"{Col.COHORT_LABEL}_b")  # fmt: skip
    moved = pl.col("class_a").ne_missing(pl.col("class_b"))
    step = class_step(profile, pl.col("class_b")) - class_step(profile, pl.col("class_a"))
    migration = (
        both.group_by("county", "township", Col.COHORT, "class_a", "class_b")
        .agg(pl.len().alias("firms"))
        .sort("county", "township", Col.COHORT, "class_a", "class_b", nulls_last=True)
    )
    movers = both.filter(moved).with_columns(
        pl.when(step < 0).then(pl.lit("升")).when(step > 0).then(pl.lit("降"))
        .otherwise(pl.lit("—")).alias("direction")
    )  # fmt: skip
    movers = (
        movers.join(
            _explanations(movers.select("uscc"), a if items_a is None else items_a, b, profile),
            on="uscc",
            how="left",
        )
        .with_columns(pl.col("explanation").fill_null(_UNCHANGED))
        .sort("county", "township", "uscc")
    )
    ranked = both.filter(pl.col("rank_a").is_not_null() & pl.col("rank_b").is_not_null())
    summary = both.select(
        pl.len().alias("firms"),
        moved.sum().alias("changed"),
        (step < 0).sum().alias("up"),
        (step > 0).sum().alias("down"),
    ).with_columns(
        pl.lit(
            ranked.select(pl.corr("total_a", "total_b", method="spearman")).item()
            if ranked.height > 1
            else None,
            pl.Float64,
        ).alias("rank_correlation")
    )
    return Comparison(
        summary=summary, matrix=migration_matrix(both), migration=migration, movers=movers
    )


def migration_matrix(pairs: pl.DataFrame) -> pl.DataFrame:
    """``class_a`` × ``class_b`` firm counts (rows and columns in sorted label order)."""
    none = "（无）"  # the firm is on one side only
    counts = (
        pairs.with_columns(pl.col("class_a", "class_b").fill_null(none))
        .group_by("class_a", "class_b")
        .agg(pl.len().alias("firms"))
    )
    labels = sorted(set(counts["class_b"]))
    wide = counts.pivot("class_b", index="class_a", values="firms", on_columns=labels)
    return wide.sort("class_a").fill_null(0).rename({"class_a": "原等级 \\ 新等级"})


def _pairs(a: pl.DataFrame, b: pl.DataFrame) -> pl.DataFrame:
    """Each firm's row of ``a`` beside its row of ``b`` (a firm on one side only: nulls)."""
    keep = ["uscc", Col.CLASS, Col.TOTAL, Col.RANK, Col.COHORT_LABEL]
    left = a.select("uscc", "name", "county", "township", *keep[1:])
    right = b.select(*keep, pl.lit(value=True).alias("_in_b"))
    # NOTE: the usual case is the same firms on both sides; a left join is ~40 % cheaper than a
    # full one at 1M firms, so the full join only runs when some firm is on one side only.
    both = left.join(right, on="uscc", how="left", suffix="_b")
    if a.height != b.height or both["_in_b"].null_count():
        both = left.join(right, on="uscc", how="full", suffix="_b", coalesce=True)
    return both.drop("_in_b")


def _explanations(
    movers: pl.DataFrame, items_a: pl.DataFrame, b: pl.DataFrame, profile: Profile
) -> pl.DataFrame:
    """Per mover: the indicators whose item score changed most, e.g. "亩均税收 +3.20 分"."""
    suffix = item_col("", "item")
    in_a = {c.removesuffix(suffix) for c in items_a.columns if c.endswith(suffix)}
    in_b = {c.removesuffix(suffix) for c in b.columns if c.endswith(suffix)}
    indicators = [i for i in profile.indicators if i in in_a | in_b] + sorted(
        (in_a | in_b) - set(profile.indicators)
    )

    def side(frame: pl.DataFrame, present: set[str], tag: str) -> pl.DataFrame:
        # the movers (few) are the build side of the join
        items = (pl.col(item_col(i, "item")).alias(f"{tag}{i}") for i in present)
        return movers.join(frame.select("uscc", *items), on="uscc")

    def got(tag: str, i: str, present: set[str]) -> pl.Expr:
        return pl.col(f"{tag}{i}").fill_null(0) if i in present else pl.lit(0.0)  # none: 0

    wide = side(items_a, in_a, "a:").join(side(b, in_b, "b:"), on="uscc", how="left")
    change = [(got("b:", i, in_b) - got("a:", i, in_a)).alias(i) for i in indicators]
    delta = (
        wide.select("uscc", *change)
        .unpivot(index="uscc", variable_name="indicator", value_name="d")
        .filter(pl.col("d").abs() >= 0.005)
        .sort("uscc", pl.col("d").abs(), descending=[False, True])
        .group_by("uscc", maintain_order=True)
        .head(_EXPLAINED)
    )
    names = {i: ind.label for i, ind in profile.indicators.items()}
    text = pl.format(
        "{} {} 分",
        pl.col("indicator").replace_strict(names, default=pl.col("indicator")),
        pl.when(pl.col("d") > 0).then(pl.lit("+")).otherwise(pl.lit(""))
        + pl.col("d").round(2).cast(pl.String),
    )
    return delta.group_by("uscc", maintain_order=True).agg(text.str.join("；").alias("explanation"))
