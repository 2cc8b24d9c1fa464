"""Excel 5.0/95 (BIFF5) workbooks, read with xlrd (calamine garbles their 8-bit strings).

Their strings are bytes in the workbook's code page (936 = GBK for Chinese Excel).

A code page that is missing or Western while the bytes are Chinese text is met in exports
from old systems; GBK is then used only when it leaves no Latin-1 letter anywhere, and this is
said, else the file is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import xlrd  # type: ignore[import-untyped]

from mujun.ingest._formats import refuse

_CJK_ENCODINGS = ("cp936", "gbk", "gb2312", "gb18030", "cp950", "big5")
_LATIN = r"[\u0080-\u00ff]"


@dataclass(frozen=True)
class Biff5Book:
    """The visible sheets as text grids, the hidden sheets' names, merged ranges, a note."""

    sheets: list[tuple[str, pl.DataFrame]]
    hidden: tuple[str, ...]
    merges: dict[str, list[tuple[int, int, int, int]]]
    """Sheet → (first row, first column, last row, last column), rows 1-based."""
    note: str


def read(path: Path) -> Biff5Book:
    """Read an Excel 95 workbook.

    Raises:
        DataError: its text is in no code page that makes it readable Chinese.
    """
    book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    note = f"Excel 5.0/95（BIFF5）工作簿，按代码页 {book.codepage}（{book.encoding}）解码"
    found = _sheets(book, note)
    if book.encoding in _CJK_ENCODINGS or not _latin_text(found.sheets):
        return found
    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True,
                                  encoding_override="gbk")  # fmt: skip
        note = (f"Excel 5.0/95（BIFF5）工作簿：代码页注明为 {book.codepage or '（无）'}，"
                "但文字按 GBK 才可读，已按 GBK 解码")  # fmt: skip
        found = _sheets(book, note)
    except UnicodeDecodeError:
        found = Biff5Book([("\u00ff", pl.DataFrame())], (), {}, note)  # not GBK either
    if _latin_text(found.sheets):
        raise refuse(path, "无法确定这个 Excel 95 文件的文字编码（代码页未注明或不是中文）",
                     "用 Excel 或 WPS 打开，另存为 .xlsx 后再导入。")  # fmt: skip
    return found


def _sheets(book: xlrd.Book, note: str) -> Biff5Book:
    sheets, hidden, merges = [], [], {}
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        if sheet.visibility != 0:
            hidden.append(sheet.name)
            continue
        rows = [[_text(c, book.datemode) for c in sheet.row(r)] for r in range(sheet.nrows)]
        width = max((len(r) for r in rows), default=0)
        grid = pl.DataFrame(
            [r + [None] * (width - len(r)) for r in rows],
            schema={f"c{j}": pl.String for j in range(width)}, orient="row",
        )  # fmt: skip
        merges[sheet.name] = [(r1 + 1, c1, r2, c2 - 1) for r1, r2, c1, c2 in sheet.merged_cells]
        sheets.append((sheet.name, grid))
    return Biff5Book(sheets, tuple(hidden), merges, note)


def _latin_text(sheets: list[tuple[str, pl.DataFrame]]) -> bool:
    """Whether sheet names or cells hold Latin-1 letters (Chinese bytes read as Western)."""
    for name, grid in sheets:
        if re.search(_LATIN, name) or (
            grid.width
            and grid.select(pl.any_horizontal(pl.all().str.contains(_LATIN)).any()).item()
        ):
            return True
    return False


def _text(cell: object, datemode: int) -> str | None:
    """A cell as calamine would write it: integral numbers without ".0", dates in ISO form."""
    kind, value = cell.ctype, cell.value  # type: ignore[attr-defined]
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_TEXT:
        return str(value)
    if kind == xlrd.XL_CELL_DATE:
        stamp: dt.datetime = xlrd.xldate_as_datetime(value, datemode)
        return stamp.strftime("%Y-%m-%d %H:%M:%S")
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "true" if value else "false"
    if kind == xlrd.XL_CELL_ERROR:
        return str(xlrd.error_text_from_code.get(value, "#ERR"))
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)
