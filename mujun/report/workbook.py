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
    path: str | Path,
    sheets: Mapping[str, pl.DataFrame],
    /,
    *,
    headers: Mapping[str, str],
    formats: Mapping[str, str] | None = None,
) -> Path:
    """One sheet per frame: Chinese headers, frozen header row, filter, widths, A4 landscape.

    Text cells are always stored as text, so a value such as ``=cmd|…`` is never run by Excel
    as a formula. Numbers get ``#,##0.00##`` (decimals) or ``0`` (whole numbers) unless
    ``formats`` names a column (by its source name) with another format.
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
        special = [(formats or {}).get(c) for c in frame.columns]
        for row in frame.iter_rows():
            sheet.append(list(row))
            for cell, fmt in zip(sheet[sheet.max_row], special, strict=True):
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula
                elif fmt is not None and isinstance(cell.value, int | float):
                    cell.number_format = fmt
                elif isinstance(cell.value, float):
                    cell.number_format = "#,##0.00##"
                elif isinstance(cell.value, int) and not isinstance(cell.value, bool):
                    cell.number_format = "0"
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
