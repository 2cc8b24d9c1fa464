"""HTML tables ("HTML saved as .xls" exports), with ``rowspan`` and ``colspan`` expanded.

A cell spanning rows is repeated in each row it spans (like a merged firm cell filled down
inside its range); a cell spanning columns leaves the columns it covers empty (as calamine
reads a merged cell). Rows and columns keep their positions, so reported row numbers are the
table's rows.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _TableParser(HTMLParser):
    """Collect the cells of every <table>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str | None]]] = []
        self.spanned: list[int] = []
        """Per table: cells repeated down because of rowspan."""
        self._pending: list[dict[int, tuple[int, str | None]]] = []
        self._row: list[str | None] | None = None
        self._cell: list[str] | None = None
        self._spans = (1, 1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
            self.spanned.append(0)
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
            left, text = pending[col]
            self._row.append(text)
            self.spanned[-1] += 1
            if left <= 1:
                del pending[col]
            else:
                pending[col] = (left - 1, text)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            text = "".join(self._cell).strip() or None
            rows, cols = self._spans
            start = len(self._row)
            self._row.extend([text] + [None] * (cols - 1))
            if rows > 1:
                self._pending[-1][start] = (rows - 1, text)
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


def tables(text: str) -> list[tuple[list[list[str | None]], int]]:
    """Every table's rows (padded to one width) and how many cells rowspan repeated."""
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    out = []
    for table, spanned in zip(parser.tables, parser.spanned, strict=True):
        width = max((len(r) for r in table), default=0)
        out.append(([r + [None] * (width - len(r)) for r in table], spanned))
    return out
