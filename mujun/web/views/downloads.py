"""下载: the 公示 workbook, the internal workbook, the region report and the CSV list of a run.

Files are written by the report stage's own functions (as ``mujun export`` writes them) into a
fresh folder under the server's work folder, sent, and deleted. A user who holds only some of
a run's counties gets their counties' firms only. Names are made by `safe_filename`, so a
township such as ``../x`` cannot leave the folder.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import polars as pl
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from mujun.report import write_table
from mujun.report.html import region_report, safe_filename
from mujun.report.internal import internal_workbook
from mujun.report.public_list import public_workbook
from mujun.report.publication import LIST_HEADERS, YearView, class_list
from mujun.store import Store
from mujun.web import ops, tables
from mujun.web import permissions as perm
from mujun.web.pages import Ctx, page, render
from mujun.web.users import User


def _csv(view: YearView, path: Path, store: Store, township: str | None) -> Path:
    return write_table(class_list(view, township=township).rename(LIST_HEADERS), path)


def _report(view: YearView, path: Path, store: Store, township: str | None) -> Path:
    return region_report(view, path, store=store)


KINDS: dict[str, tuple[str, str, Callable[[YearView, Path, Store, str | None], Path]]] = {
    "public": ("公示名单工作簿", "xlsx", lambda v, p, s, t: public_workbook(v, p, township=t)),
    "internal": ("内部工作簿", "xlsx", lambda v, p, s, t: internal_workbook(v, p, township=t)),
    "report": ("分析报告（网页）", "html", _report),
    "csv": ("名单 CSV", "csv", _csv),
}
"""Kind in the URL → (label, extension, writer)."""


def downloads_page(ctx: Ctx) -> Response:
    """The year's runs and what can be downloaded of each."""
    year = ctx.path_int("year")
    with ctx.db.read() as store:
        runs = tables.year_runs(store, ctx.user, year)
        townships = {
            int(r): tables.facets(store, ctx.user, int(r))["township"]
            for r in runs.get_column("run_id").to_list()[:1]
        }
    return render(
        ctx,
        "downloads.html",
        title=f"{year} 年度下载",
        year=year,
        runs=runs.to_dicts(),
        states=tables.RUN_STATES,
        kinds={k: v[0] for k, v in KINDS.items()},
        townships=townships,
    )


def scoped(view: YearView, user: User, store: Store, run_id: int) -> YearView:
    """The run as the user may see it: only their counties' firms (all when they hold all)."""
    if perm.covers(user, perm.run_counties(store, run_id)):
        return view
    cond, params = perm.county_filter(user)
    keep = store.frame(f"SELECT uscc FROM results WHERE run_id = ? AND {cond}", [run_id, *params])
    mine = pl.col("uscc").is_in(keep.get_column("uscc").implode())
    return dataclasses.replace(
        view,
        results=view.results.filter(mine),
        items=view.items.filter(mine),
        facts=view.facts.filter(mine),
        problems=view.problems.clear(),  # rows of files cannot be told apart by county
        previous=None if view.previous is None else view.previous.filter(mine),
    )


def download(ctx: Ctx) -> Response:
    """Send one file of a run, written on first request and kept while the run is unchanged.

    The file is kept under a key of the run, its state and its latest decision (adjustments,
    notices, objections), the kind, the township and the counties the user holds, so a
    second request is a file copy and any change to the run writes it afresh.
    """
    run_id = ctx.path_int("run_id")
    kind = ctx.request.path_params["kind"]
    if kind not in KINDS:
        raise perm.NotFoundError("没有这种下载。")
    label, ext, writer = KINDS[kind]
    township = ctx.param("township") or None
    cache: Path = ctx.request.app.state.work / "downloads"
    cache.mkdir(parents=True, exist_ok=True)
    with ctx.db.read() as store:
        perm.check_run(store, ctx.user, run_id)
        if (
            township is not None
            and township not in tables.facets(store, ctx.user, run_id)["township"]
        ):
            raise perm.NotFoundError("没有这个乡镇（街道）。")
        whole = perm.covers(ctx.user, perm.run_counties(store, run_id))
        scope = "*" if whole else ",".join(sorted(ctx.user.counties))
        key = hashlib.sha256(
            json.dumps([run_id, kind, township, scope, tables.run_version(store, run_id)],
                       ensure_ascii=False).encode()
        ).hexdigest()[:32]  # fmt: skip
        kept = cache / key
        with _writing(key):  # one request writes a file; the others wait and send it
            if not kept.is_dir():
                view = scoped(ops.year_view(store, run_id), ctx.user, store, run_id)
                _write(kept, label=label, ext=ext, writer=writer, township=township,
                       store=store, view=view)  # fmt: skip
    written = next(kept.iterdir())
    return FileResponse(written, headers={"Content-Disposition": _disposition(written.name)})


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _writing(key: str) -> threading.Lock:
    """The lock of one kept file (so twenty clients asking at once write it once)."""
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


def _write(
    kept: Path,
    /,
    *,
    label: str,
    ext: str,
    writer: Callable[[YearView, Path, Store, str | None], Path],
    township: str | None,
    store: Store,
    view: YearView,
) -> None:
    """Write the file into a fresh folder, then move the folder in place (whole or not at all)."""
    folder = Path(tempfile.mkdtemp(dir=kept.parent, prefix=".new-"))
    try:
        stem = f"亩均评价_{view.year}_运行{view.run_id}_{label}" + (
            f"_{township}" if township else ""
        )
        target = folder / (safe_filename(stem) + f".{ext}")
        if target.resolve().parent != folder.resolve():
            raise perm.NotFoundError("文件名无效。")
        writer(view, target, store, township)
        try:
            folder.rename(kept)
        except OSError:  # another request wrote it meanwhile: theirs is the same file
            shutil.rmtree(folder, ignore_errors=True)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _disposition(name: str) -> str:
    """An attachment header: an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
    fallback = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "._-" else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


routes = [
    Route("/year/{year:int}/downloads", page(downloads_page)),
    Route("/runs/{run_id:int}/download/{kind:str}", page(download)),
]
