"""The yearly cycle in the store: run, publish, adjust, runs, history, compare, streaks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from mujun import store as st
from mujun.cli._app import app, db_app, snapshot_app
from mujun.cli._console import (
    out,
    print_by_year,
    print_frame,
    print_runs,
    print_summary,
    report_reading,
)
from mujun.cli.options import DbOption, YearOption
from mujun.engine import score as score_frame
from mujun.errors import MujunError
from mujun.ingest import FactsRead, read_facts
from mujun.profiles import load_profile
from mujun.store import Store


@app.command("run")
def run_cmd(
    year: YearOption,
    profile: Annotated[str, typer.Option(help="Profile name or path to a .toml file.")],
    facts: Annotated[
        Path | None, typer.Option(help="Facts to store first (else: the stored facts).")
    ] = None,
    db: DbOption = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the run.")] = None,
) -> None:
    """Score an evaluation year from stored (or given) facts and store it as a draft run."""
    prof = load_profile(profile)
    data_year = year + prof.data_year_offset
    if facts is not None:
        read = read_facts(facts)
        report_reading(read, facts.with_name(f"{facts.stem}_rejected.csv"))
        with Store.open(db) as store:
            for batch in _store_facts(store, read, facts):
                out.print(f"事实数据已入库 / facts stored: batch {batch}")
    with Store.open(db) as store:  # creates the database on first use
        current = st.latest_facts(store, data_year)
        previous = st.latest_facts(store, data_year - 1)
    if current is None:
        msg = (
            f"No stored facts for data year {data_year} (evaluation year {year}).\n"
            "Hint: pass --facts FILE to store them first."
        )
        raise MujunError(msg)
    batch_id, frame = current
    result = score_frame(frame, profile=prof, year=year, history=previous[1] if previous else None)
    with Store.open(db) as store:
        run_id = st.save_run(
            store,
            result,
            profile=prof,
            evaluation_year=year,
            input_fingerprint=st.fingerprint(frame),
            batch_id=batch_id,
            history_batch_id=previous[0] if previous else None,
            note=note,
        )
    print_summary(result, prof, prof.meta.title, year)
    out.print(
        f"草稿已保存 / stored as draft run {run_id}. 发布 / publish: mujun publish --year {year}",
        markup=False,
    )


def _store_facts(store: Store, read: FactsRead, path: Path) -> list[int]:
    source = {
        "file": str(path),
        "sha256": st.file_sha256(path),
        "rows_read": read.rows_read,
        "accepted": read.accepted,
        "rejected": read.rejected,
        "skipped": read.skipped,
    }
    return [
        st.save_facts(store, part, sources=[source], problems=read.failures)
        for part in read.facts.partition_by("year", maintain_order=True)
    ]


@app.command()
def publish(
    year: YearOption,
    run: Annotated[int | None, typer.Option(help="Run id (default: the latest draft).")] = None,
    supersede: Annotated[
        bool, typer.Option(help="Replace an already published run (it is kept as superseded).")
    ] = False,
    db: DbOption = None,
) -> None:
    """Publish a draft run; a published year is immutable unless superseded explicitly."""
    with Store.open(db) as store:
        published, replaced = st.publish(store, year=year, run_id=run, supersede=supersede)
    extra = f"（取代 / superseding run {replaced}）" if replaced else ""
    out.print(f"{year} 年度已发布 run {published}{extra}", markup=False)


@app.command()
def adjust(
    year: YearOption,
    uscc: Annotated[str, typer.Option(help="The firm's USCC.")],
    to: Annotated[str, typer.Option(help="The class it should have, e.g. B.")],
    reason: Annotated[str, typer.Option(help="Why (kept and published).")],
    who: Annotated[str, typer.Option(envvar="USER", help="Who decided.")] = "unknown",
    run: Annotated[int | None, typer.Option(help="Run id (default: the latest draft).")] = None,
    db: DbOption = None,
) -> None:
    """Record a manual grade adjustment (定档调档) on a draft run."""
    with Store.open(db) as store:
        run_id, before = st.adjust(
            store, year=year, uscc=uscc, to_class=to, reason=reason, who=who, run_id=run
        )
    out.print(f"run {run_id}: {uscc} {before} → {to}（{reason}）", markup=False)


@app.command("runs")
def runs_cmd(year: Annotated[int | None, typer.Option()] = None, db: DbOption = None) -> None:
    """List stored runs, newest first."""
    with Store.open(db, read_only=True) as store:
        print_runs(st.runs(store, year=year))


@app.command("history")
def history_cmd(
    uscc: Annotated[str, typer.Option(help="The firm's USCC.")], db: DbOption = None
) -> None:
    """A firm's published classes and scores across years."""
    with Store.open(db, read_only=True) as store:
        frame = st.history(store, uscc)
    if frame.is_empty():
        msg = f"Firm {uscc} is in no published year.\nHint: check the USCC (18 characters)."
        raise MujunError(msg)
    print_by_year(frame.drop("run_id"), f"{uscc} 历年评价")


@app.command()
def compare(
    from_year: Annotated[int, typer.Option("--from", help="Earlier evaluation year.")],
    to_year: Annotated[int, typer.Option("--to", help="Later evaluation year.")],
    db: DbOption = None,
) -> None:
    """The class transition matrix between two published years."""
    with Store.open(db, read_only=True) as store:
        print_frame(
            st.transition_matrix(store, from_year=from_year, to_year=to_year),
            f"{from_year} → {to_year} 等级变动（家）",
        )


@app.command()
def streak(
    year: YearOption,
    cls: Annotated[str | None, typer.Option("--class", help="Final class, e.g. D.")] = None,
    indicator: Annotated[str | None, typer.Option(help="Indicator id, e.g. tax_per_mu.")] = None,
    fact: Annotated[str | None, typer.Option(help="Fact column, e.g. output_wan.")] = None,
    op: Annotated[str, typer.Option(help="Comparison: < <= > >= == !=")] = "<=",
    value: Annotated[float | None, typer.Option(help="Value compared with.")] = None,
    min_years: Annotated[int, typer.Option(help="Shortest streak to list.")] = 2,
    db: DbOption = None,
) -> None:
    """Firms meeting a condition for consecutive years up to YEAR (e.g. D two years running)."""
    chosen = [(k, t) for k, t in (("class", cls), ("indicator", indicator), ("fact", fact)) if t]
    if len(chosen) != 1 or (chosen[0][0] != "class" and value is None):
        msg = "Give exactly one of --class, or --indicator/--fact with --op and --value."
        raise MujunError(msg)
    kind, target = chosen[0]
    with Store.open(db, read_only=True) as store:
        frame = st.streak(store, year=year, kind=kind, target=target, op=op, value=value)  # type: ignore[arg-type]
    print_frame(
        frame.filter(pl.col("streak") >= min_years).sort(
            "streak", "uscc", descending=[True, False]
        ),
        f"连续 {min_years} 年及以上满足条件的企业",
    )


@app.command("aggregates")
def aggregates_cmd(year: YearOption, db: DbOption = None) -> None:
    """Per-township counts per class, land, tax and per-mu aggregates for a published year."""
    with Store.open(db, read_only=True) as store:
        print_frame(st.aggregates(store, year), f"{year} 年度分乡镇汇总")


@db_app.command("info")
def db_info(db: DbOption = None) -> None:
    """Show the database's schema version and runs."""
    with Store.open(db, read_only=True) as store:
        out.print(f"{store.path}: schema v{store.schema_version()}", markup=False)
        print_runs(st.runs(store))


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Migrate a database written by an older mujun (a backup copy is made first)."""
    before, after, backup = Store.upgrade(db)
    if backup is None:
        out.print(f"Already at schema v{after}; nothing to do.")
    else:
        out.print(f"Upgraded schema v{before} → v{after}; backup: {backup}", markup=False)


@snapshot_app.command("export")
def snapshot_export(
    run: Annotated[int, typer.Option(help="Run id.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write.")],
    db: DbOption = None,
) -> None:
    """Write a run (results, items, adjustments, facts, metadata) as Parquet files."""
    with Store.open(db, read_only=True) as store:
        folder = st.export_run(store, run, out_dir)
    out.print(f"run {run} exported to {folder}", markup=False)


@snapshot_app.command("import")
def snapshot_import(
    folder: Annotated[Path, typer.Argument(help="A folder written by `snapshot export`.")],
    db: DbOption = None,
) -> None:
    """Load an exported run as a new draft."""
    with Store.open(db) as store:
        run_id = st.import_run(store, folder)
    out.print(f"imported as draft run {run_id}", markup=False)
