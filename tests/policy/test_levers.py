"""Every lever at its boundaries, over a store whose classes are set exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from levers_kit import classes_by_tax

from mujun import score
from mujun import store as mstore
from mujun.policy import evaluate_levers, evaluate_targets, load_context, subsidies
from mujun.policy.context import Context
from mujun.profiles import Profile, load_profile
from mujun.testing import facts, make_uscc

TAX_PER_MU = {"A": 9.0, "B": 7.0, "C": 5.0, "D": 1.0}  # → totals 90 / 70 / 50 / 10


def region(name: str, patch: dict[str, Any] | None = None) -> Profile:
    """A shipped region's levers with classes decided only by tax per mu (see TAX_PER_MU)."""
    return classes_by_tax(name, patch)


def publish_years(db: Path, profile: Profile, years: dict[int, list[str]], **columns: Any) -> None:
    """One published evaluation per year; firm i gets class ``years[year][i]``."""
    with mstore.Store.open(db) as s:
        for year, classes in sorted(years.items()):
            n = len(classes)
            frame = facts(
                n,
                land_mu=10.0,
                tax_wan=[TAX_PER_MU[c] * 10 for c in classes],
                industry_code="3311",
                **columns,
            ).with_columns(pl.lit(year - 1).alias("year"))
            batch = mstore.save_facts(s, frame, sources=[])
            run = mstore.save_run(
                s,
                score(frame, profile=profile, year=year),
                profile=profile,
                evaluation_year=year,
                input_fingerprint="t",
                batch_id=batch,
            )
            mstore.publish(s, year=year, run_id=run)


def projects_file(tmp: Path, rows: list[dict[str, object]]) -> Path:
    path = tmp / "projects.csv"
    pl.DataFrame(rows).cast(pl.String).write_csv(path)
    return path


def levers(db: Path, profile: Profile, **files: Path) -> pl.DataFrame:
    with mstore.Store.open(db, read_only=True) as s:
        return evaluate_levers(load_context(s, year=2024, profile=profile, **files)).rows


# ---- technical renovation (Tiantai) ---- #
@pytest.mark.parametrize(("invest", "cls", "expected"), [
    (499.99, "A", None),
    (500.0, "C", 500 * 0.08),                     # band 1, no uplift for C
    (500.0, "A", 500 * 0.08 * 1.20),              # band 1: +20 %
    (1999.99, "B", 1999.99 * 0.08 * 1.10),        # band 1: +10 %
    (2000.0, "A", 2000 * 0.08 * 1.25),            # band 2: +25 %
    (4999.99, "B", 4999.99 * 0.08 * 1.15),        # band 2: +15 %
    (5000.0, "A", 5000 * 0.08 * 1.30),            # band 3: +30 %
    (5000.0, "B", 5000 * 0.08 * 1.20),            # band 3: +20 %
    (20000.0, "A", 800 * 1.30),                   # band 3 cap 800 raised 30 %
    (20000.0, "B", 800 * 1.20),                   # cap raised 20 %
    (20000.0, "D", 800.0),
])  # fmt: skip
def test_renovation_bands_and_uplifts(
    tmp_path: Path, invest: float, cls: str, expected: float | None
) -> None:
    profile = region("tiantai")
    db = tmp_path / "db.duckdb"
    publish_years(db, profile, {2024: [cls]})
    proj = projects_file(
        tmp_path, [{"项目编号": "P1", "统一社会信用代码": make_uscc(0), "设备投资（万元）": invest}]
    )
    row = (
        levers(db, profile, projects=proj)
        .filter(pl.col("rule_id") == "tech_renovation")
        .row(0, named=True)
    )
    if expected is None:
        assert row["amount_wan"] is None and "不足 500" in row["outcome"]
    else:
        assert row["amount_wan"] == pytest.approx(expected)
        assert row["class_label"] == cls


@pytest.mark.parametrize(("invest", "area", "cls", "expected"), [
    (1000.0, 2000.0, "B", 2000 * 3 * 12 / 10000),   # exactly 1000万 qualifies
    (999.99, 2000.0, "A", None),
    (5000.0, 20000.0, "A", 50.0),                   # 72万 capped at 50万
    (5000.0, 2000.0, "C", None),                    # not B or better
    (5000.0, 0.0, "A", None),
])  # fmt: skip
def test_rental_subsidy(
    tmp_path: Path, invest: float, area: float, cls: str, expected: float | None
) -> None:
    profile = region("tiantai")
    db = tmp_path / "db.duckdb"
    publish_years(db, profile, {2024: [cls]})
    proj = projects_file(
        tmp_path,
        [
            {
                "项目编号": "P1",
                "统一社会信用代码": make_uscc(0),
                "项目总投资（万元）": invest,
                "新增租赁厂房面积（平方米）": area,
            }
        ],
    )
    row = (
        levers(db, profile, projects=proj)
        .filter(pl.col("rule_id") == "new_rental")
        .row(0, named=True)
    )
    assert row["amount_wan"] == (pytest.approx(expected) if expected is not None else None)


def test_extension_subsidy_threshold_and_firm_cap(tmp_path: Path) -> None:
    profile = region("tiantai")
    db = tmp_path / "db.duckdb"
    publish_years(db, profile, {2024: ["B", "C"]})
    proj = projects_file(tmp_path, [
        {"项目编号": "P1", "统一社会信用代码": make_uscc(0), "加层扩建面积（平方米）": 8000},
        {"项目编号": "P2", "统一社会信用代码": make_uscc(0), "加层扩建面积（平方米）": 4000},
        {"项目编号": "P3", "统一社会信用代码": make_uscc(1), "加层扩建面积（平方米）": 1000},
        {"项目编号": "P4", "统一社会信用代码": make_uscc(1), "加层扩建面积（平方米）": 999},
    ])  # fmt: skip
    rows = (
        levers(db, profile, projects=proj)
        .filter(pl.col("rule_id") == "vertical_extension")
        .sort("project_id")
    )
    assert rows.get_column("amount_wan").to_list() == [40.0, 10.0, 5.0, None]


# ---- eligibility ---- #
@pytest.mark.parametrize(
    ("land", "cls", "ok"), [(50.0, "A", True), (49.99, "A", False), (80.0, "C", False)]
)
def test_dormitory_share_needs_class_and_50_mu(
    tmp_path: Path, land: float, cls: str, ok: bool
) -> None:
    profile = region("tiantai")
    db = tmp_path / "db.duckdb"
    with mstore.Store.open(db) as s:
        frame = facts(
            1, land_mu=land, tax_wan=TAX_PER_MU[cls] * land, industry_code="3311"
        ).with_columns(pl.lit(2023).alias("year"))
        batch = mstore.save_facts(s, frame, sources=[])
        run = mstore.save_run(
            s,
            score(frame, profile=profile, year=2024),
            profile=profile,
            evaluation_year=2024,
            input_fingerprint="t",
            batch_id=batch,
        )
        mstore.publish(s, year=2024, run_id=run)
    row = levers(db, profile).filter(pl.col("rule_id") == "dormitory_share").row(0, named=True)
    assert row["outcome"].startswith("符合") is ok


def test_land_transfer_admits_unclassed_but_not_c_or_d(tmp_path: Path) -> None:
    profile = region(
        "tiantai",
        {
            "special": [
                {
                    "id": "new",
                    "reason": "新投产",
                    "outcome": "ungraded",
                    "label": "T",
                    "name": "暂不定级",
                    "when": [{"flag": "high_tech"}],
                }
            ]
        },
    )
    db = tmp_path / "db.duckdb"
    publish_years(db, profile, {2024: ["A", "C", "D", "B"]}, high_tech=[False, False, False, True])
    rows = levers(db, profile).filter(pl.col("rule_id") == "land_transfer_buyer").sort("uscc")
    assert [o.startswith("符合") for o in rows.get_column("outcome")] == [True, False, False, True]
    assert rows.get_column("class_label").to_list() == ["A", "C", "D", "T"]


# ---- surcharges ---- #
def _surcharge_profile(stacking: str = "highest") -> Profile:
    return region("lishui", {"levers": {"surcharges": [
        {"id": "e", "label": "差别电价", "resource": "electricity", "quantity": "electricity_kwh",
         "unit": "元/千瓦时", "by_class": {"D": [0.05, 0.10, 0.15], "C": [0.01]}, "stacking": stacking}],
        "thresholds": [], "tax_relief": []}})  # fmt: skip


def test_surcharge_escalates_with_consecutive_years_and_does_not_stack(tmp_path: Path) -> None:
    profile = _surcharge_profile()
    db = tmp_path / "db.duckdb"
    publish_years(db, profile, {2021: ["D", "A", "A", "D"], 2022: ["D", "A", "D", "D"],
                                2023: ["D", "D", "D", "A"], 2024: ["D", "D", "D", "C"]},
                  electricity_kwh=1_000_000.0)  # fmt: skip
    inputs = tmp_path / "inputs.csv"
    pl.DataFrame(
        {"统一社会信用代码": [make_uscc(0)], "其他差别电价（元/千瓦时）": ["0.2"]}
    ).write_csv(inputs)
    rows = levers(db, profile, inputs=inputs).filter(pl.col("rule_id") == "e").sort("uscc")
    # firm 0: D 4 years (0.15) but pays a 0.2 punitive price instead; firm 1: D 2 years; firm 2: 3
    assert rows.get_column("amount_wan").to_list() == pytest.approx([20.0, 10.0, 15.0, 1.0])
    assert "不叠加" in rows.item(0, "outcome")
    added = _surcharge_profile("add")
    rows_add = levers(db, added, inputs=inputs).filter(pl.col("rule_id") == "e").sort("uscc")
    assert rows_add.item(0, "amount_wan") == pytest.approx(35.0)


# ---- watch lists ---- #
def test_low_efficiency_two_years_inclusive_limits(tmp_path: Path) -> None:
    profile = region("tiantai")
    db = tmp_path / "db.duckdb"
    with mstore.Store.open(db) as s:
        # firm 3 is just above the limit at its published precision (10.01 万元/亩, issue 17:
        # 10.001 reads 10.00 and is at the limit)
        for year, tax in ((2022, [100.0, 50.0, 50.0, 100.0]), (2023, [100.0, 50.0, 40.0, 100.1])):
            frame = facts(
                4,
                land_mu=10.0,
                tax_wan=tax,
                industry_code="3311",
                revenue_wan=[10000.0, 9999.99, 500.0, 10000.0],
            ).with_columns(pl.lit(year).alias("year"))
            batch = mstore.save_facts(s, frame, sources=[])
            run = mstore.save_run(
                s,
                score(frame, profile=profile, year=year + 1),
                profile=profile,
                evaluation_year=year + 1,
                input_fingerprint="t",
                batch_id=batch,
            )
            mstore.publish(s, year=year + 1, run_id=run)
    listed = (
        levers(db, profile)
        .filter(pl.col("rule_id") == "low_efficiency")
        .get_column("uscc")
        .sort()
        .to_list()
    )
    # firm 0: 亿元 firm at exactly 10 万/亩 both years; firm 1: under 1亿, 5 万/亩 both years;
    # firm 2: 5 then 4 (listed); firm 3: 10.01 in the second year (not listed)
    assert listed == [make_uscc(0), make_uscc(1), make_uscc(2)]


def test_idle_two_years_and_arrears(tmp_path: Path) -> None:
    profile = region("shizuishan")
    db = tmp_path / "db.duckdb"
    with mstore.Store.open(db) as s:
        for year, output in ((2022, [0.0, 0.0, 10.0]), (2023, [0.0, 5.0, 0.0])):
            frame = facts(
                3, land_mu=10.0, tax_wan=50.0, industry_code="3311", output_wan=output
            ).with_columns(pl.lit(year).alias("year"))
            batch = mstore.save_facts(s, frame, sources=[])
            run = mstore.save_run(
                s,
                score(frame, profile=profile, year=year + 1),
                profile=profile,
                evaluation_year=year + 1,
                input_fingerprint="t",
                batch_id=batch,
            )
            mstore.publish(s, year=year + 1, run_id=run)
    inputs = tmp_path / "in.csv"
    pl.DataFrame(
        {"统一社会信用代码": [make_uscc(1), make_uscc(2)], "欠缴土地使用税年数": ["2", "1"]}
    ).write_csv(inputs)
    rows = levers(db, profile, inputs=inputs)
    assert rows.filter(pl.col("rule_id") == "long_idle").get_column("uscc").to_list() == [
        make_uscc(0)
    ]
    assert rows.filter(pl.col("rule_id") == "land_tax_arrears").get_column("uscc").to_list() == [
        make_uscc(1)
    ]


def test_ruian_admission_at_110_and_115_percent(tmp_path: Path) -> None:
    profile = region("ruian")
    db = tmp_path / "db.duckdb"
    publish_years(db, profile, {2024: ["A", "B"]})
    proj = projects_file(tmp_path, [
        {"项目编号": "E1", "统一社会信用代码": make_uscc(0), "项目类型": "新兴产业", "行业代码": "C3311", "全员劳动生产率（万元/人）": 22.0},
        {"项目编号": "E2", "统一社会信用代码": make_uscc(0), "项目类型": "新兴产业", "行业代码": "3311", "全员劳动生产率（万元/人）": 21.99},
        {"项目编号": "T1", "统一社会信用代码": make_uscc(1), "项目类型": "传统扩产", "行业代码": "33", "全员劳动生产率（万元/人）": 11.5},
        {"项目编号": "T2", "统一社会信用代码": make_uscc(1), "项目类型": "传统扩产", "行业代码": "17", "全员劳动生产率（万元/人）": 99.0},
    ])  # fmt: skip
    averages = tmp_path / "avg.csv"
    pl.DataFrame(
        {
            "行业代码": ["33"],
            "全省同行业平均（万元/人）": ["20"],
            "全市同行业平均（万元/人）": ["10"],
        }
    ).write_csv(averages)
    rows = (
        levers(db, profile, projects=proj, averages=averages)
        .filter(pl.col("kind") == "admission")
        .sort("project_id")
    )
    assert rows.get_column("outcome").to_list() == [
        "准入",
        "不予准入：全员劳动生产率未达到要求",
        "准入",
        "缺少该行业的上年度平均值，无法判断",
    ]


def test_tiantai_overrides_reported_with_their_investment(tmp_path: Path) -> None:
    profile = load_profile("tiantai")
    db = tmp_path / "db.duckdb"
    n = 50
    frame = facts(
        n,
        land_mu=10.0,
        tax_wan=[float(100 + i) for i in range(n)],
        value_added_wan=100.0,
        industry_code="3311",
        # per key project since issue 17 item 7 (was the firm's summed construction_investment_wan)
        key_project_investment_wan=[10000.0, 9999.0, 3000.0, 2999.0] + [None] * (n - 4),
    )
    with mstore.Store.open(db) as s:
        batch = mstore.save_facts(s, frame, sources=[])
        run = mstore.save_run(
            s,
            score(frame, profile=profile, year=2024),
            profile=profile,
            evaluation_year=2024,
            input_fingerprint="t",
            batch_id=batch,
        )
        mstore.publish(s, year=2024, run_id=run)
    rows = levers(db, profile).filter(pl.col("kind") == "override").sort("uscc")
    assert rows.get_column("rule_id").to_list() == [
        "project_1yi",
        "project_3000wan",
        "project_3000wan",
    ]
    assert "10000.0 万元" in rows.item(0, "inputs")


def test_targets_progress_and_gap(tmp_path: Path) -> None:
    profile = region("fenghua", {"targets": [
        {"indicator": "tax_per_mu", "label": "亩均税收", "unit": "万元/亩", "year": 2023, "value": 8.0,
         "base_year": 2020, "base_value": 4.0},
        {"indicator": "tax_per_mu", "label": "亩均税收", "unit": "万元/亩", "year": 2025, "value": 5.0}]})  # fmt: skip
    db = tmp_path / "db.duckdb"
    publish_years(db, profile, {2024: ["C", "B"]})  # Σtax 120 ÷ Σland 20 = 6 万/亩
    with mstore.Store.open(db, read_only=True) as s:
        got = evaluate_targets(s, year=2024, profile=profile)
    assert got.get_column("实际值").to_list() == [6.0, 6.0]
    assert got.get_column("完成进度").to_list() == [0.5, 1.2]
    assert got.get_column("差距").to_list() == [2.0, 0.0]
    assert got.get_column("已达标").to_list() == [False, True]


# ---- property: a better class never gets less subsidy or pays more ---- #
RENOVATION = load_profile("tiantai").levers.renovation[0]
RENTAL = load_profile("tiantai").levers.rental[0]


def _subsidy(cls: str, invest: float, area: float) -> tuple[float, float]:
    firms = pl.DataFrame({"uscc": ["x"], "name": ["x"], "class_label": [cls]})
    projects = pl.DataFrame(
        {
            "project_id": ["P"],
            "uscc": ["x"],
            "equipment_investment_wan": [invest],
            "total_investment_wan": [invest],
            "new_rented_m2": [area],
        }
    )
    ctx = Context(
        store=None,
        year=2024,
        profile=load_profile("tiantai"),
        firms=firms,  # type: ignore[arg-type]
        projects=projects,
    )
    a = subsidies.renovation(ctx, RENOVATION).item(0, "amount_wan") or 0.0
    b = subsidies.rental(ctx, RENTAL).item(0, "amount_wan") or 0.0
    return a, b


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    invest=st.floats(0, 30000),
    area=st.floats(0, 50000),
    pair=st.sampled_from([("A", "B"), ("B", "C"), ("C", "D"), ("A", "D")]),
)
def test_better_class_never_gets_less(invest: float, area: float, pair: tuple[str, str]) -> None:
    better, worse = _subsidy(pair[0], invest, area), _subsidy(pair[1], invest, area)
    assert better[0] >= worse[0] - 1e-9
    assert better[1] >= worse[1] - 1e-9


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(history=st.lists(st.sampled_from(["A", "B", "C", "D"]), min_size=1, max_size=4))
def test_better_class_never_pays_more(
    tmp_path_factory: pytest.TempPathFactory, history: list[str]
) -> None:
    profile = _surcharge_profile()
    db = tmp_path_factory.mktemp("s") / "db.duckdb"
    last = history[-1]
    # two firms with the same history up to last year; this year firm 0 is one class better
    better = {"D": "C", "C": "B", "B": "A", "A": "A"}[last]
    years = {2021 + i: [c, c] for i, c in enumerate(history[:-1])}
    years[2021 + len(history) - 1] = [better, last]
    publish_years(
        db,
        profile,
        {y + (2024 - max(years)): v for y, v in years.items()},
        electricity_kwh=100000.0,
    )
    rows = levers(db, profile).filter(pl.col("rule_id") == "e")
    paid = dict(rows.select("uscc", "amount_wan").iter_rows())
    assert paid.get(make_uscc(0), 0.0) <= paid.get(make_uscc(1), 0.0) + 1e-9
