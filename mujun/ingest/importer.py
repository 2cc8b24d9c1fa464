"""Import one data year of departmental files into canonical facts, with a reconciling report.

For every file and sheet, rows read = accepted + rejected + skipped.

Firms are identified by USCC, then by a legacy taxpayer ID seen beside a USCC anywhere in the
files, then (power data) by meter number, then by exact normalised name — each row records
how it was matched, and name matches are flagged in the firm report.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from mujun.errors import DataError, InternalError
from mujun.ingest import departments as dep
from mujun.ingest import values
from mujun.ingest.extract import FILE, ROW, SHEET, Extracted, extract
from mujun.ingest.headers import (
    IDENTITY,
    MONTH,
    PART,
    Layout,
    locate,
    norm,
    split_unit,
    unit_factor,
)
from mujun.ingest.mapping import (
    IGNORE_WORDS,
    ColumnUse,
    Corrections,
    Evidence,
    SheetMapping,
    field_label,
    resolve_target,
    unit_from_extract,
)
from mujun.ingest.read import RawSheet, SheetContext, read_sheets
from mujun.ingest.spec import FieldSpec, Spec, load_spec
from mujun.profiles.models import Ingest
from mujun.schema import canonical_columns

SOURCES = ("tax", "stats", "land", "energy", "meters", "emissions", "register")
"""Options of `import_year` (``tax`` takes payment-level or firm-level files, told apart by
their headers)."""
KEY = dep.KEY
CLEARED = "cleared"
"""Outcome of a failure line whose cell was cleared while its row was kept (register files):
such a row counts as ACCEPTED; read = accepted + rejected + skipped still holds, and the
cleared cell is listed with the problem rows."""
_LABELS = {"tax": "税务", "tax_detail": "税务（入库明细）", "tax_wide": "税务（企业汇总）"}
_OPTION = {"tax_detail": "tax", "tax_wide": "tax"}
_NOT_COUNTED = ("序号", "NO", "编号", "行号")


@dataclass(frozen=True)
class ImportResult:
    """Canonical facts and everything the analyst needs to trust them."""

    facts: pl.DataFrame
    failures: pl.DataFrame
    """file, sheet, row, column, value, reason, outcome (rejected / skipped / cleared), raw."""
    files: pl.DataFrame
    """Per file and sheet: source, rows read, accepted, rejected, skipped, cleared (accepted
    rows with a cleared cell), units, notes."""
    firms: pl.DataFrame
    """Per firm: how each source matched it (uscc / legacy / org_code / meter / name) and what
    is missing."""
    warnings: pl.DataFrame
    """Plausibility findings (probable unit errors); values are reported, not changed."""
    mappings: tuple[SheetMapping, ...] = ()
    """How every sheet was read: column → field, unit, evidence; columns not read."""
    corrections: tuple[str, ...] = ()
    """The user's corrections, as given (recorded with the batch)."""

    def reconciles(self) -> bool:
        """Whether every file's rows read = accepted + rejected + skipped."""
        f = self.files
        return bool((f["rows_read"] == f["accepted"] + f["rejected"] + f["skipped"]).all())

    def mapping_for(self, file: str, sheet: str | None) -> dict[str, Any] | None:
        """A sheet's column mapping as plain data (for the batch record), None if not read."""
        found = next((m for m in self.mappings if m.file == file and m.sheet == sheet), None)
        return None if found is None else found.to_dict()


class ImportRefused(DataError):  # noqa: N818 - a refusal, named as officials say it
    """A file gave no usable row: nothing is stored.

    ``result`` holds what was read, for the import report that shows why.
    """

    def __init__(self, message: str, result: ImportResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class _Sheet:
    extracted: Extracted
    mapping: SheetMapping
    found: frozenset[str]
    """Base fields found in the header (parts and months folded)."""


@dataclass(frozen=True)
class Preview:
    """A sheet read but not imported: its mapping and its first typed rows (web upload)."""

    mapping: SheetMapping
    rows: pl.DataFrame
    rows_read: int
    rejected: int
    skipped: int
    notes: tuple[str, ...]


def _fields(source: str, spec: Spec) -> dict[str, FieldSpec]:
    fields = dict(spec.sources[source].fields)
    if source == "tax_wide":
        fields |= {
            f"{dep.TAX_ITEM_PREFIX}{item}": FieldSpec(
                kind="number", unit="money", aliases=aliases, additive=True
            )
            for item, aliases in spec.tax_items.items()
        }
    fields["year"] = spec.row_year
    return fields


def _base(name: str) -> str:
    return name.split(MONTH, maxsplit=1)[0].split(PART, maxsplit=1)[0]


def _kinds(source: str) -> tuple[str, ...]:
    return ("tax_detail", "tax_wide") if source == "tax" else (source,)


def _read_file(
    source: str, path: Path, *, spec: Spec, settings: Ingest, corrections: Corrections, year: int
) -> list[_Sheet]:
    sheets = [s for s in read_sheets(path) if s.grid.height]
    out: list[_Sheet] = []
    for sheet in sheets:
        for kind in _kinds(source):
            got = _read_sheet(sheet, kind, spec=spec, settings=settings, corrections=corrections)
            if got is not None:
                out.append(got)
                break
    try:
        if not out:
            raise _not_this_source(source, path, sheets, spec, found=[])
        out = _purpose(source, path, out, sheets, spec)
    except DataError as error:
        if corrections:
            said = "；".join(corrections.described())
            raise DataError(f"{error}\n（已应用的更正：{said}）") from None
        raise
    return _sheet_roles(out, year)


def _read_sheet(
    sheet: RawSheet, kind: str, *, spec: Spec, settings: Ingest, corrections: Corrections
) -> _Sheet | None:
    src = spec.sources[kind]
    fields, identity, mapped = corrections.fields_for(_fields(kind, spec), spec)
    used_spec = (
        spec if identity == spec.identity else spec.model_copy(update={"identity": identity})
    )
    layout = locate(sheet, fields, spec=used_spec, required=src.key_fields, monthly=src.monthly)
    if layout is None:
        return None
    wanted = {**identity, **fields}
    for name in layout.columns:
        if name not in wanted:
            fields[name] = wanted[_base(name)]
    layout, user_units = _user_units(layout, corrections, fields, spec)
    _refuse_unknown_units(layout, sheet, fields, spec)
    layout, cell_units = _cell_units(layout, sheet, fields)
    lenient = (
        {n for n, f in fields.items() if n in layout.columns and f.kind not in ("id", "text")}
        if src.keep_row_on_bad_cell else set()
    )  # fmt: skip
    passed = {
        n: (f.model_copy(update={"kind": "text", "unit": None}) if n in lenient else f)
        for n, f in fields.items()
    }
    extracted = extract(sheet, layout, source=kind, fields=passed, spec=used_spec)
    units = {n: unit_from_extract(t) for n, t in extracted.units.items()}
    if lenient:
        extracted, lenient_units = _parse_lenient(extracted, sheet, layout, fields, lenient, spec,
                                                  kind=kind)  # fmt: skip
        units |= lenient_units
    for name in user_units:
        units[name] = (units.get(name, (None, "none"))[0], "user")
    for name in cell_units:
        units[name] = (units.get(name, (None, "none"))[0], "cells")
    notes = _reading_notes(layout, fields, spec, settings, kind=kind)
    mapping = _mapping(sheet, layout, fields, spec, kind=kind, units=units, mapped=mapped,
                       notes=notes, corrections=corrections)  # fmt: skip
    found = frozenset(_base(n) for n in layout.columns)
    return _Sheet(extracted, mapping, found)


# ---- units the user or the cells state ---- #
def _user_units(
    layout: Layout, corrections: Corrections, fields: dict[str, FieldSpec], spec: Spec
) -> tuple[Layout, set[str]]:
    """The layout with the user's units in place of the headers' (``--unit 工业增加值=千元``)."""
    units = dict(layout.units)
    done = set()
    for key, unit in corrections.units:
        target = norm(key)
        for name, header in layout.headers.items():
            base_header = norm(split_unit(header.replace(" ", ""))[0])
            own = {_base(name): fields[name]} if name in fields else {}
            named = target in (norm(header), base_header, norm(name))
            if not named and resolve_target(key, own, {}) != _base(name):
                continue
            family = fields[name].unit if name in fields else None
            if family is None:
                msg = f"--unit {key}={unit}：列“{header}”不是需要单位的数值列。"
                raise DataError(msg)
            if unit_factor(spec, family, unit) is None:
                known = "、".join(spec.units[family])
                msg = (
                    f"--unit {key}={unit}：“{unit}”不是可识别的单位。\n"
                    f"提示：这一列可用的单位有：{known}"
                )
                raise DataError(msg)
            units[name] = unit
            done.add(name)
    return replace(layout, units=units), done


def _refuse_unknown_units(
    layout: Layout, sheet: RawSheet, fields: dict[str, FieldSpec], spec: Spec
) -> None:
    """A header stating a unit mujun does not know is refused (never read by a default)."""
    for name, unit in layout.units.items():
        family = fields[name].unit if name in fields else None
        if unit is None or family is None or unit_factor(spec, family, unit) is not None:
            continue
        where = f"［{sheet.sheet}］" if sheet.sheet else ""
        header = layout.headers[name]
        known = "、".join(spec.units[family])
        msg = (
            f"无法读取 {sheet.file}{where}：列“{header}”的单位“{unit}”无法识别，mujun 不按默认单位"
            f"猜测。\n提示：可识别的单位有 {known}；用 --unit {header}=单位 指定。"
        )
        raise DataError(msg)


_YUAN_CELL = r"[0-9)]\s*元$"
_SCALED_YUAN = r"[万千亿百]元$"


def _cell_units(
    layout: Layout, sheet: RawSheet, fields: dict[str, FieldSpec]
) -> tuple[Layout, set[str]]:
    """Money columns whose cells end in 元 ("1,234.00元") are in 元.

    A header or title line saying otherwise is a contradiction and is refused.
    """
    units = dict(layout.units)
    found = set()
    for name, col in layout.columns.items():
        f = fields.get(name)
        if f is None or f.unit != "money":
            continue
        cells = sheet.grid.get_column(col).slice(layout.data_start).str.strip_chars()
        yuan = int((cells.str.contains(_YUAN_CELL) & ~cells.str.contains(_SCALED_YUAN)).sum())
        if not yuan:
            continue
        stated = (
            units.get(name)
            or layout.sheet_units.get("money")
            or next((h.unit for h in sheet.context.unit_hints if h.label in ("", "金额")), None)
        )
        if stated is not None and norm(stated) != "元":
            where = f"［{sheet.sheet}］" if sheet.sheet else ""
            msg = (
                f"无法读取 {sheet.file}{where}：列“{layout.headers[name]}”的 {yuan} 个单元格"
                f"写着“元”，而表头或表格上方写的单位是“{stated}”，两者矛盾，mujun 不猜测。\n"
                f"提示：核对单位后改正文件，或用 --unit {layout.headers[name]}=元 指定。"
            )
            raise DataError(msg)
        units[name] = "元"
        found.add(name)
    return replace(layout, units=units), found


# ---- register: a bad cell is cleared, the row kept ---- #
def _parse_lenient(  # noqa: PLR0917 - private helper called from one place
    e: Extracted, sheet: RawSheet, layout: Layout, fields: dict[str, FieldSpec], lenient: set[str],
    spec: Spec, *, kind: str,
) -> tuple[Extracted, dict[str, tuple[str | None, Evidence]]]:  # fmt: skip
    rows = e.rows
    lines = []
    units: dict[str, tuple[str | None, Evidence]] = {}
    for name in sorted(lenient):
        f = fields[name]
        factor, unit, evidence = _lenient_unit(layout, sheet, name, f, spec, kind=kind)
        if f.unit is not None:
            units[name] = (unit, evidence)
        raw = pl.col(name)
        parsed = values.parse(f.kind, raw, industries=spec.industry_names)
        if factor is not None and factor != 1.0:
            parsed = parsed * factor
        unreadable = raw.is_not_null() & parsed.is_null()
        negative = (
            (parsed < 0).fill_null(False)
            if f.kind in ("number", "integer") and f.unit != "money"
            else pl.lit(False)
        )
        label = f"{sheet.column_letter(int(layout.columns[name][1:]))}列 {layout.headers[name]}"
        lines.append(rows.filter(unreadable | negative).select(
            pl.col(ROW).alias("row"), pl.lit(label).alias("column"), raw.alias("value"),
            pl.when(negative).then(pl.lit("不能为负数")).otherwise(pl.lit(values.WHAT[f.kind]))
            + pl.lit("；该单元格已清空，本行其余字段照常导入"),
            pl.lit(CLEARED).alias("outcome"),
        ).rename({"literal": "reason"}))  # fmt: skip
        rows = rows.with_columns(pl.when(~negative).then(parsed).alias(name))
    cleared = (
        pl.concat(lines, how="vertical")
        .with_columns(pl.lit(e.file).alias("file"), pl.lit(e.sheet, pl.String).alias("sheet"))
        .select(e.failures.columns)
    )
    failures = pl.concat([e.failures, cleared], how="vertical_relaxed")
    return replace(e, rows=rows, failures=failures), units


def _lenient_unit(
    layout: Layout, sheet: RawSheet, name: str, f: FieldSpec, spec: Spec, *, kind: str
) -> tuple[float | None, str | None, Evidence]:
    """Unit of a field parsed here rather than by `extract` (same order of evidence)."""
    if f.unit is None:
        return None, None, "none"
    family = f.unit
    hints: list[tuple[str | None, Evidence]] = [
        (h.unit, "title row" if h.where == "title" else "footnote")
        for h in sheet.context.unit_hints
    ]
    for unit, evidence in [
        (layout.units.get(name), "header"), (layout.sheet_units.get(family), "title row"),
        *hints, (spec.default_unit(kind, family), "default"),
    ]:  # fmt: skip
        factor = unit_factor(spec, family, unit)
        if factor is not None:
            return factor, unit, evidence  # type: ignore[return-value]
    return None, None, "none"


# ---- what the reading decided ---- #
def _reading_notes(
    layout: Layout, fields: dict[str, FieldSpec], spec: Spec, settings: Ingest, *, kind: str
) -> list[str]:
    notes = []
    for name, _col, header in layout.repeated:
        used = layout.headers.get(name, name)
        label = field_label(name, spec, fields)
        notes.append(
            f"“{used}”与“{header}”都对应字段 {name}（{label}）：按 sources.toml 的"
            f"优先顺序读取“{used}”，“{header}”未使用"
        )
    parts = [n for n in layout.columns if PART in n]
    for name in sorted({_base(n) for n in parts}):
        heads = [layout.headers[n] for n in layout.columns if _base(n) == name]
        notes.append(f"{'、'.join(heads)} 是同一税种的几部分，已相加")
    if kind == "energy":
        found = {_base(n) for n in layout.columns}
        both = {"energy_equivalent_tce", "energy_calorific_tce"} <= found
        if both:
            chosen = "等价值" if settings.energy.basis == "equivalent" else "当量值"
            other = "当量值" if chosen == "等价值" else "等价值"
            notes.append(
                f"同时有综合能耗的等价值和当量值：按评价方案的口径读取{chosen}，{other}未使用"
            )
        fuels = [f for f in ("coal", "gas", "steam") if f in found]
        if fuels and not found & {"energy_tce", "energy_equivalent_tce", "energy_calorific_tce"}:
            factors = [spec.energy_factor_notes[f"{f}_tce_per_{'t' if f != 'gas' else 'm3'}"]
                       for f in fuels]  # fmt: skip
            if "electricity" in found:
                factors.append(spec.energy_factor_notes[
                    "electricity_equivalent_tce_per_kwh" if settings.energy.basis == "equivalent"
                    else "electricity_calorific_tce_per_kwh"])  # fmt: skip
            notes.append(f"文件没有综合能耗列：按各品种折标系数折算——{'；'.join(factors)}")
        months = [n for n in layout.columns if MONTH in n]
        if months:
            total = "electricity" in layout.columns
            notes.append(
                f"用电量按月份列出（{len(months)} 个月）："
                + ("取全年合计，并与各月之和核对" if total else "没有全年合计列，取各月之和")
            )
    return notes


def _mapping(
    sheet: RawSheet, layout: Layout, fields: dict[str, FieldSpec], spec: Spec, *, kind: str,
    units: dict[str, tuple[str | None, Evidence]], mapped: set[str], notes: list[str],
    corrections: Corrections,
) -> SheetMapping:  # fmt: skip
    def letter(col: str) -> str:
        return f"{sheet.column_letter(int(col[1:]))}列"

    used: list[tuple[int, ColumnUse]] = []
    for name, col in layout.columns.items():
        unit, unit_evidence = units.get(name, (None, "none"))
        evidence: Evidence = "user" if _base(name) in mapped else "header"
        used.append((int(col[1:]), ColumnUse(letter(col), layout.headers[name], name,
                     field_label(name, spec, fields), unit, evidence, unit_evidence)))  # fmt: skip
    for name, col, header in layout.repeated:
        chosen = layout.headers.get(name, name)
        used.append((int(col[1:]), ColumnUse(letter(col), header, None,
                     f"未使用：按优先顺序采用了“{chosen}”", evidence="none")))  # fmt: skip
    for col, header in layout.unknown_columns:
        numeric = norm(header) not in _NOT_COUNTED and _numeric(sheet, layout, col)
        used.append((int(col[1:]), ColumnUse(letter(col), header, None, "未识别（未导入）",
                     evidence="none", numeric=numeric)))  # fmt: skip
    used.sort(key=lambda t: t[0])
    src = spec.sources[kind]
    found = {_base(n) for n in layout.columns}
    missing = tuple(field_label(f, spec, fields) for f in src.expected if f not in found)
    return SheetMapping(
        file=sheet.file, sheet=sheet.sheet, source=kind, source_label=src.label,
        header_row=sheet.row_number(layout.header_rows[-1]),
        columns=tuple(c for _, c in used), missing=missing, notes=tuple(notes),
        corrections=tuple(corrections.described()),
    )  # fmt: skip


def _numeric(sheet: RawSheet, layout: Layout, col: str) -> bool:
    """Whether a column's first cells are mostly numbers."""
    cells = sheet.grid.get_column(col).slice(layout.data_start, 200).drop_nulls()
    if cells.is_empty():
        return False
    parsed = pl.select(values.number(values.text(pl.lit(cells)))).to_series()
    return parsed.is_not_null().sum() >= 0.8 * cells.len()


# ---- a file for the wrong source; sheets without the source's data ---- #
def _purpose(
    source: str, path: Path, read: list[_Sheet], sheets: list[RawSheet], spec: Spec
) -> list[_Sheet]:
    """Refuse a file with none of the fields its source exists for; skip sheets without them."""

    def serves(s: _Sheet) -> bool:
        purpose = spec.sources[s.extracted.source].purpose
        if not purpose:
            return True
        items = "item:*" in purpose and any(f.startswith(dep.TAX_ITEM_PREFIX) for f in s.found)
        return items or bool(s.found & set(purpose))

    good = [s for s in read if serves(s)]
    if not good:
        raise _not_this_source(source, path, sheets, spec, found=read)
    out = []
    for s in read:
        if s in good:
            out.append(s)
            continue
        label = _LABELS.get(source) or spec.sources[source].label
        out.append(
            _skip_all(s, f"该工作表没有{label}的数据列，整表未读取（同一文件的其他工作表已读取）")
        )
    return out


def _not_this_source(
    source: str, path: Path, sheets: list[RawSheet], spec: Spec, *, found: list[_Sheet]
) -> DataError:
    label = _LABELS.get(source) or spec.sources[source].label
    wanted = []
    for kind in _kinds(source):
        for f in spec.sources[kind].purpose or spec.sources[kind].key_fields:
            if f == "item:*":
                wanted.append("各税种列（增值税、企业所得税…）")
            elif f in spec.sources[kind].fields:
                wanted.append("、".join(spec.sources[kind].fields[f].aliases[:2]))
    columns = [c.header for s in found for c in s.mapping.columns] or _header_guess(sheets)
    guess = _guess_source(source, sheets, spec)
    shown = "、".join(dict.fromkeys(columns))
    if not found:
        ids = "、".join([*spec.identity["uscc"].aliases[:3], *spec.identity["name"].aliases[:2]])
        lines = [
            f"{path.name} 不能作为{label}数据导入：没有找到可识别的表头行。未导入任何数据。",
            f"表头需要有企业标识列（{ids}…）和{label}的数据列（{'；'.join(dict.fromkeys(wanted))}）。",
            f"文件开头的内容：{shown or '（空）'}",
        ]
    else:
        lines = [
            f"{path.name} 不能作为{label}数据导入：没有找到{label}数据应有的列"
            f"（{'；'.join(dict.fromkeys(wanted)) or '企业标识列'}）。未导入任何数据。",
            f"文件中的列：{shown}",
        ]
    if guess:
        lines.append(guess)
    lines.append(
        f"提示：确认这是 --{source} 的文件；如果是，用 --map 列名=字段 指明数据列"
        "（例如 --map 税收收入=total），或在 mujun/ingest/sources.toml 中补充表头别名。"
    )
    return DataError("\n".join(lines))


def _header_guess(sheets: list[RawSheet]) -> list[str]:
    """The cells of the first row with three or more filled cells (for a message)."""
    for sheet in sheets:
        for row in sheet.grid.head(20).rows():
            cells = [c.strip() for c in row if c and c.strip()]
            if len(cells) >= 2:
                return cells[:20]
    return []


def _guess_source(source: str, sheets: list[RawSheet], spec: Spec) -> str | None:
    """Which other source the file looks like, by the purpose columns it has."""
    best: tuple[int, str, list[str]] | None = None
    for other in SOURCES:
        if other in (source, "meters"):
            continue
        for kind in _kinds(other):
            src = spec.sources[kind]
            fields = _fields(kind, spec)
            for sheet in sheets:
                layout = locate(sheet, fields, spec=spec, required=src.key_fields)
                if layout is None:
                    continue
                hits = [layout.headers[n] for n in layout.columns if _base(n) in src.purpose]
                if hits and (best is None or len(hits) > best[0]):
                    best = (len(hits), other, hits)
    if best is None:
        return None
    label = _LABELS.get(best[1]) or spec.sources[best[1]].label
    return f"这些列像是{label}数据（{'、'.join(best[2][:4])}）：是否应使用 --{best[1]}？"


# ---- sheets of one file: summary beside detail, other years ---- #
def _sheet_roles(read: list[_Sheet], year: int) -> list[_Sheet]:
    roles = {id(s): s.extracted.context.role for s in read}
    counted = [s for s in read if roles[id(s)] in ("detail", "month", "data", "year")]
    out = []
    for given in read:
        s = given
        e = s.extracted
        sheet_year = e.context.year
        if roles[id(s)] == "summary" and counted:
            names = "、".join(f"“{c.extracted.sheet}”" for c in counted[:3])
            s = _skip_all(s, f"“{e.sheet}”是汇总表，与明细表{names}是同一批数据：按明细计入，"
                             "汇总表不重复计算")  # fmt: skip
        elif sheet_year is not None and sheet_year != year:
            s = _skip_all(s, f"工作表“{e.sheet}”是 {sheet_year} 年的数据，不属于数据年度 {year}")
        s = _row_years(s, year)
        out.append(_title_year(s, year))
    return out


_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


_YEARLY = ("tax_wide", "stats", "energy", "emissions")
"""Sources whose rows carry no date: a title naming only other years refuses the file."""


def _title_year(s: _Sheet, year: int) -> _Sheet:
    """Check the years the title lines name against the data year.

    When they name years and none is the data year or the one after it (the evaluation year,
    which titles often name), the file is probably of another year than ``--data-year`` says:
    a source whose rows carry no date is refused; others (payments with dates, land, the
    register) get an alert.

    Raises:
        DataError: a dateless yearly file titled with other years only.
    """
    e = s.extracted
    lines = e.context.title_lines
    stated = sorted({int(y) for line in lines for y in _TITLE_YEAR.findall(line)})
    if year < 0 or not stated or {year, year + 1} & set(stated) or e.rows.is_empty():
        return s
    said = (
        f"表格标题写的是 {'、'.join(map(str, stated))} 年（“{lines[0][:30]}”），而数据年度是 {year}"
    )
    if e.source in _YEARLY and "year" not in s.found:
        where = f"［{e.sheet}］" if e.sheet else ""
        msg = (
            f"{Path(e.file).name}{where}：{said}，这份文件很可能不是 {year} 年的数据；"
            "未导入任何数据。\n提示：检查 --data-year 和所选文件；"
            f"如果文件确实是 {year} 年的数据，请改正表格标题。"
        )
        raise DataError(msg)
    alert = f"{said}：请核实 --data-year 或所选文件"
    return replace(s, mapping=replace(s.mapping, alerts=(*s.mapping.alerts, alert)))


def _skip_all(s: _Sheet, reason: str) -> _Sheet:
    e = s.extracted
    lines = _as_failures(e, e.rows, reason, "（整表）")
    e = replace(e, rows=e.rows.clear(), failures=pl.concat([e.failures, lines], how="vertical"))
    mapping = replace(s.mapping, notes=(*s.mapping.notes, reason))
    return replace(s, extracted=e, mapping=mapping)


def _row_years(s: _Sheet, year: int) -> _Sheet:
    """Rows of a grid holding several years (a 年度 column): other years are skipped."""
    e = s.extracted
    if "year" not in e.rows.columns:
        return s
    other = pl.col("year").is_not_null() & (pl.col("year") != year)
    lines = _as_failures(
        e, e.rows.filter(other),
        pl.format("本行年度为 {} 年，不属于数据年度 {}", pl.col("year"), pl.lit(year)), "年度",
    )  # fmt: skip
    rows = e.rows.filter(~other).drop("year")
    e = replace(e, rows=rows, failures=pl.concat([e.failures, lines], how="vertical"))
    return replace(s, extracted=e)


def _as_failures(
    e: Extracted, rows: pl.DataFrame, reason: str | pl.Expr, column: str
) -> pl.DataFrame:
    return rows.select(
        pl.lit(e.file).alias("file"), pl.lit(e.sheet, pl.String).alias("sheet"),
        pl.col(ROW).alias("row"), pl.lit(column).alias("column"),
        pl.coalesce(*(pl.col(c) for c in ("uscc", "legacy_id", "name") if c in rows.columns),
                    pl.lit(None, pl.String)).alias("value"),
        (pl.lit(reason) if isinstance(reason, str) else reason).alias("reason"),
        pl.lit("skipped").alias("outcome"),
    ).select(e.failures.columns)  # fmt: skip


def import_year(
    files: Mapping[str, Sequence[str | Path]],
    /,
    *,
    year: int,
    settings: Ingest,
    progress: Callable[[str], None] | None = None,
    corrections: Corrections | None = None,
) -> ImportResult:
    """Import the departments' files for one data year.

    Args:
        files: source → files; sources as in `SOURCES`.
        year: the data year the files describe.
        settings: the profile's ``ingest`` settings (tax basket, energy basis, plausibility).
        progress: called with each file's name as it is read.
        corrections: the user's column and unit corrections (`mujun.ingest.mapping`).

    Raises:
        ImportRefused: a file gave no accepted row (nothing may be stored; the reasons are in
            its ``result``).
        DataError: a file cannot be read, holds no recognisable sheet, lacks the data its
            source exists for, or a correction matches nothing.
        ProfileError: the tax basket names unknown items.
    """
    spec = load_spec()
    dep.check_basket(settings, spec)
    corrections = corrections or Corrections()
    unknown = sorted(set(files) - set(SOURCES))
    if unknown:
        msg = f"未知的数据来源 {unknown}；可用：{', '.join(SOURCES)}。"
        raise DataError(msg)
    _check_targets(corrections, [k for s in files for k in _kinds(s)], spec)
    read: list[_Sheet] = []
    for source, paths in files.items():
        for path in paths:
            if progress is not None:
                progress(str(path))
            read.extend(_read_file(source, Path(path), spec=spec, settings=settings,
                                   corrections=corrections, year=year))  # fmt: skip
    _check_used(corrections, read)
    extracted = [s.extracted for s in read]
    by_source: dict[str, pl.DataFrame] = {}
    for e in extracted:
        rows = e.rows.with_columns(
            pl.lit(e.source).alias("_source"), pl.lit(e.context.role).alias("_role")
        )
        by_source[e.source] = pl.concat([by_source[e.source], rows], how="diagonal_relaxed") if (
            e.source in by_source) else rows  # fmt: skip

    resolved, unresolved, match_notes = _resolve(by_source)
    frames: dict[str, pl.DataFrame] = {}
    lines = [unresolved]
    notes = dict(match_notes)
    warnings = []
    contexts = {(e.file, e.sheet): e.context for e in extracted}
    for source, rows in resolved.items():
        frame, more, found_notes, found_warnings = _aggregate(
            source, rows, year=year, settings=settings, spec=spec, contexts=contexts
        )
        frames[source] = frame
        lines.append(more)
        for where, text in found_notes:
            notes.setdefault(where, []).append(text)
        warnings.append(found_warnings)
    if "tax_detail" in frames and "tax_wide" in frames:
        frames["tax_wide"], more = _detail_over_summary(
            frames["tax_wide"], resolved["tax_wide"], frames["tax_detail"]
        )
        lines.append(more)
    facts = _merge(frames, year=year)
    failures = _failures(extracted, lines)
    # What matching and summing decided (year basis, 组织机构代码, totals) joins each sheet's
    # mapping, so the terminal, the report and the batch record all say it.
    mappings = tuple(
        replace(
            s.mapping, notes=(*s.mapping.notes, *notes.get((s.mapping.file, s.mapping.sheet), []))
        )
        for s in read
    )
    alerts = pl.DataFrame(
        [(None, Path(m.file).name, "表格标题的年份", float(year), a) for m in mappings
         for a in m.alerts],
        schema=WARNING_SCHEMA, orient="row",
    )  # fmt: skip
    warnings.append(alerts)
    notes = {(m.file, m.sheet): [*m.warnings(), *m.notes] for m in mappings}
    result = ImportResult(
        facts=facts,
        failures=failures,
        files=_file_summary(extracted, failures, notes),
        firms=_firm_report(resolved, facts, sources=sorted(resolved)),
        warnings=pl.concat(
            [_plausibility(facts, settings, spec, year=year), *warnings], how="vertical_relaxed"
        ),
        mappings=mappings,
        corrections=tuple(corrections.described()),
    )
    _refuse_empty(result, year=year)
    return result


def preview(
    path: str | Path, source: str, /, *, settings: Ingest, corrections: Corrections | None = None,
    rows: int = 20,
) -> list[Preview]:  # fmt: skip
    """Read one file as `import_year` would and return how it was read, without importing.

    For the web app's upload preview: the mapping of every sheet and its first typed rows
    (before firms are matched and rows summed).

    Raises:
        DataError: as `import_year` for a file that cannot be read or is of another source.
    """
    if source not in SOURCES:
        msg = f"未知的数据来源 {source!r}；可用：{', '.join(SOURCES)}。"
        raise DataError(msg)
    spec = load_spec()
    corrections = corrections or Corrections()
    _check_targets(corrections, list(_kinds(source)), spec)
    read = _read_file(source, Path(path), spec=spec, settings=settings, corrections=corrections,
                      year=-1)  # fmt: skip
    out = []
    for s in read:
        e = s.extracted
        shown = e.rows.drop([c for c in e.rows.columns if c.startswith("_")] + ["name_key"],
                            strict=False).head(rows)  # fmt: skip
        said = (*s.mapping.warnings(), *s.mapping.notes, *e.notes)
        out.append(Preview(s.mapping, shown, e.rows_read, e.rejected, e.skipped, said))  # fmt: skip
    return out


def _check_targets(corrections: Corrections, kinds: list[str], spec: Spec) -> None:
    """Refuse a ``--map`` to a field that none of the given sources has."""
    for header, target in corrections.columns:
        if target in IGNORE_WORDS:
            continue
        if any(resolve_target(target, _fields(k, spec), spec.identity) for k in kinds):
            continue
        names = sorted({n for k in kinds for n in _fields(k, spec) if not n.startswith("item:")})
        msg = (
            f"--map {header}={target}：“{target}”不是这些数据的字段。\n"
            f"提示：可用的字段有 {', '.join([*IDENTITY, *names])}（也可写字段的中文名，"
            f"或 {IGNORE_WORDS[0]} 表示不导入该列）"
        )
        raise DataError(msg)


def _check_used(corrections: Corrections, read: list[_Sheet]) -> None:
    """Refuse corrections that matched no column of any file (they would change nothing)."""
    headers = {norm(c.header) for s in read for c in s.mapping.columns}
    bases = headers | {norm(split_unit(c.header.replace(" ", ""))[0]) for s in read
                       for c in s.mapping.columns}  # fmt: skip
    fields = {norm(c.field) for s in read for c in s.mapping.columns if c.field}
    unused = [f"--map {h}={t}" for h, t in corrections.columns if norm(h) not in bases]
    unused += [f"--unit {k}={u}" for k, u in corrections.units
               if norm(k) not in bases and norm(k) not in fields]  # fmt: skip
    if unused:
        shown = "、".join(sorted(headers)[:30])
        msg = (
            f"这些更正没有对应的列，未导入任何数据：{'；'.join(unused)}\n"
            f"提示：列名要与文件表头一致。文件中的列：{shown}"
        )
        raise DataError(msg)


def _refuse_empty(result: ImportResult, *, year: int) -> None:
    """A file without a single accepted row is an error, never an empty import."""
    per_file = result.files.group_by("file", maintain_order=True).agg(
        pl.col("rows_read", "accepted", "rejected", "skipped").sum()
    )
    empty = per_file.filter(pl.col("accepted") == 0)
    if empty.is_empty():
        return
    parts = []
    for file, read, _acc, rejected, skipped in empty.iter_rows():
        lines = result.failures.filter((pl.col("file") == file) & (pl.col("outcome") != CLEARED))
        reasons = Counter(_reason_kind(r) for r in lines.get_column("reason").to_list())
        top = "；".join(f"{r}（{n} 处）" for r, n in reasons.most_common(3))
        name = Path(file).name
        if read == 0:
            parts.append(f"{name}：表头下面没有数据行")
        else:
            counts = f"读取 {read} 行，没有一行可以导入（拒绝 {rejected}，跳过 {skipped}）"
            parts.append(f"{name}：{counts}" + (f"。主要原因：{top}" if top else ""))
    hint = "查看导入报告的“问题行”；确认所选文件和 --data-year。"
    if any("不属于数据年度" in p for p in parts):
        hint = f"文件中的数据不属于数据年度 {year}：检查 --data-year 是否写对，或是否选错了文件。"
    msg = "导入失败，未入库任何数据：\n" + "\n".join(f"  - {p}" for p in parts) + f"\n提示：{hint}"
    raise ImportRefused(msg, result)


def _reason_kind(reason: str) -> str:
    """A reason without its row-specific values (to count reasons)."""
    return reason if "不属于数据年度" in reason else re.sub(r"[：:（(“].*$", "", reason)


# ---- identity ---- #
def _resolve(
    by_source: dict[str, pl.DataFrame],
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame, dict[tuple[str, str | None], list[str]]]:
    everything = pl.concat(
        [r.select("uscc", "legacy_id", "name_key") for r in by_source.values()], how="vertical"
    )
    legacy = _unique_map(everything, "legacy_id")
    names = _unique_map(everything, "name_key")
    # 组织机构代码 (GB 11714) is characters 9–17 of the USCC: matched to the files' USCCs.
    orgs = _unique_map(
        everything.select(pl.col("uscc").str.slice(8, 9).alias("org_code"), "uscc"), "org_code"
    )
    notes: dict[tuple[str, str | None], list[str]] = {}
    meters: dict[str, str] = {}
    if "meters" in by_source:
        known = pl.coalesce(
            "uscc",
            pl.col("legacy_id").replace_strict(legacy, default=None, return_dtype=pl.String),
            pl.col("name_key").replace_strict(names, default=None, return_dtype=pl.String),
        )
        meters = _unique_map(by_source["meters"].with_columns(known.alias("uscc")), "meter")
    resolved: dict[str, pl.DataFrame] = {}
    unresolved = []
    for source, found in by_source.items():
        if source == "meters":
            continue
        meter = pl.col("meter") if "meter" in found.columns else pl.lit(None, pl.String)
        org = pl.col("org_code") if "org_code" in found.columns else pl.lit(None, pl.String)
        by_legacy = pl.col("legacy_id").replace_strict(legacy, default=None, return_dtype=pl.String)
        by_org = org.replace_strict(orgs, default=None, return_dtype=pl.String)
        by_meter = meter.replace_strict(meters, default=None, return_dtype=pl.String)
        by_name = pl.col("name_key").replace_strict(names, default=None, return_dtype=pl.String)
        rows = found.with_columns(
            pl.coalesce("uscc", by_legacy, by_org, by_meter, by_name).alias(KEY),
            pl.when(pl.col("uscc").is_not_null()).then(pl.lit("uscc"))
            .when(by_legacy.is_not_null()).then(pl.lit("legacy"))
            .when(by_org.is_not_null()).then(pl.lit("org_code"))
            .when(by_meter.is_not_null()).then(pl.lit("meter"))
            .when(by_name.is_not_null()).then(pl.lit("name")).alias("matched_by"),
        )  # fmt: skip
        if "org_code" in found.columns:
            by = rows.filter(pl.col("matched_by") == "org_code").group_by(FILE, SHEET).len()
            for file, sheet, n in by.iter_rows():
                notes.setdefault((file, sheet), []).append(
                    f"{n} 行按组织机构代码（即统一社会信用代码第9–17位）匹配到其他文件中的企业"
                )
        lost = rows.filter(pl.col(KEY).is_null())
        unresolved.append(lost.select(
            pl.col(FILE).alias("file"), pl.col(SHEET).alias("sheet"), pl.col(ROW).alias("row"),
            pl.lit("（企业标识）").alias("column"),
            pl.coalesce("legacy_id", org, meter, "name").alias("value"),
            pl.lit("无法确定企业：没有统一社会信用代码，旧税号/户号/名称也未能与其他数据匹配").alias("reason"),
            pl.lit("rejected").alias("outcome"),
        ))  # fmt: skip
        resolved[source] = rows.filter(pl.col(KEY).is_not_null())
    lost = pl.concat(unresolved, how="vertical") if unresolved else dep._no_lines()
    return resolved, lost, notes


def _detail_over_summary(
    wide: pl.DataFrame, wide_rows: pl.DataFrame, detail: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A firm in both payment-level and firm-level tax files: the payments count.

    Its firm-level rows are skipped with the reason (the same tax is never counted twice).
    """
    both = detail.get_column(KEY).implode()
    twice = wide_rows.filter(pl.col(KEY).is_in(both))
    lines = twice.select(
        pl.col(FILE).alias("file"), pl.col(SHEET).alias("sheet"), pl.col(ROW).alias("row"),
        pl.lit("（企业标识）").alias("column"), pl.col(KEY).alias("value"),
        pl.lit("该企业在税务入库明细中也有缴款：按明细计入，企业汇总表中的这一行不重复计算")
        .alias("reason"),
        pl.lit("skipped").alias("outcome"),
    )  # fmt: skip
    return wide.filter(~pl.col(KEY).is_in(both)), lines


def _unique_map(frame: pl.DataFrame, column: str) -> dict[str, str]:
    """``column`` → USCC where it points to exactly one USCC (ambiguous values are dropped)."""
    pairs = frame.filter(pl.col(column).is_not_null() & pl.col("uscc").is_not_null()).select(
        column, "uscc").unique()  # fmt: skip
    single = pairs.filter(pl.col(column).is_unique())
    return dict(single.iter_rows())


# ---- per source ---- #
Where = tuple[str, str | None]


def _aggregate(
    source: str, rows: pl.DataFrame, *, year: int, settings: Ingest, spec: Spec,
    contexts: dict[Where, SheetContext],
) -> tuple[pl.DataFrame, pl.DataFrame, list[tuple[Where, str]], pl.DataFrame]:  # fmt: skip
    """One row per firm for a source, its failure lines, notes per sheet and warnings."""
    if source == "tax_detail":
        return (*dep.tax_detail(rows, data_year=year, settings=settings, spec=spec,
                                contexts=contexts), _no_warnings())  # fmt: skip
    if source == "tax_wide":
        return (*dep.tax_wide(rows, settings=settings), _no_warnings())
    if source == "energy":
        frame, lines = dep.energy(rows, settings=settings, spec=spec)
        tolerance = spec.plausibility["month_total_tolerance"]
        return frame, lines, [], dep.month_check(rows, tolerance=tolerance)
    steps: dict[str, Callable[[pl.DataFrame], tuple[pl.DataFrame, pl.DataFrame]]] = {
        "stats": lambda r: dep.stats(r, spec=spec),
        "land": dep.land,
        "emissions": dep.emissions,
        "register": lambda r: dep.register(r, spec=spec),
    }
    if source not in steps:
        raise InternalError.invariant(f"no aggregation for source {source!r}")
    frame, lines = steps[source](rows)
    return frame, lines, [], _no_warnings()


def _no_warnings() -> pl.DataFrame:
    return pl.DataFrame(schema=WARNING_SCHEMA)


WARNING_SCHEMA = pl.Schema({"uscc": pl.String(), "name": pl.String(), "check": pl.String(),
                            "value": pl.Float64(), "message": pl.String()})  # fmt: skip


_MERGE_ORDER = ("register", "stats", "tax", "tax_detail", "tax_wide", "land", "energy", "emissions")
"""A column several sources carry (name, industry code) comes from the first that has it."""


def _merge(frames: dict[str, pl.DataFrame], *, year: int) -> pl.DataFrame:
    """One row per firm with every source's columns."""
    if "tax_detail" in frames and "tax_wide" in frames:
        both = pl.concat([frames.pop("tax_detail"), frames.pop("tax_wide")], how="diagonal_relaxed")
        frames["tax"] = both.group_by(KEY).agg(
            pl.col("name").drop_nulls().first(), pl.col("tax_wan").sum()
        )
    firms = pl.concat([f.select(KEY) for f in frames.values()]).unique().sort(KEY)
    for source in (s for s in _MERGE_ORDER if s in frames):
        frame = frames[source]
        renamed = {c: f"{c}@{source}" for c in frame.columns if c != KEY}
        firms = firms.join(frame.rename(renamed), on=KEY, how="left")
    merged: dict[str, list[str]] = {}
    for col in firms.columns:
        if "@" in col:
            merged.setdefault(col.split("@")[0], []).append(col)
    # 规上 status: the statistics bureau's list is the authority, the register's flag next.
    if "above_scale" in merged:
        merged["above_scale"].sort(key=lambda c: not c.endswith("@stats"))
    firms = firms.select(KEY, *(pl.coalesce(cols).alias(name) for name, cols in merged.items()))
    if "stats_energy_tce" in firms.columns:  # the energy file first, the statistics next
        energy = pl.col("energy_tce") if "energy_tce" in firms.columns else pl.lit(None, pl.Float64)
        firms = firms.with_columns(pl.coalesce(energy, "stats_energy_tce").alias("energy_tce"))
    above = pl.col("above_scale") if "above_scale" in firms.columns else pl.lit(None)
    firms = firms.with_columns(
        pl.col(KEY).alias("uscc"),
        pl.lit(year, pl.Int32).alias("year"),
        above.fill_null(False).alias("above_scale"),  # in neither list: 规下
    )
    return firms.select(canonical_columns(firms.columns))


# ---- reports ---- #
def _failures(extracted: list[Extracted], later: list[pl.DataFrame]) -> pl.DataFrame:
    lines = pl.concat(
        [e.failures for e in extracted] + [x for x in later if x.height], how="vertical_relaxed"
    )
    raw = pl.concat(
        [e.raw.with_columns(pl.lit(e.file).alias("file"), pl.lit(e.sheet, pl.String).alias("sheet"))
         for e in extracted], how="vertical_relaxed",
    ).rename({ROW: "row"})  # fmt: skip
    return lines.join(raw, on=["file", "sheet", "row"], how="left", nulls_equal=True).sort(
        "file", "sheet", "row"
    )


def _file_summary(
    extracted: list[Extracted], failures: pl.DataFrame, notes: dict[Where, list[str]]
) -> pl.DataFrame:
    """Per sheet: read = accepted + rejected + skipped.

    A row with a rejected cell is rejected, else a row with a skip reason is skipped; a row
    whose only lines are cleared cells is accepted (and counted again in ``cleared``).
    """
    outcome = failures.group_by("file", "sheet", "row").agg(
        (pl.col("outcome") == "rejected").any().alias("rejected"),
        (pl.col("outcome") == "skipped").any().alias("skipped"),
        (pl.col("outcome") == CLEARED).any().alias("cleared"),
    )
    counts = outcome.group_by("file", "sheet").agg(
        pl.col("rejected").sum().alias("rejected"),
        (~pl.col("rejected") & pl.col("skipped")).sum().alias("skipped"),
        (~pl.col("rejected") & ~pl.col("skipped") & pl.col("cleared")).sum().alias("cleared"),
    )
    base = pl.DataFrame(
        {
            "file": [e.file for e in extracted],
            "sheet": [e.sheet for e in extracted],
            "source": [e.source for e in extracted],
            "rows_read": [e.rows_read for e in extracted],
            "units": ["；".join(f"{k}: {v}" for k, v in e.units.items()) for e in extracted],
            "notes": ["；".join([*notes.get((e.file, e.sheet), []), *e.notes]) for e in extracted],
        },
        schema_overrides={"sheet": pl.String},
    )
    summary = base.join(counts, on=["file", "sheet"], how="left", nulls_equal=True).with_columns(
        pl.col("rejected").fill_null(0).cast(pl.Int64),
        pl.col("skipped").fill_null(0).cast(pl.Int64),
        pl.col("cleared").fill_null(0).cast(pl.Int64),
    )
    summary = summary.with_columns(
        (pl.col("rows_read") - pl.col("rejected") - pl.col("skipped")).alias("accepted")
    )
    return summary.select("file", "sheet", "source", "rows_read", "accepted", "rejected",
                          "skipped", "cleared", "units", "notes")  # fmt: skip


def _firm_report(
    resolved: dict[str, pl.DataFrame], facts: pl.DataFrame, *, sources: list[str]
) -> pl.DataFrame:
    report = facts.select(pl.col("uscc").alias(KEY), "name")
    for source in sources:
        how = resolved[source].group_by(KEY).agg(pl.col("matched_by").unique().sort().str.join("/"))
        report = report.join(how.rename({"matched_by": source}), on=KEY, how="left")
    present = [pl.when(pl.col(s).is_null()).then(pl.lit(s)) for s in sources]
    return report.with_columns(
        pl.concat_str(present, separator="、", ignore_nulls=True).alias("missing_sources"),
        pl.any_horizontal(pl.col(s).str.contains("name").fill_null(False) for s in sources)
        .alias("name_match"),
    ).rename({KEY: "uscc"})  # fmt: skip


def _plausibility(facts: pl.DataFrame, settings: Ingest, spec: Spec, *, year: int) -> pl.DataFrame:
    p = settings.plausibility
    low_kwh = spec.plausibility["min_electricity_kwh_per_mu"]
    high_kwh = spec.plausibility["max_electricity_kwh_per_mu"]
    kwh_per_mu = pl.when(pl.col("land_mu") > 0).then(pl.col("electricity_kwh") / pl.col("land_mu"))
    started = pl.col("production_start").dt.year().cast(pl.Float64)
    registered = pl.col("registration_date").dt.year().cast(pl.Float64)
    per_mu = pl.when(pl.col("land_mu") > 0).then(pl.col("tax_wan") / pl.col("land_mu"))
    checks = [
        (per_mu > p.max_tax_per_mu, "亩均税收（万元/亩）", per_mu,
         f"亩均税收超过 {p.max_tax_per_mu:g} 万元/亩：税收可能是“元”而非“万元”，或用地是平方米"),
        (pl.col("land_mu") > p.max_land_mu, "计算用地（亩）", pl.col("land_mu"),
         f"用地超过 {p.max_land_mu:g} 亩：可能是平方米而非亩"),
        ((pl.col("land_mu") > 0) & (pl.col("land_mu") < p.min_land_mu), "计算用地（亩）",
         pl.col("land_mu"), f"用地不足 {p.min_land_mu:g} 亩：可能是公顷而非亩，或录入错误"),
        (pl.col("land_mu") < 0, "计算用地（亩）", pl.col("land_mu"),
         "出租面积大于自有加承租面积，计算用地为负"),
        (started > year, "投产年份", started,
         f"投产日期晚于数据年度 {year}：可能录入错误（尚未投产的企业按新企业处理）"),
        (registered > year, "注册年份", registered, f"注册日期晚于数据年度 {year}：可能录入错误"),
        ((kwh_per_mu > 0) & (kwh_per_mu < low_kwh), "亩均用电量（千瓦时/亩）", kwh_per_mu,
         f"亩均用电量不足 {low_kwh:g} 千瓦时/亩：用电量可能是“万千瓦时”被当成了“千瓦时”"),
        (kwh_per_mu > high_kwh, "亩均用电量（千瓦时/亩）", kwh_per_mu,
         f"亩均用电量超过 {high_kwh:g} 千瓦时/亩："
         "用电量可能是“千瓦时”被当成了“万千瓦时”，或用地有误"),
    ]  # fmt: skip
    positive = pl.col("land_mu").filter(pl.col("land_mu") > 0)
    median: float | None = facts.select(positive.median()).item()
    median_message = f"用地中位数超过 {p.max_median_land_mu:g} 亩：整份用地数据可能是平方米而非亩"
    whole = pl.DataFrame(
        {"uscc": [None], "name": ["（全部企业）"], "check": ["用地中位数（亩）"],
         "value": [median], "message": [median_message]},
        schema={"uscc": pl.String, "name": pl.String, "check": pl.String, "value": pl.Float64,
                "message": pl.String},
    ).filter(pl.lit(median is not None and median > p.max_median_land_mu))  # fmt: skip
    found = [whole] + [
        facts.filter(cond.fill_null(False)).select(
            "uscc",
            "name",
            pl.lit(label).alias("check"),
            value.alias("value"),
            pl.lit(message).alias("message"),
        )
        for cond, label, value, message in checks
    ]
    return pl.concat(found, how="vertical")
