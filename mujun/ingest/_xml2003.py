"""Excel 2003 XML (SpreadsheetML) workbooks, which some systems export under an .xls name.

``<Worksheet ss:Name>`` → ``<Table>`` → ``<Row ss:Index>`` → ``<Cell ss:Index ss:MergeDown
ss:MergeAcross>`` → ``<Data>``. Rows and cells may skip positions by ``ss:Index`` (1-based);
a cell merged down covers the same column in the rows below, which then omit it. Hidden
sheets say ``<Visible>SheetHidden</Visible>`` in their options.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
_X = "{urn:schemas-microsoft-com:office:excel}"


@dataclass
class XmlSheet:
    """One worksheet: rows of text cells, its merged-down ranges and visibility."""

    name: str
    rows: list[list[str | None]] = field(default_factory=list)
    spans: list[tuple[int, int, int]] = field(default_factory=list)
    """(top row, bottom row, column), zero-based, of cells merged down."""
    hidden: bool = False


def is_spreadsheet_ml(head: bytes) -> bool:
    """Whether a file's first bytes declare the SpreadsheetML namespace (and no HTML)."""
    text = head.lower()
    return b"urn:schemas-microsoft-com:office:spreadsheet" in text and b"<html" not in text


def read(path: Path) -> list[XmlSheet]:
    """Every worksheet of the file, hidden ones flagged (streamed row by row)."""
    out: list[XmlSheet] = []
    covered: dict[int, int] = {}  # column → last row a merge from above still covers
    r = -1
    for event, node in ET.iterparse(path, events=("start", "end")):
        if event == "start":
            if node.tag == f"{_SS}Worksheet":
                out.append(XmlSheet(node.get(f"{_SS}Name") or f"Sheet{len(out) + 1}"))
                covered, r = {}, -1
            continue
        if node.tag == f"{_SS}Row" and out:
            index = node.get(f"{_SS}Index")
            r = int(index) - 1 if index else r + 1
            _row(node, r, out[-1], covered)
            node.clear()
        elif node.tag == f"{_X}Visible" and out:
            out[-1].hidden = (node.text or "").strip() != "SheetVisible"
    return out


def _row(row: ET.Element, r: int, out: XmlSheet, covered: dict[int, int]) -> None:
    while len(out.rows) < r:
        out.rows.append([])
    cells: list[str | None] = []
    c = -1
    for cell in row.iter(f"{_SS}Cell"):
        at = cell.get(f"{_SS}Index")
        c = int(at) - 1 if at else c + 1
        while covered.get(c, -1) >= r:  # a cell merged down from above sits here
            c += 1
        data = cell.find(f"{_SS}Data")
        text = "".join(data.itertext()).strip() if data is not None else ""
        cells.extend([None] * (c - len(cells)))
        cells.append(text or None)
        down = int(cell.get(f"{_SS}MergeDown") or 0)
        across = int(cell.get(f"{_SS}MergeAcross") or 0)
        if down:
            out.spans.append((r, r + down, c))
            for col in range(c, c + across + 1):
                covered[col] = r + down
        c += across
    out.rows.append(cells)
