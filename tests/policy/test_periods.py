"""Policy periods: validity warnings in Chinese, per-lever periods, year-specific values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mujun.errors import ProfileError
from mujun.profiles import load_profile
from mujun.profiles.levers import Period
from mujun.profiles.loader import merge_tables, validate_profile
from mujun.profiles.models import Profile
from mujun.profiles.periods import covers, for_year, notes


def tiantai(patch: dict[str, Any]) -> Profile:
    base = load_profile("tiantai").model_dump(mode="json", exclude_none=True)
    return validate_profile(merge_tables(base, patch), source="test")


@pytest.mark.parametrize(
    ("year", "inside"),
    [(2021, False), (2022, True), (2023, True), (2024, False), (2028, False)],
)
def test_tiantai_plan_is_valid_2022_to_2023(year: int, inside: bool) -> None:
    """天政发〔2022〕1号: from 2022-02-20, 有效期至2023年12月31日 (seed_rules 001 #30)."""
    found = notes(load_profile("tiantai"), year)
    assert (found == []) is inside
    if not inside:
        assert f"评价年度 {year} 不在有效期内" in found[0]
        assert "2022-02-20 至 2023-12-31" in found[0]


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [("lishui", 2021, 2023), ("fenghua", 2022, 2025), ("ruian", 2023, 2027),
     ("shizuishan", 2022, 2024)],
)  # fmt: skip
def test_every_seed_profile_has_its_period(name: str, first: int, last: int) -> None:
    profile = load_profile(name)
    assert notes(profile, first) == notes(profile, last) == []
    assert notes(profile, first - 1)
    assert notes(profile, last + 1)


def test_a_period_overlaps_a_year_at_its_edges() -> None:
    period = Period(start=dt.date(2022, 12, 31), end=dt.date(2024, 1, 1))
    assert [covers(period, y) for y in (2021, 2022, 2024, 2025)] == [False, True, True, False]
    assert covers(Period(), 1990)
    with pytest.raises(ValueError, match=r"结束日.*早于开始日"):
        Period(start=dt.date(2024, 1, 1), end=dt.date(2023, 1, 1))


def test_a_lever_has_its_own_period() -> None:
    profile = tiantai({"period": {}, "levers": {"periods": {
        "new_rental": {"start": "2022-01-01", "end": "2022-12-31"}}}})  # fmt: skip
    rid = "new_rental"
    assert notes(profile, 2022, levers=True) == []
    warned = notes(profile, 2023, levers=True)
    assert len(warned) == 1
    assert f"政策规则 {rid}" in warned[0]
    assert notes(profile, 2023) == []  # the lever's period is checked only for levers


def test_levers_periods_name_existing_rules() -> None:
    with pytest.raises(ProfileError, match="unknown rule 'nope'"):
        tiantai({"levers": {"periods": {"nope": {"end": "2023-12-31"}}}})


def test_year_specific_values_are_merged_for_that_year() -> None:
    profile = tiantai({"by_year": {"2024": {"levers": {"low_tax": [{
        "id": "low_efficiency", "label": "低效企业", "years": 2,
        "tiers": [{"min_revenue_wan": 0.0, "max_tax_per_mu": 6.0}]}]}}}})  # fmt: skip
    base_tiers = profile.levers.low_tax[0].tiers
    assert [t.max_tax_per_mu for t in base_tiers] == [10.0, 5.0]
    in_2024 = for_year(profile, 2024)
    assert [t.max_tax_per_mu for t in in_2024.levers.low_tax[0].tiers] == [6.0]
    assert for_year(profile, 2023) is profile
    assert in_2024.by_year == {}


def test_a_bad_year_overlay_is_refused_when_the_profile_loads() -> None:
    with pytest.raises(ProfileError, match=r"by_year\.2024"):
        tiantai({"by_year": {"2024": {"classification": {"method": "nonsense"}}}})
    with pytest.raises(ProfileError, match="cannot change"):
        tiantai({"by_year": {"2024": {"period": {"end": "2030-12-31"}}}})
