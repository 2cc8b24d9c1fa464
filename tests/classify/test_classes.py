from __future__ import annotations

import polars as pl
import pytest

from mujun.engine import score
from mujun.profiles import load_profile
from mujun.testing import build_profile, facts

THRESHOLD = {
    "benchmark": {"method": "fixed"},
    "cohorts": {
        "all": {"weights": {"tax_per_mu": 100, "va_per_mu": 0}, "benchmarks": {"tax_per_mu": 10.0}}
    },
    "classification": {"method": "threshold", "thresholds": {"A": 120.0, "B": 90.0, "C": 60.0}},
}


def _taxes(*per_mu: float) -> pl.DataFrame:
    return facts(len(per_mu), tax_wan=[v * 10 for v in per_mu], value_added_wan=1.0)


def test_thresholds_are_inclusive() -> None:
    out = score(_taxes(15.0, 11.99, 9.0, 6.0, 5.99), profile=build_profile(THRESHOLD), year=2024)
    assert out.get_column("class_label").to_list() == ["A", "B", "B", "C", "D"]
    gaps = out.get_column("gap_to_next").to_list()
    assert gaps[0] is None
    # the threshold (120), not the weakest A firm (150), is what a B firm must reach
    assert gaps[1:] == pytest.approx([0.1, 30.0, 30.0, 0.1])


def test_bounds_cap_a_and_force_d() -> None:
    patch = {
        **THRESHOLD,
        "classification": {
            **THRESHOLD["classification"],
            "bounds": {"A": {"max_share": 0.2}, "D": {"min_share": 0.2}},
        },
    }
    # all ten firms reach A by threshold; A may hold 2, D must hold 2.
    out = score(_taxes(*[20.0 + i for i in range(10)]), profile=build_profile(patch), year=2024)
    counts = out.group_by("class_label").len().sort("class_label")
    assert dict(counts.iter_rows()) == {"A": 2, "B": 6, "D": 2}


@pytest.mark.parametrize(("rounding", "a_count"), [("floor", 1), ("ceil", 2), ("half_up", 1)])
def test_rounding_rule(rounding: str, a_count: int) -> None:
    profile = build_profile({"classification": {"rounding": rounding}})
    out = score(_taxes(*[float(i) for i in range(7, 0, -1)]), profile=profile, year=2024)
    assert out.filter(pl.col("class_label") == "A").height == a_count  # 20 % of 7 = 1.4


def test_tie_break_by_indicator_then_uscc() -> None:
    profile = build_profile(
        {
            "cohorts": {"all": {"weights": {"tax_per_mu": 50, "va_per_mu": 50}}},
            "classification": {"tie_break": ["tax_per_mu"]},
        }
    )
    firms = facts(3, tax_wan=[100.0, 200.0, 100.0], value_added_wan=[300.0, 200.0, 300.0])
    out = score(firms, profile=profile, year=2024)
    # Firm 1 ties on total with firms 0 and 2 and wins on tax; 0 beats 2 on USCC.
    assert out.get_column("rank").to_list() == [2, 1, 3]


def test_pools_rank_each_township_apart() -> None:
    profile = build_profile({"classification": {"pool": ["township"]}})
    firms = facts(
        10,
        township=["甲"] * 5 + ["乙"] * 5,
        tax_wan=[float(i) for i in range(10)],
        value_added_wan=1.0,
    )
    out = score(firms, profile=profile, year=2024)
    assert out.get_column("pool_size").to_list() == [5] * 10
    assert out.filter(pl.col("rank") == 1).get_column("township").sort().to_list() == ["乙", "甲"]


def test_tiantai_construction_overrides_and_veto_precedence() -> None:
    tiantai = load_profile("tiantai")
    n = 50  # D quota: 8 % of 50 = 4, so the four lowest firms compute as D
    firms = facts(
        n,
        tax_wan=[float(100 + i) for i in range(n)],
        value_added_wan=100.0,
        industry_code="3311",
        # Tiantai's rules read the largest key project (issue 17 item 7), not the summed
        # construction_investment_wan this test used to set
        key_project_investment_wan=[10000.0, 9999.0, 3000.0, 2999.0] + [None] * (n - 4),
        safety_incident=[False] * 49 + [True],
    ).with_columns(
        pl.when(pl.int_range(pl.len()) == 49)
        .then(20000.0)
        .otherwise(pl.col("key_project_investment_wan"))
        .alias("key_project_investment_wan")
    )
    out = score(firms, profile=tiantai, year=2024)
    rows = out.rows_by_key("uscc", named=True, unique=True)
    get = [rows[u] for u in firms.get_column("uscc")]
    assert get[0]["class_computed"] == "D" and get[0]["class_label"] == "A"
    assert get[0]["override_rule"] == "project_1yi"
    assert get[1]["class_label"] == "C" and get[1]["override_rule"] == "project_3000wan"
    assert get[2]["class_label"] == "C"
    assert get[3]["class_label"] == "D" and get[3]["override_rule"] is None
    assert get[49]["class_computed"] == "A"
    assert get[49]["class_label"] == "D", "a veto beats the 1亿 override"
    assert "安全生产事故" in get[49]["override_reason"]
    assert get[0]["class_name"] == "优先发展类"


def test_quota_gap_is_distance_to_weakest_better_firm_and_empty_class_gives_none() -> None:
    out = score(_taxes(50.0, 40.0, 30.0, 20.0, 10.0), profile=build_profile(), year=2024)
    # 5 firms: A = 1, B = 2 (cumulative 3), C = 2 (cumulative round(4.75) = 5), D = 0
    assert out.get_column("class_label").to_list() == ["A", "B", "B", "C", "C"]
    totals = out.get_column("total_score").to_list()
    gaps = out.get_column("gap_to_next").to_list()
    assert gaps[0] is None
    assert gaps[1] == pytest.approx(totals[0] - totals[1])
    assert gaps[3] == pytest.approx(totals[2] - totals[3])
    single = score(_taxes(5.0), profile=build_profile(), year=2024)
    assert single.item(0, "class_label") == "B"  # 20 % of one firm rounds to no A
    assert single.item(0, "gap_to_next") is None
