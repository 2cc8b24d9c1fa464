"""Policy stage: the region's levers and plan targets over published snapshots."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mujun.policy import eligibility, prices, subsidies, watchlists
from mujun.policy.context import ROW_SCHEMA, Context, load_context, show
from mujun.policy.targets import evaluate_targets


@dataclass(frozen=True)
class LeverResult:
    """Every lever's outcome per firm or project, and the total per rule."""

    rows: pl.DataFrame
    """See `ROW_SCHEMA`: rule, firm, project, class used, inputs, outcome, amount (万元)."""
    budget: pl.DataFrame
    """Per rule: rows, firms or projects with an amount, total amount (万元)."""


def overrides(ctx: Context) -> pl.DataFrame:
    """Classes set or bounded by construction-period rules, with the investment behind them."""
    hit = ctx.firms.filter(pl.col("override_rule").is_not_null())
    return hit.select(
        pl.col("override_rule").alias("rule_id"),
        pl.lit("建设期间等级调整").alias("rule"),
        pl.lit("override").alias("kind"),
        "uscc",
        "name",
        pl.lit(None).alias("project_id"),
        "class_label",
        pl.format(
            "在建项目投资 {} 万元；按得分为 {} 类",
            show(pl.col("construction_investment_wan")),
            pl.col("class_computed"),
        ).alias("inputs"),
        pl.col("override_reason").alias("outcome"),
        pl.lit(None, pl.Float64).alias("amount_wan"),
    ).cast(ROW_SCHEMA)


def evaluate_levers(ctx: Context, /) -> LeverResult:
    """Evaluate every lever of the context's profile."""
    lv = ctx.profile.levers
    parts = [overrides(ctx)]
    parts += [subsidies.renovation(ctx, r) for r in lv.renovation]
    parts += [subsidies.rental(ctx, r) for r in lv.rental]
    parts += [subsidies.extension(ctx, r) for r in lv.extension]
    parts += [prices.surcharge(ctx, r) for r in lv.surcharges]
    parts += [prices.relief(ctx, r) for r in lv.tax_relief]
    parts += [eligibility.eligibility(ctx, r) for r in lv.eligibility]
    parts += [watchlists.low_tax(ctx, r) for r in lv.low_tax]
    parts += [watchlists.class_intensity(ctx, r) for r in lv.class_intensity]
    parts += [watchlists.thresholds(ctx, r) for r in lv.thresholds]
    parts += [watchlists.idle(ctx, r) for r in lv.idle]
    parts += [watchlists.admission(ctx, r) for r in lv.admission]
    rows = pl.concat(parts, how="vertical")
    budget = rows.group_by("rule_id", "rule", "kind", maintain_order=True).agg(
        pl.len().alias("rows"),
        pl.col("amount_wan").is_not_null().sum().alias("with_amount"),
        pl.col("amount_wan").sum().alias("total_wan"),
    )
    return LeverResult(rows=rows, budget=budget)


__all__ = [
    "ROW_SCHEMA",
    "Context",
    "LeverResult",
    "evaluate_levers",
    "evaluate_targets",
    "load_context",
]
