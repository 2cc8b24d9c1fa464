"""Which stage of the yearly cycle a view is in, as every title and file name must say it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from mujun.store import STATE_LABELS, Notice

if TYPE_CHECKING:
    from mujun.report.publication import YearView


def state_of(view: YearView, /) -> str:
    """The run's state: draft, notice, final or superseded."""
    return view.state


def state_label(view: YearView, /) -> str:
    """内部审核稿 / 公示稿 / 认定稿 / 已取代."""
    return STATE_LABELS.get(view.state, view.state)


def notice_of(view: YearView, /) -> Notice | None:
    """The year's 公示 record (dates, where to object, issuer), if it was posted."""
    return view.notice


def chinese_date(day: dt.date, /) -> str:
    """2024年5月6日 (no leading zeros, as notices are written)."""
    return f"{day.year}年{day.month}月{day.day}日"
