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


_MAX_LOOKUP_CASES = 16


def lookup(key: pl.Expr, table: Mapping[Any, Any], /, *, dtype: pl.DataType) -> pl.Expr:
    """The value ``table`` gives each row's ``key`` (null where the key is null or not listed).

    NOTE: for the small tables of the engine (steps, cohorts, class labels) a when-chain took a
    quarter of the time of `replace_strict` (0.02 s vs 0.08 s per column at 10M firms, seven
    cases); larger tables still go through `replace_strict`.
    """
    cases = {k: v for k, v in table.items() if v is not None}
    if len(cases) > _MAX_LOOKUP_CASES:
        return key.replace_strict(cases, default=None, return_dtype=dtype)
    return first_match(
        ((key == k, pl.lit(v, dtype)) for k, v in cases.items()),
        otherwise=pl.lit(None, dtype),
    )


def on_distinct(column: pl.Expr, fn: Callable[[pl.Expr], pl.Expr], /) -> pl.Expr:
    """``fn(column)`` computed once per distinct value and mapped back to every row.

    For costly string functions of a column with few distinct values (industry codes: a
    regex on 30 codes instead of 10M). NOTE: the distinct values keep their first-seen order,
    so the two uses of ``distinct`` pair each value with its own result.
    """
    distinct = column.unique(maintain_order=True)
    return column.replace_strict(distinct, fn(distinct), default=None)


_MAX_MASKED_RULES = 8


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
    # NOTE: up to four rules (15 combinations) `lookup` is a when-chain: 0.010 s against
    # 0.049 s per column for `replace_strict` at 10M firms with two vetoes, 0.036 s against
    # 0.049 s with four rules.
    return lookup(mask, combos, dtype=enum_of(combos.values()))


def group_id(keys: Sequence[str], schema: pl.Schema) -> pl.Expr:
    """One integer per distinct combination of ``keys`` (nulls are a value of their own).

    Windows over one integer column cost about a third of windows over several columns at
    10M firms. Enum and Boolean keys are combined arithmetically from their codes; a single
    text key through its categorical code (the working column `code_column` where the frame
    has it, see `with_group_id`). NOTE: two or more text keys (rare: e.g. county and township)
    fall back to a dense rank of the key struct, which is exact but slower.
    """
    codes: list[tuple[pl.Expr, int]] = []  # (code in 0..size-1, size)
    for key in keys:
        dtype = schema[key]
        if isinstance(dtype, pl.Enum):
            size = len(dtype.categories)
            codes.append((pl.col(key).to_physical().cast(pl.UInt64).fill_null(size), size + 1))
        elif dtype == pl.Boolean:
            codes.append((pl.col(key).cast(pl.UInt64).fill_null(2), 3))
    texts = _text_keys(keys, schema)
    if len(texts) == 1:
        name = code_column(texts[0])
        code = pl.col(name) if name in schema else text_code(texts[0])
        codes.append((code, 2**32 + 1))
    elif texts:
        codes.append((pl.struct(texts).rank("dense").cast(pl.UInt64), 2**32))
    gid: pl.Expr = pl.lit(0, pl.UInt64)
    for code, size in codes:
        gid = gid * size + code
    return gid


def _text_keys(keys: Sequence[str], schema: pl.Schema) -> list[str]:
    """The keys `group_id` codes through their text (not Enum, not Boolean)."""
    return [k for k in keys if not isinstance(schema[k], pl.Enum) and schema[k] != pl.Boolean]


def text_code(key: str) -> pl.Expr:
    """A text column's categorical code + 1, 0 for null (`group_id`'s code of a text key)."""
    code = pl.col(key).cast(pl.String).cast(pl.Categorical).to_physical()
    return (code.cast(pl.UInt64) + 1).fill_null(0)


def code_column(key: str) -> str:
    """The working column that holds `text_code` of ``key``."""
    return "_code__" + key


def with_group_id(lf: pl.LazyFrame, keys: Sequence[str], /) -> pl.LazyFrame:
    """``lf`` with the working column `gid_column` of ``keys``, unless it has it already.

    A single text key's code becomes a working column too, so that every group id over that
    key reads it (NOTE: the categorical code of 10M county names took 0.2 s per group id).
    """
    name = gid_column(keys)
    schema = lf.collect_schema()
    if name in schema:
        return lf
    texts = _text_keys(keys, schema)
    if len(texts) == 1 and code_column(texts[0]) not in schema:
        lf = lf.with_columns(text_code(texts[0]).alias(code_column(texts[0])))
        schema = lf.collect_schema()
    return lf.with_columns(group_id(keys, schema).alias(name))


def add_aggregates(
    lf: pl.LazyFrame, aggregates: Mapping[tuple[str, ...], Sequence[pl.Expr]], /
) -> pl.LazyFrame:
    """Add named group aggregates, keyed by their group columns, to every row.

    Each aggregate becomes a window over its keys' `group_id` (kept as the working column
    ``_gid__<keys>`` for later windows over the same keys); without keys, a scalar.

    NOTE: windows, not a group-by joined back: the self-join ran the upstream plan twice
    (1.53 x the time of `score()` at 1M firms), and with `cache()` it was no faster than the
    windows (1.01 x at 1M and 10M). Per-pool figures are different: see `add_ranks`.
    """
    for keys in aggregates:
        if keys:
            lf = with_group_id(lf, keys)
    exprs = [
        e.over(gid_column(keys)) if keys else e for keys, group in aggregates.items() for e in group
    ]
    return lf.with_columns(exprs) if exprs else lf


def gid_column(keys: Sequence[str]) -> str:
    """The working column that holds `group_id` of ``keys``."""
    return "_gid__" + "|".join(keys)


def class_index(labels: Sequence[str], label: pl.Expr) -> pl.Expr:
    """0 for the best class of ``labels``, 1 for the next, …; null for any other label.

    Other labels are T, exempt and data-problem labels: they are not classes.
    """
    order = {c: i for i, c in enumerate(labels)}
    return lookup(label.cast(pl.String), order, dtype=pl.Int32)
