"""数据导入: upload departments' files, read them in the background, accept them as a batch.

Say which department each file is from, watch the progress bar, look at units and problem
rows, then accept.
"""

from __future__ import annotations

import datetime as dt

from starlette.responses import Response
from starlette.routing import Route

from mujun.errors import DataError
from mujun.ingest.mapping import EVIDENCE_LABELS
from mujun.profiles import available_profiles, load_profile
from mujun.report import write_table
from mujun.web import permissions as perm
from mujun.web import uploads as up
from mujun.web.pages import Ctx, page, redirect, render
from mujun.web.views.downloads import _disposition

SHOWN_PROBLEMS = 200


def imports_page(ctx: Ctx) -> Response:
    """The upload form and the user's counties' uploads."""
    cond, params = perm.county_filter(ctx.user)
    with ctx.db.read() as store:
        listing = up.listing(store, cond, params)
    return render(
        ctx,
        "imports.html",
        title="数据导入",
        uploads=listing.to_dicts(),
        labels=up.STATUS_LABELS,
        profiles=sorted(available_profiles()),
        this_year=dt.datetime.now(tz=dt.UTC).year - 1,
        max_mb=ctx.request.app.state.max_upload / 1e6,
    )


def upload(ctx: Ctx) -> Response:
    """Store the uploaded files as a new upload."""
    county = ctx.param("county")
    if not county or not perm.sees(ctx.user, county):
        msg = "请选择您负责的县（市、区）。"
        raise perm.ForbiddenError(msg)
    profile = ctx.param("profile")
    if profile not in available_profiles():
        raise perm.NotFoundError("没有这个评价方法。")
    year = ctx.int_param("data_year")
    if year is None or not 1990 <= year <= 2100:
        msg = "请填写数据年度（例如 2023）。"
        raise DataError(msg)
    with ctx.db.write() as store:
        upload_id = up.create(
            store,
            ctx.request.app.state.work,
            county=county,
            data_year=year,
            profile=profile,
            files=[(f.filename or "file", f.file) for f in ctx.files],
            max_bytes=ctx.request.app.state.max_upload,
            who=ctx.who,
        )
    return redirect(f"/imports/{upload_id}")


def _load(ctx: Ctx) -> up.Upload:
    upload_id = ctx.path_int("upload_id")
    with ctx.db.read() as store:
        perm.check_upload(store, ctx.user, upload_id)
        return up.get(store, upload_id)


def upload_page(ctx: Ctx) -> Response:
    """One upload: sources to confirm, progress, or what was read (units, problems)."""
    item = _load(ctx)
    outcome = ctx.param("outcome")
    file = ctx.param("file")
    problems = up.problems(item, outcome=outcome, file=file)
    return render(
        ctx,
        "upload.html",
        title=f"数据导入：上传 {item.upload_id}",
        u=item,
        evaluation_year=item.data_year - load_profile(item.profile).data_year_offset,
        sources=up.SOURCE_LABELS,
        kinds=up.KIND_LABELS,
        progress=ctx.request.app.state.reader.progress(item),
        problems=problems.head(SHOWN_PROBLEMS).to_dicts(),
        problem_count=problems.height,
        warnings=up.warnings(item).to_dicts(),
        mappings=up.mappings(item),
        corrections=up.corrections_of(item),
        evidence=EVIDENCE_LABELS,
        outcome=outcome,
        file=file,
        files=[f["name"] for f in item.files],
    )


def progress(ctx: Ctx) -> Response:
    """The progress bar alone (htmx polls it); reloads the page when reading ends."""
    item = _load(ctx)
    if item.status != "reading":
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    return render(
        ctx,
        "_progress.html",
        u=item,
        progress=ctx.request.app.state.reader.progress(item),
    )


def read(ctx: Ctx) -> Response:
    """Record each file's department and start reading in the background."""
    item = _load(ctx)
    if item.status in ("reading", "accepted"):
        msg = f"上传 {item.upload_id} 当前为“{item.status_label}”，不能重新读取。"
        raise DataError(msg)
    chosen = {f["stored"]: ctx.param(f"source_{f['stored']}") for f in item.files}
    maps = [line.strip() for line in ctx.param("maps").splitlines() if line.strip()]
    units = [line.strip() for line in ctx.param("units").splitlines() if line.strip()]
    with ctx.db.write() as store:
        up.set_sources(store, item, chosen, maps=maps, units=units, who=ctx.who)
    with ctx.db.read() as store:
        fresh = up.get(store, item.upload_id)
    ctx.request.app.state.reader.start(fresh)
    return redirect(f"/imports/{item.upload_id}")


def accept(ctx: Ctx) -> Response:
    """Store what was read as a new batch of the data year."""
    item = _load(ctx)
    with ctx.db.write() as store:
        up.accept(store, item, user_counties=lambda c: perm.covers(ctx.user, c), who=ctx.who)
    return redirect(f"/year/{item.data_year - load_profile(item.profile).data_year_offset}")


def problems_csv(ctx: Ctx) -> Response:
    """Every problem row of an upload (with the filters), as CSV (UTF-8 with BOM)."""
    from starlette.background import BackgroundTask  # noqa: PLC0415
    from starlette.responses import FileResponse  # noqa: PLC0415

    item = _load(ctx)
    frame = up.problems(item, outcome=ctx.param("outcome"), file=ctx.param("file"))
    target = item.folder / f"问题行_上传{item.upload_id}.csv"
    headers = {"file": "文件", "sheet": "工作表", "row": "行号", "column": "列",
               "value": "原值", "reason": "原因", "outcome": "处理", "raw": "原始行"}  # fmt: skip
    written = write_table(
        frame.rename({k: v for k, v in headers.items() if k in frame.columns}), target
    )
    return FileResponse(
        written,
        headers={"Content-Disposition": _disposition(written.name)},
        background=BackgroundTask(written.unlink, missing_ok=True),
    )


routes = [
    Route("/imports", page(imports_page)),
    Route("/imports", page(upload, action="write"), methods=["POST"]),
    Route("/imports/{upload_id:int}", page(upload_page)),
    Route("/imports/{upload_id:int}/progress", page(progress)),
    Route("/imports/{upload_id:int}/read", page(read, action="write"), methods=["POST"]),
    Route("/imports/{upload_id:int}/accept", page(accept, action="write"), methods=["POST"]),
    Route("/imports/{upload_id:int}/problems.csv", page(problems_csv)),
]
