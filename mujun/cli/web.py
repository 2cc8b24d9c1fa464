"""``mujun serve`` (the web app) and ``mujun users add|list`` (its accounts)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from mujun.cli._app import app
from mujun.cli._console import out
from mujun.cli.options import DbOption
from mujun.errors import MujunError
from mujun.store import Store, default_db_path

users_app = typer.Typer(help="网页版用户：添加、列出。", no_args_is_help=True)
app.add_typer(users_app, name="users")


@app.command(help="启动网页版（单进程；按 Ctrl+C 停止）。")
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="监听地址（0.0.0.0：对办公室局域网开放）。")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="端口。")] = 8000,
) -> None:
    """Start the web app over the database (one process; stop with Ctrl+C)."""
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    from mujun.web import create_app  # noqa: PLC0415

    path = db or default_db_path()
    web = create_app(path)
    with web.state.db.read() as store:
        from mujun.web.users import has_users  # noqa: PLC0415

        if not has_users(store):
            out.print(
                "还没有用户：先停止服务，运行 mujun users add --admin --name 用户名 "
                f"--db {path} 创建第一个管理员。",
                markup=False,
            )
    out.print(f"亩均效益评价 Web：http://{host}:{port}/ （数据库 {path}）", markup=False)
    out.print("服务运行期间由它独占数据库文件；命令行写入请先停止服务（Ctrl+C）。", markup=False)
    uvicorn.run(web, host=host, port=port, workers=1, log_level="warning")


def _password() -> str:
    if not sys.stdin.isatty():  # scripts: the first line of standard input
        return sys.stdin.readline().rstrip("\n")
    first = typer.prompt("密码", hide_input=True)
    second = typer.prompt("再次输入密码", hide_input=True)
    if first != second:
        msg = "两次输入的密码不一致。"
        raise MujunError(msg)
    return str(first)


@users_app.command("add", help="添加网页版用户；密码在提示时输入（或从标准输入读取）。")
def users_add(
    name: Annotated[str, typer.Option(help="登录名。")],
    admin: Annotated[bool, typer.Option("--admin", help="设为管理员。")] = False,
    role: Annotated[
        str,
        typer.Option(
            help="角色：analyst（分析员）、viewer（领导/查看）、auditor（审计）或 admin（管理员）。"
        ),
    ] = "analyst",
    county: Annotated[
        list[str] | None, typer.Option(help="该用户负责的县（区）（可重复；* 表示全部）。")
    ] = None,
    display_name: Annotated[str | None, typer.Option(help="在网页中显示的姓名。")] = None,
    db: DbOption = None,
) -> None:
    """Create a web app user; the password is asked (or read from standard input)."""
    from mujun.web.users import add_user  # noqa: PLC0415

    password = _password()
    with Store.open(db) as store:
        user = add_user(
            store,
            name=name,
            password=password,
            role="admin" if admin else role,
            counties=list(county or []),
            display_name=display_name,
            who="命令行 mujun users add",
        )
    out.print(
        f"已创建用户 {user.name}（{user.role_label}，县（市、区）：{'、'.join(user.counties)}）",
        markup=False,
    )


@users_app.command("list", help="列出网页版用户。")
def users_list(db: DbOption = None) -> None:
    """List the web app's users."""
    from mujun.web.users import ROLES, list_users  # noqa: PLC0415

    with Store.open(db, read_only=True) as store:
        frame = list_users(store)
    table = Table("用户名", "姓名", "角色", "县（市、区）", "状态", "创建时间")
    for row in frame.iter_rows(named=True):
        table.add_row(
            row["name"],
            row["display_name"],
            ROLES[row["role"]],
            "、".join(json.loads(row["counties"])),
            "启用" if row["active"] else "停用",
            str(row["created_at"])[:16],
        )
    out.print(table)
