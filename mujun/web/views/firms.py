"""企业画像: a firm's card (the report's own card), its indicators, objections and adjustments."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from mujun import store as st
from mujun.profiles.models import Profile
from mujun.report.html import firm_card
from mujun.web import ops, tables
from mujun.web import permissions as perm
from mujun.web.pages import Ctx, page, render


def firm_page(ctx: Ctx) -> Response:
    """The firm in one run, with what was decided about it this year."""
    run_id = ctx.path_int("run_id")
    uscc = ctx.request.path_params["uscc"]
    with ctx.db.read() as store:
        perm.check_firm(store, ctx.user, run_id, uscc)
        firm = tables.firm_row(store, run_id, uscc)
        info = st.run_info(store, run_id)
        profile = Profile.model_validate(json.loads(info["profile_json"]))
        items = tables.firm_items(store, run_id, uscc).to_dicts()
        history = st.history(store, uscc).to_dicts()
        year = int(info["evaluation_year"])
        decisions = tables.firm_decisions(store, year, uscc)
    labels = {k: (v.label, v.unit) for k, v in profile.indicators.items()}
    return render(
        ctx,
        "firm.html",
        title=f"{firm['name'] or uscc} 企业画像",
        run_id=run_id,
        run=info,
        year=year,
        firm=firm,
        items=items,
        labels=labels,
        history=history,
        classes=list(profile.classification.labels),
        class_names=profile.class_names(),
        states=tables.RUN_STATES,
        status_labels=tables.STATUS_LABELS,
        item_labels=tables.ITEM_STATUS_LABELS,
        **decisions,
    )


def card(ctx: Ctx) -> Response:
    """The firm's report card, exactly as ``mujun card`` writes it (shown in a frame)."""
    run_id = ctx.path_int("run_id")
    uscc = ctx.request.path_params["uscc"]
    with ctx.db.read() as store:
        perm.check_firm(store, ctx.user, run_id, uscc)
        view = ops.year_view(store, run_id)
        with tempfile.TemporaryDirectory() as folder:
            written = firm_card(view, uscc, Path(folder) / "card.html", store=store)
            html = written.read_text(encoding="utf-8")
    return HTMLResponse(html)


routes = [
    Route("/runs/{run_id:int}/firms/{uscc:str}", page(firm_page)),
    Route("/runs/{run_id:int}/firms/{uscc:str}/card", page(card)),
]
