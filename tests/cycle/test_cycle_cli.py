"""The yearly cycle on the sample county, through the command line, as an office runs it.

import → score (draft) → review the draft → 公示 → objections (one upheld with an adjustment,
one rejected, one upheld with a corrected land area) → rescore → the adjustment carried →
认定 → levers, history and card on the final classes; then a rescore that conflicts with the
adjustment blocks 认定 until it is decided.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from mujun.cli import app
from mujun.demo import sample_files
from mujun.profiles import load_profile
from mujun.report.publication import load_year
from mujun.store import Store

runner = CliRunner()
PROFILE = "tiantai"
Firm = dict[str, Any]


def _ok(*args: str) -> str:
    """The command's output with the console's line wrapping undone."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output.replace("\n", "")


def _refused(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code != 0, result.output
    return str(result.exception)


def _import(data_year: int, db: str, folder: Path, *, flag: str = "--data-year") -> str:
    args = [flag, str(data_year), "--out", str(folder / f"facts_{data_year}.parquet")]
    for source, paths in sample_files(data_year).items():
        for path in paths:
            local = folder / str(data_year) / path.name
            args += [f"--{source}", str(local if local.is_file() else path)]
    return _ok("import", *args, "--profile", PROFILE, "--db", db)


def _scale_land(folder: Path, uscc: str, factor: float) -> None:
    """A corrected land certificate: the firm's parcels in the 2023 land file scaled."""
    source = sample_files(2023)["land"][0]
    target = folder / "2023" / source.name
    target.parent.mkdir(exist_ok=True)
    if not target.is_file():
        shutil.copy(source, target)
    lines = target.read_bytes().decode("gb18030").splitlines()
    fixed = [
        ",".join([*cells[:-1], f"{float(cells[-1]) * factor:.4f}"])
        if (cells := line.split(","))[0] == uscc
        else line
        for line in lines
    ]
    assert fixed != lines
    target.write_bytes(("\n".join(fixed) + "\n").encode("gb18030"))


def _classes(db: str, year: int, **pick: object) -> dict[str, str]:
    with Store.open(db, read_only=True) as store:
        view = load_year(store, year, **pick)  # type: ignore[arg-type]
    return dict(view.results.select("uscc", "class_label").iter_rows())


def test_the_yearly_cycle_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "county.duckdb")
    _import_and_score(tmp_path, db)
    x, y, z, draft = _review_the_draft(tmp_path, db)
    _notice_and_objections(tmp_path, db, x, y, z)
    _decide_and_use(tmp_path, db, x, draft)
    _a_conflicting_rescore(tmp_path, db, x)


def _import_and_score(tmp_path: Path, db: str) -> None:
    # -- a folder without a database: nothing is created by a deciding command
    assert "没有 mujun 数据库" in _refused("publish", "--year", "2024", "--db", db)
    assert not Path(db).exists()

    # -- import both data years into the store (the problems go with the batch)
    _import(2022, db, tmp_path)
    imported = _import(2023, db, tmp_path, flag="--year")  # the old name still works
    assert "数据年度 2023 → 评价年度 2024" in imported and "已入库" in imported
    with Store.open(db, read_only=True) as store:
        problems = store.first_row("SELECT count(*) FROM batch_problems WHERE batch_id = 2")
    assert problems is not None and problems[0] > 0, "导入问题 reach the store"

    # -- last year decided (without 公示), this year scored as a draft
    _ok("run", "--year", "2023", "--profile", PROFILE, "--db", db)
    assert "未经公示直接认定" in _ok("final", "--year", "2023", "--db", db)
    scored = _ok("run", "--year", "2024", "--profile", PROFILE, "--db", db, "--who", "张三")
    assert "已存为内部审核稿：运行 2" in scored and "数据年度 2023 → 评价年度 2024" in scored


def _review_the_draft(tmp_path: Path, db: str) -> tuple[Firm, Firm, Firm, dict[str, str]]:
    # -- the draft is reviewed: every output says it is the 内部审核稿
    refused = _refused("export", "--year", "2024", "--db", db)
    assert "没有认定稿或公示稿" in refused and "--state draft" in refused
    assert "内部审核稿" in _ok("export", "--year", "2024", "--state", "draft", "--db", db)
    assert list(tmp_path.glob("2024年度*内部审核稿*.xlsx"))
    draft = _classes(db, 2024, state="draft")
    with Store.open(db, read_only=True) as store:
        ranked = store.frame(
            "SELECT uscc, name, class_label, rank, pool_size FROM results "
            "WHERE run_id = 2 AND class_label = 'C' AND eval_status = 'ranked' ORDER BY rank"
        )
    x, y, z = (ranked.row(i, named=True) for i in (ranked.height // 2, 1, ranked.height // 3))
    fragment = x["name"][-5:]  # a name fragment finds the firm
    _ok("card", "--firm", fragment, "--year", "2024", "--run", "2", "--db", db)
    assert list(tmp_path.glob("报告卡_*内部审核稿.html"))
    assert "内部审核稿" in _ok("aggregates", "--year", "2024", "--state", "draft", "--db", db)
    assert "内部审核稿" in _ok(
        "compare", "--from", "2023", "--to", "2024", "--state", "draft", "--db", db
    )
    assert "内部审核稿" in _ok("status", "--year", "2024", "--db", db)
    return x, y, z, draft


def _notice_and_objections(tmp_path: Path, db: str, x: Firm, y: Firm, z: Firm) -> None:
    # -- 公示 with dates and where to object
    posted = _ok(
        "notice", "--year", "2024", "--start", "2024-05-06", "--end", "2024-05-12",
        "--contact", "县经信局企业科，电话 0576-00000000", "--issuer", "天台县经济和信息化局",
        "--db", db,
    )  # fmt: skip
    assert "公示稿：运行 2" in posted and "2024-05-06 至 2024-05-12" in posted
    assert "公示稿" in _ok("export", "--year", "2024", "--db", db)
    assert list(tmp_path.glob("2024年度*公示稿*.xlsx"))

    # -- objections: X upheld with an adjustment, Y rejected, Z upheld with corrected land
    for firm, claim in ((x, "在建亿元项目未计入"), (y, "税收统计有误"), (z, "用地面积有误")):
        _ok(
            "objection", "add", "--year", "2024", "--firm", firm["uscc"], "--received",
            "2024-05-08", "--from", f"{firm['name']} 办公室", "--claim", claim, "--db", db,
        )  # fmt: skip
    _ok(
        "objection", "decide", "--id", "2", "--rejected", "--note", "经核实税务数据无误", "--db", db
    )
    spaced = " ".join([x["uscc"][:6].lower(), x["uscc"][6:]])  # any case, with spaces
    adjusted = _ok(
        "adjust", "--year", "2024", "--firm", spaced, "--to", "B", "--reason",
        "在建亿元项目，按规定不低于B类", "--objection", "1", "--db", db,
    )  # fmt: skip
    assert "C → B" in adjusted and "公示稿保持公示时的名单" in adjusted
    assert _classes(db, 2024)[x["uscc"]] == "C", "the posted list stays as posted"
    assert "异议不成立" in _ok("objection", "list", "--year", "2024", "--db", db)

    _ok("objection", "decide", "--id", "3", "--upheld", "--note", "不动产权证面积更正", "--db", db)
    _scale_land(tmp_path, z["uscc"], 0.9)
    _import(2023, db, tmp_path)
    rescored = _ok("run", "--year", "2024", "--profile", PROFILE, "--objection", "3", "--db", db)
    assert "已存为内部审核稿：运行 3" in rescored
    assert "沿用人工调档 1 项；待决定 0 项" in rescored, "the adjustment is carried"


def _decide_and_use(tmp_path: Path, db: str, x: Firm, draft: dict[str, str]) -> None:
    names = load_profile(PROFILE).class_names()
    # -- 认定: the rescored run, with the changes since 公示
    decided = _ok("final", "--year", "2024", "--db", db, "--who", "李四")
    assert "2024 年度已认定：运行 3" in decided and "认定稿与公示稿的差异" in decided
    assert "异议第1号" in decided
    runs = _ok("runs", "--year", "2024", "--db", db)
    assert "认定稿" in runs and "已取代" in runs
    final = _classes(db, 2024)
    assert final[x["uscc"]] == "B"
    assert _classes(db, 2024, state="notice")[x["uscc"]] == "C", "公示稿 kept as posted"
    assert draft[x["uscc"]] == "C"

    # -- one truth: history, card and levers read the final class
    past = _ok("history", "--firm", x["uscc"], "--db", db)
    assert names["B"] in past and "在建亿元项目" in past
    _ok("card", "--firm", x["uscc"], "--year", "2024", "--db", db)
    card = next(tmp_path.glob("报告卡_*认定稿.html")).read_text("utf-8")
    assert f"B {names['B']}" in card and "距 B 类还差" not in card
    _ok("levers", "--year", "2024", "--profile", PROFILE, "--db", db, "--out", "levers.xlsx")
    book = openpyxl.load_workbook(tmp_path / "levers.xlsx", read_only=True)
    rows = list(book["明细"].iter_rows(values_only=True))
    head = rows[0]
    mine = [r for r in rows[1:] if r[head.index("统一社会信用代码")] == x["uscc"]]
    assert mine and {r[head.index("等级")] for r in mine} == {"B"}


def _a_conflicting_rescore(tmp_path: Path, db: str, x: Firm) -> None:
    # -- a rescore that moves X blocks a new 认定 until the adjustment is decided
    _scale_land(tmp_path, x["uscc"], 0.3)
    _import(2023, db, tmp_path)
    conflict = _ok("run", "--year", "2024", "--profile", PROFILE, "--db", db)
    assert "沿用人工调档 0 项；待决定 1 项" in conflict and "待决定的人工调档" in conflict
    with Store.open(db, read_only=True) as store:
        waiting = store.frame("SELECT uscc, status FROM adjustment_reviews").rows()
    assert waiting == [(x["uscc"], "open")]
    blocked = _refused("final", "--year", "2024", "--supersede", "--db", db)
    assert "1 项人工调档待决定" in blocked and "--confirm" in blocked
    assert "认定稿" in _ok("status", "--year", "2024", "--db", db)
    done = _ok("final", "--year", "2024", "--supersede", "--confirm", "--db", db)
    assert "已确认 1 项人工调档不适用" in done
    with Store.open(db, read_only=True) as store:
        engine = store.first_row(
            "SELECT class_label FROM results WHERE run_id = 4 AND uscc = ?", [x["uscc"]]
        )
    assert engine is not None and engine[0] != "C"
    assert _classes(db, 2024)[x["uscc"]] == engine[0]
    with Store.open(db, read_only=True) as store:
        kept = store.frame("SELECT * FROM adjustments WHERE carried_from IS NULL")
    assert kept.height == 1, "the decision stays in the log"
    assert pl.Series(kept.get_column("objection_id")).to_list() == [1]
