"""Field level (issue 13): each defect class with its own fixture made by code and its outcome.

A file is read right on the evidence it carries, or refused naming what is wrong; what was
decided is said (notes, mapping). read = accepted + rejected + skipped holds throughout and no
rejected or skipped row is left without a reason.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from ingest.file_fixtures import text, workbook

from mujun.errors import DataError
from mujun.ingest.importer import ImportRefused, ImportResult, import_year
from mujun.profiles import load_profile
from mujun.profiles.models import EnergySettings, Ingest
from mujun.testing import make_uscc

SETTINGS = load_profile("zhejiang_baseline").ingest
U = [make_uscc(i) for i in range(12)]
PAY = ["纳税人识别号", "纳税人名称", "征收项目"]


def run(settings: Ingest = SETTINGS, year: int = 2024, **files: Path | list[Path]) -> ImportResult:
    given = {k: (v if isinstance(v, list) else [v]) for k, v in files.items()}
    result = import_year(given, year=year, settings=settings)
    check(result)
    return result


def check(result: ImportResult) -> None:
    assert result.reconciles(), result.files
    lines = result.failures
    assert lines.filter(pl.col("reason").fill_null("") == "").is_empty(), lines


def fact(result: ImportResult, uscc: str, column: str) -> object:
    return result.facts.filter(pl.col("uscc") == uscc).item(0, column)


def notes(result: ImportResult) -> str:
    return " ".join(result.files.get_column("notes").to_list())


def reasons(result: ImportResult) -> str:
    return " ".join(result.failures.get_column("reason").to_list())


def refused(year: int = 2024, **files: Path) -> ImportRefused:
    with pytest.raises(ImportRefused) as info:
        import_year({k: [v] for k, v in files.items()}, year=year, settings=SETTINGS)
    check(info.value.result)
    return info.value


# ---- tax: the year of a payment ---- #
def test_no_paid_date_column_uses_the_condition_row_range(tmp_path: Path) -> None:
    rows = [["某县2024年度税收入库明细"], ["入库日期：2024-01-01至2024-12-31", None, "金额单位：元"],
            [*PAY, "实缴金额"], [U[0], "甲", "增值税", "100,000"], [U[0], "甲", "企业所得税", "50,000"],
            [U[1], "乙", "增值税", "20,000"]]  # fmt: skip
    result = run(tax=workbook(tmp_path / "税.xlsx", [("明细", rows)]))
    assert fact(result, U[0], "tax_wan") == pytest.approx(15.0)
    assert fact(result, U[1], "tax_wan") == pytest.approx(2.0)
    assert "按表头上方的“入库日期：2024-01-01至2024-12-31”（在数据年度内）" in notes(result)


def test_condition_range_of_another_year_skips_with_the_reason(tmp_path: Path) -> None:
    rows = [
        ["入库日期：2023-01-01至2023-12-31"],
        [*PAY, "实缴金额（万元）"],
        [U[0], "甲", "增值税", 3],
    ]
    error = refused(tax=workbook(tmp_path / "税.xlsx", [("明细", rows)]))
    assert "不属于数据年度 2024" in str(error) and "税.xlsx" in str(error)
    line = error.result.failures.row(0, named=True)
    assert line["outcome"] == "skipped" and "入库日期：2023-01-01至2023-12-31" in line["reason"]


@pytest.mark.parametrize(("header", "cells", "expected"), [
    (["税款所属期起", "税款所属期止"], [["2024-01-01", "2024-03-31"], ["2023-10-01", "2023-12-31"]], 1.0),
    (["税款所属期"], [["2024-01-01至2024-03-31"], ["2023-10-01至2023-12-31"]], 1.0),
    (["所属期"], [["2024年01月"], ["2023年12月"]], 1.0),
])  # fmt: skip
def test_no_paid_date_falls_back_to_the_period_loudly(
    tmp_path: Path, header: list[str], cells: list[list[str]], expected: float
) -> None:
    rows = [[*PAY, *header, "实缴金额（万元）"], [U[0], "甲", "增值税", *cells[0], 1.0],
            [U[0], "甲", "增值税", *cells[1], 5.0]]  # fmt: skip
    result = run(tax=workbook(tmp_path / "税.xlsx", [("明细", rows)]))
    assert fact(result, U[0], "tax_wan") == pytest.approx(expected)
    assert "改按税款所属期确定缴款年度" in notes(result)
    skipped = result.failures.filter(pl.col("outcome") == "skipped").row(0, named=True)
    assert skipped["reason"] == "不属于数据年度 2024（按税款所属期：2023 年）"


def test_no_date_at_all_is_refused_with_a_reason_for_every_row(tmp_path: Path) -> None:
    rows = [[*PAY, "实缴金额（万元）"], [U[0], "甲", "增值税", 1.0]]
    error = refused(tax=workbook(tmp_path / "税.xlsx", [("明细", rows)]))
    assert "无法确定这笔缴款属于哪一年" in reasons(error.result)


def test_a_period_not_understood_does_not_reject_when_the_basis_is_paid_date(
    tmp_path: Path,
) -> None:
    rows = [[*PAY, "税款所属期", "入库日期", "实缴金额（万元）"],
            [U[0], "甲", "增值税", "第一季度", "2024/01/05 10:23:11", 2.0],
            [U[0], "甲", "增值税", "?", "2024-02-15", 3.0]]  # fmt: skip
    result = run(tax=workbook(tmp_path / "税.xlsx", [("明细", rows)]))
    assert fact(result, U[0], "tax_wan") == pytest.approx(5.0)
    assert result.failures.is_empty()


def test_two_digit_years_are_refused_as_ambiguous(tmp_path: Path) -> None:
    rows = [[*PAY, "入库日期", "实缴金额（万元）"], [U[0], "甲", "增值税", "24/1/5", 2.0],
            [U[0], "甲", "增值税", "2024-01-05", 3.0]]  # fmt: skip
    result = run(tax=workbook(tmp_path / "税.xlsx", [("明细", rows)]))
    assert fact(result, U[0], "tax_wan") == pytest.approx(3.0)
    line = result.failures.row(0, named=True)
    assert (line["row"], line["outcome"], line["value"]) == (2, "rejected", "24/1/5")
    assert "两位数年份" in line["reason"]


def test_data_year_with_no_data_fails_loudly(tmp_path: Path) -> None:
    rows = [[*PAY, "入库日期", "实缴金额（万元）"], [U[0], "甲", "增值税", "2024-03-01", 2.0]]
    error = refused(year=2032, tax=workbook(tmp_path / "税.xlsx", [("明细", rows)]))
    assert "不属于数据年度 2032" in str(error) and "--data-year" in str(error)


# ---- tax: which amount ---- #
def test_amount_candidates_follow_the_documented_precedence(tmp_path: Path) -> None:
    rows = [[*PAY, "入库日期", "已缴税额", "实缴金额", "应纳税额"],
            [U[0], "甲", "增值税", "2024-03-01", 9, 2, 7]]  # fmt: skip
    result = run(tax=workbook(tmp_path / "税.xlsx", [("明细", rows)]))
    assert fact(result, U[0], "tax_wan") == pytest.approx(2e-4)  # 实缴金额, in 元 by default
    assert "按 sources.toml 的优先顺序读取“实缴金额”，“已缴税额”未使用" in notes(result)
    (mapping,) = result.mappings
    by_header = {c.header: c for c in mapping.columns}
    assert by_header["实缴金额"].field == "amount"
    assert by_header["已缴税额"].field is None
    assert by_header["应纳税额"].numeric, "an unknown numeric column is listed prominently"
    assert "有数值但未导入的列：应纳税额" in notes(result)


def test_parts_of_one_tax_add_up(tmp_path: Path) -> None:
    rows = [["纳税人识别号", "纳税人名称", "增值税", "企业所得税(国税)", "企业所得税(地税)"],
            [U[0], "甲", 10, 3, 2]]  # fmt: skip
    result = run(tax=workbook(tmp_path / "税.xlsx", [("汇总表", rows)]))
    assert fact(result, U[0], "tax_wan") == pytest.approx(15.0)
    assert "已相加" in notes(result)


# ---- tax: sheets ---- #
def test_a_summary_sheet_beside_its_detail_is_not_counted_twice(tmp_path: Path) -> None:
    detail = [[*PAY, "入库日期", "实缴金额（万元）"], [U[0], "甲", "增值税", "2024-03-01", 4.0],
              [U[0], "甲", "增值税", "2024-04-01", 6.0]]  # fmt: skip
    summary = [["纳税人识别号", "纳税人名称", "实缴税金（万元）"], [U[0], "甲", 10.0]]
    path = workbook(tmp_path / "税.xlsx", [("汇总", summary), ("入库明细", detail)])
    result = run(tax=path)
    assert fact(result, U[0], "tax_wan") == pytest.approx(10.0)
    line = result.failures.filter(pl.col("sheet") == "汇总").row(0, named=True)
    assert line["outcome"] == "skipped" and "汇总表不重复计算" in line["reason"]


def test_month_sheets_add_up_even_with_equal_amounts(tmp_path: Path) -> None:
    month = [
        ["纳税人识别号", "纳税人名称", "实缴税金（万元）"],
        [U[0], "甲", 5.0],
        [U[1], "乙", 1.0],
    ]
    path = workbook(tmp_path / "税.xlsx", [("1月", month), ("2月", month), ("3月", month)])
    result = run(tax=path)
    assert fact(result, U[0], "tax_wan") == pytest.approx(15.0)
    assert result.failures.is_empty()


def test_several_years_in_one_grid(tmp_path: Path) -> None:
    rows = [["纳税人识别号", "纳税人名称", "入库年度", "实缴税金（万元）"], [U[0], "甲", 2023, 7.0],
            [U[0], "甲", 2024, 5.0], [U[1], "乙", "2024年", 1.0]]  # fmt: skip
    result = run(tax=workbook(tmp_path / "税.xlsx", [("税收", rows)]))
    assert fact(result, U[0], "tax_wan") == pytest.approx(5.0)
    line = result.failures.row(0, named=True)
    assert (line["row"], line["outcome"]) == (2, "skipped")
    assert line["reason"] == "本行年度为 2023 年，不属于数据年度 2024"


def test_year_sheets_of_other_years_are_skipped(tmp_path: Path) -> None:
    rows = [["纳税人识别号", "纳税人名称", "实缴税金（万元）"], [U[0], "甲", 5.0]]
    path = workbook(tmp_path / "税.xlsx", [("2023年", rows), ("2024年", rows)])
    result = run(tax=path)
    assert fact(result, U[0], "tax_wan") == pytest.approx(5.0)
    assert "是 2023 年的数据，不属于数据年度 2024" in reasons(result)


# ---- tax: amounts and units ---- #
def test_amounts_as_text_with_currency_signs_and_spaces(tmp_path: Path) -> None:
    rows = [[*PAY, "入库日期", "实缴金额"], [U[0], "甲", "增值税", "2024-03-01", "¥12,000.00"],
            [U[0], "甲", "增值税", "2024-04-01", " 8 000.00元 "],
            [U[1], "乙", "增值税", "2024-04-01", "￥1 000"]]  # fmt: skip
    result = run(tax=workbook(tmp_path / "税.xlsx", [("明细", rows)]))
    assert fact(result, U[0], "tax_wan") == pytest.approx(2.0)
    assert fact(result, U[1], "tax_wan") == pytest.approx(0.1)
    (mapping,) = result.mappings
    amount = next(c for c in mapping.columns if c.field == "amount")
    assert (amount.unit, amount.unit_evidence) == ("元", "cells")


def test_yuan_in_cells_contradicting_the_header_is_refused(tmp_path: Path) -> None:
    rows = [["纳税人识别号", "纳税人名称", "实缴税金（万元）"], [U[0], "甲", "12,000元"]]
    with pytest.raises(DataError, match="两者矛盾"):
        run(tax=workbook(tmp_path / "税.xlsx", [("税", rows)]))


@pytest.mark.parametrize(("rows", "expected", "evidence"), [
    ([["金额单位：千元"], ["纳税人识别号", "纳税人名称", "实缴税金"], [U[0], "甲", 30]], 3.0, "title row"),
    ([["纳税人识别号", "纳税人名称", "实缴税金（千元）"], [U[0], "甲", 30]], 3.0, "header"),
    ([["纳税人识别号", "纳税人名称", "实缴税金"], [U[0], "甲", 30], [], ["注：金额单位：元"]],
     0.003, "footnote"),
    ([["纳税人识别号", "纳税人名称", "实缴税金"], [U[0], "甲", 30]], 30.0, "default"),
])  # fmt: skip
def test_money_units_and_their_evidence(
    tmp_path: Path, rows: list[list[object]], expected: float, evidence: str
) -> None:
    result = run(tax=workbook(tmp_path / "税.xlsx", [("税", rows)]))
    assert fact(result, U[0], "tax_wan") == pytest.approx(expected)
    total = next(c for c in result.mappings[0].columns if c.field == "total")
    assert total.unit_evidence == evidence


# ---- the wrong file for a source ---- #
def test_a_land_file_passed_as_tax_is_refused_naming_its_columns(tmp_path: Path) -> None:
    rows = [["统一社会信用代码", "企业名称", "宗地面积（平方米）", "使用权面积（平方米）"],
            *([U[i], f"企业{i}", 6000, 5000] for i in range(5))]  # fmt: skip
    path = text(tmp_path / "land_parcels.csv", "\n".join(",".join(map(str, r)) for r in rows))
    with pytest.raises(DataError) as info:
        import_year({"tax": [path]}, year=2024, settings=SETTINGS)
    message = str(info.value)
    assert "land_parcels.csv 不能作为税务数据导入" in message
    assert "宗地面积（平方米）" in message and "使用权面积（平方米）" in message
    assert "--land" in message


def test_a_file_with_no_accepted_row_is_an_error(tmp_path: Path) -> None:
    rows = [["统一社会信用代码", "企业名称", "工业增加值（万元）"], [U[0], "甲", "abc"],
            [U[1], "乙", "def"]]  # fmt: skip
    error = refused(stats=workbook(tmp_path / "统计.xlsx", [("统计", rows)]))
    assert "统计.xlsx：读取 2 行，没有一行可以导入（拒绝 2，跳过 0）" in str(error)
    assert "不是有效数字（2 处）" in str(error)


# ---- statistics ---- #
def test_output_and_rd_aliases_and_a_missing_expected_field(tmp_path: Path) -> None:
    rows = [["统一社会信用代码", "企业名称", "工业总产值(当年价格)(万元)",
             "研究与试验发展(R&D)经费内部支出", "营业收入"], [U[0], "甲", 100, 3, 90]]  # fmt: skip
    result = run(stats=workbook(tmp_path / "统计.xlsx", [("规上", rows)]))
    assert fact(result, U[0], "output_wan") == 100.0
    assert fact(result, U[0], "rd_wan") == 3.0
    assert "未找到此类文件通常应有的字段：工业增加值、从业人员平均人数" in notes(result)


def test_organisation_code_is_matched_to_the_register(tmp_path: Path) -> None:
    register = workbook(tmp_path / "名录.xlsx", [("名录", [
        ["统一社会信用代码", "企业名称", "乡镇（街道）"], [U[3], "丙有限公司", "城关镇"]])])  # fmt: skip
    org = f"{U[3][8:16]}-{U[3][16]}"
    stats = workbook(tmp_path / "统计.xlsx", [("规上", [
        ["组织机构代码", "单位详细名称", "工业增加值（万元）"], [org, "丙公司", 40]])])  # fmt: skip
    result = run(register=register, stats=stats)
    assert fact(result, U[3], "value_added_wan") == 40.0
    assert result.firms.filter(pl.col("uscc") == U[3]).item(0, "stats") == "org_code"
    assert "按组织机构代码（即统一社会信用代码第9–17位）匹配" in notes(result)


# ---- land ---- #
def test_use_right_area_beside_parcel_area(tmp_path: Path) -> None:
    rows = [["统一社会信用代码", "企业名称", "宗地面积（亩）", "使用权面积（亩）"], [U[0], "甲", 50, 12],
            [U[1], "乙", "-", "—"], [U[2], "丙", 8, 8]]  # fmt: skip
    result = run(land=workbook(tmp_path / "地.xlsx", [("宗地", rows)]))
    assert fact(result, U[0], "land_mu") == 12.0
    assert fact(result, U[1], "land_own_mu") is None, "a dash is missing, not 0"
    assert fact(result, U[1], "land_mu") is None
    assert "按 sources.toml 的优先顺序读取“使用权面积（亩）”" in notes(result)


def test_occupied_area_alias_and_hectares_in_a_footnote(tmp_path: Path) -> None:
    rows = [["统一社会信用代码", "企业名称", "占地面积"], [U[0], "甲", 2], [U[1], "乙", 0.5], [],
            ["注：面积单位为公顷"]]  # fmt: skip
    result = run(land=workbook(tmp_path / "地.xlsx", [("用地", rows)]))
    assert fact(result, U[0], "land_mu") == pytest.approx(30.0)
    area = next(c for c in result.mappings[0].columns if c.field == "area")
    assert (area.unit, area.unit_evidence) == ("公顷", "footnote")


# ---- energy and power ---- #
@pytest.mark.parametrize(("basis", "expected"), [("equivalent", 30.0), ("calorific", 12.0)])
def test_both_bases_take_the_profile_basis(tmp_path: Path, basis: str, expected: float) -> None:
    rows = [["统一社会信用代码", "企业名称", "综合能耗（当量值）（吨标准煤）", "综合能耗（等价值）（吨标准煤）"],
            [U[0], "甲", 12, 30]]  # fmt: skip
    settings = Ingest(energy=EnergySettings(basis=basis))  # type: ignore[arg-type]
    result = run(settings, energy=workbook(tmp_path / "能.xlsx", [("能耗", rows)]))
    assert fact(result, U[0], "energy_tce") == pytest.approx(expected)
    assert fact(result, U[0], "energy_basis") == basis
    assert "同时有综合能耗的等价值和当量值" in notes(result)


def test_per_fuel_columns_are_converted_naming_the_factors(tmp_path: Path) -> None:
    rows = [
        ["统一社会信用代码", "企业名称", "电力（万千瓦时）", "天然气（万立方米）"],
        [U[0], "甲", 10, 2],
    ]
    result = run(energy=workbook(tmp_path / "能.xlsx", [("能耗", rows)]))
    # 100,000 kWh × 0.0003 (等价值, profile) + 20,000 m³ × 0.0012143
    assert fact(result, U[0], "energy_tce") == pytest.approx(30.0 + 24.286)
    assert fact(result, U[0], "electricity_kwh") == pytest.approx(100_000.0)
    assert "天然气 12.143 吨标准煤/万立方米" in notes(result)


def test_monthly_readings_take_the_annual_total_and_check_it(tmp_path: Path) -> None:
    header = ["户号", "统一社会信用代码", "企业名称", *(f"{m}月" for m in range(1, 13)), "全年合计"]
    rows = [["2024年分月用电量", None, "单位：万千瓦时"], header,
            ["001", U[0], "甲", *[1] * 12, 12], ["002", U[1], "乙", *[1] * 12, 15]]  # fmt: skip
    result = run(energy=workbook(tmp_path / "电.xlsx", [("电量", rows)]))
    assert fact(result, U[0], "electricity_kwh") == pytest.approx(120_000.0)
    assert fact(result, U[1], "electricity_kwh") == pytest.approx(150_000.0)
    warning = result.warnings.filter(pl.col("uscc") == U[1]).row(0, named=True)
    assert "与 1–12 月之和" in warning["message"]
    assert "取全年合计，并与各月之和核对" in notes(result)


def test_implausible_electricity_per_mu_is_flagged(tmp_path: Path) -> None:
    power = workbook(
        tmp_path / "电.xlsx",
        [
            (
                "电",
                [
                    ["统一社会信用代码", "企业名称", "用电量（千瓦时）"],
                    [U[0], "甲", 120],
                    [U[1], "乙", 300_000],
                ],
            )
        ],
    )
    land = workbook(
        tmp_path / "地.xlsx",
        [
            (
                "地",
                [
                    ["统一社会信用代码", "企业名称", "用地面积（亩）"],
                    [U[0], "甲", 10],
                    [U[1], "乙", 10],
                ],
            )
        ],
    )
    result = run(energy=power, land=land)
    flagged = result.warnings.filter(pl.col("check").str.contains("亩均用电量"))
    assert flagged.get_column("uscc").to_list() == [U[0]]
    assert "万千瓦时" in flagged.item(0, "message")


# ---- register ---- #
def test_register_ids_flags_and_partial_dates(tmp_path: Path) -> None:
    header = ["统一社会信用代码", "企业名称", "是否规上", "高新技术企业", "投产日期"]
    rows = [header, [f"\u200b{U[0]}\u00a0", "甲", "规上", "✓", "2019年"],
            [f'="{U[1]}"', "乙", "规下", "✗", "2019-03"], [f"'{U[2]}", "丙", "Y", "N", "2019年3月"],
            [U[3], "丁", "是", "否", "2019.03"], [U[4], "戊", "规上", "√", "201903"]]  # fmt: skip
    content = "\n".join(",".join(r) for r in rows).replace(f'="{U[1]}"', f'"=""{U[1]}"""')
    result = run(register=text(tmp_path / "名录.csv", content + "\n"))
    facts = result.facts.sort("uscc")
    assert facts.get_column("uscc").to_list() == sorted(U[:5])
    got = {r["uscc"]: (r["above_scale"], r["high_tech"], str(r["production_start"]))
           for r in facts.iter_rows(named=True)}  # fmt: skip
    assert got[U[0]] == (True, True, "2019-01-01")
    assert got[U[1]] == (False, False, "2019-03-01")
    assert got[U[2]] == (True, False, "2019-03-01")
    assert got[U[3]] == (True, False, "2019-03-01")
    assert got[U[4]] == (True, True, "2019-03-01")


def test_one_bad_register_cell_is_cleared_and_the_row_kept(tmp_path: Path) -> None:
    rows = [["统一社会信用代码", "企业名称", "乡镇（街道）", "高新技术企业", "投产日期"],
            [U[0], "甲", "城关镇", "也许", "2019-02-30"], [U[1], "乙", "白鹤镇", "是", "2020-01-01"]]  # fmt: skip
    result = run(register=workbook(tmp_path / "名录.xlsx", [("名录", rows)]))
    assert fact(result, U[0], "township") == "城关镇"
    assert fact(result, U[0], "high_tech") is None
    assert fact(result, U[0], "production_start") is None
    row = result.files.row(0, named=True)
    assert (row["rows_read"], row["accepted"], row["rejected"], row["skipped"]) == (2, 2, 0, 0)
    assert row["cleared"] == 1, "one accepted row had cells cleared"
    cleared = result.failures.filter(pl.col("outcome") == "cleared")
    assert sorted(cleared.get_column("column").str.slice(0, 2).to_list()) == ["D列", "E列"]
    assert cleared.get_column("reason").str.contains("该单元格已清空").all()


def test_a_title_of_another_year(tmp_path: Path) -> None:
    rows = [["某县2023年度规上工业企业主要指标"], ["统一社会信用代码", "企业名称", "工业增加值（万元）"],
            [U[0], "甲", 5]]  # fmt: skip
    stats = workbook(tmp_path / "统计.xlsx", [("统计", rows)])
    with pytest.raises(DataError, match="表格标题写的是 2023 年") as info:
        run(year=2032, stats=stats)
    assert "统计.xlsx" in str(info.value)
    assert "表格标题写的是" not in notes(run(year=2023, stats=stats))
    assert "表格标题写的是" not in notes(run(year=2022, stats=stats))  # the evaluation year
    land = [["2023年用地情况"], ["统一社会信用代码", "企业名称", "用地面积（亩）"], [U[0], "甲", 5]]
    result = run(year=2032, land=workbook(tmp_path / "地.xlsx", [("地", land)]))
    assert "表格标题写的是 2023 年" in notes(result)  # land is a stock: an alert
    assert result.warnings.filter(pl.col("check") == "表格标题的年份").height == 1


def test_a_unit_in_a_merged_group_above_months_and_bases(tmp_path: Path) -> None:
    months = [f"{m}月" for m in range(1, 13)]
    power = workbook(
        tmp_path / "电.xlsx",
        [("电", [["统一社会信用代码", "企业名称", "用电量（万千瓦时）", *[None] * 12],
                 [None, None, *months, "合计"], [U[0], "甲", *[1] * 12, 12]])],
        merges={"电": ["C1:O1", "A1:A2", "B1:B2"]},
    )  # fmt: skip
    energy = workbook(
        tmp_path / "能.xlsx",
        [("能", [["统一社会信用代码", "企业名称", "综合能耗（千克标准煤）", None],
                 [None, None, "等价值", "当量值"], [U[1], "乙", 30_000, 12_000]])],
        merges={"能": ["C1:D1"]},
    )  # fmt: skip
    result = run(energy=[power, energy])
    assert fact(result, U[0], "electricity_kwh") == pytest.approx(120_000.0)
    assert fact(result, U[1], "energy_tce") == pytest.approx(30.0)


def test_a_firm_in_both_a_payment_file_and_a_firm_level_file_counts_once(tmp_path: Path) -> None:
    detail = workbook(tmp_path / "明细.xlsx", [("明细", [
        [*PAY, "入库日期", "实缴金额（万元）"], [U[0], "甲", "增值税", "2024-03-01", 4.0]])])  # fmt: skip
    summary = workbook(tmp_path / "汇总.xlsx", [("企业", [
        ["纳税人识别号", "纳税人名称", "实缴税金（万元）"], [U[0], "甲", 4.0], [U[1], "乙", 2.0]])])  # fmt: skip
    result = run(tax=[detail, summary])
    assert fact(result, U[0], "tax_wan") == pytest.approx(4.0)
    assert fact(result, U[1], "tax_wan") == pytest.approx(2.0)
    line = result.failures.row(0, named=True)
    assert (Path(line["file"]).name, line["outcome"]) == ("汇总.xlsx", "skipped")
    assert "按明细计入" in line["reason"]


def test_a_partial_breakdown_beside_a_total_reads_the_total(tmp_path: Path) -> None:
    rows = [["纳税人识别号", "纳税人名称", "实缴税金（万元）", "增值税", "企业所得税", "个人所得税"],
            [U[0], "甲", 100, 60, 10, None], [U[1], "乙", 50, 30, 15, 5]]  # fmt: skip
    result = run(tax=workbook(tmp_path / "税.xlsx", [("税", rows)]))
    assert fact(result, U[0], "tax_wan") == pytest.approx(100.0)  # 60 + 10 is a 其中 breakdown
    assert fact(result, U[1], "tax_wan") == pytest.approx(45.0)  # complete: PIT left out
    assert "按合计列计入" in notes(result)


@pytest.mark.parametrize(("header", "value", "expected"), [
    ("用电量（万kW·h）", 2, 20_000.0),
    ("用电量(单位:万千瓦时)", 2, 20_000.0),
    ("用电量（兆瓦时）", 2, None),  # a unit mujun does not know: refused, never a default
])  # fmt: skip
def test_units_written_in_other_ways(
    tmp_path: Path, header: str, value: float, expected: float | None
) -> None:
    path = workbook(tmp_path / "电.xlsx", [("电", [["统一社会信用代码", "企业名称", header],
                                                  [U[0], "甲", value]])])  # fmt: skip
    if expected is None:
        with pytest.raises(DataError, match="单位“兆瓦时”无法识别"):
            run(energy=path)
        return
    assert fact(run(energy=path), U[0], "electricity_kwh") == pytest.approx(expected)


@pytest.mark.parametrize("stated", [
    "入库日期：2024年1月1日-2024年12月31日", "入库日期：20240101-20241231", "入库时间：2024-01-01 至 2024-12-31",
])  # fmt: skip
def test_condition_ranges_written_other_ways(tmp_path: Path, stated: str) -> None:
    rows = [[stated], [*PAY, "实缴金额（万元）"], [U[0], "甲", "增值税", 3]]
    result = run(tax=workbook(tmp_path / "税.xlsx", [("明细", rows)]))
    assert fact(result, U[0], "tax_wan") == pytest.approx(3.0)
    assert "（在数据年度内）确定全部缴款的年度" in notes(result)
