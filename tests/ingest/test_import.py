"""The importer against one fixture per data problem (data_formats.md §7), made by code."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from reliability_corpus import offset_table, xlsx

from mujun.errors import DataError, ProfileError
from mujun.ingest.importer import ImportRefused, ImportResult, import_year
from mujun.profiles import load_profile
from mujun.profiles.models import Ingest, TaxBasket
from mujun.testing import make_uscc

SETTINGS = load_profile("zhejiang_baseline").ingest
U = [make_uscc(i) for i in range(10)]


def run(tmp: Path, **files: Path | list[Path]) -> ImportResult:
    given = {k: (v if isinstance(v, list) else [v]) for k, v in files.items()}
    result = import_year(given, year=2023, settings=SETTINGS)
    assert result.reconciles(), result.files
    return result


def fact(result: ImportResult, uscc: str, column: str) -> object:
    return result.facts.filter(pl.col("uscc") == uscc).item(0, column)


def reasons(result: ImportResult) -> list[str]:
    return result.failures.get_column("reason").to_list()


# ---- layout: title rows, units, two-row headers, odd header text ---- #
def test_title_and_condition_rows_with_unit(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "t.xlsx", [
        ["某县2023年度企业实缴税金统计表"],
        ["管理机关：某县税务局  数据类型：实缴税收  金额单位：元"],
        [],
        ["纳税人识别号", "纳税人名称", "实缴税金"],
        [U[0], "甲", "123,456.78"],
    ])  # fmt: skip
    result = run(tmp_path, tax=path)
    assert fact(result, U[0], "tax_wan") == pytest.approx(12.345678)
    assert "元（表头上方说明）" in result.files.item(0, "units")


def test_two_row_merged_header_newlines_and_full_width_spaces(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "s.xlsx", [
        ["统一社会\n信用代码", "企业\u3000名称", "主要指标", None],
        [None, None, "工业增加值\n（万元）", "营业收入（元）"],
        [U[1], "乙", "１，２３４.５", "20,000,000"],
    ], merges=["C1:D1"])  # fmt: skip
    result = run(tmp_path, stats=path)
    assert fact(result, U[1], "value_added_wan") == pytest.approx(1234.5)
    assert fact(result, U[1], "revenue_wan") == pytest.approx(2000.0)
    assert fact(result, U[1], "above_scale") is True


@pytest.mark.parametrize(("header", "unit_value", "expected"), [
    ("土地使用权面积（平方米）", 6666.666666, 10.0),
    ("土地使用权面积（亩）", 10.0, 10.0),
    ("土地使用权面积（公顷）", 2.0, 30.0),
    ("土地使用权面积", 20000.0, 30.0),  # land files default to 平方米, noted as assumed
])  # fmt: skip
def test_land_units(tmp_path: Path, header: str, unit_value: float, expected: float) -> None:
    path = xlsx(
        tmp_path / "l.xlsx", [["统一社会信用代码", "企业名称", header], [U[2], "丙", unit_value]]
    )
    result = run(tmp_path, land=path)
    assert fact(result, U[2], "land_mu") == pytest.approx(expected, rel=1e-6)


def test_header_not_found_names_the_file(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "x.xlsx", [["随便什么", "表格"], ["1", "2"]])
    with pytest.raises(DataError, match="没有找到可识别的表头行") as info:
        run(tmp_path, stats=path)
    assert "x.xlsx" in str(info.value)


# ---- values ---- #
def test_missing_markers_zero_negatives_and_text_numbers(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "e.xlsx", [
        ["统一社会信用代码", "企业名称", "化学需氧量（吨）", "氨氮（吨）", "二氧化硫（吨）", "氮氧化物（吨）"],
        [U[0], "甲", "—", "0", "/", "#N/A"],
        [U[1], "乙", "无", "-", "1.5", "1,000"],
        [U[2], "丙", "abc", "1", "1", "1"],
        [U[3], "丁", "1", "1", "（1.5）", "1"],
    ])  # fmt: skip
    result = run(tmp_path, emissions=path)
    assert fact(result, U[0], "cod_t") is None
    assert fact(result, U[0], "nh3n_t") == 0.0, "0 is a value, not missing"
    assert fact(result, U[1], "so2_t") == 1.5
    assert fact(result, U[1], "nox_t") == 1000.0
    bad = result.failures.filter(pl.col("outcome") == "rejected").sort("row").rows(named=True)
    got = [(r["row"], r["column"], r["value"], r["reason"]) for r in bad]
    assert got == [
        (4, "C列 化学需氧量（吨）", "abc", "不是有效数字"),
        (5, "E列 二氧化硫（吨）", "(1.5)", "不能为负数"),  # "(x)" is −x; tonnes cannot be negative
    ]


def test_totals_are_skipped_and_reconciled(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "t.xlsx", [
        ["纳税人识别号", "纳税人名称", "实缴税金（万元）"],
        [U[0], "甲", 10], [U[1], "乙", 5], ["小计", None, 15], [U[2], "丙", 1], ["合 计", None, 99],
    ])  # fmt: skip
    result = run(tmp_path, tax=path)
    row = result.files.row(0, named=True)
    assert (row["rows_read"], row["accepted"], row["skipped"]) == (5, 3, 2)
    assert "不一致" in row["notes"], "a 合计 that does not match its rows is reported"
    assert result.facts.height == 3


# ---- identity ---- #
def test_ids_as_numbers_are_rejected_with_the_fix(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "t.xlsx", [
        ["纳税人识别号", "纳税人名称", "实缴税金（万元）"],
        [9.13310231e17, "科学计数法", 1.0], ["9.13310231E+17", "文本科学计数法", 1.0],
        ["91331023MA2ABCDE1O", "含O", 1.0], [U[7][:-1] + ("1" if U[7][-1] != "1" else "2"), "校验位错", 1.0],
    ])  # fmt: skip
    with pytest.raises(ImportRefused, match="没有一行可以导入") as info:  # no row usable: refused
        run(tmp_path, tax=path)
    result = info.value.result
    assert result.reconciles()
    got = reasons(result)
    assert sum("按文本导出" in r for r in got) == 2, got  # a number cell and its E+17 text
    assert any("I/O/S/V/Z" in r for r in got)
    assert any("校验位错误" in r for r in got)
    assert result.facts.is_empty()


def test_legacy_id_crosswalk_and_name_fallback(tmp_path: Path) -> None:
    register = xlsx(tmp_path / "r.xlsx", [
        ["统一社会信用代码", "企业名称", "原纳税人识别号", "乡镇（街道）"],
        [U[0], "甲（浙江）有限公司", "330102123456789", "城关镇"],
        [U[1], "乙公司", None, "平桥镇"],
    ])  # fmt: skip
    tax = xlsx(tmp_path / "t.xlsx", [
        ["纳税人识别号", "纳税人名称", "实缴税金（万元）"],
        ["330102123456789", "甲有限公司", 7.0],   # legacy ID → 甲
        [None, "乙公司", 3.0],                    # no ID: exact name → 乙 (flagged)
        [None, "不存在公司", 1.0],                # nothing matches: rejected
    ])  # fmt: skip
    land = xlsx(
        tmp_path / "l.xlsx",
        [
            ["统一社会信用代码", "企业名称", "用地面积（亩）"],
            [None, "甲(浙江)有限公司", 5.0],
        ],
    )  # full-width vs half-width brackets: same name after NFKC
    result = run(tmp_path, register=register, tax=tax, land=land)
    assert fact(result, U[0], "tax_wan") == 7.0
    assert fact(result, U[1], "tax_wan") == 3.0
    assert fact(result, U[0], "land_mu") == 5.0
    firms = result.firms.sort("uscc")
    assert firms.get_column("tax_wide").to_list() == ["legacy", "name"]
    assert firms.get_column("name_match").to_list() == [True, True]
    assert any("无法确定企业" in r for r in reasons(result))


def test_duplicates_skipped_and_conflicts_rejected(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "s.xlsx", [
        ["统一社会信用代码", "企业名称", "工业增加值（万元）"],
        [U[0], "甲", 10], [U[0], "甲", 10], [U[1], "乙", 1], [U[1], "乙", 2],
    ])  # fmt: skip
    result = run(tmp_path, stats=path)
    outcomes = result.failures.select("row", "outcome").sort("row").rows()
    assert outcomes == [(3, "skipped"), (4, "rejected"), (5, "rejected")]
    assert fact(result, U[0], "value_added_wan") == 10
    assert U[1] not in result.facts.get_column("uscc").to_list()


# ---- file kinds and encodings ---- #
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(
        f"统一社会信用代码,企业名称,化学需氧量（吨）\n{U[3]},喆犇珺公司,2.5\n".encode(encoding)
    )
    result = run(tmp_path, emissions=path)
    assert fact(result, U[3], "name") == "喆犇珺公司"
    assert fact(result, U[3], "cod_t") == 2.5


def test_html_saved_as_xls_and_meters(tmp_path: Path) -> None:
    power = tmp_path / "power.xls"
    power.write_text(
        "<html><head><meta charset='gbk'></head><table><tr><td colspan=3>2023年用电量</td></tr>"
        "<tr><th>户号</th><th>户名</th><th>用电量（万千瓦时）</th></tr>"
        "<tr><td>0001</td><td>房东</td><td>1.5</td></tr><tr><td>0002</td><td>甲</td><td>0.5</td></tr>"
        "</table></html>", encoding="gbk",
    )  # fmt: skip
    meters = tmp_path / "m.csv"
    meters.write_text(f"户号,统一社会信用代码\n0001,{U[4]}\n0002,{U[4]}\n", encoding="utf-8")
    result = run(tmp_path, energy=power, meters=meters)
    assert fact(result, U[4], "electricity_kwh") == pytest.approx(20000.0)
    assert result.firms.item(0, "energy") == "meter"


def test_biff_xls(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("统计")
    for j, v in enumerate(["统一社会信用代码", "企业名称", "工业增加值（万元）"]):
        sheet.write(0, j, v)
    for j, v in enumerate([U[5], "己", 42.0]):
        sheet.write(1, j, v)
    path = tmp_path / "s.xls"
    book.save(str(path))
    assert fact(run(tmp_path, stats=path), U[5], "value_added_wan") == 42.0


@pytest.mark.parametrize(("content", "fragment"), [
    (b"", "文件是空的"),
    (b"PK\x03\x04garbage", "xlsx 文件"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"), "设有密码"),
])  # fmt: skip
def test_unreadable_files_say_so(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(DataError, match=fragment) as info:
        run(tmp_path, tax=path)
    assert "bad.xlsx" in str(info.value)


def test_sheet_offsets_give_true_row_numbers(tmp_path: Path) -> None:
    path = offset_table(tmp_path / "o.xlsx")
    with pytest.raises(ImportRefused) as info:  # its one row is rejected: nothing to import
        run(tmp_path, stats=path)
    bad = info.value.result.failures.row(0, named=True)
    assert (bad["row"], bad["column"]) == (5, "E列 工业增加值（万元）")


# ---- tax basket ---- #
def _payments(tmp: Path) -> Path:
    return xlsx(tmp / "p.xlsx", [
        ["纳税人识别号", "纳税人名称", "征收项目", "税款所属期起", "入库日期", "实缴金额（元）", "收入类型"],
        [U[0], "甲", "增值税", "2023-01-01", "2023-02-15", "100,000.00", "正常入库"],
        [U[0], "甲", "增值税", "2023-01-01", "2023-03-15", "20,000.00", "退库"],
        [U[0], "甲", "个人所得税", "2023-01", "2023年2月", "5,000.00", ""],
        [U[0], "甲", "企业所得税", "2022-10-01", "2023-01-15", "50,000.00", ""],
        [U[0], "甲", "国税免抵调", "2023-06-01", "45121", "10,000.00", ""],
        [U[0], "甲", "增值税", "2023-12-01", "2024-01-15", "30,000.00", ""],
        [U[0], "甲", "神秘税", "2023-01-01", "2023-01-15", "1.00", ""],
    ])  # fmt: skip


def test_tax_basket_refunds_and_year_basis(tmp_path: Path) -> None:
    result = run(tmp_path, tax=_payments(tmp_path))
    # VAT 100000 − 20000 refund + CIT 50000 (paid 2023) + 免抵 10000 (serial 45121 = 2023-07-14)
    assert fact(result, U[0], "tax_wan") == pytest.approx(14.0)
    got = "".join(reasons(result))
    assert "个人所得税不计入" in got and "不属于数据年度 2023" in got and "神秘税" in got


def test_tax_basket_by_period_without_cit(tmp_path: Path) -> None:
    settings = Ingest(tax=TaxBasket(items=("增值税",), add_backs=(), year_basis="税款所属期"))
    result = import_year({"tax": [_payments(tmp_path)]}, year=2023, settings=settings)
    # VAT by 所属期 2023: 100000 − 20000 + 30000 (December, paid 2024)
    assert result.facts.item(0, "tax_wan") == pytest.approx(11.0)


def test_unknown_basket_item_is_a_profile_error(tmp_path: Path) -> None:
    settings = Ingest(tax=TaxBasket(items=("增值税", "彩票税")))
    with pytest.raises(ProfileError, match="彩票税"):
        import_year({"tax": [_payments(tmp_path)]}, year=2023, settings=settings)


# ---- statistics, land, energy, emissions ---- #
def test_industry_codes_and_old_names(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "s.xlsx", [
        ["统一社会信用代码", "企业名称", "行业代码", "工业增加值（万元）"],
        [U[0], "甲", "C3311", 1], [U[1], "乙", "3311", 1], [U[2], "丙", "33", 1],
        [U[3], "丁", "电气机械及器材制造业", 1], [U[4], "戊", "交通运输设备制造业", 1],
    ])  # fmt: skip
    result = run(tmp_path, stats=path).facts.sort("uscc")
    assert result.get_column("industry_code").to_list() == ["3311", "3311", "33", "38", "37"]


def test_land_own_rented_leased_out(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "l.xlsx", [
        ["统一社会信用代码", "企业名称", "用地类型", "出租方统一社会信用代码", "用地面积（亩）"],
        [U[0], "甲", "自有", None, 20], [U[0], "甲", "承租", U[1], 5], [U[0], "甲", "出租", None, 2],
    ])  # fmt: skip
    result = run(tmp_path, land=path)
    row = result.facts.row(0, named=True)
    assert (
        row["land_own_mu"],
        row["land_rented_mu"],
        row["land_leased_out_mu"],
        row["land_mu"],
    ) == (20, 5, 2, 23)


def test_energy_fuels_and_basis(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "e.xlsx", [
        ["统一社会信用代码", "企业名称", "原煤（吨）", "天然气（万立方米）", "用电量（万千瓦时）"],
        [U[0], "甲", 100, 1, 10],
    ])  # fmt: skip
    row = run(tmp_path, energy=path).facts.row(0, named=True)
    # 100 t × 0.7143 + 10000 m³ × 0.0012143 + 100000 kWh × 0.0003 (等价值)
    assert row["energy_tce"] == pytest.approx(71.43 + 12.143 + 30.0)
    assert row["energy_basis"] == "equivalent"
    assert row["electricity_kwh"] == pytest.approx(100000.0)


def test_emission_statuses(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "e.xlsx", [
        ["统一社会信用代码", "企业名称", "化学需氧量（吨）", "排放状态"],
        [U[0], "甲", None, "经核实无排放"], [U[1], "乙", None, "不适用"], [U[2], "丙", 1.0, None],
    ])  # fmt: skip
    got = run(tmp_path, emissions=path).facts.sort("uscc").get_column("emission_status").to_list()
    assert got == ["zero_verified", "not_applicable", None]


def test_plausibility_flags_tax_in_yuan_labelled_wan(tmp_path: Path) -> None:
    tax = xlsx(
        tmp_path / "t.xlsx",
        [["纳税人识别号", "纳税人名称", "实缴税金（万元）"], [U[0], "甲", 1_500_000]],
    )
    land = xlsx(
        tmp_path / "l.xlsx", [["统一社会信用代码", "企业名称", "用地面积（亩）"], [U[0], "甲", 10]]
    )
    result = run(tmp_path, tax=tax, land=land)
    assert result.warnings.height == 1
    assert "可能是“元”" in result.warnings.item(0, "message")
    assert fact(result, U[0], "tax_wan") == 1_500_000, "flagged, never silently changed"


def test_plausibility_leaves_zero_land_to_scoring(tmp_path: Path) -> None:
    """Zero land is a 待核 case for scoring, not an infinite tax per mu in the report."""
    tax = xlsx(
        tmp_path / "t.xlsx",
        [["纳税人识别号", "纳税人名称", "实缴税金（万元）"], [U[0], "甲", 50], [U[1], "乙", 50]],
    )
    land = xlsx(
        tmp_path / "l.xlsx",
        [["统一社会信用代码", "企业名称", "用地面积（亩）"], [U[0], "甲", 0], [U[1], "乙", 10]],
    )
    warnings = run(tmp_path, tax=tax, land=land).warnings
    assert warnings.height == 0
