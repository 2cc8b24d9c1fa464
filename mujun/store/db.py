"""The snapshot store: one DuckDB file, a versioned schema, short transactions.

Writers hold the file only while they write; a second process that finds the file locked
waits (``MUJUN_DB_TIMEOUT`` seconds, default 30) and then reports the database as busy.
Every write runs in one transaction, so a crash (even SIGKILL) leaves the last committed
state: DuckDB replays only committed work from its write-ahead log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import duckdb
import polars as pl

from mujun.errors import StoreError
from mujun.store._migrations import MIGRATIONS, SCHEMA_VERSION

DB_ENV = "MUJUN_DB"
TIMEOUT_ENV = "MUJUN_DB_TIMEOUT"
DEFAULT_DB = "mujun.duckdb"
_POLL_SECONDS = 0.2


def default_db_path() -> Path:
    """``$MUJUN_DB``, else ``mujun.duckdb`` in the working directory."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


def engine_version() -> str:
    """The installed mujun version (stored with every run)."""
    from mujun import __version__  # noqa: PLC0415 - avoid an import cycle at module load

    return __version__


class Store:
    """An open snapshot store. Use as a context manager, or call `close`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, *, read_only: bool) -> None:
        self.con = con
        self.path = path
        self.read_only = read_only

    # ---- opening ---- #
    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        *,
        read_only: bool = False,
        timeout: float | None = None,
        create: bool = True,
    ) -> Store:
        """Open (and, for writing, create unless ``create`` is false) the store at ``path``.

        Raises:
            StoreError: the file is missing (read-only), locked past the timeout, not a DuckDB
                or not a mujun database, or made by a newer or older mujun.
        """
        path = Path(path) if path is not None else default_db_path()
        if (read_only or not create) and not path.is_file():
            msg = (
                f"{path} 处没有 mujun 数据库。\n提示：mujun import … --db 或 mujun run 会新建；"
                f"用 --db 或环境变量 {DB_ENV} 指定其他文件。"
            )
            raise StoreError(msg)
        con = _connect(path, read_only=read_only, timeout=timeout)
        store = cls(con, path, read_only=read_only)
        try:
            store._check_version()
        except BaseException:
            con.close()
            raise
        return store

    def _check_version(self) -> None:
        version = self.schema_version()
        if version is None:
            if self._has_tables():
                self.close()
                msg = (
                    f"{self.path} 是 DuckDB 文件，但不是 mujun 数据库。\n"
                    "提示：用 --db 给 mujun 单独的文件。"
                )
                raise StoreError(msg)
            if self.read_only:
                msg = f"{self.path} 是空数据库。\n提示：mujun run 会写入评价结果。"
                raise StoreError(msg)
            self._migrate(0)
            return
        if version > SCHEMA_VERSION:
            msg = (
                f"{self.path} 由更新版本的 mujun 写入（schema v{version}）；本机 mujun "
                f"{engine_version()} 只能读取到 v{SCHEMA_VERSION}。\n"
                "提示：升级 mujun（pip install -U mujun）后再打开。"
            )
            raise StoreError(msg)
        if version < SCHEMA_VERSION:
            msg = (
                f"{self.path} 由较早版本的 mujun 写入（schema v{version}）；本机 mujun "
                f"{engine_version()} 使用 v{SCHEMA_VERSION}。\n"
                f"提示：运行 mujun db upgrade --db {self.path}（升级前先备份原文件）。"
            )
            raise StoreError(msg)

    @classmethod
    def upgrade(cls, path: str | Path | None = None) -> tuple[int, int, Path | None]:
        """Migrate an older database to this mujun's schema, after copying it aside.

        Returns:
            The version before, the version after and the backup file (none if nothing to do).
        """
        path = Path(path) if path is not None else default_db_path()
        con = _connect(path, read_only=False, timeout=None)
        store = cls(con, path, read_only=False)
        try:
            before = store.schema_version() or 0
            if before > SCHEMA_VERSION:
                store._check_version()
            if before == SCHEMA_VERSION:
                return before, before, None
            con.execute("CHECKPOINT")
            backup = path.with_name(f"{path.name}.v{before}.bak")
            shutil.copy2(path, backup)
            store._migrate(before)
            return before, SCHEMA_VERSION, backup
        finally:
            store.close()

    def _migrate(self, current: int) -> None:
        now = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with self.transaction() as con:
                for statement in MIGRATIONS[version]:
                    con.execute(statement)
                con.execute(
                    "INSERT INTO schema_versions VALUES (?, ?, ?)",
                    [version, now, engine_version()],
                )

    def schema_version(self) -> int | None:
        """The database's schema version (None for a database without mujun's tables)."""
        has = self.first_row(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_versions'"
        )
        if not has or not has[0]:
            return None
        row = self.first_row("SELECT max(version) FROM schema_versions")
        return int(row[0]) if row and row[0] is not None else None

    def first_row(self, query: str, params: list[Any] | None = None) -> tuple[Any, ...] | None:
        """The first row of a query (the result is drained, as DuckDB 2 requires)."""
        rows = self.con.execute(query, params or []).fetchall()
        return tuple(rows[0]) if rows else None

    def frame(self, query: str, params: list[Any] | None = None) -> pl.DataFrame:
        """A query's result as a Polars frame."""
        relation = self.con.sql(query, params=params)
        result: pl.DataFrame = relation.pl() if relation is not None else pl.DataFrame()
        return result

    def _has_tables(self) -> bool:
        row = self.first_row("SELECT count(*) FROM information_schema.tables")
        return bool(row and row[0])

    # ---- writing ---- #
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        if self.read_only:
            msg = f"{self.path} 以只读方式打开，不能写入（mujun 内部错误，请报告）。"
            raise StoreError(msg)
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except duckdb.Error as exc:
            self._rollback()
            raise _write_error(self.path, exc) from None
        except BaseException:
            self._rollback()
            raise
        try:
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            raise _write_error(self.path, exc) from None

    def _rollback(self) -> None:
        # NOTE: after an I/O failure (disk full) DuckDB may refuse the ROLLBACK too; the file
        # still holds only committed transactions, so the first error is the one to report.
        with contextlib.suppress(duckdb.Error):
            self.con.execute("ROLLBACK")

    def next_id(self, table: str, column: str) -> int:
        """The next free integer id (call inside the writing transaction)."""
        row = self.first_row(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}")
        return int(row[0]) if row else 1

    # ---- closing ---- #
    def close(self) -> None:
        """Close the connection (the file lock is released)."""
        self.con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _connect(path: Path, *, read_only: bool, timeout: float | None) -> duckdb.DuckDBPyConnection:
    limit = timeout if timeout is not None else float(os.environ.get(TIMEOUT_ENV, "30"))
    deadline = time.monotonic() + limit
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _open_error(path, exc) from None
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" not in text.lower():
                raise _open_error(path, exc) from None
            if time.monotonic() >= deadline:
                msg = (
                    f"{path} 正忙：另一个 mujun 进程正在写入（已等待 {limit:g} 秒）。\n"
                    f"提示：等它完成后再试，或调大环境变量 {TIMEOUT_ENV}。"
                )
                raise StoreError(msg) from None
            time.sleep(_POLL_SECONDS)
        except duckdb.Error as exc:
            raise _open_error(path, exc) from None


def _open_error(path: Path, exc: Exception) -> StoreError:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return StoreError(
        f"无法把 {path} 作为 mujun 数据库打开：{first}\n"
        "提示：检查路径；损坏的文件可从备份或导出的快照（mujun snapshot import）恢复。"
    )


def _write_error(path: Path, exc: Exception) -> StoreError:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return StoreError(
        f"无法写入 {path}：{first}\n没有任何改动：数据库保持上一次提交的状态。\n"
        "提示：检查磁盘剩余空间和文件是否可写。"
    )
