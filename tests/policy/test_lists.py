"""The lists the seeds name (issue 17, MISSING rows), each at its limits."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from levers_kit import classes_by_tax, lever_rows, listed, publish, table

from mujun.errors import ProfileError
from mujun.profiles import load_profile
from mujun.profiles.loader import validate_profile
from mujun.testing import facts, make_uscc


# ---- 高耗低效 against a guide table kept as data ---- #
def test_guide_is_read_into_the_resolved_profile() -> None:
    profile = load_profile("tiantai")
    rule = profile.levers.thresholds[0]
    assert rule.guide == "zhejiang_hec_2021"
    assert {(t.industry, t.size) for t in rule.table} >= {("*", "above"), ("26", "below")}
    # the resolved profile (what a run stores) holds the numbers, so reloading it needs no file
    again = validate_profile(profile.model_dump(mode="json"), source="stored")
    assert again.content_hash() == profile.content_hash()


def test_unknown_guide_is_refused_naming_it() -> None:
    raw = load_profile("ruian").model_dump(mode="json")
    raw["levers"]["thresholds"] = [{"id": "x", "label": "x", "guide": "no_such_guide"}]
    with pytest.raises(ProfileError, match="no_such_guide"):
        validate_profile(raw, source="t")


@pytest.mark.parametrize("region", ["tiantai", "ruian"])
def test_zhejiang_guide_most_specific_row_and_limits_inclusive(tmp_path: Path, region: str) -> None:
    profile = classes_by_tax(region)
    db = tmp_path / "db.duckdb"
    frame = facts(
        6,
        name=["化工在限", "化工超限", "通用在限", "通用能耗低", "规下化工", "批发"],
        industry_code=["2614", "2614", "3311", "3311", "2614", "5171"],
        above_scale=[True, True, True, True, False, True],
        land_mu=10.0,
        tax_wan=[50.0, 50.1, 30.0, 30.0, 50.0, 1.0],  # 5.00, 5.01, 3.00, 3.00, 5.00, 0.10 万元/亩
        value_added_wan=[1000.0, 1000.0, 1000.0, 1000.0, None, 1000.0],
        energy_tce=[1000.0, 1000.0, 500.0, 499.0, 200.0, 5000.0],
        revenue_wan=[5000.0, 5000.0, 5000.0, 5000.0, 1000.0, 5000.0],
    )
    publish(db, profile, {2023: frame})
    # 26 规上 row: ≤ 5 and ≥ 1.0 tce/万元 VA; general 规上: ≤ 3 and ≥ 0.5; 26 规下: ≤ 5 and
    # ≥ 0.2 tce/万元 revenue; the wholesaler is outside the population (制造业)
    assert listed(lever_rows(db, profile), "high_energy_low_efficiency") == [
        "化工在限",
        "规下化工",
        "通用在限",
    ]


def test_shizuishan_guide_any_standard_missed(tmp_path: Path) -> None:
    profile = classes_by_tax("shizuishan")
    db = tmp_path / "db.duckdb"
    frame = facts(
        4,
        name=["税低", "都达标", "产出低", "规下2亩"],
        industry_code="3311",
        above_scale=[True, True, True, False],
        land_mu=[10.0, 10.0, 10.0, 2.0],
        tax_wan=[15.0, 15.1, 100.0, 1.0],  # 1.50 (at the standard), 1.51, 10, 0.5 万元/亩
        output_wan=[1000.0, 1000.0, 600.0, 100.0],  # 100, 100, 60.00 (at it), 50 万元/亩
        energy_tce=[10.0, 10.0, 10.0, 10.0],
    )
    publish(db, profile, {2023: frame})
    assert listed(lever_rows(db, profile), "high_energy_low_efficiency") == ["产出低", "税低"]


# ---- Tiantai 本地优质企业 ---- #
def test_tiantai_local_quality_firms(tmp_path: Path) -> None:
    profile = classes_by_tax("tiantai")
    db = tmp_path / "db.duckdb"
    frame = facts(
        5,
        name=["A类", "上市B类", "小巨人C类", "普通B类", "零售A类"],
        industry_code=["3311", "3311", "3311", "3311", "5211"],
        tax_wan=[90.0, 70.0, 50.0, 70.0, 90.0],
        listed=[False, True, False, False, False],
    )
    publish(db, profile, {2023: frame})
    inputs = table(tmp_path, "in.csv", [
        {"统一社会信用代码": make_uscc(2), "认定称号": "小巨人、省级专精特新"},
        {"统一社会信用代码": make_uscc(3), "认定称号": "省级专精特新"},
    ])  # fmt: skip
    rows = lever_rows(db, profile, inputs=inputs)
    assert listed(rows, "local_quality_firms") == ["A类", "上市B类", "小巨人C类", "零售A类"]
    why = rows.filter(pl.col("name") == "小巨人C类").filter(pl.col("kind") == "watch")
    assert why.item(0, "inputs") == "小巨人"


# ---- Fenghua 低效工业区块 ---- #
def test_fenghua_low_efficiency_blocks_at_5_wan(tmp_path: Path) -> None:
    profile = classes_by_tax("fenghua")
    db = tmp_path / "db.duckdb"
    frame = facts(
        6,
        park=["东园", "东园", "西村工业集聚点", "南园", None, "北园"],
        industry_code=["3311", "3311", "3311", "3311", "3311", "4430"],
        land_mu=[10.04, 10.0, 20.0, 10.0, 10.0, 10.0],
        # 东园 (50.2 + 50.0) ÷ 20.04 = 5.00; 集聚点 4.00; 南园 5.01; 北园 only a heating plant
        tax_wan=[50.2, 50.0, 80.0, 50.1, 1.0, 1.0],
    )
    publish(db, profile, {2023: frame})
    rows = lever_rows(db, profile).filter(pl.col("rule_id") == "low_efficiency_blocks")
    assert sorted(rows.get_column("name").to_list()) == ["东园", "西村工业集聚点"]
    east = rows.filter(pl.col("name") == "东园").item(0, "inputs")
    assert "区块内企业 2 家" in east and "亩均税收 5.0 万元/亩" in east


# ---- Ruian 亿元以上无自有用地 ---- #
def test_ruian_firms_over_1yi_without_own_land(tmp_path: Path) -> None:
    profile = classes_by_tax("ruian")
    db = tmp_path / "db.duckdb"
    frame = facts(
        4,
        name=["1亿租地", "差一分", "有自有地", "自有地未知"],
        industry_code="3311",
        revenue_wan=[10000.0, 9999.99, 50000.0, 50000.0],
        land_own_mu=[0.0, 0.0, 5.0, None],
        land_rented_mu=10.0,
    )
    publish(db, profile, {2023: frame})
    assert listed(lever_rows(db, profile), "no_own_land_1yi") == ["1亿租地"]


# ---- firms that must rectify after inspections ---- #
def test_inspection_findings_list_and_high_carbon(tmp_path: Path) -> None:
    profile = classes_by_tax("fenghua")
    db = tmp_path / "db.duckdb"
    frame = facts(3, name=["甲", "乙", "丙"], industry_code="3311", tax_wan=90.0)  # all A
    publish(db, profile, {2023: frame})
    found = table(tmp_path, "insp.csv", [
        {"统一社会信用代码": make_uscc(0), "检查类型": "环保执法", "问题描述": "废气超标", "整改期限": "2024-06-30", "是否整改完成": "否"},
        {"统一社会信用代码": make_uscc(1), "检查类型": "安全生产", "问题描述": "消防通道堵塞", "是否整改完成": "是"},
        {"统一社会信用代码": make_uscc(2), "检查类型": "税务稽查", "问题描述": "其他", "是否整改完成": "否"},
    ])  # fmt: skip
    rows = lever_rows(db, profile, inspections=found)
    assert listed(rows, "inspection_rectification") == ["甲"]
    assert listed(rows, "high_carbon_low_efficiency") == ["丙", "甲"]  # every open finding
    text = rows.filter(pl.col("rule_id") == "inspection_rectification").item(0, "inputs")
    assert text == "环保执法：废气超标（期限 2024-06-30）"


def test_lists_without_their_optional_tables_are_empty_not_errors(tmp_path: Path) -> None:
    profile = classes_by_tax("fenghua")
    db = tmp_path / "db.duckdb"
    publish(db, profile, {2023: facts(2, industry_code="3311", tax_wan=90.0)})
    rows = lever_rows(db, profile)
    assert rows.filter(pl.col("rule_id") == "inspection_rectification").is_empty()


# ---- Shizuishan: idle land mortgaged to banks ---- #
def test_shizuishan_mortgaged_idle_land_from_the_inputs(tmp_path: Path) -> None:
    profile = classes_by_tax("shizuishan")
    db = tmp_path / "db.duckdb"
    frame = facts(3, name=["抵押", "未抵押", "批发商抵押"], industry_code=["3311", "3311", "5171"])
    publish(db, profile, {2023: frame})
    inputs = table(tmp_path, "in.csv", [
        {"统一社会信用代码": make_uscc(0), "抵押闲置土地（亩）": "12.5"},
        {"统一社会信用代码": make_uscc(1), "抵押闲置土地（亩）": "0"},
        {"统一社会信用代码": make_uscc(2), "抵押闲置土地（亩）": "3"},
    ])  # fmt: skip
    rows = lever_rows(db, profile, inputs=inputs)
    assert listed(rows, "mortgaged_idle_land") == ["批发商抵押", "抵押"]  # every firm, any trade
    mine = rows.filter((pl.col("rule_id") == "mortgaged_idle_land") & (pl.col("name") == "抵押"))
    text = mine.item(0, "inputs")
    assert text == "闲置土地抵押在金融机构 12.5 亩"


def test_what_if_counts_blocks_by_name() -> None:
    from mujun.whatif.run import _watch_change  # noqa: PLC0415 - the what-if's list comparison

    def rows(names: list[str]) -> pl.DataFrame:
        return pl.DataFrame(
            {"rule_id": "b", "rule": "低效工业区块", "kind": "watch", "uscc": None, "name": names},
            schema_overrides={"uscc": pl.String},
        )

    got = _watch_change(rows(["东园", "西村"]), rows(["东园", "南园", "北园"])).row(0, named=True)
    assert (got["listed_a"], got["listed_b"], got["added"], got["removed"]) == (2, 3, 2, 1)


# ---- Tiantai 零增地技改 projects against the 标准地 control indicators ---- #
def test_tiantai_zero_land_projects_at_the_standard_land_indicators(tmp_path: Path) -> None:
    profile = classes_by_tax("tiantai")
    db = tmp_path / "db.duckdb"
    publish(db, profile, {2023: facts(1, industry_code="3311")})
    firm = make_uscc(0)
    kind = "零增地技改"
    projects = table(tmp_path, "p.csv", [
        {"项目编号": "Z1", "统一社会信用代码": firm, "项目类型": kind, "行业代码": "3311", "预计亩均税收（万元/亩）": "20", "预计亩均增加值（万元/亩）": "100"},
        {"项目编号": "Z2", "统一社会信用代码": firm, "项目类型": kind, "行业代码": "2614", "预计亩均税收（万元/亩）": "20", "预计亩均增加值（万元/亩）": "130"},
        {"项目编号": "Z3", "统一社会信用代码": firm, "项目类型": kind, "行业代码": "3311", "预计亩均税收（万元/亩）": "19.995", "预计亩均增加值（万元/亩）": "99.99"},
        {"项目编号": "Z4", "统一社会信用代码": firm, "项目类型": kind, "行业代码": "3311", "预计亩均税收（万元/亩）": "25"},
        {"项目编号": "X1", "统一社会信用代码": firm, "项目类型": "新兴产业", "行业代码": "3311", "预计亩均税收（万元/亩）": "1"},
    ])  # fmt: skip
    rows = lever_rows(db, profile, projects=projects).filter(
        pl.col("rule_id") == "zero_land_renovation_standard"
    )
    outcome = dict(rows.select("project_id", "outcome").iter_rows())
    assert outcome == {
        "Z1": "符合“标准地”控制性指标",  # at the general row, 20 and 100
        "Z2": "不予准入：亩均税收 20.0 万元/亩，须 ≥ 25.0",  # the 26 row is deeper than *
        # 19.995 (binary 19.99499…) reads 20.00 half up and meets 20; 99.99 does not meet 100
        "Z3": "不予准入：亩均增加值 99.99 万元/亩，须 ≥ 100.0",
        "Z4": "缺少项目预计亩均税收或亩均增加值，无法判断",
    }
