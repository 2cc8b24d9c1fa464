"""Indicator values (numerator ÷ denominator × scale) and why a value may be absent."""

from __future__ import annotations

import polars as pl

from mujun.profiles.models import Indicator
from mujun.schema import ITEM_STATUS

_EMISSION_MEASURES = frozenset(
    {"emissions_t", "emissions_eq_t", *("cod_t", "nh3n_t", "so2_t", "nox_t")}
)


def status_expr(ind: Indicator) -> pl.Expr:
    """Why the indicator can or cannot be computed for each firm (see `ITEM_STATUS`).

    NOTE: this is the one place that decides the null / zero-denominator policy. A ratio exists
    only when the numerator is known and the denominator is known and positive. Otherwise the
    cause is kept apart, because the profiles treat the causes differently: nothing reported
    (``missing``), a reported zero (``zero``), a negative denominator (``invalid``), and for
    emission denominators the ecology bureau's own statement (``zero_verified`` or
    ``not_applicable``), which outranks the numbers.
    """
    num = pl.col(ind.numerator)
    if ind.denominator is None:
        return pl.when(num.is_null()).then(_status("missing")).otherwise(_status("ok"))
    den = pl.col(ind.denominator)
    generic = (
        pl.when(num.is_null() | den.is_null())
        .then(_status("missing"))
        .when(den == 0)
        .then(_status("zero"))
        .when(den < 0)
        .then(_status("invalid"))
        .otherwise(_status("ok"))
    )
    if ind.denominator in _EMISSION_MEASURES:
        stated = pl.col("emission_status")
        generic = (
            pl.when(stated == "zero_verified")
            .then(_status("zero_verified"))
            .when(stated == "not_applicable")
            .then(_status("not_applicable"))
            .otherwise(generic)
        )
    return generic


def possible_causes(ind: Indicator) -> tuple[str, ...]:
    """The causes of absence `status_expr` can give this indicator (besides ``ok``)."""
    if ind.denominator is None:
        return ("missing",)
    if ind.denominator in _EMISSION_MEASURES:
        return ("missing", "zero", "zero_verified", "not_applicable", "invalid")
    return ("missing", "zero", "invalid")


def _status(name: str) -> pl.Expr:
    return pl.lit(name, dtype=ITEM_STATUS)


def value_expr(ind: Indicator, status: pl.Expr) -> pl.Expr:
    """The indicator value where ``status`` is ``ok``, else null (never inf or NaN)."""
    num = pl.col(ind.numerator)
    ratio = num if ind.denominator is None else num / pl.col(ind.denominator)
    return pl.when(status == "ok").then(ratio * ind.scale)
