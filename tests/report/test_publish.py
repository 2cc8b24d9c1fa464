"""The workbook, the region report and the firm card, as officials would open them."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from mujun import load_profile, score
from mujun import store as mstore
from mujun.report.class_list import defuse_formulas
from mujun.report.html import firm_card, region_report, safe_filename
from mujun.report.internal import internal_workbook
from mujun.report.publication import load_year
from mujun.report.workbook import write_workbook
from mujun.testing import make_facts

PROFILE = load_profile("tiantai")
EVIL = '=HYPERLINK("http://x","点我")'


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pub") / "db.duckdb"
    with mstore.Store.open(path) as s:
        for year in (2022, 2023):
            frame = make_facts(150, seed=7, year=year).with_columns(
                pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(EVIL)).otherwise(pl.col("name")).alias("name"),
                pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("+1-2@x")).otherwise(pl.col("township")).alias("township"),
            )  # fmt: skip
            problems = pl.DataFrame(
                {
                    "file": ["t.xlsx"],
                    "sheet": ["S"],
                    "row": [3],
                    "column": ["A列"],
                    "value": ["=1+1"],
                    "reason": ["不是有效数字"],
                    "outcome": ["rejected"],
                }
            )
            batch = mstore.save_facts(s, frame, sources=[], problems=problems)
            run = mstore.save_run(
                s,
                score(frame, profile=PROFILE, year=year + 1),
                profile=PROFILE,
                evaluation_year=year + 1,
                input_fingerprint="t",
                batch_id=batch,
            )
            mstore.publish(s, year=year + 1, run_id=run)
    return path


def test_workbook_sheets_headers_formats_and_formula_escaping(db: Path, tmp_path: Path) -> None:
    with mstore.Store.open(db, read_only=True) as s:
        path = internal_workbook(load_year(s, 2024), tmp_path / "book.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "公示名单" and book.sheetnames[-5:] == [
        "汇总",
        "指标明细",
        "评价方法",
        "导入问题",
        "导入跳过汇总",
    ]
    assert book["公示名单"].oddHeader.left.text.startswith("内部资料")
    sheet = book["公示名单"]
    headers = [c.value for c in sheet[1]]
    assert headers == [
        "序号",
        "统一社会信用代码",
        "企业名称",
        "乡镇（街道）",
        "评价类别",
        "综合得分（分）",
        "排名",
        "参与排名企业数（家）",
        "等级",
        "等级名称",
        "说明",
    ]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
    first = list(sheet[2])
    assert isinstance(first[5].value, float) and first[5].number_format == "#,##0.00"
    assert first[0].number_format == "0"
    evil = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value == EVIL]
    assert evil and all(c.data_type == "s" for c in evil), "stored as text, never a formula"
    assert all(
        c.data_type == "s" for row in sheet.iter_rows(min_row=2) for c in row if c.value == "+1-2@x"
    )
    summary = book["汇总"]
    share = next(c for c in summary[1] if c.value == "A类占比（%）").column
    assert summary.cell(2, share).number_format == "0.0%"
    numbers = [c.value for row in summary.iter_rows(min_row=2) for c in row]
    assert all(v is None or isinstance(v, str) or math.isfinite(v) for v in numbers)
    lone = next(r for r in summary.iter_rows(min_row=2, values_only=True) if r[0] == "+1-2@x")
    assert None in lone, "a township without value added shows an empty cell, not NaN"
    assert [c.value for c in book["导入问题"][1]][:6] == [
        "文件",
        "工作表",
        "行号",
        "列",
        "原值",
        "原因",
    ]
    assert book["导入问题"].cell(2, 5).data_type == "s"
    details = [c.value for c in book["指标明细"][1]]
    assert "亩均税收（万元/亩）" in details and "亩均税收基准值（万元/亩）" in details


def test_csv_export_defuses_formulas(db: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner  # noqa: PLC0415

    from mujun.cli import app  # noqa: PLC0415

    out = tmp_path / "list.csv"
    result = CliRunner().invoke(
        app, ["export", "--year", "2024", "--format", "csv", "--out", str(out), "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8-sig")
    assert f"'{EVIL}".replace('"', '""') in text and "\n=" not in text


@pytest.mark.parametrize(
    ("raw", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+86 571", "'+86 571"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("示范企业 = 1", "示范企业 = 1"),
        ("", ""),
    ],
)
def test_defuse_formulas_prefixes_only_risky_text(raw: str, written: str) -> None:
    frame = pl.DataFrame({"name": [raw, None], "n": [1, 2]})
    out = defuse_formulas(frame)
    assert out.get_column("name").to_list() == [written, None]
    assert out.get_column("n").to_list() == [1, 2]


def test_region_report_is_self_contained(db: Path, tmp_path: Path) -> None:
    with mstore.Store.open(db, read_only=True) as s:
        path = region_report(load_year(s, 2024), tmp_path / "r.html", store=s)
    html = path.read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html.replace(
        "http://www.w3.org/2000/svg", ""
    ).replace("http://x", "")
    for text in (
        "各乡镇（街道）企业分类",
        "主要指标分布与基准值",
        "等级变动（2023 → 2024，家）",
        "目标完成情况",
        "前十名",
    ):
        assert text in html
    assert html.count("<svg") >= 5
    assert "&lt;" not in html.split("<body>")[0]


def test_firm_card_and_safe_file_names(db: Path, tmp_path: Path) -> None:
    with mstore.Store.open(db, read_only=True) as s:
        view = load_year(s, 2024)
        uscc = (
            view.results.filter(pl.col("eval_status") == "ranked")
            .sort("total_score")
            .item(0, "uscc")
        )
        path = firm_card(view, uscc, tmp_path / "c.html", store=s)
    html = path.read_text(encoding="utf-8")
    assert "报告卡" in html and "历年评价" in html and "各项指标" in html and "<svg" in html
    assert safe_filename("../../etc/passwd") == "_.._etc_passwd"
    assert safe_filename('A公司/B:*?"<>|') == "A公司_B_______"
    assert safe_filename("   ") == "firm"


def _chromium() -> str | None:
    return (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )


@pytest.mark.skipif(
    _chromium() is None, reason="headless Chromium not installed (Debian package `chromium`)"
)
def test_region_report_renders_charts_in_chromium(db: Path, tmp_path: Path) -> None:
    from PIL import Image  # noqa: PLC0415

    with mstore.Store.open(db, read_only=True) as s:
        path = region_report(load_year(s, 2024), tmp_path / "r.html", store=s)
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1150,1600",
    ]
    shot = tmp_path / "r.png"
    subprocess.run(
        [_chromium(), *flags, f"--screenshot={shot}", path.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    dom = subprocess.run(
        [_chromium(), *flags, "--dump-dom", path.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
        text=True,
    ).stdout
    assert "各乡镇（街道）分类企业数（家）" in dom and "基准值" in dom
    pixels = list(Image.open(shot).convert("RGB").get_flattened_data())
    green = sum(1 for p in pixels if p == (0x1A, 0x98, 0x50))  # class A segments
    blue = sum(1 for p in pixels if p == (0x45, 0x75, 0xB4))  # histogram bars
    assert green > 500 and blue > 2000, (green, blue)


def test_write_workbook_cell_types_and_refuses_nan(tmp_path: Path) -> None:
    import datetime as dt  # noqa: PLC0415

    frame = pl.DataFrame(
        {
            "when": [dt.datetime(2024, 3, 1, 8, 30), None],
            "day": [dt.date(2024, 3, 1), None],
            "flag": [True, None],
            "n": [3, None],
            "x": [1.5, None],
            "text": ["-5", None],
        }
    )
    path = write_workbook(tmp_path / "t.xlsx", {"表": frame}, headers={"n": "数量（家）"})
    sheet = openpyxl.load_workbook(path)["表"]
    assert [c.value for c in sheet[1]] == ["when", "day", "flag", "数量（家）", "x", "text"]
    first = [c.value for c in sheet[2]]
    assert first[0] == dt.datetime(2024, 3, 1, 8, 30) and first[1].date() == dt.date(2024, 3, 1)
    assert first[2:] == [True, 3, 1.5, "-5"] and sheet.cell(2, 6).data_type == "s"
    assert all(c.value is None for c in sheet[3]), "nulls stay empty"
    assert sheet.page_setup.paperSize == 9 and sheet.print_title_rows == "$1:$1"
    with pytest.raises(ValueError, match="'x': 1 NaN"):
        write_workbook(
            tmp_path / "bad.xlsx",
            {"表": frame.with_columns(pl.col("x").fill_null(float("nan")))},
            headers={},
        )
