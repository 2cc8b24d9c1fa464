from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from mujun.cli import app
from mujun.testing import make_facts

runner = CliRunner()


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def test_yearly_cycle_through_the_cli(tmp_path: Path) -> None:
    db = str(tmp_path / "county.duckdb")
    first = make_facts(120, seed=1, year=2022)
    second = first.with_columns(pl.lit(2023).alias("year"), pl.col("tax_wan") * 1.1)
    for frame in (first, second):
        frame.write_parquet(tmp_path / f"facts_{frame.item(0, 'year')}.parquet")

    # Huai'an benchmarks against last year's pool: without 2021 facts the 2023 run is refused,
    # but its facts are stored, and the 2024 run reads them as last year's.
    refused = runner.invoke(
        app,
        [
            "run",
            "--year",
            "2023",
            "--profile",
            "huaian_2024",
            "--facts",
            str(tmp_path / "facts_2022.parquet"),
            "--db",
            db,
        ],
    )
    assert refused.exit_code != 0 and "上一年度" in str(refused.exception)
    assert "已存为内部审核稿：运行 1" in _ok(
        "run",
        "--year",
        "2024",
        "--profile",
        "huaian_2024",
        "--facts",
        str(tmp_path / "facts_2023.parquet"),
        "--db",
        db,
    )
    assert "内部审核稿" in _ok("runs", "--db", db)
    assert "2024 年度已认定：运行 1" in _ok("publish", "--year", "2024", "--db", db)
    assert "已存为内部审核稿：运行 2" in _ok(
        "run", "--year", "2024", "--profile", "huaian_2024", "--db", db
    )
    again = runner.invoke(app, ["publish", "--year", "2024", "--db", db])
    assert again.exit_code != 0 and "--supersede" in str(again.exception)
    ranked = (
        pl.read_parquet(tmp_path / "facts_2023.parquet")
        .filter(~pl.col("utility") & (pl.col("land_mu") >= 3))
        .item(0, "uscc")
    )
    assert "→ B（异议复核）" in _ok(
        "adjust",
        "--year",
        "2024",
        "--uscc",
        ranked,
        "--to",
        "B",
        "--reason",
        "异议复核",
        "--who",
        "test",
        "--db",
        db,
    )
    assert "取代认定稿 运行 1" in _ok("publish", "--year", "2024", "--supersede", "--db", db)
    past = _ok("history", "--uscc", ranked, "--db", db)
    assert "2024" in past and "异议复核" in past
    assert "合计" in _ok("aggregates", "--year", "2024", "--db", db)
    assert "schema v" in _ok("db", "info", "--db", db)
    exported = tmp_path / "snap"
    _ok("snapshot", "export", "--run", "2", "--out", str(exported), "--db", db)
    assert "已载入为内部审核稿：运行 1" in _ok(
        "snapshot", "import", str(exported), "--db", str(tmp_path / "copy.duckdb")
    )


def test_run_without_facts_or_previous_year_explains(tmp_path: Path) -> None:
    db = str(tmp_path / "x.duckdb")
    result = runner.invoke(app, ["run", "--year", "2024", "--profile", "tiantai", "--db", db])
    assert result.exit_code != 0
    assert "没有数据年度 2023 的事实数据" in str(result.exception)
    make_facts(30, seed=2, year=2023).write_parquet(tmp_path / "f.parquet")
    result = runner.invoke(
        app,
        [
            "run",
            "--year",
            "2024",
            "--profile",
            "huaian_2024",
            "--facts",
            str(tmp_path / "f.parquet"),
            "--db",
            db,
        ],
    )
    assert result.exit_code != 0
    assert "上一年度" in str(result.exception)


def test_compare_and_streak(tmp_path: Path) -> None:
    db = str(tmp_path / "y.duckdb")
    for year in (2022, 2023):
        path = tmp_path / f"f{year}.parquet"
        make_facts(100, seed=3, year=year).write_parquet(path)
        _ok(
            "run", "--year", str(year + 1), "--profile", "tiantai", "--facts", str(path), "--db", db
        )
        _ok("publish", "--year", str(year + 1), "--db", db)
    matrix = _ok("compare", "--from", "2023", "--to", "2024", "--db", db)
    assert "等级变动" in matrix and "合计" in matrix
    assert "连续 2 年" in _ok("streak", "--year", "2024", "--class", "D", "--db", db)
    bad = runner.invoke(app, ["streak", "--year", "2024", "--db", db])
    assert bad.exit_code != 0


def test_levers_and_targets_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "z.duckdb")
    path = tmp_path / "f.parquet"
    make_facts(80, seed=4, year=2023).write_parquet(path)
    _ok("run", "--year", "2024", "--profile", "tiantai", "--facts", str(path), "--db", db)
    _ok("publish", "--year", "2024", "--db", db)
    projects = tmp_path / "p.csv"
    uscc = make_facts(1, seed=4).item(0, "uscc")
    pl.DataFrame(
        {"项目编号": ["P1"], "统一社会信用代码": [uscc], "设备投资（万元）": ["3000"]}
    ).write_csv(projects)
    out = _ok(
        "levers",
        "--year",
        "2024",
        "--profile",
        "tiantai",
        "--projects",
        str(projects),
        "--db",
        db,
        "--out",
        str(tmp_path / "levers.xlsx"),
    )
    assert "政策兑现汇总" in out
    import openpyxl  # noqa: PLC0415

    book = openpyxl.load_workbook(tmp_path / "levers.xlsx")
    assert book.sheetnames == ["汇总", "明细"]
    rules = [row[1].value for row in book["汇总"].iter_rows(min_row=2)]
    assert (
        "技术改造项目补助（亩均评价A/B类上浮）" in rules
        and "低效企业（亩均税收连续两年偏低）" in rules
    )
    assert "目标完成情况" in _ok("targets", "--year", "2024", "--profile", "tiantai", "--db", db)
    missing = runner.invoke(
        app, ["targets", "--year", "2024", "--profile", "zhejiang_baseline", "--db", db]
    )
    assert missing.exit_code != 0 and "没有规划目标" in str(missing.exception)
