"""The bundled sample county: read both years, score, store, publish, and write the outputs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mujun import cycle
from mujun import store as st
from mujun.errors import DataError
from mujun.ingest.importer import ImportResult, import_year
from mujun.profiles.models import Profile
from mujun.report import class_list, write_table
from mujun.report.cycle_state import state_label
from mujun.report.html import region_report
from mujun.report.import_report import write_import_report
from mujun.report.internal import internal_workbook
from mujun.report.output import OutputError
from mujun.report.public_list import public_workbook
from mujun.report.publication import load_year
from mujun.score import needs_previous_year

NOTICE_START = dt.date(2000, 5, 6)
NOTICE_END = dt.date(2000, 5, 12)
"""The demo's notice period (in the evaluation year), 7 days."""
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"
DATA_YEARS = (2022, 2023)
SOURCE_FILES = {
    "tax": ("tax_payments.xlsx",),
    "stats": ("stats_above_scale.xlsx",),
    "land": ("land_parcels.csv",),
    "energy": ("energy.xlsx", "power.xls"),
    "meters": ("meters.csv",),
    "emissions": ("emissions.csv",),
    "register": ("register.xlsx",),
}
"""The departments' files of each sample year (`data/make_sample.py` writes them)."""


@dataclass(frozen=True)
class DemoRun:
    """What the demo produced."""

    year: int
    imported: ImportResult
    """The latest data year's import (its report is written beside the results)."""
    result: pl.DataFrame
    result_path: Path
    class_list_path: Path
    rejects_path: Path
    import_report_path: Path
    db_path: Path
    workbook_path: Path
    """The public 公示 list."""
    internal_workbook_path: Path
    """The internal workbook (内部资料)."""
    report_path: Path
    published: dict[int, int]
    """Evaluation year → 认定 run id."""
    transition: pl.DataFrame | None
    firm: str | None
    firm_history: pl.DataFrame | None
    steps: tuple[str, ...] = ()
    """The cycle as it ran: each year's draft, 公示, objection and 认定."""


def sample_files(data_year: int) -> dict[str, list[Path]]:
    """The sample departments' files of one data year, by `mujun import` source.

    Raises:
        DataError: the sample is not there (a checkout without ``data/``).
    """
    folder = SAMPLE_DIR / str(data_year)
    files = {src: [folder / name for name in names] for src, names in SOURCE_FILES.items()}
    missing = [str(p) for paths in files.values() for p in paths if not p.is_file()]
    if missing:
        msg = (
            f"缺少示例数据：{'、'.join(missing)}。\n提示：在 mujun 源码目录中运行 "
            "`python data/make_sample.py`，或从源码目录安装 mujun（pip install -e .）。"
        )
        raise DataError(msg)
    return files


def run_demo(out_dir: Path, /, *, profile: Profile) -> DemoRun:
    """Import, score and decide both sample years with ``profile``, as an office does.

    Each year goes draft (内部审核稿) → 公示 → 认定; in the latest year one firm objects
    during the notice and is adjusted with a reason, which the 认定稿 shows. The demo keeps
    its own database (``out_dir/demo.duckdb``); a rerun decides with ``supersede``, so earlier
    demo runs stay in it, marked superseded, and its adjustment is carried to the new run.
    """
    db_path = out_dir / "demo.duckdb"
    if db_path.is_file():  # the demo's own database, from an older mujun: migrate (with backup)
        st.Store.upgrade(db_path)
    published: dict[int, int] = {}
    steps: list[str] = []
    with st.Store.open(db_path) as store:
        for data_year in DATA_YEARS:
            imported = import_year(sample_files(data_year), year=data_year, settings=profile.ingest)
            sources = [
                {"file": Path(f).name, "sha256": st.file_sha256(f), "rows_read": r, "accepted": a}
                for f, r, a in imported.files.select("file", "rows_read", "accepted").unique(
                    "file", maintain_order=True).iter_rows()
            ]  # fmt: skip
            cycle.import_batch(
                store, facts=imported.facts, sources=sources, problems=imported.failures,
                data_year=data_year, who=DEMO_USER,
            )  # fmt: skip
            year = data_year - profile.data_year_offset
            if needs_previous_year(profile) and st.latest_facts(store, data_year - 1) is None:
                continue  # the sample has no year before its first: nothing to benchmark against
            scored = cycle.score_year(store, year=year, profile=profile, note="mujun demo",
                                      who=DEMO_USER)  # fmt: skip
            result = scored.result
            steps.append(
                f"{year} 年度：内部审核稿 运行 {scored.run_id}"
                f"（{cycle.year_line(data_year, offset=profile.data_year_offset)}；"
                f"沿用人工调档 {scored.carried} 项）"
            )
            steps.extend(_notice_objection_final(store, year, latest=data_year == DATA_YEARS[-1]))
            published[year] = st.select_run(store, year, state="final").run_id
            result = _final_classes(store, result, published[year])
        transition, firm, firm_history = _two_year_view(store, sorted(published))
        view = load_year(store, max(published))
        try:
            label = state_label(view)
            workbook_path = public_workbook(
                view, out_dir / f"{view.year}年度亩均评价结果公示名单_{label}.xlsx"
            )
            internal_path = internal_workbook(
                view, out_dir / f"{view.year}年度亩均评价内部资料_{label}.xlsx"
            )
            report_path = region_report(
                view, out_dir / f"{view.year}年度亩均评价报告_{label}.html", store=store
            )
            paths = {
                "result_path": write_table(result, out_dir / f"results_{year}.parquet"),
                "class_list_path": write_table(
                    class_list(result, profile=profile),
                    out_dir / f"class_list_{year}.csv",
                ),
                "rejects_path": write_table(
                    imported.failures.filter(pl.col("outcome") == "rejected"),
                    out_dir / f"rejected_rows_{year}.csv",
                ),
                "import_report_path": write_import_report(
                    imported, out_dir / f"import_report_{year}.xlsx"
                ),
            }
        except OutputError as exc:
            runs = "、".join(f"{y} 年度运行 {r}" for y, r in sorted(published.items()))
            msg = (
                f"{exc}\n已写入数据库 {db_path}：{runs}（已认定）；其余输出文件未改动，可重新运行。"
            )
            raise OutputError(msg) from exc
    return DemoRun(
        year=year,
        imported=imported,
        result=result,
        db_path=db_path,
        workbook_path=workbook_path,
        internal_workbook_path=internal_path,
        report_path=report_path,
        published=published,
        transition=transition,
        firm=firm,
        firm_history=firm_history,
        steps=tuple(steps),
        **paths,
    )


DEMO_USER = "mujun demo"


def _notice_objection_final(store: st.Store, year: int, *, latest: bool) -> list[str]:
    """Post the year's draft for 7 days, hear one objection in the latest year, decide it."""
    notice = cycle.start_notice(
        store, year=year, start=NOTICE_START.replace(year=year), end=NOTICE_END.replace(year=year),
        contact="示范县经济和信息化局企业科（电话 0000-0000000，示范县人民路 1 号）",
        issuer="示范县经济和信息化局", who=DEMO_USER, confirm=True,
    )  # fmt: skip
    steps = [
        f"{year} 年度：公示稿 运行 {notice.run_id}（公示期 {notice.start} 至 {notice.end}，"
        f"{notice.issuer}）"
    ]
    if latest:
        steps.extend(_demo_objection(store, year, notice.run_id))
    done = cycle.decide_final(store, year=year, who=DEMO_USER, supersede=True, confirm=True)
    steps.append(
        f"{year} 年度：认定稿 运行 {done.run_id}（与公示稿相比 {done.changes.height} 家等级变动）"
    )
    return steps


def _demo_objection(store: st.Store, year: int, run_id: int) -> list[str]:
    """A firm in the middle of the lowest-but-one class objects: a project under construction."""
    labels = store.frame(
        "SELECT label FROM run_classes WHERE run_id = ? ORDER BY ord", [run_id]
    ).get_column("label")
    if labels.len() < 3:
        return []
    lower, upper = labels[-2], labels[-3]
    firms = store.frame(
        "SELECT uscc, name, final_class FROM final_results WHERE run_id = ? "
        "AND class_label = ? AND eval_status = 'ranked' ORDER BY rank",
        [run_id, lower],
    )
    if firms.is_empty():
        return []
    uscc, name, now_class = firms.row(firms.height // 2)
    if now_class != lower:  # a rerun: the earlier demo's adjustment was carried
        return [f"{year} 年度：{name} 的人工调档 {lower}→{now_class} 已沿用"]
    number = cycle.record_objection(
        store, year=year, uscc=uscc, received=NOTICE_START.replace(year=year),
        from_whom=f"{name}（企业办公室）", claim="在建亿元项目未按规定计入", who=DEMO_USER,
    )  # fmt: skip
    done = cycle.adjust(
        store, year=year, uscc=uscc, to_class=upper, who=DEMO_USER, objection_id=number,
        reason="在建亿元项目，经核实按规定调整",
    )  # fmt: skip
    return [
        f"{year} 年度：异议第 {number} 号（{name}）成立，调档 {done.from_class}→{done.to_class}"
        f"（{done.reason}）"
    ]


def _final_classes(store: st.Store, result: pl.DataFrame, run_id: int) -> pl.DataFrame:
    """The engine's result with the 认定 classes: adjusted firms get their decided class."""
    decided = store.frame(
        "SELECT uscc, final_class, final_class_name, final_next_class FROM final_results "
        "WHERE run_id = ? AND adjusted",
        [run_id],
    )
    if decided.is_empty():
        return result
    decided_as = {"class_label": "final_class", "class_name": "final_class_name",
                  "next_class": "final_next_class"}  # fmt: skip
    adjusted = pl.col("final_class").is_not_null()
    return (
        result.join(decided, on="uscc", how="left")
        .with_columns(
            *(
                pl.when(adjusted)
                .then(pl.col(final).cast(pl.String))
                .otherwise(pl.col(c).cast(pl.String))
                .cast(result.schema[c])
                .alias(c)
                for c, final in decided_as.items()
            ),
            pl.when(~adjusted).then(pl.col("gap_to_next")).alias("gap_to_next"),
        )
        .select(result.columns)
    )


def _two_year_view(
    store: st.Store, years: list[int]
) -> tuple[pl.DataFrame | None, str | None, pl.DataFrame | None]:
    """The transition matrix and one firm whose class changed (for the demo's printout)."""
    if len(years) < 2:
        return None, None, None
    first, last = years[0], years[-1]
    transition = st.transition_matrix(store, from_year=first, to_year=last)
    before = st.published_results(store, first).select("uscc", pl.col("final_class").alias("a"))
    after = st.published_results(store, last).select("uscc", pl.col("final_class").alias("b"))
    moved = (
        before.join(after, on="uscc")
        .filter(
            pl.col("a").is_in(["A", "B", "C", "D"])
            & pl.col("b").is_in(["A", "B", "C", "D"])
            & (pl.col("a") != pl.col("b"))
        )
        .sort("uscc")
    )
    firm = moved.item(0, "uscc") if moved.height else None
    return transition, firm, st.history(store, firm) if firm else None
