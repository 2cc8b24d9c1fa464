"""What surrounds the table on a sheet, and shapes mujun must not read.

Title and condition lines above the table, footnotes below it, units stated in either, the
sheet's role from its name, merged cells, and a transposed table (firms along a row).

Only the first and last rows are looked at (a few dozen), so this costs nothing on large sheets.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import polars as pl

_EDGE_ROWS = 40
_SHAPE_ROWS = 60
_FOOTNOTE_START = re.compile(
    r"^(注|说明|备注|附注|数据来源|资料来源|来源|填表|填报|报送|编制|经办|制表|审核|负责人|单位负责人|统计负责人|联系|"
    r"报出日期|打印|导出|以上|本表|[*※#]|\d[.、）)]\s*\D)"
)
_KEY_VALUE = re.compile(
    r"([^\s:：，,；;]{1,16})\s*[:：]\s*"
    r"([^\s，,；;]+(?:\s*(?:至|到|~|～|—|－|-)\s*[^\s，,；;]+)?)"
)
_UNIT = re.compile(
    r"(金额|面积|用地|电量|用电量|能耗|排放量|数量|计量)?单位\s*(?:[:：]|为|是|均为)\s*"
    r"([^\s,，;；、)）。:：]+)"
)
_UNIT_PHRASE = re.compile(r"(?:均|全部|以上\w*)?以\s*([^\s,，;；、。以]{1,6}?)\s*(?:为单位|计)")
_UNIT_WORDS = "亿元|万元|千元|元|公顷|亩|平方米|m²|m2|万千瓦时|千瓦时|万度|吨标准煤|吨标煤|千克|吨"
_LABELLED_UNIT = re.compile(
    rf"(金额|面积|用地|电量|用电量|能耗|排放量)[^，,。；;:：]{{0,6}}?(?:均)?(?:为|按|折合)\s*({_UNIT_WORDS})"
)
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_FIRM = re.compile(r"(有限公司|有限责任公司|股份公司|集团|厂|合作社)$")
_MONTH = re.compile(r"^(?:\d{4}\s*年\s*)?(1[0-2]|0?[1-9])\s*月份?$")
_CN_MONTHS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
_YEAR = re.compile(r"^((?:19|20)\d{2})\s*年?(?:度)?(?:数据|明细)?$")
_ROLES = (
    ("summary", re.compile(r"汇总|合计|总表|总计|全年|年度合计")),
    ("detail", re.compile(r"明细|清单|详情|台账")),
    ("notes", re.compile(r"说明|注释|填表|目录|封面|指标解释|口径")),
)


@dataclass(frozen=True)
class UnitHint:
    """A unit stated outside the header: ``金额单位：万元`` above, ``注：单位为公顷`` below."""

    label: str
    """What it is the unit of, as written ("金额", "面积", …), or "" when not said."""
    unit: str
    where: str
    """``title`` (above the table) or ``footnote`` (below it)."""
    text: str
    """The line it was read from."""


@dataclass(frozen=True)
class SheetContext:
    """What a sheet says around its table, and how it was read — data for the field level."""

    format: str = ""
    """How the file was read, e.g. "xlsx", "xls（Excel 5.0/95 / BIFF5…）", "csv（GB18030…）"."""
    role: str = "data"
    """From the sheet's name: ``month``, ``year``, ``summary``, ``detail``, ``notes``, ``data``."""
    month: int | None = None
    year: int | None = None
    title_lines: tuple[str, ...] = ()
    """Lines above the table (title, condition rows), cells of a row joined by two spaces."""
    conditions: tuple[tuple[str, str], ...] = ()
    """``key：value`` pairs of the title lines, e.g. ("入库日期", "2024-01-01至2024-12-31")."""
    footnotes: tuple[str, ...] = ()
    """Lines below the table (注：…, 制表人：…); never data rows."""
    unit_hints: tuple[UnitHint, ...] = ()
    sheets: tuple[str, ...] = ()
    """The file's visible sheets, in order (to tell monthly, summary and detail sheets apart)."""
    hidden_sheets: tuple[str, ...] = ()
    """The file's hidden sheets: not read."""
    notes: tuple[str, ...] = ()
    """How the file was read, for the report (hidden sheets skipped, merged cells filled…)."""
    coded_rows: int = 0
    """Rows among the sheet's first 200 holding a USCC-shaped cell: a sheet with such rows
    holds firm data, so one whose header is not recognised must be refused, not passed over."""

    @property
    def unit_hint(self) -> str | None:
        """The first unit stated outside the header, if any."""
        return self.unit_hints[0].unit if self.unit_hints else None

    def condition(self, key: str) -> str | None:
        """The value of a ``key：value`` title line, e.g. ``condition("入库日期")``."""
        return next((v for k, v in self.conditions if k == key), None)


def sheet_role(name: str | None) -> tuple[str, int | None, int | None]:
    """(role, month, year) from a sheet name: "3月" → month 3, "汇总" → summary."""
    text = unicodedata.normalize("NFKC", name or "").strip()
    if found := _MONTH.match(text):
        return "month", int(found.group(1)), None
    for i, cn in enumerate(_CN_MONTHS, start=1):
        if text in (f"{cn}月", f"{cn}月份"):
            return "month", i, None
    if found := _YEAR.match(text):
        return "year", None, int(found.group(1))
    for role, pattern in _ROLES:
        if pattern.search(text):
            return role, None, None
    return "data", None, None


def _cells(row: tuple[str | None, ...]) -> list[str]:
    """The row's non-empty cells as written (stripped)."""
    return [t for c in row if c is not None and (t := c.strip(" \t\r\n\u3000\u00a0"))]


def _is_code(cell: str) -> bool:
    return bool(_USCC.match(unicodedata.normalize("NFKC", cell).upper()))


def _is_title(cells: list[str]) -> bool:
    """A line above the header.

    One text (maybe merged across), only ``key：value`` cells, or a title beside a unit
    ("某县税收统计表 … 单位：万元").
    """
    if len(set(cells)) == 1:
        return True
    if len(cells) <= 4 and all(re.search(r"[:：]", c) for c in cells):
        return True
    units = [bool(_UNIT.search(unicodedata.normalize("NFKC", c))) for c in cells]
    return len(cells) <= 3 and any(units) and units.count(False) <= 1


def _is_footnote(cells: list[str]) -> bool:
    """A line below the table: 注/说明/制表人… or ``key：value`` cells, and no firm code."""
    if not cells or len(cells) > 4 or any(_is_code(c) for c in cells):
        return False
    if _FOOTNOTE_START.match(cells[0]) or _UNIT.search(cells[0]):
        return True
    return all(re.search(r"[:：]", c) for c in cells)


def surroundings(grid: pl.DataFrame) -> tuple[list[str], list[str], list[int]]:
    """Title lines, footnote lines and the grid rows the footnotes occupy."""
    top = grid.head(_EDGE_ROWS).rows()
    titles: list[str] = []
    for row in top:
        cells = _cells(row)
        if not cells:
            continue
        if not _is_title(cells):
            break
        line = "  ".join(dict.fromkeys(cells))
        if line not in titles:
            titles.append(line)
    else:
        titles = []  # no table below: nothing is a title
    start = max(0, grid.height - _EDGE_ROWS)
    bottom = grid.slice(start).rows()
    notes: list[tuple[int, str]] = []
    for offset in range(len(bottom) - 1, -1, -1):
        cells = _cells(bottom[offset])
        if not cells:
            continue
        if not _is_footnote(cells):
            break
        notes.append((start + offset, "  ".join(dict.fromkeys(cells))))
    else:
        notes = []  # no table above: nothing is a footnote
    notes.reverse()
    return titles, [t for _, t in notes], [i for i, _ in notes]


def conditions(lines: list[str]) -> list[tuple[str, str]]:
    """``key：value`` pairs of title lines."""
    out = []
    for line in lines:
        for key, value in _KEY_VALUE.findall(unicodedata.normalize("NFKC", line)):
            out.append((key, value))
    return out


def unit_hints(lines: list[str], where: str) -> list[UnitHint]:
    """Units stated in lines: ``金额单位：万元``, ``单位：亩``, ``注：面积以公顷计``."""
    out = []
    for line in lines:
        text = unicodedata.normalize("NFKC", line)
        for label, unit in _UNIT.findall(text):
            out.append(UnitHint(label, unit, where, line))
        for label, unit in _LABELLED_UNIT.findall(text):
            if not any(h.unit == unit for h in out):
                out.append(UnitHint(label, unit, where, line))
        for unit in _UNIT_PHRASE.findall(text):
            if not any(h.unit == unit for h in out):
                out.append(UnitHint("", unit, where, line))
    return out


def coded_rows(grid: pl.DataFrame, rows: int = 200) -> int:
    """Rows among the first ``rows`` with a cell shaped like a USCC."""
    head = grid.head(rows)
    if head.width == 0:
        return 0
    cells = head.select(pl.all().cast(pl.String).str.normalize("NFKC").str.strip_chars())
    found = pl.any_horizontal(pl.col(c).str.to_uppercase().str.contains(_USCC.pattern)
                              for c in cells.columns)  # fmt: skip
    return int(cells.select(found.fill_null(False).sum()).item())


def transposed(grid: pl.DataFrame) -> tuple[int, int, str] | None:
    """(row, count, kind) when firms run along a row instead of down a column.

    A row holding two or more USCCs (or firm names) while no column holds two, in a table of
    three or more labelled rows, is a table whose indicators are rows and firms are columns.
    """
    head = grid.head(_SHAPE_ROWS)
    if head.width < 3 or head.height < 2:
        return None
    cells = head.select(
        pl.all().cast(pl.String).str.normalize("NFKC").str.strip_chars().str.to_uppercase()
    )
    labelled = cells.filter(
        pl.col(cells.columns[0]).is_not_null()
        & (pl.sum_horizontal(pl.all().is_not_null().cast(pl.Int32)) >= 2)
    )
    if labelled.height < 3:  # a one-firm table (header + one row) is not evidence
        return None
    for pattern, kind in ((_USCC.pattern, "统一社会信用代码"), (_FIRM.pattern, "企业名称")):
        hits = cells.select(pl.all().str.contains(pattern).fill_null(False))
        if max(hits.sum().row(0), default=0) >= 2:
            continue  # firms run down a column: the usual shape
        rest = cells.columns[1:]  # the first column holds the indicator names
        found = hits.select(pl.sum_horizontal(pl.col(rest))).to_series()
        filled = cells.select(pl.sum_horizontal(pl.col(rest).is_not_null())).to_series()
        # NOTE: firms fill (nearly) the whole row; two codes in a normal row (a firm and its
        # lessor) sit beside other values and do not.
        along = (found >= 2) & (found >= 0.8 * filled)
        if along.any():
            row = int(along.arg_max() or 0)
            return row, int(found[row]), kind
    return None


def merged_spans(
    grid: pl.DataFrame, merges: list[tuple[int, int, int, int]], *, first_row: int, first_col: int
) -> list[tuple[int, int, int]]:
    """Vertically merged ranges as (top grid row, bottom grid row, grid column).

    ``merges`` are (first row, first column, last row, last column) in sheet coordinates;
    only a range's first column carries its value, so only that column is kept. Ranges are
    clipped to the grid; single-row ranges are dropped.
    """
    out = []
    for r1, c1, r2, _c2 in merges:
        top, col = r1 - first_row, c1 - first_col
        bottom = min(r2 - first_row, grid.height - 1)
        if bottom > top >= 0 and 0 <= col < grid.width:
            out.append((top, bottom, col))
    return out


def fill_down(
    grid: pl.DataFrame, spans: list[tuple[int, int, int]], columns: set[str]
) -> pl.DataFrame:
    """Copy each merged range's top value into the empty cells of its own rows, in ``columns``."""
    by_col: dict[str, list[tuple[int, int]]] = {}
    for top, bottom, col in spans:
        name = grid.columns[col]
        if name in columns:
            by_col.setdefault(name, []).append((top, bottom))
    filled = {}
    for name, ranges in by_col.items():
        source = np.arange(grid.height)
        for top, bottom in ranges:
            source[top + 1 : bottom + 1] = top
        moved = grid.get_column(name).gather(pl.Series(source))
        filled[name] = pl.coalesce(pl.col(name), pl.lit(moved))
    return grid.with_columns(**filled) if filled else grid


def span_label(span: tuple[int, int, int], *, first_row: int, first_col: int) -> str:
    """A merged range in the sheet's terms, e.g. ``A3:A5``."""
    top, bottom, col = span
    letter = column_letters(first_col + col)
    return f"{letter}{first_row + top}:{letter}{first_row + bottom}"


def column_letters(col: int) -> str:
    """Spreadsheet letters of a zero-based column: 0 → "A", 27 → "AB"."""
    n, letters = col + 1, ""
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
