"""`mujun users add|list` (the first admin is made on the command line) and `mujun serve --help`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mujun.cli import app
from mujun.store import Store

runner = CliRunner()


def test_the_first_admin_and_an_analyst_are_made_on_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    made = runner.invoke(app, ["users", "add", "--admin", "--name", "chief", "--db", str(db)],
                         input="long-enough-1\n")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "管理员" in made.output
    clerk = runner.invoke(
        app,
        ["users", "add", "--name", "wang", "--county", "示范县", "--display-name", "王科员",
         "--db", str(db)],
        input="long-enough-2\n",
    )  # fmt: skip
    assert clerk.exit_code == 0, clerk.output
    listed = runner.invoke(app, ["users", "list", "--db", str(db)])
    assert listed.exit_code == 0
    assert "chief" in listed.output
    assert "王科员" in listed.output
    assert "示范县" in listed.output
    with Store.open(db, read_only=True) as store:
        log = store.frame("SELECT action, target FROM web_audit ORDER BY audit_id")
    assert log.rows() == [("新增用户", "chief"), ("新增用户", "wang")]


def test_users_add_refuses_what_cannot_work(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    short = runner.invoke(app, ["users", "add", "--admin", "--name", "a", "--db", str(db)],
                          input="short\n")  # fmt: skip
    assert short.exit_code != 0
    assert "至少 8 个字符" in str(short.exception)
    no_county = runner.invoke(app, ["users", "add", "--name", "b", "--db", str(db)],
                              input="long-enough-1\n")  # fmt: skip
    assert no_county.exit_code != 0
    assert "--county" in str(no_county.exception)


def test_serve_has_its_options() -> None:
    shown = runner.invoke(app, ["serve", "--help"])
    assert shown.exit_code == 0
    for option in ("--db", "--host", "--port"):
        assert option in shown.output
