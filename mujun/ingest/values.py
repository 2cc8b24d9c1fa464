"""Parse text cells into values: one set of expressions for every reader.

NFKC first (full-width digits, letters and brackets become ASCII), then explicit missing
markers become null (``0`` is a value, never missing), then the type's own rules: thousands
separators and ``(x)`` negatives for numbers, ISO / Chinese / compact / Excel-serial dates,
``2023年1月`` style periods, 是/否 for flags. A cell that is present but does not parse gives
null, and the caller reports it with `problem`.

Zero-width characters (U+200B–U+200D, U+2060, BOM) and non-breaking spaces count as spaces;
IDs also lose Excel's text-forcing wrappers ``="0001"`` and a leading ``'`` (`uscc.normalise`).
Amounts may carry a currency sign (``¥1,234.00``), spaces inside (``1 234.5``) or a trailing
``元``; the importer checks that a ``元`` written in the cells agrees with the column's unit
(``12万元`` stays unreadable).

Dates: a time after the day is dropped (``2024/01/05 10:23:11``). A two-digit year
(``24/1/5``) is refused as ambiguous, never read as year 24 or guessed as 2024. A partial date
means the FIRST day of what it names: ``2019年`` / ``2019`` → 2019-01-01, ``2019-03`` /
``2019年3月`` / ``2019.03`` / ``201903`` → 2019-03-01 (documented in the README).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Final

import polars as pl

MISSING_MARKERS: Final = (
    "", "-", "—", "——", "--", "－", "/", "无", "空", "#N/A", "N/A", "NA", "n/a", "null", "NULL",
    "None", "nan", "NaN",
)  # fmt: skip
"""Cells that mean "no value"; note that "0" is not among them."""
TOTAL_WORDS: Final = ("合计", "小计", "总计", "累计", "共计")
_TRUE: Final = ("1", "是", "Y", "YES", "TRUE", "T", "√", "✓", "✔", "☑", "有", "规上", "规模以上")
_FALSE: Final = ("0", "否", "N", "NO", "FALSE", "F", "×", "✗", "✘", "☒", "无", "规下", "规模以下")
_EXCEL_EPOCH: Final = dt.date(1899, 12, 30)
_DATE_FORMATS: Final = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")

WHAT: Final[dict[str, str]] = {
    "number": "不是有效数字",
    "integer": "不是整数",
    "flag": "应为 是/否",
    "date": (
        "不是可识别的日期（如 2023-05-01、2023年5月）；两位数年份（如 24/1/5）有歧义，请写四位年份"
    ),
    "period": "不是可识别的期间（如 2023-01、2023年1月、2023-01-01至2023-03-31）；两位数年份有歧义",
    "text": "无法识别",
    "enum": "不是允许的取值",
    "industry": "行业代码或行业名称无法识别（GB/T 4754 代码如 3311，或门类/大类名称）",
    "status": "排放状态无法识别（应为 正常排放 / 经核实无排放 / 不适用 等）",
}
"""Why a present cell failed to parse, by kind (shown to the person who supplied it)."""


def text(expr: pl.Expr) -> pl.Expr:
    """The cell as normalised text, null for blanks and explicit missing markers."""
    clean = (
        expr.cast(pl.String)
        .str.normalize("NFKC")
        # NOTE: zero-width characters become spaces like NBSP: names are matched without
        # whitespace and numbers and IDs drop it, so no cell changes meaning.
        .str.replace_all(r"[\u3000\u00a0\ufeff\u200b-\u200d\u2060]", " ")
        .str.strip_chars()
    )
    return pl.when(~clean.is_in(MISSING_MARKERS)).then(clean)


def header(expr: pl.Expr) -> pl.Expr:
    """A header cell for alias matching: NFKC, no whitespace at all (incl. newlines)."""
    return expr.cast(pl.String).str.normalize("NFKC").str.replace_all(r"[\s\u3000\ufeff]", "")


def number(cell: pl.Expr) -> pl.Expr:
    """Float from text: ``1,234.5``, ``(12)`` = −12, ``12%`` = 0.12, ``¥1 234元``; else null."""
    body = cell.str.replace_all(r"[,\s¥$]|元$", "")
    negative = body.str.contains(r"^\(.*\)$")
    percent = body.str.ends_with("%")
    body = body.str.strip_chars("()").str.strip_suffix("%")
    value = body.cast(pl.Float64, strict=False)
    value = pl.when(negative).then(-value).otherwise(value)
    value = pl.when(percent).then(value / 100).otherwise(value)
    return pl.when(value.is_finite()).then(value)


def integer(cell: pl.Expr) -> pl.Expr:
    """Whole number (Int32) from text; null for fractions."""
    value = number(cell)
    return pl.when(value == value.round()).then(value).cast(pl.Int32, strict=False)


def flag(cell: pl.Expr) -> pl.Expr:
    """是/否, Y/N, 1/0, true/false."""
    upper = cell.str.to_uppercase()
    return (
        pl.when(upper.is_in(_TRUE)).then(pl.lit(True)).when(upper.is_in(_FALSE)).then(pl.lit(False))
    )


_TWO_DIGIT_YEAR: Final = r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{1,2}$"
_TIME_AFTER: Final = r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2})[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$"
_YEAR_ONLY: Final = r"^((?:19|20)\d{2})\s*年?(?:度)?$"
RANGE: Final = r"^(.+?)\s*(?:至|到|~|～|—{1,2}|--)\s*(.+)$"
_DAY: Final = r"\d{4}(?:[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{4})"
RANGE_DASH: Final = rf"^({_DAY})\s*-\s*({_DAY})$"
"""Two full dates joined by one hyphen ("2024-01-01-2024-03-31", "20240101-20241231")."""
"""A period written as one cell, "2024-01-01至2024-03-31" (split by `range_year`)."""
_YEAR_MONTH: Final = r"^((?:19|20)\d{2})\s*(?:[-/.年]\s*)?(1[0-2]|0?[1-9])\s*月?$"


def date(cell: pl.Expr) -> pl.Expr:
    """A date from ISO, slashes, compact, dotted, Chinese or Excel-serial text.

    A time after the day is ignored. A year alone or a year and month means its first day.
    Two-digit years are refused (null): "24/1/5" could be 2024-01-05 or 2005-01-24.
    """
    day = cell.str.replace(_TIME_AFTER, "$1")
    partial = day.str.replace(_YEAR_ONLY, "$1-01-01").str.replace(_YEAR_MONTH, "$1-$2-01")
    serial = cell.str.extract(r"^(\d{5})(?:\.0+)?$").cast(pl.Int64, strict=False)
    parsed = pl.coalesce(
        *(partial.str.to_date(fmt, strict=False) for fmt in _DATE_FORMATS),
        (pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial)).cast(pl.Date),
    )
    return pl.when(~cell.str.contains(_TWO_DIGIT_YEAR)).then(parsed)


def period_year(cell: pl.Expr) -> pl.Expr:
    """The year of a period such as ``2023-01``, ``202301``, ``2023年1月``, ``2023/1`` or a date.

    A range in one cell ("2024-01-01至2024-03-31") is split with `RANGE` by the caller.
    """
    compact = cell.str.extract(r"^(\d{4})(?:[-/.年]\s*\d{1,2}(?:月)?|\d{2})?$", 1)
    return pl.coalesce(compact.cast(pl.Int32, strict=False), date(cell).dt.year().cast(pl.Int32))


def range_year(cells: pl.Series) -> pl.Series:
    """The year of each period cell, a range in one cell ("2024-01-01至2024-03-31") included.

    A range gives the year its two ends share, null when they differ or do not parse. Call it
    on distinct values; it builds a small frame.
    """
    frame = pl.DataFrame({"cell": cells.cast(pl.String)}).with_columns(text(pl.col("cell")))
    ends = frame.with_columns(
        pl.coalesce(
            pl.col("cell").str.extract(RANGE_DASH, 1),
            pl.col("cell").str.extract(RANGE, 1),
            pl.col("cell"),
        ).alias("start"),
        pl.coalesce(
            pl.col("cell").str.extract(RANGE_DASH, 2),
            pl.col("cell").str.extract(RANGE, 2),
            pl.col("cell"),
        ).alias("end"),
    )
    years = ends.with_columns(period_year(pl.col("start")).alias("a")).with_columns(
        period_year(pl.col("end")).alias("b")
    )
    return years.select(pl.when(pl.col("a") == pl.col("b")).then(pl.col("a"))).to_series()


def is_total_row(cells: list[pl.Expr]) -> pl.Expr:
    """A 合计 / 小计 / 总计 row: one of the cells (normalised by `text`) is such a word."""
    pattern = "^(" + "|".join(TOTAL_WORDS) + ")"
    # NOTE: fill_null — a blank cell must not make the test unknown, or `filter` would drop
    # the row from both the total and the data side.
    return pl.any_horizontal(
        c.str.replace_all(r"\s", "").str.contains(pattern).fill_null(False) for c in cells
    )


EMISSION_STATUS = r"不适用|无需|不涉及|核实|无排放|零排放|排放|达标|正常"
"""What an emission status cell may say (departments.emissions maps it to a status)."""


def industry_code(cell: pl.Expr, names: Mapping[str, str]) -> pl.Expr:
    """GB/T 4754 code from 'C3311', '3311', '33' or a division name; null when neither.

    Names of the 2017, 2011 and 2002 editions give the 2-digit division.
    """
    clean = cell.str.normalize("NFKC").str.replace_all(r"\s", "")
    code = clean.str.extract(r"^[A-Za-z]?(\d{2,4})$", 1)
    by_name = clean.replace_strict(dict(names), default=None, return_dtype=pl.String)
    return pl.coalesce(code, by_name)


def parse(kind: str, cell: pl.Expr, *, industries: Mapping[str, str] | None = None) -> pl.Expr:
    """Parse normalised text by kind (see `WHAT`); ``industries`` maps names to codes.

    A cell that is present but does not parse becomes null (the extractor reports it).
    """
    parsers: dict[str, Callable[[pl.Expr], pl.Expr]] = {
        "number": number,
        "integer": integer,
        "flag": flag,
        "date": date,
        "period": period_year,
        "industry": lambda c: industry_code(c, industries or {}),
        "status": lambda c: pl.when(c.str.contains(EMISSION_STATUS)).then(c),
    }
    parser = parsers.get(kind)
    return parser(cell) if parser is not None else cell
