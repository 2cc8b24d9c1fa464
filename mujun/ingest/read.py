"""Read any departmental file into raw text grids, one per visible sheet, keeping true row numbers.

Files are sniffed by their name and first bytes, not trusted by their extension
(`mujun.ingest._formats`): .xlsx and BIFF8 .xls are read with calamine (fastexcel), Excel 95
(BIFF5) .xls with xlrd (calamine garbles its 8-bit strings), Excel 2003 XML and HTML tables
saved as .xls by their own parsers, CSV text with its encoding decided over the whole file
and its width taken from its data (`mujun.ingest._text`). Every cell comes back as text;
parsing values is `mujun.ingest.values`' job.

Each sheet also carries what surrounds its table (`SheetContext`: title and condition lines,
footnotes, units stated outside the header, its role from its name) and which of its rows must
not be read as data, with the reason (footnotes, CSV rows with more fields than the header).
A workbook's hidden sheets are not read, and this is said; formula cells without a cached
value, a transposed table, and files that are not tables are refused naming what is wrong.
"""

from __future__ import annotations

import os
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import fastexcel
import polars as pl

from mujun.errors import DataError
from mujun.ingest import _biff, _biff5, _grid, _html, _text, _xlsx, _xml2003
from mujun.ingest._formats import refuse
from mujun.ingest._formats import sniff as _sniff
from mujun.ingest._grid import SheetContext, UnitHint

__all__ = ["RawSheet", "SheetContext", "UnitHint", "read_sheets", "sniff"]

MAX_BYTES_ENV = "MUJUN_MAX_FILE_MB"
_DEFAULT_MAX_MB = 512
MAX_UNZIPPED_ENV = "MUJUN_MAX_UNZIPPED_MB"
_DEFAULT_MAX_UNZIPPED_MB = 2048
"""A workbook's parts inflated; calamine holds a sheet's XML in memory while reading it.
ASSUMPTION: 2 GB inflated is ~4M rows × 20 columns, far above a county's files."""
_FORMAT_NAMES = {
    "xlsx": "xlsx",
    "xls": "xls（Excel 97–2003 / BIFF8）",
    "xls5": "xls（Excel 5.0/95 / BIFF5，按其代码页解码）",
    "html": "HTML 表格",
    "xml2003": "Excel 2003 XML 表格（SpreadsheetML）",
}
_UNHIDE = "在 Excel 中取消隐藏要导入的工作表（右键工作表标签 → 取消隐藏）后保存。"


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
    context: SheetContext = field(default_factory=SheetContext)
    """Title lines, conditions, footnotes, unit hints, role and reading notes of the sheet."""
    skipped: dict[int, str] = field(default_factory=dict)
    """Grid row → why it is not data (a footnote below the table)."""
    rejected: dict[int, str] = field(default_factory=dict)
    """Grid row → why the whole row cannot be read (more fields than the header in a CSV)."""
    merged: tuple[tuple[int, int, int], ...] = ()
    """Vertically merged (or HTML rowspan) ranges as (top grid row, bottom grid row, grid
    column); the value sits in the top cell only. The extractor fills it down inside the range
    for identity and text fields, never for amounts (which would be counted once per row)."""

    def row_number(self, index: int) -> int:
        """The spreadsheet row of grid row ``index``."""
        return self.first_row + index

    def column_letter(self, index: int) -> str:
        """The spreadsheet column letter of grid column ``index``."""
        return _grid.column_letters(self.first_col + index)


def sniff(path: Path) -> str:
    """``xlsx``, ``xls``, ``xls5``, ``html`` or ``csv`` (see `mujun.ingest._formats.sniff`)."""
    return _sniff(path)


def read_sheets(path: str | Path, /) -> list[RawSheet]:
    """Every visible sheet of a file as text grids with their surroundings.

    Raises:
        DataError: missing, empty, too large, password-protected, corrupt or not-a-table files,
            formula cells without values and transposed tables, with the file named and a hint.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError.unreadable(str(path), "文件不存在", hint="检查路径是否正确。")
    if path.name.startswith("~$"):
        sniff(path)  # raises: an Excel lock file
    size = path.stat().st_size
    limit = _limit_bytes(MAX_BYTES_ENV, _DEFAULT_MAX_MB)
    if size == 0:
        raise DataError.unreadable(str(path), "文件是空的", hint="重新导出该文件。")
    if size > limit:
        raise DataError.unreadable(
            str(path),
            f"文件 {size / 1e6:.0f} MB，超过 {limit / 1e6:.0f} MB 的上限",
            hint=f"把文件拆开；或在内存足够时调大环境变量 {MAX_BYTES_ENV}（单位 MB）。",
        )
    kind = sniff(path)
    readers = {"xlsx": _read_xlsx, "xls": _read_xls, "xls5": _read_biff5, "html": _read_html,
               "xml2003": _read_xml2003, "csv": _read_csv}  # fmt: skip
    try:
        sheets = readers[kind](path)
    except DataError:
        raise
    except Exception as exc:  # any reader failure is a problem with the file
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        hint = "用 Excel 打开后另存为 .xlsx（不设密码）再导入。"
        if "password" in first.lower() or "encrypt" in first.lower():
            hint = "去掉密码（文件 → 信息 → 保护工作簿）后重新导出。"
        raise DataError.unreadable(str(path), f"{kind} 文件：{first}", hint=hint) from None
    return [_surround(s) for s in sheets]


# ---- workbooks ---- #
def _read_xlsx(path: Path) -> list[RawSheet]:
    _check_inflated(path)
    with zipfile.ZipFile(path) as book:
        parts = _xlsx.sheet_parts(book)
    hidden = tuple(p.name for p in parts if p.state != "visible")
    visible = [p for p in parts if p.state == "visible"]
    if parts and not visible:
        raise refuse(path, f"工作簿的工作表全部是隐藏的（{'、'.join(hidden)}）", _UNHIDE)
    # NOTE: the XML scan (zlib, releases the GIL) runs beside calamine's read of the cells.
    with ThreadPoolExecutor(max_workers=1) as pool:
        scans = pool.submit(_scan_all, path, [p.member for p in visible])
        reader = fastexcel.read_excel(str(path))
        grids = {
            name: _grid_of(reader.load_sheet(name, header_row=None, dtypes="string"))
            for name in reader.sheet_names
            if name not in hidden
        }
        found = dict(zip([p.name for p in visible], scans.result(), strict=True))
    _refuse_formulas(path, list(found.items()))
    names = tuple(grids)
    out = []
    for name, grid in grids.items():
        scan = found.get(name, _xlsx.SheetScan())
        row0, col0 = _origin(grid, scan.first, scan.dimension)
        spans = _grid.merged_spans(grid, scan.merges, first_row=row0, first_col=col0)
        context = SheetContext(format=_FORMAT_NAMES["xlsx"], sheets=names, hidden_sheets=hidden,
                               notes=(*_hidden_note(hidden), *_hidden_parts(scan)))  # fmt: skip
        out.append(RawSheet(str(path), name, grid, row0, col0, context, merged=tuple(spans)))
    return out


def _scan_all(path: Path, members: list[str | None]) -> list[_xlsx.SheetScan]:
    with zipfile.ZipFile(path) as book:
        return [_xlsx.scan(book, m) if m else _xlsx.SheetScan() for m in members]


def _origin(
    grid: pl.DataFrame, first: tuple[int, int] | None, fallback: tuple[int, int] | None = None
) -> tuple[int, int]:
    """The sheet row and column of the grid's top-left cell.

    Calamine starts the grid at the first row and the first column holding a value; the
    first valued cell in the file (cells are stored by row, left to right) is the leftmost
    valued cell of the grid's first row.
    """
    if first is None or grid.height == 0:
        return fallback or (1, 0)
    row, col = first
    first_filled = next((j for j, v in enumerate(grid.row(0)) if v is not None), 0)
    return row, max(0, col - first_filled)


def _refuse_formulas(path: Path, scans: list[tuple[str, _xlsx.SheetScan]]) -> None:
    total = sum(s.formula_count for _, s in scans)
    if not total:
        return
    cells = [f"{name}!{ref}" for name, s in scans for ref in s.formulas][: _xlsx.FORMULAS_NAMED]
    raise refuse(
        path,
        f"有 {total} 个公式单元格没有计算结果（文件中未保存公式的值），例如 {'、'.join(cells)}；"
        "mujun 不计算公式，按空值读取会出错",
        "用 Excel 或 WPS 打开该文件，按 F9 重新计算后保存（或把公式“选择性粘贴为数值”），再导入。",
    )


def _read_xls(path: Path) -> list[RawSheet]:
    reader = fastexcel.read_excel(str(path))
    sheets, hidden = [], []
    for index, name in enumerate(reader.sheet_names):
        loaded = reader.load_sheet(index, header_row=None, dtypes="string")
        if loaded.visible != "visible":
            hidden.append(name)
            continue
        sheets.append((name, _grid_of(loaded)))
    found = _biff.scan(path.read_bytes())
    out = []
    for raw in _book(path, "xls", sheets, tuple(hidden)):
        scan = found.get(raw.sheet or "", _biff.BiffSheet())
        row0, col0 = _origin(raw.grid, scan.first)
        spans = _grid.merged_spans(raw.grid, scan.merges, first_row=row0, first_col=col0)
        out.append(replace(raw, first_row=row0, first_col=col0, merged=tuple(spans)))
    return out


def _read_biff5(path: Path) -> list[RawSheet]:
    book = _biff5.read(path)
    out = []
    for sheet in _book(path, "xls5", book.sheets, book.hidden):
        spans = _grid.merged_spans(sheet.grid, book.merges.get(sheet.sheet or "", []),
                                   first_row=1, first_col=0)  # fmt: skip
        ctx = replace(sheet.context, notes=(*sheet.context.notes, book.note))
        out.append(replace(sheet, context=ctx, merged=tuple(spans)))
    return out


def _book(
    path: Path, kind: str, sheets: list[tuple[str, pl.DataFrame]], hidden: tuple[str, ...]
) -> list[RawSheet]:
    if hidden and not sheets:
        raise refuse(path, f"工作簿的工作表全部是隐藏的（{'、'.join(hidden)}）", _UNHIDE)
    names = tuple(n for n, _ in sheets)
    return [
        RawSheet(str(path), name, grid, context=SheetContext(
            format=_FORMAT_NAMES[kind], sheets=names, hidden_sheets=hidden,
            notes=_hidden_note(hidden)))
        for name, grid in sheets
    ]  # fmt: skip


def _hidden_parts(scan: _xlsx.SheetScan) -> tuple[str, ...]:
    """Notes for rows and columns Excel hides: they are read like the others, and said."""
    notes = []
    if rows := scan.hidden_rows:
        shown = "、".join(str(r) for r in rows[:10]) + ("等" if len(rows) > 10 else "")
        notes.append(f"有 {len(rows)} 行在 Excel 中被隐藏（第 {shown} 行），仍按数据读取；"
                     "如这些行不应导入，请删除后再导入")  # fmt: skip
    if cols := scan.hidden_cols:
        shown = "、".join(_grid.column_letters(c) for c in cols[:10])
        notes.append(f"隐藏的列 {shown} 仍按数据读取")
    return tuple(notes)


def _hidden_note(hidden: tuple[str, ...]) -> tuple[str, ...]:
    if not hidden:
        return ()
    return (f"隐藏的工作表未读取：{'、'.join(hidden)}（如需导入，请在 Excel 中取消隐藏）",)


def _grid_of(sheet: fastexcel.ExcelSheet) -> pl.DataFrame:
    grid = sheet.to_polars()
    return grid.rename({c: f"c{i}" for i, c in enumerate(grid.columns)})


def _limit_bytes(env: str, default_mb: float) -> float:
    """A size limit in bytes from ``env`` (megabytes), else the default."""
    text = os.environ.get(env)
    try:
        mb = float(text) if text is not None else default_mb
    except ValueError:
        mb = -1.0
    if not mb > 0:
        msg = (
            f"环境变量 {env}={text!r} 不是以 MB 计的大小。\n提示：设为一个数，例如 {default_mb:g}。"
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
            f"解压后 {inflated / 1e6:,.0f} MB，超过 {limit / 1e6:,.0f} MB 的上限"
            f"（压缩后 {path.stat().st_size / 1e6:,.1f} MB）",
            hint=f"把工作簿拆开；或在内存足够时调大环境变量 {MAX_UNZIPPED_ENV}（单位 MB）。",
        )


# ---- text ---- #
def _read_csv(path: Path) -> list[RawSheet]:
    table = _text.read_csv(path)
    sep = {"\t": "制表符", ",": "逗号"}.get(table.separator, table.separator)
    context = SheetContext(format=f"csv（{table.encoding}，分隔符 {sep}）", notes=table.notes)
    return [RawSheet(str(path), None, table.grid, first_row=table.first_row, context=context,
                     rejected=table.rejected)]  # fmt: skip


def _read_xml2003(path: Path) -> list[RawSheet]:
    found = _xml2003.read(path)
    hidden = tuple(s.name for s in found if s.hidden)
    sheets = []
    spans = {}
    for sheet in found:
        if sheet.hidden:
            continue
        width = max((len(r) for r in sheet.rows), default=0)
        grid = pl.DataFrame(
            [r + [None] * (width - len(r)) for r in sheet.rows],
            schema={f"c{j}": pl.String for j in range(width)}, orient="row",
        )  # fmt: skip
        sheets.append((sheet.name, grid))
        spans[sheet.name] = tuple((t, min(b, grid.height - 1), c) for t, b, c in sheet.spans
                                  if min(b, grid.height - 1) > t)  # fmt: skip
    return [replace(s, merged=spans[s.sheet or ""]) for s in _book(path, "xml2003", sheets, hidden)]


def _read_html(path: Path) -> list[RawSheet]:
    raw = path.read_bytes()
    declared = _charset(raw[:4096])
    text = None
    # NOTE: valid UTF-8 first: GBK bytes are almost never valid UTF-8, while UTF-8 bytes
    # often decode as GBK (mojibake) whatever the page declares.
    for encoding in ["utf-8-sig", *declared, "gb18030"]:
        try:
            text = raw.decode(encoding)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    if text is None:
        raise refuse(path, "无法识别网页文件的编码", "用 Excel 打开后另存为 .xlsx 再导入。")
    found = _html.tables(text)
    sheets = []
    for i, (rows, spans) in enumerate(found):
        width = max((len(r) for r in rows), default=0)
        grid = pl.DataFrame(
            {f"c{j}": [r[j] for r in rows] for j in range(width)},
            schema={f"c{j}": pl.String for j in range(width)},
        )
        context = SheetContext(format=_FORMAT_NAMES["html"])
        sheets.append(
            RawSheet(str(path), f"table{i + 1}", grid, context=context, merged=tuple(spans))
        )
    if not sheets:
        raise DataError.unreadable(str(path), "HTML 文件中没有表格", hint="把数据导出为 .xlsx。")
    names = tuple(s.sheet or "" for s in sheets)
    return [replace(s, context=replace(s.context, sheets=names)) for s in sheets]


def _charset(head: bytes) -> list[str]:
    found = re.search(rb'charset=["\']?([A-Za-z0-9_-]+)', head)
    return [found.group(1).decode()] if found else []


# ---- around the table ---- #
def _surround(sheet: RawSheet) -> RawSheet:
    """Add the sheet's title lines, footnotes, units, role; refuse a transposed table."""
    if sheet.grid.height == 0:
        role, month, year = _grid.sheet_role(sheet.sheet)
        return replace(sheet, context=replace(sheet.context, role=role, month=month, year=year))
    if (shape := _grid.transposed(sheet.grid)) is not None:
        row, count, kind = shape
        where = f"［{sheet.sheet}］" if sheet.sheet else ""
        raise refuse(
            Path(sheet.file),
            f"{where}表格是转置的：第 {sheet.row_number(row)} 行横向排列了 {count} 个{kind}，"
            "即企业在列上、指标在行上；mujun 只读取“每行一家企业、每列一个指标”的表格",
            "在 Excel 中复制整个表格，用“选择性粘贴 → 转置”粘贴到新工作表，保存后导入。",
        )
    titles, footnotes, foot_rows = _grid.surroundings(sheet.grid)
    role, month, year = _grid.sheet_role(sheet.sheet)
    hints = _grid.unit_hints(titles, "title") + _grid.unit_hints(footnotes, "footnote")
    skipped = dict(sheet.skipped)
    for index, text in zip(foot_rows, footnotes, strict=True):
        skipped[index] = f"表格下方的注释行（{text[:40]}），不是企业数据"
    context = replace(
        sheet.context, role=role, month=month, year=year, title_lines=tuple(titles),
        conditions=tuple(_grid.conditions(titles)), footnotes=tuple(footnotes),
        unit_hints=tuple(hints),
        coded_rows=_grid.coded_rows(sheet.grid),
    )  # fmt: skip
    return replace(sheet, context=context, skipped=skipped)
