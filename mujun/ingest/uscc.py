"""统一社会信用代码 (GB 32100-2015): normalisation and the mod-31 check character."""

from __future__ import annotations

from typing import Final

import polars as pl

ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 symbols; I, O, S, V and Z are never used."""
WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_SHAPE = rf"^[{ALPHABET}]{{18}}$"


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (plain Python, for tests and sample data)."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(expr: pl.Expr) -> pl.Expr:
    """Upper-case; strip spaces, zero-width characters, hyphens and Excel's wrappers.

    Spaces include full-width ones and NBSP; Excel's text-forcing wrappers are ``="…"`` and a
    leading ``'``.
    """
    return (
        expr.str.replace_all(r"[\s\u3000\u00a0\u200b-\u200d\u2060\ufeff-]", "")
        .str.replace(r'^="(.*)"$', "$1")
        .str.strip_prefix("'")
        .str.strip_prefix("‘")
        .str.to_uppercase()
    )


def problem(expr: pl.Expr) -> pl.Expr:
    """Why a normalised code is not a valid USCC (null where it is valid)."""
    digits = [
        expr.str.slice(i, 1).replace_strict(_VALUE, default=0, return_dtype=pl.Int64) * w
        for i, w in enumerate(WEIGHTS)
    ]
    expected = ((31 - pl.sum_horizontal(digits) % 31) % 31).replace_strict(
        dict(enumerate(ALPHABET)), return_dtype=pl.String
    )
    looks_numeric = expr.str.contains(r"^\d+(\.\d+)?(E\+?\d+)?$") & (expr.str.len_chars() != 18)
    return (
        pl.when(expr.is_null() | (expr == ""))
        .then(pl.lit("统一社会信用代码为空"))
        .when(looks_numeric & expr.str.contains("E|\\."))
        .then(pl.lit("统一社会信用代码被存成了数字（科学计数法/小数），请将该列按文本导出"))
        .when(expr.str.len_chars() != 18)
        .then(pl.lit("统一社会信用代码应为18位"))
        .when(expr.str.contains("[IOSVZ]"))
        .then(pl.lit("统一社会信用代码含有不允许的字母 I/O/S/V/Z（常为 0/1 录入错误）"))
        .when(~expr.str.contains(_SHAPE))
        .then(pl.lit("统一社会信用代码含有非法字符"))
        .when((expr.str.slice(17, 1) != expected) & expr.str.contains(r"^\d{15}0{3}$"))
        .then(
            pl.lit(
                "统一社会信用代码末尾变成了0，多半被 Excel 存成了数字（只保留15位），"
                "请将该列按文本导出"
            )
        )
        .when(expr.str.slice(17, 1) != expected)
        .then(pl.lit("统一社会信用代码校验位错误（GB 32100-2015）"))
    )
