"""Which stage of the yearly cycle a view is in, as every title and file name must say it."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

try:  # the cycle's run states (issue 14); older stores know published runs only
    from mujun.store import STATE_LABELS  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - until the cycle states are in the store
    STATE_LABELS = {
        "draft": "内部审核稿",
        "notice": "公示稿",
        "final": "认定稿",
        "superseded": "已取代",
    }


class NoticeLike(Protocol):
    """What a 公示 record gives a printout (``mujun.store.Notice``)."""

    start: dt.date
    end: dt.date
    contact: str
    issuer: str


def state_of(view: Any) -> str:
    """The run's state: draft, notice, final or superseded (published runs read as final)."""
    return str(getattr(view, "state", "final") or "final")


def state_label(view: Any) -> str:
    """内部审核稿 / 公示稿 / 认定稿 / 已取代."""
    state = state_of(view)
    return STATE_LABELS.get(state, state)


def notice_of(view: Any) -> NoticeLike | None:
    """The run's 公示 record, if one was registered."""
    return getattr(view, "notice", None)


def chinese_date(day: dt.date, /) -> str:
    """2024年5月6日 (no leading zeros, as notices are written)."""
    return f"{day.year}年{day.month}月{day.day}日"
