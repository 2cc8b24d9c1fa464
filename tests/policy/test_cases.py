"""Rectification cases: opened from a year's watch list, stepped across years, counted in targets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from mujun import score
from mujun import store as mstore
from mujun.cli import app
from mujun.errors import DataError, StoreError
from mujun.policy import evaluate_targets, load_context
from mujun.policy.cases import open_from_lists, totals
from mujun.profiles import Profile, load_profile
from mujun.profiles.loader import merge_tables, validate_profile
from mujun.store import cases as sc
from mujun.testing import facts

# Tiantai's 低效企业 list: revenue < 1亿 and 亩均税收 ≤ 5万 two years running. Firms 0–3 pay 4 万/亩
# on 10 亩 in every year (listed); firm 4 pays 20 万/亩 (never listed).
TAX = [40.0, 40.0, 40.0, 40.0, 200.0]


def frame(data_year: int) -> pl.DataFrame:
    return facts(
        5, industry_code="3311", land_mu=10.0, tax_wan=TAX, revenue_wan=2000.0,
        value_added_wan=500.0, employees=20.0, energy_tce=[100.0, 200.0, 300.0, 400.0, 50.0],
    ).with_columns(pl.lit(data_year).alias("year"))  # fmt: skip


def with_targets(targets: list[dict[str, Any]]) -> Profile:
    base = load_profile("tiantai").model_dump(mode="json", exclude_none=True)
    return validate_profile(merge_tables(base, {"targets": targets}), source="test")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Evaluations 2023–2025 (data 2022–2024) published; cases opened from 2024's list."""
    path = tmp_path / "db.duckdb"
    profile = load_profile("tiantai")
    with mstore.Store.open(path) as s:
        for data_year in (2022, 2023, 2024):
            f = frame(data_year)
            batch = mstore.save_facts(s, f, sources=[])
            run = mstore.save_run(s, score(f, profile=profile, year=data_year + 1),
                                  profile=profile, evaluation_year=data_year + 1,
                                  input_fingerprint="t", batch_id=batch)  # fmt: skip
            mstore.publish(s, year=data_year + 1, run_id=run)
        opened, skipped = open_from_lists(
            load_context(s, year=2024, profile=profile), who="张三", lists=["low_efficiency"]
        )
    assert (opened.height, skipped.height) == (4, 0)
    return path


def step(case_id: int, code: str, year: int, **kw: Any) -> dict[str, Any]:
    return {"case_id": case_id, "step": code, "year": year, "step_date": None, "deadline": None,
            "measure": None, "freed_land_mu": None, "freed_energy_tce": None, "note": None,
            **kw}  # fmt: skip


def record(db: Path, *steps: dict[str, Any]) -> pl.DataFrame:
    with mstore.Store.open(db) as s:
        return sc.add_steps(s, pl.DataFrame(list(steps), schema=sc.STEP_SCHEMA), who="李四")


def test_opening_again_keeps_the_open_cases(db: Path) -> None:
    profile = load_profile("tiantai")
    with mstore.Store.open(db) as s:
        ctx = load_context(s, year=2025, profile=profile)
        opened, skipped = open_from_lists(ctx, who="张三", lists=["low_efficiency"])
        table = sc.case_table(s)
        with pytest.raises(StoreError, match="没有整治清单"):  # a quality list is not rectified
            open_from_lists(ctx, who="张三", lists=["local_quality_firms"])
    assert (opened.height, skipped.height) == (0, 4)
    assert table.height == 4
    assert set(table.get_column("status")) == {"confirmed"}
    assert table.get_column("confirmed_year").to_list() == [2024] * 4
    assert table.get_column("land_mu").to_list() == [10.0] * 4


def test_steps_over_the_years_and_what_they_free(db: Path) -> None:
    record(
        db,
        step(1, "planned", 2024, deadline=dt.date(2025, 6, 30), measure="一企一策：改造提升"),
        step(1, "rectifying", 2024, freed_land_mu=2.0, freed_energy_tce=30.0),
        step(2, "planned", 2024),
        step(2, "exited", 2024),  # frees the whole site: 10 亩 and 200 tce
        step(3, "withdrawn", 2024, note="核定有误"),
    )
    record(db, step(1, "closed", 2025), step(2, "closed", 2025))
    with mstore.Store.open(db, read_only=True) as s:
        table = sc.case_table(s).sort("case_id")
        in_2024 = totals(s, first_year=2024, last_year=2024)
        by_2025 = totals(s, first_year=2024, last_year=2025)
    assert table.get_column("status").to_list() == ["closed", "closed", "withdrawn", "confirmed"]
    assert table.get_column("deadline").to_list()[0] == dt.date(2025, 6, 30)
    assert table.get_column("exited_year").to_list() == [None, 2024, None, None]
    assert table.get_column("closed_year").to_list() == [2025, 2025, None, None]
    assert table.get_column("freed_land_mu").to_list() == [2.0, 10.0, 0.0, 0.0]
    assert in_2024.row(0, named=True) == {
        "opened": 4.0, "planned": 2.0, "rectified": 0.0, "exited": 1.0, "closed": 0.0,
        "done": 1.0, "done_share": pytest.approx(100 / 3), "freed_land_mu": 12.0,
        "freed_energy_tce": 230.0,
    }  # fmt: skip
    row = by_2025.row(0, named=True)
    assert (row["rectified"], row["closed"], row["done"]) == (1.0, 2.0, 2.0)
    assert row["done_share"] == pytest.approx(200 / 3)  # 2 of the 3 not withdrawn


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (step(1, "closed", 2024), "不能记录“评价销号”"),
        (step(1, "planned", 2023), "早于该案件上一步骤的年度 2024"),
        (step(1, "planned", 2024, step_date=dt.date(2025, 1, 1)), "不在年度 2024 内"),
        (step(1, "rectifying", 2024), "不能记录“整治提升”"),
        (step(9, "planned", 2024), "没有这个案件编号"),
        (step(1, "exited", 2024, freed_land_mu=10.5), "超过该企业核定时用地 10 亩"),
        (step(1, "exited", 2024, freed_energy_tce=-1.0), "不能为负数"),
    ],
)
def test_a_bad_step_writes_nothing(db: Path, bad: dict[str, Any], reason: str) -> None:
    with pytest.raises(StoreError, match=reason):
        record(db, step(2, "planned", 2024), bad)
    with mstore.Store.open(db, read_only=True) as s:
        assert sc.step_table(s).height == 4  # the four 核定 steps only


def test_schedule_and_cumulative_targets_read_the_cases(db: Path) -> None:
    profile = with_targets([
        {"kind": "cases", "indicator": "done_share", "lists": ["low_efficiency"],
         "label": "整治任务完成比例", "unit": "%", "by_year": {2024: 50.0, 2025: 80.0}},
        {"kind": "cases", "indicator": "freed_land_mu", "cumulative": False,
         "label": "当年腾出用地", "unit": "亩", "by_year": {2024: 10.0, 2025: 10.0}},
        {"kind": "cases", "indicator": "exited", "base_year": 2020, "base_value": 17.0,
         "label": "累计淘汰", "unit": "家", "year": 2025, "value": 20.0},
    ])  # fmt: skip
    record(db, step(1, "exited", 2024), step(2, "exited", 2025, freed_land_mu=4.0))
    with mstore.Store.open(db, read_only=True) as s:
        got = evaluate_targets(s, year=2025, profile=profile)  # data year 2024
    share = got.filter(pl.col("指标") == "整治任务完成比例").sort("目标年度")
    assert share.get_column("实际值").to_list() == [25.0, 25.0]  # 1 of 4 done by 2024
    land = got.filter(pl.col("指标") == "当年腾出用地").sort("目标年度")
    assert land.get_column("实际值").to_list() == [10.0, 10.0]  # 2024's step; 2025 not yet read
    exited = got.filter(pl.col("指标") == "累计淘汰")
    assert exited.item(0, "实际值") == 18.0  # 17 before 2021 + 1 in 2024
    assert "含基期 2020 年已完成 17" in exited.item(0, "说明")


def test_cases_cli_open_step_list(db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    db_arg = ["--db", str(db)]
    done = runner.invoke(app, ["cases", "step", "1", "--step", "方案", "--year", "2024",
                               "--deadline", "2025-06-30", "--who", "王五", *db_arg])  # fmt: skip
    assert done.exit_code == 0, done.output
    steps = tmp_path / "进展.csv"
    steps.write_text(
        "案件编号,步骤,年度,腾出用地（亩）\n2,淘汰,2024,\n3,方案,2024,\n", encoding="utf-8"
    )
    done = runner.invoke(app, ["cases", "step", "--file", str(steps), "--who", "王五", *db_arg])
    assert done.exit_code == 0, done.output
    bad = tmp_path / "错.csv"
    bad.write_text("案件编号,步骤,年度\n4,整改,2024\nx,方案,2024\n", encoding="utf-8")
    done = runner.invoke(app, ["cases", "step", "--file", str(bad), "--who", "王五", *db_arg])
    assert isinstance(done.exception, DataError)  # nothing recorded, every bad cell named
    assert "第2行 步骤 = '整改'" in str(done.exception)
    assert "第3行 案件编号 = 'x'" in str(done.exception)
    out = tmp_path / "案件.xlsx"
    done = runner.invoke(app, ["cases", "list", "--out", str(out), *db_arg])
    assert done.exit_code == 0, done.output
    assert out.is_file()
    with mstore.Store.open(db, read_only=True) as s:
        statuses = sc.case_table(s).sort("case_id").get_column("status").to_list()
    assert statuses == ["planned", "exited", "planned", "confirmed"]


def test_progress_year_by_year(db: Path) -> None:
    record(db, step(1, "exited", 2024), step(2, "planned", 2024))
    record(db, step(2, "rectifying", 2025, freed_land_mu=1.5), step(2, "closed", 2025))
    done = CliRunner().invoke(app, ["cases", "progress", "--from", "2024", "--to", "2025",
                                    "--db", str(db)])  # fmt: skip
    assert done.exit_code == 0, done.output
    with mstore.Store.open(db, read_only=True) as s:
        by_year = [totals(s, first_year=2024, last_year=y) for y in (2024, 2025)]
    assert [t.item(0, "done_share") for t in by_year] == [25.0, 50.0]
    assert [t.item(0, "freed_land_mu") for t in by_year] == [10.0, 11.5]
