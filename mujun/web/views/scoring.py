"""评价计算: choose a method, score the year, classes per township and cohort, the firm table."""

from __future__ import annotations

import functools
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from mujun.errors import MujunError
from mujun.profiles import available_profiles, load_profile
from mujun.web import audit, ops, tables
from mujun.web import permissions as perm
from mujun.web.pages import Ctx, page, redirect, render


def _profiles() -> dict[str, str]:
    """Shipped methods → title (a method whose file does not load is left out of the list)."""
    found = available_profiles()
    return dict(
        _titles(tuple((name, str(path), path.stat().st_mtime) for name, path in found.items()))
    )


@functools.lru_cache(maxsize=8)
def _titles(files: tuple[tuple[str, str, float], ...]) -> tuple[tuple[str, str], ...]:
    # NOTE: keyed by each file's modification time, so an edited profile is read again.
    titles = []
    for name, path, _ in files:
        try:
            titles.append((name, load_profile(path).meta.title))
        except MujunError:
            continue
    return tuple(titles)


def score_page(ctx: Ctx) -> Response:
    """The year's runs, the chosen run's classes and its firm table."""
    year = ctx.path_int("year")
    with ctx.db.read() as store:
        runs = tables.year_runs(store, ctx.user, year)
        run_id = ctx.int_param("run") or (int(runs.item(0, "run_id")) if runs.height else None)
        context: dict[str, Any] = {"run_id": run_id}
        if run_id is not None:
            perm.check_run(store, ctx.user, run_id)
            query = tables.FirmQuery.from_params(ctx.request.query_params)
            frame, total = tables.firm_page(store, ctx.user, run_id, query)
            context = {
                "by_township": tables.class_counts(store, ctx.user, run_id, by="township"),
                "by_cohort": tables.class_counts(store, ctx.user, run_id, by="cohort"),
                **_table_context(store, ctx, run_id=run_id, query=query, frame=frame, total=total),
            }
    return render(
        ctx,
        "score.html",
        title=f"{year} 年度评价计算",
        year=year,
        runs=runs.to_dicts(),
        states=tables.RUN_STATES,
        profiles=_profiles(),
        **context,
    )


def _table_context(
    store: object, ctx: Ctx, /, *, run_id: int, query: tables.FirmQuery, frame: object, total: int
) -> dict[str, Any]:
    pages = max(1, -(-total // tables.PER_PAGE))
    return {
        "run_id": run_id,
        "q": query,
        "firms": frame.to_dicts(),  # type: ignore[attr-defined]
        "total": total,
        "pages": pages,
        "facets": tables.facets(store, ctx.user, run_id),  # type: ignore[arg-type]
        "status_labels": tables.STATUS_LABELS,
    }


def firm_table(ctx: Ctx) -> Response:
    """The firm table alone (htmx swaps it in; without JavaScript it is a page of its own)."""
    run_id = ctx.path_int("run_id")
    query = tables.FirmQuery.from_params(ctx.request.query_params)
    with ctx.db.read() as store:
        perm.check_run(store, ctx.user, run_id)
        frame, total = tables.firm_page(store, ctx.user, run_id, query)
        context = _table_context(store, ctx, run_id=run_id, query=query, frame=frame, total=total)
        year = int(tables.run_year(store, run_id))
    name = "firm_table.html" if ctx.request.headers.get("hx-request") == "true" else "firms.html"
    return render(ctx, name, title=f"企业名单（运行 {run_id}）", year=year, **context)


def score(ctx: Ctx) -> Response:
    """Score the year with the chosen method (the operation ``mujun run`` calls)."""
    year = ctx.path_int("year")
    profile = ctx.param("profile")
    if profile not in available_profiles():
        raise perm.NotFoundError("没有这个评价方法。")
    note = ctx.param("note") or None
    with ctx.db.read() as store:
        data_year = year + load_profile(profile).data_year_offset
        counties = tables.fact_counties(store, data_year)
    if not counties:
        msg = f"数据年度 {data_year} 还没有入库的数据，请先在“数据导入”中上传并接收。"
        raise ops.OperationError(msg)
    if not perm.covers(ctx.user, counties):
        raise perm.ForbiddenError("该年度数据包含您无权管理的县（市、区），不能计算。")
    with ctx.db.write() as store:
        run_id = ops.score_year(store, year=year, profile=profile, note=note, who=ctx.who)
        audit.record(
            store,
            who=ctx.who,
            action="评价计算",
            county="、".join(c or "" for c in counties),
            target=f"运行 {run_id}",
            after={"评价年度": year, "方法": profile, "备注": note},
        )
    return redirect(f"/year/{year}/score?run={run_id}")


routes = [
    Route("/year/{year:int}/score", page(score_page)),
    Route("/year/{year:int}/score", page(score, action="write"), methods=["POST"]),
    Route("/runs/{run_id:int}/firms", page(firm_table)),
]
