"""Small expression and frame helpers shared by the stages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import polars as pl


def enum_of(values: Iterable[str | None], /) -> pl.Enum:
    """An Enum dtype over the distinct non-null values, in first-seen order.

    Label-like result columns (cohort, reasons, classes) use it: one byte or two per firm
    instead of a string, which matters at millions of firms.
    """
    return pl.Enum(list(dict.fromkeys(v for v in values if v is not None)))


def first_match(cases: Iterable[tuple[pl.Expr, pl.Expr]], *, otherwise: pl.Expr) -> pl.Expr:
    """``when(c1).then(v1).when(c2).then(v2)…otherwise(otherwise)``: the first case that holds."""
    chain: Any = None
    for cond, value in cases:
        chain = pl.when(cond).then(value) if chain is None else chain.when(cond).then(value)
    return otherwise if chain is None else chain.otherwise(otherwise)


def on_distinct(column: pl.Expr, fn: Callable[[pl.Expr], pl.Expr], /) -> pl.Expr:
    """``fn(column)`` computed once per distinct value and mapped back to every row.

    For costly string functions of a column with few distinct values (industry codes: a
    regex on 30 codes instead of 10M). NOTE: the distinct values keep their first-seen order,
    so the two uses of ``distinct`` pair each value with its own result.
    """
    distinct = column.unique(maintain_order=True)
    return column.replace_strict(distinct, fn(distinct), default=None)


_MAX_MASKED_RULES = 8
_MAX_CHAINED_CASES = 7
"""Up to this many combinations (three rules) the texts come from a when-chain."""


def joined_text(texts: Sequence[str], fired: Sequence[pl.Expr], /) -> pl.Expr:
    """The texts of the rules that fired, joined with "；" (null where none fired).

    Up to eight rules, the combination is an integer mask mapped to an Enum of every possible
    joined text: no string is built per row. NOTE: joining strings per row cost about 1 s and
    1 GB per column at 10M firms, for a column that is almost always null.
    """
    if not texts:
        return pl.lit(None, pl.Categorical)
    if len(texts) > _MAX_MASKED_RULES:
        parts = [pl.when(f).then(pl.lit(t)) for t, f in zip(texts, fired, strict=True)]
        joined = pl.concat_str(parts, separator="；", ignore_nulls=True)
        return pl.when(joined != "").then(joined).cast(pl.Categorical)
    mask = pl.sum_horizontal(
        pl.when(f).then(pl.lit(1 << i, pl.UInt16)).otherwise(pl.lit(0, pl.UInt16))
        for i, f in enumerate(fired)
    )
    combos = {
        m: "；".join(t for i, t in enumerate(texts) if m >> i & 1)
        for m in range(1, 1 << len(texts))
    }
    dtype = enum_of(combos.values())
    if len(combos) <= _MAX_CHAINED_CASES:
        # NOTE: a short when-chain took a fifth of the time of `replace_strict` (0.010 s vs
        # 0.049 s per column at 10M firms, two vetoes).
        return first_match(
            ((mask == m, pl.lit(text, dtype)) for m, text in combos.items()),
            otherwise=pl.lit(None, dtype),
        )
    return mask.replace_strict(combos, default=None, return_dtype=dtype)


def group_id(keys: Sequence[str], schema: pl.Schema) -> pl.Expr:
    """One integer per distinct combination of ``keys`` (nulls are a value of their own).

    Windows over one integer column cost about a third of windows over several columns at
    10M firms. Enum and Boolean keys are combined arithmetically from their codes; a single
    text key through its categorical code. NOTE: two or more text keys (rare: e.g. county and
    township) fall back to a dense rank of the key struct, which is exact but slower.
    """
    codes: list[tuple[pl.Expr, int]] = []  # (code in 0..size-1, size)
    texts = []
    for key in keys:
        dtype = schema[key]
        if isinstance(dtype, pl.Enum):
            size = len(dtype.categories)
            codes.append((pl.col(key).to_physical().cast(pl.UInt64).fill_null(size), size + 1))
        elif dtype == pl.Boolean:
            codes.append((pl.col(key).cast(pl.UInt64).fill_null(2), 3))
        else:
            texts.append(key)
    if len(texts) == 1:
        code = pl.col(texts[0]).cast(pl.String).cast(pl.Categorical).to_physical()
        codes.append(((code.cast(pl.UInt64) + 1).fill_null(0), 2**32 + 1))
    elif texts:
        codes.append((pl.struct(texts).rank("dense").cast(pl.UInt64), 2**32))
    gid: pl.Expr = pl.lit(0, pl.UInt64)
    for code, size in codes:
        gid = gid * size + code
    return gid


def add_aggregates(
    lf: pl.LazyFrame, aggregates: Mapping[tuple[str, ...], Sequence[pl.Expr]], /
) -> pl.LazyFrame:
    """Add named group aggregates, keyed by their group columns, to every row.

    Each aggregate becomes a window over its keys' `group_id` (kept as the working column
    ``_gid__<keys>`` for later windows over the same keys); without keys, a scalar.

    NOTE: windows, not a group-by joined back: a self-join made Polars plan (and on the
    streaming engine, run) the upstream frame more than once, which cost twice the time at
    10M firms; and the streaming engine's join panicked on some string columns (Polars 2.1).
    """
    schema = lf.collect_schema()
    ids = {keys: gid_column(keys) for keys in aggregates if keys}
    lf = lf.with_columns(
        group_id(keys, schema).alias(name) for keys, name in ids.items() if name not in schema
    )
    exprs = [e.over(ids[keys]) if keys else e for keys, group in aggregates.items() for e in group]
    return lf.with_columns(exprs) if exprs else lf


def gid_column(keys: Sequence[str]) -> str:
    """The working column that holds `group_id` of ``keys``."""
    return "_gid__" + "|".join(keys)


def class_index(labels: Sequence[str], label: pl.Expr) -> pl.Expr:
    """0 for the best class of ``labels``, 1 for the next, …; null for any other label.

    Other labels are T, exempt and data-problem labels: they are not classes.
    """
    order = {c: i for i, c in enumerate(labels)}
    return label.cast(pl.String).replace_strict(order, default=None, return_dtype=pl.Int32)
