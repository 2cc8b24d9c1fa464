"""Small expression helpers shared by the stages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl


def first_match(cases: Iterable[tuple[pl.Expr, pl.Expr]], *, otherwise: pl.Expr) -> pl.Expr:
    """``when(c1).then(v1).when(c2).then(v2)…otherwise(otherwise)``: the first case that holds."""
    chain: Any = None
    for cond, value in cases:
        chain = pl.when(cond).then(value) if chain is None else chain.when(cond).then(value)
    return otherwise if chain is None else chain.otherwise(otherwise)
