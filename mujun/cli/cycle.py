"""The yearly cycle: run (draft), notice (公示), adjust, review, final (认定), status, history.

Thin shells over `mujun.cycle` (the web app calls the same functions); objections live in
`mujun.cli.objections`. Every command except ``run`` refuses a database that does not exist.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from mujun import cycle
from mujun import store as st
from mujun.cli._app import app, db_app, snapshot_app
from mujun.cli._console import (
    out,
    print_by_year,
    print_changes,
    print_frame,
    print_reviews,
    print_runs,
    print_status,
    print_summary,
    report_reading,
)
from mujun.cli._periods import warn_period
from mujun.cli.options import (
    DbOption,
    FirmOption,
    RunOption,
    StateOption,
    WhoOption,
    YearOption,
    open_existing,
)
from mujun.errors import DataError
from mujun.ingest import read_facts
from mujun.profiles import load_profile
from mujun.store import STATE_LABELS, Store

DateOption = Annotated[
    dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="日期，如 2024-05-06。")
]


@app.command("run", help="评价一个评价年度并存为内部审核稿（已有的人工调档自动沿用）。")
def run_cmd(
    year: YearOption,
    profile: Annotated[str, typer.Option(help="评价方法：方案名称或 .toml 文件路径。")],
    facts: Annotated[
        Path | None,
        typer.Option(help="先入库的事实数据文件（.parquet/.csv/.xlsx）；不给则用库中已有数据。"),
    ] = None,
    db: DbOption = None,
    note: Annotated[str | None, typer.Option(help="随本次运行保存的备注。")] = None,
    objection: Annotated[
        list[int] | None,
        typer.Option(help="本次重新评价所处理的异议编号（可重复）。"),
    ] = None,
    who: WhoOption = "unknown",
) -> None:
    """Score an evaluation year and store it as a draft run."""
    prof = load_profile(profile)
    warn_period(prof, year)
    data_year = year + prof.data_year_offset
    out.print(cycle.year_line(data_year, offset=prof.data_year_offset), markup=False)
    path = db if db is not None else st.default_db_path()
    if not path.is_file():
        out.print(f"新建数据库：{path}", markup=False)
    if facts is not None:
        read = read_facts(facts)
        years = sorted(read.facts.get_column("year").drop_nulls().unique().to_list())
        if data_year not in years:
            msg = (
                f"{facts} 中的数据年度是 {'、'.join(map(str, years)) or '（无）'}，评价年度 {year} "
                f"需要数据年度 {data_year} 的数据；未入库任何数据。\n"
                f"提示：{facts.name} 对应评价年度 "
                f"{'、'.join(str(y - prof.data_year_offset) for y in years) or '（无）'}；"
                "请检查 --year 或所选文件。"
            )
            raise DataError(msg)
        report_reading(read, facts.with_name(f"{facts.stem}_rejected.csv"))
        source = {
            "file": str(facts),
            "sha256": st.file_sha256(facts),
            "rows_read": read.rows_read,
            "accepted": read.accepted,
            "rejected": read.rejected,
            "skipped": read.skipped,
        }
        with Store.open(db) as store:
            stored = cycle.import_batch(
                store, facts=read.facts, sources=[source], problems=read.failures, who=who
            )
        for data, batch in stored.batches.items():
            out.print(f"事实数据已入库：批次 {batch}（数据年度 {data}）", markup=False)
    with Store.open(db) as store:  # the first run creates the database
        done = cycle.score_year(
            store, year=year, profile=prof, note=note, who=who, objection_ids=objection or ()
        )
    print_summary(done.result, prof, f"{prof.meta.title}（内部审核稿）", year)
    out.print(f"已存为内部审核稿：运行 {done.run_id}", markup=False)
    out.print(f"沿用人工调档 {done.carried} 项；待决定 {done.needs_review.height} 项", markup=False)
    if done.needs_review.height:
        print_reviews(done.needs_review, f"运行 {done.run_id} 待决定的人工调档")
        out.print(
            f"逐项决定：mujun review --year {year} --firm … "
            "--keep（继续适用）或 --drop（不再适用）",
            markup=False,
        )
    out.print(
        f"下一步：审核（mujun export --year {year} --state draft）→ 公示（mujun notice --year "
        f"{year} --start … --end … --contact … --issuer …）→ 认定（mujun final --year {year}）",
        markup=False,
    )


@app.command(help="公示：把内部审核稿（默认最新一稿）作为公示稿发布，名单冻结。")
def notice(
    year: YearOption,
    start: DateOption,
    end: DateOption,
    contact: Annotated[str, typer.Option(help="异议受理单位、电话、地址。")],
    issuer: Annotated[str, typer.Option(help="发布单位，如 XX县经济和信息化局。")],
    run: RunOption = None,
    confirm: Annotated[bool, typer.Option(help="确认待决定的人工调档全部不适用后仍公示。")] = False,
    who: WhoOption = "unknown",
    db: DbOption = None,
) -> None:
    """Post a draft for public notice (公示)."""
    with open_existing(db) as store:
        posted = cycle.start_notice(
            store, year=year, run_id=run, start=start.date(), end=end.date(), contact=contact,
            issuer=issuer, who=who, confirm=confirm,
        )  # fmt: skip
    days = (posted.end - posted.start).days + 1
    out.print(
        f"{year} 年度公示稿：运行 {posted.run_id}，公示期 {posted.start} 至 {posted.end}"
        f"（{days} 天），发布单位 {posted.issuer}，异议受理 {posted.contact}",
        markup=False,
    )
    if not 3 <= days <= 7:
        out.print(f"提示：公示期 {days} 天，通常为 3–7 天，请核对。", markup=False)
    out.print(
        f"公示稿：mujun export --year {year} --state notice；登记异议：mujun objection add "
        f"--year {year} --firm … --received … --from … --claim …",
        markup=False,
    )


_SupersedeOption = Annotated[
    bool, typer.Option(help="取代已有的认定稿（原认定稿保留，标为已取代）。")
]
_ConfirmFinalOption = Annotated[
    bool, typer.Option(help="确认：待决定的调档不适用、未处理的异议保留，仍然认定。")
]


@app.command(
    "final",
    help="认定：决定年度最终名单（默认公示稿，或公示后重新评价的一稿）；只有认定稿用于政策兑现。",
)
def final_cmd(
    year: YearOption,
    run: RunOption = None,
    supersede: _SupersedeOption = False,
    confirm: _ConfirmFinalOption = False,
    who: WhoOption = "unknown",
    db: DbOption = None,
) -> None:
    """Decide the year's final list (认定)."""
    _final(year=year, run=run, supersede=supersede, confirm=confirm, who=who, db=db)


@app.command(help="认定（mujun final 的旧名）；公示请用 mujun notice。")
def publish(
    year: YearOption,
    run: RunOption = None,
    supersede: _SupersedeOption = False,
    confirm: _ConfirmFinalOption = False,
    who: WhoOption = "unknown",
    db: DbOption = None,
) -> None:
    """Old name of `final`."""
    out.print("mujun publish 即认定（mujun final）；公示请先用 mujun notice。", markup=False)
    _final(year=year, run=run, supersede=supersede, confirm=confirm, who=who, db=db)


def _final(
    *, year: int, run: int | None, supersede: bool, confirm: bool, who: str, db: Path | None
) -> None:
    with open_existing(db) as store:
        done = cycle.decide_final(
            store, year=year, who=who, confirm=confirm, run_id=run, supersede=supersede
        )
    extra = f"（取代认定稿 运行 {done.superseded}）" if done.superseded else ""
    out.print(f"{year} 年度已认定：运行 {done.run_id}{extra}", markup=False)
    if done.notice is None:
        out.print("提示：本年度未经公示直接认定。", markup=False)
    else:
        print_changes(done.changes, f"{year} 年度认定稿与公示稿的差异（{done.changes.height} 家）")
    if done.confirmed_reviews:
        out.print(f"已确认 {done.confirmed_reviews} 项人工调档不适用（采用重新评价结果）。")
    if done.open_objections.height:
        out.print(f"仍有 {done.open_objections.height} 项异议未处理（已确认后认定）。")


@app.command(help="人工调档（定档调档）：记在本年度当前一稿上，以后每次重新评价都会沿用。")
def adjust(
    year: YearOption,
    firm: FirmOption,
    to: Annotated[str, typer.Option(help="调整后的等级，如 B。")],
    reason: Annotated[str, typer.Option(help="调档理由（将公开）。")],
    objection: Annotated[int | None, typer.Option(help="所依据的异议编号。")] = None,
    who: WhoOption = "unknown",
    db: DbOption = None,
) -> None:
    """Record a manual class adjustment (调档) for the year."""
    with open_existing(db) as store:
        uscc, _ = cycle.find_firm(store, firm)
        done = cycle.adjust(
            store, year=year, uscc=uscc, to_class=to, reason=reason, who=who,
            objection_id=objection,
        )  # fmt: skip
    via = f"，依据异议第 {done.objection_id} 号" if done.objection_id else ""
    out.print(
        f"运行 {done.run_id}（{STATE_LABELS[done.state]}）：{done.uscc} {done.name or ''} "
        f"{done.from_class} → {done.to_class}（{done.reason}{via}）",
        markup=False,
    )
    if done.state == "notice":
        out.print("公示稿保持公示时的名单；本次调档将列入认定稿。", markup=False)


@app.command(help="决定重新评价后待决定的人工调档：继续适用（--keep）或不再适用（--drop）。")
def review(
    year: YearOption,
    firm: FirmOption,
    keep: Annotated[
        bool | None,
        typer.Option("--keep/--drop", help="--keep 继续适用原调档；--drop 采用重新评价结果。"),
    ] = None,
    note: Annotated[str | None, typer.Option(help="决定说明。")] = None,
    who: WhoOption = "unknown",
    db: DbOption = None,
) -> None:
    """Decide an adjustment a rescore could not carry."""
    if keep is None:
        msg = "请给出 --keep（继续适用原调档）或 --drop（采用重新评价结果）。"
        raise DataError(msg)
    with open_existing(db) as store:
        uscc, name = cycle.find_firm(store, firm)
        done = cycle.resolve_review(store, year=year, uscc=uscc, keep=keep, who=who, note=note)
    if done is None and not keep:
        out.print(f"{uscc} {name or ''}：原调档不再适用，采用重新评价结果。", markup=False)
    elif done is None:
        out.print(f"{uscc} {name or ''}：本次评价已是原调档的等级，无需再调档。", markup=False)
    else:
        out.print(
            f"{uscc} {name or ''}：继续适用 {done.from_class} → {done.to_class}"
            f"（运行 {done.run_id}）",
            markup=False,
        )


@app.command(help="一个评价年度的进度：数据批次、各稿状态、公示、异议、调档、待决定事项。")
def status(year: YearOption, db: DbOption = None) -> None:
    """Where a year stands in the cycle."""
    with open_existing(db, read_only=True) as store:
        print_status(cycle.year_status(store, year))


@app.command(
    "runs", help="列出库中的评价运行（最新在前），含状态：内部审核稿 / 公示稿 / 认定稿 / 已取代。"
)
def runs_cmd(
    year: Annotated[int | None, typer.Option(help="只列此评价年度。")] = None,
    db: DbOption = None,
) -> None:
    """List the stored runs with their states."""
    with open_existing(db, read_only=True) as store:
        print_runs(st.runs(store, year=year))


@app.command("history", help="一家企业历年认定的等级和得分。")
def history_cmd(firm: FirmOption, db: DbOption = None) -> None:
    """A firm's decided classes and scores across years."""
    with open_existing(db, read_only=True) as store:
        uscc, name = cycle.find_firm(store, firm)
        frame = st.history(store, uscc)
    if frame.is_empty():
        msg = (
            f"企业 {uscc} {name or ''} 尚无认定的评价结果。\n提示：mujun status --year … 查看进度。"
        )
        raise DataError(msg)
    print_by_year(frame.drop("run_id"), f"{uscc} {name or ''} 历年评价（认定稿）")


@app.command(help="两个年度之间的等级变动矩阵（较晚年度可选 --state draft 或 --run）。")
def compare(
    from_year: Annotated[int, typer.Option("--from", help="较早的评价年度（认定稿）。")],
    to_year: Annotated[int, typer.Option("--to", help="较晚的评价年度。")],
    run: RunOption = None,
    state: StateOption = None,
    db: DbOption = None,
) -> None:
    """The class transition matrix between two years."""
    with open_existing(db, read_only=True) as store:
        chosen = st.select_run(store, to_year, run=run, state=state)
        matrix = st.transition_matrix(
            store, from_year=from_year, to_year=to_year, run=run, state=state
        )
    print_frame(
        matrix,
        f"{from_year} → {to_year} 等级变动（家）（{to_year} {chosen.label}，运行 {chosen.run_id}）",
    )


@app.command(help="截至某年连续满足条件的企业（如连续两年 D 类；只读认定稿）。")
def streak(
    year: YearOption,
    cls: Annotated[str | None, typer.Option("--class", help="认定等级，如 D。")] = None,
    indicator: Annotated[str | None, typer.Option(help="指标编号，如 tax_per_mu。")] = None,
    fact: Annotated[str | None, typer.Option(help="事实数据列，如 output_wan。")] = None,
    op: Annotated[str, typer.Option(help="比较：< <= > >= == !=")] = "<=",
    value: Annotated[float | None, typer.Option(help="比较的数值。")] = None,
    min_years: Annotated[int, typer.Option(help="至少连续的年数。")] = 2,
    db: DbOption = None,
) -> None:
    """Firms meeting a condition for consecutive decided years."""
    chosen = [(k, t) for k, t in (("class", cls), ("indicator", indicator), ("fact", fact)) if t]
    if len(chosen) != 1 or (chosen[0][0] != "class" and value is None):
        msg = "请只给 --class，或 --indicator / --fact 之一并加 --op 与 --value。"
        raise DataError(msg)
    kind, target = chosen[0]
    with open_existing(db, read_only=True) as store:
        frame = st.streak(store, year=year, kind=kind, target=target, op=op, value=value)  # type: ignore[arg-type]
    print_frame(
        frame.filter(pl.col("streak") >= min_years).sort(
            "streak", "uscc", descending=[True, False]
        ),
        f"连续 {min_years} 年及以上满足条件的企业",
    )


@app.command(
    "aggregates", help="分乡镇各等级企业数、用地、税收和亩均汇总（默认认定稿，否则公示稿）。"
)
def aggregates_cmd(
    year: YearOption, run: RunOption = None, state: StateOption = None, db: DbOption = None
) -> None:
    """Per-township aggregates of a year's run."""
    with open_existing(db, read_only=True) as store:
        chosen = st.select_run(store, year, run=run, state=state)
        frame = st.aggregates(store, year, run=run, state=state)
    print_frame(frame, f"{year} 年度分乡镇汇总（{chosen.label}，运行 {chosen.run_id}）")


@db_app.command("info", help="数据库的 schema 版本和评价运行。")
def db_info(db: DbOption = None) -> None:
    """The database's schema version and runs."""
    with open_existing(db, read_only=True) as store:
        out.print(f"{store.path}: schema v{store.schema_version()}", markup=False)
        print_runs(st.runs(store))


@db_app.command("upgrade", help="升级较早版本 mujun 写入的数据库（先备份原文件）。")
def db_upgrade(db: DbOption = None) -> None:
    """Migrate a database written by an older mujun (after a backup)."""
    path = db if db is not None else st.default_db_path()
    if not path.is_file():
        with open_existing(path):  # the same message as every other command
            pass
    before, after, backup = Store.upgrade(path)
    if backup is None:
        out.print(f"已是 schema v{after}，无需升级。", markup=False)
    else:
        out.print(f"已升级 schema v{before} → v{after}；备份：{backup}", markup=False)


@snapshot_app.command(
    "export", help="把一次运行（结果、指标、调档、事实数据、元数据）导出为 Parquet 文件。"
)
def snapshot_export(
    run: Annotated[int, typer.Option(help="运行编号。")],
    out_dir: Annotated[Path, typer.Option("--out", help="写出的文件夹。")],
    db: DbOption = None,
) -> None:
    """Write a run as Parquet files."""
    with open_existing(db, read_only=True) as store:
        folder = st.export_run(store, run, out_dir)
    out.print(f"运行 {run} 已导出到 {folder}", markup=False)


@snapshot_app.command("import", help="把导出的运行载入为内部审核稿。")
def snapshot_import(
    folder: Annotated[Path, typer.Argument(help="mujun snapshot export 写出的文件夹。")],
    db: DbOption = None,
) -> None:
    """Load an exported run as a draft."""
    with Store.open(db) as store:
        run_id = st.import_run(store, folder)
    out.print(f"已载入为内部审核稿：运行 {run_id}", markup=False)


from mujun.cli import objections  # noqa: E402, F401 - registers `mujun objection`
