"""Subsidies per project: technical renovation, rental, vertical extension (Tiantai)."""

from __future__ import annotations

import polars as pl

from mujun.policy.context import ROW_SCHEMA, Context, outcome_rows, show
from mujun.profiles.conditions import DEFAULT_DIGITS, compare
from mujun.profiles.levers import ExtensionSubsidy, RenovationSubsidy, RentalSubsidy

_DIGITS = DEFAULT_DIGITS
"""Investment (万元) and floor area (m²) meet band limits at 2 decimals, as published."""


def _projects(ctx: Context) -> pl.DataFrame:
    """Projects with their firm's name and class (null where the firm has no class)."""
    if ctx.projects is None:
        return pl.DataFrame(schema={"project_id": pl.String, "uscc": pl.String})
    firms = ctx.firms.select("uscc", "name", "class_label")
    classed = firms.with_columns(
        pl.when(ctx.rank(pl.col("class_label")).is_not_null()).then(pl.col("class_label"))
    )
    return ctx.projects.join(classed, on="uscc", how="left")


def _rows(
    frame: pl.DataFrame,
    rule_id: str,
    label: str,
    *,
    inputs: pl.Expr,
    outcome: pl.Expr,
    amount: pl.Expr,
) -> pl.DataFrame:
    return outcome_rows(frame, rule_id=rule_id, rule=label, kind="subsidy", inputs=inputs,
                        outcome=outcome, amount=amount, per_project=True)  # fmt: skip


def _capped_share(cap: float) -> pl.Expr:
    """A project's part of its firm's capped total, the cap taken in project order.

    Reads ``_raw`` (the project's uncapped amount) and ``_cum`` (its firm's running sum).
    """
    before = pl.col("_cum") - pl.col("_raw")
    return pl.max_horizontal(
        pl.min_horizontal(pl.col("_cum"), pl.lit(cap)) - pl.min_horizontal(before, pl.lit(cap)),
        pl.lit(0.0),
    )


def renovation(ctx: Context, rule: RenovationSubsidy) -> pl.DataFrame:
    """Band by equipment investment; the class raises the base rate and the cap.

    subsidy = min(investment × base_rate × (1 + rate uplift), base_cap × (1 + cap uplift)).
    """
    projects = _projects(ctx)
    if "equipment_investment_wan" not in projects.columns:
        return pl.DataFrame(schema=ROW_SCHEMA)
    invest = pl.col("equipment_investment_wan")
    band = pl.lit(None, pl.Int32)
    for i, b in reversed(list(enumerate(rule.bands))):
        inside = compare(invest, ">=", b.min_wan, _DIGITS)
        if b.max_wan is not None:
            inside = inside & compare(invest, "<", b.max_wan, _DIGITS)
        band = pl.when(inside).then(pl.lit(i, pl.Int32)).otherwise(band)
    label = pl.col("class_label")
    rate_up = pl.lit(0.0)
    for cls, rises in rule.rate_uplift.items():
        rate_up = (
            pl.when(label == cls)
            .then(
                pl.col("_band").replace_strict(
                    dict(enumerate(rises)), default=0.0, return_dtype=pl.Float64
                )
            )
            .otherwise(rate_up)
        )
    cap_up = label.replace_strict(rule.cap_uplift, default=0.0, return_dtype=pl.Float64).fill_null(
        0.0
    )
    base_rate = pl.col("_band").replace_strict(
        {i: b.base_rate for i, b in enumerate(rule.bands)}, default=None, return_dtype=pl.Float64
    )
    base_cap = pl.col("_band").replace_strict(
        {i: b.base_cap_wan for i, b in enumerate(rule.bands)}, default=None, return_dtype=pl.Float64
    )
    frame = projects.with_columns(band.alias("_band")).with_columns(
        (base_rate * (1 + rate_up)).alias("_rate"), (base_cap * (1 + cap_up)).alias("_cap")
    )
    amount = pl.min_horizontal(invest * pl.col("_rate"), pl.col("_cap"))
    eligible = pl.col("_band").is_not_null()
    inputs = pl.format(
        "设备投资 {} 万元；档次 {}；类别 {}；补助比例 {}；限额 {} 万元",
        show(invest),
        (pl.col("_band") + 1).cast(pl.String).fill_null("无"),
        label.fill_null("无"),
        show(pl.col("_rate"), 4),
        show(pl.col("_cap"), 2),
    )
    first = rule.bands[0].min_wan
    outcome = (
        pl.when(eligible)
        .then(pl.lit("补助"))
        .otherwise(pl.lit(f"设备投资不足 {first:g} 万元，不予补助"))
    )
    return _rows(
        frame,
        rule.id,
        rule.label,
        inputs=inputs,
        outcome=outcome,
        amount=pl.when(eligible).then(amount),
    )


def rental(ctx: Context, rule: RentalSubsidy) -> pl.DataFrame:
    """Rent subsidy for newly rented factory space of large new projects by good firms."""
    projects = _projects(ctx)
    needed = {"total_investment_wan", "new_rented_m2"}
    if not needed <= set(projects.columns):
        return pl.DataFrame(schema=ROW_SCHEMA)
    area, invest, label = (
        pl.col("new_rented_m2"),
        pl.col("total_investment_wan"),
        pl.col("class_label"),
    )
    good_class = label.is_in(list(rule.classes)).fill_null(False)
    big = compare(invest, ">=", rule.min_project_investment_wan, _DIGITS).fill_null(False)
    rented = (area > 0).fill_null(False)
    raw = area * rule.yuan_per_m2_month * rule.months / 10000
    if rule.cap_per == "firm":
        due = pl.when(rented & big & good_class).then(raw).otherwise(0.0)
        projects = projects.with_columns(due.alias("_raw")).with_columns(
            pl.col("_raw").cum_sum().over("uscc", order_by="project_id").alias("_cum")
        )
        amount = _capped_share(rule.max_wan)
    else:
        amount = pl.min_horizontal(raw, pl.lit(rule.max_wan))
    outcome = (
        pl.when(~rented)
        .then(pl.lit("无新增租赁厂房"))
        .when(~big)
        .then(pl.lit(f"项目投资不足 {rule.min_project_investment_wan:g} 万元"))
        .when(~good_class)
        .then(pl.lit(f"上年度亩均评价不是 {'/'.join(rule.classes)} 类"))
        .otherwise(pl.lit("补助"))
    )
    inputs = pl.format(
        "项目投资 {} 万元；新增租赁厂房 {} 平方米；类别 {}",
        show(invest),
        show(area),
        label.fill_null("无"),
    )
    return _rows(
        projects,
        rule.id,
        rule.label,
        inputs=inputs,
        outcome=outcome,
        amount=pl.when(rented & big & good_class).then(amount),
    )


def extension(ctx: Context, rule: ExtensionSubsidy) -> pl.DataFrame:
    """One-off subsidy per m² of vertical extension, capped per firm across its projects."""
    projects = _projects(ctx)
    if "extension_m2" not in projects.columns:
        return pl.DataFrame(schema=ROW_SCHEMA)
    area = pl.col("extension_m2")
    eligible = compare(area, ">=", rule.min_area_m2, _DIGITS).fill_null(False)
    raw = pl.when(eligible).then(area * rule.yuan_per_m2 / 10000).otherwise(0.0)
    frame = projects.with_columns(raw.alias("_raw")).with_columns(
        pl.col("_raw").cum_sum().over("uscc", order_by="project_id").alias("_cum")
    )
    amount = _capped_share(rule.max_wan_per_firm)
    outcome = (
        pl.when(eligible)
        .then(pl.lit("补助"))
        .otherwise(pl.lit(f"加层面积不足 {rule.min_area_m2:g} 平方米"))
    )
    inputs = pl.format(
        "加层扩建 {} 平方米；单价 {} 元/平方米；每家企业限额 {} 万元",
        show(area),
        pl.lit(rule.yuan_per_m2),
        pl.lit(rule.max_wan_per_firm),
    )
    return _rows(
        frame,
        rule.id,
        rule.label,
        inputs=inputs,
        outcome=outcome,
        amount=pl.when(eligible).then(amount),
    )
