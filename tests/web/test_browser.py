"""End to end in a real browser: a clerk runs the sample county's year in Debian's Chromium.

Playwright drives /usr/bin/chromium (``apt-get install chromium fonts-noto-cjk``; the README's
test command installs it when missing) — never a downloaded browser. Full-page screenshots of
every step are saved under the test's temporary folder (printed at the end).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright
from starlette.applications import Starlette
from web.conftest import PASSWORD, USERS

from mujun.demo import sample_files
from mujun.store import Store
from mujun.web import create_app
from mujun.web.users import add_user

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Starlette]]:
    """`mujun serve` on a free local port over a new database (imports in the background)."""
    path = tmp_path / "mujun.duckdb"
    with Store.open(path) as store:
        role, counties = USERS["clerk"]
        add_user(store, name="clerk", password=PASSWORD, role=role, counties=counties, who="test")
    yield from _serve(create_app(path, work_dir=tmp_path / "work"))


@pytest.fixture
def demo_server(db_path: Path, tmp_path: Path) -> Iterator[tuple[str, Starlette]]:
    """`mujun serve` over the decided sample county."""
    yield from _serve(create_app(db_path, work_dir=tmp_path / "work"))


def _serve(app: Starlette) -> Iterator[tuple[str, Starlette]]:
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    srv.should_exit = True
    thread.join(timeout=20)


@contextlib.contextmanager
def _chromium_page(**context: object) -> Iterator[Page]:
    """A page of Debian's Chromium, headless, in a context with ``context``'s options."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            "Chromium is missing: run scripts/system-packages.sh (apt-get install chromium)"
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        options = {"locale": "zh-CN", "viewport": {"width": 1360, "height": 900}, **context}
        browser_context = browser.new_context(**options)  # type: ignore[arg-type]
        yield browser_context.new_page()
        browser_context.close()
        browser.close()


@pytest.fixture
def page() -> Iterator[Page]:
    """A Chromium page (Debian's browser, headless)."""
    with _chromium_page(accept_downloads=True) as opened:
        yield opened


@pytest.fixture
def page_without_js() -> Iterator[Page]:
    """A Chromium page with JavaScript switched off."""
    with _chromium_page(java_script_enabled=False) as opened:
        yield opened


def test_a_clerk_runs_the_year_in_the_browser(  # noqa: PLR0915 - one walk, step by step
    server: tuple[str, Starlette], page: Page, tmp_path: Path
) -> None:
    base, app = server
    shots = tmp_path / "screenshots"
    shots.mkdir()
    step = iter(range(1, 100))

    def shot(name: str) -> None:
        page.screenshot(path=str(shots / f"{next(step):02d}_{name}.png"), full_page=True)

    # log in
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill(PASSWORD)
    shot("登录")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()

    # upload the 2023 files; the land file has a name that says nothing
    files = [p for paths in sample_files(2023).values() for p in paths]
    renamed = tmp_path / "附件3.csv"
    shutil.copy(sample_files(2023)["land"][0], renamed)
    files = [renamed if p.name == "land_parcels.csv" else p for p in files]
    page.locator("nav").get_by_role("link", name="数据导入", exact=True).click()
    page.get_by_label("数据年度").fill("2023")
    page.locator("input[type=file]").set_input_files([str(p) for p in files])
    shot("数据导入")
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_text("待确认来源")).to_be_visible()

    # fix the mapping: the clerk says which department 附件3.csv comes from
    page.get_by_label("附件3.csv 的数据来源").select_option("land")
    shot("确认数据来源")
    page.get_by_role("button", name="读取文件").click()
    expect(
        page.get_by_role("heading", name="读取结果（每个文件：读取 = 接收 + 拒绝 + 跳过）")
    ).to_be_visible(timeout=60_000)
    shot("读取结果与问题行")
    # and a column: the land area is read as area by the clerk's say-so (evidence 用户指定)
    page.get_by_label("列对照（每行一条：表头=字段，字段可写中文名；写“忽略”则不导入该列）").fill(
        "土地使用权面积（平方米）=area"
    )
    page.get_by_role("button", name="按修改后的来源和更正重新读取").click()
    expect(page.get_by_text("用户指定").first).to_be_visible(timeout=60_000)
    shot("列对照更正后")
    page.get_by_role("button", name="接收入库（作为数据年度 2023 的一个批次）").click()
    expect(page.get_by_role("heading", name="2024 年度工作台")).to_be_visible()
    shot("年度工作台_已导入")

    # score
    page.locator("nav").get_by_role("link", name="评价计算", exact=True).click()
    page.get_by_role("button", name="计算并保存为内部审核稿").click()
    expect(page.get_by_role("heading", name="企业名单")).to_be_visible(timeout=60_000)
    with page.expect_response(lambda r: "status=ranked" in r.url):
        page.get_by_label("评价状态").select_option("ranked")  # htmx swaps the table in
    expect(page.locator("#firm-table")).to_contain_text("参与排名")
    shot("评价计算")

    # 公示
    page.locator("nav").get_by_role("link", name="公示与异议", exact=True).click()
    page.get_by_label("发布单位").fill("示范县经济和信息化局")
    page.get_by_label("异议受理（科室、电话、地址）").fill("企业科 0576-0000000")
    shot("开始公示")
    page.get_by_role("button", name="开始公示").click()
    expect(page.get_by_text("示范县经济和信息化局").first).to_be_visible()

    # open a C firm, record its objection, adjust it to B
    page.locator("nav").get_by_role("link", name="评价计算", exact=True).click()
    with page.expect_response(lambda r: "/firms?" in r.url and "class=C" in r.url):
        page.locator("select[name=class]").select_option("C")  # htmx swaps the table in
    expect(page.locator("#firm-table tbody tr").first).to_contain_text("C")
    page.locator("#firm-table tbody a").first.click()
    expect(page.get_by_role("heading", name="各项指标")).to_be_visible()
    uscc = page.url.rsplit("/", 1)[1]
    page.get_by_label("收到日期").fill(dt.datetime.now(tz=dt.UTC).date().isoformat())
    page.get_by_label("异议内容").fill("用地面积有误，应扣除出租部分")
    page.get_by_role("button", name="记录异议").click()
    expect(page.get_by_text("诉求：用地面积有误")).to_be_visible()
    page.get_by_label("调整为").select_option("B")
    page.get_by_label("理由（将随公示名单发布）").fill("异议复核：用地面积更正")
    page.get_by_label("对应异议（可选）").select_option(index=1)
    page.get_by_role("button", name="保存调档").click()
    expect(page.get_by_text("C → B")).to_be_visible()
    page.frame_locator("iframe.card").get_by_text("亩均效益评价报告卡").wait_for()
    shot("企业画像")

    # 认定, with the change since 公示 listed first
    page.locator("nav").get_by_role("link", name="公示与异议", exact=True).click()
    expect(page.get_by_text("公示以来的变化（1 家）")).to_be_visible()
    page.get_by_role("checkbox").check()
    shot("认定确认")
    page.get_by_role("button", name="认定").click()
    expect(page.get_by_text("已认定")).to_be_visible()
    shot("年度工作台_已认定")

    # download the 公示 workbook and check its counts against the database
    page.locator("nav").get_by_role("link", name="下载", exact=True).click()
    shot("下载")
    with page.expect_download() as info:
        page.get_by_role("link", name="公示名单工作簿").first.click()
    saved = tmp_path / "公示名单.xlsx"
    info.value.save_as(saved)
    with app.state.db.read() as store:
        run = store.first_row("SELECT run_id FROM runs WHERE status = 'final'")
        assert run is not None
        expected = dict(
            store.con.execute(
                f"SELECT final_class, count(*) FROM final_results WHERE run_id = {run[0]} "
                "AND final_class <> '不参评' GROUP BY ALL"
            ).fetchall()
        )
        moved = store.first_row(
            f"SELECT final_class FROM final_results WHERE run_id = {run[0]} AND uscc = ?", [uscc]
        )
    assert moved == ("B",)
    assert _class_counts(saved.read_bytes()) == expected
    print(f"\nscreenshots: {shots}")


def _class_counts(content: bytes) -> dict[str, int]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r and "等级" in r)
    col = rows[header_at].index("等级")
    counts: dict[str, int] = {}
    for r in rows[header_at + 1 :]:
        if r and r[0] is not None and isinstance(r[col], str) and r[col]:
            counts[r[col]] = counts.get(r[col], 0) + 1
    return counts


def test_pages_work_with_javascript_off(
    demo_server: tuple[str, Starlette], page_without_js: Page, tmp_path: Path
) -> None:
    base, _ = demo_server
    page = page_without_js
    page.goto(f"{base}/")
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.locator("nav").get_by_role("link", name="评价计算", exact=True).click()
    page.locator("select[name=class]").select_option("A")
    page.get_by_role("button", name="查询").click()  # a plain GET form: a page of its own
    assert "class=A" in page.url
    classes = page.locator("#firm-table tbody tr td:last-child").all_inner_texts()
    assert classes
    assert {c[:1] for c in classes} == {"A"}
    page.get_by_role("link", name="综合得分（分）").click()  # sorting is a link
    assert "sort=score" in page.url
    page.locator("#firm-table tbody a").first.click()
    expect(page.get_by_role("heading", name="各项指标")).to_be_visible()
    page.screenshot(path=str(tmp_path / "企业画像_无脚本.png"), full_page=True)
