"""Decisions of the yearly cycle: 公示, objections (异议), adjustments (调档), reviews, 认定.

Every function checks what it is asked, writes in one transaction and returns what happened;
none prints. Messages are in Chinese: officials read them in the terminal and on web pages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Literal

import polars as pl

from mujun import store as st
from mujun.errors import StoreError
from mujun.store import Notice, Store
from mujun.store.states import (
    OUTCOMES,
    carry_adjustments,
    close_reviews,
    final_run,
    firm_results,
    insert_adjustment,
    notices,
    now,
    objection_row,
    objections,
    open_notice,
    reviews,
    reviews_message,
    run_info,
    set_state,
    target_run,
    working_run,
)

_CLASSED: Final = ("ranked", "graded_as")


def normalise_uscc(text: str, /) -> str:
    """A USCC as typed: spaces (also full-width) removed, letters upper-cased."""
    return "".join(text.split()).upper()


def _required(value: str | None, what: str) -> str:
    if value is None or not value.strip():
        msg = f"{what}不能为空。"
        raise StoreError(msg)
    return value.strip()


# ---- 公示 ---- #
def start_notice(
    store: Store,
    *,
    year: int,
    run_id: int | None = None,
    start: dt.date,
    end: dt.date,
    contact: str,
    issuer: str,
    who: str,
    confirm: bool = False,
) -> Notice:
    """Post a draft for public notice (公示): the run is frozen as posted.

    Default run: the year's newest draft scored since the last notice or 认定. The year's
    adjustments are carried to it first; open reviews refuse unless ``confirm``. A notice
    still waiting for its 认定 is superseded by the new one.

    Raises:
        StoreError: dates or texts missing or inverted, no draft, the run is not a draft of
            the year, or adjustments need review.
    """
    if end < start:
        msg = f"公示结束日期 {end} 早于开始日期 {start}。\n提示：--start 与 --end 写成 2024-05-06。"
        raise StoreError(msg)
    contact = _required(contact, "异议受理方式（--contact：受理单位、电话、地址）")
    issuer = _required(issuer, "公示发布单位（--issuer，如 XX县经济和信息化局）")
    with store.transaction() as con:
        target = target_run(
            store,
            year,
            run_id,
            allowed=("draft",),
            none=(
                f"评价年度 {year} 没有可公示的内部审核稿。\n"
                f"提示：mujun run --year {year} --profile … 评价并存为内部审核稿。"
            ),
            refused=f"只有内部审核稿可以公示。\n提示：mujun status --year {year} 查看该年度进度。",
        )
        _settle_reviews(store, target, who=who, confirm=confirm, step="公示")
        current = open_notice(store, year)
        if current is not None and current.run_id != target:
            set_state(store, current.run_id, "superseded", superseded_by=target)
        set_state(store, target, "notice")
        notice_id = store.next_id("notices", "notice_id")
        stamp = now()
        con.execute(
            "INSERT INTO notices VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [notice_id, year, target, start, end, contact, issuer, who, stamp],
        )
    return Notice(
        year=year, run_id=target, start=start, end=end, contact=contact, issuer=issuer,
        created_by=who, notice_id=notice_id, created_at=stamp,
    )  # fmt: skip


def _settle_reviews(store: Store, run_id: int, *, who: str, confirm: bool, step: str) -> int:
    """Carry the year's adjustments to a run; refuse open reviews unless confirmed."""
    carry_adjustments(store, run_id)
    waiting = reviews(store, run_id=run_id).filter(pl.col("status") == "open")
    if waiting.height and not confirm:
        raise StoreError(reviews_message(waiting, run_id, step=step))
    close_reviews(
        store,
        waiting.get_column("review_id").to_list(),
        status="confirmed",
        who=who,
        note=f"{step}时确认：采用本次评价结果，原调档不适用",
    )
    return waiting.height


# ---- 异议 ---- #
def record_objection(
    store: Store,
    *,
    year: int,
    uscc: str,
    received: dt.date,
    from_whom: str,
    claim: str,
    evidence: str | None = None,
    who: str,
) -> int:
    """Log an objection to the year's notice; returns its number.

    Raises:
        StoreError: the year was never posted, the firm is not on the posted list, the date is
            before the notice began, or who objected / what is claimed is missing.
    """
    uscc = normalise_uscc(uscc)
    from_whom = _required(from_whom, "异议人（--from）")
    claim = _required(claim, "异议内容（--claim）")
    with store.transaction() as con:
        posted = notices(store, year)
        if not posted:
            msg = (
                f"评价年度 {year} 尚未公示，不能登记异议。\n"
                f"提示：mujun notice --year {year} --start … --end … 发起公示。"
            )
            raise StoreError(msg)
        notice = posted[-1]
        listed = store.first_row(
            "SELECT name FROM results WHERE run_id = ? AND uscc = ?", [notice.run_id, uscc]
        )
        if listed is None:
            msg = (
                f"企业 {uscc} 不在评价年度 {year} 的公示名单（运行 {notice.run_id}）中。\n"
                "提示：用 mujun card --firm 名称片段 查找企业的统一社会信用代码。"
            )
            raise StoreError(msg)
        if received < notice.start:
            msg = f"收到日期 {received} 早于公示开始日期 {notice.start}。"
            raise StoreError(msg)
        objection_id = store.next_id("objections", "objection_id")
        con.execute(
            "INSERT INTO objections VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, "
            "NULL, NULL)",
            [objection_id, year, uscc, received, from_whom, claim,
             evidence.strip() if evidence and evidence.strip() else None, who, now()],
        )  # fmt: skip
    return objection_id


@dataclass(frozen=True)
class ObjectionDecision:
    """An objection decided."""

    objection_id: int
    year: int
    uscc: str
    outcome: str
    """'upheld' or 'rejected'."""
    label: str
    """异议成立 / 异议不成立."""
    late: bool
    """Received after the notice ended."""


def decide_objection(
    store: Store,
    *,
    objection_id: int,
    outcome: Literal["upheld", "rejected"],
    who: str,
    note: str,
) -> ObjectionDecision:
    """Decide an objection: upheld (成立) or rejected (不成立), with the reason given to the firm.

    Raises:
        StoreError: unknown objection or outcome, no reason, or already decided.
    """
    if outcome not in OUTCOMES:
        msg = f"未知的处理结果 {outcome!r}。\n提示：upheld（异议成立）或 rejected（异议不成立）。"
        raise StoreError(msg)
    note = _required(note, "处理意见（--note）")
    with store.transaction() as con:
        row = objection_row(store, objection_id)
        if row["outcome"] is not None:
            msg = (
                f"异议第 {objection_id} 号已于 {row['decided_at']:%Y-%m-%d} 由 {row['decided_by']} "
                f"决定为{OUTCOMES[row['outcome']]}，不再更改。"
            )
            raise StoreError(msg)
        con.execute(
            "UPDATE objections SET outcome = ?, decided_by = ?, decided_at = ?, "
            "decision_note = ? WHERE objection_id = ?",
            [outcome, who, now(), note, objection_id],
        )
    return ObjectionDecision(
        objection_id=objection_id,
        year=row["evaluation_year"],
        uscc=row["uscc"],
        outcome=outcome,
        label=OUTCOMES[outcome],
        late=_late(store, row["evaluation_year"], row["received"]),
    )


def _late(store: Store, year: int, received: dt.date) -> bool:
    posted = notices(store, year)
    return bool(posted) and received > posted[-1].end


# ---- 调档 ---- #
@dataclass(frozen=True)
class Adjusted:
    """A manual class adjustment recorded."""

    adjustment_id: int
    run_id: int
    state: str
    uscc: str
    name: str | None
    from_class: str
    to_class: str
    reason: str
    objection_id: int | None


def adjust(
    store: Store,
    *,
    year: int,
    uscc: str,
    to_class: str,
    reason: str,
    who: str,
    objection_id: int | None = None,
) -> Adjusted:
    """Change a firm's class by decision (调档), with a reason; it belongs to the year.

    It is recorded on the year's working run (a draft, or the run on notice: the posted list
    stays as posted, the change shows in the 认定稿) and re-applied to every later run of the
    year. An objection it answers that is still open is marked upheld.

    Raises:
        StoreError: no reason, no run to adjust (the year is decided and not rescored), an
            unknown class, the firm not in the run or without a class, the class unchanged, or
            an objection of another firm or year, or rejected.
    """
    uscc = normalise_uscc(uscc)
    reason = _required(reason, "人工调档的理由（--reason，将公开）")
    with store.transaction() as con:
        target = working_run(store, year)
        if target is None:
            msg = (
                f"评价年度 {year} 没有可调档的内部审核稿或公示稿（认定稿不可更改）。\n"
                f"提示：mujun run --year {year} 重新评价得到新的内部审核稿，调档后再认定。"
            )
            raise StoreError(msg)
        labels = [
            r[0]
            for r in store.con.execute(
                "SELECT label FROM run_classes WHERE run_id = ? ORDER BY ord", [target]
            ).fetchall()
        ]
        if to_class not in labels:
            msg = f"等级 {to_class!r} 不是 {'、'.join(labels)} 之一（运行 {target} 的评价方法）。"
            raise StoreError(msg)
        firm = store.frame(
            "SELECT name, final_class, class_label, eval_status FROM final_results "
            "WHERE run_id = ? AND uscc = ?",
            [target, uscc],
        )
        if firm.is_empty():
            msg = (
                f"企业 {uscc} 不在运行 {target} 中。\n"
                "提示：用 mujun history --firm 名称片段 查找企业的统一社会信用代码。"
            )
            raise StoreError(msg)
        name, before, engine, status = firm.row(0)
        if status not in _CLASSED:
            msg = f"企业 {uscc} {name or ''} 在运行 {target} 中没有参与分类（{before}），不能调档。"
            raise StoreError(msg)
        if before == to_class:
            msg = f"企业 {uscc} {name or ''} 在运行 {target} 中已是 {to_class} 类。"
            raise StoreError(msg)
        if objection_id is not None:
            row = objection_row(store, objection_id)
            if row["uscc"] != uscc or row["evaluation_year"] != year:
                msg = (
                    f"异议第 {objection_id} 号是企业 {row['uscc']}（评价年度 "
                    f"{row['evaluation_year']}）的，不是 {uscc}（{year}）的。"
                )
                raise StoreError(msg)
            if row["outcome"] == "rejected":
                msg = f"异议第 {objection_id} 号已决定为异议不成立，不能据此调档。"
                raise StoreError(msg)
            if row["outcome"] is None:
                con.execute(
                    "UPDATE objections SET outcome = 'upheld', decided_by = ?, decided_at = ?, "
                    "decision_note = ? WHERE objection_id = ?",
                    [who, now(), f"调档 {before}→{to_class}：{reason}", objection_id],
                )
        adjustment_id = insert_adjustment(
            store, target, uscc=uscc, from_class=before, engine_class=engine, to_class=to_class,
            reason=reason, who=who, objection_id=objection_id,
        )  # fmt: skip
        state = run_info(store, target)["status"]
    return Adjusted(
        adjustment_id=adjustment_id, run_id=target, state=state, uscc=uscc, name=name,
        from_class=before, to_class=to_class, reason=reason, objection_id=objection_id,
    )  # fmt: skip


def resolve_review(
    store: Store, *, year: int, uscc: str, keep: bool, who: str, note: str | None = None
) -> Adjusted | None:
    """Decide an adjustment a rescore could not carry: keep its class, or drop it.

    ``keep`` records it again on the working run (from the new engine class; nothing to
    record when the engine now gives that class); dropping lets the engine's class stand and
    withdraws it for later runs of the year too. One transaction either way.

    Returns:
        The adjustment recorded again (None when dropped or when none was needed).

    Raises:
        StoreError: no open review for the firm on the year's working run, or ``keep`` for a
            firm the new run does not class.
    """
    uscc = normalise_uscc(uscc)
    with store.transaction():
        target = working_run(store, year)
        waiting = (
            reviews(store, run_id=target).filter(
                (pl.col("status") == "open") & (pl.col("uscc") == uscc)
            )
            if target is not None
            else pl.DataFrame()
        )
        if target is None or waiting.is_empty():
            msg = (
                f"评价年度 {year} 没有企业 {uscc} 待决定的调档。\n"
                f"提示：mujun status --year {year} 列出待决定的调档。"
            )
            raise StoreError(msg)
        review = waiting.row(0, named=True)
        if not keep:
            close_reviews(
                store, [review["review_id"]], status="dropped", who=who,
                note=note or "采用重新评价结果，原调档不再适用",
            )  # fmt: skip
            return None
        firm = store.frame(
            "SELECT name, final_class, class_label, eval_status FROM final_results "
            "WHERE run_id = ? AND uscc = ?",
            [target, uscc],
        )
        if firm.is_empty() or firm.item(0, "eval_status") not in _CLASSED:
            msg = (
                f"企业 {uscc} 在运行 {target} 中没有参与分类，原调档无法继续适用。\n"
                f"提示：mujun review --year {year} --firm {uscc} --drop。"
            )
            raise StoreError(msg)
        name, before, engine, _ = firm.row(0)
        close_reviews(
            store, [review["review_id"]], status="kept", who=who, note=note or "原调档继续适用"
        )
        if before == review["to_class"]:
            return None
        reason = review["reason"] + (f"（复核：{note}）" if note else "（重新评价后复核继续适用）")
        adjustment_id = insert_adjustment(
            store, target, uscc=uscc, from_class=before, engine_class=engine,
            to_class=review["to_class"], reason=reason, who=who,
            objection_id=review["objection_id"],
        )  # fmt: skip
        state = run_info(store, target)["status"]
    return Adjusted(
        adjustment_id=adjustment_id, run_id=target, state=state, uscc=uscc, name=name,
        from_class=before, to_class=review["to_class"], reason=reason,
        objection_id=review["objection_id"],
    )  # fmt: skip


# ---- 认定 ---- #
@dataclass(frozen=True)
class FinalOutcome:
    """A year decided (认定)."""

    year: int
    run_id: int
    superseded: int | None
    """The earlier 认定 run this one replaced."""
    notice: Notice | None
    """The notice the decision follows (None: decided without 公示)."""
    changes: pl.DataFrame
    """Firms whose class differs from the posted list: uscc, name, notice_class, final_class,
    why."""
    confirmed_reviews: int
    open_objections: pl.DataFrame
    """Objections still undecided (only when confirmed)."""


def decide_final(
    store: Store,
    *,
    year: int,
    who: str,
    confirm: bool = False,
    run_id: int | None = None,
    supersede: bool = False,
) -> FinalOutcome:
    """Decide the year's final list (认定) from its working run (or ``run_id``).

    The year's adjustments are carried to the run first. Refused while adjustments need
    review or objections are undecided, unless ``confirm`` (then the engine's class stands for
    those firms and the objections stay open, both listed). A year already decided needs
    ``supersede``.

    Raises:
        StoreError: nothing to decide, open reviews or objections without ``confirm``, or a
            decided year without ``supersede``.
    """
    undecided = objections(store, year).filter(pl.col("outcome").is_null())
    if undecided.height and not confirm:
        lines = "\n".join(
            f"  第 {r['objection_id']} 号 {r['uscc']} {r['name'] or ''}：{r['claim']}"
            for r in undecided.head(10).iter_rows(named=True)
        )
        msg = (
            f"评价年度 {year} 有 {undecided.height} 项异议尚未处理，暂不能认定：\n{lines}\n"
            "提示：mujun objection decide --id … --upheld/--rejected --note … 处理；"
            "确需先认定时加 --confirm。"
        )
        raise StoreError(msg)
    final, replaced = st.publish(
        store, year=year, run_id=run_id, supersede=supersede, confirm=confirm, who=who
    )
    confirmed = store.first_row(
        "SELECT count(*) FROM adjustment_reviews WHERE run_id = ? AND status = 'confirmed'",
        [final],
    )
    posted = notices(store, year)
    return FinalOutcome(
        year=year,
        run_id=final,
        superseded=replaced,
        notice=posted[-1] if posted else None,
        changes=changes_since_notice(store, year, run_id=final),
        confirmed_reviews=int(confirmed[0]) if confirmed else 0,
        open_objections=undecided,
    )


CHANGE_COLUMNS: Final = {
    "uscc": "统一社会信用代码",
    "name": "企业名称",
    "notice_class": "公示等级",
    "final_class": "认定等级",
    "why": "变动原因",
}


def changes_since_notice(store: Store, year: int, /, *, run_id: int | None = None) -> pl.DataFrame:
    """Firms whose class in a run (default: 认定, else working run) differs from the posted list.

    Empty when the year was never posted.
    """
    posted = notices(store, year)
    empty = pl.DataFrame(schema=dict.fromkeys(CHANGE_COLUMNS, pl.String))
    target = run_id if run_id is not None else (final_run(store, year) or working_run(store, year))
    if not posted or target is None:
        return empty
    notice = posted[-1]
    before = firm_results(store, notice.run_id, as_of=notice.created_at).select(
        "uscc", "name", pl.col("final_class").alias("notice_class")
    )
    after = firm_results(store, target).select(
        "uscc",
        pl.col("name").alias("name_after"),
        "final_class",
        "adjusted",
        "adjustment_reason",
        "objection_id",
    )
    rescored = target != notice.run_id
    why = (
        pl.when(pl.col("adjusted") & pl.col("objection_id").is_not_null())
        .then(
            pl.format("调档（异议第{}号）：{}", pl.col("objection_id"), pl.col("adjustment_reason"))
        )
        .when(pl.col("adjusted"))
        .then(pl.format("调档：{}", pl.col("adjustment_reason")))
        .when(pl.lit(rescored))
        .then(pl.lit("重新评价（事实数据更正）"))
        .otherwise(pl.lit(""))
    )
    return (
        before.join(after, on="uscc", how="full", coalesce=True)
        .filter(pl.col("notice_class").ne_missing(pl.col("final_class")))
        .select(
            "uscc",
            pl.coalesce("name_after", "name").alias("name"),
            pl.col("notice_class").fill_null("（未列入）"),
            pl.col("final_class").fill_null("（未列入）"),
            why.alias("why"),
        )
        .sort("uscc")
    )
