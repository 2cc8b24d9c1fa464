"""The yearly cycle in the store: run states, notices, objections, adjustments and reviews.

An evaluation year goes draft → notice (公示: the list is posted, frozen, with the dates and
where to object) → final (认定: the list that counts for money, land and power). A manual
adjustment (调档) belongs to the year and the firm, not to one run: every new run of the year
gets the year's latest decision per firm re-applied when its engine class is the one the
decision was made on, and an open review otherwise (`carry_adjustments`).

The functions here read and write state; `mujun.cycle` checks what a user asks for and calls
them. Writers expect to run inside the caller's transaction, readers anywhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from mujun.errors import StoreError
from mujun.store.db import Store

STATES: Final = ("draft", "notice", "final", "superseded")
STATE_LABELS: Final = {
    "draft": "内部审核稿",
    "notice": "公示稿",
    "final": "认定稿",
    "superseded": "已取代",
}
"""A run's state → how every page, sheet and file name calls it."""

OUTCOMES: Final = {"upheld": "异议成立", "rejected": "异议不成立"}
REVIEW_LABELS: Final = {
    "open": "待决定",
    "kept": "继续适用",
    "dropped": "不再适用",
    "confirmed": "认定时确认不适用",
    "replaced": "已重新调档",
}


@dataclass(frozen=True)
class Notice:
    """A public notice (公示) of a run."""

    year: int
    """Evaluation year."""
    run_id: int
    start: dt.date
    end: dt.date
    contact: str
    """Where and how to object: office, phone, address."""
    issuer: str
    """Who posts it, e.g. "XX县经济和信息化局"."""
    created_by: str
    notice_id: int = 0
    created_at: dt.datetime | None = None


def now() -> dt.datetime:
    """The store's clock: naive UTC."""
    return dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)


# ---- reading ---- #
def run_info(store: Store, run_id: int, /) -> dict[str, Any]:
    """One run's metadata row.

    Raises:
        StoreError: there is no such run.
    """
    missing = (
        f"数据库 {store.path} 中没有编号为 {run_id} 的评价运行。\n提示：mujun runs 列出全部运行。"
    )
    return _row_by_id(store, "runs", "run_id", run_id, missing=missing)


def _row_by_id(
    store: Store, table: str, key: str, value: int, /, *, missing: str
) -> dict[str, Any]:
    """The row of ``table`` whose ``key`` is ``value`` (`StoreError` with ``missing`` if none)."""
    rows = store.frame(f"SELECT * FROM {table} WHERE {key} = ?", [int(value)])
    if rows.is_empty():
        raise StoreError(missing)
    return rows.row(0, named=True)


def final_run(store: Store, year: int, /) -> int | None:
    """The year's 认定 run, if decided."""
    row = store.first_row(
        "SELECT max(run_id) FROM runs WHERE evaluation_year = ? AND status = 'final'", [year]
    )
    return int(row[0]) if row and row[0] is not None else None


def latest_draft(store: Store, year: int, /) -> int | None:
    """The year's newest draft run."""
    row = store.first_row(
        "SELECT max(run_id) FROM runs WHERE evaluation_year = ? AND status = 'draft'", [year]
    )
    return int(row[0]) if row and row[0] is not None else None


def notices(store: Store, year: int, /) -> list[Notice]:
    """Every notice of a year, oldest first."""
    frame = store.frame(
        "SELECT * FROM notices WHERE evaluation_year = ? ORDER BY notice_id", [int(year)]
    )
    return [
        Notice(
            year=r["evaluation_year"],
            run_id=r["run_id"],
            start=r["start_date"],
            end=r["end_date"],
            contact=r["contact"],
            issuer=r["issuer"],
            created_by=r["created_by"],
            notice_id=r["notice_id"],
            created_at=r["created_at"],
        )
        for r in frame.iter_rows(named=True)
    ]


def notice_of_run(store: Store, run_id: int, /) -> Notice | None:
    """The latest notice that posted a run."""
    info = run_info(store, run_id)
    posted = [n for n in notices(store, info["evaluation_year"]) if n.run_id == run_id]
    return posted[-1] if posted else None


def open_notice(store: Store, year: int, /) -> Notice | None:
    """The year's notice still waiting for its 认定 (its run is in state 'notice')."""
    listed = notices(store, year)
    if not listed:
        return None
    last = listed[-1]
    return last if run_info(store, last.run_id)["status"] == "notice" else None


def working_run(store: Store, year: int, /) -> int | None:
    """The run the year's next decisions apply to, if any.

    The newest draft scored after the last notice or 认定 (a rescore), else the run on notice;
    none when the year is decided and nothing was rescored since.
    """
    posted = open_notice(store, year)
    fin = final_run(store, year)
    since = [t for t in (posted.created_at if posted else None,) if t is not None]
    if fin is not None:
        decided = run_info(store, fin)["published_at"]
        if decided is not None:
            since.append(decided)
    where = "AND created_at > ?" if since else ""
    params: list[Any] = [year, max(since)] if since else [year]
    row = store.first_row(
        f"SELECT max(run_id) FROM runs WHERE evaluation_year = ? AND status = 'draft' {where}",
        params,
    )
    if row and row[0] is not None:
        return int(row[0])
    return posted.run_id if posted else None


def target_run(
    store: Store,
    year: int,
    run_id: int | None,
    /,
    *,
    allowed: tuple[str, ...],
    none: str,
    refused: str,
) -> int:
    """The run a decision (公示, 认定) acts on: ``run_id``, else the year's `working_run`.

    Args:
        store: the store.
        year: the evaluation year decided.
        run_id: the run the user named, if any.
        allowed: the states the decision accepts.
        none: the message when the year has no working run.
        refused: what follows "运行 N 是<状态>，" when the run's state is not allowed.

    Raises:
        StoreError: there is no run, it belongs to another year, or its state is not allowed.
    """
    target = run_id if run_id is not None else working_run(store, year)
    if target is None:
        raise StoreError(none)
    info = run_info(store, target)
    if info["evaluation_year"] != year:
        msg = f"运行 {target} 属于评价年度 {info['evaluation_year']}，不是 {year}。"
        raise StoreError(msg)
    if info["status"] not in allowed:
        raise StoreError(f"运行 {target} 是{STATE_LABELS[info['status']]}，{refused}")
    return target


def firm_results(store: Store, run_id: int, /, *, as_of: dt.datetime | None = None) -> pl.DataFrame:
    """Every firm of a run with its final class as of a time (default: now)."""
    return store.frame(
        "SELECT * FROM final_results_asof(?) WHERE run_id = ? ORDER BY uscc",
        [as_of, int(run_id)],
    )


def adjustments(store: Store, year: int, /) -> pl.DataFrame:
    """Every adjustment of a year's runs, oldest first, with the run's state.

    ``carried_from`` is set on re-applications; the others are decisions people made.
    """
    return store.frame(
        """SELECT a.*, u.status AS run_status, r.name
           FROM adjustments a JOIN runs u USING (run_id)
           LEFT JOIN results r ON r.run_id = a.run_id AND r.uscc = a.uscc
           WHERE u.evaluation_year = ? ORDER BY a.adjustment_id""",
        [int(year)],
    )


def reviews(store: Store, /, *, run_id: int | None = None, year: int | None = None) -> pl.DataFrame:
    """Adjustments that could not be carried to a run, with the decision they concern."""
    where = [f"v.run_id = {int(run_id)}" if run_id is not None else "true"]
    if year is not None:
        where.append(f"u.evaluation_year = {int(year)}")
    return store.frame(
        f"""SELECT v.*, a.engine_class AS decided_on, a.to_class, a.reason, a.who,
                   a.objection_id, r.name
            FROM adjustment_reviews v JOIN adjustments a USING (adjustment_id)
            JOIN runs u ON u.run_id = v.run_id
            LEFT JOIN results r ON r.run_id = v.run_id AND r.uscc = v.uscc
            WHERE {" AND ".join(where)} ORDER BY v.review_id"""
    )


def objections(store: Store, year: int, /) -> pl.DataFrame:
    """Every objection of a year, oldest first, with the firm's name."""
    return store.frame(
        """SELECT o.*, f.name FROM objections o LEFT JOIN firms f USING (uscc)
           WHERE o.evaluation_year = ? ORDER BY o.objection_id""",
        [int(year)],
    )


def objection_row(store: Store, objection_id: int, /) -> dict[str, Any]:
    """One objection.

    Raises:
        StoreError: there is no such objection.
    """
    missing = (
        f"没有编号为 {objection_id} 的异议。\n"
        "提示：mujun objection list --year 评价年度 列出该年度的异议。"
    )
    return _row_by_id(store, "objections", "objection_id", objection_id, missing=missing)


def reviews_message(waiting: pl.DataFrame, run_id: int, /, *, step: str) -> str:
    """Why a step (公示, 认定) is refused while adjustments wait for a decision."""
    lines = "\n".join(
        f"  {r['uscc']} {r['name'] or ''}：原调档 {r['decided_on']}→{r['to_class']}"
        f"（{r['reason']}），本次评价为 {r['engine_class'] or '未参评'}"
        for r in waiting.head(10).iter_rows(named=True)
    )
    more = f"\n  … 另有 {waiting.height - 10} 家" if waiting.height > 10 else ""
    return (
        f"运行 {run_id} 有 {waiting.height} 项人工调档待决定（重新评价后等级与调档时不同），"
        f"暂不能{step}：\n{lines}{more}\n"
        "提示：逐项用 mujun review --year … --firm … --keep 或 --drop 决定，或用 mujun adjust "
        "重新调档；确认全部不再适用时加 --confirm。"
    )


# ---- writing (inside the caller's transaction) ---- #
def carry_adjustments(store: Store, run_id: int, /) -> tuple[int, int]:
    """Re-apply the year's latest decision per firm to a run; returns (carried, to review).

    A decision is re-applied when the run's engine class is the class it was decided on, and
    listed as an open review otherwise (or when the firm is not ranked in the run). Decisions
    already applied to or reviewed on the run, and decisions withdrawn in a review, are left.
    """
    rid = int(run_id)
    year = run_info(store, rid)["evaluation_year"]
    pending = store.frame(
        f"""WITH decisions AS (
                SELECT a.* FROM adjustments a JOIN runs u USING (run_id)
                WHERE u.evaluation_year = {int(year)} AND a.carried_from IS NULL
                QUALIFY row_number() OVER (PARTITION BY a.uscc ORDER BY a.adjustment_id DESC) = 1
            )
            SELECT d.adjustment_id, d.uscc, d.to_class, d.reason, d.who, d.objection_id,
                   d.engine_class, r.class_label AS now_class, r.eval_status
            FROM decisions d
            LEFT JOIN results r ON r.run_id = {rid} AND r.uscc = d.uscc
            WHERE d.run_id <> {rid}
              AND NOT EXISTS (SELECT 1 FROM adjustments x
                              WHERE x.run_id = {rid} AND x.carried_from = d.adjustment_id)
              AND NOT EXISTS (SELECT 1 FROM adjustment_reviews v
                              WHERE v.adjustment_id = d.adjustment_id
                                AND (v.run_id = {rid} OR v.status = 'dropped'))
            ORDER BY d.adjustment_id"""
    )
    if pending.is_empty():
        return 0, 0
    stamp = now()
    same = (
        (pl.col("now_class") == pl.col("engine_class"))
        & pl.col("eval_status").is_in(["ranked", "graded_as"])
    ).fill_null(False)
    carried = pending.filter(same)
    review = pending.filter(~same)
    con = store.con
    first = store.next_id("adjustments", "adjustment_id")
    con.register("_carried", carried.with_row_index("i"))
    con.execute(
        f"""INSERT INTO adjustments
            SELECT {first} + i, {rid}, uscc, now_class, to_class, reason, who, ?, now_class,
                   objection_id, adjustment_id
            FROM _carried ORDER BY i""",
        [stamp],
    )
    con.unregister("_carried")
    first = store.next_id("adjustment_reviews", "review_id")
    con.register("_review", review.with_row_index("i"))
    con.execute(
        f"""INSERT INTO adjustment_reviews
            SELECT {first} + i, {rid}, uscc, adjustment_id, now_class, 'open', ?, NULL, NULL,
                   NULL
            FROM _review ORDER BY i""",
        [stamp],
    )
    con.unregister("_review")
    return carried.height, review.height


def insert_adjustment(
    store: Store,
    run_id: int,
    /,
    *,
    uscc: str,
    from_class: str,
    engine_class: str,
    to_class: str,
    reason: str,
    who: str,
    objection_id: int | None,
) -> int:
    """Record a decision on a run; open reviews of the firm on the run are replaced by it."""
    adjustment_id = store.next_id("adjustments", "adjustment_id")
    stamp = now()
    store.con.execute(
        "INSERT INTO adjustments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        [adjustment_id, int(run_id), uscc, from_class, to_class, reason, who, stamp,
         engine_class, objection_id],
    )  # fmt: skip
    store.con.execute(
        "UPDATE adjustment_reviews SET status = 'replaced', decided_by = ?, decided_at = ?, "
        "note = ? WHERE run_id = ? AND uscc = ? AND status = 'open'",
        [who, stamp, f"重新调档（调整记录 {adjustment_id}）", int(run_id), uscc],
    )
    return adjustment_id


def close_reviews(
    store: Store, review_ids: list[int], /, *, status: str, who: str, note: str
) -> None:
    """Close open reviews with a status (kept, dropped, confirmed)."""
    if not review_ids:
        return
    listed = ", ".join(str(int(i)) for i in review_ids)
    store.con.execute(
        "UPDATE adjustment_reviews SET status = ?, decided_by = ?, decided_at = ?, note = ? "
        f"WHERE review_id IN ({listed}) AND status = 'open'",
        [status, who, now(), note],
    )


def set_state(store: Store, run_id: int, /, state: str, **extra: Any) -> None:
    """Move a run to a state (with optional columns such as superseded_by)."""
    if state not in STATES:
        msg = f"unknown run state {state!r}"
        raise ValueError(msg)
    sets = ", ".join(["status = ?", *(f"{k} = ?" for k in extra)])
    store.con.execute(
        f"UPDATE runs SET {sets} WHERE run_id = ?", [state, *extra.values(), int(run_id)]
    )
