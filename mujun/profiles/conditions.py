"""Compile profile conditions into Polars expressions (no string evaluation anywhere).

Also the two things every comparison with a published figure needs: industry codes of any
depth (`industry_match`) and the published precision (`at_precision`, `compare`).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from mujun._exprs import on_distinct
from mujun.profiles._base import Condition, expand_divisions

_OPS: dict[str, Callable[[pl.Expr, pl.Expr | float], pl.Expr]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}

DEFAULT_DIGITS = 2
"""Decimals of a published figure unless `DIGITS` says otherwise (万元, 亩, 万元/亩, 万元/人)."""
DIGITS: Mapping[str, int | None] = {
    # per-unit energy is published to 3 decimals (吨标准煤/万元: 0.195, not 0.20)
    "energy_per_va": 3,
    "energy_per_revenue": 3,
    "energy_per_output": 3,
    # NOTE: firm age is calendar arithmetic (whole years are exact); rounding 1.996 years to
    # "2.00" would make a firm 2 days short of its second anniversary 2 years old.
    "firm_age_years": None,
    # total score, as the 公示 list prints it
    "total_score": 2,
}
"""Published precision of measures compared with limits; ``None`` compares unrounded."""

# NOTE: a product or quotient of decimals lands a few ulps off its decimal value
# (100.4 / 10.04 = 10.000000000000002, 2.675 is 2.67499999…). Half-up rounding adds this
# relative slack so such a value rounds to the figure an official computes by hand.
_REL_SLACK = 1e-12
_NO_FRACTION = 1e15
"""From here on a float has no digits after the point to round: it is compared as it is."""


def digits_for(name: str, overrides: Mapping[str, int | None] | None = None) -> int | None:
    """The published precision of a measure: the profile's ``[precision]``, else `DIGITS`."""
    if overrides is not None and name in overrides:
        return overrides[name]
    return DIGITS.get(name, DEFAULT_DIGITS)


def at_precision(expr: pl.Expr, digits: int | None) -> pl.Expr:
    """``expr`` rounded half up (away from zero) to ``digits`` decimals; unchanged for None."""
    if digits is None:
        return expr
    scale = float(10**digits)
    scaled = expr.abs() * scale
    rounded = (scaled + 0.5 + scaled * _REL_SLACK).floor() / scale
    return (
        pl.when(expr.abs() >= _NO_FRACTION)
        .then(expr)
        .when(expr < 0)
        .then(-rounded)
        .otherwise(rounded)
    )


def round_limit(value: float, digits: int | None) -> float:
    """A published limit at ``digits`` decimals, rounded half up in decimal (not binary)."""
    if digits is None or not math.isfinite(value) or abs(value) >= _NO_FRACTION:
        return value
    exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return float(exact)


def compare(value: pl.Expr, op: str, limit: pl.Expr | float, digits: int | None) -> pl.Expr:
    """``value op limit`` with both sides at the published precision (null stays null).

    The limit may be an expression (a computed limit, such as 110 % of an average): it is
    rounded the same way, so the limit printed and the limit compared are one number.
    """
    bound = (
        at_precision(limit, digits)
        if isinstance(limit, pl.Expr)
        else pl.lit(round_limit(limit, digits))
    )
    return _OPS[op](at_precision(value, digits), bound)


def industry_digits(code: pl.Expr) -> pl.Expr:
    """The digits of a GB/T 4754-2017 code ('C1311' → '1311'); null when there are none."""
    return code.str.extract(r"^\s*[A-Za-z]?(\d+)", 1)


def industry_match(specs: Iterable[str], *, column: str = "industry_code") -> pl.Expr:
    """True where the firm's industry code falls under one of the specs (prefix match).

    ``"13-43"`` matches every manufacturing code, ``"131"`` matches 1311–1319 but not 1351.
    A code too short to tell (a firm coded only "13" against "131") does not match.
    """
    codes = expand_divisions(tuple(specs))
    if not codes:
        return pl.lit(value=False)
    by_width: dict[int, list[str]] = {}
    for code in codes:
        by_width.setdefault(len(code), []).append(code)

    def matches(code: pl.Expr) -> pl.Expr:
        digits = industry_digits(code)
        parts = [digits.str.slice(0, w).is_in(c) for w, c in sorted(by_width.items())]
        return pl.any_horizontal(parts)

    # NOTE: a regex per firm cost about 0.08 s per million firms; industry codes are few.
    return on_distinct(pl.col(column), matches).fill_null(value=False)


def condition_expr(cond: Condition) -> pl.Expr:
    """A boolean expression that is true where the condition holds.

    NOTE: an unknown value (null) never satisfies a condition: a blank "high-tech" flag is not
    a high-tech firm, and a blank investment amount is not ≥ 1亿. Rules therefore only fire on
    facts that were actually reported. Measures are compared at their published precision.
    """
    if cond.flag is not None:
        return pl.col(cond.flag).fill_null(value=False)
    if cond.industry_in is not None:
        return industry_match(cond.industry_in)
    if cond.measure is None or cond.op is None or cond.value is None:  # pragma: no cover
        msg = "validated Condition lost its parts"
        raise AssertionError(msg)
    digits = (
        None
        if cond.digits == "exact"
        else (cond.digits if cond.digits is not None else digits_for(cond.measure))
    )
    return compare(pl.col(cond.measure), cond.op, cond.value, digits).fill_null(value=False)


def all_of(conditions: Iterable[Condition]) -> pl.Expr:
    """True where every condition holds (true for an empty list)."""
    exprs = [condition_expr(c) for c in conditions]
    return pl.all_horizontal(exprs) if exprs else pl.lit(value=True)


def any_of(conditions: Iterable[Condition]) -> pl.Expr:
    """True where at least one condition holds (false for an empty list)."""
    exprs = [condition_expr(c) for c in conditions]
    return pl.any_horizontal(exprs) if exprs else pl.lit(value=False)
