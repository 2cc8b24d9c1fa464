"""What every view shares: the signed-in user, permission asked once, errors as pages, rendering.

A view is a plain function ``(ctx) -> Response`` registered with `page`; it runs in a worker
thread (DuckDB and the engine block), after the session was checked and the role allowed the
view's action.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from mujun.errors import MujunError
from mujun.web import permissions as perm
from mujun.web.db import BusyError, WebDB
from mujun.web.users import User, session_user

MAX_FORM_FILES = 40
_STATUS: tuple[tuple[type[MujunError], int], ...] = (
    (perm.NotFoundError, 404),
    (perm.ForbiddenError, 403),
    (BusyError, 503),
)
"""Errors a view raises → the page's status (others: 400, the message says why)."""


@dataclass
class Ctx:
    """One request as a view sees it."""

    request: Request
    user: User
    db: WebDB
    form: Mapping[str, str] = field(default_factory=dict)
    files: list[UploadFile] = field(default_factory=list)

    def param(self, name: str, default: str = "") -> str:
        """A form field, else a query parameter, stripped."""
        value = self.form.get(name)
        if value is None:
            value = self.request.query_params.get(name, default)
        return str(value).strip()

    def int_param(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter (None or the default when absent or not a number)."""
        text = self.param(name)
        return int(text) if text.lstrip("-").isdigit() else default

    def path_int(self, name: str) -> int:
        """An integer path parameter (routes declare them as ``{name:int}``)."""
        return int(self.request.path_params[name])

    @property
    def who(self) -> str:
        """How the audit log and the cycle's records name the user."""
        return f"{self.user.display_name}（{self.user.name}）"


View = Callable[[Ctx], Response]


def templates(request: Request) -> Jinja2Templates:
    """The app's templates."""
    found: Jinja2Templates = request.app.state.templates
    return found


def render(ctx: Ctx, name: str, /, *, status: int = 200, **values: Any) -> Response:
    """Render a template with the user, the CSRF token and the navigation."""
    return render_for(ctx.request, name, user=ctx.user, db=ctx.db, status=status, **values)


def render_for(
    request: Request,
    name: str,
    /,
    *,
    user: User | None,
    db: WebDB,
    status: int = 200,
    **values: Any,
) -> Response:
    """Render for a request that may have no user (the login page, errors)."""
    token = request.scope.get("csrftoken")
    context = {
        "user": user,
        "csrftoken": token() if callable(token) else "",
        "can": (lambda action: user is not None and perm.allowed(user, action)),
        "busy": db.busy,
        "htmx": request.headers.get("hx-request") == "true",
        **values,
    }
    return templates(request).TemplateResponse(request, name, context, status_code=status)


def redirect(url: str) -> Response:
    """See other (after a successful form post)."""
    return RedirectResponse(url, status_code=303)


def _error(request: Request, user: User | None, db: WebDB, status: int, message: str) -> Response:
    titles = {400: "操作未完成", 403: "无权操作", 404: "未找到", 413: "文件过大", 503: "请稍候"}
    referer = request.headers.get("referer", "")
    own = f"{request.url.scheme}://{request.url.netloc}/"
    back = "/" + referer.removeprefix(own) if referer.startswith(own) else ""
    return render_for(
        request,
        "error.html",
        user=user,
        db=db,
        status=status,
        title=titles.get(status, "出错了"),
        message=message,
        back=back,
    )


def page(view: View, /, *, action: str = "view") -> Callable[[Request], Any]:
    """An endpoint: session → user (else the login page), role check, form, view, errors."""

    async def endpoint(request: Request) -> Response:
        db: WebDB = request.app.state.db
        sid = request.session.get("sid")
        user = await run_in_threadpool(_user_of, db, sid) if sid else None
        if user is None:
            target = "/login?next=" + quote(request.url.path)
            if request.headers.get("hx-request") == "true":
                return Response(status_code=401, headers={"HX-Redirect": target})
            return RedirectResponse(target, status_code=303)
        if not perm.allowed(user, action):
            return _error(request, user, db, 403, "您的角色无权查看或进行此操作。")
        ctx = Ctx(request, user, db)
        form: FormData | None = None
        if request.method == "POST":
            form = await request.form(max_files=MAX_FORM_FILES)
            ctx.form = {k: v for k, v in form.items() if isinstance(v, str)}
            ctx.files = [
                v for _, v in form.multi_items() if isinstance(v, UploadFile) and v.filename
            ]
        try:
            response: Response = await run_in_threadpool(view, ctx)
        except MujunError as exc:
            status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 400)
            return _error(request, user, db, status, str(exc))
        finally:
            if form is not None:
                await form.close()
        return response

    return endpoint


def _user_of(db: WebDB, sid: str) -> User | None:
    with db.read() as store:
        return session_user(store, sid)


def error_page(request: Request, status: int, message: str) -> Response:
    """An error page outside a view (middleware, unknown paths)."""
    db: WebDB = request.app.state.db
    sid = request.session.get("sid") if "session" in request.scope else None
    user = _user_of(db, sid) if sid else None
    return _error(request, user, db, status, message)


def fmt(value: object) -> str:
    """A cell for a page: numbers with two decimals, dates, blanks for nulls."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def pretty_json(text: str | None) -> str:
    """An audit value for reading (JSON, Chinese unescaped)."""
    if text is None:
        return ""
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text
