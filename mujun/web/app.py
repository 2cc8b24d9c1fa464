"""The app factory: the store, templates, static files, sessions, CSRF, upload limits, routes.

Middleware, outermost first: a body-size limit (uploads), CSRF (`asgi_csrf`, the double-submit
cookie Datasette uses: every form carries ``csrftoken``, htmx sends ``x-csrftoken``), security
headers, then the signed session cookie (HttpOnly, SameSite=Lax) that holds only a session id.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asgi_csrf as asgi_csrf_module  # type: ignore[import-untyped]
import jinja2
import python_multipart
from asgi_csrf import asgi_csrf
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mujun.web import pages
from mujun.web.db import WebDB
from mujun.web.uploads import Reader
from mujun.web.users import SESSION_HOURS, app_secret
from mujun.web.views import (
    admin,
    auth,
    downloads,
    firms,
    imports,
    notice,
    policy,
    scoring,
    workbench,
)

HERE = Path(__file__).parent
MAX_UPLOAD_ENV = "MUJUN_WEB_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_MB = 200


def max_upload_bytes() -> int:
    """The upload limit: ``MUJUN_WEB_MAX_UPLOAD_MB`` (default 200 MB) per request."""
    text = os.environ.get(MAX_UPLOAD_ENV, "")
    try:
        mb = float(text) if text else DEFAULT_MAX_UPLOAD_MB
    except ValueError:
        mb = DEFAULT_MAX_UPLOAD_MB
    return int(max(mb, 0.001) * 1e6)


def create_app(
    db_path: str | Path,
    /,
    *,
    work_dir: str | Path | None = None,
    max_upload: int | None = None,
    inline_imports: bool = False,
    write_wait: float = 20.0,
) -> Starlette:
    """The web app over one DuckDB file.

    Args:
        db_path: the store (created and migrated if new, as the CLI does).
        work_dir: where uploads and downloads are kept (default: beside the database,
            ``<name>.web/``).
        max_upload: the largest request body in bytes (default `max_upload_bytes`).
        inline_imports: read uploads in the request instead of the background (tests).
        write_wait: seconds a write waits for the one before it, then the page says the
            database is busy.
    """
    db = WebDB(db_path, write_wait=write_wait)
    with db.write() as store:
        secret = app_secret(store)
    work = Path(work_dir) if work_dir is not None else db.path.with_name(db.path.name + ".web")
    work.mkdir(parents=True, exist_ok=True)
    limit = max_upload if max_upload is not None else max_upload_bytes()
    reader = Reader(db, inline=inline_imports)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        reader.shutdown()
        db.close()

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, auto_reload=False
    )
    templates = Jinja2Templates(env=env)
    templates.env.filters["fmt"] = pages.fmt
    templates.env.filters["pretty_json"] = pages.pretty_json
    routes = [
        *auth.routes,
        *workbench.routes,
        *imports.routes,
        *scoring.routes,
        *firms.routes,
        *notice.routes,
        *downloads.routes,
        *policy.routes,
        *admin.routes,
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(BodyLimit, limit=limit),
        Middleware(Csrf, secret=secret),
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=secret,
            session_cookie="mujun_session",
            max_age=SESSION_HOURS * 3600,
            same_site="lax",
            https_only=False,  # an office LAN without TLS; set behind HTTPS if there is one
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.db = db
    app.state.templates = templates
    app.state.work = work
    app.state.reader = reader
    app.state.max_upload = limit
    return app


class _CsrfFormParser(python_multipart.FormParser):
    """python-multipart's parser as asgi-csrf 0.11 calls it.

    asgi-csrf passes ``FileClass`` (an argument python-multipart dropped in 0.0.26) to raise
    when a file part comes before the token; here the file callback raises the same error, so
    a form whose first field is not ``csrftoken`` is still refused (every upload form puts it
    first).
    """

    def __init__(
        self, content_type: str, on_field: Any, on_file: Any, *, boundary: bytes, **_: Any
    ) -> None:
        def file_first(_: object) -> None:
            raise asgi_csrf_module.FileBeforeToken

        super().__init__(content_type, on_field, file_first, boundary=boundary)


asgi_csrf_module.FormParser = _CsrfFormParser


class Csrf:
    """CSRF protection by `asgi_csrf` (double-submit cookie), with a page in Chinese on failure.

    The login form is protected too (``always_protect``), so a forged login is refused.
    """

    def __init__(self, app: ASGIApp, *, secret: str) -> None:
        self.app = asgi_csrf(
            app,
            signing_secret=secret,
            always_protect={"/login", "/logout"},
            send_csrf_failed=_csrf_failed,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point."""
        await self.app(scope, receive, send)


async def _csrf_failed(scope: Scope, send: Send, message_id: Any) -> None:
    body = _simple_page(
        "表单已失效",
        "表单缺少安全令牌或令牌已过期（CSRF 防护），操作没有执行。请返回、刷新页面后重新提交。",
    )
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", b"text/html; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _simple_page(title: str, message: str) -> bytes:
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
        f'<link rel="stylesheet" href="/static/mujun.css"></head><body><main><h1>{title}</h1>'
        f'<p class="notice error">{message}</p><p><a href="/">返回年度工作台</a></p></main>'
        "</body></html>"
    ).encode()


class BodyLimit:
    """Refuse a request body over the limit (413) before the app reads it."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLargeError
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLargeError:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        mb = self.limit / 1e6
        body = _simple_page(
            "文件过大",
            f"上传内容超过上限 {mb:,.0f} MB，未保存任何文件。请拆分文件后分批上传，"
            f"或由管理员调高 {MAX_UPLOAD_ENV}。",
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLargeError(Exception):
    pass


class SecurityHeaders:
    """No framing by other sites, no MIME sniffing, scripts only from this server."""

    HEADERS = (
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"SAMEORIGIN"),
        (b"referrer-policy", b"same-origin"),
        (
            b"content-security-policy",
            b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            b"img-src 'self' data:; frame-ancestors 'self'; form-action 'self'",
        ),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self.HEADERS]}
            await send(message)

        await self.app(scope, receive, with_headers)
