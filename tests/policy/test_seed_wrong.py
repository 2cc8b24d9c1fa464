"""The WRONG rows of issue 17, each at its exact limit (seed_rules.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from levers_kit import classes_by_tax, lever_rows, listed, publish, table
from typer.testing import CliRunner

from mujun import score
from mujun.classify.ranking import reaches
from mujun.cli import app
from mujun.profiles import load_profile
from mujun.profiles.conditions import at_precision, compare, industry_match, round_limit
from mujun.schema import MU_PER_M2
from mujun.testing import facts, make_uscc


# ---- 1. limits at the published precision ---- #
@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [(100.4 / 10.04, 2, 10.0), (2.675, 2, 2.68), (-2.675, 2, -2.68), (0.125, 2, 0.13),
     (25 * 1.10, 2, 27.5), (0.1995, 3, 0.2), (0.19949, 3, 0.199), (10.004999, 2, 10.0)],
)  # fmt: skip
def test_half_up_at_published_precision(value: float, digits: int, expected: float) -> None:
    got = pl.select(at_precision(pl.lit(value), digits)).item()
    assert got == expected
    assert round_limit(value, digits) == pytest.approx(expected)


def test_binary_drift_does_not_move_a_firm_across_a_limit() -> None:
    frame = pl.DataFrame({"tax": [100.4, 100.5], "land": [10.04, 10.04]})
    per_mu = pl.col("tax") / pl.col("land")
    assert frame.select(per_mu <= 10.0).to_series().to_list() == [False, False]  # the defect
    at_limit = frame.select(compare(per_mu, "<=", 10.0, 2)).to_series().to_list()
    assert at_limit == [True, False]  # 10.00 is at the limit, 10.01 is over it


def test_tiantai_low_efficiency_at_exactly_10_and_5_wan(tmp_path: Path) -> None:
    profile = classes_by_tax("tiantai")
    db = tmp_path / "db.duckdb"
    # LT8 100.4/10.04 = 10.00 (亿元 firm), LT9 50.2/10.04 = 5.00, and 10.01 / 5.01 just over
    year = facts(4, land_mu=10.04, tax_wan=[100.4, 50.2, 100.5, 50.3], industry_code="3311",
                 revenue_wan=[20000.0, 5000.0, 20000.0, 5000.0],
                 name=["LT8", "LT9", "LT2", "LT10"])  # fmt: skip
    publish(db, profile, {2022: year, 2023: year})
    rows = lever_rows(db, profile)
    assert listed(rows, "low_efficiency") == ["LT8", "LT9"]
    text = rows.filter((pl.col("name") == "LT8") & (pl.col("rule_id") == "low_efficiency")).item(
        0, "inputs"
    )
    assert "10.0 万元/亩（限 ≤ 10.0）" in text


def test_ruian_admission_at_exactly_110_and_115_percent(tmp_path: Path) -> None:
    profile = classes_by_tax("ruian")
    db = tmp_path / "db.duckdb"
    publish(db, profile, {2023: facts(1, industry_code="3311")})
    firm = make_uscc(0)
    projects = table(tmp_path, "p.csv", [
        {"项目编号": "A1", "统一社会信用代码": firm, "项目类型": "新兴产业", "行业代码": "3311", "全员劳动生产率（万元/人）": "27.5"},
        {"项目编号": "A2", "统一社会信用代码": firm, "项目类型": "新兴产业", "行业代码": "3311", "全员劳动生产率（万元/人）": "27.49"},
        {"项目编号": "A3", "统一社会信用代码": firm, "项目类型": "新兴产业", "行业代码": "2611", "全员劳动生产率（万元/人）": "13.2"},
        {"项目编号": "A5", "统一社会信用代码": firm, "项目类型": "传统扩产", "行业代码": "3311", "全员劳动生产率（万元/人）": "23"},
        {"项目编号": "A6", "统一社会信用代码": firm, "项目类型": "传统扩产", "行业代码": "3311", "全员劳动生产率（万元/人）": "22.99"},
    ])  # fmt: skip
    averages = table(tmp_path, "a.csv", [
        {"行业代码": "33", "全省同行业平均（万元/人）": "25", "全市同行业平均（万元/人）": "20"},
        {"行业代码": "26", "全省同行业平均（万元/人）": "12", "全市同行业平均（万元/人）": "10"},
    ])  # fmt: skip
    rows = lever_rows(db, profile, projects=projects, averages=averages).filter(
        pl.col("kind") == "admission"
    )
    outcome = dict(rows.select("project_id", "outcome").iter_rows())
    assert outcome == {
        "A1": "准入",  # 25 × 1.10 = 27.500000000000004 in binary; printed and applied 27.5
        "A2": "不予准入：全员劳动生产率未达到要求",
        "A3": "准入",  # 12 × 1.10 = 13.200000000000001
        "A5": "准入",  # 20 × 1.15 = 22.999999999999996
        "A6": "不予准入：全员劳动生产率未达到要求",
    }
    assert "须 ≥ 27.5" in rows.filter(pl.col("project_id") == "A1").item(0, "inputs")


def test_score_threshold_at_the_printed_total() -> None:
    totals = pl.DataFrame({"t": [79.996, 79.994, 80.0, 79.99999999999999]})
    got = totals.select(reaches(pl.col("t"), 80.0, 2)).to_series().to_list()
    assert got == [True, False, True, True]  # printed 80.00, 79.99, 80.00, 80.00


def test_cohort_land_threshold_from_square_metres() -> None:
    land = [2000 * MU_PER_M2, 1994 * MU_PER_M2]  # 3.0000000000000004 亩 and 2.991 亩
    frame = facts(2, above_scale=False, land_mu=land, industry_code="3311", tax_wan=10.0,
                  electricity_kwh=1000.0)  # fmt: skip
    result = score(frame, profile=load_profile("lishui"), year=2024)
    assert result.get_column("cohort").cast(pl.String).to_list() == ["below_ge3", None]


# ---- 3. lists look at their declared population ---- #
def test_fenghua_high_carbon_leaves_out_an_out_of_scope_heating_plant(tmp_path: Path) -> None:
    profile = classes_by_tax("fenghua")
    db = tmp_path / "db.duckdb"
    frame = facts(2, name=["热电厂", "印染厂"], industry_code=["4430", "1713"], land_mu=10.0,
                  tax_wan=10.0, revenue_wan=1000.0, energy_tce=1000.0)  # fmt: skip
    publish(db, profile, {2023: frame})
    assert listed(lever_rows(db, profile), "high_carbon_low_efficiency") == ["印染厂"]


def test_shizuishan_idle_list_is_industrial_firms_that_neither_produce_nor_sell(
    tmp_path: Path,
) -> None:
    profile = classes_by_tax("shizuishan")
    db = tmp_path / "db.duckdb"
    frame = facts(
        4,
        name=["批发商", "停产厂", "只报营收为零", "有销售"],
        industry_code=["5171", "3311", "0610", "3311"],
        output_wan=[0.0, 0.0, None, 0.0],
        revenue_wan=[50000.0, 0.0, 0.0, 300.0],
    )
    publish(db, profile, {2022: frame, 2023: frame})
    assert listed(lever_rows(db, profile), "long_idle") == ["停产厂", "只报营收为零"]


# ---- 4. industry codes deeper than divisions ---- #
@pytest.mark.parametrize(
    ("specs", "codes", "expected"),
    [(["131"], ["1311", "C1319", "1351", "13", None], [True, True, False, False, False]),
     (["1311-1313"], ["1312", "1314", "131"], [True, False, False]),
     (["13-43"], ["1351", "4411", "C3311"], [True, False, True]),
     (["44", "4611"], ["4430", "4611", "4620"], [True, True, False])],
)  # fmt: skip
def test_industry_codes_of_any_depth(
    specs: list[str], codes: list[str | None], expected: list[bool]
) -> None:
    got = pl.DataFrame({"industry_code": codes}, schema={"industry_code": pl.String}).select(
        industry_match(specs)
    )
    assert got.to_series().to_list() == expected


def test_fenghua_protects_grain_processing_not_a_slaughterhouse(tmp_path: Path) -> None:
    profile = classes_by_tax("fenghua")
    db = tmp_path / "db.duckdb"
    frame = facts(3, name=["屠宰厂", "碾米厂", "机械厂"], industry_code=["1351", "1311", "3311"],
                  tax_wan=10.0)  # fmt: skip  # 1 万/亩: class D
    publish(db, profile, {2023: frame})
    assert listed(lever_rows(db, profile), "high_carbon_low_efficiency") == ["屠宰厂", "机械厂"]


# ---- 5. Lishui 高耗低效 tests 规下 firms by the guide's 规下 rows ---- #
def test_lishui_high_energy_list_takes_below_scale_firms(tmp_path: Path) -> None:
    profile = classes_by_tax("lishui")
    db = tmp_path / "db.duckdb"
    frame = facts(
        4,
        name=["规下5亩", "规下2.99亩", "规下能耗低", "规下只报产值"],
        above_scale=False,
        land_mu=[5.0, 2.99, 5.0, 5.0],
        tax_wan=0.5,  # 0.1 万元/亩
        energy_tce=[500.0, 500.0, 99.4, 500.0],  # 99.4 / 1000 = 0.0994 → 0.099 < 0.1
        revenue_wan=[1000.0, 1000.0, 1000.0, None],
        output_wan=[None, None, None, 2000.0],
        industry_code="3311",
    )
    publish(db, profile, {2023: frame})
    rows = lever_rows(db, profile)
    assert listed(rows, "high_energy_low_efficiency") == ["规下5亩", "规下只报产值"]
    text = rows.filter(
        (pl.col("name") == "规下5亩") & (pl.col("rule_id") == "high_energy_low_efficiency")
    ).item(0, "inputs")
    assert "单位营业收入能耗 0.5 吨标准煤/万元（标准：≥ 0.1 为未达标；未达标）" in text
    assert "适用标准：各地、各行业、规下" in text


# ---- 6 and 11. Tiantai override reaches a T firm; firm age by the calendar ---- #
def test_tiantai_1yi_project_makes_a_new_firm_a_and_a_veto_still_wins() -> None:
    frame = facts(
        5,
        name=["新投产1.5亿", "新投产5000万", "新投产1.5亿事故", "老企业", "老企业2"],
        industry_code="3311",
        key_project_investment_wan=[15000.0, 5000.0, 15000.0, None, None],
        production_start=[dt.date(2023, 3, 1)] * 3 + [dt.date(2010, 1, 1)] * 2,
        safety_incident=[False, False, True, False, False],
    )
    result = score(frame, profile=load_profile("tiantai"), year=2024)
    got = dict(result.select("name", pl.col("class_label").cast(pl.String)).iter_rows())
    assert got["新投产1.5亿"] == "A"
    assert got["新投产5000万"] == "T"  # "not D" has nothing to bound on an ungraded firm
    assert got["新投产1.5亿事故"] == "D"
    row = result.filter(pl.col("name") == "新投产1.5亿").row(0, named=True)
    assert row["override_rule"] == "project_1yi" and row["eval_status"] == "ungraded"


# ---- 7. Tiantai's rules are per key project, not the firm's sum ---- #
def test_tiantai_two_6000wan_projects_make_not_d_not_a(tmp_path: Path) -> None:
    n = 20
    frame = facts(
        n,
        name=[f"企业{i}" for i in range(n)],
        industry_code="3311",
        tax_wan=[float(10 + i) for i in range(n)],  # firm 0 is last: D by quota
        construction_investment_wan=[12000.0] + [None] * (n - 1),  # two 6000万 projects
        key_project_investment_wan=[6000.0] + [None] * (n - 1),
        production_start=dt.date(2010, 1, 1),
    )
    profile = load_profile("tiantai")
    result = score(frame, profile=profile, year=2024)
    first = result.row(0, named=True)
    assert (first["class_computed"], first["class_label"]) == ("D", "C")
    assert first["override_rule"] == "project_3000wan"
    db = tmp_path / "db.duckdb"
    publish(db, profile, {2023: frame})
    firm = make_uscc(0)
    projects = table(tmp_path, "p.csv", [
        {"项目编号": "P1", "统一社会信用代码": firm, "项目总投资（万元）": "6000", "是否重点产业项目": "是"},
        {"项目编号": "P2", "统一社会信用代码": firm, "项目总投资（万元）": "6000", "是否重点产业项目": "是"},
        {"项目编号": "P3", "统一社会信用代码": make_uscc(1), "项目总投资（万元）": "15000", "是否重点产业项目": "是"},
        {"项目编号": "P4", "统一社会信用代码": make_uscc(2), "项目总投资（万元）": "15000", "是否重点产业项目": "否"},
    ])  # fmt: skip
    rows = lever_rows(db, profile, projects=projects).filter(pl.col("kind") == "override")
    assert rows.filter(pl.col("rule_id") == "project_3000wan").get_column("uscc").to_list() == [
        firm
    ]
    check = rows.filter(pl.col("rule_id") == "key_project_check")
    # firm 1 has a key project of 1.5亿 in the table but no such fact: reported for checking
    assert check.get_column("uscc").to_list() == [make_uscc(1)]
    assert "P3" in check.item(0, "inputs") and check.item(0, "outcome").startswith("待核")


@pytest.mark.parametrize(
    ("start", "graded"),
    [(dt.date(2022, 1, 1), True), (dt.date(2022, 1, 2), False), (dt.date(2021, 12, 31), True)],
)
def test_two_full_calendar_years_are_two_years(start: dt.date, graded: bool) -> None:
    frame = facts(3, industry_code="3311", production_start=[start, dt.date(2000, 1, 1),
                                                              dt.date(2000, 1, 1)])  # fmt: skip
    result = score(frame, profile=load_profile("zhejiang_baseline"), year=2024)  # data year 2023
    assert (result.item(0, "eval_status") == "ranked") is graded
    age = result.filter(pl.col("uscc") == make_uscc(0))
    assert age.height == 1


# ---- 8. Tiantai dormitory share: every firm in a park; outside, A/B with ≥ 50 亩 ---- #
def test_tiantai_dormitory_share_in_and_outside_parks(tmp_path: Path) -> None:
    profile = classes_by_tax("tiantai")
    db = tmp_path / "db.duckdb"
    land = [30.0, 30.0, 30.0, 60.0, 49.995, 49.99]
    frame = facts(
        6,
        name=["园区内B", "园区内C", "园区外B", "园区外A60亩", "园区外A49.995亩", "园区外A49.99亩"],
        park=["天台经济开发区", "天台经济开发区", None, None, None, None],
        land_mu=land,
        tax_wan=[t * a for t, a in zip([7.0, 5.0, 7.0, 9.0, 9.0, 9.0], land, strict=True)],
        industry_code="3311",
    )
    publish(db, profile, {2023: frame})
    rows = lever_rows(db, profile).filter(pl.col("rule_id") == "dormitory_share")
    ok = {r["name"]: r["outcome"].startswith("符合") for r in rows.iter_rows(named=True)}
    assert ok == {"园区内B": True, "园区内C": True, "园区外B": False, "园区外A60亩": True,
                  "园区外A49.995亩": True, "园区外A49.99亩": False}  # fmt: skip
    why = rows.filter(pl.col("name") == "园区外B").item(0, "outcome")
    assert "不在产业园区内" in why and "用地不足 50 亩" in why


# ---- 10. last year's benchmark over last year's ranked firms ---- #
def test_previous_year_benchmark_excludes_last_years_unranked_firms() -> None:
    profile = load_profile("huaian_2024")
    common = {"industry_code": "3311", "county": "示范县", "revenue_wan": 1000.0,
              "energy_tce": 100.0}  # fmt: skip
    this = facts(4, tax_wan=[100.0, 200.0, 300.0, 400.0], production_start=dt.date(2010, 1, 1),
                 **common)  # fmt: skip
    last = facts(
        7,
        tax_wan=[100.0, 200.0, 300.0, 400.0, 9000.0, 9000.0, 9000.0],
        # a utility (T), a firm in production 1.5 years last year (T), an out-of-scope-size firm
        utility=[False] * 4 + [True, False, False],
        production_start=[dt.date(2010, 1, 1)] * 5 + [dt.date(2021, 7, 1), dt.date(2010, 1, 1)],
        above_scale=[True] * 6 + [False],
        land_mu=[10.0] * 6 + [2.0],
        **common,
    ).with_columns(pl.lit(2022).alias("year"))
    result = score(this, profile=profile, year=2024, history=last)
    same = score(
        this, profile=profile, year=2024, history=this.with_columns(pl.lit(2022).alias("year"))
    )
    # 2 × mean(10, 20, 30, 40): last year's ranked firms only, as this year's benchmark would be
    assert result.get_column("tax_per_mu__benchmark").unique().to_list() == [50.0]
    assert same.get_column("tax_per_mu__benchmark").unique().to_list() == [50.0]


# ---- levers --out in every format ---- #
@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".parquet"])
def test_levers_out_in_every_format(tmp_path: Path, suffix: str) -> None:
    profile = load_profile("tiantai")
    db = tmp_path / "db.duckdb"
    frame = facts(6, tax_wan=[10.0, 20.0, 30.0, 40.0, 50.0, 60.0], industry_code="3311",
                  revenue_wan=20000.0)  # fmt: skip
    publish(db, profile, {2022: frame, 2023: frame})
    out = tmp_path / f"政策兑现{suffix}"
    done = CliRunner().invoke(
        app,
        [
            "levers",
            "--year",
            "2024",
            "--profile",
            "tiantai",
            "--db",
            str(db),
            "--out",
            str(out),
        ],
    )
    assert done.exit_code == 0, done.output
    assert out.is_file()
    if suffix == ".xlsx":
        return
    budget = out.with_name(f"政策兑现_汇总{suffix}")
    read = pl.read_csv if suffix == ".csv" else pl.read_parquet
    rows, totals = read(out), read(budget)
    assert {"规则", "企业名称", "结果"} <= set(rows.columns)
    assert {"规则", "条数", "合计金额（万元）"} <= set(totals.columns)
    assert rows.filter(pl.col("规则编号") == "low_efficiency").height == 6


def test_an_indicators_published_precision_applies_to_lists(tmp_path: Path) -> None:
    # tax per mu published to 1 decimal: 10.04 reads 10.0 and is at the 10万 limit
    profile = classes_by_tax("tiantai", {"indicators": {"tax_per_mu": {"digits": 1}}})
    db = tmp_path / "db.duckdb"
    year = facts(2, land_mu=10.0, tax_wan=[100.4, 100.5], industry_code="3311",
                 revenue_wan=20000.0, name=["10.04", "10.05"])  # fmt: skip
    publish(db, profile, {2022: year, 2023: year})
    assert listed(lever_rows(db, profile), "low_efficiency") == ["10.04"]


# ---- ambiguity as a setting: Tiantai's rental 50万 cap per firm ---- #
@pytest.mark.parametrize(("cap_per", "expected"), [("firm", [50.0, 0.0, 36.0]),
                                                   ("project", [50.0, 50.0, 36.0])])  # fmt: skip
def test_rental_cap_per_firm_or_project(
    tmp_path: Path, cap_per: str, expected: list[float]
) -> None:
    profile = classes_by_tax("tiantai", {"levers": {"rental": [
        {"id": "new_rental", "label": "租金补助", "yuan_per_m2_month": 3.0, "months": 12,
         "max_wan": 50.0, "min_project_investment_wan": 1000.0, "classes": ["A", "B"],
         "cap_per": cap_per}]}})  # fmt: skip
    db = tmp_path / "db.duckdb"
    publish(db, profile, {2023: facts(2, tax_wan=[90.0, 70.0], industry_code="3311")})
    projects = table(tmp_path, "p.csv", [
        {"项目编号": "P1", "统一社会信用代码": make_uscc(0), "项目总投资（万元）": "5000", "新增租赁厂房面积（平方米）": "20000"},
        {"项目编号": "P2", "统一社会信用代码": make_uscc(0), "项目总投资（万元）": "5000", "新增租赁厂房面积（平方米）": "20000"},
        {"项目编号": "P3", "统一社会信用代码": make_uscc(1), "项目总投资（万元）": "1000", "新增租赁厂房面积（平方米）": "10000"},
    ])  # fmt: skip
    rows = lever_rows(db, profile, projects=projects).filter(pl.col("rule_id") == "new_rental")
    assert rows.sort("project_id").get_column("amount_wan").to_list() == pytest.approx(expected)


def test_tiantai_reads_the_rental_cap_per_firm() -> None:
    assert load_profile("tiantai").levers.rental[0].cap_per == "firm"
