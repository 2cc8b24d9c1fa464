"""The web app's hold on the DuckDB file: one connection, a cursor per request, one writer.

The server opens the store once (migrating a new file, refusing an older one with the
``mujun db upgrade`` hint, as the CLI does) and keeps it open while it runs. Every request
reads through its own cursor; DuckDB's snapshots mean a read never sees half of a write.
Writes take a process-wide lock, so there is one writer at a time: a second write waits up to
``write_wait`` seconds and is then refused with `BusyError` (the page says so).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mujun.errors import StoreError
from mujun.store import Store


class BusyError(StoreError):
    """Another write holds the database."""


class WebDB:
    """The server's open store."""

    def __init__(self, path: str | Path, /, *, write_wait: float = 20.0) -> None:
        self.path = Path(path)
        self._store = Store.open(self.path)
        self._lock = threading.Lock()
        self.write_wait = write_wait

    @contextmanager
    def read(self) -> Iterator[Store]:
        """A store on a fresh cursor for reading (a consistent snapshot per query)."""
        cursor = self._store.con.cursor()
        try:
            yield Store(cursor, self.path, read_only=False)
        finally:
            cursor.close()

    @contextmanager
    def write(self, *, wait: float | None = None) -> Iterator[Store]:
        """A store for one writer at a time.

        Raises:
            BusyError: another write did not finish within the wait.
        """
        if not self._lock.acquire(timeout=self.write_wait if wait is None else wait):
            msg = "数据库正在写入，请稍候再试。"
            raise BusyError(msg)
        cursor = self._store.con.cursor()
        try:
            yield Store(cursor, self.path, read_only=False)
        finally:
            cursor.close()
            self._lock.release()

    @property
    def busy(self) -> bool:
        """Whether a write is under way (pages show a notice)."""
        return self._lock.locked()

    def close(self) -> None:
        """Release the file."""
        self._store.close()
