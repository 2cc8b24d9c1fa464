"""Shared fixtures of the report tests: the sample county, built once per session."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from mujun import store as mstore
from mujun.demo import DemoRun, run_demo
from mujun.profiles import load_profile
from mujun.report.publication import YearView, load_year

NOTICE = mstore.Notice(
    2024,
    0,
    dt.date(2024, 5, 6),
    dt.date(2024, 5, 12),
    "县经信局企业科，电话 0576-12345678",
    "示范县经济和信息化局",
    "test",
)


@pytest.fixture(scope="session")
def notice() -> mstore.Notice:
    """A 公示 record as the office registers it."""
    return NOTICE


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    return run_demo(tmp_path_factory.mktemp("sample"), profile=load_profile("zhejiang_baseline"))


@pytest.fixture(scope="session")
def posted(sample: DemoRun) -> YearView:
    with mstore.Store.open(sample.db_path, read_only=True) as s:
        view = load_year(s, sample.year)
    return dataclasses.replace(view, state="notice", notice=NOTICE)
