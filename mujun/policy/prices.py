"""Differential prices per firm: surcharges rising with consecutive years, land-use-tax relief."""

from __future__ import annotations

import polars as pl

from mujun import store as st
from mujun.policy.context import Context, outcome_rows, show
from mujun.profiles.levers import Surcharge, TaxRelief


def _firms(ctx: Context) -> pl.DataFrame:
    firms = ctx.firms
    if ctx.inputs is not None:
        extra = [c for c in ctx.inputs.columns if c != "uscc" and c not in firms.columns]
        firms = firms.join(ctx.inputs.select("uscc", *extra), on="uscc", how="left")
    return firms.with_columns(
        pl.when(ctx.rank(pl.col("class_label")).is_not_null()).then(pl.col("class_label"))
    )


def surcharge(ctx: Context, rule: Surcharge) -> pl.DataFrame:
    """Rate by class and consecutive years in it; amount = rate × quantity, in 万元.

    With another surcharge the firm pays, the highest applies (or both, if the rule says ``add``).
    """
    firms = _firms(ctx)
    streaks = [
        st.streak(ctx.store, year=ctx.year, kind="class", target=label).rename(
            {"streak": f"_s_{label}"}
        )
        for label in rule.by_class
    ]
    for s in streaks:
        firms = firms.join(s, on="uscc", how="left")
    label = pl.col("class_label")
    years = pl.lit(None, pl.Int32)
    rate = pl.lit(None, pl.Float64)
    for cls, rates in rule.by_class.items():
        streak = pl.col(f"_s_{cls}").fill_null(1)
        index = pl.min_horizontal(streak, pl.lit(len(rates))) - 1
        value = index.replace_strict(dict(enumerate(rates)), default=None, return_dtype=pl.Float64)
        rate = pl.when(label == cls).then(value).otherwise(rate)
        years = pl.when(label == cls).then(streak).otherwise(years)
    other = (
        pl.col("other_surcharge")
        if "other_surcharge" in firms.columns
        else pl.lit(None, pl.Float64)
    )
    applied = (
        pl.max_horizontal(rate, other)
        if rule.stacking == "highest"
        else rate.fill_null(0) + other.fill_null(0)
    )
    quantity = pl.col(rule.quantity) if rule.quantity in firms.columns else pl.lit(None, pl.Float64)
    charged = rate.is_not_null()
    note = (
        pl.when(
            charged & other.is_not_null() & (other >= rate) & pl.lit(rule.stacking == "highest")
        )
        .then(pl.lit("（其他差别/惩罚性价格更高，按其执行，不叠加）"))
        .otherwise(pl.lit(""))
    )
    outcome = pl.when(charged).then(pl.format("加价 {} {}{}", applied, pl.lit(rule.unit), note))
    inputs = pl.format(
        "类别 {}；连续 {} 年；用量 {}",
        label.fill_null("无"),
        years.cast(pl.String).fill_null("—"),
        show(quantity, 0),
    )
    return outcome_rows(
        firms.filter(charged),
        rule_id=rule.id,
        rule=rule.label,
        kind="surcharge",
        inputs=inputs,
        outcome=outcome,
        amount=applied * quantity / 10000,
    )


def relief(ctx: Context, rule: TaxRelief) -> pl.DataFrame:
    """The land-use-tax relief share each classed firm is entitled to."""
    firms = _firms(ctx)
    share = pl.col("class_label").replace_strict(
        rule.by_class, default=None, return_dtype=pl.Float64
    )
    return outcome_rows(
        firms.filter(share > 0),
        rule_id=rule.id,
        rule=rule.label,
        kind="relief",
        inputs=pl.format("类别 {}", pl.col("class_label")),
        outcome=pl.format("城镇土地使用税减免 {}%", (share * 100).round(1)),
    )
