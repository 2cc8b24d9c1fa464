"""Compile profile conditions into Polars expressions (no string evaluation anywhere)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable

import polars as pl

from mujun.profiles._base import Condition, expand_divisions

_OPS: dict[str, Callable[[pl.Expr, float], pl.Expr]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def condition_expr(cond: Condition) -> pl.Expr:
    """A boolean expression that is true where the condition holds.

    NOTE: an unknown value (null) never satisfies a condition: a blank "high-tech" flag is not
    a high-tech firm, and a blank investment amount is not ≥ 1亿. Rules therefore only fire on
    facts that were actually reported.
    """
    if cond.flag is not None:
        return pl.col(cond.flag).fill_null(value=False)
    if cond.industry_in is not None:
        divisions = list(expand_divisions(cond.industry_in))
        return pl.col("industry_division").is_in(divisions).fill_null(value=False)
    if cond.measure is None or cond.op is None or cond.value is None:  # pragma: no cover
        msg = "validated Condition lost its parts"
        raise AssertionError(msg)
    return _OPS[cond.op](pl.col(cond.measure), cond.value).fill_null(value=False)


def all_of(conditions: Iterable[Condition]) -> pl.Expr:
    """True where every condition holds (true for an empty list)."""
    exprs = [condition_expr(c) for c in conditions]
    return pl.all_horizontal(exprs) if exprs else pl.lit(value=True)
