"""The worked mini-examples of reference/methods.md §5, computed by the engine."""

from __future__ import annotations

import polars as pl
import pytest

from mujun.engine import score
from mujun.profiles import load_profile
from mujun.testing import build_profile, facts


def test_huangyan_above_scale_firm_scores_112_75() -> None:
    # methods §5.1: tax/mu 30, VA/mu 150, VA/tce 3.0, VA/t 5000, VA/person 20, R&D 0.03.
    firm = facts(
        1,
        land_mu=10.0,
        tax_wan=300.0,
        value_added_wan=1500.0,
        energy_tce=500.0,
        cod_t=0.3,
        employees=75.0,
        rd_wan=300.0,
        revenue_wan=10000.0,
        industry_code="3311",
    )
    out = score(firm, profile=load_profile("huangyan_2022"), year=2024)
    used = [
        "tax_per_mu",
        "va_per_mu",
        "va_per_energy",
        "va_per_emission",
        "labour_productivity",
        "rd_intensity",
    ]
    items = out.select(f"{i}__item" for i in used).row(0)
    assert [round(x, 2) for x in items] == [37.35, 22.03, 22.27, 10.14, 11.03, 9.93]
    assert out.item(0, "total_score") == pytest.approx(112.75, abs=0.01)


def test_huangyan_below_scale_firm_at_both_benchmarks_scores_100() -> None:
    # methods §5.2: 规下 at exactly 11.5932 万元/亩 and 0.2352 元/kWh.
    firm = facts(
        1,
        above_scale=False,
        land_mu=10.0,
        tax_wan=115.932,
        electricity_kwh=115.932 * 10000 / 0.2352,
        industry_code="3311",
    )
    out = score(firm, profile=load_profile("huangyan_2022"), year=2024)
    assert out.item(0, "cohort") == "below_ge3"
    assert out.item(0, "total_score") == pytest.approx(100.0)


@pytest.mark.parametrize(("value", "expected"), [(12.0, 18.0), (2.0, 6.0), (22.0, 30.0)])
def test_jingde_minmax_item(value: float, expected: float) -> None:
    # methods §5.3: weight 30, cohort min 2, max 22.
    profile = build_profile(
        {
            "cohorts": {"all": {"weights": {"tax_per_mu": 30, "va_per_mu": 0}}},
            "scoring": {"method": "minmax", "minmax_floor_share": 0.2},
        }
    )
    firms = facts(4, tax_wan=[20.0, 220.0, 120.0, value * 10])
    out = score(firms, profile=profile, year=2024)
    assert out.item(3, "tax_per_mu__item") == pytest.approx(expected)


@pytest.mark.parametrize(("value", "expected"), [(5.0, 3.0), (10.0, 2.0), (20.0, 0.0), (30.0, 0.0)])
def test_reverse_indicator(value: float, expected: float) -> None:
    # methods §5.4: 4-point item, cohort average 10, (2 − x/avg) × w/2, floored at 0.
    profile = build_profile(
        {
            "indicators": {
                "energy_intensity": {
                    "label": "单位增加值能耗",
                    "numerator": "energy_tce",
                    "denominator": "value_added_wan",
                    "unit": "吨标准煤/万元",
                    "direction": "lower",
                }
            },
            "cohorts": {
                "all": {
                    "weights": {"tax_per_mu": 0, "va_per_mu": 0, "energy_intensity": 4},
                    "benchmarks": {"energy_intensity": 10.0},
                }
            },
            "benchmark": {"method": "fixed"},
        }
    )
    out = score(facts(1, energy_tce=value, value_added_wan=1.0), profile=profile, year=2024)
    assert out.item(0, "energy_intensity__item") == pytest.approx(expected)


def test_huaian_quota_ranks_on_200_firms() -> None:
    # methods §5.5: A ranks 1–40, B 41–120, C 121–190, D 191–200; T firms not ranked.
    profile = load_profile("huaian_2024")
    n = 204
    current = facts(
        n,
        tax_wan=[float(1000 - i) for i in range(n)],
        revenue_wan=1000.0,
        energy_tce=10.0,
        county="淮安区",
        industry_code="3311",
        utility=[i >= 200 for i in range(n)],
    )
    history = current.with_columns(pl.lit(2022).alias("year"))
    out = score(current, profile=profile, year=2024, history=history)
    ranked = out.filter(pl.col("eval_status") == "ranked").sort("rank")
    assert ranked.height == 200
    classes = ranked.get_column("class_label").to_list()
    assert classes == ["A"] * 40 + ["B"] * 80 + ["C"] * 70 + ["D"] * 10
    assert sorted(set(out.filter(pl.col("eval_status") != "ranked").get_column("class_label"))) == [
        "T"
    ]
