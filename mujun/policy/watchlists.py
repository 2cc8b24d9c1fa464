"""Watch lists per firm and project admission tests.

Low efficiency, high carbon, region × industry guides, idle firms, tax arrears.
"""

from __future__ import annotations

import polars as pl

from mujun import store as st
from mujun.policy.context import ROW_SCHEMA, Context, outcome_rows, show
from mujun.profiles._base import expand_divisions
from mujun.profiles.conditions import condition_expr
from mujun.profiles.levers import (
    AdmissionTest,
    ClassAndIntensityList,
    IdleList,
    LowTaxList,
    ThresholdList,
)

_DIVISION = pl.col("industry_code").str.extract(r"^[A-Za-z]?(\d{2})", 1)


def _listed(
    ctx: Context,
    frame: pl.DataFrame,
    rule_id: str,
    label: str,
    *,
    inputs: pl.Expr,
    outcome: pl.Expr | str = "列入",
) -> pl.DataFrame:
    names = ctx.firms.select("uscc", "name", "class_label")
    frame = frame.join(names, on="uscc", how="left") if "name" not in frame.columns else frame
    return outcome_rows(
        frame, rule_id=rule_id, rule=label, kind="watch", inputs=inputs, outcome=outcome
    )


def low_tax(ctx: Context, rule: LowTaxList) -> pl.DataFrame:
    """Tax per mu at or below the firm's revenue tier for ``years`` consecutive data years."""
    years = list(range(ctx.data_year - rule.years + 1, ctx.data_year + 1))
    facts = st.facts_of_years(ctx.store, years).filter(pl.col("land_mu") > 0)
    per_mu = pl.col("tax_wan") / pl.col("land_mu")
    limit = pl.lit(None, pl.Float64)
    for tier in sorted(rule.tiers, key=lambda t: t.min_revenue_wan):
        limit = (
            pl.when(pl.col("revenue_wan").fill_null(0) >= tier.min_revenue_wan)
            .then(pl.lit(tier.max_tax_per_mu))
            .otherwise(limit)
        )
    yearly = facts.with_columns(per_mu.alias("_per_mu"), limit.alias("_limit"))
    hits = yearly.filter((pl.col("_per_mu") <= pl.col("_limit")).fill_null(False)).select(
        "uscc", pl.col("year").alias("y")
    )
    streak = st.consecutive(hits, last=ctx.data_year, lookback=rule.years)
    listed = streak.filter(pl.col("streak") >= rule.years).join(
        yearly.filter(pl.col("year") == ctx.data_year).select(
            "uscc", "_per_mu", "_limit", "revenue_wan"
        ),
        on="uscc",
    )
    inputs = pl.format(
        "营业收入 {} 万元；亩均税收 {} 万元/亩（限 {}）；连续 {} 年",
        show(pl.col("revenue_wan"), 0),
        show(pl.col("_per_mu"), 2),
        show(pl.col("_limit"), None),
        pl.col("streak"),
    )
    return _listed(ctx, listed, rule.id, rule.label, inputs=inputs)


def class_intensity(ctx: Context, rule: ClassAndIntensityList) -> pl.DataFrame:
    """Listed classes, or high energy with low tax per mu; protected groups left out."""
    firms = ctx.firms.with_columns(
        (pl.col("energy_tce") / pl.col("revenue_wan")).alias("_energy_rev"),
        (pl.col("tax_wan") / pl.col("land_mu")).alias("_per_mu"),
    )
    by_class = pl.col("class_label").is_in(list(rule.classes)).fill_null(False)
    intensive = pl.lit(False)
    if rule.min_energy_per_revenue is not None and rule.max_tax_per_mu is not None:
        intensive = (
            (pl.col("_energy_rev") >= rule.min_energy_per_revenue)
            & (pl.col("_per_mu") <= rule.max_tax_per_mu)
        ).fill_null(False)
    protected = pl.any_horizontal(
        pl.lit(False),
        *(condition_expr(c) for c in rule.protected),
        _DIVISION.is_in(list(expand_divisions(rule.protected_industries))).fill_null(False),
    )
    listed = firms.filter((by_class | intensive) & ~protected)
    why = (
        pl.when(by_class)
        .then(pl.format("亩均评价 {} 类", pl.col("class_label")))
        .otherwise(
            pl.format(
                "单位营收能耗 {} 吨标准煤/万元，亩均税收 {} 万元/亩",
                show(pl.col("_energy_rev"), 3),
                show(pl.col("_per_mu"), 2),
            )
        )
    )
    return _listed(ctx, listed, rule.id, rule.label, inputs=why)


def thresholds(ctx: Context, rule: ThresholdList) -> pl.DataFrame:
    """Listed when every limit of the firm's most specific table row is breached.

    Rows are region × industry; the limits are high energy per VA and low tax per mu.
    """
    firms = ctx.firms.filter(pl.col("eval_status") != "not_evaluated").with_columns(
        _DIVISION.alias("_div"),
        pl.col("county").fill_null("*").alias("_county"),
        (pl.col("tax_wan") / pl.col("land_mu")).alias("_per_mu"),
        (pl.col("energy_tce") / pl.col("value_added_wan")).alias("_energy_va"),
    )
    table = pl.DataFrame([t.model_dump() for t in rule.table]).with_row_index("_t")
    candidates = (
        firms.join(table, how="cross")
        .filter(
            ((pl.col("county") == "*") | (pl.col("county") == pl.col("_county")))
            & ((pl.col("industry") == "*") | (pl.col("industry") == pl.col("_div")))
        )
        .with_columns(
            (
                (pl.col("county") != "*").cast(pl.Int32) * 2
                + (pl.col("industry") != "*").cast(pl.Int32)
            ).alias("_specific")
        )
    )
    best = candidates.sort("_specific", "_t", descending=[True, False]).unique("uscc", keep="first")
    tax_low = (
        pl.when(pl.col("max_tax_per_mu").is_not_null())
        .then(pl.col("_per_mu") <= pl.col("max_tax_per_mu"))
        .otherwise(pl.lit(True))
    )
    energy_high = (
        pl.when(pl.col("min_energy_per_va").is_not_null())
        .then(pl.col("_energy_va") >= pl.col("min_energy_per_va"))
        .otherwise(pl.lit(True))
    )
    listed = best.filter((tax_low & energy_high).fill_null(False))
    inputs = pl.format(
        "亩均税收 {} 万元/亩（限 {}）；单位增加值能耗 {} 吨标准煤/万元（限 {}）；适用 {}/{}",
        show(pl.col("_per_mu"), 2),
        show(pl.col("max_tax_per_mu"), None),
        show(pl.col("_energy_va"), 3),
        show(pl.col("min_energy_per_va"), None),
        pl.col("county"),
        pl.col("industry"),
    )
    return _listed(ctx, listed, rule.id, rule.label, inputs=inputs)


def idle(ctx: Context, rule: IdleList) -> pl.DataFrame:
    """No production for consecutive data years, or land-use-tax arrears of enough years."""
    if rule.measure == "land_tax_arrears":
        if ctx.inputs is None or "land_tax_arrears_years" not in ctx.inputs.columns:
            return pl.DataFrame(schema=ROW_SCHEMA)
        listed = ctx.inputs.filter(pl.col("land_tax_arrears_years") >= rule.years)
        inputs = pl.format("欠缴城镇土地使用税 {} 年", pl.col("land_tax_arrears_years"))
        return _listed(
            ctx, listed.select("uscc", "land_tax_arrears_years"), rule.id, rule.label, inputs=inputs
        )
    years = list(range(ctx.data_year - rule.years + 1, ctx.data_year + 1))
    facts = st.facts_of_years(ctx.store, years)
    produced = pl.coalesce("output_wan", "revenue_wan")
    hits = facts.filter((produced <= 0).fill_null(False)).select("uscc", pl.col("year").alias("y"))
    streak = st.consecutive(hits, last=ctx.data_year, lookback=rule.years)
    listed = streak.filter(pl.col("streak") >= rule.years)
    stopped = pl.format("连续 {} 年无产值（停产）", pl.col("streak"))
    return _listed(ctx, listed, rule.id, rule.label, inputs=stopped)


def admission(ctx: Context, rule: AdmissionTest) -> pl.DataFrame:
    """A project's labour productivity against ``min_ratio`` × last year's industry average."""
    if ctx.projects is None or ctx.averages is None:
        return pl.DataFrame(schema=ROW_SCHEMA)
    column = "province_avg" if rule.reference == "province" else "city_avg"
    projects = ctx.projects.filter(pl.col("project_type") == rule.project_type).with_columns(
        pl.col("industry_code").str.extract(r"^[A-Za-z]?(\d{2})", 1).alias("_div")
    )
    averages = ctx.averages.select(
        pl.col("industry").str.extract(r"^[A-Za-z]?(\d{2})", 1).alias("_div"), column
    )
    joined = projects.join(averages, on="_div", how="left")
    need = pl.col(column) * rule.min_ratio
    productivity = pl.col("labour_productivity")
    outcome = (
        pl.when(pl.col(column).is_null())
        .then(pl.lit("缺少该行业的上年度平均值，无法判断"))
        .when(productivity >= need)
        .then(pl.lit("准入"))
        .otherwise(pl.lit("不予准入：全员劳动生产率未达到要求"))
    )
    where = "全省" if rule.reference == "province" else "全市"
    inputs = pl.format(
        "全员劳动生产率 {} 万元/人；上年度{}同行业平均 {}，须 ≥ {}",
        show(productivity),
        pl.lit(where),
        show(pl.col(column)),
        show(need),
    )
    names = ctx.firms.select("uscc", "name", "class_label")
    return outcome_rows(
        joined.join(names, on="uscc", how="left"),
        rule_id=rule.id,
        rule=rule.label,
        kind="admission",
        inputs=inputs,
        outcome=outcome,
        per_project=True,
    )
