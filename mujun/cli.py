"""The ``mujun`` command line: a thin shell over the library with one error handler."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from mujun import demo as demo_mod
from mujun import store as st
from mujun.cli_options import DbOption, YearOption
from mujun.cli_whatif import register as register_whatif
from mujun.engine import score as score_frame
from mujun.errors import MujunError
from mujun.ingest import FactsRead, read_facts
from mujun.ingest.importer import ImportResult, import_year
from mujun.policy import KIND_NAMES, evaluate_levers, evaluate_targets, load_context
from mujun.profiles import Profile, available_profiles, load_profile
from mujun.profiles.loader import resolve_profile_path
from mujun.report import check_table_path, class_summary, write_table, write_workbook
from mujun.report.html import firm_card, region_report, safe_filename
from mujun.report.import_report import write_import_report
from mujun.report.publication import LIST_HEADERS, load_year, publication_workbook
from mujun.report.publication import class_list as publication_class_list
from mujun.store import Store

app = typer.Typer(
    help="mujun: per-mu (亩均) evaluation of industrial firms.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
profiles_app = typer.Typer(help="List, show and validate region profiles.", no_args_is_help=True)
app.add_typer(profiles_app, name="profiles")

db_app = typer.Typer(help="The snapshot database: version and upgrades.", no_args_is_help=True)
snapshot_app = typer.Typer(help="Export or import one run as Parquet.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(snapshot_app, name="snapshot")

out = Console()
err = Console(stderr=True)
_state = {"debug": False}


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _state["debug"] = debug


# ---- score ---- #
@app.command()
def score(
    profile: Annotated[str, typer.Option(help="Profile name or path to a .toml file.")],
    facts: Annotated[Path, typer.Option(help="Canonical facts (.parquet, .csv or .xlsx).")],
    year: Annotated[int, typer.Option(help="Evaluation year (reads the profile's data year).")],
    out_path: Annotated[Path, typer.Option("--out", help="Result file (.parquet or .csv).")],
    history: Annotated[
        Path | None, typer.Option(help="Facts of earlier years (previous-year benchmarks).")
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Where to write rejected rows (default: beside --out).")
    ] = None,
) -> None:
    """Score and classify the firms of one evaluation year."""
    check_table_path(out_path)
    prof = load_profile(profile)
    read = read_facts(facts)
    hist = read_facts(history).facts if history is not None else None
    result = score_frame(read.facts, profile=prof, year=year, history=hist)
    written = write_table(result, out_path)
    _report_reading(read, rejects or out_path.with_name(f"{out_path.stem}_rejected.csv"))
    _print_summary(result, prof, prof.meta.title, year)
    out.print(f"结果已写入 / results written to: [bold]{written}[/]")


# ---- demo ---- #
@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the outputs.")] = Path(
        "mujun_out"
    ),
    profile: Annotated[str, typer.Option(help="Profile name or path.")] = "zhejiang_baseline",
) -> None:
    """Run the whole job on the bundled sample county and print the class summary."""
    prof = load_profile(profile)
    run = demo_mod.run_demo(out_dir, profile=prof)
    _print_import(run.imported, run.year + prof.data_year_offset)
    out.print(f"导入报告 / import report: {run.import_report_path}", markup=False)
    _print_summary(run.result, prof, f"{prof.meta.title}（示范县样例数据）", run.year)
    out.print(f"公示名单 / class list: [bold]{run.class_list_path}[/]")
    out.print(f"公示工作簿 / workbook: [bold]{run.workbook_path}[/]")
    out.print(f"分析报告 / region report: [bold]{run.report_path}[/]")
    out.print(f"完整结果 / full results: [bold]{run.result_path}[/]")
    runs_text = ", ".join(f"{y}: run {r}" for y, r in sorted(run.published.items()))
    out.print(f"已入库并发布 / stored and published in {run.db_path} ({runs_text})", markup=False)
    if run.transition is not None:
        years = sorted(run.published)
        _print_frame(run.transition, f"{years[0]} → {years[-1]} 等级变动（家）")
    if run.firm_history is not None:
        _print_by_year(
            run.firm_history.select(
                "evaluation_year",
                "name",
                "township",
                "total_score",
                "rank",
                "pool_size",
                "class_label",
                "class_name",
                "tax_per_mu",
            ),
            f"企业历年评价示例 {run.firm}（mujun history --uscc {run.firm} --db {run.db_path}）",
        )


# ---- import ---- #
FilesOption = Annotated[list[Path] | None, typer.Option(help="File(s); repeat the option.")]


@app.command("import")
def import_cmd(
    year: Annotated[int, typer.Option(help="Data year the files describe (e.g. 2023).")],
    out_path: Annotated[Path, typer.Option("--out", help="Facts file (.parquet or .csv).")],
    tax: FilesOption = None,
    stats: FilesOption = None,
    land: FilesOption = None,
    energy: FilesOption = None,
    meters: FilesOption = None,
    emissions: FilesOption = None,
    register: FilesOption = None,
    profile: Annotated[
        str, typer.Option(help="Profile whose tax basket and energy basis apply.")
    ] = "zhejiang_baseline",
    report: Annotated[
        Path | None, typer.Option(help="Import report workbook (default: beside --out).")
    ] = None,
) -> None:
    """Import the departments' spreadsheets for one data year into canonical facts."""
    check_table_path(out_path)
    given = {"tax": tax, "stats": stats, "land": land, "energy": energy, "meters": meters,
             "emissions": emissions, "register": register}  # fmt: skip
    files = {k: v for k, v in given.items() if v}
    if not files:
        msg = (
            "No files given.\nHint: pass at least one of --tax, --stats, --land, --energy, "
            "--meters, --emissions, --register."
        )
        raise MujunError(msg)
    prof = load_profile(profile)
    total = sum(len(v) for v in files.values())
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  MofNCompleteColumn(), console=out, transient=True) as bar:  # fmt: skip
        task = bar.add_task("读取 / reading", total=total)

        def step(name: str) -> None:
            bar.update(task, advance=1, description=f"读取 {Path(name).name}")

        result = import_year(files, year=year, settings=prof.ingest, progress=step)
    written = write_table(result.facts, out_path)
    report_path = write_import_report(
        result, report or out_path.with_name(f"{out_path.stem}_import_report.xlsx")
    )
    _print_import(result, year)
    out.print(f"事实数据 / facts: {written}", markup=False)
    out.print(f"导入报告 / import report: {report_path}", markup=False)


def _print_import(result: ImportResult, year: int) -> None:
    _print_frame(
        result.files.select(
            pl.col("file").str.extract(r"([^/\\]+)$", 1),
            "sheet", "source", "rows_read", "accepted", "rejected", "skipped",
        ).rename(_IMPORT_HEADERS, strict=False),
        f"{year} 年度数据导入（读取 = 接受 + 拒绝 + 跳过）",
    )  # fmt: skip
    out.print(
        f"企业 {result.facts.height} 家；合理性提示 {result.warnings.height} 条；"
        f"按名称匹配 {int(result.firms['name_match'].sum())} 家",
        markup=False,
    )
    for row in (
        result.failures.filter(pl.col("outcome") == "rejected").head(5).iter_rows(named=True)
    ):
        where = f"{Path(row['file']).name} 第{row['row']}行 {row['column']}"
        out.print(f"  {where} = {row['value']!r}：{row['reason']}", markup=False)


_IMPORT_HEADERS = {"file": "文件", "sheet": "工作表", "source": "类别", "rows_read": "读取",
                   "accepted": "接受", "rejected": "拒绝", "skipped": "跳过"}  # fmt: skip


# ---- the store ---- #
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
        _report_reading(read, facts.with_name(f"{facts.stem}_rejected.csv"))
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
    _print_summary(result, prof, prof.meta.title, year)
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
        _print_runs(st.runs(store, year=year))


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
    _print_by_year(frame.drop("run_id"), f"{uscc} 历年评价")


@app.command()
def compare(
    from_year: Annotated[int, typer.Option("--from", help="Earlier evaluation year.")],
    to_year: Annotated[int, typer.Option("--to", help="Later evaluation year.")],
    db: DbOption = None,
) -> None:
    """The class transition matrix between two published years."""
    with Store.open(db, read_only=True) as store:
        _print_frame(
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
    _print_frame(
        frame.filter(pl.col("streak") >= min_years).sort(
            "streak", "uscc", descending=[True, False]
        ),
        f"连续 {min_years} 年及以上满足条件的企业",
    )


@app.command("aggregates")
def aggregates_cmd(year: YearOption, db: DbOption = None) -> None:
    """Per-township counts per class, land, tax and per-mu aggregates for a published year."""
    with Store.open(db, read_only=True) as store:
        _print_frame(st.aggregates(store, year), f"{year} 年度分乡镇汇总")


@db_app.command("info")
def db_info(db: DbOption = None) -> None:
    """Show the database's schema version and runs."""
    with Store.open(db, read_only=True) as store:
        out.print(f"{store.path}: schema v{store.schema_version()}", markup=False)
        _print_runs(st.runs(store))


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


_HISTORY_HEADERS = {
    "evaluation_year": "评价年度", "name": "企业名称", "township": "乡镇（街道）",
    "cohort_label": "评价类别", "eval_status": "评价状态", "total_score": "综合得分（分）",
    "rank": "排名", "pool_size": "参与排名企业数", "class_label": "等级", "class_name": "等级名称",
    "adjusted": "人工调整", "adjustment_reason": "调整理由", "override_reason": "规则调整说明",
    "special_reason": "特殊情形说明", "tax_per_mu": "亩均税收（万元/亩）",
}  # fmt: skip


def _print_by_year(frame: pl.DataFrame, title: str) -> None:
    """A firm's history with one column per year and one row per field (fits any width)."""
    table = Table(title=title)
    table.add_column("项目")
    years = [str(y) for y in frame.get_column("evaluation_year")]
    for year in years:
        table.add_column(year, overflow="fold")
    for col in frame.columns:
        if col == "evaluation_year":
            continue
        table.add_row(_HISTORY_HEADERS.get(col, col), *(_cell(v) for v in frame.get_column(col)))
    out.print(table)


def _print_runs(frame: pl.DataFrame) -> None:
    shown = frame.select(
        pl.col("run_id").alias("run"),
        pl.col("evaluation_year").alias("评价年度"),
        pl.col("profile_name").alias("方法"),
        pl.col("status").alias("状态"),
        pl.col("firms").alias("企业数"),
        pl.col("created_at").dt.strftime("%Y-%m-%d %H:%M").alias("生成时间"),
        pl.concat_str(
            pl.when(pl.col("superseded_by").is_not_null()).then(
                pl.format("superseded by {}", pl.col("superseded_by"))
            ),
            pl.when(~pl.col("binding")).then(pl.lit("advisory")),
            pl.col("note"),
            separator="; ",
            ignore_nulls=True,
        ).alias("说明"),
    )
    _print_frame(shown, "runs")


def _print_frame(frame: pl.DataFrame, title: str) -> None:
    table = Table(title=title)
    for col in frame.columns:
        table.add_column(col, overflow="fold")
    for row in frame.iter_rows():
        table.add_row(*(_cell(v) for v in row))
    out.print(table)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


# ---- policy levers and targets ---- #
_LEVER_HEADERS = {
    "rule_id": "规则编号", "rule": "规则", "kind": "类型", "uscc": "统一社会信用代码",
    "name": "企业名称", "project_id": "项目编号", "class_label": "等级", "inputs": "依据数据",
    "outcome": "结果", "amount_wan": "金额（万元）", "rows": "条数", "with_amount": "有金额条数",
    "total_wan": "合计金额（万元）",
}  # fmt: skip


@app.command()
def levers(
    year: YearOption,
    profile: Annotated[str, typer.Option(help="Profile name or path.")],
    projects: Annotated[Path | None, typer.Option(help="Projects (subsidies, admission).")] = None,
    inputs: Annotated[
        Path | None, typer.Option(help="Per-firm extra inputs (other surcharges, tax arrears).")
    ] = None,
    averages: Annotated[
        Path | None, typer.Option(help="Last year's industry averages (admission tests).")
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write rows and budget (.xlsx, .csv, .parquet).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Apply the profile's levers to a published year: subsidies, surcharges, lists."""
    prof = load_profile(profile)
    with Store.open(db, read_only=True) as store:
        ctx = load_context(store, year=year, profile=prof, projects=projects, inputs=inputs,
                           averages=averages)  # fmt: skip
        result = evaluate_levers(ctx)
    budget = result.budget.with_columns(pl.col("kind").replace(KIND_NAMES))
    _print_frame(budget.drop("rule_id").rename(_LEVER_HEADERS, strict=False),
                 f"{year} 年度政策兑现汇总（{prof.meta.title}）")  # fmt: skip
    if out_path is not None:
        rows = result.rows.with_columns(pl.col("kind").replace(KIND_NAMES))
        if out_path.suffix.lower() == ".xlsx":
            write_workbook(out_path, {"汇总": budget, "明细": rows}, headers=_LEVER_HEADERS)
        else:
            write_table(rows.rename(_LEVER_HEADERS), out_path)
        out.print(f"明细 / rows: {out_path}", markup=False)


@app.command()
def targets(year: YearOption, profile: Annotated[str, typer.Option(help="Profile name or path.")],
            db: DbOption = None) -> None:  # fmt: skip
    """Compare a published year's region aggregates with the plan's targets."""
    prof = load_profile(profile)
    with Store.open(db, read_only=True) as store:
        frame = evaluate_targets(store, year=year, profile=prof)
    shown = frame.select(
        "范围", "指标", "单位", "实际值", "目标年度", "目标值", "完成进度", "差距", "已达标"
    )
    _print_frame(shown, f"{year} 年度目标完成情况（数据年度 {year + prof.data_year_offset}）")


# ---- publishing: workbook, region report, firm card ---- #
@app.command()
def export(
    year: YearOption,
    fmt: Annotated[str, typer.Option("--format", help="xlsx, html, csv or parquet.")] = "xlsx",
    township: Annotated[
        str | None, typer.Option(help="Only this township (xlsx, csv, parquet).")
    ] = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="File to write.")] = None,
    db: DbOption = None,
) -> None:
    """Write a published year for officials: the 公示 workbook, the region report or the list."""
    if fmt not in ("xlsx", "html", "csv", "parquet"):
        msg = f"Unknown format {fmt!r}.\nHint: use xlsx, html, csv or parquet."
        raise MujunError(msg)
    with Store.open(db, read_only=True) as store:
        view = load_year(store, year)
        suffix = "" if township is None else f"_{safe_filename(township)}"
        target = out_path or Path(f"亩均评价_{year}{suffix}.{fmt}")
        if fmt == "xlsx":
            written = publication_workbook(view, target, township=township)
        elif fmt == "html":
            written = region_report(view, target, store=store)
        else:
            frame = publication_class_list(view, township=township).rename(LIST_HEADERS)
            written = write_table(frame, target)
    out.print(f"已写出 / written: {written}", markup=False)


@app.command()
def card(
    uscc: Annotated[str, typer.Option(help="The firm's USCC.")],
    year: YearOption,
    out_path: Annotated[Path | None, typer.Option("--out", help="HTML file to write.")] = None,
    db: DbOption = None,
) -> None:
    """Write a firm's report card (HTML) for a published year."""
    with Store.open(db, read_only=True) as store:
        view = load_year(store, year)
        found = view.results.filter(pl.col("uscc") == uscc)
        name = found.item(0, "name") if found.height else uscc
        target = out_path or Path(f"报告卡_{safe_filename(str(name))}_{year}.html")
        written = firm_card(view, uscc, target, store=store)
    out.print(f"已写出 / written: {written}", markup=False)


# ---- profiles ---- #
@profiles_app.command("list")
def profiles_list() -> None:
    """List the shipped profiles."""
    table = Table("name", "title", "region", "file")
    for name, path in available_profiles().items():
        prof = load_profile(path)
        table.add_row(name, prof.meta.title, prof.meta.region, str(path))
    out.print(table)


@profiles_app.command("show")
def profiles_show(name: Annotated[str, typer.Argument(help="Profile name or path.")]) -> None:
    """Print a profile's file, and its resolved settings if it extends another."""
    path = resolve_profile_path(name)
    prof = load_profile(path)
    out.print(path.read_text(encoding="utf-8"), markup=False, highlight=False)
    if "extends" in tomllib.loads(path.read_text(encoding="utf-8")):
        out.print("\n# ---- resolved (after extends) ---- #", markup=False)
        out.print_json(data=prof.model_dump(mode="json"))
    out.print(f"# content hash: {prof.content_hash()}", markup=False)


@profiles_app.command("validate")
def profiles_validate(path: Annotated[Path, typer.Argument(help="A profile .toml file.")]) -> None:
    """Validate a profile file (exit 1 with the offending fields if it is invalid)."""
    prof = load_profile(path if path.suffix == ".toml" else str(path))
    out.print(f"OK: {path} ({prof.meta.title}), content hash {prof.content_hash()[:12]}")


# ---- printing ---- #
def _report_reading(read: FactsRead, rejects_path: Path) -> None:
    out.print(
        f"读取 {read.rows_read} 行：接受 {read.accepted}，拒绝 {read.rejected}，"
        f"跳过 {read.skipped}（read {read.rows_read} = accepted + rejected + skipped）"
    )
    if read.failures.height:
        write_table(read.failures, rejects_path)
        out.print(f"问题行明细 / rejected rows: [bold]{rejects_path}[/]")
        for row in read.failures.head(5).iter_rows(named=True):
            out.print(
                f"  第{row['row']}行 {row['column']} = {row['value']!r}: {row['reason']}",
                markup=False,
            )
    if read.ignored_columns:
        out.print(f"未识别的列（已忽略）: {', '.join(read.ignored_columns)}")


def _print_summary(result: pl.DataFrame, profile: Profile, title: str, year: int) -> None:
    table = Table(title=f"{year} 年度 {title} — 各乡镇（街道）分类企业数")
    frame = class_summary(result, profile=profile)
    names = profile.class_names()
    for col in frame.columns:
        table.add_column(col, justify="left" if col == "乡镇（街道）" else "right", no_wrap=True)
    for row in frame.iter_rows():
        table.add_row(*(str(v) for v in row))
    out.print(table)
    out.print("  ".join(f"{c}={names[c]}" for c in frame.columns if c in names), markup=False)


register_whatif(app, show=_print_frame, console=out)


def main() -> None:
    """Entry point: run the app; user-fixable errors print one ``Error:`` block, exit 1."""
    try:
        app()
    except MujunError as exc:
        if _state["debug"]:
            raise
        err.print(f"Error: {exc}", markup=False, highlight=False)
        sys.exit(1)
    except Exception as exc:  # a bug or an input we did not foresee: still no traceback
        if _state["debug"]:
            raise
        err.print(
            f"Error: unexpected {type(exc).__name__}: {exc}\n"
            "Hint: this may be a bug in mujun; rerun with --debug and report the traceback.",
            markup=False,
            highlight=False,
        )
        sys.exit(2)
