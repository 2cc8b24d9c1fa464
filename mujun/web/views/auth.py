"""Logging in and out."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mujun.web import audit
from mujun.web.db import BusyError, WebDB
from mujun.web.pages import render_for
from mujun.web.users import (
    ThrottledError,
    authenticate,
    end_session,
    has_users,
    record_attempt,
    session_user,
    start_session,
)


def _safe_next(target: str) -> str:
    """Only a path on this site (no ``//host`` or scheme): no open redirect."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


async def login(request: Request) -> Response:
    """The login form, and signing in (throttled, argon2-checked)."""
    db: WebDB = request.app.state.db
    nxt = _safe_next(request.query_params.get("next", "/"))
    if request.method == "GET":
        with db.read() as store:
            any_user = has_users(store)
        return render_for(
            request, "login.html", user=None, db=db, next=nxt, name="", message="",
            has_users=any_user,
        )  # fmt: skip
    form = await request.form()
    name = str(form.get("name", "")).strip()[:100]
    password = str(form.get("password", ""))[:1000]
    nxt = _safe_next(str(form.get("next", "/")))
    ip = request.client.host if request.client else "?"

    def check() -> tuple[str | None, str]:
        try:
            with db.read() as store:
                user = authenticate(store, name=name, password=password, ip=ip)
        except ThrottledError:
            with db.write() as store:
                audit.record(store, who=name, action="登录受限（失败次数过多）",
                             after={"用户名": name, "来源地址": ip})  # fmt: skip
            raise
        with db.write() as store:
            record_attempt(store, name=name, ip=ip, ok=user is not None)
            # NOTE: the audit names the attempted login and the address, never the password.
            who = name if user is None else f"{user.display_name}（{user.name}）"
            audit.record(store, who=who, action="登录成功" if user else "登录失败",
                         after={"用户名": name, "来源地址": ip})  # fmt: skip
            if user is None:
                return None, "用户名或密码不正确。"
            return start_session(store, user), ""

    try:
        sid, message = await run_in_threadpool(check)
    except ThrottledError as exc:
        return render_for(
            request, "login.html", user=None, db=db, next=nxt, name=name, message=str(exc),
            has_users=True, status=429,
        )  # fmt: skip
    except BusyError as exc:
        return render_for(
            request, "login.html", user=None, db=db, next=nxt, name=name, message=str(exc),
            has_users=True, status=503,
        )  # fmt: skip
    if sid is None:
        return render_for(
            request, "login.html", user=None, db=db, next=nxt, name=name, message=message,
            has_users=True, status=401,
        )  # fmt: skip
    request.session.clear()  # a new session id at every login (no fixation)
    request.session["sid"] = sid
    return RedirectResponse(nxt, status_code=303)


async def logout(request: Request) -> Response:
    """End the session (the id stops working on the server too)."""
    db: WebDB = request.app.state.db
    sid = request.session.get("sid")
    if sid:

        def end() -> None:
            with db.write() as store:
                user = session_user(store, sid)
                end_session(store, sid)
                if user is not None:
                    audit.record(
                        store, who=f"{user.display_name}（{user.name}）", action="退出登录"
                    )

        await run_in_threadpool(end)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


routes = [
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
]
