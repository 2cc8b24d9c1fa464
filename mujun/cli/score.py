"""``mujun score`` (one-off, no database) and ``mujun demo`` (the sample county)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mujun import demo as demo_mod
from mujun.cli._app import app
from mujun.cli._console import (
    out,
    print_by_year,
    print_frame,
    print_import,
    print_summary,
    report_reading,
)
from mujun.cli._periods import warn_period
from mujun.engine import score as score_frame
from mujun.ingest import read_facts
from mujun.profiles import load_profile
from mujun.report import check_table_path, write_table


@app.command(help="对一个评价年度的企业评分并分类，结果写入 --out 文件。")
def score(
    profile: Annotated[str, typer.Option(help="评价方案：方案名称或 .toml 文件路径。")],
    facts: Annotated[Path, typer.Option(help="标准事实数据（.parquet、.csv 或 .xlsx）。")],
    year: Annotated[int, typer.Option(help="评价年度（读取方案规定的数据年度）。")],
    out_path: Annotated[Path, typer.Option("--out", help="结果文件（.parquet 或 .csv）。")],
    history: Annotated[
        Path | None, typer.Option(help="往年的事实数据（用于以上年为基准的指标）。")
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="被拒绝的行写到哪里（默认写在 --out 旁边）。")
    ] = None,
) -> None:
    """Score and classify the firms of one evaluation year."""
    check_table_path(out_path)
    prof = load_profile(profile)
    warn_period(prof, year)
    read = read_facts(facts)
    hist = read_facts(history).facts if history is not None else None
    result = score_frame(read.facts, profile=prof, year=year, history=hist)
    written = write_table(result, out_path)
    report_reading(read, rejects or out_path.with_name(f"{out_path.stem}_rejected.csv"))
    print_summary(result, prof, prof.meta.title, year)
    out.print(f"结果已写入 / results written to: [bold]{written}[/]")


# ---- demo ---- #
@app.command(help="用自带的示例县跑完整个流程，并打印各等级汇总。")
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="存放输出的文件夹。")] = Path("mujun_out"),
    profile: Annotated[
        str, typer.Option(help="评价方案：方案名称或 .toml 文件路径。")
    ] = "zhejiang_baseline",
) -> None:
    """Run the whole job on the bundled sample county and print the class summary."""
    prof = load_profile(profile)
    run = demo_mod.run_demo(out_dir, profile=prof)
    print_import(run.imported, run.year + prof.data_year_offset)
    out.print(f"导入报告 / import report: {run.import_report_path}", markup=False)
    print_summary(run.result, prof, f"{prof.meta.title}（示范县样例数据，认定稿）", run.year)
    out.print(f"名单 CSV（供系统导入）/ class list for systems: [bold]{run.class_list_path}[/]")
    out.print(f"公示名单 / public list: [bold]{run.workbook_path}[/]")
    out.print(f"内部资料 / internal workbook: [bold]{run.internal_workbook_path}[/]")
    out.print(f"分析报告 / region report: [bold]{run.report_path}[/]")
    out.print(f"完整结果 / full results: [bold]{run.result_path}[/]")
    out.print("评价流程（内部审核稿 → 公示 → 认定）：", markup=False)
    for step in run.steps:
        out.print(f"  {step}", markup=False)
    runs_text = ", ".join(f"{y}: run {r}" for y, r in sorted(run.published.items()))
    out.print(f"已入库并认定 / stored and decided in {run.db_path} ({runs_text})", markup=False)
    if run.transition is not None:
        years = sorted(run.published)
        print_frame(run.transition, f"{years[0]} → {years[-1]} 等级变动（家）")
    if run.firm_history is not None:
        print_by_year(
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
    db = run.db_path
    web = f"mujun users add --admin --name admin --db {db} && mujun serve --db {db}"
    out.print(f"在浏览器中打开示范县 / open it in the web app: {web}", markup=False)
