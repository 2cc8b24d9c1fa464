"""What calamine does not tell about a BIFF8 .xls: where cells start, which ranges are merged.

Calamine starts its grid at the first row and column holding a value (as for .xlsx), so the
offset is taken from the first cell record of each worksheet's substream (cell records are
stored in row order, left to right). MERGEDCELLS records give the merged ranges. The
records are walked once; an .xls holds at most 65,536 rows.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field

import xlrd.compdoc  # type: ignore[import-untyped]

_BOF, _EOF, _BOUNDSHEET, _MERGED = 0x0809, 0x000A, 0x0085, 0x00E5
_CELLS = frozenset({0x0203, 0x00FD, 0x0204, 0x027E, 0x00BD, 0x0205, 0x0006, 0x00D6})
"""NUMBER, LABELSST, LABEL, RK, MULRK, BOOLERR, FORMULA, RSTRING: cells holding a value."""


@dataclass
class BiffSheet:
    """One worksheet's first valued cell and merged ranges."""

    first: tuple[int, int] | None = None
    """(row 1-based, column 0-based) of the first cell record holding a value."""
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    """(first row, first column, last row, last column), rows 1-based, columns 0-based."""


def scan(data: bytes) -> dict[str, BiffSheet]:
    """Worksheet name → its first valued cell and merged ranges ({} if not readable)."""
    try:
        stream = bytes(
            xlrd.compdoc.CompDoc(data, logfile=io.StringIO()).get_named_stream("Workbook")
        )
    except Exception:  # calamine reports a broken file itself
        return {}
    sheets: list[tuple[str, int]] = []
    for rid, body in _records(stream, 0):
        if rid == _BOUNDSHEET and len(body) >= 8 and body[5] == 0:  # 0: a worksheet
            sheets.append((_sheet_name(body), struct.unpack_from("<I", body)[0]))
        elif rid == _EOF:
            break
    return {name: _sheet(stream, offset) for name, offset in sheets}


def _records(stream: bytes, start: int):  # type: ignore[no-untyped-def]
    pos = start
    while pos + 4 <= len(stream):
        rid, size = struct.unpack_from("<HH", stream, pos)
        yield rid, stream[pos + 4 : pos + 4 + size]
        pos += 4 + size


def _sheet_name(body: bytes) -> str:
    length, flags = body[6], body[7]
    raw = body[8:]
    if flags & 1:
        return raw[: 2 * length].decode("utf-16-le", "replace")
    return raw[:length].decode("latin-1")


def _sheet(stream: bytes, offset: int) -> BiffSheet:
    out = BiffSheet()
    depth = 0
    for rid, body in _records(stream, offset):
        if rid == _BOF:
            depth += 1
        elif rid == _EOF:
            depth -= 1
            if depth <= 0:
                break
        elif rid in _CELLS and out.first is None and depth == 1 and len(body) >= 4:
            row, col = struct.unpack_from("<HH", body)
            out.first = (row + 1, col)
        elif rid == _MERGED and len(body) >= 2:
            count = struct.unpack_from("<H", body)[0]
            for i in range(min(count, (len(body) - 2) // 8)):
                r1, r2, c1, c2 = struct.unpack_from("<HHHH", body, 2 + 8 * i)
                out.merges.append((r1 + 1, c1, r2 + 1, c2))
    return out
