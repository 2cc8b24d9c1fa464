"""The internal workbook, numbers as officials write them, the method text and safe writing."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from mujun import cycle, score
from mujun import store as mstore
from mujun.cli import app
from mujun.demo import SAMPLE_DIR, DemoRun, run_demo
from mujun.profiles import available_profiles, load_profile
from mujun.profiles.loader import validate_profile
from mujun.report import write_table
from mujun.report.html import firm_card, region_report
from mujun.report.internal import import_problems, internal_workbook
from mujun.report.method_text import cap_note, method_lines
from mujun.report.output import OutputError, atomic_path
from mujun.report.public_list import public_workbook
from mujun.report.publication import YearView, load_year, summary
from mujun.score import needs_previous_year
from mujun.testing import make_facts

LOCKED = "文件被占用，请关闭 Excel 后重试"


def _cells(path: Path) -> dict[str, list[openpyxl.cell.Cell]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: [c for row in ws.iter_rows() for c in row] for ws in book.worksheets}


def test_internal_workbook_holds_no_personal_tax_amounts_nor_paths(
    posted: YearView, tmp_path: Path
) -> None:
    path = internal_workbook(posted, tmp_path / "内部.xlsx")
    cells = _cells(path)
    assert list(cells)[-5:] == ["汇总", "指标明细", "评价方法", "导入问题", "导入跳过汇总"]
    texts = [str(c.value) for sheet in cells.values() for c in sheet if c.value is not None]
    assert not [t for t in texts if str(SAMPLE_DIR) in t or t.startswith("/")], "machine paths"
    problems = [str(c.value) for c in cells["导入问题"] if c.value is not None]
    assert not [t for t in problems if "个人所得税" in t]
    skipped = openpyxl.load_workbook(path)["导入跳过汇总"]
    assert [c.value for c in skipped[1]] == ["文件", "原因", "行数（行）"]
    pit = [r for r in skipped.iter_rows(min_row=2, values_only=True) if "个人所得税" in r[1]]
    assert pit and all(isinstance(r[2], int) and r[2] > 0 for r in pit), "counted, not listed"
    book = openpyxl.load_workbook(path)
    assert all(ws.oddHeader.left.text.startswith("内部资料") for ws in book.worksheets)
    assert all(ws.oddFooter.center.text == "第 &P 页 共 &N 页" for ws in book.worksheets)
    rejected, counted = import_problems(posted)
    assert rejected.height == int((posted.problems["outcome"] == "rejected").sum())
    assert int(counted["rows"].sum()) == int((posted.problems["outcome"] != "rejected").sum())


def test_township_filter_applies_to_every_sheet(posted: YearView, tmp_path: Path) -> None:
    town = "城关镇"
    firms = set(posted.results.filter(pl.col("township") == town).get_column("uscc"))
    path = internal_workbook(posted, tmp_path / "t.xlsx", township=town)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "公示名单",
        "汇总",
        "指标明细",
        "评价方法",
        "导入问题",
        "导入跳过汇总",
    ]
    for title in ("公示名单", "指标明细"):
        rows = list(book[title].iter_rows(min_row=2, values_only=True))
        header = [c.value for c in book[title][1]]
        col = header.index("统一社会信用代码")
        assert rows and {r[col] for r in rows} <= firms, title
        assert {r[header.index("乡镇（街道）")] for r in rows} == {town}, title
    assert [r[0] for r in book["汇总"].iter_rows(min_row=2, values_only=True)] == [town, "合计"]
    for row in book["导入问题"].iter_rows(min_row=2, values_only=True):
        assert any(u in " ".join(str(v) for v in row) for u in firms)
    public = openpyxl.load_workbook(public_workbook(posted, tmp_path / "p.xlsx", township=town))
    listed = list(public["公示名单"].iter_rows(min_row=4, values_only=True))
    assert {r[3] for r in listed if r[0] is not None and r[3] is not None} == {town}
    assert town in public["公示名单"]["A1"].value


def test_numbers_are_written_as_officials_write_them(posted: YearView, tmp_path: Path) -> None:
    cells = _cells(internal_workbook(posted, tmp_path / "n.xlsx"))
    numeric = [c for sheet in cells.values() for c in sheet if isinstance(c.value, float)]
    formats = {c.number_format for c in numeric}
    assert formats <= {"#,##0.00", "0.0%", "0.00%"}, formats
    header = {c.value: c.column for c in cells["汇总"] if c.row == 1}
    shares = [c for c in cells["汇总"] if c.column == header["A类占比（%）"] and c.row > 1]
    assert shares and all(c.number_format == "0.0%" for c in shares if c.value is not None)
    details = {c.value: c.column for c in cells["指标明细"] if c.row == 1}
    rd = next(h for h in details if str(h).startswith("研发经费支出占营业收入比重（"))
    ratios = [c for c in cells["指标明细"] if c.column == details[rd] and c.row > 1]
    assert rd.endswith("（%）") and ratios
    assert all(c.number_format == "0.00%" for c in ratios if c.value is not None)


def test_report_states_the_same_facts_as_the_workbook(sample: DemoRun, tmp_path: Path) -> None:
    with mstore.Store.open(sample.db_path, read_only=True) as s:
        view = load_year(s, sample.year)
        html = region_report(view, tmp_path / "r.html", store=s).read_text(encoding="utf-8")
    table = summary(view)
    first = re.search(r"<caption>表1 .*?</caption>.*?<tbody>(.*?)</tbody>", html).group(1)  # type: ignore[union-attr]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", first)]
    assert [r[0] for r in rows] == table.get_column("乡镇（街道）").to_list()
    assert [int(r[1].replace(",", "")) for r in rows] == table.get_column(
        "参评企业数（家）"
    ).to_list()
    assert "单项不封顶" in html and "1.39e" not in html and "e+" not in html
    assert "T：暂不定级" in html or "免评：免于评价" in html, "legend of special labels"
    assert "认定稿" in html.split("</h1>")[0]


def test_method_text_states_caps_quotas_and_weights(tmp_path: Path) -> None:
    base = load_profile("zhejiang_baseline")
    lines = "\n".join(method_lines(base))
    assert "亩均税收 30 分" in lines and "权重合计 100 分" in lines
    assert "A 类为前 20%" in lines and "D 类为 95%–100%" in lines and "四舍五入" in lines
    assert "单项不封顶" in lines and cap_note(base) == "单项不封顶"
    assert base.scoring.cap is None, 'cap = "none" in the TOML means no cap'
    capped = validate_profile(
        {**base.model_dump(mode="json"), "scoring": {"method": "ratio", "cap": 1.5}},
        source="test",
    )
    capped_lines = "\n".join(method_lines(capped))
    assert "单项最高得分为权重的 1.5 倍" in capped_lines and "单项不封顶" not in capped_lines
    assert cap_note(capped) == ""
    assert "×" in capped_lines and "e+" not in capped_lines


def test_card_says_no_cap_beside_the_score(posted: YearView, tmp_path: Path) -> None:
    uscc = posted.results.sort("total_score", descending=True, nulls_last=True).item(0, "uscc")
    html = firm_card(posted, uscc, tmp_path / "c.html").read_text(encoding="utf-8")
    assert re.search(r"综合得分 [\d,.]+ 分（单项不封顶", html)
    assert "公示稿" in html.split("</h1>")[0]


def test_atomic_path_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError, match="half written"):
        _write_and_fail(target)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"], "no temporary file left"


def _write_and_fail(target: Path) -> None:
    with atomic_path(target) as temp:
        temp.write_text("half", encoding="utf-8")
        msg = "half written"
        raise RuntimeError(msg)


def _locked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows refuses to replace a workbook that is open in Excel."""

    def refuse(self: Path, target: Path) -> Path:
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(Path, "replace", refuse)


@pytest.mark.parametrize(
    ("fmt", "extra"),
    [("xlsx", []), ("xlsx", ["--internal"]), ("html", []), ("csv", []), ("parquet", [])],
)
def test_export_to_a_locked_file_says_so_in_chinese(
    sample: DemoRun,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    extra: list[str],
) -> None:
    out = tmp_path / f"out.{fmt}"
    out.write_text("before", encoding="utf-8")
    _locked(monkeypatch)
    args = ["export", "--year", str(sample.year), "--format", fmt, "--out", str(out), *extra]
    result = CliRunner().invoke(app, [*args, "--db", str(sample.db_path)])
    assert result.exit_code == 1
    assert isinstance(result.exception, OutputError)
    assert f"{LOCKED}：{out}" in str(result.exception)
    assert out.read_text(encoding="utf-8") == "before"
    assert [p.name for p in tmp_path.iterdir()] == [out.name], "no temporary file left"


def test_demo_says_what_it_stored_when_an_output_is_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _locked(monkeypatch)
    with pytest.raises(OutputError) as caught:
        run_demo(tmp_path, profile=load_profile("zhejiang_baseline"))
    message = str(caught.value)
    assert LOCKED in message and "已写入数据库" in message and "2024 年度运行" in message


def test_export_names_carry_the_state_and_default_to_the_public_list(
    sample: DemoRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    base = ["export", "--year", str(sample.year), "--db", str(sample.db_path)]
    for extra in ([], ["--internal"], ["--format", "csv"], ["--township", "城关镇"]):
        result = CliRunner().invoke(app, [*base, *extra])
        assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(
        [
            f"{sample.year}年度亩均评价结果公示名单_认定稿.xlsx",
            f"{sample.year}年度亩均评价内部资料_认定稿.xlsx",
            f"{sample.year}年度亩均评价公示名单_认定稿_系统导入用.csv",
            f"{sample.year}年度亩均评价结果公示名单_认定稿_城关镇.xlsx",
        ]
    )
    public = openpyxl.load_workbook(tmp_path / f"{sample.year}年度亩均评价结果公示名单_认定稿.xlsx")
    assert public.sheetnames == ["公示名单"]
    bad = CliRunner().invoke(app, [*base, "--township", "不存在镇"])
    assert bad.exit_code == 1 and "城关镇" in str(bad.exception)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (PermissionError(13, "Permission denied"), LOCKED),
        (OSError(28, "No space left on device"), "无法写入文件"),
    ],
)
def test_workbook_write_errors_name_the_file(
    posted: YearView,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: OSError,
    message: str,
) -> None:
    """XlsxWriter wraps file-system errors; they still reach the official as one message."""
    import xlsxwriter.workbook  # noqa: PLC0415

    def fail(self: object) -> None:
        raise error

    monkeypatch.setattr(xlsxwriter.workbook.Workbook, "_store_workbook", fail)
    for write in (public_workbook, internal_workbook):
        target = tmp_path / f"{write.__name__}.xlsx"
        with pytest.raises(OutputError, match=message) as caught:
            write(posted, target)
        assert str(target) in str(caught.value) and "原文件未改动" in str(caught.value)
    assert not list(tmp_path.iterdir()), "no file, no temporary file"


@pytest.mark.parametrize("name", available_profiles())
def test_every_shipped_profile_publishes(name: str, tmp_path: Path) -> None:
    """Lists, workbook, report and card for each region's method (quotas, thresholds, min–max,
    special classes, overrides), on made-up firms."""
    profile = load_profile(name)
    with mstore.Store.open(tmp_path / "db.duckdb") as s:
        history = None
        for data_year in (2022, 2023):
            facts = make_facts(120, seed=3, year=data_year)
            batch = mstore.save_facts(s, facts, sources=[], problems=None)
            year = data_year - profile.data_year_offset
            if history is None and needs_previous_year(profile):
                history = facts
                continue
            result = score(facts, profile=profile, year=year, history=history)
            run = mstore.save_run(
                s, result, profile=profile, evaluation_year=year, input_fingerprint="t",
                batch_id=batch,
            )  # fmt: skip
            mstore.publish(s, year=year, run_id=run)
            history = facts
        view = load_year(s, year)
        html = region_report(view, tmp_path / "r.html", store=s).read_text(encoding="utf-8")
        ranked = view.results.filter(pl.col("eval_status") == "ranked").item(0, "uscc")
        card = firm_card(view, ranked, tmp_path / "c.html", store=s).read_text(encoding="utf-8")
    public = openpyxl.load_workbook(public_workbook(view, tmp_path / "p.xlsx"))["公示名单"]
    internal_workbook(view, tmp_path / "i.xlsx")
    assert "综合评价结果公示（认定稿）" in public["A1"].value
    listed = {r[5] for r in public.iter_rows(min_row=4, values_only=True) if r[0] is not None}
    specials = listed - set(profile.classification.labels) - {None}
    notes = " ".join(str(r[0]) for r in public.iter_rows(values_only=True) if r[0])
    assert all(f"{label}：" in notes for label in specials), "legend for every special label"
    lines = "\n".join(method_lines(profile))
    assert all(c.label in lines for c in profile.cohorts.values())
    assert all(profile.indicators[i].label in lines for i in profile.used_indicators())
    for page in (html, card, lines):
        assert not re.search(r"\d[eE][+-]\d", page), "no scientific notation"
    assert ("单项不封顶" in card) == bool(cap_note(profile))


def test_the_cycle_states_reach_titles_names_and_the_notice(
    tmp_path: Path, notice: mstore.Notice
) -> None:
    """Draft → 公示 → 认定 in the store; each export says which one it is."""
    profile = load_profile("zhejiang_baseline")
    db = tmp_path / "cycle.duckdb"
    with mstore.Store.open(db) as s:
        facts = make_facts(60, seed=5, year=2023)
        cycle.import_batch(s, facts=facts, sources=[], who="t")
        cycle.score_year(s, year=2024, profile=profile, who="t")
    runner = CliRunner()

    def export(*extra: str) -> Path:
        folder = tmp_path / "_".join(extra or ("default",))
        folder.mkdir()
        args = ["export", "--year", "2024", "--db", str(db), "--out"]
        name = folder / "list.xlsx"
        result = runner.invoke(app, [*args, str(name), *extra])
        assert result.exit_code == 0, result.output
        return name

    draft = openpyxl.load_workbook(export("--state", "draft"))["公示名单"]
    assert "（内部审核稿）" in draft["A1"].value and "不得对外公开" in draft["A2"].value
    with mstore.Store.open(db) as s:
        cycle.start_notice(
            s, year=2024, start=notice.start, end=notice.end, contact=notice.contact,
            issuer=notice.issuer, who="t",
        )  # fmt: skip
    posted = openpyxl.load_workbook(export("--state", "notice"))["公示名单"]
    assert "（公示稿）" in posted["A1"].value
    assert "公示期：2024年5月6日至2024年5月12日" in posted["A2"].value
    assert notice.contact in posted["A2"].value and notice.issuer in posted["A2"].value
    with mstore.Store.open(db) as s:
        cycle.decide_final(s, year=2024, who="t")
    final = openpyxl.load_workbook(export())["公示名单"]
    assert "（认定稿）" in final["A1"].value
    assert "已于2024年5月6日至2024年5月12日公示，现予认定" in final["A2"].value


def test_a_township_report_is_refused_not_ignored(sample: DemoRun, tmp_path: Path) -> None:
    args = ["export", "--year", str(sample.year), "--format", "html", "--township", "城关镇"]
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--db", str(sample.db_path)])
    assert result.exit_code == 1 and "区域报告按全县" in str(result.exception)
    assert not out.exists()


def test_csv_numbers_are_never_scientific(tmp_path: Path) -> None:
    frame = pl.DataFrame({"x": [0.00001, 1.5e17, 862.55], "uscc": ["913310230000000012"] * 3})
    text = write_table(frame, tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    assert "e+" not in text and "e-" not in text and "150000000000000000" in text
    assert "913310230000000012" in text
