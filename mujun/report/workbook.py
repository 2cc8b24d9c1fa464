"""Write frames as a formatted workbook that officials can open, filter and print.

XlsxWriter rather than openpyxl: it streams cells straight to the file and writes a 20 000-firm
publication workbook in seconds (openpyxl's row-by-row formatting took minutes at that size).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from mujun.report.output import atomic_path

_HEADER = {"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "vcenter"}
_WHOLE = "0"
_DATE = "yyyy-mm-dd"
_DATETIME = "yyyy-mm-dd hh:mm:ss"
_MAX_WIDTH = 60
_A4 = 9  # Excel's paper code
_FIT_WIDTH = 260
"""Widest sheet (in character widths) still printed one page wide: landscape A4 holds about
150 at 100 %, so wider sheets would print below ~60 % and are left to span pages."""
PAGE_FOOTER = "&C第 &P 页 共 &N 页"
"""Excel's page-number codes: "第 1 页 共 5 页" at the foot of every printed page."""
_WIDE = r"[\p{Han}\u3000-\u303F\uFF00-\uFFEF]"
"""CJK characters and full-width forms: two columns wide in Excel, WPS and LibreOffice."""

Writer = Callable[[int, int, Any], Any]


def write_workbook(
    path: str | Path,
    sheets: Mapping[str, pl.DataFrame],
    /,
    *,
    headers: Mapping[str, str],
    formats: Mapping[str, str] | None = None,
    created: dt.datetime | None = None,
    decimals: int = 2,
    page_header: str | None = None,
    title: str | None = None,
) -> Path:
    """One sheet per frame: Chinese headers, frozen header row, filter, widths, A4 landscape.

    Text is always written as a string cell, so a value such as ``=cmd|…`` is never run by
    Excel as a formula. Numbers get ``#,##0.00`` (``decimals`` places; never scientific
    notation) or ``0`` (whole numbers) unless ``formats`` names a column (by its source name)
    with another format. Nulls stay empty. ``created`` fixes the file's creation time (the only
    varying bytes: same frames and time, same file). ``page_header`` is printed at the top of
    every page (e.g. "内部资料"); every page is numbered "第 X 页 共 Y 页". ``title`` is the
    file's document title (shown by Excel and WPS in File > Info).

    Raises:
        OutputError: the file is open in another program or the folder is not writable.
    """
    path = Path(path)
    with atomic_path(path) as temp:
        _write(
            temp, sheets, headers=headers, formats=formats or {}, created=created,
            decimals=decimals, page_header=page_header, title=title,
        )  # fmt: skip
    return path


def decimal_format(decimals: int, /) -> str:
    """Excel number format with thousands separators and a fixed number of decimals."""
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def display_width(column: pl.Series, /) -> int:
    """Widest value of a text column in Excel character widths (CJK characters count two)."""
    text = column.cast(pl.String).drop_nulls()
    if text.is_empty():
        return 0
    widths = text.str.len_chars() + text.str.count_matches(_WIDE)
    return int(widths.max() or 0)  # type: ignore[arg-type]


def _write(
    path: Path,
    sheets: Mapping[str, pl.DataFrame],
    *,
    headers: Mapping[str, str],
    formats: Mapping[str, str],
    created: dt.datetime | None,
    decimals: int,
    page_header: str | None,
    title: str | None,
) -> None:
    decimal = decimal_format(decimals)
    book = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
    )
    properties: dict[str, object] = {} if title is None else {"title": title}
    if created is not None:
        properties["created"] = created
    book.set_properties(properties)
    styles: dict[str, Format] = {}

    def style(number_format: str) -> Format:
        if number_format not in styles:
            styles[number_format] = book.add_format({"num_format": number_format})
        return styles[number_format]

    header = book.add_format(_HEADER)
    try:
        for sheet_name, frame in sheets.items():
            _refuse_non_finite(sheet_name, frame)
            sheet = book.add_worksheet(sheet_name[:31])
            names = [headers.get(c, c) for c in frame.columns]
            sheet.write_row(0, 0, names, header)
            writers = [
                _writer(sheet, dtype, formats.get(name), style, decimal)
                for name, dtype in frame.schema.items()
            ]
            for j, (column, write) in enumerate(zip(frame.iter_columns(), writers, strict=True)):
                for i, value in enumerate(column.to_list(), start=1):
                    if value is not None:
                        write(i, j, value)
            _layout(sheet, frame, names, decimals)
            if page_header:
                sheet.set_header(f"&L{page_header}&R{sheet_name.replace('&', '&&')}")
            sheet.set_footer(PAGE_FOOTER)
    finally:
        close_workbook(book)


def close_workbook(book: xlsxwriter.Workbook, /) -> None:
    """Close (write) a workbook; a file-system error surfaces as itself, not wrapped.

    XlsxWriter wraps the OSError of a locked or full disk in ``FileCreateError``; unwrapped,
    `atomic_path` turns it into the Chinese message that names the file.
    """
    try:
        book.close()
    except FileCreateError as exc:
        cause = exc.args[0] if exc.args else None
        if isinstance(cause, OSError):
            raise cause from exc
        raise


def _refuse_non_finite(title: str, frame: pl.DataFrame) -> None:
    """NaN or infinity must never reach a published sheet; say where it came from."""
    for name, dtype in frame.schema.items():
        if dtype.is_float():
            bad = (~frame.get_column(name).is_finite()).sum()
            if bad:
                raise ValueError(f"sheet {title!r}, column {name!r}: {bad} NaN or infinite values")


def _writer(
    sheet: Worksheet,
    dtype: pl.DataType,
    fmt: str | None,
    style: Callable[[str], Format],
    decimal: str,
) -> Writer:
    """The cell writer for one column, chosen once from its dtype."""
    if dtype in (pl.String, pl.Categorical, pl.Enum):
        return sheet.write_string
    if dtype == pl.Boolean:
        return sheet.write_boolean
    if dtype.is_numeric():
        number = style(fmt or (decimal if dtype.is_float() else _WHOLE))
        return lambda i, j, v: sheet.write_number(i, j, v, number)
    if dtype == pl.Date:
        day = style(fmt or _DATE)
        return lambda i, j, v: sheet.write_datetime(i, j, v, day)
    if isinstance(dtype, pl.Datetime):
        stamp = style(fmt or _DATETIME)  # Excel has no time zones: the wall-clock time is kept
        return lambda i, j, v: sheet.write_datetime(i, j, v.replace(tzinfo=None), stamp)
    return lambda i, j, v: sheet.write_string(i, j, str(v))


def _layout(sheet: Worksheet, frame: pl.DataFrame, names: list[str], decimals: int) -> None:
    """Widths that fit the longest value (CJK counts two); freeze, filter and print setup."""
    total = 0.0
    for j, name in enumerate(names):
        column = frame.get_column(frame.columns[j])
        if column.dtype.is_numeric():  # as printed: thousands separators, fixed decimals
            biggest = column.abs().max()
            places = decimals if column.dtype.is_float() else 0
            column = pl.Series([None if biggest is None else f"-{biggest:,.{places}f}"])
        longest = max(display_width(pl.Series([name])) / 2 + 2, display_width(column) + 2, 6)
        width = min(_MAX_WIDTH, longest)
        sheet.set_column(j, j, width)
        total += width
    if total <= _FIT_WIDTH:  # a row on one sheet of paper, as long as the text stays legible
        sheet.fit_to_pages(1, 0)
    sheet.freeze_panes(1, 0)
    if frame.width:
        sheet.autofilter(0, 0, max(frame.height, 1), frame.width - 1)
    sheet.set_landscape()
    sheet.set_paper(_A4)
    sheet.repeat_rows(0)
