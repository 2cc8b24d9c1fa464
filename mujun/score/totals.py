"""Totals: Σ items × correction coefficient + bonus − penalty."""

from __future__ import annotations

import polars as pl

from mujun._exprs import joined_text
from mujun.profiles.conditions import all_of
from mujun.profiles.models import PointsRule, Profile
from mujun.schema import Col, item_col


def total_exprs(profile: Profile) -> dict[str, pl.Expr]:
    """Expressions for items total, coefficient, bonus, penalty, their reasons and the total.

    Not-evaluated firms get nulls throughout.
    """
    adj = profile.adjustments
    items = [pl.col(item_col(i, "item")) for i in profile.used_indicators()]
    items_total = pl.sum_horizontal(items)
    coefficient = pl.lit(1.0)
    for rule in adj.coefficients:
        coefficient = coefficient * pl.when(all_of(rule.when)).then(rule.factor).otherwise(1.0)
    bonus = _points(adj.bonus)
    if adj.bonus_cap is not None:
        bonus = pl.min_horizontal(bonus, pl.lit(adj.bonus_cap))
    penalty = _points(adj.penalty)
    reasons = joined_text(
        [
            *(f"{r.label}×{r.factor:g}" for r in adj.coefficients),
            *(f"{r.label}+{r.points:g}" for r in adj.bonus),
            *(f"{r.label}−{r.points:g}" for r in adj.penalty),
        ],
        [all_of(r.when) for r in (*adj.coefficients, *adj.bonus, *adj.penalty)],
    )
    total = items_total * coefficient + bonus - penalty
    evaluated = pl.col(Col.STATUS) != "not_evaluated"
    exprs = {
        Col.ITEMS_TOTAL: items_total,
        Col.COEFFICIENT: coefficient,
        Col.BONUS: bonus,
        Col.PENALTY: penalty,
        Col.ADJUST_REASON: reasons,
        Col.TOTAL: total,
    }
    return {name: pl.when(evaluated).then(e) for name, e in exprs.items()}


def _points(rules: tuple[PointsRule, ...]) -> pl.Expr:
    parts = [pl.when(all_of(r.when)).then(r.points).otherwise(0.0) for r in rules]
    return pl.sum_horizontal(parts) if parts else pl.lit(0.0)
