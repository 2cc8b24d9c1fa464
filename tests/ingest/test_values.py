from __future__ import annotations

import datetime as dt
import math

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from mujun.ingest import values

FULL_WIDTH = str.maketrans("0123456789,.()", "０１２３４５６７８９，．（）")


def _parse_number(text: str) -> float | None:
    return pl.select(values.number(values.text(pl.lit(text, pl.String)))).item()


@settings(max_examples=300)
@given(
    x=st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False),
    style=st.sampled_from(["plain", "thousands", "paren", "full", "spaces"]),
)
def test_formatted_numbers_parse_back(x: object, style: str) -> None:
    value = float(x)  # type: ignore[arg-type]
    text = {
        "plain": f"{value:.2f}",
        "thousands": f"{value:,.2f}",
        "paren": f"({abs(value):,.2f})" if value < 0 else f"{value:,.2f}",
        "full": f"{value:,.2f}".translate(FULL_WIDTH),
        "spaces": f"  {value:.2f}\u3000",
    }[style]
    assert _parse_number(text) == round(value, 2)


@settings(max_examples=500)
@given(text=st.text(max_size=30))
def test_number_parser_never_crashes_or_returns_non_finite(text: str) -> None:
    got = _parse_number(text)
    assert got is None or math.isfinite(got)


def test_missing_markers_and_zero() -> None:
    for marker in values.MISSING_MARKERS:
        assert _parse_number(marker) is None, marker
    assert _parse_number("0") == 0.0


@given(
    day=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31)),
    style=st.sampled_from(["iso", "slash", "compact", "chinese", "serial", "datetime"]),
)
def test_dates_in_five_formats(day: dt.date, style: str) -> None:
    text = {
        "iso": day.isoformat(),
        "slash": day.strftime("%Y/%m/%d"),
        "compact": day.strftime("%Y%m%d"),
        "chinese": f"{day.year}年{day.month}月{day.day}日",
        "serial": str((day - dt.date(1899, 12, 30)).days),
        "datetime": f"{day.isoformat()} 00:00:00",
    }[style]
    assert pl.select(values.date(values.text(pl.lit(text)))).item() == day


@given(
    year=st.integers(2000, 2099),
    month=st.integers(1, 12),
    style=st.sampled_from(["dash", "compact", "chinese", "slash", "date"]),
)
def test_periods(year: int, month: int, style: str) -> None:
    text = {
        "dash": f"{year}-{month:02d}",
        "compact": f"{year}{month:02d}",
        "chinese": f"{year}年{month}月",
        "slash": f"{year}/{month}",
        "date": f"{year}-{month:02d}-15",
    }[style]
    assert pl.select(values.period_year(values.text(pl.lit(text)))).item() == year
