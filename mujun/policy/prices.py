"""Differential prices per firm, land-use-tax relief, and treatments such as credit.

Electricity, water and gas surcharges by class (rising with consecutive years) or by 碳效等级.
"""

from __future__ import annotations

import polars as pl

from mujun import store as st
from mujun.policy.context import Context, outcome_rows, show
from mujun.profiles.levers import RESOURCES, GradeTreatment, Surcharge, TaxRelief


def _firms(ctx: Context) -> pl.DataFrame:
    firms = ctx.firms
    if ctx.inputs is not None:
        extra = [c for c in ctx.inputs.columns if c != "uscc" and c not in firms.columns]
        firms = firms.join(ctx.inputs.select("uscc", *extra), on="uscc", how="left")
    if "carbon_grade" in firms.columns:  # "3级", " 3 " and "3" are one grade
        firms = firms.with_columns(pl.col("carbon_grade").str.replace_all(r"[\s级]", ""))
    return firms.with_columns(
        pl.when(ctx.rank(pl.col("class_label")).is_not_null()).then(pl.col("class_label"))
    )


def surcharge(ctx: Context, rule: Surcharge) -> pl.DataFrame:
    """Rate by class and consecutive years in it, or by the year's 碳效等级, in 万元.

    Amount = rate × quantity ÷ 10000.

    With another surcharge the firm pays on the same resource (the inputs' 其他差别电价 / 水价 /
    气价), the highest applies (or both, if the rule says ``add``). A firm charged without a
    known quantity is listed with the rate and no amount, and says so.
    """
    firms = _firms(ctx)
    by_grade = rule.basis == "carbon_grade"
    if by_grade:
        grade = pl.col("carbon_grade") if "carbon_grade" in firms.columns else None
        label = grade if grade is not None else pl.lit(None, pl.String)
    else:
        label = pl.col("class_label")
        for cls in rule.by_class:
            streaks = st.streak(ctx.store, year=ctx.year, kind="class", target=cls)
            firms = firms.join(streaks.rename({"streak": f"_s_{cls}"}), on="uscc", how="left")
    years = pl.lit(None, pl.Int32)
    rate = pl.lit(None, pl.Float64)
    for cls, rates in rule.by_class.items():
        streak = pl.lit(1) if by_grade else pl.col(f"_s_{cls}").fill_null(1)
        index = pl.min_horizontal(streak, pl.lit(len(rates))) - 1
        value = index.replace_strict(dict(enumerate(rates)), default=None, return_dtype=pl.Float64)
        rate = pl.when(label == cls).then(value).otherwise(rate)
        years = pl.when(label == cls).then(streak).otherwise(years)
    other_col = RESOURCES[rule.resource][2]
    other = pl.col(other_col) if other_col in firms.columns else pl.lit(None, pl.Float64)
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
    missing = (
        pl.when(quantity.is_null()).then(pl.lit("（缺少用量，未计算金额）")).otherwise(pl.lit(""))
    )
    outcome = pl.when(charged).then(
        pl.format("加价 {} {}{}{}", applied, pl.lit(rule.unit), note, missing)
    )
    basis = "碳效等级 {}；用量 {}" if by_grade else "类别 {}；连续 {} 年；用量 {}"
    parts = [label.fill_null("无")] + ([] if by_grade else [years.cast(pl.String).fill_null("—")])
    inputs = pl.format(basis, *parts, show(quantity, 0))
    return outcome_rows(
        firms.filter(charged),
        rule_id=rule.id,
        rule=rule.label,
        kind="surcharge",
        inputs=inputs,
        outcome=outcome,
        amount=applied * quantity / 10000,
    )


def treatment(ctx: Context, rule: GradeTreatment) -> pl.DataFrame:
    """The treatment (e.g. 差异化信贷) each firm's class or 碳效等级 is given, in words.

    Firms with a grade are listed (a grade the rule does not name, with that said); without
    碳效等级 in the inputs the list is empty.
    """
    firms = _firms(ctx)
    column = "class_label" if rule.basis == "class" else "carbon_grade"
    if column not in firms.columns:
        firms = firms.with_columns(pl.lit(None, pl.String).alias(column))
    grade = pl.col(column).cast(pl.String)
    what = "类别" if rule.basis == "class" else "碳效等级"
    given = grade.replace_strict(rule.by_grade, default=None, return_dtype=pl.String)
    unknown = pl.format(f"{what} {{}} 不在本规则的等级表中，未给出措施", grade)
    return outcome_rows(
        firms.filter(grade.is_not_null()),
        rule_id=rule.id,
        rule=rule.label,
        kind="treatment",
        inputs=pl.format(f"{what} {{}}", grade),
        outcome=pl.coalesce(given, unknown),
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
