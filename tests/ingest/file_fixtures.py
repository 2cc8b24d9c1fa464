"""Files made by code the way departmental systems really write them (file and grid level).

Excel 95 (BIFF5) workbooks are written record by record into an OLE compound file (no
library writes BIFF5 any more); the rest are openpyxl workbooks edited at the XML level, or
text written in the encodings the systems use.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl

Rows = Sequence[Sequence[object]]


# ---- Excel 5.0/95 (BIFF5) ---- #
def _record(rid: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", rid, len(data)) + data


def _bof(kind: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHH", 0x0500, kind, 0x0DBB, 0x07CC))


def _sheet_stream(rows: Rows, encoding: str) -> bytes:
    body = [_bof(0x0010)]
    width = max((len(r) for r in rows), default=0)
    body.append(_record(0x0000, struct.pack("<HHHHH", 0, len(rows), 0, width, 0)))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                raw = value.encode(encoding)
                body.append(_record(0x0204, struct.pack("<HHHH", r, c, 15, len(raw)) + raw))
            else:
                body.append(_record(0x0203, struct.pack("<HHHd", r, c, 15, float(value))))  # type: ignore[arg-type]
    body.append(_record(0x000A))
    return b"".join(body)


def biff5(
    path: Path, sheets: Sequence[tuple[str, Rows]], *, codepage: int | None = 936,
    hidden: Sequence[str] = (), encoding: str = "gbk",
) -> Path:  # fmt: skip
    """An Excel 5.0/95 workbook: strings are 8-bit bytes in ``encoding``; ``codepage`` is what
    its CODEPAGE record declares (936 = GBK; None: no such record, as some exporters write)."""
    globals_ = [_bof(0x0005)]
    if codepage is not None:
        globals_.append(_record(0x0042, struct.pack("<H", codepage)))
    font = struct.pack("<HHHHHBBBB", 200, 0, 400, 0, 0, 0, 0, 0, 5) + b"Arial"
    globals_.append(_record(0x0031, font))
    style_xf = _record(0x00E0, struct.pack("<HHHHHHI", 0, 0, 0xFFF5, 0x20, 0, 0, 0))
    cell_xf = _record(0x00E0, struct.pack("<HHHHHHI", 0, 0, 0x0001, 0x20, 0, 0, 0))
    globals_ += [style_xf] * 15 + [cell_xf]
    streams = [(name, _sheet_stream(rows, encoding)) for name, rows in sheets]

    def boundsheets(offsets: Sequence[int]) -> bytes:
        out = b""
        for (name, _), offset in zip(streams, offsets, strict=True):
            raw = name.encode(encoding)
            state = 1 if name in hidden else 0
            out += _record(0x0085, struct.pack("<IBB", offset, state, 0) + bytes([len(raw)]) + raw)
        return out

    head = b"".join(globals_)
    position = len(head) + len(boundsheets([0] * len(streams))) + 4
    offsets = []
    for _, stream in streams:
        offsets.append(position)
        position += len(stream)
    book = head + boundsheets(offsets) + _record(0x000A) + b"".join(s for _, s in streams)
    path.write_bytes(ole(book, "Book"))
    return path


def ole(stream: bytes, name: str) -> bytes:
    """A minimal OLE compound file (512-byte sectors) holding one stream ≥ 4096 bytes."""
    stream += b"\0" * max(0, 4096 - len(stream))
    sectors = -(-len(stream) // 512)
    assert sectors + 2 <= 128, "fixture too large for one FAT sector"
    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    fat = [0xFFFFFFFD, end, *range(3, 2 + sectors), end]
    fat += [free] * (128 - len(fat))
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, 1, 1, 0, 0x1000, end, 0, end, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([free] * 108))

    def entry(label: str, kind: int, child: int, start: int, size: int) -> bytes:
        out = bytearray(128)
        raw = label.encode("utf-16-le") + b"\0\0"
        out[: len(raw)] = raw
        struct.pack_into("<HBB", out, 0x40, len(raw), kind, 1)
        struct.pack_into("<III", out, 0x44, free, free, child)
        struct.pack_into("<II", out, 0x74, start, size)
        return bytes(out)

    empty = bytearray(128)
    struct.pack_into("<III", empty, 0x44, free, free, free)
    directory = entry("Root Entry", 5, 1, end, 0) + entry(name, 2, free, 2, len(stream))
    directory += bytes(empty) * 2
    body = stream + b"\0" * (sectors * 512 - len(stream))
    return bytes(header) + struct.pack("<128I", *fat) + directory + body


# ---- xlsx variants ---- #
def workbook(
    path: Path, sheets: Sequence[tuple[str, Rows]], *, hidden: Sequence[str] = (),
    merges: dict[str, Sequence[str]] | None = None,
) -> Path:  # fmt: skip
    """A workbook with named sheets (some hidden, some with merged ranges)."""
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    for i, (title, rows) in enumerate(sheets):
        ws = first if i == 0 else book.create_sheet()
        ws.title = title
        for row in rows:
            ws.append(list(row))
        for span in (merges or {}).get(title, ()):
            ws.merge_cells(span)
        if title in hidden:
            ws.sheet_state = "hidden"
    book.save(path)
    return path


def at(path: Path, cells: dict[str, object]) -> Path:
    """A one-sheet workbook with values at the given cells (e.g. a table starting at C4)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for ref, value in cells.items():
        sheet[ref] = value
    book.save(path)
    return path


def hide_every_sheet(path: Path) -> Path:
    """Mark every sheet hidden in workbook.xml (Excel allows it only through such edits)."""
    with zipfile.ZipFile(path) as book:
        parts = {i.filename: book.read(i.filename) for i in book.infolist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b'state="visible"', b'state="hidden"'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return path


def set_dimension(path: Path, ref: str | None) -> Path:
    """Rewrite the first sheet's ``<dimension>``: a stale range, or none (``ref=None``)."""
    with zipfile.ZipFile(path) as book:
        parts = {i.filename: book.read(i.filename) for i in book.infolist()}
    member = "xl/worksheets/sheet1.xml"
    replacement = b"" if ref is None else f'<dimension ref="{ref}"/>'.encode()
    parts[member] = re.sub(rb"<dimension [^>]*/>", replacement, parts[member])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return path


# ---- not tables ---- #
def pdf(path: Path) -> Path:
    """A (tiny, valid-looking) PDF saved under a spreadsheet's name."""
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    return path


def lock_file(folder: Path, name: str) -> Path:
    """The 165-byte owner file Excel writes beside an open workbook (``~$`` + its name)."""
    owner = "张三".encode("utf-16-le")
    data = bytes([len("张三")]) + owner.ljust(108, b" ") + b"\0" * 56
    path = folder / f"~${name}"
    path.write_bytes(data[:165])
    return path


# ---- text ---- #
def text(path: Path, content: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(content.encode(encoding))
    return path


def gbk_with_utf8_tail(path: Path, body: str, tail: str) -> Path:
    """A GBK CSV to which one line was appended by a UTF-8 tool."""
    path.write_bytes(body.encode("gbk") + tail.encode("utf-8"))
    return path


def biff8(path: Path, cells: dict[tuple[int, int], object], merges: Sequence[Rows] = ()) -> Path:
    """An Excel 97–2003 workbook (xlwt) with values at (row, column), zero-based, and merged
    ranges given as (first row, last row, column, value)."""
    import xlwt  # type: ignore[import-untyped]  # noqa: PLC0415 - test-only dependency

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("数据")
    for (row, col), value in cells.items():
        sheet.write(row, col, value)
    for r1, r2, col, value in merges:
        sheet.write_merge(r1, r2, col, col, value)
    book.save(str(path))
    return path


def cached_empty_text(path: Path, ref: str) -> Path:
    """Give cell ``ref`` of the first sheet a formula whose cached result is empty text, as
    Excel saves ``=IF(…,"",…)``."""
    with zipfile.ZipFile(path) as book:
        parts = {i.filename: book.read(i.filename) for i in book.infolist()}
    member = "xl/worksheets/sheet1.xml"
    cell = f'<c r="{ref}" t="str"><f>IF(1,"","x")</f><v></v></c>'.encode()
    parts[member] = re.sub(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)'.encode(), cell, parts[member])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return path


def spreadsheet_ml(
    path: Path, sheets: Sequence[tuple[str, str]], hidden: Sequence[str] = ()
) -> Path:
    """An Excel 2003 XML workbook; each sheet's rows are given as SpreadsheetML ``<Row>`` text."""
    body = ""
    for name, rows in sheets:
        options = (
            '<WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel">'
            "<Visible>SheetHidden</Visible></WorksheetOptions>"
            if name in hidden
            else ""
        )
        body += f'<Worksheet ss:Name="{name}"><Table>{rows}</Table>{options}</Worksheet>'
    path.write_text(
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">' + body + "</Workbook>",
        encoding="utf-8",
    )
    return path
