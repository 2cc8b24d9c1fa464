"""Command-line options shared by the command modules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mujun.store import DB_ENV, Store

DbOption = Annotated[
    Path | None,
    typer.Option("--db", envvar=DB_ENV, help="数据库文件（默认 ./mujun.duckdb）。"),
]
YearOption = Annotated[int, typer.Option(help="评价年度（如 2024，读取数据年度 2023 的数据）。")]
OutFolder = Annotated[Path | None, typer.Option("--out", help="存放输出的新文件夹。")]

# ---- the yearly cycle (issue 14) ---- #
FirmOption = Annotated[
    str,
    typer.Option("--firm", "--uscc", help="企业：统一社会信用代码（大小写、空格均可）或名称片段。"),
]
RunOption = Annotated[int | None, typer.Option("--run", help="运行编号（mujun runs 列出）。")]
StateOption = Annotated[
    str | None,
    typer.Option(
        "--state",
        help="读取哪一稿：draft 内部审核稿、notice 公示稿、final 认定稿"
        "（默认认定稿，否则公示稿）。",
    ),
]
WhoOption = Annotated[str, typer.Option("--who", envvar="USER", help="操作人（记入记录）。")]


def open_existing(db: Path | None, *, read_only: bool = False) -> Store:
    """Open a database that must already exist: never create one in the wrong folder.

    Raises:
        StoreError: there is no database at the path (the message says how to make one).
    """
    return Store.open(db, read_only=read_only, create=False)
