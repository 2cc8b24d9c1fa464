"""Eligibility per firm: land transfer, rezoned land, dormitory share, mergers."""

from __future__ import annotations

import polars as pl

from mujun.policy.context import Context, outcome_rows, show
from mujun.profiles.levers import Eligibility


def eligibility(ctx: Context, rule: Eligibility) -> pl.DataFrame:
    """Every evaluated firm: eligible or not, and why."""
    firms = ctx.firms.filter(pl.col("eval_status") != "not_evaluated").select(
        "uscc", "name", "class_label", "land_mu"
    )
    label = pl.col("class_label")
    classed = ctx.rank(label).is_not_null()
    good = label.is_in(list(rule.classes)).fill_null(False) | (
        ~classed & pl.lit(rule.unclassed_allowed)
    )
    big = (
        pl.lit(True)
        if rule.min_land_mu is None
        else (pl.col("land_mu") >= rule.min_land_mu).fill_null(False)
    )
    allowed = "/".join(rule.classes)
    outcome = (
        pl.when(good & big)
        .then(pl.lit(f"符合{('：' + rule.grants) if rule.grants else ''}"))
        .when(~good)
        .then(pl.format("不符合：类别为 {}，须为 {} 类", label.fill_null("无"), pl.lit(allowed)))
        .otherwise(pl.lit(f"不符合：用地不足 {rule.min_land_mu or 0:g} 亩"))
    )
    inputs = pl.format("类别 {}；用地 {} 亩", label.fill_null("无"), show(pl.col("land_mu"), 2))
    return outcome_rows(
        firms, rule_id=rule.id, rule=rule.label, kind="eligibility", inputs=inputs, outcome=outcome
    )
