"""Reading the store: history, class transitions, consecutive-year predicates, aggregates.

All read published runs (one per evaluation year), with manual adjustments applied.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Literal

import polars as pl

from mujun.errors import StoreError
from mujun.store.db import Store

_OPS: dict[str, Callable[[pl.Expr, float], pl.Expr]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}  # fmt: skip
_PUBLISHED = "SELECT run_id, evaluation_year FROM runs WHERE status = 'published'"


def published_results(store: Store, year: int, /) -> pl.DataFrame:
    """Every firm of a published evaluation year, with ``final_class`` after adjustments.

    Raises:
        StoreError: the year is not published.
    """
    row = store.first_row(
        "SELECT run_id FROM runs WHERE status = 'published' AND evaluation_year = ?", [year]
    )
    if row is None:
        msg = (
            f"Evaluation year {year} has no published run.\n"
            "Hint: `mujun runs` lists runs; `mujun publish --year …` publishes a draft."
        )
        raise StoreError(msg)
    return store.frame(
        f"SELECT {year} AS evaluation_year, * FROM final_results WHERE run_id = {int(row[0])}"
    )


def history(store: Store, uscc: str, /) -> pl.DataFrame:
    """One row per published year for a firm, oldest first.

    Cohort, score, rank, class after adjustments, and tax per mu where the profile used it.
    """
    return store.frame(
        f"""
        SELECT p.evaluation_year, r.run_id, r.name, r.township, r.cohort_label, r.eval_status,
               r.total_score, r.rank, r.pool_size, r.final_class AS class_label,
               r.class_name, r.adjusted, r.adjustment_reason, r.override_reason,
               r.special_reason, i.value AS tax_per_mu
        FROM ({_PUBLISHED}) p
        JOIN final_results r ON r.run_id = p.run_id AND r.uscc = ?
        LEFT JOIN result_items i
          ON i.run_id = p.run_id AND i.uscc = ? AND i.indicator = 'tax_per_mu'
        ORDER BY p.evaluation_year
        """,
        [uscc, uscc],
    )


def transition_matrix(store: Store, /, *, from_year: int, to_year: int) -> pl.DataFrame:
    """Firms by class in ``from_year`` (rows) and ``to_year`` (columns).

    Firms only in the later year are counted as entries (``（新进）``), firms only in the
    earlier year as exits (``（退出）``).
    """
    before = published_results(store, from_year).select("uscc", pl.col("final_class").alias("from"))
    after = published_results(store, to_year).select("uscc", pl.col("final_class").alias("to"))
    pairs = before.join(after, on="uscc", how="full", coalesce=True).with_columns(
        pl.col("from").fill_null("（新进）"), pl.col("to").fill_null("（退出）")
    )
    order = _class_order(store, to_year)
    order += [c for c in _class_order(store, from_year) if c not in order]
    columns = [c for c in [*order, "（退出）"] if c in set(pairs.get_column("to"))]
    rows = [r for r in ["（新进）", *order] if r in set(pairs.get_column("from"))]
    matrix = (
        pairs.pivot(
            on="to", index="from", values="uscc", aggregate_function="len", on_columns=columns
        )
        .fill_null(0)
        .with_columns(
            pl.col("from")
            .replace_strict({r: i for i, r in enumerate(rows)}, default=99)
            .alias("_o")
        )
        .sort("_o")
        .drop("_o")
        .select("from", *columns)
        .with_columns(pl.sum_horizontal(columns).alias("合计"))
    )
    return matrix.rename({"from": f"{from_year}＼{to_year}"})


def _class_order(store: Store, year: int) -> list[str]:
    labels = (
        published_results(store, year)
        .select(pl.col("final_class").unique())
        .to_series()
        .drop_nulls()
        .to_list()
    )
    standard = [c for c in ("A", "B", "C", "D") if c in labels]
    return standard + sorted(c for c in labels if c not in standard)


def streak(
    store: Store,
    /,
    *,
    year: int,
    kind: Literal["class", "indicator", "fact"],
    target: str,
    op: str = "==",
    value: float | str | None = None,
    lookback: int = 10,
) -> pl.DataFrame:
    """How many consecutive years, ending at ``year``, each firm met a condition.

    - ``kind="class"``: final class equals ``target`` (evaluation years);
    - ``kind="indicator"``: indicator ``target`` ``op`` ``value`` (evaluation years);
    - ``kind="fact"``: fact column ``target`` ``op`` ``value`` (data years, latest batch).

    A missing year (not published, firm absent, value unknown) ends a streak. Returns
    ``uscc`` and ``streak`` for firms whose streak is at least one year.

    Raises:
        StoreError: an unknown comparison.
    """
    if kind != "class" and op not in _OPS:
        msg = f"Unknown comparison {op!r}; use one of {sorted(_OPS)}."
        raise StoreError(msg)
    years = list(range(year - lookback + 1, year + 1))
    frame = _yearly(store, kind=kind, target=target, years=years)
    met = (
        pl.col("v") == target if kind == "class" else _OPS[op](pl.col("v"), float(value))  # type: ignore[arg-type]
    )
    hits = frame.filter(met.fill_null(False)).select("uscc", pl.col("y").cast(pl.Int32))
    return consecutive(hits, last=year, lookback=lookback)


def consecutive(hits: pl.DataFrame, /, *, last: int, lookback: int = 10) -> pl.DataFrame:
    """Consecutive years ending at ``last`` in which each firm appears in ``hits``.

    Args:
        hits: ``uscc`` and ``y`` (Int32 year), one row per firm and year that met a condition.
        last: the year streaks must end in.
        lookback: the longest streak counted.

    Returns:
        ``uscc`` and ``streak`` (≥ 1), sorted by USCC; a missing year ends a streak.
    """
    years = list(range(last - lookback + 1, last + 1))
    wide = (
        hits.filter(pl.col("y").is_between(years[0], last))
        .unique()
        .with_columns(pl.lit(True).alias("hit"), pl.col("y").cast(pl.String))
        .pivot(on="y", index="uscc", values="hit", on_columns=[str(y) for y in years])
    )
    run = pl.lit(1, pl.Int32)
    total = pl.lit(0, pl.Int32)
    for y in reversed(years):
        col = str(y)
        present = pl.col(col).fill_null(False) if col in wide.columns else pl.lit(False)
        run = run * present.cast(pl.Int32)
        total = total + run
    return wide.select("uscc", total.alias("streak")).filter(pl.col("streak") > 0).sort("uscc")


def facts_of_years(store: Store, years: list[int], /) -> pl.DataFrame:
    """Stored facts of several data years (the latest batch of each), with ``year``."""
    listed = ", ".join(str(int(y)) for y in years) or "NULL"
    return store.frame(
        "SELECT f.* EXCLUDE (batch_id) FROM facts f JOIN (SELECT data_year, max(batch_id) AS b "
        f"FROM batches GROUP BY data_year) l ON f.batch_id = l.b WHERE f.year IN ({listed})"
    )


def _yearly(store: Store, *, kind: str, target: str, years: list[int]) -> pl.DataFrame:
    span = f"BETWEEN {min(years)} AND {max(years)}"
    if kind == "class":
        query = (
            f"SELECT r.uscc, CAST(p.evaluation_year AS VARCHAR) AS y, r.final_class AS v "
            f"FROM ({_PUBLISHED}) p JOIN final_results r USING (run_id) "
            f"WHERE p.evaluation_year {span}"
        )
        return store.frame(query)
    if kind == "indicator":
        return store.frame(
            f"SELECT i.uscc, CAST(p.evaluation_year AS VARCHAR) AS y, i.value AS v "
            f"FROM ({_PUBLISHED}) p JOIN result_items i USING (run_id) "
            f"WHERE p.evaluation_year {span} AND i.indicator = ?",
            [target],
        )
    facts = facts_of_years(store, years)
    if target not in facts.columns:
        msg = f"Unknown fact {target!r}."
        raise StoreError(msg)
    return facts.select(
        "uscc",
        pl.col("year").cast(pl.String).alias("y"),
        pl.col(target).cast(pl.Float64).alias("v"),
    )


def aggregates(store: Store, year: int, /) -> pl.DataFrame:
    """Per township (and in total) for a published year.

    Evaluated firms per final class, land, tax, value added, and aggregate tax and value added
    per mu (Σ ÷ Σ land).
    """
    run = published_results(store, year)
    run_id = int(run.item(0, "run_id"))
    facts = store.frame(
        "SELECT f.uscc, f.tax_wan, f.value_added_wan, f.revenue_wan, f.energy_tce "
        f"FROM facts f JOIN runs r ON f.batch_id = r.batch_id WHERE r.run_id = {run_id}"
    )
    joined = run.join(facts, on="uscc", how="left").filter(pl.col("eval_status") != "not_evaluated")
    labels = set(joined.get_column("final_class").drop_nulls())
    classes = [c for c in _class_order(store, year) if c in labels]

    def summary(frame: pl.DataFrame, label: pl.Expr) -> pl.DataFrame:
        return (
            frame.group_by(label.alias("乡镇（街道）"))
            .agg(
                pl.len().alias("参评企业数"),
                *((pl.col("final_class") == c).sum().alias(f"{c}类（家）") for c in classes),
                pl.col("land_mu").sum().alias("用地（亩）"),
                pl.col("tax_wan").sum().alias("税收（万元）"),
                pl.col("value_added_wan").sum().alias("增加值（万元）"),
            )
            .with_columns(
                (pl.col("税收（万元）") / pl.col("用地（亩）")).alias("亩均税收（万元/亩）"),
                (pl.col("增加值（万元）") / pl.col("用地（亩）")).alias("亩均增加值（万元/亩）"),
            )
        )

    per_township = summary(joined, pl.col("township").fill_null("（未填）")).sort("乡镇（街道）")
    total = summary(joined, pl.lit("合计"))
    return pl.concat([per_township, total], how="vertical_relaxed").with_columns(
        pl.lit(year).alias("评价年度")
    )
