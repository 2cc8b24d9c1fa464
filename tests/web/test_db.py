"""The server's hold on the file: reads see whole writes only; one writer at a time."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from mujun.web.db import BusyError, WebDB


def test_a_read_never_sees_half_a_write(db_path: Path) -> None:
    db = WebDB(db_path)
    try:
        with db.read() as store:
            before = store.first_row("SELECT count(*) FROM results")
        with db.write() as writer, writer.transaction() as con:
            con.execute(
                "INSERT INTO results SELECT * REPLACE (999 AS run_id) FROM results "
                "WHERE run_id = (SELECT min(run_id) FROM results)"
            )
            with db.read() as store:  # another request, mid-write
                assert store.first_row("SELECT count(*) FROM results") == before
        with db.read() as store:
            after = store.first_row("SELECT count(*) FROM results WHERE run_id = 999")
        assert after is not None
        assert after[0] > 0
    finally:
        db.close()


def test_writers_take_turns_and_a_late_one_is_told_the_database_is_busy(db_path: Path) -> None:
    db = WebDB(db_path, write_wait=0.2)
    order: list[str] = []
    try:
        with db.write():
            assert db.busy
            with pytest.raises(BusyError, match="数据库正在写入"), db.write():
                pass

            def second() -> None:
                with db.write(wait=5):
                    order.append("second")

            waiting = threading.Thread(target=second)
            waiting.start()
            time.sleep(0.3)
            order.append("first")
        waiting.join(timeout=5)
        assert order == ["first", "second"]
        assert not db.busy
    finally:
        db.close()
