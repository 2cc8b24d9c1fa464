"""The engine: facts of one evaluation year in, every firm's scores and class out."""

from __future__ import annotations

from typing import overload

import polars as pl

from mujun.classify import classify
from mujun.errors import DataError
from mujun.profiles.models import Profile
from mujun.schema import Col, item_col
from mujun.score import add_scores, measures, needs_previous_year

_IDENTITY = (
    "uscc",
    "name",
    "year",
    "county",
    "township",
    "park",
    "industry_code",
    "above_scale",
    "land_mu",
)


@overload
def score(
    facts: pl.DataFrame,
    /,
    *,
    profile: Profile,
    year: int,
    history: pl.DataFrame | pl.LazyFrame | None = None,
) -> pl.DataFrame: ...
@overload
def score(
    facts: pl.LazyFrame,
    /,
    *,
    profile: Profile,
    year: int,
    history: pl.DataFrame | pl.LazyFrame | None = None,
) -> pl.LazyFrame: ...
def score(
    facts: pl.DataFrame | pl.LazyFrame,
    /,
    *,
    profile: Profile,
    year: int,
    history: pl.DataFrame | pl.LazyFrame | None = None,
) -> pl.DataFrame | pl.LazyFrame:
    """Score and classify every firm of one evaluation year.

    Args:
        facts: canonical facts (see `mujun.schema`); rows of other data years are ignored.
        profile: the region profile.
        year: the evaluation year; the data year read is ``year + profile.data_year_offset``.
        history: facts of earlier years, needed when a benchmark uses last year's pool.

    Returns:
        One row per firm of the data year, in input order: identity, cohort, evaluation status
        and special reason, each indicator's value, benchmark, item score and status, the
        totals, pool, rank, class (computed and final, with its Chinese name), overrides and
        the gap to the next better class. Eager in, eager out; lazy in, lazy out.

    Raises:
        DataError: required columns are missing, the data year has no rows, a USCC is blank or
            a firm appears twice in the data year.
    """
    data_year = year + profile.data_year_offset
    if isinstance(facts, pl.DataFrame):
        # NOTE: a frame read from Parquet comes in chunks (one per row group); every column the
        # engine adds is one chunk, and Polars realigned (copied) the whole frame at each step:
        # at 10M firms that doubled the time. One copy up front is cheaper.
        facts = facts.rechunk()
    lf = measures.conform(facts.lazy()).filter(pl.col("year") == data_year)
    check_rows(lf, data_year=data_year, evaluation_year=year)
    previous = None
    if needs_previous_year(profile):
        if history is not None:
            previous = measures.conform(history.lazy(), source="history").filter(
                pl.col("year") == data_year - 1
            )
        if previous is None or previous.select(pl.len()).collect().item() == 0:
            msg = (
                f"方案 {profile.meta.name!r} 以上一年度的评价企业为基准，但没有 {data_year - 1} "
                "年的事实数据。\n提示：用 `mujun score --history FILE` 给出上一年度数据；"
                "`mujun run` 从数据库读取，请先存入该年度（`mujun run --facts FILE`）。"
            )
            raise DataError(msg)
    out = (
        lf.pipe(add_scores, profile=profile, previous=previous, data_year=data_year)
        .pipe(classify, profile=profile)
        .with_columns(pl.lit(year, pl.Int32).alias(Col.EVALUATION_YEAR))
        .select(result_columns(profile))
    )
    # NOTE: the plan is window-heavy (pool benchmarks, ranks); Polars' in-memory engine runs it
    # about twice as fast as the streaming default (benchmarks/README.md).
    return out.collect(engine="in-memory") if isinstance(facts, pl.DataFrame) else out


def result_columns(profile: Profile) -> list[str]:
    """Columns of a result frame, in output order."""
    per_indicator = [
        item_col(i, part)
        for i in profile.used_indicators()
        for part in ("value", "benchmark", "item", "status")
    ]
    return [
        *_IDENTITY[:3],
        Col.EVALUATION_YEAR,
        *_IDENTITY[3:],
        Col.COHORT,
        Col.COHORT_LABEL,
        Col.STATUS,
        Col.SPECIAL_ID,
        Col.SPECIAL_REASON,
        *per_indicator,
        Col.ITEMS_TOTAL,
        Col.COEFFICIENT,
        Col.BONUS,
        Col.PENALTY,
        Col.ADJUST_REASON,
        Col.TOTAL,
        Col.POOL,
        Col.POOL_SIZE,
        Col.RANK,
        Col.RANK_PCT,
        Col.CLASS_COMPUTED,
        Col.OVERRIDE_ID,
        Col.OVERRIDE_REASON,
        Col.CLASS,
        Col.CLASS_NAME,
        Col.NEXT_CLASS,
        Col.GAP_TO_NEXT,
    ]


def check_rows(lf: pl.LazyFrame, *, data_year: int, evaluation_year: int) -> None:
    """Refuse a data year without rows, with a blank USCC or with a firm twice (`DataError`).

    ``lf`` holds the rows of the data year only.
    """
    uscc = pl.col("uscc")
    rows, blank, hashed = (
        lf.select(
            pl.len().alias("rows"),
            uscc.null_count().alias("blank"),
            # NOTE: distinct 64-bit hashes prove distinct USCCs, and counting them takes a fifth
            # of the time of counting distinct strings (0.17 s vs 0.79 s at 10M shuffled firms).
            # Fewer hashes than rows means a repeated firm or (rarely) a collision: only then
            # are the strings counted.
            uscc.hash(seed=0).n_unique().alias("hashed"),
        )
        .collect(engine="in-memory")
        .row(0)
    )
    if rows == 0:
        msg = (
            f"数据年度 {data_year}（评价年度 {evaluation_year}）没有事实数据。\n"
            "提示：检查 --year 和事实数据的 year 列；方案的 data_year_offset 决定评价年度读取哪个"
            "数据年度。"
        )
        raise DataError(msg)
    if blank:
        msg = (
            f"数据年度 {data_year} 有 {blank} 行没有统一社会信用代码。\n"
            "提示：每家企业都需要 18 位统一社会信用代码。"
        )
        raise DataError(msg)
    dupes = 0 if hashed == rows else duplicate_rows(lf)
    if dupes:
        examples = (
            lf.select(uscc.filter(uscc.is_duplicated()).unique().sort().head(5))
            .collect(engine="in-memory")
            .to_series()
            .to_list()
        )
        msg = (
            f"数据年度 {data_year} 有 {dupes} 行重复的企业，例如 "
            f"{'、'.join(examples)}。\n"
            "提示：每家企业每年合并为一行（`mujun import` 会报告此类冲突）。"
        )
        raise DataError(msg)


def duplicate_rows(lf: pl.LazyFrame, /) -> int:
    """Rows whose USCC an earlier row already has (the exact count, on the strings)."""
    uscc = pl.col("uscc")
    return lf.select(pl.len() - uscc.n_unique()).collect(engine="in-memory").item()
