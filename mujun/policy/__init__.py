"""Policy stage: the region's levers and plan targets over published snapshots."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from mujun.policy import eligibility, prices, subsidies, watchlists
from mujun.policy.context import ROW_SCHEMA, Context, load_context, outcome_rows, show
from mujun.policy.targets import evaluate_targets
from mujun.profiles.conditions import at_precision

KIND_NAMES = {"subsidy": "补助", "surcharge": "差别化价格", "relief": "减免", "eligibility": "资格",
              "watch": "监管清单", "treatment": "差异化措施", "admission": "项目准入",
              "override": "等级调整"}  # fmt: skip
"""Chinese names of the lever kinds, for what officials read."""


@dataclass(frozen=True)
class LeverResult:
    """Every lever's outcome per firm or project, and the total per rule."""

    rows: pl.DataFrame
    """See `ROW_SCHEMA`: rule, firm, project, class used, inputs, outcome, amount (万元)."""
    budget: pl.DataFrame
    """Per rule: rows, firms or projects with an amount, total amount (万元)."""


def overrides(ctx: Context) -> pl.DataFrame:
    """Classes set or bounded by construction-period rules, with the project behind them.

    With a projects table marking key projects (是否重点产业项目), a firm whose largest key
    project in the table differs from the fact the evaluation used is reported for checking.
    """
    hit = ctx.firms.filter(pl.col("override_rule").is_not_null())
    inputs = pl.format(
        "在建重点产业项目单项最大总投资 {} 万元；按得分为 {}",
        show(_column(hit, "key_project_investment_wan")),
        pl.when(pl.col("class_computed").is_not_null())
        .then(pl.format("{} 类", pl.col("class_computed")))
        .otherwise(pl.lit("未定级")),
    )
    rows = outcome_rows(
        hit,
        rule_id=pl.col("override_rule"),
        rule="建设期间等级调整",
        kind="override",
        inputs=inputs,
        outcome=pl.col("override_reason"),
    )
    return pl.concat([rows, _key_project_check(ctx)], how="vertical")


def _column(frame: pl.DataFrame, name: str) -> pl.Expr:
    return pl.col(name) if name in frame.columns else pl.lit(None, pl.Float64)


_YES = ("是", "Y", "y", "yes", "true", "1", "重点")


def _key_project_check(ctx: Context) -> pl.DataFrame:
    """Firms whose largest key project in the projects table is not the fact scored."""
    projects = ctx.projects
    if projects is None or not {"key_project", "total_investment_wan"} <= set(projects.columns):
        return pl.DataFrame(schema=ROW_SCHEMA)
    key = projects.filter(pl.col("key_project").str.strip_chars().is_in(_YES).fill_null(False))
    largest = key.group_by("uscc").agg(
        pl.col("total_investment_wan").max().alias("_table"),
        pl.col("project_id").sort_by("total_investment_wan", descending=True).first().alias("_p"),
    )
    firms = ctx.firms.select("uscc", "name", "class_label", _column(ctx.firms,
                             "key_project_investment_wan").alias("_fact"))  # fmt: skip
    joined = largest.join(firms, on="uscc", how="left")
    differs = (at_precision(pl.col("_table"), 2) != at_precision(pl.col("_fact"), 2)).fill_null(
        True
    )
    inputs = pl.format(
        "项目表最大重点产业项目 {}：总投资 {} 万元；评价所用事实 {} 万元",
        pl.col("_p"),
        show(pl.col("_table")),
        show(pl.col("_fact")),
    )
    return outcome_rows(
        joined.filter(differs),
        rule_id="key_project_check",
        rule="重点产业项目核对",
        kind="override",
        inputs=inputs,
        outcome="待核：项目表与评价所用的在建重点产业项目投资不一致，请核实后重新评价",
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
        *(("treatment", r, prices.treatment) for r in lv.treatments),
        *(("eligibility", r, eligibility.eligibility) for r in lv.eligibility),
        *(("watch", r, watchlists.low_tax) for r in lv.low_tax),
        *(("watch", r, watchlists.class_intensity) for r in lv.class_intensity),
        *(("watch", r, watchlists.thresholds) for r in lv.thresholds),
        *(("watch", r, watchlists.idle) for r in lv.idle),
        *(("watch", r, watchlists.firm_list) for r in lv.firm_lists),
        *(("watch", r, watchlists.blocks) for r in lv.blocks),
        *(("watch", r, watchlists.inspections) for r in lv.inspections),
        *(("admission", r, watchlists.admission) for r in lv.admission),
        *(("admission", r, watchlists.per_mu_admission) for r in lv.per_mu_admission),
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
