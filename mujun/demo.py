"""The bundled sample county: read both years, score, store, publish, and write the outputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mujun import store as st
from mujun.engine import score
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
    """Evaluation year → published run id."""
    transition: pl.DataFrame | None
    firm: str | None
    firm_history: pl.DataFrame | None


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
            f"Sample data missing: {', '.join(missing)}.\nHint: run `python data/make_sample.py`"
            " in the mujun checkout, or install mujun from its checkout (pip install -e .)."
        )
        raise DataError(msg)
    return files


def run_demo(out_dir: Path, /, *, profile: Profile) -> DemoRun:
    """Store, score and publish both sample years with ``profile``.

    The demo keeps its own database (``out_dir/demo.duckdb``); each run publishes with
    ``supersede``, so earlier demo runs stay in it, marked superseded.
    """
    db_path = out_dir / "demo.duckdb"
    if db_path.is_file():  # the demo's own database, from an older mujun: migrate (with backup)
        st.Store.upgrade(db_path)
    published: dict[int, int] = {}
    with st.Store.open(db_path) as store:
        for data_year in DATA_YEARS:
            imported = import_year(sample_files(data_year), year=data_year, settings=profile.ingest)
            sources = [
                {"file": Path(f).name, "sha256": st.file_sha256(f), "rows_read": r, "accepted": a}
                for f, r, a in imported.files.select("file", "rows_read", "accepted").unique(
                    "file", maintain_order=True).iter_rows()
            ]  # fmt: skip
            facts = imported.facts
            batch = st.save_facts(store, facts, sources=sources, problems=imported.failures)
            previous = st.latest_facts(store, data_year - 1)
            year = data_year - profile.data_year_offset
            if previous is None and needs_previous_year(profile):
                continue  # the sample has no year before its first: nothing to benchmark against
            result = score(facts, profile=profile, year=year,
                           history=previous[1] if previous else None)  # fmt: skip
            run_id = st.save_run(
                store, result, profile=profile, evaluation_year=year,
                input_fingerprint=st.fingerprint(facts), batch_id=batch,
                history_batch_id=previous[0] if previous else None, note="mujun demo",
            )  # fmt: skip
            published[year] = st.publish(store, year=year, run_id=run_id, supersede=True)[0]
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
                f"{exc}\n已写入数据库 {db_path}：{runs}（已发布）；其余输出文件未改动，可重新运行。"
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
        **paths,
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
