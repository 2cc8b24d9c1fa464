"""测算: what-if (change weights or quotas, see who moves), levers (subsidies, budget), targets.

Each page reads the year's 认定稿 through the functions the CLI calls (``mujun whatif``:
`mujun.whatif.stored_year`, `variant`, `whatif`; ``mujun levers`` / ``mujun targets``:
`mujun.policy.load_context`, `evaluate_levers`, `evaluate_targets`) and writes nothing to the
store. The year is computed as a whole (quotas, benchmarks and plan targets are
region-wide). A user who holds none of the decided run's counties gets 404; one who holds
some sees the what-if of their own firms only, and gets 403 on levers and targets, whose
budgets and totals are region-wide (a firm of another county never appears).
Uploaded tables (projects, regional figures) are kept in a fresh folder under the server's
work folder for the request only, read by the importer's own reader, and deleted.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from mujun import store as st
from mujun.errors import DataError
from mujun.policy import KIND_NAMES, evaluate_levers, evaluate_targets, load_context
from mujun.policy.targets import read_regional
from mujun.profiles import available_profiles, load_profile
from mujun.profiles.models import Profile
from mujun.profiles.periods import for_year
from mujun.report import write_workbook
from mujun.report.html import safe_filename
from mujun.store import Store
from mujun.web import permissions as perm
from mujun.web.pages import Ctx, page, render
from mujun.web.users import User
from mujun.web.views.downloads import _disposition
from mujun.web.views.workbench import to_year
from mujun.whatif import compare, stored_year, variant, whatif
from mujun.whatif.manifest import HEADERS

MOVERS_SHOWN = 50
"""How many movers the what-if page lists (largest rank changes are not singled out)."""
ROWS_SHOWN = 500
"""How many lever rows the page lists (the workbook holds them all)."""
MAX_SETS = 40
"""How many ``key=value`` lines a what-if takes."""
LEVER_HEADERS = {
    "rule_id": "规则编号", "rule": "规则", "kind": "类型", "uscc": "统一社会信用代码",
    "name": "企业名称", "project_id": "项目编号", "class_label": "等级", "inputs": "依据数据",
    "outcome": "结果", "amount_wan": "金额（万元）", "rows": "条数", "with_amount": "有金额条数",
    "total_wan": "合计金额（万元）",
}  # fmt: skip
"""The lever tables' Chinese headers (as ``mujun levers`` writes them)."""
TARGET_COLUMNS = ("范围", "指标", "单位", "数据年度", "实际值", "目标年度", "目标值", "期别",
                  "完成进度", "差距", "已达标", "统计口径", "说明")  # fmt: skip
"""The targets table's columns as ``mujun targets`` prints them."""
ALLOWED_TABLES = (".xlsx", ".xls", ".xlsm", ".csv", ".txt", ".tsv", ".xml", ".parquet")
"""Extensions accepted for an uploaded projects or regional table."""


def decided_run(store: Store, user: User, year: int, /, *, part: bool = False) -> int:
    """The year's 认定 run, when the user holds every county in it (``part``: any of them).

    Raises:
        StoreError: the year has no 认定稿.
        NotFoundError: the user sees none of the run.
        ForbiddenError: the run also holds counties the user does not hold (unless ``part``).
    """
    run_id = st.select_run(store, year, state="final").run_id
    perm.check_run(store, user, run_id)
    if not part and not perm.covers(user, perm.run_counties(store, run_id)):
        msg = (
            "该年度认定结果包含您无权查看的县（市、区）；政策兑现和目标完成按全区（县）"
            "认定结果计算，只有负责全部县（市、区）的用户可以查看。"
        )
        raise perm.ForbiddenError(msg)
    return run_id


def _own_firms(store: Store, user: User, run_id: int, /) -> pl.Expr | None:
    """Keeps the user's firms of the run; None when the user holds every county in it."""
    if perm.covers(user, perm.run_counties(store, run_id)):
        return None
    cond, params = perm.county_filter(user)
    keep = store.frame(f"SELECT uscc FROM results WHERE run_id = ? AND {cond}", [run_id, *params])
    return pl.col("uscc").is_in(keep.get_column("uscc").implode())


def _profile(ctx: Ctx, store: Store, run_id: int, year: int) -> tuple[str, Profile]:
    """The chosen shipped method (default: the one the 认定稿 was scored with), for the year."""
    name = ctx.param("profile") or str(st.run_info(store, run_id)["profile_name"])
    if name not in available_profiles():
        raise perm.NotFoundError("没有这个评价方法。")
    return name, for_year(load_profile(name), year)


@contextmanager
def _kept(ctx: Ctx, upload: UploadFile | None) -> Iterator[Path | None]:
    """The uploaded table in a fresh folder for the request (None without one); deleted after."""
    if upload is None:
        yield None
        return
    name = safe_filename(Path(upload.filename or "table").name)
    if not name.lower().endswith(ALLOWED_TABLES):
        msg = (
            f"文件 {upload.filename} 不是可读取的表格（支持 {'、'.join(ALLOWED_TABLES)}），未读取。"
        )
        raise DataError(msg)
    work: Path = ctx.request.app.state.work / "policy"
    work.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=work, prefix="req-"))
    try:
        target = folder / name
        with target.open("wb") as out:
            shutil.copyfileobj(upload.file, out)
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _one_file(ctx: Ctx) -> UploadFile | None:
    if len(ctx.files) > 1:
        raise DataError("一次只能上传一个表格文件。")
    return ctx.files[0] if ctx.files else None


def _named(frame: pl.DataFrame, headers: dict[str, str]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Chinese headers and rows for a template table."""
    return [headers.get(c, c) for c in frame.columns], frame.rows()


def whatif_page(ctx: Ctx) -> Response:
    """The form; on POST, the variant scored against the 认定稿 and who moves."""
    year = ctx.path_int("year")
    sets_text = ctx.param("sets")
    context: dict[str, Any] = {}
    with ctx.db.read() as store:
        run_id = decided_run(store, ctx.user, year, part=True)
        if ctx.request.method == "POST":
            sets = [line.strip() for line in sets_text.splitlines() if line.strip()]
            if not sets:
                raise DataError("请至少填写一行修改，例如 scoring.cap=1.5。")
            if len(sets) > MAX_SETS:
                raise DataError(f"一次最多修改 {MAX_SETS} 项。")
            stored = stored_year(store, year)
            changed = variant(stored.profile, sets)
            outcome = whatif(store, stored, changed)
            cmp = outcome.comparison
            budget: pl.DataFrame | None = outcome.budget
            mine = _own_firms(store, ctx.user, run_id)
            if mine is not None:
                # NOTE: the year is rescored as a whole (quotas and benchmarks are region-wide);
                # only the user's firms are compared, and the region-wide budget is not shown.
                cmp = compare(stored.results.filter(mine), outcome.variant.filter(mine),
                              profile=changed, items_a=stored.items.filter(mine))  # fmt: skip
                budget = None
            movers = cmp.movers.select(
                "uscc", "name", "township", "cohort", "class_a", "class_b", "direction", "total_a",
                "total_b", "rank_a", "rank_b", "explanation",
            )  # fmt: skip
            context = {
                # NOTE: four decimals, so a correlation of 0.9987 does not read as 1.00.
                "summary": _named(
                    cmp.summary.with_columns(pl.col("rank_correlation").round(4).cast(pl.String)),
                    HEADERS,
                ),
                "matrix": _named(cmp.matrix, {}),
                "movers": _named(movers.head(MOVERS_SHOWN), HEADERS),
                "movers_total": movers.height,
                "budget": None if budget is None else _named(budget.drop("rule_id"), HEADERS),
                "scoped": mine is not None,
            }
    return render(
        ctx, "whatif.html", title=f"{year} 年度规则测算", year=year, run_id=run_id,
        sets=sets_text, movers_shown=MOVERS_SHOWN, **context,
    )  # fmt: skip


def levers_page(ctx: Ctx) -> Response:
    """Subsidy lists and the budget of the 认定稿 (with an uploaded projects table on POST)."""
    year = ctx.path_int("year")
    with ctx.db.read() as store:
        run_id = decided_run(store, ctx.user, year)
        name, profile = _profile(ctx, store, run_id, year)
        upload = _one_file(ctx)
        with _kept(ctx, upload) as projects:
            result = evaluate_levers(load_context(store, year=year, profile=profile,
                                                  projects=projects))  # fmt: skip
    budget = result.budget.with_columns(pl.col("kind").replace(KIND_NAMES))
    rows = result.rows.with_columns(pl.col("kind").replace(KIND_NAMES))
    if ctx.param("format") == "xlsx":
        stem = f"亩均评价_{year}_政策兑现_{name}"
        return _workbook(ctx, stem, {"汇总": budget, "明细": rows}, LEVER_HEADERS)
    return render(
        ctx, "levers.html", title=f"{year} 年度政策兑现", year=year, run_id=run_id,
        profile=name, profiles=sorted(available_profiles()), projects=upload.filename if upload
        else None, budget=_named(budget.drop("rule_id"), LEVER_HEADERS),
        rows=_named(rows.drop("rule_id").head(ROWS_SHOWN), LEVER_HEADERS),
        rows_total=rows.height,
        rows_shown=ROWS_SHOWN,
    )  # fmt: skip


def targets_page(ctx: Ctx) -> Response:
    """The plan's targets against the 认定稿's year (with an uploaded regional table on POST)."""
    year = ctx.path_int("year")
    with ctx.db.read() as store:
        run_id = decided_run(store, ctx.user, year)
        name, profile = _profile(ctx, store, run_id, year)
        upload = _one_file(ctx)
        with _kept(ctx, upload) as path:
            regional = read_regional(path) if path is not None else None
        frame = evaluate_targets(store, year=year, profile=profile, regional=regional)
    met = pl.col("已达标")
    shown = frame.select(
        *TARGET_COLUMNS[:-3],
        pl.when(met).then(pl.lit("是")).when(~met).then(pl.lit("否")).alias("已达标"),
        *TARGET_COLUMNS[-2:],
    )
    return render(
        ctx, "targets.html", title=f"{year} 年度目标完成情况", year=year, run_id=run_id,
        data_year=year + profile.data_year_offset, profile=name,
        profiles=sorted(available_profiles()), regional=upload.filename if upload else None,
        targets=_named(shown, {}),
    )  # fmt: skip


def _workbook(
    ctx: Ctx, stem: str, sheets: dict[str, pl.DataFrame], headers: dict[str, str]
) -> Response:
    """Write the workbook into a fresh folder (whole or not at all), send it, delete the folder."""
    work: Path = ctx.request.app.state.work / "policy"
    work.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=work, prefix="out-"))
    try:
        target = folder / (safe_filename(stem) + ".xlsx")
        write_workbook(target, sheets, headers=headers)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        target,
        headers={"Content-Disposition": _disposition(target.name)},
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


routes = [
    Route("/whatif", page(to_year("whatif"))),
    Route("/levers", page(to_year("levers"))),
    Route("/targets", page(to_year("targets"))),
    Route("/year/{year:int}/whatif", page(whatif_page), methods=["GET", "POST"]),
    Route("/year/{year:int}/levers", page(levers_page)),
    Route("/year/{year:int}/levers", page(levers_page, action="write"), methods=["POST"]),
    Route("/year/{year:int}/targets", page(targets_page)),
    Route("/year/{year:int}/targets", page(targets_page, action="write"), methods=["POST"]),
]
