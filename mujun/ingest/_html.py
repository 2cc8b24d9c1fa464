"""HTML tables ("HTML saved as .xls" exports), with ``rowspan`` and ``colspan`` laid out.

A cell spanning rows or columns keeps its value in its first cell and leaves the cells it
covers empty, as a spreadsheet reader shows a merged cell; row spans are returned like merged
ranges, for the extractor to fill down inside them. Rows and columns keep their positions, so
reported row numbers are the table's rows.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _TableParser(HTMLParser):
    """Collect the cells of every <table>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str | None]]] = []
        self.spans: list[list[tuple[int, int, int]]] = []
        """Per table: (top row, bottom row, column) of cells spanning rows."""
        self._pending: list[dict[int, int]] = []
        self._row: list[str | None] | None = None
        self._cell: list[str] | None = None
        self._spans = (1, 1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
            self.spans.append([])
            self._pending.append({})
        elif tag == "tr" and self.tables:
            self._row = []
            self._fill_pending()
        elif tag in ("td", "th") and self._row is not None:
            found = dict(attrs)
            self._cell = []
            self._spans = (_span(found.get("rowspan")), _span(found.get("colspan")))
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def _fill_pending(self) -> None:
        """Put cells continuing from rows above (rowspan) into the current row."""
        assert self._row is not None
        pending = self._pending[-1]
        while len(self._row) in pending:
            col = len(self._row)
            self._row.append(None)
            if pending[col] <= 1:
                del pending[col]
            else:
                pending[col] -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            text = "".join(self._cell).strip() or None
            rows, cols = self._spans
            start = len(self._row)
            self._row.extend([text] + [None] * (cols - 1))
            if rows > 1:
                self._pending[-1][start] = rows - 1
                top = len(self.tables[-1])
                self.spans[-1].append((top, top + rows - 1, start))
            self._cell = None
            self._fill_pending()
        elif tag == "tr" and self._row is not None:
            self._fill_pending()
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _span(value: str | None) -> int:
    found = re.match(r"\s*(\d+)", value or "")
    return max(1, min(int(found.group(1)), 10_000)) if found else 1


def tables(text: str) -> list[tuple[list[list[str | None]], list[tuple[int, int, int]]]]:
    """Every table's rows (padded to one width) and its row spans, clipped to its rows."""
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    out = []
    for table, spans in zip(parser.tables, parser.spans, strict=True):
        width = max((len(r) for r in table), default=0)
        kept = [(t, min(b, len(table) - 1), c) for t, b, c in spans if min(b, len(table) - 1) > t]
        out.append(([r + [None] * (width - len(r)) for r in table], kept))
    return out
