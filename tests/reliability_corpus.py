"""A corpus of broken departmental inputs, made by code (data_formats.md §7 and more).

Each `Defect` builds its files in a folder and says what must come of them: an `Error` (one
`MujunError` naming the file, and where known the sheet, row and column) or an import that
reconciles (read = accepted + rejected + skipped) with the problem reported (`Reported`: a
failure row with its reason, row and column; `Warned`: a plausibility warning; `Value`: the
value that must come out, e.g. a date written five ways).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from ingest import file_fixtures as ff

from mujun.testing import make_uscc

U = [make_uscc(i) for i in range(20)]
TAX = ["纳税人识别号", "纳税人名称", "实缴税金（万元）"]
STATS = ["统一社会信用代码", "企业名称", "工业增加值（万元）", "营业收入（万元）"]
LAND = ["统一社会信用代码", "企业名称", "用地面积（亩）"]
REGISTER = ["统一社会信用代码", "企业名称", "乡镇（街道）", "行业代码", "投产日期"]
EMISSIONS = ["统一社会信用代码", "企业名称", "化学需氧量（吨）"]

Files = dict[str, list[Path]]


@dataclass(frozen=True)
class Error:
    """The import stops with one message naming the file and each fragment."""

    fragments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reported:
    """The import reconciles; a failure row carries ``reason`` (and the row and column)."""

    reason: str
    row: int | None = None
    column: str | None = None
    outcome: str = "rejected"


@dataclass(frozen=True)
class Warned:
    """The import reconciles; a plausibility warning says ``message``; values are unchanged."""

    message: str


@dataclass(frozen=True)
class Value:
    """The import reconciles and the firm's ``column`` is ``value``."""

    uscc: str
    column: str
    value: object
    reported: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Noted:
    """The import reconciles and the file's notes say ``note`` (e.g. an ignored column)."""

    note: str


Expect = Error | Reported | Warned | Value | Noted


@dataclass(frozen=True)
class Defect:
    name: str
    build: Callable[[Path], Files]
    expect: Expect


def xlsx(path: Path, rows: Sequence[Sequence[object]], *, sheet: str | None = None,
         merges: Sequence[str] = (), before: Sequence[tuple[str, Sequence[Sequence[object]]]] = ()
         ) -> Path:  # fmt: skip
    """A workbook; ``before`` adds sheets ahead of the data sheet."""
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    for i, (title, other) in enumerate(before):
        ws = first if i == 0 else book.create_sheet()
        ws.title = title
        for row in other:
            ws.append(list(row))
    data = book.create_sheet() if before else first
    if sheet:
        data.title = sheet
    for row in rows:
        data.append(list(row))
    for span in merges:
        data.merge_cells(span)
    book.save(path)
    return path


def text(path: Path, content: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(content.encode(encoding))
    return path


def one(source: str, name: str, make: Callable[[Path], Path]) -> Callable[[Path], Files]:
    return lambda tmp: {source: [make(tmp / name)]}


def tax_rows(*rows: Sequence[object]) -> Callable[[Path], Files]:
    return one("tax", "税务.xlsx", lambda p: xlsx(p, [TAX, *rows]))


def stats_rows(*rows: Sequence[object]) -> Callable[[Path], Files]:
    return one("stats", "统计.xlsx", lambda p: xlsx(p, [STATS, *rows]))


def land_rows(header: Sequence[str], *rows: Sequence[object]) -> Callable[[Path], Files]:
    return one("land", "用地.xlsx", lambda p: xlsx(p, [header, *rows]))


def with_tax(build: Callable[[Path], Files], per_firm_tax: float = 50.0) -> Callable[[Path], Files]:
    """Adds a tax file for U[0] and U[1] (plausibility needs tax beside land)."""

    def both(tmp: Path) -> Files:
        files = build(tmp)
        files["tax"] = [
            xlsx(tmp / "税务.xlsx", [TAX, [U[0], "甲", per_firm_tax], [U[1], "乙", per_firm_tax]])
        ]
        return files

    return both


def register_dates(*cells: object) -> Callable[[Path], Files]:
    rows = [[U[i], f"企业{i}", "城关镇", "3311", c] for i, c in enumerate(cells)]
    return one("register", "名录.xlsx", lambda p: xlsx(p, [REGISTER, *rows]))


def zip_bomb(path: Path, megabytes: int) -> Path:
    """An .xlsx whose one sheet inflates to ``megabytes`` MB (it compresses ~1000:1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(
            "xl/workbook.xml", "<workbook><sheets><sheet name='a' r:id='rId1'/></sheets></workbook>"
        )
        z.writestr("xl/_rels/workbook.xml.rels", "<Relationships/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as handle:
            block = b" " * (1 << 20)
            for _ in range(megabytes):
                handle.write(block)
    return path


def corpus() -> list[Defect]:  # noqa: PLR0915 - one flat table reads best
    d: list[Defect] = []

    def add(name: str, build: Callable[[Path], Files], expect: Expect) -> None:
        d.append(Defect(name, build, expect))

    # ---- files that cannot be read ----
    add("empty file", one("tax", "空.xlsx", lambda p: text(p, "")), Error(("文件是空的",)))
    add("zero-byte csv", one("stats", "空.csv", lambda p: text(p, "")), Error(("文件是空的",)))
    add(
        "corrupt zip",
        one("tax", "坏.xlsx", lambda p: (p.write_bytes(b"PK\x03\x04garbage"), p)[1]),
        Error(("xlsx",)),
    )
    add(
        "truncated xlsx",
        one(
            "stats",
            "截断.xlsx",
            lambda p: (p.write_bytes(xlsx(p, [STATS, [U[0], "甲", 1, 2]]).read_bytes()[:300]), p)[
                1
            ],
        ),
        Error(("xlsx",)),
    )
    add(
        "password-protected workbook",
        one(
            "tax",
            "加密.xlsx",
            lambda p: (
                p.write_bytes(
                    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
                    + "EncryptedPackage".encode("utf-16-le")
                    + b"\0" * 600
                ),
                p,
            )[1],
        ),
        Error(("设有密码",)),
    )
    add(
        "ole file that is not a workbook",
        one(
            "tax",
            "文档.xls",
            lambda p: (p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), p)[1],
        ),
        Error(("文档.xls",)),
    )
    add(
        "binary junk named .csv",
        one("stats", "乱码.csv", lambda p: (p.write_bytes(bytes(range(256)) * 8), p)[1]),
        Error(()),
    )
    add(
        "zip bomb (inflates to 80 MB, limit 64 MB)",
        one("stats", "炸弹.xlsx", lambda p: zip_bomb(p, 80)),
        Error(("解压", "MUJUN_MAX_UNZIPPED_MB")),
    )
    add(
        "oversized file (limit 1 MB)",
        one(
            "stats",
            "大文件.csv",
            lambda p: text(p, "统一社会信用代码,企业名称\n" + f"{U[0]},甲\n" * 60_000),
        ),
        Error(("上限", "MUJUN_MAX_FILE_MB")),
    )
    add("missing file", lambda tmp: {"tax": [tmp / "不存在.xlsx"]}, Error(("不存在.xlsx",)))
    add("a folder instead of a file", lambda tmp: {"tax": [tmp]}, Error(()))
    # ---- layout ----
    # issue 13: a file without a single data row is an error, never an empty import
    add("only a header row", stats_rows(), Error(("没有数据行",)))
    add(
        "no header row at all",
        one("stats", "无表头.xlsx", lambda p: xlsx(p, [["随便", "什么"], [1, 2]])),
        Error(("没有找到", "随便")),
    )
    add(
        "data on the second sheet, notes on the first",
        one(
            "stats",
            "多表.xlsx",
            lambda p: xlsx(
                p,
                [STATS, [U[0], "甲", 10, 20]],
                sheet="数据",
                before=[("说明", [["本表说明"], ["单位：万元"]])],
            ),
        ),
        Value(U[0], "value_added_wan", 10.0),
    )
    add(
        "title and condition rows above the header",
        one(
            "tax",
            "标题.xlsx",
            lambda p: xlsx(
                p,
                [
                    ["某县税收统计表"],
                    ["金额单位：元"],
                    [],
                    ["纳税人识别号", "纳税人名称", "实缴税金"],
                    [U[0], "甲", "1,000,000"],
                ],
            ),
        ),
        Value(U[0], "tax_wan", 100.0),
    )
    add(
        "two-row merged header",
        one(
            "stats",
            "双表头.xlsx",
            lambda p: xlsx(
                p,
                [
                    ["统一社会信用代码", "企业名称", "主要指标", None],
                    [None, None, "工业增加值（万元）", "营业收入（万元）"],
                    [U[0], "甲", 7, 8],
                ],
                merges=["C1:D1"],
            ),
        ),
        Value(U[0], "revenue_wan", 8.0),
    )
    add(
        "newline and full-width space in headers",
        one(
            "stats",
            "换行.xlsx",
            lambda p: xlsx(
                p,
                [["统一社会\n信用代码", "企业\u3000名称", "工业增加值\n（万元）"], [U[0], "甲", 3]],
            ),
        ),
        Value(U[0], "value_added_wan", 3.0),
    )
    add(
        "duplicated header columns",
        one(
            "stats",
            "重复列.xlsx",
            lambda p: xlsx(
                p,
                [
                    ["统一社会信用代码", "企业名称", "工业增加值（万元）", "工业增加值（万元）"],
                    [U[0], "甲", 3, 4],
                ],
            ),
        ),
        Error(("工业增加值",)),
    )
    add(
        "blank rows between data rows",
        stats_rows([U[0], "甲", 1, 2], [], [None, None, None, None], [U[1], "乙", 3, 4]),
        Value(U[1], "value_added_wan", 3.0),
    )
    add(
        "小计 in the middle, 合计 at the end",
        tax_rows([U[0], "甲", 10], ["小计", None, 10], [U[1], "乙", 5], ["合计", None, 15]),
        Reported("合计", outcome="skipped"),
    )
    add(
        "总计 row with an id-like blank",
        tax_rows([U[0], "甲", 10], [None, "总计", 10]),
        Reported("合计", outcome="skipped"),
    )
    add(
        "merged firm cells across data rows",
        one(
            "stats",
            "合并.xlsx",
            lambda p: xlsx(
                p,
                [STATS, [U[0], "甲", 1, 2], [None, None, 3, 4], [U[1], "乙", 5, 6]],
                merges=["A2:A3", "B2:B3"],
            ),
        ),
        # merged cells are filled down inside their range: two statistics rows for one firm
        Reported("冲突", row=2),
    )
    add(
        "table starting at C4",
        one("stats", "偏移.xlsx", offset_table),
        Reported("不是有效数字", row=5, column="E列"),
    )
    add(
        "a column mujun does not know",
        one(
            "stats",
            "未知列.csv",
            lambda p: text(p, f"统一社会信用代码,企业名称,value_added_wan\n{U[0]},甲,5\n"),
        ),
        # issue 13: a statistics file without value added, revenue or output is refused,
        # naming the columns it has (the unknown numeric column among them)
        Error(("value_added_wan", "--map")),
    )
    add(
        "semicolon-separated csv",
        one(
            "stats",
            "分号.csv",
            lambda p: text(p, f"统一社会信用代码;企业名称;工业增加值（万元）\n{U[0]};甲;5\n"),
        ),
        Value(U[0], "value_added_wan", 5.0),
    )
    add(
        "csv with CRLF, BOM and quoted newline",
        one(
            "stats",
            "crlf.csv",
            lambda p: text(
                p,
                f'\ufeff统一社会信用代码,企业名称,工业增加值（万元）\r\n{U[0]},"甲\r\n有限公司",5\r\n',
            ),
        ),
        Value(U[0], "value_added_wan", 5.0),
    )
    add(
        "xlsx named .csv",
        one(
            "stats",
            "其实是表格.csv",
            lambda p: (
                p.write_bytes(
                    xlsx(p.with_suffix(".x.xlsx"), [STATS, [U[0], "甲", 6, 7]]).read_bytes()
                ),
                p,
            )[1],
        ),
        Value(U[0], "value_added_wan", 6.0),
    )
    add(
        "csv named .xlsx",
        one(
            "stats",
            "其实是文本.xlsx",
            lambda p: text(p, f"统一社会信用代码,企业名称,工业增加值（万元）\n{U[0]},甲,9\n"),
        ),
        Value(U[0], "value_added_wan", 9.0),
    )
    add(
        "HTML table saved as .xls",
        one(
            "stats",
            "网页.xls",
            lambda p: text(
                p,
                f"<html><table><tr><th>统一社会信用代码</th><th>企业名称</th><th>工业增加值（万元）</th></tr><tr><td>{U[0]}</td><td>甲</td><td>4</td></tr></table></html>",
                "gbk",
            ),
        ),
        Value(U[0], "value_added_wan", 4.0),
    )
    add(
        "HTML page without a table",
        one("stats", "空网页.xls", lambda p: text(p, "<html><body>系统繁忙</body></html>")),
        Error(()),
    )
    # ---- encodings ----
    add(
        "GB18030 csv with rare characters",
        one(
            "stats",
            "gbk.csv",
            lambda p: text(
                p,
                f"统一社会信用代码,企业名称,工业增加值（万元）\n{U[0]},喆犇珺镕公司,2\n",
                "gb18030",
            ),
        ),
        Value(U[0], "name", "喆犇珺镕公司"),
    )
    add(
        "UTF-16 csv",
        one(
            "stats",
            "utf16.csv",
            lambda p: text(
                p, f"统一社会信用代码,企业名称,工业增加值（万元）\n{U[0]},甲,2\n", "utf-16"
            ),
        ),
        Value(U[0], "value_added_wan", 2.0),
    )
    add(
        "Big5 csv (wrong encoding)",
        one(
            "stats",
            "big5.csv",
            lambda p: text(
                p, f"統一社會信用代碼,企業名稱,工業增加值（萬元）\n{U[0]},甲,2\n", "big5"
            ),
        ),
        Error(()),
    )
    # ---- identities ----
    add(
        "USCC as a float cell",
        tax_rows([9.13310231e17, "科学计数", 1.0]),
        Reported("按文本导出", row=2),
    )
    add(
        "USCC as scientific-notation text",
        tax_rows(["9.13310231E+17", "文本", 1.0]),
        Reported("按文本导出", row=2),
    )
    add(
        "USCC with a wrong check character",
        tax_rows([U[3][:-1] + ("1" if U[3][-1] != "1" else "2"), "校验", 1.0]),
        Reported("校验位", row=2, column="A列"),
    )
    add(
        "USCC containing O",
        tax_rows(["91331023MA2ABCDE1O", "含O", 1.0]),
        Reported("I/O/S/V/Z", row=2),
    )
    add("USCC too short", tax_rows([U[0][:16], "短", 1.0]), Reported("18", row=2))
    add(
        "USCC blank with an amount",
        tax_rows([None, "无代码", 3.0]),
        Reported("统一社会信用代码", row=2),
    )
    add(
        "USCC lower case with spaces",
        tax_rows([f"  {U[4].lower()} ", "小写", 2.0]),
        Value(U[4], "tax_wan", 2.0),
    )
    add(
        "USCC in full-width characters",
        tax_rows([U[5].translate({i: i + 0xFEE0 for i in range(0x21, 0x7F)}), "全角", 2.0]),
        Value(U[5], "tax_wan", 2.0),
    )
    add(
        "same firm twice, same values",
        stats_rows([U[0], "甲", 1, 2], [U[0], "甲", 1, 2]),
        Reported("重复", outcome="skipped"),
    )
    add(
        "same firm twice, different values",
        stats_rows([U[0], "甲", 1, 2], [U[0], "甲", 5, 2]),
        Reported("冲突"),
    )
    # ---- numbers ----
    add(
        "text in a number column",
        stats_rows([U[0], "甲", "abc", 1]),
        Reported("不是有效数字", row=2, column="C列"),
    )
    add(
        "a column of mixed types",
        stats_rows([U[0], "甲", 1, 2], [U[1], "乙", "二", 2], [U[2], "丙", 3.5, 2]),
        Reported("不是有效数字", row=3, column="C列"),
    )
    add(
        "thousands separators and full-width digits",
        stats_rows([U[0], "甲", "１，２３４.５", "2,000"]),
        Value(U[0], "value_added_wan", 1234.5),
    )
    add("negative in parentheses", tax_rows([U[0], "甲", "（1.5）"]), Value(U[0], "tax_wan", -1.5))
    add("missing markers", stats_rows([U[0], "甲", "—", "/"]), Value(U[0], "value_added_wan", None))
    add("zero is a value", stats_rows([U[0], "甲", 0, 0]), Value(U[0], "value_added_wan", 0.0))
    not_a_number = Reported("不是有效数字", row=2, column="C列")
    for label, cell, expect in [
        ("'inf' text", "inf", not_a_number),
        ("'NaN' text (a missing marker)", "NaN", Value(U[0], "value_added_wan", None)),
        ("overflow 1e400", "1e400", not_a_number),
        ("Excel error value", "#DIV/0!", Value(U[0], "value_added_wan", None)),
        ("number with a unit word", "12万元", not_a_number),
    ]:
        add(label, stats_rows([U[0], "甲", cell, 1]), expect)
    add(
        "percentage in an amount column",
        stats_rows([U[0], "甲", "15%", 1]),
        Value(U[0], "value_added_wan", 0.15),
    )
    add(
        "very long text in a number cell",
        stats_rows([U[0], "甲", "9" * 5000, 1]),
        Reported("不是有效数字", row=2, column="C列"),
    )
    add(
        "negative employees",
        one(
            "stats",
            "人数.xlsx",
            lambda p: xlsx(
                p, [["统一社会信用代码", "企业名称", "从业人员平均人数"], [U[0], "甲", -5]]
            ),
        ),
        Reported("负", row=2, column="C列"),
    )
    # ---- units and plausibility ----
    add(
        "tax in 元 labelled 万元",
        lambda tmp: {
            "tax": [xlsx(tmp / "t.xlsx", [TAX, [U[0], "甲", 1_500_000]])],
            "land": [xlsx(tmp / "l.xlsx", [LAND, [U[0], "甲", 10]])],
        },
        Warned("可能是“元”"),
    )
    add(
        "land in m² labelled 亩 (×666.67), typical plots",
        with_tax(land_rows(LAND, [U[0], "甲", 4000], [U[1], "乙", 6667], [U[2], "丙", 13000])),
        Warned("整份用地数据可能是平方米"),
    )
    add(
        "land in 亩 labelled m² (÷666.67)",
        with_tax(
            land_rows(
                ["统一社会信用代码", "企业名称", "用地面积（平方米）"],
                [U[0], "甲", 12],
                [U[1], "乙", 30],
            )
        ),
        Warned("不足"),
    )
    add(
        "land in m² labelled 公顷 (×10000/666.67)",
        with_tax(
            land_rows(
                ["统一社会信用代码", "企业名称", "用地面积（公顷）"],
                [U[0], "甲", 6667],
                [U[1], "乙", 20000],
            )
        ),
        Warned("平方米"),
    )
    add("negative land", land_rows(LAND, [U[0], "甲", -3]), Reported("负", row=2, column="C列"))
    add(
        "land leased out exceeds own",
        one(
            "land",
            "出租.xlsx",
            lambda p: xlsx(
                p,
                [
                    ["统一社会信用代码", "企业名称", "自有用地面积（亩）", "出租用地面积（亩）"],
                    [U[0], "甲", 5, 8],
                ],
            ),
        ),
        Warned("为负"),
    )
    # ---- dates ----
    for label, cell in [
        ("ISO", "2019-03-01"),
        ("slashes", "2019/3/1"),
        ("compact", "20190301"),
        ("Chinese", "2019年3月1日"),
        ("Excel serial", 43525),
        ("dotted", "2019.03.01"),
    ]:
        add(
            f"production date, {label}",
            register_dates(cell),
            Value(U[0], "production_start", dt.date(2019, 3, 1)),
        )
    # issue 13: a register's bad cell is cleared and reported, the firm's row kept
    add(
        "impossible date",
        register_dates("2019-02-30"),
        Reported("日期", row=2, column="E列", outcome="cleared"),
    )
    add("date far in the future", register_dates("2099-01-01"), Warned("晚于数据年度"))
    # ---- codes ----
    add(
        "industry code as a number cell",
        one(
            "register",
            "行业.xlsx",
            lambda p: xlsx(p, [REGISTER, [U[0], "甲", "城关镇", 3311, None]]),
        ),
        Value(U[0], "industry_code", "3311"),
    )
    add(
        "industry as an old-edition name",
        one(
            "register",
            "行业名.xlsx",
            lambda p: xlsx(p, [REGISTER, [U[0], "甲", "城关镇", "通用设备制造业", None]]),
        ),
        Value(U[0], "industry_code", "34"),
    )
    add(
        "industry code unknown",
        one(
            "register",
            "行业2.xlsx",
            lambda p: xlsx(p, [REGISTER, [U[0], "甲", "城关镇", "ABCD", None]]),
        ),
        Reported("行业", row=2, column="D列", outcome="cleared"),
    )
    add(
        "unknown emission status text",
        one(
            "emissions",
            "排放.xlsx",
            lambda p: xlsx(p, [[*EMISSIONS, "排放状态"], [U[0], "甲", None, "说不清"]]),
        ),
        Reported("排放状态", row=2),
    )
    add(
        "meter without a firm",
        lambda tmp: {
            "energy": [text(tmp / "电.csv", "户号,户名,用电量（千瓦时）\n0009,无主,100\n")],
            "meters": [text(tmp / "户号.csv", f"户号,统一社会信用代码\n0001,{U[0]}\n")],
        },
        Reported("户号", outcome="rejected"),
    )
    _file_level(add)
    _field_level(add)
    return d


def _file_level(add: Callable[[str, Callable[[Path], Files], Expect], None]) -> None:
    """Files as department systems really write them (issue 13, file and grid level)."""
    table_c4 = {"C4": "统一社会信用代码", "D4": "企业名称", "E4": "工业增加值（万元）",
                "C5": U[6], "D5": "庚", "E5": "n/a?", "C6": U[7], "D6": "辛", "E6": 3}  # fmt: skip
    stats_csv = ",".join(STATS)
    add(
        "Excel 95 (BIFF5) workbook in GBK",
        one(
            "stats", "九五.xls", lambda p: ff.biff5(p, [("数据", [STATS, [U[0], "甲机械", 1, 2]])])
        ),
        Value(U[0], "name", "甲机械"),
    )
    add(
        "formula cells without cached values",
        one(
            "stats",
            "公式.xlsx",
            lambda p: ff.workbook(p, [("数据", [STATS, [U[0], "甲", "=1+1", 2]])]),
        ),
        Error(("公式单元格没有计算结果", "数据!C2")),
    )
    add(
        "GBK csv with one UTF-8 line appended",
        one(
            "stats",
            "混合.csv",
            lambda p: ff.gbk_with_utf8_tail(
                p, f"{stats_csv}\n{U[0]},甲,1,2\n", f"{U[1]},乙公司,3,4\n"
            ),
        ),
        Error(("两种编码", "第 3 行")),
    )
    for label, ref in (("without", None), ("with a stale", "A1:B2")):
        add(
            f"xlsx {label} <dimension>",
            one("stats", "维度.xlsx", lambda p, ref=ref: ff.set_dimension(ff.at(p, table_c4), ref)),
            Reported("不是有效数字", row=5, column="E列"),
        )
    add("PDF renamed .xlsx", one("land", "用地.xlsx", ff.pdf), Error(("这是 PDF 文件",)))
    add(
        "Excel lock file ~$",
        lambda tmp: {"tax": [ff.lock_file(tmp, "税务.xlsx")]},
        Error(("该工作簿正在 Excel 中打开", "“税务.xlsx”")),
    )
    add(
        "Word document named .xls",
        one(
            "stats", "说明.xls", lambda p: (p.write_bytes(ff.ole(b"x" * 64, "WordDocument")), p)[1]
        ),
        Error(("Word",)),
    )
    add(
        "csv whose first line is a title",
        one(
            "stats",
            "标题.csv",
            lambda p: text(p, f"某县2023年规上工业企业主要指标\n{stats_csv}\n{U[0]},甲,5,6\n"),
        ),
        Value(U[0], "revenue_wan", 6.0),
    )
    add(
        "csv with Excel's sep=; line",
        one("stats", "sep.csv", lambda p: text(p, f"sep=;\n{';'.join(STATS)}\n{U[0]};甲;5;6\n")),
        Value(U[0], "revenue_wan", 6.0),
    )
    add(
        "csv with unquoted thousands separators",
        one(
            "stats",
            "千分位.csv",
            lambda p: text(p, f"{stats_csv}\n{U[0]},甲,5,6\n{U[1]},乙,1,234.5,7\n"),
        ),
        Reported("千位分隔符", row=3, column="（整行）"),
    )
    add(
        "transposed table (indicators as rows)",
        one(
            "stats",
            "转置.xlsx",
            lambda p: ff.workbook(
                p,
                [
                    (
                        "表",
                        [
                            ["指标", "甲有限公司", "乙有限公司"],
                            ["统一社会信用代码", U[0], U[1]],
                            ["工业增加值（万元）", 5, 6],
                            ["营业收入（万元）", 7, 8],
                        ],
                    )
                ],
            ),
        ),
        Error(("转置",)),
    )
    add(
        "hidden sheet beside the data",
        one(
            "stats",
            "隐藏.xlsx",
            lambda p: ff.workbook(
                p,
                [("数据", [STATS, [U[0], "甲", 1, 2]]), ("旧", [STATS, [U[1], "乙", 3, 4]])],
                hidden=["旧"],
            ),
        ),
        Noted("隐藏的工作表未读取：旧"),
    )
    add(
        "every sheet hidden",
        one(
            "stats",
            "全隐藏.xlsx",
            lambda p: ff.hide_every_sheet(ff.workbook(p, [("数据", [STATS, [U[0], "甲", 1, 2]])])),
        ),
        Error(("全部是隐藏的",)),
    )
    add(
        "unit line directly above the header",
        one(
            "tax",
            "单位行.xlsx",
            lambda p: xlsx(
                p,
                [
                    ["金额单位：元"],
                    ["纳税人识别号", "纳税人名称", "实缴税金"],
                    [U[0], "甲", 1_000_000],
                ],
            ),
        ),
        Value(U[0], "tax_wan", 100.0),
    )
    add(
        "unit only in a footnote below the table",
        one(
            "land",
            "脚注.xlsx",
            lambda p: xlsx(
                p,
                [
                    ["统一社会信用代码", "企业名称", "用地面积"],
                    [U[0], "甲", 2],
                    [],
                    ["注：面积单位为公顷"],
                ],
            ),
        ),
        Value(U[0], "land_mu", 30.0),
    )
    add(
        "footnote rows below the table",
        one(
            "stats",
            "制表人.xlsx",
            lambda p: xlsx(p, [STATS, [U[0], "甲", 1, 2], ["制表人：张三", None, "审核人：李四"]]),
        ),
        Reported("注释行", row=3, outcome="skipped"),
    )
    add(
        "firm cells merged over the firm's parcels",
        one(
            "land",
            "宗地.xlsx",
            lambda p: xlsx(
                p,
                [LAND, [U[0], "甲", 10], [None, None, 20], [None, None, 5], [U[1], "乙", 7]],
                merges=["A2:A4", "B2:B4"],
            ),
        ),
        Value(U[0], "land_mu", 35.0),
    )
    add(
        "HTML table with rowspan",
        one(
            "land",
            "宗地.xls",
            lambda p: text(
                p,
                (
                    "<html><table><tr><td>统一社会信用代码</td><td>企业名称</td><td>用地面积（亩）</td></tr>"
                    f"<tr><td rowspan=2>{U[0]}</td><td rowspan=2>甲</td><td>10</td></tr>"
                    "<tr><td>20</td></tr></table></html>"
                ),
            ),
        ),
        Value(U[0], "land_mu", 30.0),
    )
    add(
        "merged township cells in a register",
        one(
            "register",
            "名录合并.xlsx",
            lambda p: xlsx(
                p,
                [REGISTER, [U[0], "甲", "城关镇", "3311", None], [U[1], "乙", None, "3311", None]],
                merges=["C2:C3"],
            ),
        ),
        Value(U[1], "township", "城关镇"),
    )
    add(
        "Excel 2003 XML (SpreadsheetML) saved as .xls",
        one(
            "stats",
            "xml2003.xls",
            lambda p: ff.spreadsheet_ml(
                p,
                [
                    (
                        "数据",
                        "".join(
                            "<Row>"
                            + "".join(
                                f'<Cell><Data ss:Type="String">{v}</Data></Cell>' for v in row
                            )
                            + "</Row>"
                            for row in [STATS, [U[0], "甲", "5", "6"]]
                        ),
                    )
                ],
            ),
        ),
        Value(U[0], "revenue_wan", 6.0),
    )
    add(
        "UTF-16 csv without a byte-order mark",
        one(
            "stats", "utf16le.csv", lambda p: text(p, f"{stats_csv}\n{U[0]},甲,5,6\n", "utf-16-le")
        ),
        Value(U[0], "revenue_wan", 6.0),
    )
    add(
        "csv condition line of key：value cells above the header",
        one(
            "stats",
            "条件行.csv",
            lambda p: text(
                p,
                f"管理机关：某县统计局,报表期：2023年,金额单位：万元\n{stats_csv}\n{U[0]},甲,5,6\n",
            ),
        ),
        Value(U[0], "revenue_wan", 6.0),
    )
    add(
        "header repeated inside the table (printed pages)",
        stats_rows([U[0], "甲", 1, 2], STATS, [U[1], "乙", 3, 4]),
        Reported("重复的表头行", row=3, outcome="skipped"),
    )


def offset_table(path: Path) -> Path:
    """A stats table whose header is at C4 and whose one data row has a bad E5."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["C4"], sheet["D4"], sheet["E4"] = "统一社会信用代码", "企业名称", "工业增加值（万元）"
    sheet["C5"], sheet["D5"], sheet["E5"] = U[6], "庚", "n/a?"
    book.save(path)
    return path


PAY = ["纳税人识别号", "纳税人名称", "征收项目"]


def sheets(source: str, name: str, *named: tuple[str, Sequence[Sequence[object]]]) -> Callable[[Path], Files]:  # fmt: skip
    """A workbook of named sheets (first to last) for one source."""

    def build(tmp: Path) -> Files:
        book = openpyxl.Workbook()
        first = book.active
        assert first is not None
        for i, (title, rows) in enumerate(named):
            ws = first if i == 0 else book.create_sheet()
            ws.title = title
            for row in rows:
                ws.append(list(row))
        book.save(tmp / name)
        return {source: [tmp / name]}

    return build


def _field_level(add: Callable[[str, Callable[[Path], Files], Expect], None]) -> None:
    """Fields as department systems really write them (issue 13, field level)."""
    # ---- tax: the year of a payment ----
    add("tax: no 入库日期 column, range in a condition row", sheets("tax", "明细.xlsx", ("明细", [
        ["入库日期：2023-01-01至2023-12-31"], [*PAY, "实缴金额（万元）"], [U[0], "甲", "增值税", 4],
        [U[0], "甲", "企业所得税", 2]])), Value(U[0], "tax_wan", 6.0))  # fmt: skip
    add("tax: no 入库日期, one 税款所属期 range column", sheets("tax", "所属期.xlsx", ("明细", [
        [*PAY, "税款所属期", "实缴金额（万元）"], [U[0], "甲", "增值税", "2023-01-01至2023-03-31", 4],
        [U[0], "甲", "增值税", "2022-10-01至2022-12-31", 9]])),
        Reported("不属于数据年度 2023（按税款所属期：2022 年）", row=3, outcome="skipped"))  # fmt: skip
    add("tax: 税款所属期 as 2023年01月 (fallback said)", sheets("tax", "所属月.xlsx", ("明细", [
        [*PAY, "所属期", "实缴金额（万元）"], [U[0], "甲", "增值税", "2023年01月", 4]])),
        Noted("改按税款所属期确定缴款年度"))  # fmt: skip
    add("tax: period not understood, basis 入库日期", sheets("tax", "怪期.xlsx", ("明细", [
        [*PAY, "税款所属期", "入库日期", "实缴金额（万元）"],
        [U[0], "甲", "增值税", "上半年", "2023-05-01", 4]])), Value(U[0], "tax_wan", 4.0))  # fmt: skip
    add("tax: timestamps as 入库日期", sheets("tax", "时间戳.xlsx", ("明细", [
        [*PAY, "入库日期", "实缴金额（万元）"], [U[0], "甲", "增值税", "2023/01/05 10:23:11", 3]])),
        Value(U[0], "tax_wan", 3.0))  # fmt: skip
    add("tax: two-digit year refused", sheets("tax", "两位年.xlsx", ("明细", [
        [*PAY, "入库日期", "实缴金额（万元）"], [U[0], "甲", "增值税", "23/1/5", 3],
        [U[1], "乙", "增值税", "2023-01-05", 1]])),
        Reported("两位数年份", row=2, outcome="rejected"))  # fmt: skip
    add("tax: data of another year only", sheets("tax", "别年.xlsx", ("明细", [
        [*PAY, "入库日期", "实缴金额（万元）"], [U[0], "甲", "增值税", "2031-03-01", 3]])),
        Error(("不属于数据年度 2023", "--data-year")))  # fmt: skip
    # ---- tax: which amount, which sheet ----
    add("tax: 已缴税额 beside 实缴金额 (precedence)", sheets("tax", "候选.xlsx", ("明细", [
        [*PAY, "入库日期", "已缴税额（万元）", "实缴金额（万元）"],
        [U[0], "甲", "增值税", "2023-03-01", 9, 2]])), Value(U[0], "tax_wan", 2.0))  # fmt: skip
    add("tax: 企业所得税(国税) + 企业所得税(地税)", sheets("tax", "国地税.xlsx", ("汇总表", [
        ["纳税人识别号", "纳税人名称", "增值税", "企业所得税(国税)", "企业所得税(地税)"],
        [U[0], "甲", 10, 3, 2]])), Value(U[0], "tax_wan", 15.0))  # fmt: skip
    add("tax: summary sheet beside its detail", sheets("tax", "汇总明细.xlsx",
        ("汇总", [["纳税人识别号", "纳税人名称", "实缴税金（万元）"], [U[0], "甲", 10]]),
        ("入库明细", [[*PAY, "入库日期", "实缴金额（万元）"], [U[0], "甲", "增值税", "2023-03-01", 4],
                   [U[0], "甲", "增值税", "2023-04-01", 6]])),
        Value(U[0], "tax_wan", 10.0))  # fmt: skip
    month = [["纳税人识别号", "纳税人名称", "实缴税金（万元）"], [U[0], "甲", 5]]
    add("tax: month sheets with the same amount", sheets("tax", "月表.xlsx", ("1月", month),
        ("2月", month), ("3月", month)), Value(U[0], "tax_wan", 15.0))  # fmt: skip
    add("tax: several years in one grid", sheets("tax", "多年.xlsx", ("税收", [
        ["纳税人识别号", "纳税人名称", "入库年度", "实缴税金（万元）"], [U[0], "甲", 2022, 7],
        [U[0], "甲", 2023, 5]])), Reported("本行年度为 2022 年", row=2, outcome="skipped"))  # fmt: skip
    add("tax: amounts as text with ¥, 元 and spaces", sheets("tax", "文本金额.xlsx", ("明细", [
        [*PAY, "入库日期", "实缴金额"], [U[0], "甲", "增值税", "2023-03-01", "¥10 000.00元"]])),
        Value(U[0], "tax_wan", 1.0))  # fmt: skip
    add("tax: 千元 in a unit line directly above the header", sheets("tax", "千元.xlsx", ("税", [
        ["金额单位：千元"], ["纳税人识别号", "纳税人名称", "实缴税金"], [U[0], "甲", 120]])),
        Value(U[0], "tax_wan", 12.0))  # fmt: skip
    add("tax: a land file passed as --tax", sheets("tax", "land_parcels.xlsx", ("宗地", [
        ["统一社会信用代码", "企业名称", "宗地面积"], [U[0], "甲", 6000]])),
        Error(("不能作为税务数据导入", "宗地面积", "--land")))  # fmt: skip
    add("tax: 应纳税额 only (assessed, not paid)", sheets("tax", "应纳.xlsx", ("申报", [
        ["纳税人识别号", "纳税人名称", "应纳税额"], [U[0], "甲", 6000]])),
        Error(("应纳税额", "--map")))  # fmt: skip
    # ---- statistics ----
    add("stats: output and R&D under other headers", sheets("stats", "统计别名.xlsx", ("规上", [
        ["统一社会信用代码", "企业名称", "工业总产值(当年价格)(万元)", "R&D经费内部支出"],
        [U[0], "甲", 100, 3]])), Value(U[0], "rd_wan", 3.0))  # fmt: skip
    add("stats: expected field missing is a warning", sheets("stats", "缺字段.xlsx", ("规上", [
        ["统一社会信用代码", "企业名称", "营业收入（万元）"], [U[0], "甲", 100]])),
        Noted("未找到此类文件通常应有的字段：工业增加值"))  # fmt: skip

    def org_code(tmp: Path) -> Files:
        reg = sheets("register", "名录.xlsx", ("名录", [["统一社会信用代码", "企业名称"],
                                                     [U[7], "辛公司"]]))(tmp)  # fmt: skip
        stats = sheets("stats", "机构代码.xlsx", ("规上", [
            ["组织机构代码", "企业名称", "工业增加值（万元）"], [f"{U[7][8:16]}-{U[7][16]}", "辛", 8]]))(tmp)  # fmt: skip
        return {**reg, **stats}

    add("stats: 组织机构代码 as the identity", org_code, Value(U[7], "value_added_wan", 8.0))
    # ---- land ----
    add("land: 宗地面积 beside 使用权面积", sheets("land", "共有宗地.xlsx", ("宗地", [
        ["统一社会信用代码", "企业名称", "宗地面积（亩）", "使用权面积（亩）"], [U[0], "甲", 50, 12]])),
        Value(U[0], "land_mu", 12.0))  # fmt: skip
    add("land: dashes are missing, not 0", sheets("land", "横线.xlsx", ("用地", [
        ["统一社会信用代码", "企业名称", "用地面积（亩）"], [U[0], "甲", "—"], [U[1], "乙", 5]])),
        Value(U[0], "land_mu", None))  # fmt: skip
    add("land: 占地面积, hectares in a footnote", sheets("land", "公顷.xlsx", ("用地", [
        ["统一社会信用代码", "企业名称", "占地面积"], [U[0], "甲", 2], [U[1], "乙", 1], [],
        ["注：面积单位为公顷"]])), Value(U[0], "land_mu", 30.0))  # fmt: skip
    # ---- energy and power ----
    add("energy: 当量值 and 等价值 both present", sheets("energy", "两口径.xlsx", ("能耗", [
        ["统一社会信用代码", "企业名称", "综合能耗（当量值）（吨标准煤）", "综合能耗（等价值）（吨标准煤）"],
        [U[0], "甲", 12, 30]])), Value(U[0], "energy_tce", 30.0))  # fmt: skip
    add("energy: 电力（万千瓦时） as a fuel column", sheets("energy", "电力.xlsx", ("能耗", [
        ["统一社会信用代码", "企业名称", "电力（万千瓦时）"], [U[0], "甲", 10]])),
        Value(U[0], "electricity_kwh", 100000.0))  # fmt: skip
    add("energy: monthly readings and the annual total", sheets("energy", "月电量.xlsx", ("电量", [
        ["单位：千瓦时"], ["统一社会信用代码", "企业名称", *(f"{m}月" for m in range(1, 13)), "全年合计"],
        [U[0], "甲", *[10] * 12, 120], [U[1], "乙", *[10] * 12, 200]])),
        Value(U[1], "electricity_kwh", 200.0))  # fmt: skip
    add("energy: monthly total differs from the months", sheets("energy", "月电量2.xlsx", ("电量", [
        ["统一社会信用代码", "企业名称", *(f"{m}月" for m in range(1, 13)), "全年合计"],
        [U[1], "乙", *[10] * 12, 200]])), Warned("与 1–12 月之和"))  # fmt: skip
    add("energy: electricity per 亩 implausible", lambda tmp: {
        **sheets("energy", "电.xlsx", ("电", [["统一社会信用代码", "企业名称", "用电量（千瓦时）"],
                                             [U[0], "甲", 50]]))(tmp),
        **sheets("land", "地.xlsx", ("地", [["统一社会信用代码", "企业名称", "用地面积（亩）"],
                                           [U[0], "甲", 10]]))(tmp),
    }, Warned("亩均用电量不足"))  # fmt: skip
    # ---- register ----
    reg = ["统一社会信用代码", "企业名称", "是否规上", "高新技术企业", "投产日期"]
    add("register: zero-width space and NBSP in the ID", sheets("register", "零宽.xlsx", ("名录", [
        reg, [f"\u200b{U[0]}\u00a0", "甲", "规上", "✓", "2019年"]])),
        Value(U[0], "high_tech", True))  # fmt: skip
    add("register: leading apostrophe in the ID", sheets("register", "撇号.xlsx", ("名录", [
        reg, [f"'{U[0]}", "甲", "规下", "✗", "2019.03"]])), Value(U[0], "above_scale", False))  # fmt: skip
    for label, cell in [("2019年3月", "2019年3月"), ("2019-03", "2019-03"), ("201903", "201903")]:
        add(f"register: production month {label}", sheets("register", f"月份{cell}.xlsx", ("名录", [
            reg, [U[0], "甲", "Y", "N", cell]])),
            Value(U[0], "production_start", dt.date(2019, 3, 1)))  # fmt: skip
    add("register: one bad cell keeps the row", sheets("register", "坏格.xlsx", ("名录", [
        [*reg, "乡镇（街道）"], [U[0], "甲", "也许", "是", "2019-02-30", "城关镇"]])),
        Value(U[0], "township", "城关镇"))  # fmt: skip
