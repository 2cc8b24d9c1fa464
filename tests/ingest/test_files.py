"""File and grid level: a file becomes a clean table of header + rows, or a clear refusal."""

from __future__ import annotations

from pathlib import Path

import fastexcel
import polars as pl
import pytest
from ingest.file_fixtures import (
    at,
    biff5,
    biff8,
    cached_empty_text,
    gbk_with_utf8_tail,
    hide_every_sheet,
    lock_file,
    pdf,
    set_dimension,
    spreadsheet_ml,
    text,
    workbook,
)

from mujun.errors import DataError
from mujun.ingest.importer import ImportResult, import_year
from mujun.ingest.read import read_sheets
from mujun.profiles import load_profile
from mujun.testing import make_uscc

SETTINGS = load_profile("zhejiang_baseline").ingest
U = [make_uscc(i) for i in range(10)]
STATS = ["统一社会信用代码", "企业名称", "工业增加值（万元）", "营业收入（万元）"]


def run(**files: Path | list[Path]) -> ImportResult:
    given = {k: (v if isinstance(v, list) else [v]) for k, v in files.items()}
    result = import_year(given, year=2023, settings=SETTINGS)
    assert result.reconciles(), result.files
    lines = result.failures
    assert lines.filter(pl.col("reason").fill_null("") == "").is_empty(), lines
    assert lines.select(pl.col("file", "row", "column").null_count()).sum_horizontal().item() == 0
    return result


def fact(result: ImportResult, uscc: str, column: str) -> object:
    return result.facts.filter(pl.col("uscc") == uscc).item(0, column)


def notes(result: ImportResult) -> str:
    return " ".join(result.files.get_column("notes").to_list())


# ---- Excel 95 ---- #
def test_excel95_is_read_with_its_code_page(tmp_path: Path) -> None:
    rows = [STATS, [U[0], "甲机械有限公司", 12.5, 300], [U[1], "喆犇珺镕公司", 7, 80]]
    path = biff5(tmp_path / "统计.xls", [("规上企业", rows), ("旧表", [STATS])], hidden=["旧表"])
    # calamine fails on or garbles the same file: this is why BIFF5 goes to xlrd
    try:
        names = fastexcel.read_excel(str(path)).sheet_names
    except fastexcel.CalamineError:
        names = []
    assert names != ["规上企业", "旧表"]
    (sheet,) = read_sheets(path)
    assert sheet.sheet == "规上企业"
    assert sheet.grid.row(1) == (U[0], "甲机械有限公司", "12.5", "300")
    assert "BIFF5" in sheet.context.format
    assert sheet.context.hidden_sheets == ("旧表",)
    result = run(stats=path)
    assert fact(result, U[1], "name") == "喆犇珺镕公司"
    assert fact(result, U[0], "value_added_wan") == 12.5


@pytest.mark.parametrize("codepage", [1252, None])
def test_excel95_with_a_western_or_no_code_page_but_gbk_text(
    tmp_path: Path, codepage: int | None
) -> None:
    rows = [STATS, [U[0], "甲机械有限公司", 12.5, 300]]
    path = biff5(tmp_path / "统计.xls", [("规上企业", rows)], codepage=codepage)
    result = run(stats=path)
    assert fact(result, U[0], "name") == "甲机械有限公司"
    assert "已按 GBK 解码" in notes(result)


# ---- workbooks ---- #
def test_formula_cells_without_cached_values_are_refused_by_name(tmp_path: Path) -> None:
    rows = [STATS, [U[0], "甲", 5, 7], [U[1], "乙", "=C2*2", "=D2+1"]]
    path = workbook(tmp_path / "公式.xlsx", [("数据", rows)])
    with pytest.raises(DataError) as info:
        read_sheets(path)
    message = str(info.value)
    assert "公式.xlsx" in message
    assert "2 个公式单元格没有计算结果" in message
    assert "数据!C3" in message and "数据!D3" in message


def test_a_formula_whose_cached_result_is_empty_text_is_read(tmp_path: Path) -> None:
    rows = [STATS, [U[0], "甲", 5, 7], [U[1], "乙", 6, "x"]]
    path = cached_empty_text(workbook(tmp_path / "空文本.xlsx", [("数据", rows)]), "D3")
    result = run(stats=path)
    assert fact(result, U[1], "revenue_wan") is None


def test_excel97_table_off_a1_and_merged_cells(tmp_path: Path) -> None:
    header = ["统一社会信用代码", "企业名称", "用地面积（亩）"]
    cells = {(3, 2 + j): h for j, h in enumerate(header)}
    cells |= {(4, 3): "甲", (4, 4): 10, (5, 4): 20, (6, 2): U[1], (6, 3): "乙", (6, 4): "n/a?"}
    path = biff8(tmp_path / "宗地.xls", cells, merges=[(4, 5, 2, U[0])])
    (sheet,) = read_sheets(path)
    assert (sheet.first_row, sheet.first_col) == (4, 2)
    result = run(land=path)
    assert fact(result, U[0], "land_mu") == 30.0
    line = result.failures.filter(pl.col("outcome") == "rejected").row(0, named=True)
    assert (line["row"], line["column"][:2]) == (7, "E列")


@pytest.mark.parametrize("dimension", [None, "A1:B2", "C4:E5", "A1:Z100"])
def test_true_rows_and_columns_whatever_the_dimension_says(
    tmp_path: Path, dimension: str | None
) -> None:
    path = at(tmp_path / "偏移.xlsx", {"C4": "统一社会信用代码", "D4": "企业名称",
                                      "E4": "工业增加值（万元）", "C5": U[0], "D5": "甲",
                                      "E5": "n/a?", "C6": U[1], "D6": "乙", "E6": 3})  # fmt: skip
    set_dimension(path, dimension)
    (sheet,) = read_sheets(path)
    assert (sheet.first_row, sheet.first_col) == (4, 2)
    result = run(stats=path)
    line = result.failures.row(0, named=True)
    assert (line["row"], line["column"][:2]) == (5, "E列")


def test_a_hidden_sheet_is_not_read_and_this_is_said(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "统计.xlsx",
        [("数据", [STATS, [U[0], "甲", 1, 2]]), ("草稿", [STATS, [U[1], "乙", 9, 9]])],
        hidden=["草稿"],
    )
    result = run(stats=path)
    assert result.facts.get_column("uscc").to_list() == [U[0]]
    assert "隐藏的工作表未读取：草稿" in notes(result)


def test_a_workbook_with_only_hidden_sheets_is_refused(tmp_path: Path) -> None:
    path = hide_every_sheet(
        workbook(tmp_path / "全隐藏.xlsx", [("数据", [STATS, [U[0], "甲", 1, 2]])])
    )
    with pytest.raises(DataError, match="全部是隐藏的"):
        read_sheets(path)


def test_monthly_summary_and_detail_sheets_are_each_a_table_with_its_role(tmp_path: Path) -> None:
    month = [["纳税人识别号", "纳税人名称", "实缴税金（万元）"], [U[0], "甲", 1]]
    path = workbook(
        tmp_path / "税收.xlsx",
        [
            ("1月", month),
            ("2月", month),
            ("汇总", month),
            ("入库明细", month),
            ("填表说明", [["说明"]]),
        ],
    )
    sheets = read_sheets(path)
    roles = [(s.sheet, s.context.role, s.context.month) for s in sheets]
    assert roles == [("1月", "month", 1), ("2月", "month", 2), ("汇总", "summary", None),
                     ("入库明细", "detail", None), ("填表说明", "notes", None)]  # fmt: skip
    assert sheets[0].context.sheets == ("1月", "2月", "汇总", "入库明细", "填表说明")


def test_excel_2003_xml_with_merged_firm_cells_and_a_hidden_sheet(tmp_path: Path) -> None:
    def cell(text: object, extra: str = "") -> str:
        kind = "Number" if isinstance(text, int) else "String"
        return f'<Cell{extra}><Data ss:Type="{kind}">{text}</Data></Cell>'

    down, third = ' ss:MergeDown="1"', ' ss:Index="3"'
    rows = (
        f"<Row>{cell('某县用地统计表')}</Row>"
        f'<Row ss:Index="3">{cell("统一社会信用代码")}{cell("企业名称")}{cell("用地面积（亩）")}</Row>'
        f"<Row>{cell(U[0], down)}{cell('甲', down)}{cell(10)}</Row>"
        f"<Row>{cell(20, third)}</Row>"
        f"<Row>{cell(U[1])}{cell('乙')}{cell(5)}</Row>"
    )
    path = spreadsheet_ml(tmp_path / "地.xls", [("用地", rows), ("旧", f"<Row>{cell(U[2])}</Row>")],
                          hidden=["旧"])  # fmt: skip
    (sheet,) = read_sheets(path)
    assert sheet.context.title_lines == ("某县用地统计表",)
    assert sheet.context.hidden_sheets == ("旧",)
    result = run(land=path)
    assert fact(result, U[0], "land_mu") == 30.0
    assert fact(result, U[1], "land_mu") == 5.0


# ---- not tables ---- #
def test_a_pdf_renamed_xlsx_is_named_a_pdf(tmp_path: Path) -> None:
    path = pdf(tmp_path / "用地.xlsx")
    with pytest.raises(DataError, match="这是 PDF 文件") as info:
        run(land=path)
    assert "用地.xlsx" in str(info.value)


def test_an_excel_lock_file_says_the_workbook_is_open(tmp_path: Path) -> None:
    path = lock_file(tmp_path, "税务.xlsx")
    with pytest.raises(DataError, match="该工作簿正在 Excel 中打开") as info:
        run(tax=path)
    assert "~$税务.xlsx" in str(info.value) and "“税务.xlsx”" in str(info.value)


@pytest.mark.parametrize(("name", "data", "said"), [
    ("图.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "图片"),
    ("包.xlsx", b"Rar!\x1a\x07\x00" + b"\0" * 64, "RAR"),
])  # fmt: skip
def test_other_files_that_are_not_tables(tmp_path: Path, name: str, data: bytes, said: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DataError, match=said):
        read_sheets(path)


# ---- CSV ---- #
def test_gbk_with_one_utf8_line_is_refused_not_mojibake(tmp_path: Path) -> None:
    body = "统一社会信用代码,企业名称,工业增加值（万元）\n" + f"{U[0]},甲机械,5\n"
    path = gbk_with_utf8_tail(tmp_path / "混合.csv", body, f"{U[1]},乙电子,6\n")
    with pytest.raises(DataError) as info:
        read_sheets(path)
    message = str(info.value)
    assert "混合.csv" in message and "两种编码" in message and "第 3 行" in message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16-le", "utf-16-be"])
def test_one_encoding_throughout_is_read(tmp_path: Path, encoding: str) -> None:
    content = "统一社会信用代码,企业名称,工业增加值（万元）\n" + f"{U[0]},喆犇公司,5\n"
    result = run(stats=text(tmp_path / "统计.csv", content, encoding))
    assert fact(result, U[0], "name") == "喆犇公司"


@pytest.mark.parametrize("first", ["某县2023年规上工业企业主要指标", "sep=;"])
def test_csv_width_comes_from_the_data_not_line_one(tmp_path: Path, first: str) -> None:
    sep = ";" if first.startswith("sep") else ","
    lines = [first, sep.join(STATS), sep.join([U[0], "甲", "5", "6"])]
    result = run(stats=text(tmp_path / "统计.csv", "\n".join(lines) + "\n"))
    assert fact(result, U[0], "revenue_wan") == 6.0


def test_unquoted_thousands_separator_rejects_the_row_never_shifts(tmp_path: Path) -> None:
    lines = [",".join(STATS), f"{U[0]},甲,5,6", f"{U[1]},乙,1,234.5,7", f"{U[2]},丙,8,9"]
    result = run(stats=text(tmp_path / "统计.csv", "\n".join(lines) + "\n"))
    assert sorted(result.facts.get_column("uscc")) == sorted([U[0], U[2]])
    line = result.failures.filter(pl.col("row") == 3).row(0, named=True)
    assert line["outcome"] == "rejected" and "千位分隔符" in line["reason"]
    assert U[1] in line["value"]


def test_a_transposed_table_is_refused(tmp_path: Path) -> None:
    rows = [["指标", "甲有限公司", "乙有限公司", "丙有限公司"],
            ["统一社会信用代码", U[0], U[1], U[2]],
            ["工业增加值（万元）", 5, 6, 7],
            ["营业收入（万元）", 50, 60, 70]]  # fmt: skip
    path = workbook(tmp_path / "转置.xlsx", [("指标", rows)])
    with pytest.raises(DataError, match="转置") as info:
        run(stats=path)
    assert "转置.xlsx" in str(info.value)


# ---- around the table ---- #
def test_unit_line_directly_above_the_header(tmp_path: Path) -> None:
    rows = [["金额单位：元"], ["纳税人识别号", "纳税人名称", "实缴税金"], [U[0], "甲", "1,000,000"]]
    result = run(tax=workbook(tmp_path / "税.xlsx", [("税", rows)]))
    assert fact(result, U[0], "tax_wan") == pytest.approx(100.0)


def test_unit_only_in_a_footnote_below_the_table(tmp_path: Path) -> None:
    rows = [["统一社会信用代码", "企业名称", "用地面积"], [U[0], "甲", 2], [U[1], "乙", 1], [],
            ["注：面积单位为公顷"], ["制表人：张三", "审核人：李四"]]  # fmt: skip
    path = workbook(tmp_path / "地.xlsx", [("用地", rows)])
    (sheet,) = read_sheets(path)
    assert sheet.context.footnotes == ("注：面积单位为公顷", "制表人：张三  审核人：李四")
    assert sheet.context.unit_hint == "公顷"
    result = run(land=path)
    assert fact(result, U[0], "land_mu") == pytest.approx(30.0)
    skipped = result.failures.filter(pl.col("outcome") == "skipped")
    assert skipped.get_column("row").to_list() == [5, 6]
    assert skipped.get_column("reason").str.contains("注释行").all()
    assert "单位取自表格下方的注释" in notes(result)


def test_title_and_condition_rows_are_exposed(tmp_path: Path) -> None:
    rows = [["某县2024年度税收入库明细"], ["入库日期：2024-01-01至2024-12-31", None, "金额单位：万元"],
            ["纳税人识别号", "纳税人名称", "实缴税金"], [U[0], "甲", 3]]  # fmt: skip
    (sheet,) = read_sheets(workbook(tmp_path / "税.xlsx", [("明细", rows)]))
    ctx = sheet.context
    assert ctx.title_lines == (
        "某县2024年度税收入库明细",
        "入库日期：2024-01-01至2024-12-31  金额单位：万元",
    )
    assert ctx.condition("入库日期") == "2024-01-01至2024-12-31"
    assert ctx.condition("金额单位") == "万元"
    assert [(h.label, h.unit, h.where) for h in ctx.unit_hints] == [("金额", "万元", "title")]


# ---- merged and spanned cells ---- #
def test_firm_cells_merged_over_parcels_fill_down_only_inside(tmp_path: Path) -> None:
    rows = [["统一社会信用代码", "企业名称", "用地面积（亩）"], [U[0], "甲", 10], [None, None, 20],
            [None, None, 5], [U[1], "乙", 7], [None, None, 1]]  # fmt: skip
    path = workbook(tmp_path / "地.xlsx", [("宗地", rows)], merges={"宗地": ["A2:A4", "B2:B4"]})
    result = run(land=path)
    assert fact(result, U[0], "land_mu") == 35.0
    assert fact(result, U[1], "land_mu") == 7.0
    lost = result.failures.filter(pl.col("row") == 6).row(0, named=True)  # outside any merge
    assert lost["outcome"] == "rejected"
    assert "合并单元格 2 处" in notes(result)


def test_merged_township_cells_in_a_register(tmp_path: Path) -> None:
    rows = [["统一社会信用代码", "企业名称", "乡镇（街道）"], [U[0], "甲", "城关镇"], [U[1], "乙", None],
            [U[2], "丙", "白鹤镇"]]  # fmt: skip
    path = workbook(tmp_path / "名录.xlsx", [("名录", rows)], merges={"名录": ["C2:C3"]})
    result = run(register=path)
    assert fact(result, U[1], "township") == "城关镇"
    assert fact(result, U[2], "township") == "白鹤镇"


def test_html_rowspan_is_expanded(tmp_path: Path) -> None:
    html = ("<html><meta charset='gbk'><table>"
            "<tr><th>统一社会信用代码</th><th>企业名称</th><th>用地面积（亩）</th></tr>"
            f"<tr><td rowspan='2'>{U[0]}</td><td rowspan=2>甲</td><td>10</td></tr>"
            "<tr><td>20</td></tr>"
            f"<tr><td>{U[1]}</td><td>乙</td><td>4</td></tr></table></html>")  # fmt: skip
    result = run(land=text(tmp_path / "地.xls", html, "gbk"))
    assert fact(result, U[0], "land_mu") == 30.0
    assert fact(result, U[1], "land_mu") == 4.0
    assert "合并单元格 2 处（A2:A3、B2:B3）值已填入" in notes(result)


def test_an_amount_merged_over_rows_counts_once(tmp_path: Path) -> None:
    rows = [
        ["统一社会信用代码", "企业名称", "用地面积（亩）"],
        [U[0], "甲", 12],
        [U[0], "甲", None],
    ]
    path = workbook(tmp_path / "地.xlsx", [("宗地", rows)], merges={"宗地": ["C2:C3"]})
    result = run(land=path)
    assert fact(result, U[0], "land_mu") == 12.0
    assert "未向下填充（避免重复计数）" in notes(result)


def test_a_header_repeated_inside_the_table_is_skipped(tmp_path: Path) -> None:
    rows = [STATS, [U[0], "甲", 1, 2], STATS, [U[1], "乙", 3, 4]]
    result = run(stats=workbook(tmp_path / "分页.xlsx", [("统计", rows)]))
    assert sorted(result.facts.get_column("uscc")) == sorted(U[:2])
    line = result.failures.row(0, named=True)
    assert (line["row"], line["outcome"]) == (3, "skipped") and "重复的表头行" in line["reason"]


def test_a_csv_condition_line_is_not_taken_for_the_header(tmp_path: Path) -> None:
    lines = ["管理机关：某县统计局,报表期：2023年,金额单位：万元", ",".join(STATS),
             f"{U[0]},甲,5,6", f"{U[1]},乙,1,234.5,7"]  # fmt: skip
    result = run(stats=text(tmp_path / "统计.csv", "\n".join(lines) + "\n"))
    assert result.facts.get_column("uscc").to_list() == [U[0]]
    assert result.failures.filter(pl.col("outcome") == "rejected").get_column("row").to_list() == [
        4
    ]


def test_every_amount_split_at_its_thousands_separator_is_rejected(tmp_path: Path) -> None:
    content = f"纳税人识别号,纳税人名称,实缴税金\n{U[0]},甲,1,234.56\n{U[1]},乙,2,345.00\n"
    (sheet,) = read_sheets(text(tmp_path / "税.csv", content))
    assert sorted(sheet.rejected) == [1, 2]


def test_a_last_column_without_header_is_left_unread_and_said(tmp_path: Path) -> None:
    content = f"纳税人识别号,纳税人名称,实缴税金\n{U[0]},甲,12.5,备注甲\n{U[1]},乙,3,备注乙\n"
    result = run(tax=text(tmp_path / "税.csv", content))
    assert fact(result, U[0], "tax_wan") == 12.5
    assert "多出的列没有表头" in notes(result)


@pytest.mark.parametrize(("title", "footnote", "expected"), [
    (["某县用地统计表", None, "单位：公顷"], None, 30.0),
    (None, "注：以上面积均为公顷", 30.0),
    (None, "本表面积以亩计", 2.0),
    (None, "说明：数据来源于不动产登记系统，单位：平方米", 0.003),
])  # fmt: skip
def test_units_stated_outside_the_header_in_several_ways(
    tmp_path: Path, title: list[object] | None, footnote: str | None, expected: float
) -> None:
    rows: list[list[object]] = [title] if title else []
    rows += [["统一社会信用代码", "企业名称", "用地面积"], [U[0], "甲", 2]]
    rows += [[], [footnote]] if footnote else []
    result = run(land=workbook(tmp_path / "地.xlsx", [("用地", rows)]))
    assert fact(result, U[0], "land_mu") == pytest.approx(expected)


def test_sheets_holding_firm_codes_are_counted(tmp_path: Path) -> None:
    rows = [["代码", "名称"], [U[0], "甲"], [f" {U[1].lower()} ", "乙"]]
    path = workbook(tmp_path / "表.xlsx", [("数据", rows), ("说明", [["填表说明"]])])
    assert [s.context.coded_rows for s in read_sheets(path)] == [2, 0]


def test_an_html_table_declared_gbk_but_written_in_utf8(tmp_path: Path) -> None:
    html = ("<html><meta charset='gbk'><table><tr><td>统一社会信用代码</td><td>企业名称</td>"
            f"<td>工业增加值（万元）</td></tr><tr><td>{U[0]}</td><td>甲机械有限公司</td><td>3</td>"
            "</tr></table></html>")  # fmt: skip
    result = run(stats=text(tmp_path / "统计.xls", html, "utf-8"))
    assert fact(result, U[0], "name") == "甲机械有限公司"


def test_hidden_rows_and_columns_are_read_and_said(tmp_path: Path) -> None:
    rows = [[*STATS, "备注"], [U[0], "甲", 1, 2, "x"], [U[1], "乙", 3, 4, "y"]]
    path = workbook(tmp_path / "统计.xlsx", [("统计", rows)])
    book = __import__("openpyxl").load_workbook(path)
    book["统计"].row_dimensions[3].hidden = True
    book["统计"].column_dimensions["E"].hidden = True
    book.save(path)
    result = run(stats=path)
    assert sorted(result.facts.get_column("uscc")) == sorted(U[:2])
    said = notes(result)
    assert "有 1 行在 Excel 中被隐藏（第 3 行），仍按数据读取" in said
    assert "隐藏的列 E 仍按数据读取" in said
