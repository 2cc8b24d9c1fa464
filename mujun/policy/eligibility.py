"""Eligibility per firm: land transfer, rezoned land, dormitory share, mergers.

A rule is one or more paths (any one suffices): a class, land at or above a size (compared at
the published precision of land), inside or outside a park, designations, further conditions.
"""

from __future__ import annotations

import polars as pl

from mujun.policy.context import Context, outcome_rows, show
from mujun.policy.watchlists import holds_any
from mujun.profiles.conditions import all_of, compare
from mujun.profiles.levers import Eligibility, EligibilityPath


def _in_park() -> pl.Expr:
    park = pl.col("park").cast(pl.String).str.strip_chars()
    return (park.is_not_null() & (park != "")).fill_null(value=False)


def _path(ctx: Context, path: EligibilityPath, digits: int) -> tuple[pl.Expr, pl.Expr]:
    """(holds, why not) for one path; ``why not`` names the first test that fails."""
    label = pl.col("class_label")
    tests: list[tuple[pl.Expr, pl.Expr]] = []
    if path.in_park is not None:
        inside = _in_park()
        tests.append(
            (inside, pl.lit("不在产业园区内"))
            if path.in_park
            else (~inside, pl.lit("位于产业园区内"))
        )
    if path.classes:
        classed = ctx.rank(label).is_not_null()
        good = label.cast(pl.String).is_in(list(path.classes)).fill_null(False) | (
            ~classed & pl.lit(path.unclassed_allowed)
        )
        allowed = "/".join(path.classes)
        tests.append(
            (good, pl.format("类别为 {}，须为 {} 类", label.fill_null("无"), pl.lit(allowed)))
        )
    if path.honours:
        tests.append(
            (pl.col("_honours").is_not_null(), pl.lit(f"不是{'/'.join(path.honours)}企业"))
        )
    if path.min_land_mu is not None:
        big = compare(pl.col("land_mu"), ">=", path.min_land_mu, digits).fill_null(False)
        tests.append((big, pl.lit(f"用地不足 {path.min_land_mu:g} 亩")))
    if path.when:
        tests.append((all_of(path.when), pl.lit("不满足其他条件")))
    if not tests:
        return pl.lit(True), pl.lit(None, pl.String)
    holds = pl.all_horizontal(t for t, _ in tests)
    why: pl.Expr = pl.lit(None, pl.String)
    for test, text in reversed(tests):
        why = pl.when(~test).then(text).otherwise(why)
    prefix = f"{path.label}：" if path.label else ""
    return holds, pl.format("{}{}", pl.lit(prefix), why)


def eligibility(ctx: Context, rule: Eligibility) -> pl.DataFrame:
    """Every evaluated firm: eligible or not, by which path, and why not."""
    honours = tuple(h for p in rule.ways for h in p.honours)
    firms = (
        ctx.firms.filter(pl.col("eval_status") != "not_evaluated")
        .select("uscc", "name", "class_label", "land_mu", "park", *_condition_columns(ctx))
        .join(holds_any(ctx, honours), on="uscc", how="left")
    )
    paths = [_path(ctx, p, rule.digits) for p in rule.ways]
    granted = f"：{rule.grants}" if rule.grants else ""
    via = pl.lit(None, pl.String)
    for (holds, _), path in reversed(list(zip(paths, rule.ways, strict=True))):
        via = pl.when(holds).then(pl.lit(f"（{path.label}）" if path.label else "")).otherwise(via)
    eligible = pl.any_horizontal(h for h, _ in paths)
    reasons = pl.concat_str([w for _, w in paths], separator="；", ignore_nulls=True)
    outcome = (
        pl.when(eligible)
        .then(pl.format("符合{}{}", via, pl.lit(granted)))
        .otherwise(pl.format("不符合：{}", reasons))
    )
    park = pl.col("park").cast(pl.String).fill_null("园区外")
    inputs = pl.format(
        "类别 {}；用地 {} 亩；{}",
        pl.col("class_label").fill_null("无"),
        show(pl.col("land_mu"), rule.digits),
        pl.when(_in_park()).then(park).otherwise(pl.lit("园区外")),
    )
    return outcome_rows(
        firms, rule_id=rule.id, rule=rule.label, kind="eligibility", inputs=inputs, outcome=outcome
    )


def _condition_columns(ctx: Context) -> list[str]:
    """Fact columns a path's conditions may read (everything the firm rows carry)."""
    skip = {"uscc", "name", "class_label", "land_mu", "park"}
    return [c for c in ctx.firms.columns if c not in skip]
