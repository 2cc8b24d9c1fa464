"""``mujun objection``: objections (异议) to a year's notice — log, decide, list."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import polars as pl
import typer

from mujun import cycle
from mujun.cli._app import app
from mujun.cli._console import out, print_objections
from mujun.cli.options import DbOption, FirmOption, WhoOption, YearOption, open_existing
from mujun.errors import DataError

objection_app = typer.Typer(
    help="异议（公示期间企业提出）：登记、处理、列出。", no_args_is_help=True
)
app.add_typer(objection_app, name="objection")


@objection_app.command("add", help="登记一项异议（须在公示后）。")
def add(
    year: YearOption,
    firm: FirmOption,
    received: Annotated[
        dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="收到日期，如 2024-05-08。")
    ],
    from_whom: Annotated[str, typer.Option("--from", help="异议人（企业、联系人）。")],
    claim: Annotated[str, typer.Option(help="异议内容，如“用地面积有误，应为 12.5 亩”。")],
    evidence: Annotated[str | None, typer.Option(help="证明材料文件名。")] = None,
    who: WhoOption = "unknown",
    db: DbOption = None,
) -> None:
    """Log an objection."""
    with open_existing(db) as store:
        uscc, name = cycle.find_firm(store, firm)
        number = cycle.record_objection(
            store, year=year, uscc=uscc, received=received.date(), from_whom=from_whom,
            claim=claim, evidence=evidence, who=who,
        )  # fmt: skip
    out.print(f"已登记异议第 {number} 号：{uscc} {name or ''}：{claim}", markup=False)


@objection_app.command(
    "decide", help="处理一项异议：成立（--upheld）或不成立（--rejected），并写明理由。"
)
def decide(
    objection_id: Annotated[int, typer.Option("--id", help="异议编号。")],
    upheld: Annotated[
        bool | None,
        typer.Option("--upheld/--rejected", help="--upheld 异议成立；--rejected 异议不成立。"),
    ] = None,
    note: Annotated[str, typer.Option(help="处理意见（答复企业的理由）。")] = "",
    who: WhoOption = "unknown",
    db: DbOption = None,
) -> None:
    """Decide an objection."""
    if upheld is None:
        msg = "请给出 --upheld（异议成立）或 --rejected（异议不成立）。"
        raise DataError(msg)
    with open_existing(db) as store:
        done = cycle.decide_objection(
            store, objection_id=objection_id, outcome="upheld" if upheld else "rejected",
            who=who, note=note,
        )  # fmt: skip
    out.print(f"异议第 {done.objection_id} 号：{done.label}（{note}）", markup=False)
    if done.late:
        out.print("提示：该异议在公示期结束后收到。", markup=False)
    if upheld:
        out.print(
            f"如需调档：mujun adjust --year {done.year} --firm {done.uscc} --to … --reason … "
            f"--objection {done.objection_id}；如需更正数据：mujun import … --db 后 "
            f"mujun run --year {done.year} … --objection {done.objection_id}",
            markup=False,
        )


@objection_app.command("list", help="列出一个评价年度的全部异议及处理结果。")
def list_cmd(year: YearOption, db: DbOption = None) -> None:
    """List a year's objections."""
    with open_existing(db, read_only=True) as store:
        status = cycle.year_status(store, year)
    print_objections(status.objections, f"{year} 年度异议（未处理 {status.open_objections} 项）")
    if status.objections.filter(pl.col("outcome").is_null()).height:
        out.print("处理：mujun objection decide --id … --upheld/--rejected --note …", markup=False)
