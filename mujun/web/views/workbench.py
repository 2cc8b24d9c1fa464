"""年度工作台: each step of the year's cycle with its state and counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from starlette.responses import Response
from starlette.routing import Route

from mujun.web import permissions as perm
from mujun.web import tables
from mujun.web import uploads as up
from mujun.web.pages import Ctx, page, redirect, render
from mujun.web.permissions import county_filter


def default_year(ctx: Ctx) -> int:
    """The newest evaluation year the user has data for, else this calendar year."""
    with ctx.db.read() as store:
        known = tables.years(store, ctx.user)
    return known[0] if known else dt.datetime.now(tz=dt.UTC).year


def home(ctx: Ctx) -> Response:
    """The workbench of the newest year (auditors: the audit log)."""
    if not perm.allowed(ctx.user, "view"):
        return redirect("/audit")
    return redirect(f"/year/{default_year(ctx)}")


def to_year(section: str) -> Callable[[Ctx], Response]:
    """``/score`` → ``/year/<newest>/score`` (and so on for each section)."""

    def view(ctx: Ctx) -> Response:
        return redirect(f"/year/{default_year(ctx)}/{section}")

    return view


def year_page(ctx: Ctx) -> Response:
    """The year's cycle: imports, runs, 公示, objections, 认定."""
    year = ctx.path_int("year")
    with ctx.db.read() as store:
        overview = tables.year_overview(store, ctx.user, year)
        cond, params = county_filter(ctx.user)
        pending = up.listing(store, f"{cond} AND data_year = {year - 1}", params)
        known = tables.years(store, ctx.user)
    return render(
        ctx,
        "workbench.html",
        title=f"{year} 年度工作台",
        year=year,
        years=sorted({*known, year}, reverse=True),
        o=overview,
        uploads=pending.to_dicts(),
        upload_labels=up.STATUS_LABELS,
    )


routes = [
    Route("/", page(home, action="signed_in")),
    Route("/score", page(to_year("score"))),
    Route("/notice", page(to_year("notice"))),
    Route("/downloads", page(to_year("downloads"))),
    Route("/year/{year:int}", page(year_page)),
]


def switch(ctx: Ctx) -> Response:
    """The year picker's target (works without JavaScript)."""
    year = ctx.int_param("year")
    return redirect(f"/year/{year}" if year else "/")


routes.append(Route("/year-switch", page(switch)))
