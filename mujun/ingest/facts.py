"""Read a canonical facts file (.parquet, .csv, .xlsx) into typed facts plus a failure table.

Nothing is dropped silently: every row read is accepted, rejected (with one failure line per
bad cell, naming file, sheet, row, column, raw value and reason) or skipped with a reason
(an exact repeat of an earlier row). ``read == accepted + rejected + skipped`` always holds.
Headers may be the canonical English names or the Chinese labels of `mujun.schema`.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mujun.errors import DataError
from mujun.ingest import uscc
from mujun.schema import FACT_SCHEMA, FACTS, REQUIRED_FACTS

ROW = "_row"
NON_BLANK = ("uscc", "name", "year", "above_scale")
"""Columns that must be filled in on every row. Blank land or tax is kept: the engine gives
such firms a special class or its missing-data policy, with the reason, instead."""
MISSING_MARKERS = ("", "-", "—", "--", "/", "无", "#N/A", "N/A", "NA", "null", "NULL", "None")
_TRUE = ("1", "是", "Y", "YES", "TRUE", "T", "√")
_FALSE = ("0", "否", "N", "NO", "FALSE", "F")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")

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
            hint="headers may be the canonical names or the Chinese labels in mujun/schema.py.",
        )
    ignored = tuple(c for c in raw.columns if c not in FACT_SCHEMA and c != ROW)
    present = [c for c in FACT_SCHEMA if c in raw.columns]
    nested = [f"{c} ({raw.schema[c]})" for c in present if raw.schema[c].is_nested()]
    if nested:
        raise DataError.unreadable(
            str(path),
            f"column(s) hold lists or structures, not single values: {nested}",
            hint="export one value per cell for each canonical column.",
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
    suffix = path.suffix.lower()
    if not path.is_file():
        raise DataError.unreadable(str(path), "no such file", hint="check the path.")
    try:
        if suffix == ".parquet":
            frame, sheet_name = pl.read_parquet(path), None
        elif suffix == ".csv":
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
            sheet_name = None
        elif suffix in (".xlsx", ".xlsm", ".xls"):
            frame = pl.read_excel(path, engine="calamine", sheet_name=sheet, infer_schema_length=0)
            sheet_name = sheet or "(first sheet)"
        else:
            raise DataError.unreadable(
                str(path),
                f"unsupported file type {suffix!r}",
                hint="use .parquet, .csv or .xlsx (`mujun import` reads the departments' files).",
            )
    except DataError:
        raise
    except Exception as exc:
        raise DataError.unreadable(
            str(path), f"{type(exc).__name__}: {exc}", hint="is it a valid, unprotected file?"
        ) from None
    # Header row is spreadsheet row 1, so the first data row is row 2.
    return frame.with_row_index(ROW, offset=2).cast({ROW: pl.Int64}), sheet_name


def _canonical_names(columns: list[str]) -> dict[str, str]:
    by_label = {unicodedata.normalize("NFKC", f.label): f.name for f in FACTS.values()}
    out = {}
    for col in columns:
        clean = unicodedata.normalize("NFKC", col).replace("\ufeff", "").strip()
        out[col] = by_label.get(clean, clean)
    return out


def _text(col: str) -> pl.Expr:
    """The cell as normalised text, null for blanks and explicit missing markers."""
    text = (
        pl.col(col)
        .cast(pl.String)
        .str.normalize("NFKC")
        .str.strip_chars()
        .str.replace_all("\u3000", "")
    )
    return pl.when(~text.is_in(MISSING_MARKERS)).then(text)


def _parse(source: pl.DataType, col: str) -> pl.Expr:
    target = FACT_SCHEMA[col]
    if source == target:
        return pl.col(col)
    text = _text(col)
    if col == "uscc":
        return uscc.normalise(text).alias(col)
    if target in (pl.Float64(), pl.Int32()):
        number = text.str.replace_all(",", "")
        negative = number.str.contains(r"^\(.*\)$")
        number = number.str.strip_chars("()")
        value = number.cast(pl.Float64, strict=False)
        value = pl.when(negative).then(-value).otherwise(value)
        value = pl.when(value.is_finite()).then(value)
        if target == pl.Int32():
            value = pl.when(value == value.round()).then(value).cast(pl.Int32, strict=False)
        return value.alias(col)
    if target == pl.Boolean():
        upper = text.str.to_uppercase()
        return (
            pl.when(upper.is_in(_TRUE))
            .then(pl.lit(True))
            .when(upper.is_in(_FALSE))
            .then(pl.lit(False))
        ).alias(col)
    if target == pl.Date():
        # Spreadsheet readers give date cells as "2020-01-05 00:00:00" or as Excel serial
        # day numbers (days since 1899-12-30).
        day = text.str.replace(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(\.0+)?$", "$1")
        serial = text.str.extract(r"^(\d{4,5})(?:\.0+)?$").cast(pl.Int64, strict=False)
        return pl.coalesce(
            *(day.str.to_date(fmt, strict=False) for fmt in _DATE_FORMATS),
            (pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial)).cast(pl.Date),
        ).alias(col)
    return text.cast(target, strict=False).alias(col)


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
            .then(pl.lit(_WHAT[target.__class__]))
        )
    else:
        reason = pl.when(pl.col("value").is_not_null() & pl.col("_parsed").is_null()).then(
            pl.lit(_WHAT[target.__class__])
        )
    return (
        both.with_columns(reason.alias("reason"))
        .filter(pl.col("reason").is_not_null())
        .select(pl.col(ROW).alias("row"), pl.lit(col).alias("column"), "value", "reason")
    )


_WHAT: dict[type[pl.DataType], str] = {
    pl.Float64: "不是有效数字",
    pl.Int32: "不是整数",
    pl.Boolean: "应为 是/否",
    pl.Date: "不是可识别的日期（如 2023-05-01）",
    pl.String: "无法识别",
    pl.Enum: "不是允许的取值",
}


def _duplicates(good: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Skip exact repeats; reject every row of a firm-year whose rows disagree."""
    values = [c for c in good.columns if c != ROW]
    repeat = good.select(~pl.struct(values).is_first_distinct()).to_series()
    skipped = good.filter(repeat)
    kept = good.filter(~repeat)
    conflict_mask = kept.select(pl.struct("uscc", "year").is_duplicated()).to_series()
    conflicts = kept.filter(conflict_mask)
    failures = pl.concat(
        [
            skipped.select(
                pl.col(ROW).alias("row"),
                pl.lit("uscc").alias("column"),
                pl.col("uscc").alias("value"),
                pl.lit("与前面某行完全相同，重复行已跳过").alias("reason"),
                pl.lit("skipped").alias("outcome"),
            ),
            conflicts.select(
                pl.col(ROW).alias("row"),
                pl.lit("uscc").alias("column"),
                pl.col("uscc").alias("value"),
                pl.lit("同一企业同一年度有多行且数值不一致（冲突），请核实后只保留一行").alias(
                    "reason"
                ),
                pl.lit("rejected").alias("outcome"),
            ),
        ],
        how="vertical",
    )
    return kept.filter(~conflict_mask), failures
