"""The 公示 class list and per-township class counts, with Chinese headers."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mujun.errors import DataError
from mujun.profiles.models import Profile
from mujun.report.output import atomic_path
from mujun.schema import Col

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV injection list

_LIST_COLUMNS = {
    "uscc": "统一社会信用代码",
    "name": "企业名称",
    "township": "乡镇（街道）",
    Col.COHORT_LABEL: "评价类别",
    Col.TOTAL: "综合得分（分）",
    Col.POOL: "排名范围",
    Col.RANK: "排名",
    Col.CLASS: "等级",
    Col.CLASS_NAME: "等级名称",
    "note": "说明",
}


def class_list(result: pl.DataFrame, /, *, profile: Profile) -> pl.DataFrame:
    """One row per firm for the public notice: best classes first, then by pool and rank."""
    order = {label: i for i, label in enumerate(profile.class_names())}
    note = pl.concat_str(
        [pl.col(Col.SPECIAL_REASON), pl.col(Col.OVERRIDE_REASON)], separator="；", ignore_nulls=True
    )
    return (
        result.with_columns(
            pl.col(Col.TOTAL).round(2),
            pl.when(note != "").then(note).alias("note"),
            pl.col(Col.CLASS).replace_strict(order, default=len(order)).alias("_order"),
        )
        .sort("_order", Col.POOL, Col.RANK, "uscc", nulls_last=True)
        .select(list(_LIST_COLUMNS))
        .rename(_LIST_COLUMNS)
    )


def class_summary(result: pl.DataFrame, /, *, profile: Profile) -> pl.DataFrame:
    """Firms per township (rows) and final class (columns, best first), with totals."""
    labels = [lab for lab in profile.class_names() if lab in set(result.get_column(Col.CLASS))]
    wide = (
        result.with_columns(pl.col("township").fill_null("（未填）"))
        .pivot(
            on=Col.CLASS,
            index="township",
            values="uscc",
            aggregate_function="len",
            on_columns=labels,
        )
        .fill_null(0)
        .sort("township")
    )
    wide = wide.select("township", *labels).with_columns(pl.sum_horizontal(labels).alias("合计"))
    totals = wide.select(pl.lit("合计").alias("township"), pl.exclude("township").sum())
    return pl.concat([wide, totals], how="vertical_relaxed").rename({"township": "乡镇（街道）"})


def defuse_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text that a spreadsheet would run as a formula (= + - @ tab CR) with an apostrophe."""
    return frame.with_columns(
        _defused(c) for c, dtype in frame.schema.items() if dtype == pl.String()
    )


def _defused(col: str) -> pl.Expr:
    text = pl.col(col)
    risky = pl.any_horizontal(text.str.starts_with(s) for s in _FORMULA_START)
    return pl.when(risky).then(pl.lit("'") + text).otherwise(text).alias(col)


TABLE_SUFFIXES = (".parquet", ".csv")


def check_table_path(path: str | Path, /) -> Path:
    """Refuse an output path `write_table` cannot write, before any work is done.

    Raises:
        DataError: unsupported extension.
    """
    path = Path(path)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        msg = (
            f"无法写入 {path}：不支持的输出类型 {path.suffix!r}。\n"
            f"提示：请用以下之一：{'、'.join(TABLE_SUFFIXES)}。"
        )
        raise DataError(msg)
    return path


def write_table(frame: pl.DataFrame, path: str | Path, /) -> Path:
    """Write a frame as .parquet or .csv (UTF-8 with BOM), whole or not at all.

    The CSV is for other systems: Excel and WPS turn an all-digit USCC into a number in
    scientific notation whatever the quoting, so people get the .xlsx (text cells). Numbers
    are written out in full (1.5e+17 as 150000000000000000).

    Raises:
        DataError: unsupported extension.
        OutputError: the file is open in another program or the folder is not writable.
    """
    path = check_table_path(path)
    with atomic_path(path) as temp:
        if path.suffix.lower() == ".parquet":
            frame.write_parquet(temp)
        else:
            defuse_formulas(frame).write_csv(temp, include_bom=True, float_scientific=False)
    return path
