"""``mujun import``: the departments' spreadsheets into canonical facts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from mujun import cycle
from mujun.cli._app import app
from mujun.cli._console import out, print_import
from mujun.cli.imports import store_import
from mujun.cli.options import WhoOption
from mujun.errors import MujunError
from mujun.ingest.importer import ImportRefused, ImportResult, import_year
from mujun.ingest.mapping import EVIDENCE_LABELS, parse_corrections
from mujun.profiles import load_profile
from mujun.report import check_table_path, write_table
from mujun.report.import_report import write_import_report

FilesOption = Annotated[list[Path] | None, typer.Option(help="文件；多个文件重复本选项。")]


@app.command(
    "import",
    short_help="把各部门某一数据年度的报表导入为标准事实数据。",
    help="把各部门某一数据年度的报表导入为标准事实数据。每个文件的列对照（哪一列读作哪个字段、"
    "什么单位、依据什么）都会打印并写入导入报告；一个文件没有一行可用，或缺少该来源应有的数据时，"
    "导入停止（退出码 1，不入库）。",
)
def import_cmd(
    year: Annotated[
        int,
        typer.Option(
            "--data-year",
            "--year",
            help="数据年度：文件所记载的年份（如 2023，用于评价年度 2024）。",
        ),
    ],
    out_path: Annotated[
        Path, typer.Option("--out", help="输出的事实数据文件（.parquet 或 .csv）。")
    ],
    tax: FilesOption = None,
    stats: FilesOption = None,
    land: FilesOption = None,
    energy: FilesOption = None,
    meters: FilesOption = None,
    emissions: FilesOption = None,
    register: FilesOption = None,
    profile: Annotated[
        str, typer.Option(help="评价方案：采用其税收口径和能耗口径。")
    ] = "zhejiang_baseline",
    report: Annotated[
        Path | None, typer.Option(help="导入报告工作簿（默认写在 --out 旁边）。")
    ] = None,
    db: Annotated[
        Path | None,
        typer.Option(help="同时入库：事实数据与导入问题作为一个批次存入此数据库。"),
    ] = None,
    who: WhoOption = "unknown",
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            metavar="表头=字段",
            help="更正列对照：把某列读作某字段（如 --map 税收收入=total），"
            "字段写 - 表示不导入该列；可重复。",
        ),
    ] = None,
    unit: Annotated[
        list[str] | None,
        typer.Option(metavar="表头=单位", help="更正单位（如 --unit 工业增加值=千元）；可重复。"),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(help="列对照文件（TOML：[map] 表头 = 字段，[unit] 表头 = 单位）。"),
    ] = None,
) -> None:
    """Import the departments' spreadsheets for one data year into canonical facts.

    The column mapping of every file (which column became which field, in which unit, on what
    evidence) is printed and written to the import report; a file without one usable row, or
    without the data its source exists for, stops the import (exit 1, nothing stored).
    """
    check_table_path(out_path)
    given = {"tax": tax, "stats": stats, "land": land, "energy": energy, "meters": meters,
             "emissions": emissions, "register": register}  # fmt: skip
    files = {k: v for k, v in given.items() if v}
    if not files:
        msg = (
            "没有给出任何文件。\n提示：至少给出 --tax、--stats、--land、--energy、"
            "--meters、--emissions、--register 之一。"
        )
        raise MujunError(msg)
    prof = load_profile(profile)
    corrections = parse_corrections(map_ or (), unit or (), mapping)
    report_path = report or out_path.with_name(f"{out_path.stem}_import_report.xlsx")
    total = sum(len(v) for v in files.values())
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  MofNCompleteColumn(), console=out, transient=True) as bar:  # fmt: skip
        task = bar.add_task("读取 / reading", total=total)

        def step(name: str) -> None:
            bar.update(task, advance=1, description=f"读取 {Path(name).name}")

        try:
            result = import_year(files, year=year, settings=prof.ingest, progress=step,
                                 corrections=corrections)  # fmt: skip
        except ImportRefused as refused:
            bar.stop()
            print_mappings(refused.result)
            print_import(refused.result, year)
            written_report = write_import_report(refused.result, report_path)
            out.print(f"导入报告（问题行）/ import report: {written_report}", markup=False)
            raise
    written = write_table(result.facts, out_path)
    report_path = write_import_report(result, report_path)
    print_mappings(result)
    print_import(result, year)
    out.print(cycle.year_line(year, offset=prof.data_year_offset), markup=False)
    out.print(f"事实数据 / facts: {written}", markup=False)
    out.print(f"导入报告 / import report: {report_path}", markup=False)
    if db is not None:
        store_import(result, db=db, data_year=year, who=who)


def print_mappings(result: ImportResult) -> None:
    """Each sheet's column mapping: column → field, unit and evidence; what was not read."""
    for m in result.mappings:
        where = f"［{m.sheet}］" if m.sheet else ""
        out.print(
            f"列对照 {Path(m.file).name}{where}（{m.source_label}，表头在第 {m.header_row} 行）",
            markup=False, style="bold",
        )  # fmt: skip
        for c in m.columns:
            if c.field is None:
                flag = "  ← 有数值，未导入！" if c.numeric else ""
                out.print(f"  {c.column} {c.header} → （{c.label}）{flag}", markup=False)
                continue
            unit = f"，单位 {c.unit}（{EVIDENCE_LABELS[c.unit_evidence]}）" if c.unit else ""
            out.print(
                f"  {c.column} {c.header} → {c.field} {c.label}"
                f"（依据：{EVIDENCE_LABELS[c.evidence]}{unit}）",
                markup=False,
            )
        for line in m.warnings():
            out.print(f"  注意：{line}", markup=False, style="yellow")
        for line in m.notes:
            out.print(f"  说明：{line}", markup=False)
    if result.corrections:
        out.print(
            f"用户更正（已记入导入报告和批次）：{'；'.join(result.corrections)}", markup=False
        )
