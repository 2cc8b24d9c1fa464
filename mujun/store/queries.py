"""Reading the store: history, class transitions, consecutive-year predicates, aggregates.

All read 认定 runs (one per evaluation year), with manual adjustments applied, unless a run
or state is chosen explicitly (`select_run`).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import polars as pl

from mujun.errors import StoreError
from mujun.store.db import Store
from mujun.store.states import STATE_LABELS, Notice, final_run, latest_draft, notices, run_info

_OPS: dict[str, Callable[[pl.Expr, float], pl.Expr]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}  # fmt: skip
_PUBLISHED = "SELECT run_id, evaluation_year FROM runs WHERE status = 'final'"
"""The 认定 run of each year: only these feed levers, history and streaks."""


@dataclass(frozen=True)
class Selected:
    """A run chosen to be read, its state and the time its classes are read as of."""

    year: int
    run_id: int
    state: str
    """One of `STATE_LABELS`: a notice (公示稿) is read as posted."""
    as_of: dt.datetime | None = None
    notice: Notice | None = None

    @property
    def label(self) -> str:
        """内部审核稿 / 公示稿 / 认定稿 / 已取代."""
        return STATE_LABELS[self.state]


def select_run(
    store: Store, year: int, /, *, run: int | None = None, state: str | None = None
) -> Selected:
    """The run to read for a year.

    Default: the 认定 run, else the run on 公示 (as posted); ``state="draft"``: the newest
    draft; ``state="notice"``: the latest notice as posted; ``state="final"``: the 认定 run;
    ``run``: that run (a run on notice is read as posted).

    Raises:
        StoreError: nothing matches (the message lists what the year has).
    """
    if run is not None and state is not None:
        msg = "--run 与 --state 只能给一个。"
        raise StoreError(msg)
    if state is not None and state not in STATE_LABELS:
        msg = (
            f"未知的状态 {state!r}。\n"
            "提示：--state 可用 draft（内部审核稿）、notice（公示稿）、final（认定稿）。"
        )
        raise StoreError(msg)
    posted = notices(store, year)
    if run is not None:
        info = run_info(store, run)
        if info["evaluation_year"] != year:
            msg = f"运行 {run} 属于评价年度 {info['evaluation_year']}，不是 {year}。"
            raise StoreError(msg)
        mine = [n for n in posted if n.run_id == run]
        if info["status"] == "notice" and mine:
            return Selected(year, run, "notice", mine[-1].created_at, mine[-1])
        return Selected(year, run, info["status"], None, posted[-1] if posted else None)
    fin = final_run(store, year)
    if state in (None, "final") and fin is not None:
        return Selected(year, fin, "final", None, posted[-1] if posted else None)
    if state in (None, "notice") and posted:
        last = posted[-1]
        return Selected(year, last.run_id, "notice", last.created_at, last)
    if state == "draft":
        draft = latest_draft(store, year)
        if draft is not None:
            return Selected(year, draft, "draft", None, posted[-1] if posted else None)
    raise StoreError(_nothing(store, year, state))


def _nothing(store: Store, year: int, state: str | None) -> str:
    have = store.frame(
        "SELECT run_id, status FROM runs WHERE evaluation_year = ? ORDER BY run_id", [year]
    )
    listed = (
        "、".join(f"运行 {r} {STATE_LABELS.get(s, s)}" for r, s in have.rows()) or "没有任何运行"
    )
    wanted = {None: "认定稿或公示稿", "final": "认定稿", "notice": "公示稿", "draft": "内部审核稿",
              "superseded": "可按状态选取的已取代运行（请用 --run 编号）"}  # fmt: skip
    return (
        f"评价年度 {year} 没有{wanted.get(state, state)}（该年度：{listed}）。\n"
        f"提示：mujun run --year {year} 评价并存为内部审核稿；--state draft 或 --run 编号 查看"
        f"内部审核稿；mujun notice --year {year} 发起公示；mujun final --year {year} 认定。"
    )


def selected_results(store: Store, chosen: Selected, /) -> pl.DataFrame:
    """Every firm of the chosen run with ``final_class`` (as posted for a notice)."""
    return store.frame(
        f"SELECT {int(chosen.year)} AS evaluation_year, * FROM final_results_asof(?) "
        f"WHERE run_id = {int(chosen.run_id)}",
        [chosen.as_of],
    )


def published_results(store: Store, year: int, /) -> pl.DataFrame:
    """Every firm of a year's 认定 run, with ``final_class`` after adjustments.

    Raises:
        StoreError: the year has no 认定 run.
    """
    return selected_results(store, select_run(store, year, state="final"))


def history(store: Store, uscc: str, /) -> pl.DataFrame:
    """One row per 认定 year for a firm, oldest first.

    Cohort, score, rank, class after adjustments with its name, and tax per mu where the
    profile used it.
    """
    return store.frame(
        f"""
        SELECT p.evaluation_year, r.run_id, r.name, r.township, r.cohort_label, r.eval_status,
               r.total_score, r.rank, r.pool_size, r.final_class AS class_label,
               r.final_class_name AS class_name, r.adjusted, r.adjustment_reason,
               r.override_reason, r.special_reason, i.value AS tax_per_mu
        FROM ({_PUBLISHED}) p
        JOIN final_results r ON r.run_id = p.run_id AND r.uscc = ?
        LEFT JOIN result_items i
          ON i.run_id = p.run_id AND i.uscc = ? AND i.indicator = 'tax_per_mu'
        ORDER BY p.evaluation_year
        """,
        [uscc, uscc],
    )


def transition_matrix(
    store: Store,
    /,
    *,
    from_year: int,
    to_year: int,
    run: int | None = None,
    state: str | None = None,
) -> pl.DataFrame:
    """Firms by class in ``from_year`` (rows) and ``to_year`` (columns).

    ``from_year`` is read from its 认定 run; ``to_year`` from the run ``run`` or ``state``
    choose (default: 认定, else 公示 as posted; `select_run`). Firms only in the later year
    are counted as entries (``（新进）``), firms only in the earlier year as exits
    (``（退出）``).
    """
    first = published_results(store, from_year)
    chosen = select_run(store, to_year, run=run, state=state)
    second = selected_results(store, chosen)
    before = first.select("uscc", pl.col("final_class").alias("from"))
    after = second.select("uscc", pl.col("final_class").alias("to"))
    pairs = before.join(after, on="uscc", how="full", coalesce=True).with_columns(
        pl.col("from").fill_null("（新进）"), pl.col("to").fill_null("（退出）")
    )
    order = _class_order(second)
    order += [c for c in _class_order(first) if c not in order]
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


def _class_order(results: pl.DataFrame) -> list[str]:
    labels = results.select(pl.col("final_class").unique()).to_series().drop_nulls().to_list()
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
        msg = f"未知的比较方式 {op!r}；请用以下之一：{'、'.join(sorted(_OPS))}。"
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


DECIDED_BATCHES = """
    SELECT l.data_year, coalesce(d.b, l.b) AS b
    FROM (SELECT data_year, max(batch_id) AS b FROM batches GROUP BY data_year) l
    LEFT JOIN (SELECT data_year, max(batch_id) AS b FROM runs
               WHERE status = 'final' AND batch_id IS NOT NULL GROUP BY data_year) d
    USING (data_year)"""
"""Per data year, the batch its 认定 run read, else the latest batch (nothing decided yet).

A corrected batch stored for a rescore that is not decided yet does not change what levers,
streaks and last-year benchmarks read."""


def facts_of_years(store: Store, years: list[int], /) -> pl.DataFrame:
    """Stored facts of several data years (the decided batch of each), with ``year``."""
    listed = ", ".join(str(int(y)) for y in years) or "NULL"
    return store.frame(
        f"SELECT f.* EXCLUDE (batch_id) FROM facts f JOIN ({DECIDED_BATCHES}) l "
        f"ON f.batch_id = l.b WHERE f.year IN ({listed})"
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
        msg = f"未知的指标 {target!r}。"
        raise StoreError(msg)
    return facts.select(
        "uscc",
        pl.col("year").cast(pl.String).alias("y"),
        pl.col(target).cast(pl.Float64).alias("v"),
    )


def aggregates(
    store: Store, year: int, /, *, run: int | None = None, state: str | None = None
) -> pl.DataFrame:
    """Per township (and in total) for the run ``run``/``state`` choose (`select_run`).

    Evaluated firms per final class, land, tax, value added, and aggregate tax and value added
    per mu (Σ ÷ Σ land).
    """
    chosen = select_run(store, year, run=run, state=state)
    results = selected_results(store, chosen)
    run_id = chosen.run_id
    facts = store.frame(
        "SELECT f.uscc, f.tax_wan, f.value_added_wan, f.revenue_wan, f.energy_tce "
        f"FROM facts f JOIN runs r ON f.batch_id = r.batch_id WHERE r.run_id = {run_id}"
    )
    joined = results.join(facts, on="uscc", how="left").filter(
        pl.col("eval_status") != "not_evaluated"
    )
    labels = set(joined.get_column("final_class").drop_nulls())
    classes = [c for c in _class_order(results) if c in labels]

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
