"""Policy stage: the region's levers and plan targets over published snapshots."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from mujun.policy import eligibility, prices, subsidies, watchlists
from mujun.policy.context import ROW_SCHEMA, Context, load_context, outcome_rows, show
from mujun.policy.targets import evaluate_targets

KIND_NAMES = {"subsidy": "补助", "surcharge": "差别化价格", "relief": "减免", "eligibility": "资格",
              "watch": "监管清单", "admission": "项目准入", "override": "等级调整"}  # fmt: skip
"""Chinese names of the lever kinds, for what officials read."""


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
    inputs = pl.format(
        "在建项目投资 {} 万元；按得分为 {} 类",
        show(pl.col("construction_investment_wan")),
        pl.col("class_computed"),
    )
    return outcome_rows(
        hit,
        rule_id=pl.col("override_rule"),
        rule="建设期间等级调整",
        kind="override",
        inputs=inputs,
        outcome=pl.col("override_reason"),
    )


def evaluate_levers(ctx: Context, /) -> LeverResult:
    """Evaluate every lever of the context's profile.

    The budget lists every configured rule, including those no firm or project met.
    """
    lv = ctx.profile.levers
    steps: list[tuple[str, Any, Callable[[Context, Any], pl.DataFrame]]] = [
        *(("subsidy", r, subsidies.renovation) for r in lv.renovation),
        *(("subsidy", r, subsidies.rental) for r in lv.rental),
        *(("subsidy", r, subsidies.extension) for r in lv.extension),
        *(("surcharge", r, prices.surcharge) for r in lv.surcharges),
        *(("relief", r, prices.relief) for r in lv.tax_relief),
        *(("eligibility", r, eligibility.eligibility) for r in lv.eligibility),
        *(("watch", r, watchlists.low_tax) for r in lv.low_tax),
        *(("watch", r, watchlists.class_intensity) for r in lv.class_intensity),
        *(("watch", r, watchlists.thresholds) for r in lv.thresholds),
        *(("watch", r, watchlists.idle) for r in lv.idle),
        *(("watch", r, watchlists.firm_list) for r in lv.firm_lists),
        *(("watch", r, watchlists.blocks) for r in lv.blocks),
        *(("watch", r, watchlists.inspections) for r in lv.inspections),
        *(("admission", r, watchlists.admission) for r in lv.admission),
    ]
    parts = [overrides(ctx)] + [run(ctx, rule) for _, rule, run in steps]
    rows = pl.concat(parts, how="vertical")
    configured = pl.DataFrame(
        {"rule_id": [r.id for _, r, _ in steps], "rule": [r.label for _, r, _ in steps],
         "kind": [k for k, _, _ in steps]},
        schema={"rule_id": pl.String, "rule": pl.String, "kind": pl.String},
    )  # fmt: skip
    counted = rows.group_by("rule_id").agg(
        pl.len().alias("rows"),
        pl.col("amount_wan").is_not_null().sum().alias("with_amount"),
        pl.col("amount_wan").sum().alias("total_wan"),
    )
    overridden = rows.filter(pl.col("kind") == "override").select(
        "rule_id", "rule", "kind").unique(maintain_order=True)  # fmt: skip
    budget = (
        pl.concat([overridden, configured], how="vertical")
        .join(counted, on="rule_id", how="left", maintain_order="left")
        .with_columns(
            pl.col("rows").fill_null(0), pl.col("with_amount").fill_null(0),
            pl.col("total_wan").fill_null(0.0),
        )
    )  # fmt: skip
    return LeverResult(rows=rows, budget=budget)


__all__ = [
    "KIND_NAMES",
    "ROW_SCHEMA",
    "Context",
    "LeverResult",
    "evaluate_levers",
    "evaluate_targets",
    "load_context",
]
