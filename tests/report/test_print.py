"""The printout itself: the 公示 list through LibreOffice, the region report through Chromium.

Both PDFs are read back page by page (pdftotext) and page 1 of each is kept as a PNG under the
test's tmp folder (pdftoppm). The sample county is built once per session.
"""

from __future__ import annotations

import dataclasses
import math
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from mujun import store as mstore
from mujun.demo import DemoRun
from mujun.report.html import region_report
from mujun.report.public_list import public_frame, public_title, public_workbook
from mujun.report.publication import YearView, load_year
from mujun.report.workbook import display_width

USCC = re.compile(r"\b[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}\b")
TOOLS = ("soffice", "pdftotext", "pdftoppm", "pdfinfo")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:  # the README's test command installs them (scripts/system-packages.sh)
        pytest.fail(f"{name} is not installed; run scripts/system-packages.sh")
    return found


def _pages(pdf: Path) -> list[str]:
    info = subprocess.run([_tool("pdfinfo"), pdf], capture_output=True, text=True, check=True)
    count = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
    return [
        subprocess.run(
            [_tool("pdftotext"), "-layout", "-f", str(i), "-l", str(i), pdf, "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for i in range(1, count + 1)
    ]


def _first_page_png(pdf: Path) -> Path:
    stem = pdf.with_suffix("")
    subprocess.run(
        [_tool("pdftoppm"), "-f", "1", "-l", "1", "-r", "80", "-png", "-singlefile", pdf, stem],
        check=True,
        capture_output=True,
    )
    png = stem.with_suffix(".png")
    assert png.stat().st_size > 10_000, "page 1 rendered as an image"
    return png


def test_public_list_prints_one_page_wide_with_name_and_class_on_every_page(
    posted: YearView, tmp_path: Path
) -> None:
    book = public_workbook(posted, tmp_path / "公示名单.xlsx")
    subprocess.run(
        [
            _tool("soffice"),
            f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pdf = book.with_suffix(".pdf")
    pages = _pages(pdf)
    frame = public_frame(posted)
    class_names = set(frame.get_column("class_name").drop_nulls())

    first = pages[0]
    assert public_title(posted) in first.replace(" ", "")
    assert "公示期：2024年5月6日至2024年5月12日" in first.replace(" ", "")
    assert "0576-12345678" in first

    rows_per_page = []
    for number, text in enumerate(pages, start=1):
        assert "企业名称" in text and "等级名称" in text, f"page {number} lacks the header row"
        assert f"第 {number} 页 共 {len(pages)} 页" in text
        lines = [line for line in text.splitlines() if USCC.search(line)]
        for line in lines:  # the firm's name and its class on the same printed line
            assert "示范企业" in line and any(n in line for n in class_names), line
        rows_per_page.append(len(lines))
    assert sum(rows_per_page) == frame.height, "every listed firm printed exactly once"
    per_page = max(rows_per_page)
    assert abs(len(pages) - math.ceil(frame.height / per_page)) <= 1, (len(pages), per_page)

    everything = "\n".join(pages)
    for value in {*frame.get_column("name"), *class_names, *frame.get_column("cohort_label")}:
        assert value in everything, f"{value!r} cut or missing in the PDF"
    sheet = openpyxl.load_workbook(book)["公示名单"]
    for j, column in enumerate(frame.columns, start=1):
        width = sheet.column_dimensions[openpyxl.utils.get_column_letter(j)].width
        assert width >= display_width(frame.get_column(column)), column
    _first_page_png(pdf)


def test_region_report_prints_on_a4_without_split_tables(sample: DemoRun, tmp_path: Path) -> None:
    with mstore.Store.open(sample.db_path, read_only=True) as s:
        view = load_year(s, sample.year)
        html_path = region_report(view, tmp_path / "report.html", store=s)
    pdf = tmp_path / "report.pdf"
    chromium = shutil.which("chromium") or _tool("chromium")
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html_path.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pages = _pages(pdf)
    html = unescape(html_path.read_text(encoding="utf-8"))
    sections = [re.sub(r"\s+", "", h) for h in re.findall(r"<h2>(.+?)</h2>", html)]
    assert 2 <= len(pages) <= 2 * len(sections), len(pages)
    numbers = [s.split("、")[0] for s in sections]
    assert numbers == list("一二三四五六七八九十")[: len(numbers)], "continuous section numbers"
    flat = [re.sub(r"\s+", "", p) for p in pages]
    for heading in sections:  # never alone at the foot of a page
        page = next(i for i, p in enumerate(flat) if heading in p)
        assert len(flat[page].split(heading, 1)[1]) > 40, f"{heading} alone at page {page + 1}"
    for raw, body in re.findall(r"<caption>(.+?)</caption>.*?<tbody>(.*?)</tbody>", html):
        firsts = [
            re.sub(r"<.*?>", "", c) for c in re.findall(r"<tr><t[hd][^>]*>(.*?)</t[hd]>", body)
        ]
        caption = re.sub(r"\s+", "", raw)
        page = next(i for i, p in enumerate(flat) if caption in p)
        rest = flat[page].split(caption, 1)[1]
        for cell in firsts:
            assert re.sub(r"\s+", "", cell) in rest, (
                f"table {caption!r} split after page {page + 1}"
            )
    assert "e+" not in "".join(flat), "no scientific notation"
    _first_page_png(pdf)


def test_public_list_columns_follow_the_profile(posted: YearView, tmp_path: Path) -> None:
    default = openpyxl.load_workbook(public_workbook(posted, tmp_path / "a.xlsx"))["公示名单"]
    assert [c.value for c in default[3]] == [
        "序号", "企业名称", "统一社会信用代码", "乡镇（街道）", "评价类别", "等级", "等级名称",
    ]  # fmt: skip
    texts = " ".join(str(c.value) for row in default.iter_rows() for c in row if c.value)
    assert "综合得分" not in texts and "/" not in texts.replace("A/B", "")
    assert default.print_title_rows == "$3:$3" and default.sheet_properties.pageSetUpPr.fitToPage
    assert default.page_setup.fitToHeight == 0, "one page wide, as many pages tall as needed"
    assert default.oddFooter.center.text == "第 &P 页 共 &N 页"
    profile = posted.profile.model_copy(
        update={
            "publication": posted.profile.publication.model_copy(
                update={"columns": ("seq", "name", "total_score", "rank", "class_label")}
            )
        }
    )
    scored = dataclasses.replace(posted, profile=profile)
    sheet = openpyxl.load_workbook(public_workbook(scored, tmp_path / "b.xlsx"))["公示名单"]
    assert [c.value for c in sheet[3]] == ["序号", "企业名称", "综合得分（分）", "排名", "等级"]
    assert sheet.cell(4, 3).number_format == "#,##0.00"


def test_a_notice_without_its_record_is_refused(posted: YearView, tmp_path: Path) -> None:
    from mujun.errors import MujunError  # noqa: PLC0415

    with pytest.raises(MujunError, match="公示期"):
        public_workbook(dataclasses.replace(posted, notice=None), tmp_path / "x.xlsx")
    assert not list(tmp_path.iterdir()), "nothing written"


def test_csv_is_marked_for_systems_and_keeps_uscc_text(sample: DemoRun, tmp_path: Path) -> None:
    from typer.testing import CliRunner  # noqa: PLC0415

    from mujun.cli import app  # noqa: PLC0415

    out = tmp_path / "list.csv"
    args = ["export", "--year", str(sample.year), "--format", "csv", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--db", str(sample.db_path)])
    assert result.exit_code == 0, result.output
    assert "供其他系统导入" in result.output and "--format xlsx" in result.output
    listed = pl.read_csv(out, infer_schema=False)
    assert listed.columns[:3] == ["序号", "企业名称", "统一社会信用代码"]
    assert listed.get_column("统一社会信用代码").str.len_chars().eq(18).all()
