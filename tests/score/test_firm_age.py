"""Firm age by the calendar against a per-firm Python reference (issue 17 item 11)."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from mujun.score.measures import firm_age


def reference_age(start: dt.date, data_year: int) -> float:
    """Whole years to 1 January after the data year, then days since the last anniversary over
    the days to the next (29 February falls on 28 February in common years)."""
    end = dt.date(data_year + 1, 1, 1)
    whole = end.year - start.year - (0 if (start.month, start.day) == (1, 1) else 1)

    def anniversary(year: int) -> dt.date:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        day = 28 if (start.month, start.day) == (2, 29) and not leap else start.day
        return dt.date(year, start.month, day)

    last, following = anniversary(start.year + whole), anniversary(start.year + whole + 1)
    return whole + (end - last).days / (following - last).days


@settings(max_examples=60, deadline=None)
@given(
    starts=st.lists(st.dates(dt.date(1890, 1, 1), dt.date(2100, 12, 31)), min_size=1, max_size=50),
    data_year=st.integers(1950, 2099),
)
def test_firm_age_equals_the_calendar_reference(starts: list[dt.date], data_year: int) -> None:
    frame = pl.DataFrame({"start": starts, "year": [data_year] * len(starts)})
    got = frame.select(firm_age(pl.col("start"), pl.col("year"))).to_series().to_list()
    want = [reference_age(s, data_year) for s in starts]
    assert got == want
    # the engine's path for one data year: the year a literal, its leap years settled in Python
    literal = frame.select(firm_age(pl.col("start"), data_year)).to_series().to_list()
    assert literal == want


def test_anniversaries_are_whole_years() -> None:
    starts = [dt.date(2022, 1, 1), dt.date(2021, 1, 1), dt.date(2020, 2, 29), dt.date(2022, 1, 2)]
    frame = pl.DataFrame({"start": starts, "year": [2023] * 4})
    got = frame.select(firm_age(pl.col("start"), pl.col("year"))).to_series().to_list()
    assert got[:2] == [2.0, 3.0]
    assert got[2] == 3 + 307 / 366  # last anniversary 2023-02-28, next 2024-02-29
    assert got[3] < 2.0
