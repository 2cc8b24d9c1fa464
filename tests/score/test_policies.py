"""Missing-data policies, land problems, caps, floors, benchmarks and adjustments."""

from __future__ import annotations

import math

import polars as pl
import pytest

from mujun.engine import score
from mujun.errors import DataError
from mujun.testing import build_profile, facts, non_finite_cells

EMISSION = {
    "indicators": {
        "va_per_emission": {
            "label": "单位排放增加值",
            "numerator": "value_added_wan",
            "denominator": "emissions_t",
            "unit": "万元/吨",
        }
    },
    "cohorts": {"all": {"weights": {"tax_per_mu": 0, "va_per_mu": 0, "va_per_emission": 10}}},
}


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("zero", 0.0), ("full", 10.0), ("penalty", -3.0), ("cohort_mean", 10.0)],
)
def test_missing_emissions_policy(policy: str, expected: float) -> None:
    profile = build_profile(
        {**EMISSION, "missing": {"missing": policy}, "scoring": {"floor": None}}
    )
    firms = facts(3, value_added_wan=100.0, cod_t=[1.0, 1.0, None])
    out = score(firms, profile=profile, year=2024)
    assert out.get_column("va_per_emission__status").to_list() == ["ok", "ok", "missing"]
    assert out.item(2, "va_per_emission__item") == pytest.approx(expected)


def test_zero_emission_states_stay_distinct() -> None:
    profile = build_profile(
        {
            **EMISSION,
            "missing": {
                "zero": "penalty",
                "zero_verified": "full",
                "not_applicable": "zero",
                "missing": "zero",
            },
            "scoring": {"floor": None},
        }
    )
    firms = facts(
        5,
        value_added_wan=100.0,
        cod_t=[1.0, 0.0, 0.0, None, None],
        emission_status=[None, None, "zero_verified", "not_applicable", None],
    ).with_columns(pl.col("emission_status").cast(pl.String))
    out = score(firms, profile=profile, year=2024)
    assert out.get_column("va_per_emission__status").to_list() == [
        "ok",
        "zero",
        "zero_verified",
        "not_applicable",
        "missing",
    ]
    assert out.get_column("va_per_emission__item").to_list() == [10.0, -3.0, 10.0, 0.0, 0.0]


@pytest.mark.parametrize("land", [0.0, -2.0, None])
def test_bad_land_gets_a_special_class_never_infinity(land: float | None) -> None:
    profile = build_profile()
    firms = facts(3, land_mu=[10.0, 10.0, land], value_added_wan=50.0)
    out = score(firms, profile=profile, year=2024)
    bad = out.row(2, named=True)
    assert bad["class_label"] == "待核"
    assert bad["eval_status"] == "not_evaluated"
    assert "用地面积" in bad["special_reason"]
    assert non_finite_cells(out) == 0


def test_no_inf_or_nan_from_zero_denominators_or_nan_inputs() -> None:
    profile = build_profile(
        {
            "indicators": {
                "tax_per_energy": {
                    "label": "x",
                    "numerator": "tax_wan",
                    "denominator": "energy_tce",
                    "unit": "u",
                }
            },
            "cohorts": {"all": {"weights": {"tax_per_energy": 20}}},
        }
    )
    firms = facts(4, energy_tce=[0.0, -1.0, math.nan, math.inf], value_added_wan=1.0)
    out = score(firms, profile=profile, year=2024)
    assert out.get_column("tax_per_energy__status").to_list() == [
        "zero",
        "invalid",
        "missing",
        "missing",
    ]
    assert non_finite_cells(out) == 0


def test_cap_and_floor() -> None:
    profile = build_profile(
        {
            "scoring": {"cap": 1.5, "floor": 0.0},
            "benchmark": {"method": "fixed"},
            "cohorts": {"all": {"benchmarks": {"tax_per_mu": 10.0, "va_per_mu": 10.0}}},
        }
    )
    firms = facts(3, tax_wan=[1000.0, -50.0, 50.0], value_added_wan=100.0)
    out = score(firms, profile=profile, year=2024)
    assert out.get_column("tax_per_mu__item").to_list() == [90.0, 0.0, 30.0]


@pytest.mark.parametrize(
    ("bench", "expected"),
    [
        ({"method": "mean"}, (10 + 20 + 60) / 3),
        ({"method": "mean", "k": 2.0}, 2 * (10 + 20 + 60) / 3),
        ({"method": "aggregate"}, (100 + 400 + 600) / (10 + 20 + 10)),
        ({"method": "best"}, 60.0),
    ],
)
def test_benchmark_methods(bench: dict[str, object], expected: float) -> None:
    profile = build_profile({"benchmark": bench})
    firms = facts(3, land_mu=[10.0, 20.0, 10.0], tax_wan=[100.0, 400.0, 600.0], value_added_wan=1.0)
    out = score(firms, profile=profile, year=2024)
    assert out.get_column("tax_per_mu__benchmark").to_list() == pytest.approx([expected] * 3)


def test_benchmark_grouped_by_industry_ignores_unranked_firms() -> None:
    firms = facts(
        4,
        tax_wan=[100.0, 300.0, 50.0, 9999.0],
        value_added_wan=1.0,
        industry_code=["3311", "C3312", "2641", "2641"],
        utility=[False, False, False, True],
    )
    profile = build_profile(
        {
            "benchmark": {"group_by": ["industry_division"]},
            "special": [
                {
                    "id": "u",
                    "reason": "公用",
                    "when": [{"flag": "utility"}],
                    "outcome": "graded_as",
                    "label": "B",
                    "name": "按B类管理",
                }
            ],
        }
    )
    out = score(firms, profile=profile, year=2024)
    assert out.get_column("tax_per_mu__benchmark").to_list() == [20.0, 20.0, 5.0, 5.0]
    assert out.item(3, "class_label") == "B"
    assert out.item(3, "eval_status") == "graded_as"


def test_previous_year_benchmark_needs_history() -> None:
    profile = build_profile({"benchmark": {"year": "previous", "k": 2.0}})
    current = facts(2, tax_wan=[100.0, 200.0], value_added_wan=1.0)
    with pytest.raises(DataError, match="上一年度"):
        score(current, profile=profile, year=2024)
    history = facts(2, tax_wan=[50.0, 150.0], value_added_wan=1.0).with_columns(
        pl.lit(2022).alias("year")
    )
    out = score(current, profile=profile, year=2024, history=history)
    assert out.get_column("tax_per_mu__benchmark").to_list() == [20.0, 20.0]


def test_bonus_penalty_coefficient() -> None:
    profile = build_profile(
        {
            "adjustments": {
                "bonus": [
                    {
                        "id": "ht",
                        "label": "高新技术企业",
                        "when": [{"flag": "high_tech"}],
                        "points": 3,
                    },
                    {"id": "li", "label": "上市企业", "when": [{"flag": "listed"}], "points": 5},
                ],
                "bonus_cap": 6,
                "penalty": [
                    {
                        "id": "env",
                        "label": "环保处罚",
                        "when": [{"flag": "env_incident"}],
                        "points": 4,
                    }
                ],
                "coefficients": [
                    {
                        "id": "c",
                        "label": "修正系数",
                        "when": [{"measure": "land_mu", "op": ">=", "value": 50}],
                        "factor": 0.9,
                    }
                ],
            }
        }
    )
    firms = facts(
        3,
        land_mu=[10.0, 100.0, 10.0],
        tax_wan=[100.0, 1000.0, 100.0],
        value_added_wan=[10.0, 100.0, 10.0],
        high_tech=[True, True, False],
        listed=[True, False, False],
        env_incident=[False, False, True],
    )
    out = score(firms, profile=profile, year=2024)
    assert out.get_column("items_total").to_list() == pytest.approx([100.0] * 3)
    assert out.get_column("total_score").to_list() == pytest.approx([106.0, 93.0, 96.0])
    assert out.item(0, "adjust_reason") == "高新技术企业+3；上市企业+5"
