"""用户管理 (admins) and 审计日志 (admins and auditors)."""

from __future__ import annotations

import json

from starlette.responses import Response
from starlette.routing import Route

from mujun.web import audit
from mujun.web.pages import Ctx, page, redirect, render
from mujun.web.users import ROLES, add_user, list_users

AUDIT_PAGE = 100


def users_page(ctx: Ctx) -> Response:
    """Every user and a form for a new one."""
    with ctx.db.read() as store:
        users = list_users(store).to_dicts()
    for u in users:
        u["counties"] = "、".join(json.loads(u["counties"]))
    return render(ctx, "users.html", title="用户管理", users=users, roles=ROLES)


def add(ctx: Ctx) -> Response:
    """Create a user (the same function as ``mujun users add``)."""
    counties = [c for c in ctx.param("counties").replace("、", ",").split(",") if c.strip()]
    with ctx.db.write() as store:
        add_user(
            store,
            name=ctx.param("name"),
            display_name=ctx.param("display_name") or None,
            password=ctx.form.get("password", ""),
            role=ctx.param("role"),
            counties=counties,
            who=ctx.who,
        )
    return redirect("/admin/users")


def audit_page(ctx: Ctx) -> Response:
    """The audit log, newest first, a page at a time."""
    page_no = max(1, ctx.int_param("page", 1) or 1)
    with ctx.db.read() as store:
        entries = audit.entries(store, limit=AUDIT_PAGE, offset=(page_no - 1) * AUDIT_PAGE)
    return render(
        ctx, "audit.html", title="审计日志", entries=entries.to_dicts(), page_no=page_no,
        more=entries.height == AUDIT_PAGE,
    )  # fmt: skip


routes = [
    Route("/admin/users", page(users_page, action="users")),
    Route("/admin/users", page(add, action="users"), methods=["POST"]),
    Route("/audit", page(audit_page, action="audit")),
]
