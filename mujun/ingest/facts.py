"""Read a canonical facts file (.parquet, .csv, .xlsx) into typed facts plus a failure table.

Nothing is dropped silently: every row read is accepted, rejected (with one failure line per
bad cell, naming file, sheet, row, column, raw value and reason) or skipped with a reason
(an exact repeat of an earlier row). ``read == accepted + rejected + skipped`` always holds.
Headers may be the canonical English names or the Chinese labels of `mujun.schema`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mujun.errors import DataError
from mujun.ingest import uscc, values
from mujun.ingest.departments import split_repeats
from mujun.ingest.read import read_sheets
from mujun.schema import FACT_SCHEMA, FACTS, REQUIRED_FACTS

ROW = "_row"
NON_BLANK = ("uscc", "name", "year", "above_scale")
"""Columns that must be filled in on every row. Blank land or tax is kept: the engine gives
such firms a special class or its missing-data policy, with the reason, instead."""

FAILURE_SCHEMA = pl.Schema(
    {
        "file": pl.String(),
        "sheet": pl.String(),
        "row": pl.Int64(),
        "column": pl.String(),
        "value": pl.String(),
        "reason": pl.String(),
        "outcome": pl.Enum(["rejected", "skipped"]),
    }
)


@dataclass(frozen=True)
class FactsRead:
    """Typed facts and what happened to every row that was read."""

    facts: pl.DataFrame
    failures: pl.DataFrame
    """One line per bad cell of a rejected row, or per skipped row (see `FAILURE_SCHEMA`)."""
    rows_read: int
    ignored_columns: tuple[str, ...]

    @property
    def accepted(self) -> int:
        """Rows that became facts."""
        return self.facts.height

    @property
    def rejected(self) -> int:
        """Rows rejected because at least one cell is unusable."""
        return self._rows("rejected")

    @property
    def skipped(self) -> int:
        """Rows skipped with a reason (exact repeats)."""
        return self._rows("skipped")

    def _rows(self, outcome: str) -> int:
        return self.failures.filter(pl.col("outcome") == outcome).select("row").n_unique()


def read_facts(path: str | Path, /, *, sheet: str | None = None) -> FactsRead:
    """Read and check a facts file.

    Raises:
        DataError: the file cannot be read, or required columns are missing.
    """
    path = Path(path)
    raw, sheet_name = _read_raw(path, sheet=sheet)
    raw = raw.rename(_canonical_names(raw.columns))
    missing = [c for c in REQUIRED_FACTS if c not in raw.columns]
    if missing:
        raise DataError.missing_columns(
            str(path),
            [f"{c} ({FACTS[c].label})" for c in missing],
            hint="表头用标准列名或其中文名称均可；各部门的原始报表请用 `mujun import` 导入。",
        )
    ignored = tuple(c for c in raw.columns if c not in FACT_SCHEMA and c != ROW)
    present = [c for c in FACT_SCHEMA if c in raw.columns]
    nested = [f"{c} ({raw.schema[c]})" for c in present if raw.schema[c].is_nested()]
    if nested:
        raise DataError.unreadable(
            str(path),
            f"这些列的单元格是列表或结构，而不是单个值：{nested}",
            hint="每个单元格只导出一个值。",
        )
    typed = raw.select(ROW, *(_parse(raw.schema[c], c) for c in present))
    cell_failures = pl.concat(
        [_cell_failures(raw, typed, c) for c in present], how="vertical"
    ).with_columns(pl.lit("rejected").alias("outcome"))
    bad_rows = cell_failures.get_column("row").unique()
    good = typed.filter(~pl.col(ROW).is_in(bad_rows.implode()))
    good, dup_failures = _duplicates(good)
    failures = (
        pl.concat([cell_failures, dup_failures], how="vertical")
        .with_columns(pl.lit(str(path)).alias("file"), pl.lit(sheet_name).alias("sheet"))
        .select(FAILURE_SCHEMA.names())
        .cast(FAILURE_SCHEMA)
        .sort("row", "column")
    )
    return FactsRead(good.drop(ROW), failures, raw.height, ignored)


def _read_raw(path: Path, *, sheet: str | None) -> tuple[pl.DataFrame, str | None]:
    """The file's rows under its first row as header, with true spreadsheet row numbers."""
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv", ".xlsx", ".xlsm", ".xls"):
        raise DataError.unreadable(
            str(path), f"不支持的文件类型 {suffix!r}",
            hint="请用 .parquet、.csv 或 .xlsx（各部门的原始文件用 `mujun import` 导入）。",
        )  # fmt: skip
    if suffix == ".parquet":
        if not path.is_file():
            raise DataError.unreadable(str(path), "文件不存在", hint="检查路径是否正确。")
        try:
            frame = pl.read_parquet(path)
        except Exception as exc:  # any reader failure is a problem with the file
            raise DataError.unreadable(str(path), f"{type(exc).__name__}: {exc}",
                                       hint="确认这是有效的 Parquet 文件。") from None  # fmt: skip
        return frame.with_row_index(ROW, offset=2).cast({ROW: pl.Int64}), None
    sheets = read_sheets(path)
    chosen = next((s for s in sheets if sheet is None or s.sheet == sheet), None)
    if chosen is None:
        names = ", ".join(str(s.sheet) for s in sheets)
        raise DataError.unreadable(
            str(path), f"没有名为 {sheet!r} 的工作表", hint=f"现有工作表：{names}。"
        )
    grid = chosen.grid
    if grid.height == 0:
        raise DataError.unreadable(str(path), "工作表是空的", hint="重新导出该文件。")
    header = [str(v).strip() if v is not None else "" for v in grid.row(0)]
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise DataError.unreadable(
            str(path), f"列表头重复：{repeated}", hint="每列只用一个不同的表头。"
        )
    headers = {
        c: (h or f"(空列{i + 1})")
        for i, (c, h) in enumerate(zip(grid.columns, header, strict=True))
    }
    frame = (
        grid.slice(1)
        .rename(headers)
        .with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + chosen.first_row + 1).alias(ROW))
    )
    return frame, chosen.sheet


def _canonical_names(columns: list[str]) -> dict[str, str]:
    by_label = {unicodedata.normalize("NFKC", f.label): f.name for f in FACTS.values()}
    out = {}
    for col in columns:
        clean = unicodedata.normalize("NFKC", col).replace("\ufeff", "").strip()
        out[col] = by_label.get(clean, clean)
    return out


def _text(col: str) -> pl.Expr:
    return values.text(pl.col(col))


_KIND = {pl.Float64: "number", pl.Int32: "integer", pl.Boolean: "flag", pl.Date: "date"}


def _kind(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Enum):
        return "enum"
    return _KIND.get(type(dtype), "text")


def _parse(source: pl.DataType, col: str) -> pl.Expr:
    target = FACT_SCHEMA[col]
    if source == target:
        return pl.col(col)
    cell = _text(col)
    if col == "uscc":
        return uscc.normalise(cell).alias(col)
    kind = _kind(target)
    if kind in ("text", "enum"):
        return cell.cast(target, strict=False).alias(col)
    return values.parse(kind, cell).alias(col)


def _cell_failures(raw: pl.DataFrame, typed: pl.DataFrame, col: str) -> pl.DataFrame:
    target = FACT_SCHEMA[col]
    given = raw.select(ROW, _text(col).alias("value"))
    both = given.with_columns(typed.get_column(col).alias("_parsed"))
    if col == "uscc":
        reason = uscc.problem(pl.col("_parsed"))
    elif col in NON_BLANK:
        reason = (
            pl.when(pl.col("value").is_null())
            .then(pl.lit("必填项为空"))
            .when(pl.col("_parsed").is_null())
            .then(pl.lit(values.WHAT[_kind(target)]))
        )
    else:
        reason = pl.when(pl.col("value").is_not_null() & pl.col("_parsed").is_null()).then(
            pl.lit(values.WHAT[_kind(target)])
        )
    return (
        both.with_columns(reason.alias("reason"))
        .filter(pl.col("reason").is_not_null())
        .select(pl.col(ROW).alias("row"), pl.lit(col).alias("column"), "value", "reason")
    )


def _duplicates(good: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Skip exact repeats; reject every row of a firm-year whose rows disagree."""
    values = [c for c in good.columns if c not in (ROW, "uscc", "year")]
    kept, skipped, conflicts = split_repeats(good, key=["uscc", "year"], values=values)

    def lines(frame: pl.DataFrame, reason: str, outcome: str) -> pl.DataFrame:
        return frame.select(
            pl.col(ROW).alias("row"), pl.lit("uscc").alias("column"), pl.col("uscc").alias("value"),
            pl.lit(reason).alias("reason"), pl.lit(outcome).alias("outcome"),
        )  # fmt: skip

    conflict = "同一企业同一年度有多行且数值不一致（冲突），请核实后只保留一行"
    failures = pl.concat(
        [lines(skipped, "与前面某行完全相同，重复行已跳过", "skipped"),
         lines(conflicts, conflict, "rejected")],
        how="vertical",
    )  # fmt: skip
    return kept, failures
