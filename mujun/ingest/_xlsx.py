"""What calamine does not tell about an .xlsx.

Sheet visibility, where the used range really starts, merged ranges, and formula cells that
carry no cached value.

Each sheet's XML is streamed once (4 MB blocks). Calamine places its grid at the first row
and column that hold a value, whatever ``<dimension>`` says (a stale or missing dimension is
common in exports), so the true offset is taken from the first cell with a value.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field

_BLOCK = 1 << 22
_SHEET = re.compile(r"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_REL = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)/?>")
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_VALUED = re.compile(rb"<c\b([^>]*?)(?<!/)>(?:(?!</c>).){0,4000}?<(?:v|t)(?:\s[^>]*)?>[^<]", re.S)
_ROW = re.compile(rb'<row\b[^>]*?\br="([0-9]+)"')
_FORMULA = re.compile(rb"<f[\s>/]")
_HIDDEN_ROW = re.compile(rb'<row\b([^>]*\bhidden="(?:1|true)"[^>]*)(?<!/)>\s*<c\b')
_COL = re.compile(rb"<col\b([^>]*)>")
_ATTRS = re.compile(rb'([\w:]+)="([^"]*)"')
_EMPTY_TEXT = re.compile(rb'<c\b[^>]*\bt="str".*<v(?:>|\s*/>)', re.S)
_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"')
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]+)([0-9]+)')
FORMULAS_NAMED = 10
"""Formula cells named in a message (the count is always complete)."""


@dataclass(frozen=True)
class SheetPart:
    """One worksheet of the workbook as workbook.xml lists it."""

    name: str
    member: str | None
    state: str
    """``visible``, ``hidden`` or ``veryHidden``."""


@dataclass
class SheetScan:
    """What one pass over a sheet's XML found."""

    first: tuple[int, int] | None = None
    """(row, zero-based column) of the first cell holding a value."""
    dimension: tuple[int, int] | None = None
    formulas: list[str] = field(default_factory=list)
    """References of formula cells without a cached value (the first `FORMULAS_NAMED`)."""
    formula_count: int = 0
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    """(first row, first column, last row, last column), rows 1-based, columns 0-based."""
    hidden_rows: list[int] = field(default_factory=list)
    """Rows holding cells that Excel hides (read all the same, and said)."""
    hidden_cols: list[int] = field(default_factory=list)
    """Zero-based columns Excel hides."""


def col_index(letters: bytes | str) -> int:
    """Zero-based column of ``"A"``, ``"AB"``, …."""
    text = letters.decode() if isinstance(letters, bytes) else letters
    n = 0
    for ch in text:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))  # fmt: skip


def sheet_parts(book: zipfile.ZipFile) -> list[SheetPart]:
    """The workbook's worksheets in order, with their XML member and visibility."""
    names = set(book.namelist())
    main = next((n for n in names if n.lower() == "xl/workbook.xml"), "xl/workbook.xml")
    workbook = book.read(main).decode("utf-8", "replace")
    rels_name = "xl/_rels/workbook.xml.rels"
    rels = book.read(rels_name).decode("utf-8", "replace") if rels_name in names else ""
    targets = {}
    for attrs in _REL.findall(rels):
        found = dict(_ATTR.findall(attrs))
        if "Id" in found and "Target" in found:
            targets[found["Id"]] = found["Target"]
    parts = []
    for attrs in _SHEET.findall(workbook):
        found = dict(_ATTR.findall(attrs))
        rid = next((v for k, v in found.items() if k.endswith(":id")), "")
        target = targets.get(rid, "")
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        parts.append(SheetPart(
            _unescape(found.get("name", "")), member if member in names else None,
            found.get("state", "visible"),
        ))  # fmt: skip
    return parts


def scan(book: zipfile.ZipFile, member: str) -> SheetScan:
    """Stream one sheet's XML for its first valued cell, formulas and merged ranges."""
    out = SheetScan()
    carry = b""
    with book.open(member) as handle:
        while True:
            block = handle.read(_BLOCK)
            data = carry + block
            if not block:
                _inspect(data, out)
                break
            cut = data.rfind(b"</c>")
            if cut < 0:
                carry = data
                continue
            _inspect(data[: cut + 4], out)
            carry = data[cut + 4 :]
    return out


def _inspect(data: bytes, out: SheetScan) -> None:
    if b'hidden="1"' in data or b'hidden="true"' in data:
        _hidden(data, out)
    if out.dimension is None and (dim := _DIMENSION.search(data)):
        out.dimension = (int(dim.group(2)), col_index(dim.group(1)))
    if out.first is None and (valued := _VALUED.search(data)):
        ref = _REF.search(valued.group(1))
        if ref:
            out.first = (int(ref.group(2)), col_index(ref.group(1)))
        elif row := _ROW.search(data, data.rfind(b"<row", 0, valued.start())):
            # cells without references are placed from column A by every reader
            out.first = (int(row.group(1)), 0)
    if b"<f" in data:
        _formulas(data, out)
    if b"<mergeCell" in data:
        for a, r1, b, r2 in _MERGE.findall(data):
            out.merges.append((int(r1), col_index(a), int(r2), col_index(b)))


def _hidden(data: bytes, out: SheetScan) -> None:
    """Hidden rows that hold cells, and hidden columns."""
    for attrs in _HIDDEN_ROW.findall(data):
        if number := dict(_ATTRS.findall(attrs)).get(b"r"):
            out.hidden_rows.append(int(number))
    for attrs in _COL.findall(data):
        found = dict(_ATTRS.findall(attrs))
        if found.get(b"hidden") in (b"1", b"true") and b"min" in found and b"max" in found:
            low, high = int(found[b"min"]), int(found[b"max"])
            out.hidden_cols.extend(range(low - 1, min(high, low + 50)))


def _formulas(data: bytes, out: SheetScan) -> None:
    """Formula cells without a cached value (an empty text result is a value)."""
    for hit in _FORMULA.finditer(data):
        start = data.rfind(b"<c ", 0, hit.start())
        end = data.find(b"</c>", hit.start())
        cell = data[start:end]
        if re.search(rb"<v>[^<]", cell) or _EMPTY_TEXT.match(cell):
            continue
        out.formula_count += 1
        if len(out.formulas) < FORMULAS_NAMED and (ref := _REF.search(cell)):
            out.formulas.append((ref.group(1) + ref.group(2)).decode())
