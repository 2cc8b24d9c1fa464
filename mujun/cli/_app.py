"""The typer application and its sub-apps; command modules register on them."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    help="mujun：工业企业亩均效益综合评价。",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
profiles_app = typer.Typer(help="评价方案：列出、查看、校验。", no_args_is_help=True)
app.add_typer(profiles_app, name="profiles")

db_app = typer.Typer(help="数据库：schema 版本与升级。", no_args_is_help=True)
snapshot_app = typer.Typer(help="把一次运行导出或导入为 Parquet 文件。", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(snapshot_app, name="snapshot")

state = {"debug": False}


@app.callback()
def _main(
    debug: Annotated[
        bool, typer.Option("--debug", help="出错时显示完整的技术信息（traceback）。")
    ] = False,
) -> None:
    state["debug"] = debug
