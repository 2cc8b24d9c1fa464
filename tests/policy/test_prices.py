"""Differential water and gas prices beside electricity, and the 碳效 grade as a lever input."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from levers_kit import classes_by_tax, lever_rows, publish, table

from mujun.errors import ProfileError
from mujun.profiles.loader import merge_tables, validate_profile
from mujun.testing import facts

# tax 10 on 10 亩 → 1 万/亩 → class D; 90 → A (see classes_by_tax)
FIRMS = facts(3, industry_code="3311", land_mu=10.0, tax_wan=[10.0, 10.0, 90.0],
              electricity_kwh=100000.0, water_t=[20000.0, None, 20000.0])  # fmt: skip


@pytest.fixture
def lishui(tmp_path: Path) -> tuple[Path, Path]:
    db = tmp_path / "db.duckdb"
    publish(db, classes_by_tax("lishui"), {2023: FIRMS})
    inputs = table(tmp_path, "其他.csv", [
        {"统一社会信用代码": FIRMS["uscc"][0], "用气量（立方米）": "5000", "碳效等级": "2级",
         "其他差别水价（元/吨）": "1.5"},
        {"统一社会信用代码": FIRMS["uscc"][1], "用气量（立方米）": "", "碳效等级": "5",
         "其他差别水价（元/吨）": ""},
        {"统一社会信用代码": FIRMS["uscc"][2], "用气量（立方米）": "100", "碳效等级": "6",
         "其他差别水价（元/吨）": ""},
    ])  # fmt: skip
    return db, inputs


def test_water_and_gas_surcharges_beside_electricity(lishui: tuple[Path, Path]) -> None:
    db, inputs = lishui
    rows = lever_rows(db, classes_by_tax("lishui"), inputs=inputs).sort("uscc")
    water = rows.filter(pl.col("rule_id") == "water_d")
    # 企业0: its own 1.5 元/吨 is higher than 1.0 and applies alone: 1.5 × 20000 = 3.0 万元
    assert water.get_column("amount_wan").to_list() == [3.0, None]
    assert "不叠加" in water.item(0, "outcome")
    assert "缺少用量" in water.item(1, "outcome")  # 企业1 has no water figure
    gas = rows.filter(pl.col("rule_id") == "gas_d")
    assert gas.get_column("amount_wan").to_list() == [
        pytest.approx(0.15),
        None,
    ]  # 0.3 × 5000 m³ = 1500 元
    power = rows.filter(pl.col("rule_id") == "electricity_d")
    assert power.get_column("amount_wan").to_list() == [3.0, 3.0]  # the electricity input unused


def test_carbon_grade_drives_a_treatment(lishui: tuple[Path, Path]) -> None:
    db, inputs = lishui
    rows = lever_rows(db, classes_by_tax("lishui"), inputs=inputs).sort("uscc")
    credit = rows.filter(pl.col("rule_id") == "carbon_credit")
    assert credit.get_column("inputs").to_list() == ["碳效等级 2", "碳效等级 5", "碳效等级 6"]
    assert credit.get_column("outcome").to_list()[:2] == ["优先信贷支持", "从严授信，限期改造"]
    assert "不在本规则的等级表中" in credit.item(2, "outcome")
    assert (
        lever_rows(db, classes_by_tax("lishui"))
        .filter(pl.col("rule_id") == "carbon_credit")
        .is_empty()
    )  # no grades given: no rows


def test_surcharge_by_carbon_grade(lishui: tuple[Path, Path]) -> None:
    db, inputs = lishui
    profile = classes_by_tax("lishui", {"levers": {"surcharges": [
        {"id": "power_by_grade", "label": "按碳效等级差别电价", "resource": "electricity",
         "quantity": "electricity_kwh", "unit": "元/千瓦时", "basis": "carbon_grade",
         "by_class": {"5": [0.1]}}]}})  # fmt: skip
    rows = lever_rows(db, profile, inputs=inputs).filter(pl.col("rule_id") == "power_by_grade")
    assert rows.get_column("amount_wan").to_list() == [1.0]  # 0.1 × 100000 kWh, grade 5 only
    assert rows.item(0, "inputs").startswith("碳效等级 5")


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ({"resource": "water", "quantity": "electricity_kwh", "unit": "元/吨"}, "water_t"),
        ({"resource": "gas", "quantity": "gas_m3", "unit": "元/千瓦时"}, "单位须为以下之一"),
        ({"resource": "electricity", "quantity": "electricity_kwh", "unit": "元/千瓦时",
          "basis": "carbon_grade", "by_class": {"5": [0.1, 0.2]}}, "每个等级只能有一个价格"),
    ],
)  # fmt: skip
def test_a_surcharge_names_its_resource_quantity_and_unit(rule: dict, reason: str) -> None:
    base = classes_by_tax("lishui").model_dump(mode="json", exclude_none=True)
    bad = {"id": "x", "label": "x", "by_class": {"D": [1.0]}, **rule}
    with pytest.raises(ProfileError, match=reason):
        validate_profile(merge_tables(base, {"levers": {"surcharges": [bad]}}), source="test")
