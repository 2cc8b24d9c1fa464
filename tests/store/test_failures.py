"""A full disk or an unwritable database gives one clear error and loses nothing."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from mujun.cli import app
from mujun.store import Store
from mujun.testing import make_facts

runner = CliRunner()
MUJUN = [sys.executable, "-c", "from mujun.cli import main; main()"]


def _published(tmp: Path) -> Path:
    db = tmp / "county.duckdb"
    make_facts(300, seed=4).write_parquet(tmp / "small.parquet")
    for args in (
        [
            "run",
            "--year",
            "2024",
            "--profile",
            "zhejiang_baseline",
            "--facts",
            str(tmp / "small.parquet"),
        ],
        ["publish", "--year", "2024"],
    ):
        done = runner.invoke(app, [*args, "--db", str(db)])
        assert done.exit_code == 0, done.output
    with Store.open(db) as store:
        store.con.execute("CHECKPOINT")
    return db


def _state(db: Path) -> tuple[object, ...]:
    with Store.open(db, read_only=True) as store:
        return (
            store.first_row("SELECT count(*), max(run_id) FROM runs"),
            store.first_row("SELECT count(*) FROM batches"),
            store.first_row("SELECT count(*) FROM results"),
            store.first_row("SELECT count(*) FROM runs WHERE status = 'final'"),
        )


def test_full_disk_gives_one_error_and_keeps_the_last_committed_state(tmp_path: Path) -> None:
    db = _published(tmp_path)
    before = _state(db)
    make_facts(100_000, seed=5).with_columns().write_parquet(tmp_path / "big.parquet")
    room = db.stat().st_size + 256 * 1024  # the database may grow by 256 KiB, no more

    def small_disk() -> None:  # a process whose files cannot grow: writes fail with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))

    done = subprocess.run(
        [*MUJUN, "run", "--year", "2024", "--profile", "zhejiang_baseline",
         "--facts", str(tmp_path / "big.parquet"), "--db", str(db)],
        capture_output=True, text=True, preexec_fn=small_disk, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("错误：无法写入")
    assert "没有任何改动" in done.stderr
    assert _state(db) == before


def test_unwritable_database_gives_one_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _published(tmp_path)
    before = _state(db)
    real = duckdb.connect

    def refuse(path: str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        if not read_only:
            raise duckdb.IOException(f'IO Error: Cannot open file "{path}": Permission denied')
        return real(path, read_only=True)

    monkeypatch.setattr(duckdb, "connect", refuse)
    done = runner.invoke(app, ["publish", "--year", "2024", "--supersede", "--db", str(db)])
    assert done.exit_code == 1
    assert "Permission denied" in str(done.exception)
    monkeypatch.undo()
    assert _state(db) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions")
def test_read_only_file(tmp_path: Path) -> None:
    db = _published(tmp_path)
    before = _state(db)
    db.chmod(0o444)
    done = subprocess.run([*MUJUN, "publish", "--year", "2024", "--supersede", "--db", str(db)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert _state(db) == before


def test_database_folder_that_cannot_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    done = subprocess.run([*MUJUN, "run", "--year", "2024", "--profile", "zhejiang_baseline",
                           "--db", str(blocker / "sub" / "x.duckdb")],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "无法把" in done.stderr and "作为 mujun 数据库打开" in done.stderr
