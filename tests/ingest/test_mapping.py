"""The column mapping as data: shown, corrected by the user, stored with the batch, previewed."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from ingest.file_fixtures import workbook
from typer.testing import CliRunner

from mujun.cli import app
from mujun.errors import DataError
from mujun.ingest.importer import import_year, preview
from mujun.ingest.mapping import Corrections, parse_corrections
from mujun.profiles import load_profile
from mujun.testing import make_uscc

SETTINGS = load_profile("zhejiang_baseline").ingest
U = [make_uscc(i) for i in range(6)]
runner = CliRunner()


def _stats(tmp: Path) -> Path:
    rows = [["统一社会信用代码", "企业名称", "工业增加值", "税收收入（万元）", "序号2"],
            [U[0], "甲", 500, 12, 1], [U[1], "乙", 800, 20, 2]]  # fmt: skip
    return workbook(tmp / "统计.xlsx", [("规上", rows)])


def test_the_mapping_says_field_unit_evidence_and_what_was_not_read(tmp_path: Path) -> None:
    result = import_year({"stats": [_stats(tmp_path)]}, year=2024, settings=SETTINGS)
    (m,) = result.mappings
    assert (m.source, m.header_row, m.sheet) == ("stats", 1, "规上")
    by_header = {c.header: c for c in m.columns}
    va = by_header["工业增加值"]
    assert (va.column, va.field, va.unit, va.evidence, va.unit_evidence) == (
        "C列", "value_added_wan", "万元", "header", "default",
    )  # fmt: skip
    assert by_header["统一社会信用代码"].field == "uscc"
    assert by_header["税收收入（万元）"].field is None and by_header["税收收入（万元）"].numeric
    assert m.unknown_numeric == ("税收收入（万元）", "序号2")
    assert "研发经费支出" in m.missing
    as_data = json.loads(json.dumps(m.to_dict(), ensure_ascii=False))
    assert as_data["columns"][2]["field"] == "value_added_wan"


def test_user_corrections_map_a_column_and_a_unit(tmp_path: Path) -> None:
    corrections = parse_corrections(["税收收入（万元）=-"], ["工业增加值=千元"])
    result = import_year(
        {"stats": [_stats(tmp_path)]}, year=2024, settings=SETTINGS, corrections=corrections
    )
    assert result.facts.sort("uscc").get_column("value_added_wan").to_list() == [50.0, 80.0]
    va = next(c for c in result.mappings[0].columns if c.field == "value_added_wan")
    assert (va.unit, va.unit_evidence) == ("千元", "user")
    assert result.corrections == ("--map 税收收入（万元）=-", "--unit 工业增加值=千元")


def test_a_mapped_column_wins_over_an_alias(tmp_path: Path) -> None:
    rows = [
        ["纳税人识别号", "纳税人名称", "实缴税金（万元）", "税收收入（万元）"],
        [U[0], "甲", 1, 9],
    ]
    path = workbook(tmp_path / "税.xlsx", [("税", rows)])
    corrections = parse_corrections(["税收收入=tax_amount"])
    result = import_year({"tax": [path]}, year=2024, settings=SETTINGS, corrections=corrections)
    assert result.facts.item(0, "tax_wan") == 9.0
    used = {c.header: (c.field, c.evidence) for c in result.mappings[0].columns}
    assert used["税收收入（万元）"] == ("total", "user")
    assert used["实缴税金（万元）"][0] is None


def test_a_mapping_file(tmp_path: Path) -> None:
    toml = tmp_path / "对照.toml"
    toml.write_text('[map]\n"税收收入" = "-"\n[unit]\n"工业增加值" = "千元"\n', encoding="utf-8")
    corrections = parse_corrections(file=toml)
    assert corrections.origin == "列对照文件 对照.toml"
    result = import_year(
        {"stats": [_stats(tmp_path)]}, year=2024, settings=SETTINGS, corrections=corrections
    )
    assert result.facts.sort("uscc").item(0, "value_added_wan") == 50.0


@pytest.mark.parametrize(("corrections", "said"), [
    (Corrections(columns=(("不存在的列", "profit_wan"),)), "没有对应的列"),
    (Corrections(columns=(("工业增加值", "not_a_field"),)), "不是这些数据的字段"),
    (Corrections(units=(("工业增加值", "斤"),)), "不是可识别的单位"),
])  # fmt: skip
def test_corrections_that_cannot_apply_are_refused(
    tmp_path: Path, corrections: Corrections, said: str
) -> None:
    with pytest.raises(DataError, match=said):
        import_year(
            {"stats": [_stats(tmp_path)]}, year=2024, settings=SETTINGS, corrections=corrections
        )


def test_malformed_correction_options() -> None:
    with pytest.raises(DataError, match="写法不对"):
        parse_corrections(["工业增加值"])


def test_preview_reads_without_importing(tmp_path: Path) -> None:
    (shown,) = preview(_stats(tmp_path), "stats", settings=SETTINGS)
    assert shown.rows_read == 2 and shown.rejected == 0
    assert shown.rows.get_column("value_added_wan").to_list() == [500.0, 800.0]
    assert shown.mapping.unknown_numeric == ("税收收入（万元）", "序号2")
    assert any("有数值但未导入的列" in n for n in shown.notes)


def test_cli_prints_the_mapping_and_stores_it_with_the_batch(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    args = ["import", "--data-year", "2024", "--out", str(tmp_path / "f.parquet"),
            "--stats", str(_stats(tmp_path)), "--unit", "工业增加值=千元", "--db", str(db)]  # fmt: skip
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    assert "列对照 统计.xlsx［规上］" in done.output
    assert "C列 工业增加值 → value_added_wan" in done.output and "用户指定" in done.output
    assert "有数值，未导入" in done.output
    book = openpyxl.load_workbook(tmp_path / "f_import_report.xlsx")
    assert "列对照" in book.sheetnames and "用户更正" in book.sheetnames
    with duckdb.connect(str(db), read_only=True) as con:
        (sources,) = con.execute("SELECT sources FROM batches").fetchone()  # type: ignore[misc]
    (record,) = json.loads(sources)
    assert record["corrections"] == ["--unit 工业增加值=千元"]
    va = next(c for c in record["mapping"]["columns"] if c["field"] == "value_added_wan")
    assert (va["unit"], va["unit_evidence"]) == ("千元", "user")


def test_cli_refuses_a_land_file_as_tax_and_stores_nothing(tmp_path: Path) -> None:
    rows = [["统一社会信用代码", "企业名称", "宗地面积"], [U[0], "甲", 6000]]
    land = workbook(tmp_path / "land_parcels.xlsx", [("宗地", rows)])
    db = tmp_path / "m.duckdb"
    args = ["import", "--data-year", "2024", "--out", str(tmp_path / "f.parquet"),
            "--tax", str(land), "--db", str(db)]  # fmt: skip
    done = runner.invoke(app, args)
    assert done.exit_code == 1
    assert "不能作为税务数据导入" in str(done.exception)
    assert not (tmp_path / "f.parquet").exists() and not db.exists()


def test_cli_refusal_of_an_empty_year_writes_the_report_and_stores_nothing(tmp_path: Path) -> None:
    rows = [["纳税人识别号", "纳税人名称", "征收项目", "入库日期", "实缴金额（万元）"],
            [U[0], "甲", "增值税", "2024-03-01", 2.0]]  # fmt: skip
    tax = workbook(tmp_path / "税.xlsx", [("明细", rows)])
    args = ["import", "--data-year", "2032", "--out", str(tmp_path / "f.parquet"),
            "--tax", str(tax), "--db", str(tmp_path / "m.duckdb")]  # fmt: skip
    done = runner.invoke(app, args)
    assert done.exit_code == 1
    assert "不属于数据年度 2032" in str(done.exception)
    assert not (tmp_path / "f.parquet").exists() and not (tmp_path / "m.duckdb").exists()
    problems = pl.read_excel(tmp_path / "f_import_report.xlsx", sheet_name="问题行")
    assert problems.height == 1


def test_ignoring_a_column_whose_header_carries_a_unit(tmp_path: Path) -> None:
    rows = [
        ["纳税人识别号", "纳税人名称", "实缴税金（万元）", "税收收入（万元）"],
        [U[0], "甲", 1, 9],
    ]
    path = workbook(tmp_path / "税.xlsx", [("税", rows)])
    corrections = parse_corrections(["实缴税金（万元）=-", "税收收入=total"])
    result = import_year({"tax": [path]}, year=2024, settings=SETTINGS, corrections=corrections)
    assert result.facts.item(0, "tax_wan") == 9.0
