"""Write frames as a formatted workbook that officials can open, filter and print."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import openpyxl
import polars as pl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_MAX_WIDTH = 60


def write_workbook(
    path: str | Path, sheets: Mapping[str, pl.DataFrame], /, *, headers: Mapping[str, str]
) -> Path:
    """One sheet per frame: Chinese headers, frozen header row, filter, widths, A4 landscape.

    Text cells are always stored as text, so a value such as ``=cmd|…`` is never run by Excel
    as a formula.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    if book.active is not None:
        book.remove(book.active)
    for title, frame in sheets.items():
        sheet = book.create_sheet(title[:31])
        names = [headers.get(c, c) for c in frame.columns]
        sheet.append(names)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in frame.iter_rows():
            sheet.append(list(row))
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula
                elif isinstance(cell.value, float):
                    cell.number_format = "#,##0.00##"
        for j, name in enumerate(names, start=1):
            values = frame.get_column(frame.columns[j - 1]).cast(pl.String).drop_nulls()
            longest = max([len(name) * 2, *(len(v) * 1.6 for v in values.head(200))], default=8)
            sheet.column_dimensions[get_column_letter(j)].width = min(_MAX_WIDTH, max(8, longest))
        sheet.freeze_panes = "A2"
        if frame.width:
            sheet.auto_filter.ref = f"A1:{get_column_letter(frame.width)}{max(1, sheet.max_row)}"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.print_title_rows = "1:1"
    book.save(path)
    return path
