"""The audit log: every write through the app (and `mujun users add`).

Who, when, what, before → after.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl

from mujun.store import Store


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def record(
    store: Store,
    /,
    *,
    who: str,
    action: str,
    county: str | None = None,
    target: str | None = None,
    before: Any = None,
    after: Any = None,
) -> int:
    """Append one entry (in its own transaction); returns its id."""
    with store.transaction() as con:
        audit_id = store.next_id("web_audit", "audit_id")
        con.execute(
            "INSERT INTO web_audit VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [audit_id, _now(), who, action, county, target, _json(before), _json(after)],
        )
    return audit_id


def entries(store: Store, /, *, limit: int = 200, offset: int = 0) -> pl.DataFrame:
    """The latest entries, newest first."""
    return store.frame(
        "SELECT audit_id, done_at, who, action, county, target, before, after FROM web_audit "
        "ORDER BY audit_id DESC LIMIT ? OFFSET ?",
        [int(limit), int(offset)],
    )
