from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from mujun.cli import app
from mujun.testing import make_facts

runner = CliRunner()


def _mujun(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point, as a user would."""
    code = "from mujun.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={"COLUMNS": "160", "PATH": ""},
    )


def test_demo_prints_class_summary_and_writes_the_list(tmp_path: Path) -> None:
    result = _mujun("demo", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "各乡镇（街道）分类企业数" in result.stdout
    assert "合计" in result.stdout
    assert "接受" in result.stdout and "拒绝" in result.stdout
    listed = pl.read_csv(tmp_path / "out" / "class_list_2024.csv")
    assert listed.columns[:3] == ["统一社会信用代码", "企业名称", "乡镇（街道）"]
    assert {"A", "B", "C", "D"} <= set(listed.get_column("等级"))
    rejected = pl.read_csv(tmp_path / "out" / "rejected_rows_2024.csv")
    assert rejected.height >= 5
    assert "2023 → 2024 等级变动" in result.stdout
    assert "企业历年评价示例" in result.stdout and "亩均税收" in result.stdout
    assert (tmp_path / "out" / "demo.duckdb").is_file()
    for step in ("内部审核稿 运行 2", "公示稿 运行 2（公示期 2024-05-06 至 2024-05-12",
                 "异议第 1 号", "认定稿 运行 2（与公示稿相比 1 家等级变动）"):  # fmt: skip
        assert step in result.stdout, "the demo shows the cycle: draft → 公示 → 认定"
    again = _mujun("demo", "--out", str(tmp_path / "out"))
    assert again.returncode == 0, again.stderr
    assert "2023: run 3, 2024: run 4" in again.stdout, "reruns supersede, never overwrite"
    assert "沿用人工调档 1 项" in again.stdout, "the earlier demo's adjustment is carried"


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_score_command(tmp_path: Path, suffix: str) -> None:
    facts = tmp_path / "facts.parquet"
    make_facts(200, seed=5).write_parquet(facts)
    out = tmp_path / f"result{suffix}"
    result = runner.invoke(
        app,
        [
            "score",
            "--profile",
            "tiantai",
            "--facts",
            str(facts),
            "--year",
            "2024",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert "读取 200 行：接受 200" in result.output


def test_profiles_list_and_show() -> None:
    listed = runner.invoke(app, ["profiles", "list"])
    assert listed.exit_code == 0 and "tiantai" in listed.output
    shown = runner.invoke(app, ["profiles", "show", "tiantai"])
    assert shown.exit_code == 0 and "resolved" in shown.output and "content hash" in shown.output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["profiles", "validate", "BROKEN"], "处问题"),
        (["profiles", "show", "atlantis"], "找不到方案"),
        (
            [
                "score",
                "--profile",
                "atlantis",
                "--facts",
                "x.csv",
                "--year",
                "2024",
                "--out",
                "o.csv",
            ],
            "找不到方案",
        ),
        (
            [
                "score",
                "--profile",
                "tiantai",
                "--facts",
                "missing.csv",
                "--year",
                "2024",
                "--out",
                "o.csv",
            ],
            "文件不存在",
        ),
        (
            [
                "score",
                "--profile",
                "tiantai",
                "--facts",
                "FACTS",
                "--year",
                "2031",
                "--out",
                "o.csv",
            ],
            "数据年度 2030",
        ),
        (
            [
                "score",
                "--profile",
                "tiantai",
                "--facts",
                "FACTS",
                "--year",
                "2024",
                "--out",
                "o.xlsx",
            ],
            "不支持的输出类型",
        ),
    ],
)
def test_errors_are_one_screen_without_traceback(
    tmp_path: Path, args: list[str], fragment: str
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('extends = "zhejiang_baseline"\n[scoring]\ncap = -1\n', encoding="utf-8")
    facts = tmp_path / "facts.parquet"
    make_facts(10, seed=1).write_parquet(facts)
    args = [str(broken) if a == "BROKEN" else str(facts) if a == "FACTS" else a for a in args]
    result = _mujun(*args, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("错误：")
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.splitlines()) < 20


def test_nested_column_is_named_and_debug_shows_traceback(tmp_path: Path) -> None:
    nested = tmp_path / "nested.parquet"
    pl.DataFrame(
        {
            "uscc": [[1, 2]],
            "name": ["x"],
            "year": [2023],
            "above_scale": [True],
            "land_mu": [1.0],
            "tax_wan": [1.0],
        }
    ).write_parquet(nested)
    args = [
        "score",
        "--profile",
        "tiantai",
        "--facts",
        str(nested),
        "--year",
        "2024",
        "--out",
        str(tmp_path / "o.csv"),
    ]
    plain = _mujun(*args)
    assert plain.returncode == 1
    assert plain.stderr.startswith("错误：无法读取")
    assert "uscc" in plain.stderr
    assert "Traceback" not in plain.stderr
    debug = _mujun("--debug", *args)
    assert debug.returncode != 0
    assert "Traceback" in debug.stderr


def test_import_command_writes_facts_and_report(tmp_path: Path) -> None:
    from mujun.sample_files import write_all  # noqa: PLC0415

    files = write_all(make_facts(60, seed=9, year=2023), tmp_path / "in")
    args = ["import", "--year", "2023", "--out", str(tmp_path / "facts.parquet")]
    for source, paths in files.items():
        for path in paths:
            args += [f"--{source}", str(path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "读取 = 接受 + 拒绝 + 跳过" in result.output
    facts = pl.read_parquet(tmp_path / "facts.parquet")
    assert facts.height == 60
    report = tmp_path / "facts_import_report.xlsx"
    import openpyxl  # noqa: PLC0415

    book = openpyxl.load_workbook(report)
    assert book.sheetnames == [
        "文件汇总", "列对照", "问题行", "企业数据来源", "合理性检查", "用户更正",
    ]  # fmt: skip
    assert [c.value for c in book["文件汇总"][1]][:4] == ["文件", "工作表", "数据类别", "读取行数"]
    empty = runner.invoke(app, ["import", "--year", "2023", "--out", str(tmp_path / "x.parquet")])
    assert empty.exit_code != 0 and "没有给出任何文件" in str(empty.exception)
