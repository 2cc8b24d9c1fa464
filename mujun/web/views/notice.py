"""公示与异议: start the notice, record and decide objections, adjust, 认定 with confirmation."""

from __future__ import annotations

import datetime as dt
from typing import Literal, cast

from starlette.responses import Response
from starlette.routing import Route

from mujun.web import audit, ops, tables
from mujun.web import permissions as perm
from mujun.web.pages import Ctx, page, redirect, render
from mujun.web.views.auth import _safe_next


def _date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        msg = f"{what}“{text}”不是有效日期，请按 年-月-日 填写（例如 2024-05-01）。"
        raise ops.OperationError(msg) from None


def notice_page(ctx: Ctx) -> Response:
    """The year's notice, objections and adjustments, and the forms to act on them."""
    year = ctx.path_int("year")
    with ctx.db.read() as store:
        overview = tables.year_overview(store, ctx.user, year)
        objections = tables.year_objections(store, ctx.user, year)
        adjustments = tables.year_adjustments(store, ctx.user, year)
        reviews = tables.open_reviews(store, ctx.user, year)
        preview = None
        if ctx.user.role in perm.ACTIONS["write"] and overview["has_notice"]:
            preview = tables.visible_changes(
                store, ctx.user, year, ops.final_preview(store, year=year)
            )
    today = dt.datetime.now(tz=dt.UTC).date()
    return render(
        ctx,
        "notice.html",
        title=f"{year} 年度公示与异议",
        year=year,
        o=overview,
        objections=objections,
        adjustments=adjustments,
        reviews=reviews,
        preview=preview,
        today=today,
        end_default=today + dt.timedelta(days=7),
    )


def start(ctx: Ctx) -> Response:
    """Post a run for public notice (公示) with its dates and where to object."""
    year = ctx.path_int("year")
    run_id = ctx.int_param("run")
    with ctx.db.write() as store:
        if run_id is None:
            msg = "请选择要公示的评价结果。"
            raise ops.OperationError(msg)
        perm.check_run_write(store, ctx.user, run_id)
        notice = ops.start_notice(
            store,
            year=year,
            run_id=run_id,
            start=_date(ctx.param("start"), "公示开始日期"),
            end=_date(ctx.param("end"), "公示结束日期"),
            contact=ctx.param("contact"),
            issuer=ctx.param("issuer"),
            who=ctx.who,
        )
        audit.record(
            store,
            who=ctx.who,
            action="开始公示",
            target=f"运行 {run_id}",
            before={"状态": "内部审核稿"},
            after={"状态": "公示稿", "公示": str(notice)},
        )
    return redirect(f"/year/{year}/notice")


def objection(ctx: Ctx) -> Response:
    """Record an objection received about a firm."""
    year = ctx.path_int("year")
    uscc = ctx.param("uscc")
    with ctx.db.write() as store:
        county = perm.check_year_firm(store, ctx.user, year, uscc)
        received = _date(ctx.param("received"), "收到日期")
        objection_id = ops.record_objection(
            store,
            year=year,
            uscc=uscc,
            received=received,
            from_whom=ctx.param("from_whom"),
            claim=ctx.param("claim"),
            evidence=ctx.param("evidence") or None,
            who=ctx.who,
        )
        audit.record(
            store,
            who=ctx.who,
            action="记录异议",
            county=county,
            target=f"{uscc} 异议 {objection_id}",
            after={"收到": str(received), "提出人": ctx.param("from_whom"),
                   "内容": ctx.param("claim")},
        )  # fmt: skip
    return redirect(_safe_next(ctx.param("back")) if ctx.param("back") else f"/year/{year}/notice")


def decide(ctx: Ctx) -> Response:
    """Decide an objection (upheld / rejected) with a note."""
    objection_id = ctx.path_int("objection_id")
    outcome = ctx.param("outcome")
    if outcome not in ("upheld", "rejected"):
        msg = "请选择处理结果：异议成立或异议不成立。"
        raise ops.OperationError(msg)
    with ctx.db.write() as store:
        year, uscc = perm.check_objection(store, ctx.user, objection_id)
        ops.decide_objection(
            store,
            objection_id=objection_id,
            outcome=cast("Literal['upheld', 'rejected']", outcome),
            who=ctx.who,
            note=ctx.param("note"),
        )
        audit.record(
            store,
            who=ctx.who,
            action="处理异议",
            target=f"{uscc} 异议 {objection_id}",
            before={"结果": None},
            after={"结果": "异议成立" if outcome == "upheld" else "异议不成立",
                   "说明": ctx.param("note")},
        )  # fmt: skip
    return redirect(_safe_next(ctx.param("back")) if ctx.param("back") else f"/year/{year}/notice")


def adjust(ctx: Ctx) -> Response:
    """A manual class adjustment with its reason (optionally answering an objection)."""
    year = ctx.path_int("year")
    uscc = ctx.param("uscc")
    with ctx.db.write() as store:
        county = perm.check_year_firm(store, ctx.user, year, uscc)
        objection_id = ctx.int_param("objection_id")
        if objection_id is not None:
            perm.check_objection(store, ctx.user, objection_id)
        done = ops.adjust(
            store,
            year=year,
            uscc=uscc,
            to_class=ctx.param("to_class"),
            reason=ctx.param("reason"),
            who=ctx.who,
            objection_id=objection_id,
        )
        audit.record(
            store,
            who=ctx.who,
            action="人工调档",
            county=county,
            target=f"{uscc}（运行 {getattr(done, 'run_id', '')}）",
            before={"等级": getattr(done, "from_class", None)},
            after={"等级": ctx.param("to_class"), "理由": ctx.param("reason"),
                   "异议": objection_id},
        )  # fmt: skip
    return redirect(_safe_next(ctx.param("back")) if ctx.param("back") else f"/year/{year}/notice")


def review(ctx: Ctx) -> Response:
    """Keep or drop a decision a rescore could not carry."""
    year = ctx.path_int("year")
    uscc = ctx.param("uscc")
    keep = ctx.param("keep")
    if keep not in ("1", "0"):
        msg = "请选择：继续适用原调档，或不再适用。"
        raise ops.OperationError(msg)
    with ctx.db.write() as store:
        county = perm.check_year_firm(store, ctx.user, year, uscc)
        done = ops.resolve_review(
            store, year=year, uscc=uscc, keep=keep == "1", who=ctx.who,
            note=ctx.param("note") or None,
        )  # fmt: skip
        audit.record(
            store,
            who=ctx.who,
            action="决定重新计算后的调档",
            county=county,
            target=uscc,
            before={"状态": "待决定"},
            after={"决定": "继续适用" if keep == "1" else "不再适用", "记录": str(done),
                   "说明": ctx.param("note")},
        )  # fmt: skip
    return redirect(f"/year/{year}/notice")


def final(ctx: Ctx) -> Response:
    """认定: only with the confirmation box ticked after reading the changes since 公示."""
    year = ctx.path_int("year")
    if ctx.param("confirm") != "1":
        msg = "认定前请阅读“公示以来的变化”，并勾选确认。"
        raise ops.OperationError(msg)
    with ctx.db.write() as store:
        runs = tables.year_runs(store, ctx.user, year)
        for run_id in runs.filter(runs["status"] == "notice")["run_id"].to_list():
            perm.check_run_write(store, ctx.user, int(run_id))
        decided = ops.decide_final(store, year=year, who=ctx.who, confirm=True)
        audit.record(
            store,
            who=ctx.who,
            action="认定",
            target=f"{year} 年度",
            before={"状态": "公示稿"},
            after={"状态": "认定稿", "结果": str(decided)},
        )
    return redirect(f"/year/{year}")


routes = [
    Route("/year/{year:int}/notice", page(notice_page)),
    Route("/year/{year:int}/notice", page(start, action="write"), methods=["POST"]),
    Route("/year/{year:int}/objections", page(objection, action="write"), methods=["POST"]),
    Route("/objections/{objection_id:int}/decide", page(decide, action="write"), methods=["POST"]),
    Route("/year/{year:int}/adjust", page(adjust, action="write"), methods=["POST"]),
    Route("/year/{year:int}/reviews", page(review, action="write"), methods=["POST"]),
    Route("/year/{year:int}/final", page(final, action="write"), methods=["POST"]),
]
