"""Plan targets: declared populations, every shape the seeds use, regional figures, bases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from mujun import score
from mujun import store as mstore
from mujun.errors import DataError, ProfileError
from mujun.policy import evaluate_targets
from mujun.policy.targets import read_regional
from mujun.profiles import Profile, load_profile
from mujun.profiles.loader import merge_tables, validate_profile
from mujun.testing import facts

# Three 规上 manufacturers: Σ tax 2500, Σ VA 16000, Σ employees 700, Σ revenue 20000,
# Σ R&D 400 on Σ land 150 亩 — 16.67 万/亩, 106.67 万/亩, 22.86 万/人, 2.00 % (seed_rules 001 #2–6).
MANUFACTURERS: dict[str, list[Any]] = {
    "industry_code": ["3311", "2611", "1711"],
    "land_mu": [50.0, 50.0, 50.0],
    "tax_wan": [1000.0, 1000.0, 500.0],
    "value_added_wan": [6000.0, 6000.0, 4000.0],
    "employees": [250.0, 250.0, 200.0],
    "revenue_wan": [8000.0, 8000.0, 4000.0],
    "rd_wan": [200.0, 200.0, 0.0],
    "output_wan": [20000.0, 20000.0, 10000.0],
    "energy_tce": [1000.0, 1000.0, 600.0],
    "high_tech": [True, False, False],
    "utility": [False, False, False],
    "park": ["经开区", "高新区", "经开区"],
}
# A 规上 power utility (4411) that the profile does not evaluate: with it, Σ VA ÷ Σ employees
# would be 26000 ÷ 750 = 34.67 and R&D 400 ÷ 40000 = 1.00 % (seed_rules 001 #6).
UTILITY: dict[str, Any] = {
    "industry_code": "4411", "land_mu": 10.0, "tax_wan": 300.0, "value_added_wan": 10000.0,
    "employees": 50.0, "revenue_wan": 20000.0, "rd_wan": 0.0, "output_wan": 30000.0,
    "energy_tce": 5000.0, "high_tech": False, "utility": True, "park": "经开区",
}  # fmt: skip


def frame(year: int, *, utility: bool = True, scale: float = 1.0) -> pl.DataFrame:
    """The manufacturers (amounts × ``scale``) and, optionally, the utility, of data year ``year``."""
    cols = {k: list(v) for k, v in MANUFACTURERS.items()}
    if utility:
        for k, v in UTILITY.items():
            cols[k].append(v)
    n = len(cols["land_mu"])
    amounts = ("tax_wan", "value_added_wan", "revenue_wan", "rd_wan", "output_wan")
    cols = {k: [x * scale for x in v] if k in amounts else v for k, v in cols.items()}
    return facts(n, **cols).with_columns(pl.lit(year).alias("year"))


def with_targets(name: str, targets: list[dict[str, Any]], **extra: Any) -> Profile:
    base = load_profile(name).model_dump(mode="json", exclude_none=True)
    return validate_profile(merge_tables(base, {"targets": targets, **extra}), source="test")


def publish(db: Path, profile: Profile, frames: dict[int, pl.DataFrame]) -> None:
    """Store and publish one evaluation per data year (evaluation year = data year + 1)."""
    with mstore.Store.open(db) as s:
        for data_year, f in sorted(frames.items()):
            batch = mstore.save_facts(s, f, sources=[])
            run = mstore.save_run(s, score(f, profile=profile, year=data_year + 1),
                                  profile=profile, evaluation_year=data_year + 1,
                                  input_fingerprint="t", batch_id=batch)  # fmt: skip
            mstore.publish(s, year=data_year + 1, run_id=run)


def targets(db: Path, profile: Profile, *, year: int = 2024, **kw: Any) -> pl.DataFrame:
    with mstore.Store.open(db, read_only=True) as s:
        return evaluate_targets(s, year=year, profile=profile, **kw)


def row(got: pl.DataFrame, label: str, **match: Any) -> dict[str, Any]:
    hit = got.filter(pl.col("指标") == label, *(pl.col(k) == v for k, v in match.items()))
    assert hit.height == 1, hit
    return hit.row(0, named=True)


# ---- WRONG 2: a not-evaluated utility never enters a 规上制造业 target ---- #
def test_tiantai_labour_productivity_leaves_out_the_exempt_utility(tmp_path: Path) -> None:
    profile = load_profile("tiantai")
    db = tmp_path / "db.duckdb"
    publish(db, profile, {2023: frame(2023)})
    got = targets(db, profile)
    lp = row(got, "规上制造业全员劳动生产率", 目标年度=2023)
    assert lp["实际值"] == 22.86  # 16000 ÷ 700, not 26000 ÷ 750 = 34.67
    assert lp["已达标"] is False
    assert lp["差距"] == 0.14
    rd = row(got, "规上制造业R&D经费相当于营业收入比重", 目标年度=2023)
    assert rd["实际值"] == 2.0  # not 1.00
    tax = row(got, "规上工业亩均税收", 目标年度=2023)
    assert tax["实际值"] == 16.67


@pytest.mark.parametrize(
    ("population", "expected"),
    [
        ({}, 22.86),  # default: the firms the profile evaluated (the utility is 不参评)
        ({"evaluated": False}, 34.67),  # declared: every stored 规上 firm
        ({"evaluated": False, "industry_in": ["13-43"]}, 22.86),  # declared: manufacturing
        ({"evaluated": False, "industry_in": ["4411"]}, 200.0),  # a 4-digit class: 10000 ÷ 50
        ({"industry_in": ["3311", "26"]}, 24.0),  # 12000 ÷ 500
    ],
)
def test_population_is_declared(
    tmp_path: Path, population: dict[str, Any], expected: float
) -> None:
    profile = with_targets("tiantai", [{"indicator": "labour_productivity", "label": "劳动生产率",
                                        "unit": "万元/人", "year": 2023, "value": 23.0,
                                        "population": population}])  # fmt: skip
    db = tmp_path / "db.duckdb"
    publish(db, profile, {2023: frame(2023)})
    assert row(targets(db, profile), "劳动生产率")["实际值"] == expected


def test_utility_is_left_out_even_where_the_scope_has_all_industries(tmp_path: Path) -> None:
    """Fenghua evaluates manufacturing only; the heating plant stays out of its 规上工业 figures."""
    profile = load_profile("fenghua")
    db = tmp_path / "db.duckdb"
    publish(db, profile, {2023: frame(2023)})
    got = targets(db, profile)
    assert row(got, "规上工业亩均税收", 目标年度=2023)["实际值"] == 16.67


# A 规上 wholesaler (5171, out of every seed's scope): counted, it would move 亩均税收 16.67 →
# 20.59, 劳动生产率 22.86 → 23.61, R&D 2.00 % → 0.57 % (seed_rules 000 #6, 002 #5, 003 #3).
WHOLESALER: dict[str, Any] = {
    "industry_code": "5171", "land_mu": 20.0, "tax_wan": 1000.0, "value_added_wan": 1000.0,
    "employees": 20.0, "revenue_wan": 50000.0, "rd_wan": 0.0, "output_wan": 0.0,
    "energy_tce": 10.0, "high_tech": False, "utility": False, "park": "经开区",
}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "label", "expected"),
    [
        ("lishui", "规上工业亩均税收", 16.67),
        ("lishui", "全员劳动生产率", 22.86),
        ("lishui", "规上企业R&D经费支出占主营业务收入比重", 2.0),
        ("fenghua", "规上工业亩均税收", 16.67),
        ("fenghua", "规上工业增加值率", 32.0),
        ("ruian", "规上工业亩均增加值", 106.67),
        ("ruian", "规上工业企业研发经费占营业收入比重", 2.0),
    ],
)
def test_an_out_of_scope_wholesaler_is_not_counted(
    tmp_path: Path, name: str, label: str, expected: float
) -> None:
    profile = load_profile(name)
    cols = {k: [*v, WHOLESALER[k]] for k, v in MANUFACTURERS.items()}
    f = facts(4, **cols).with_columns(pl.lit(2023).alias("year"))
    db = tmp_path / "db.duckdb"
    publish(db, profile, {2023: f})
    got = targets(db, profile).filter(pl.col("指标") == label).sort("目标年度")
    assert got.item(0, "实际值") == expected


# ---- shapes: count, share, total growth, reduction, per-year, park ---- #
SHAPES: list[dict[str, Any]] = [
    {"kind": "count", "label": "亿元以上企业", "unit": "家", "year": 2023, "value": 3,
     "where": [{"measure": "revenue_wan", "op": ">=", "value": 10000}]},
    {"kind": "count", "label": "高新技术企业", "unit": "家", "by_year": {2023: 1, 2025: 2},
     "where": [{"flag": "high_tech"}]},
    {"kind": "share", "label": "高新技术产业增加值占比", "unit": "%", "year": 2023, "value": 44,
     "measure": "value_added_wan", "where": [{"flag": "high_tech"}]},
    {"kind": "share", "label": "有研发投入企业占比", "unit": "%", "year": 2023, "value": 48,
     "measure": "firms", "where": [{"measure": "rd_wan", "op": ">", "value": 0}]},
    {"kind": "total", "label": "规上工业增加值年均增长", "unit": "%", "year": 2023, "value": 15,
     "measure": "value_added_wan", "form": "annual_change", "base_year": 2021},
    {"indicator": "energy_per_va", "label": "单位工业增加值能耗降低", "unit": "%", "year": 2023,
     "value": -10.4, "direction": "at_most", "form": "change", "base_year": 2021},
]  # fmt: skip


def test_every_shape_the_seeds_use(tmp_path: Path) -> None:
    profile = with_targets("lishui", SHAPES)
    db = tmp_path / "db.duckdb"
    # 2021: the same firms with 0.8 × the amounts (energy unchanged); 2023: × 1.0.
    publish(db, profile, {2021: frame(2021, scale=0.8), 2023: frame(2023)})
    got = targets(db, profile)
    big = row(got, "亿元以上企业")
    assert (big["实际值"], big["已达标"]) == (0.0, False)  # no firm has revenue ≥ 1 亿 here
    tech = got.filter(pl.col("指标") == "高新技术企业")
    assert tech.get_column("实际值").to_list() == [1.0, 1.0]
    assert tech.get_column("目标年度").to_list() == [2023, 2025]
    assert tech.get_column("期别").to_list() == ["当年目标", "后续目标"]
    assert tech.get_column("已达标").to_list() == [True, False]
    assert row(got, "高新技术产业增加值占比")["实际值"] == 37.5  # 6000 ÷ 16000
    assert row(got, "有研发投入企业占比")["实际值"] == 66.67  # 2 of 3
    growth = row(got, "规上工业增加值年均增长")
    assert growth["基期值"] == 12800.0  # 16000 × 0.8, from the 2021 facts
    assert growth["实际值"] == 11.8  # (16000 ÷ 12800)^(1/2) − 1 = 11.80 %
    assert growth["基期来源"] == "2021 年事实数据"
    energy = row(got, "单位工业增加值能耗降低")
    assert energy["实际值"] == -20.0  # 2600 ÷ 16000 vs 2600 ÷ 12800: −20 %
    assert energy["已达标"] is True
    assert energy["完成进度"] == pytest.approx(20 / 10.4, abs=1e-4)


def test_base_year_without_a_published_evaluation_is_scored_with_the_profile(
    tmp_path: Path,
) -> None:
    profile = with_targets("tiantai", [SHAPES[4]])
    db = tmp_path / "db.duckdb"
    publish(db, profile, {2023: frame(2023)})
    with mstore.Store.open(db) as s:  # 2021 facts stored but never evaluated
        mstore.save_facts(s, frame(2021, scale=0.8), sources=[])
    got = row(targets(db, profile), "规上工业增加值年均增长")
    assert got["基期值"] == 12800.0  # the utility is still left out
    assert "按本方案规则判定参评范围" in got["基期来源"]


def test_park_targets_per_year(tmp_path: Path) -> None:
    profile = load_profile("shizuishan")
    db = tmp_path / "db.duckdb"
    publish(db, profile, {2023: frame(2023)})
    got = targets(db, profile).filter(pl.col("指标") == "园区工业亩均税收")
    # 经开区: the two manufacturers (tax 1500 on 100 亩) and the utility (不参评) left out
    kai = got.filter(pl.col("范围") == "经开区").sort("目标年度")
    assert kai.get_column("实际值").to_list() == [15.0, 15.0]  # 2023 vs 2023 and 2024 targets
    assert kai.get_column("目标值").to_list() == [6.0, 8.0]
    assert kai.get_column("期别").to_list() == ["当年目标", "后续目标"]
    # a past plan year is measured in its own year: 2022 has no stored facts, and says so
    past = got.filter(pl.col("目标年度") == 2022)
    assert past.get_column("范围").to_list() == ["（事实数据中没有园区）"]
    assert "2022 年没有事实数据" in past.item(0, "说明")


def test_at_the_target_counts_as_met(tmp_path: Path) -> None:
    """100.4 ÷ 10.04 is 10.000000000000002 in floating point; the official reads 10.00."""
    profile = with_targets("lishui", [{"indicator": "tax_per_mu", "label": "亩均税收",
                                       "unit": "万元/亩", "year": 2023, "value": 10.0,
                                       "direction": "at_most"}])  # fmt: skip
    db = tmp_path / "db.duckdb"
    f = facts(1, industry_code="3311", land_mu=10.04, tax_wan=100.4).with_columns(
        pl.lit(2023).alias("year")
    )
    publish(db, profile, {2023: f})
    assert row(targets(db, profile), "亩均税收")["已达标"] is True


# ---- WRONG 9: regional figures ---- #
def regional_file(tmp: Path, rows: list[tuple[Any, ...]], name: str = "区域指标.csv") -> Path:
    path = tmp / name
    pl.DataFrame(rows, schema=["年度", "指标", "数值", "单位", "来源", "范围"], orient="row").cast(
        pl.String
    ).write_csv(path)
    return path


def test_shizuishan_rd_is_regional_rd_over_gdp(tmp_path: Path) -> None:
    profile = load_profile("shizuishan")
    db = tmp_path / "db.duckdb"
    publish(db, profile, {2023: frame(2023)})
    path = regional_file(tmp_path, [
        (2023, "R&D经费支出", 12.6, "亿元", "统计公报", ""),
        (2023, "地区生产总值", 600, "亿元", "统计公报", ""),
        (2023, "园区工业亩均投资强度", 170, "万元/亩", "园区台账", "经开区"),
    ])  # fmt: skip
    got = targets(db, profile, regional=read_regional(path))
    rd = row(got, "R&D投入强度", 目标年度=2023)
    assert rd["实际值"] == 2.1  # 12.6 ÷ 600, not Σ firm R&D ÷ Σ revenue
    assert rd["统计口径"] == "区域统计数据"
    inv = row(got, "园区工业亩均投资强度", 目标年度=2023, 范围="经开区")
    assert (inv["实际值"], inv["目标值"], inv["已达标"]) == (170.0, 175.0, False)
    without = row(targets(db, profile), "R&D投入强度", 目标年度=2023)
    assert without["实际值"] is None
    assert "--regional" in without["说明"]


def test_regional_table_refuses_duplicates_bad_values_and_unit_mismatch(tmp_path: Path) -> None:
    dup = regional_file(tmp_path, [(2023, "地区生产总值", 600, "亿元", "", ""),
                                   (2023, "地区生产总值", 610, "亿元", "", "")])  # fmt: skip
    with pytest.raises(DataError, match="第 \\[2, 3\\] 行"):
        read_regional(dup)
    bad = regional_file(tmp_path, [(2023, "地区生产总值", "六百", "亿元", "", "")], "b.csv")
    with pytest.raises(DataError, match=r"第2行.*'六百'"):
        read_regional(bad)
    pct = regional_file(tmp_path, [(2023, "R&D投入强度", "2.1%", "%", "", "")], "p.csv")
    with pytest.raises(DataError, match=r"2\.1%"):
        read_regional(pct)
    profile = load_profile("shizuishan")
    db = tmp_path / "db.duckdb"
    publish(db, profile, {2023: frame(2023)})
    mixed = regional_file(tmp_path, [(2023, "R&D经费支出", 126000, "万元", "", ""),
                                     (2023, "地区生产总值", 600, "亿元", "", "")], "m.csv")  # fmt: skip
    with pytest.raises(DataError, match="单位不同"):
        targets(db, profile, regional=read_regional(mixed))


def test_a_target_needs_its_parts() -> None:
    with pytest.raises(ProfileError, match="count targets need `where`"):
        with_targets("lishui", [{"kind": "count", "label": "x", "unit": "家", "year": 2023,
                                 "value": 1}])  # fmt: skip
    with pytest.raises(ProfileError, match="needs `base_year`"):
        with_targets("lishui", [{"indicator": "tax_per_mu", "label": "x", "unit": "%",
                                 "year": 2023, "value": 1, "form": "change"}])  # fmt: skip
    with pytest.raises(ProfileError, match="unknown cohort"):
        with_targets("lishui", [{"indicator": "tax_per_mu", "label": "x", "unit": "万元/亩",
                                 "year": 2023, "value": 1,
                                 "population": {"cohorts": ["nope"]}}])  # fmt: skip


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".parquet"])
def test_targets_cli_reads_the_regional_table_and_writes_every_column(
    tmp_path: Path, suffix: str
) -> None:
    from typer.testing import CliRunner  # noqa: PLC0415

    from mujun.cli import app  # noqa: PLC0415

    db = tmp_path / "db.duckdb"
    publish(db, load_profile("shizuishan"), {2023: frame(2023)})
    path = regional_file(tmp_path, [(2023, "R&D经费支出", 12.6, "亿元", "统计公报", ""),
                                    (2023, "地区生产总值", 600, "亿元", "统计公报", "")])  # fmt: skip
    out = tmp_path / f"目标{suffix}"
    done = CliRunner().invoke(app, ["targets", "--year", "2024", "--profile", "shizuishan",
                                    "--regional", str(path), "--out", str(out), "--db", str(db)])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "不在有效期内" not in done.output  # 2024 is inside 2022–2024
    if suffix == ".parquet":
        written = pl.read_parquet(out)
        rd = written.filter((pl.col("指标") == "R&D投入强度") & (pl.col("目标年度") == 2023))
        assert rd.item(0, "实际值") == 2.1
    assert out.is_file()


def test_a_regional_figure_with_two_units_across_parks_is_refused(tmp_path: Path) -> None:
    profile = load_profile("shizuishan")
    db = tmp_path / "db.duckdb"
    publish(db, profile, {2023: frame(2023)})
    path = regional_file(tmp_path, [(2023, "园区工业亩均投资强度", 170, "万元/亩", "", "经开区"),
                                    (2023, "园区工业亩均投资强度", 1.7, "亿元/亩", "", "高新区")])  # fmt: skip
    with pytest.raises(DataError, match="不同单位"):
        targets(db, profile, regional=read_regional(path))


@pytest.mark.parametrize(("year", "warned"), [(2024, False), (2025, True)])
def test_targets_warn_for_a_data_year_outside_the_plan(
    tmp_path: Path, year: int, warned: bool
) -> None:
    """Tiantai's plan runs to 2023-12-31: its 2023 targets are read in the 2024 evaluation."""
    from typer.testing import CliRunner  # noqa: PLC0415

    from mujun.cli import app  # noqa: PLC0415

    db = tmp_path / "db.duckdb"
    publish(db, load_profile("tiantai"), {year - 1: frame(year - 1)})
    done = CliRunner().invoke(app, ["targets", "--year", str(year), "--profile", "tiantai",
                                    "--db", str(db)])  # fmt: skip
    assert done.exit_code == 0, done.output
    flat = "".join(done.output.split())
    assert ("数据年度2024不在有效期内" in flat) is warned
