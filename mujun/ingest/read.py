"""Read any departmental file into raw text grids, one per sheet, keeping true row numbers.

Files are sniffed by their first bytes, not trusted by their extension: ``PK`` is an .xlsx
(zip), ``D0 CF 11 E0`` an .xls (BIFF/OLE), ``<`` an HTML table saved as .xls, anything else
CSV text in UTF-8 (with or without BOM) or GB18030. Spreadsheets are read with calamine
(fastexcel). Every cell comes back as text; parsing values is `mujun.ingest.values`' job.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import fastexcel
import polars as pl

from mujun.errors import DataError

MAX_BYTES_ENV = "MUJUN_MAX_FILE_MB"
_DEFAULT_MAX_MB = 512
MAX_UNZIPPED_ENV = "MUJUN_MAX_UNZIPPED_MB"
_DEFAULT_MAX_UNZIPPED_MB = 2048
"""A workbook's parts inflated; calamine holds a sheet's XML in memory while reading it.
ASSUMPTION: 2 GB inflated is ~4M rows × 20 columns, far above a county's files."""
_CELL = re.compile(r"^([A-Z]+)(\d+)$")


@dataclass(frozen=True)
class RawSheet:
    """One sheet as text cells: ``grid`` has columns ``c0 … cN`` (null for empty cells)."""

    file: str
    sheet: str | None
    grid: pl.DataFrame
    first_row: int = 1
    """Spreadsheet row number of the grid's first row."""
    first_col: int = 0
    """Zero-based spreadsheet column of ``c0`` (so ``c0`` is column A when 0)."""

    def row_number(self, index: int) -> int:
        """The spreadsheet row of grid row ``index``."""
        return self.first_row + index

    def column_letter(self, index: int) -> str:
        """The spreadsheet column letter of grid column ``index``."""
        n = self.first_col + index + 1
        letters = ""
        while n:
            n, rem = divmod(n - 1, 26)
            letters = chr(65 + rem) + letters
        return letters


def sniff(path: Path) -> str:
    """``xlsx``, ``xls``, ``html`` or ``csv`` from the file's first bytes."""
    head = path.read_bytes()[:512] if path.stat().st_size < 512 else _head(path)
    if head.startswith(b"PK"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta", b"<head")):
        return "html"
    return "csv"


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(512)


def read_sheets(path: str | Path, /) -> list[RawSheet]:
    """Every sheet of a file as text grids.

    Raises:
        DataError: missing, empty, too large, password-protected or corrupt files, with the
            file named and a hint.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError.unreadable(str(path), "no such file", hint="check the path.")
    size = path.stat().st_size
    limit = _limit_bytes(MAX_BYTES_ENV, _DEFAULT_MAX_MB)
    if size == 0:
        raise DataError.unreadable(str(path), "the file is empty", hint="export it again.")
    if size > limit:
        raise DataError.unreadable(
            str(path),
            f"{size / 1e6:.0f} MB is over the {limit / 1e6:.0f} MB limit",
            hint=f"split the file, or raise {MAX_BYTES_ENV} if the machine has the memory.",
        )
    kind = sniff(path)
    try:
        match kind:
            case "xlsx" | "xls":
                return _read_workbook(path, kind)
            case "html":
                return _read_html(path)
            case _:
                return [RawSheet(str(path), None, _read_csv(path))]
    except DataError:
        raise
    except Exception as exc:  # any reader failure is a problem with the file
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        hint = "open it in Excel and save it again as .xlsx (without a password)."
        if "password" in first.lower() or "encrypt" in first.lower():
            hint = "remove the password (文件 → 信息 → 保护工作簿) and export again."
        raise DataError.unreadable(str(path), f"{kind} file: {first}", hint=hint) from None


def _read_workbook(path: Path, kind: str) -> list[RawSheet]:
    if kind == "xls" and _is_encrypted_ole(path):
        raise DataError.unreadable(
            str(path),
            "the workbook is password-protected (encrypted)",
            hint="remove the password (文件 → 信息 → 保护工作簿) and export again.",
        )
    if kind == "xlsx":
        _check_inflated(path)
    reader = fastexcel.read_excel(str(path))
    offsets = _xlsx_offsets(path) if kind == "xlsx" else {}
    sheets = []
    for index, name in enumerate(reader.sheet_names):
        sheet = reader.load_sheet(index, header_row=None, dtypes="string")
        grid = sheet.to_polars()
        grid = grid.rename({c: f"c{i}" for i, c in enumerate(grid.columns)})
        row0, col0 = offsets.get(name, (1, 0))
        sheets.append(RawSheet(str(path), name, grid, first_row=row0, first_col=col0))
    return sheets


def _limit_bytes(env: str, default_mb: float) -> float:
    """A size limit in bytes from ``env`` (megabytes), else the default."""
    text = os.environ.get(env)
    try:
        mb = float(text) if text is not None else default_mb
    except ValueError:
        mb = -1.0
    if not mb > 0:
        msg = (
            f"{env}={text!r} is not a size in MB.\nHint: set it to a number such as {default_mb:g}."
        )
        raise DataError(msg)
    return mb * 1e6


def _check_inflated(path: Path) -> None:
    """Refuse a workbook that would inflate past the limit (a zip bomb) before reading it.

    Uses the sizes the zip directory declares; a directory that lies about them fails the
    readers' own checks (CRC, lengths) instead.
    """
    limit = _limit_bytes(MAX_UNZIPPED_ENV, _DEFAULT_MAX_UNZIPPED_MB)
    with zipfile.ZipFile(path) as book:
        inflated = sum(info.file_size for info in book.infolist())
    if inflated > limit:
        raise DataError.unreadable(
            str(path),
            f"解压后 {inflated / 1e6:,.0f} MB, over the {limit / 1e6:,.0f} MB limit "
            f"(compressed {path.stat().st_size / 1e6:,.1f} MB)",
            hint=f"split the workbook, or raise {MAX_UNZIPPED_ENV} if the machine has the memory.",
        )


def _is_encrypted_ole(path: Path) -> bool:
    """An OLE file holding an encrypted OOXML package (a password-protected .xlsx/.xls)."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    return "EncryptedPackage".encode("utf-16-le") in head or b"EncryptionInfo" in head


def _xlsx_offsets(path: Path) -> dict[str, tuple[int, int]]:
    """First row and column of each sheet's used range, from ``<dimension ref="B3:…">``.

    Calamine trims leading empty rows and columns; without this, reported row numbers would
    be off for sheets that do not start at A1.
    """
    out: dict[str, tuple[int, int]] = {}
    with zipfile.ZipFile(path) as book:
        names = set(book.namelist())
        workbook = book.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = book.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
        targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
        targets |= {k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)}
        for name, rid in re.findall(r'<sheet[^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', workbook):
            target = targets.get(rid, "")
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if member not in names:
                continue
            with book.open(member) as handle:
                head = handle.read(4096).decode("utf-8", "replace")
            found = re.search(r'<dimension ref="([A-Z]+\d+)', head)
            if found and (cell := _CELL.match(found.group(1))):
                col = 0
                for ch in cell.group(1):
                    col = col * 26 + (ord(ch) - 64)
                out[_unescape(name)] = (int(cell.group(2)), col - 1)
    return out


def _unescape(text: str) -> str:
    return (text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
            .replace("&quot;", '"').replace("&apos;", "'"))  # fmt: skip


def _read_csv(path: Path) -> pl.DataFrame:
    raw = path.read_bytes()
    # UTF-16 only with its byte-order mark (Excel's "Unicode text"); else UTF-8, then GB18030.
    utf16 = ("utf-16",) if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ()
    for encoding in (*utf16, "utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise DataError.unreadable(str(path), "unknown text encoding", hint="save as UTF-8.")
    frame = pl.read_csv(
        text.encode("utf-8"), has_header=False, infer_schema=False, truncate_ragged_lines=True,
        separator=_separator(text),
    )  # fmt: skip
    return frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})


def _separator(text: str) -> str:
    """The delimiter used most in the first lines: comma, semicolon, tab or bar."""
    head = "\n".join(text.splitlines()[:20])
    counts = {sep: head.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


class _TableParser(HTMLParser):
    """Collect the cells of every <table> (the "HTML saved as .xls" exports)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str | None]]] = []
        self._row: list[str | None] | None = None
        self._cell: list[str] | None = None
        self._span = 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._span = int(dict(attrs).get("colspan") or 1)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            text = "".join(self._cell).strip()
            self._row.extend([text or None] + [None] * (self._span - 1))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _read_html(path: Path) -> list[RawSheet]:
    raw = path.read_bytes()
    charset = re.search(rb'charset=["\']?([A-Za-z0-9_-]+)', raw[:2048])
    encodings = [charset.group(1).decode()] if charset else []
    for encoding in [*encodings, "utf-8-sig", "gb18030"]:
        try:
            text = raw.decode(encoding)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    parser = _TableParser()
    parser.feed(text)
    sheets = []
    for i, table in enumerate(parser.tables):
        width = max((len(r) for r in table), default=0)
        rows = [r + [None] * (width - len(r)) for r in table]
        grid = pl.DataFrame(
            {f"c{j}": [r[j] for r in rows] for j in range(width)},
            schema={f"c{j}": pl.String for j in range(width)},
        )
        sheets.append(RawSheet(str(path), f"table{i + 1}", grid))
    if not sheets:
        raise DataError.unreadable(
            str(path), "an HTML file without a table", hint="export the data as .xlsx."
        )
    return sheets
