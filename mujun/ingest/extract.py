"""From a located sheet to typed rows in canonical units, plus a failure line per bad cell.

Every non-empty row below the header is read and ends as accepted, rejected (with a
failure line for each bad cell) or skipped with a reason (合计/小计/总计 rows, which are
reconciled against the sum of the rows above them; footnotes below the table). Rows the reader
could not split safely (a CSV row with more fields than its header) are rejected whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from mujun.errors import DataError, InternalError
from mujun.ingest import _grid, uscc, values
from mujun.ingest.headers import Layout, norm, unit_factor
from mujun.ingest.read import RawSheet, SheetContext
from mujun.ingest.spec import FieldSpec, Spec

ROW, FILE, SHEET = "_row", "_file", "_sheet"
FAILURE_COLUMNS = ("file", "sheet", "row", "column", "value", "reason", "outcome")
_ID_CARD = r"^\d{17}[\dX]$"


@dataclass(frozen=True)
class Extracted:
    """Typed rows of one sheet and what happened to the others."""

    source: str
    file: str
    sheet: str | None
    rows: pl.DataFrame
    """Accepted rows: ``_file``, ``_sheet``, ``_row``, ``uscc``, ``legacy_id``, ``name``,
    ``name_key`` and the source's fields in canonical units."""
    failures: pl.DataFrame
    rows_read: int
    raw: pl.DataFrame = field(default_factory=pl.DataFrame)
    """``_row`` and ``raw``: every data row's original cells joined by " | " (for reports)."""
    units: dict[str, str] = field(default_factory=dict)
    """Field → the unit its numbers were read in (and where that came from)."""
    notes: tuple[str, ...] = ()
    """Things the analyst should know: assumed units, total-row reconciliation, unknown headers."""
    context: SheetContext = field(default_factory=SheetContext)
    """The sheet's surroundings: title lines, conditions (入库日期：…), footnotes, units stated
    outside the header, its role (month, summary, detail) and how the file was read."""

    @property
    def skipped(self) -> int:
        """Rows skipped with a reason."""
        return self.failures.filter(pl.col("outcome") == "skipped").select("row").n_unique()

    @property
    def rejected(self) -> int:
        """Rows rejected for at least one bad cell."""
        return self.failures.filter(pl.col("outcome") == "rejected").select("row").n_unique()


def name_key(expr: pl.Expr) -> pl.Expr:
    """A firm name normalised for exact matching: NFKC, no whitespace, ASCII brackets."""
    return expr.str.normalize("NFKC").str.replace_all(r"\s", "")


def extract(
    sheet: RawSheet, layout: Layout, *, source: str, fields: dict[str, FieldSpec], spec: Spec
) -> Extracted:
    """Parse every data row of ``sheet`` according to ``layout``.

    Raises:
        DataError: two columns carry the same header (which one holds the value is unknown).
    """
    repeat_notes = _repeated_columns(sheet, layout)
    grid_cols = list(sheet.grid.columns)
    wanted = {**spec.identity, **fields}
    grid, merge_notes = _fill_merged(sheet, layout, wanted)
    original = grid.slice(layout.data_start).with_columns(
        (pl.int_range(pl.len(), dtype=pl.Int64) + layout.data_start + sheet.first_row).alias(ROW)
    )
    # Every cell is normalised once (NFKC, missing markers → null); all checks read this.
    data = original.select(ROW).with_columns(
        _normalised(original.get_column(c)).alias(c) for c in grid_cols
    )
    filled = data.select(pl.any_horizontal(pl.col(c).is_not_null() for c in grid_cols)).to_series()
    data, original = data.filter(filled), original.filter(filled)
    rows_read = data.height
    whole_rows, data = _whole_row_lines(sheet, data, original, _header_again(sheet, layout, data))
    present = {f: c for f, c in layout.columns.items() if f in wanted}
    ident_cols = [pl.col(present[f]) for f in ("uscc", "name", "legacy_id") if f in present]
    ident_cols.append(pl.col(grid_cols[0]))
    is_total = values.is_total_row(ident_cols)
    totals, data = data.filter(is_total), data.filter(~is_total)

    units, notes, factors = _units(layout, fields, source=source, spec=spec, sheet=sheet)
    parsed = data.select(
        ROW, *(_typed(f, present[f], wanted[f], factors.get(f), spec) for f in present)
    )
    failures = [
        _cell_failures(data, parsed, f, col=present[f], f=wanted[f], layout=layout, sheet=sheet)
        for f in present
    ]
    failures.append(_identity_failures(parsed, present, layout, sheet))
    failures.append(whole_rows)
    fail = (
        pl.concat([f for f in failures if f.height], how="vertical")
        if any(f.height for f in failures)
        else _empty_failures()
    )
    bad = fail.filter(pl.col("outcome") == "rejected").get_column("row").unique().implode()
    accepted = parsed.filter(~pl.col(ROW).is_in(bad))
    accepted = _identity(accepted, present).with_columns(
        pl.lit(sheet.file).alias(FILE), pl.lit(sheet.sheet, pl.String).alias(SHEET)
    )
    total_lines, total_notes = _totals(
        totals, parsed, present=present, wanted=wanted, factors=factors, headers=layout.headers
    )
    all_failures = (
        pl.concat([fail, total_lines], how="vertical")
        .with_columns(
            pl.lit(sheet.file).alias("file"), pl.lit(sheet.sheet, pl.String).alias("sheet")
        )
        .select(FAILURE_COLUMNS)
    )
    counted = accepted.height + all_failures.select("row").n_unique()
    if counted != rows_read:
        raise InternalError.invariant(
            f"{sheet.file} [{sheet.sheet}]: {rows_read} rows read but {counted} accounted for"
        )
    notes.extend(repeat_notes)
    notes.extend(sheet.context.notes)
    notes.extend(merge_notes)
    unknown = [h for h in layout.unknown if h not in ("序号", "No", "NO", "编号")]
    if unknown:
        notes.append(f"未识别的列（已忽略）：{'、'.join(unknown)}")
    raw = original.select(
        ROW,
        pl.concat_str([pl.col(c).fill_null("") for c in grid_cols], separator=" | ").alias("raw"),
    )
    return Extracted(source, sheet.file, sheet.sheet, accepted, all_failures, rows_read, raw,
                     units, tuple(notes + total_notes), sheet.context)  # fmt: skip


def _header_again(sheet: RawSheet, layout: Layout, data: pl.DataFrame) -> list[int]:
    """Rows that repeat the header (a printed export repeats it on every page)."""
    top = sheet.grid.row(layout.header_rows[-1])
    header = {c: top[int(c[1:])] for c in layout.columns.values() if top[int(c[1:])]}
    if len(header) < 2:
        return []
    expected = pl.select(
        values.text(pl.lit(text, pl.String)).alias(c) for c, text in header.items()
    ).row(0, named=True)
    same = pl.sum_horizontal((pl.col(c) == v).fill_null(False) for c, v in expected.items())
    return data.filter(same >= max(2, len(header) / 2)).get_column(ROW).to_list()


def _whole_row_lines(
    sheet: RawSheet, data: pl.DataFrame, original: pl.DataFrame, headers_again: list[int]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Failure lines for rows that are not data, and the data without them.

    The reader sets aside footnotes below the table (skipped) and CSV rows with more fields
    than their header (rejected whole); rows repeating the header are skipped.
    """
    marks = [(sheet.row_number(i), "skipped", r) for i, r in sheet.skipped.items()]
    marks += [(sheet.row_number(i), "rejected", r) for i, r in sheet.rejected.items()]
    again = "重复的表头行（分页打印或多段表格的表头），不是企业数据"
    marks += [(row, "skipped", again) for row in headers_again]
    if not marks:
        return _empty_failures(), data
    marked = pl.DataFrame(marks, schema={ROW: pl.Int64, "outcome": pl.String,
                                          "reason": pl.String}, orient="row")  # fmt: skip
    cells = [c for c in original.columns if c != ROW]
    lines = original.join(marked, on=ROW, how="inner").select(
        pl.col(ROW).alias("row"), pl.lit("（整行）").alias("column"),
        pl.concat_str([pl.col(c) for c in cells], separator=" | ", ignore_nulls=True)
        .str.slice(0, 200).alias("value"),
        "reason", "outcome",
    )  # fmt: skip
    return lines, data.filter(~pl.col(ROW).is_in(marked.get_column(ROW).implode()))


def _fill_merged(
    sheet: RawSheet, layout: Layout, wanted: dict[str, FieldSpec]
) -> tuple[pl.DataFrame, list[str]]:
    """The grid with merged data cells filled down inside their ranges, and notes saying so.

    A firm's code and name merged over its parcels, or a township merged over its firms, hold
    for every row of the range. An amount merged over rows is one amount: it stays in the
    first row only (filling it down would count it once per row).
    """
    spans = [s for s in sheet.merged if s[0] >= layout.data_start]
    if not spans:
        return sheet.grid, []
    field_of = {col: name for name, col in layout.columns.items() if name in wanted}
    amounts = {c for c, n in field_of.items() if wanted[n].kind in ("number", "integer")}
    texts = set(field_of) - amounts
    filled = [s for s in spans if sheet.grid.columns[s[2]] in texts]
    kept = [s for s in spans if sheet.grid.columns[s[2]] in amounts]
    grid = _grid.fill_down(sheet.grid, spans, texts)
    notes = []
    said = (
        (filled, "值已填入区域内的每一行（仅限区域内）"),
        (kept, "是数值，只计入区域的第一行，未向下填充（避免重复计数）"),
    )
    for ranges, what in said:
        if ranges:
            labels = [_grid.span_label(s, first_row=sheet.first_row, first_col=sheet.first_col)
                      for s in ranges[:5]]  # fmt: skip
            more = "等" if len(ranges) > 5 else ""
            notes.append(f"合并单元格 {len(ranges)} 处（{'、'.join(labels)}{more}）{what}")
    return grid, notes


def _normalised(cells: pl.Series) -> pl.Series:
    """`values.text` of a column, computed once per distinct value when values repeat.

    Columns of codes, names, tax types and dates repeat heavily in payment exports; a column
    of mostly distinct values (amounts) takes a fast path for plain ASCII cells, for which
    NFKC changes nothing.
    """
    distinct = cells.drop_nulls().unique()
    if distinct.len() * 2 <= cells.len():
        cleaned = pl.select(values.text(pl.lit(distinct))).to_series()
        return cells.replace_strict(distinct, cleaned, default=None, return_dtype=pl.String)
    col = pl.col(cells.name)
    stripped = col.str.strip_chars()
    plain = pl.when(~stripped.is_in(values.MISSING_MARKERS)).then(stripped)
    ascii_only = col.str.contains(r"^[\x20-\x7e]*$")
    return (
        cells.to_frame()
        .select(pl.when(ascii_only).then(plain).otherwise(values.text(col)))
        .to_series()
    )


def _repeated_columns(sheet: RawSheet, layout: Layout) -> list[str]:
    """Notes for synonym columns left unused; an error for two columns with one header."""
    notes = []
    for name, col, header in layout.repeated:
        used = layout.headers.get(name, name)
        where, first = _letter(sheet, col), _letter(sheet, layout.columns[name])
        if norm(header) == norm(used):
            msg = (
                f"无法读取 {sheet.file} [{sheet.sheet or ''}]：有两列的表头都是"
                f"“{used}”（{first} 列和 {where} 列），无法判断哪一列是要读取的值。\n"
                "提示：删除其中一列或改掉其表头后重新导入。"
            )
            raise DataError(msg)
        notes.append(f"同义列“{header}”（{where}）未使用：已按“{used}”（{first}）读取")
    return notes


def _units(
    layout: Layout, fields: dict[str, FieldSpec], *, source: str, spec: Spec, sheet: RawSheet
) -> tuple[dict[str, str], list[str], dict[str, float]]:
    """The unit of every numeric field.

    Its header first, else the sheet's title rows, else the source's default (noted as assumed).
    """
    units: dict[str, str] = {}
    notes: list[str] = []
    factors: dict[str, float] = {}
    for name, f in fields.items():
        if name not in layout.columns or f.unit is None:
            continue
        family = f.unit
        header_unit = layout.units.get(name)
        candidates = [
            (header_unit, "表头"),
            (layout.sheet_units.get(family), "表头上方说明"),
            *_hinted(sheet.context, family, spec),
            (spec.default_unit(source, family), "默认（文件未注明）"),
        ]
        for unit, where in candidates:
            factor = unit_factor(spec, family, unit)
            if factor is not None:
                factors[name] = factor
                units[name] = f"{unit}（{where}）"
                if where.startswith("默认"):
                    notes.append(f"{layout.headers[name]}：文件未注明单位，按{unit}读取")
                elif where.startswith("表下"):
                    notes.append(f"{layout.headers[name]}：单位取自表格下方的注释，按{unit}读取")
                break
        else:
            if header_unit is not None:
                notes.append(f"{layout.headers[name]}：单位“{header_unit}”无法识别，按原值读取")
            units[name] = "（未注明，按原值）"
    return units, notes, factors


_FAMILY_OF_LABEL = {"金额": "money", "面积": "land", "用地": "land", "电量": "electricity",
                    "用电量": "electricity", "能耗": "energy", "排放量": "mass"}  # fmt: skip


def _hinted(context: SheetContext, family: str, spec: Spec) -> list[tuple[str, str]]:
    """Units of ``family`` stated in the title lines or footnotes (the reader found them)."""
    out = []
    for hint in context.unit_hints:
        label_family = _FAMILY_OF_LABEL.get(hint.label)
        if label_family not in (None, family) or unit_factor(spec, family, hint.unit) is None:
            continue
        out.append((hint.unit, "表头上方说明" if hint.where == "title" else "表下注释"))
    return out


def _typed(
    name: str, col: str, f: FieldSpec, factor: float | None, spec: Spec | None = None
) -> pl.Expr:
    cell = pl.col(col)  # already normalised text
    if f.kind == "id":
        return uscc.normalise(cell).alias(name)
    value = values.parse(f.kind, cell, industries=spec.industry_names if spec else None)
    if factor is not None and factor != 1.0:
        value = value * factor
    return value.alias(name)


def _letter(sheet: RawSheet, col: str) -> str:
    """A grid column (``c3``) as the spreadsheet's, e.g. "D列"."""
    return f"{sheet.column_letter(int(col[1:]))}列"


def _column_label(layout: Layout, sheet: RawSheet, name: str, col: str) -> str:
    return f"{_letter(sheet, col)} {layout.headers.get(name, name)}"


def _cell_failures(
    data: pl.DataFrame, parsed: pl.DataFrame, name: str, *, col: str, f: FieldSpec,
    layout: Layout, sheet: RawSheet,
) -> pl.DataFrame:  # fmt: skip
    if f.kind in ("id", "text"):
        return _empty_failures()
    frame = data.select(ROW, pl.col(col).alias("value")).with_columns(
        parsed.get_column(name).alias("_v")
    )
    unparsed = pl.col("value").is_not_null() & pl.col("_v").is_null()
    # Quantities (land, energy, power, emissions, people) cannot be negative; money can (refunds).
    negative = (
        (pl.col("_v") < 0)
        if f.kind in ("number", "integer") and f.unit not in (None, "money")
        else pl.lit(False)
    )
    bad = frame.filter(unparsed | negative.fill_null(False))
    return bad.select(
        pl.col(ROW).alias("row"),
        pl.lit(_column_label(layout, sheet, name, col)).alias("column"),
        "value",
        pl.when(unparsed)
        .then(pl.lit(values.WHAT[f.kind]))
        .otherwise(pl.lit("不能为负数"))
        .alias("reason"),
        pl.lit("rejected").alias("outcome"),
    )


def _identity_failures(
    parsed: pl.DataFrame, present: dict[str, str], layout: Layout, sheet: RawSheet
) -> pl.DataFrame:
    if "uscc" not in present:
        if "name" in present or "legacy_id" in present or "meter" in present:
            return _missing_identity(parsed, present)
        return _empty_failures()
    code = pl.col("uscc")
    legacy = _is_legacy(code)
    # NOTE: checked once per distinct code (a payment export repeats each firm ~20 times).
    codes = parsed.select(code.unique()).with_columns(
        pl.when(code.is_not_null() & ~legacy).then(uscc.problem(code)).alias("reason")
    )
    bad = parsed.join(codes.filter(pl.col("reason").is_not_null()), on="uscc", how="inner")
    label = _column_label(layout, sheet, "uscc", present["uscc"])
    return pl.concat([
        bad.select(pl.col(ROW).alias("row"), pl.lit(label).alias("column"),
                   code.alias("value"), "reason", pl.lit("rejected").alias("outcome")),
        _missing_identity(parsed, present),
    ], how="vertical")  # fmt: skip


def _missing_identity(parsed: pl.DataFrame, present: dict[str, str]) -> pl.DataFrame:
    ids = [pl.col(f) for f in ("uscc", "name", "legacy_id", "meter") if f in present]
    none = ~pl.any_horizontal(c.is_not_null() for c in ids) if ids else pl.lit(True)
    return parsed.filter(none).select(
        pl.col(ROW).alias("row"), pl.lit("（企业标识）").alias("column"),
        pl.lit(None, pl.String).alias("value"),
        pl.lit("没有统一社会信用代码、纳税人识别号或企业名称，无法确定企业").alias("reason"),
        pl.lit("rejected").alias("outcome"),
    )  # fmt: skip


def _is_legacy(code: pl.Expr) -> pl.Expr:
    """Legacy taxpayer IDs kept raw: 15, 17 or 20 characters, or an 18-digit ID-card number."""
    length = code.str.len_chars()
    alnum = code.str.contains(r"^[0-9A-Z]+$")
    return (alnum & length.is_in([15, 17, 20])) | (
        code.str.contains(_ID_CARD) & ~code.str.starts_with("9")
    )


def _identity(rows: pl.DataFrame, present: dict[str, str]) -> pl.DataFrame:
    code = pl.col("uscc") if "uscc" in present else pl.lit(None, pl.String)
    legacy_col = pl.col("legacy_id") if "legacy_id" in present else pl.lit(None, pl.String)
    name = pl.col("name") if "name" in present else pl.lit(None, pl.String)
    is_legacy = _is_legacy(code).fill_null(False)
    return rows.with_columns(
        pl.when(~is_legacy).then(code).alias("uscc"),
        pl.coalesce(legacy_col, pl.when(is_legacy).then(code)).alias("legacy_id"),
        name.alias("name"),
        name_key(name).alias("name_key"),
    )


def _totals(
    totals: pl.DataFrame, parsed: pl.DataFrame, *, present: dict[str, str],
    wanted: dict[str, FieldSpec], factors: dict[str, float], headers: dict[str, str],
) -> tuple[pl.DataFrame, list[str]]:  # fmt: skip
    """Skip 合计 rows, reporting each, and compare their numbers with the sum of the rows."""
    if totals.is_empty():
        return _empty_failures(), []
    numeric = [f for f in present if wanted[f].kind == "number"]
    typed = totals.select(ROW, *(_typed(f, present[f], wanted[f], factors.get(f)) for f in numeric))
    notes = []
    for f in numeric:
        stated = typed.get_column(f).drop_nulls()
        if stated.is_empty():
            continue
        summed = float(parsed.get_column(f).sum())
        grand = float(stated.max())  # type: ignore[arg-type]
        status = "一致" if abs(grand - summed) <= max(1e-4 * abs(grand), 0.005) else "不一致"
        name = headers.get(f, f)
        notes.append(f"合计行核对 {name}：合计 {grand:,.4f}，明细之和 {summed:,.4f}（{status}）")
    label = pl.coalesce(pl.col(c) for c in totals.columns if c.startswith("c"))
    lines = totals.select(
        pl.col(ROW).alias("row"), pl.lit("（合计行）").alias("column"),
        label.alias("value"),
        pl.lit("合计/小计/总计行，不作为企业数据（已与明细核对）").alias("reason"),
        pl.lit("skipped").alias("outcome"),
    )  # fmt: skip
    return lines, notes


def _empty_failures() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "row": pl.Int64,
            "column": pl.String,
            "value": pl.String,
            "reason": pl.String,
            "outcome": pl.String,
        }
    )
