"""The cycle's operations one by one: states, notices, objections, adjustments, reviews."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from mujun import cycle, load_profile, score
from mujun import store as st
from mujun.cli import app
from mujun.errors import DataError, StoreError
from mujun.report.publication import load_year
from mujun.store import Store
from mujun.testing import make_facts

PROFILE = load_profile("zhejiang_baseline")
START, END = dt.date(2024, 5, 6), dt.date(2024, 5, 12)
NOTICE = {"start": START, "end": END, "contact": "经信局 0000", "issuer": "示范县经信局"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "c.duckdb") as opened:
        yield opened


def _facts(seed: int = 1, n: int = 80) -> pl.DataFrame:
    return make_facts(n, seed=seed, year=2023)


def _scored(store: Store, facts: pl.DataFrame) -> cycle.ScoreOutcome:
    cycle.import_batch(store, facts=facts, sources=[], data_year=2023, who="t")
    return cycle.score_year(store, year=2024, profile=PROFILE, who="t")


def _middle(store: Store, run_id: int, label: str) -> str:
    firms = store.frame(
        "SELECT uscc FROM results WHERE run_id = ? AND class_label = ? "
        "AND eval_status = 'ranked' ORDER BY rank",
        [run_id, label],
    )
    return str(firms.item(firms.height // 2, "uscc"))


def _final_class(store: Store, run_id: int, uscc: str) -> str:
    row = store.first_row(
        "SELECT final_class FROM final_results WHERE run_id = ? AND uscc = ?", [run_id, uscc]
    )
    assert row is not None
    return str(row[0])


def _with_land(facts: pl.DataFrame, uscc: str, factor: float) -> pl.DataFrame:
    return facts.with_columns(
        pl.when(pl.col("uscc") == uscc).then(pl.col(c) * factor).otherwise(pl.col(c)).alias(c)
        for c in ("land_mu", "land_own_mu")
        if c in facts.columns
    )


# ---- adjustments across rescores ---- #
def test_a_rescore_carries_the_years_adjustments(store: Store) -> None:
    facts = _facts()
    first = _scored(store, facts)
    firm = _middle(store, first.run_id, "C")
    cycle.adjust(store, year=2024, uscc=firm, to_class="B", reason="在建项目", who="a")
    again = _scored(store, facts)
    assert (again.carried, again.needs_review.height) == (1, 0)
    assert _final_class(store, again.run_id, firm) == "B"
    carried = store.frame(f"SELECT * FROM adjustments WHERE run_id = {again.run_id}").row(
        0, named=True
    )
    assert (carried["who"], carried["reason"], carried["carried_from"]) == ("a", "在建项目", 1)
    third = _scored(store, facts)
    assert third.carried == 1, "carried from the decision, not from its copy"


def test_a_changed_engine_class_needs_a_decision_and_blocks_notice_and_final(
    store: Store,
) -> None:
    facts = _facts()
    first = _scored(store, facts)
    firm = _middle(store, first.run_id, "C")
    cycle.adjust(store, year=2024, uscc=firm, to_class="B", reason="在建项目", who="a")
    moved = _scored(store, _with_land(facts, firm, 0.1))
    assert (moved.carried, moved.needs_review.height) == (0, 1)
    review = moved.needs_review.row(0, named=True)
    assert (review["uscc"], review["decided_on"], review["to_class"]) == (firm, "C", "B")
    with pytest.raises(StoreError, match=r"1 项人工调档待决定.*暂不能公示"):
        cycle.start_notice(store, year=2024, who="t", **NOTICE)
    with pytest.raises(StoreError, match="暂不能认定"):
        cycle.decide_final(store, year=2024, who="t")
    kept = cycle.resolve_review(store, year=2024, uscc=firm, keep=True, who="b", note="仍适用")
    assert kept is not None and kept.to_class == "B" and kept.from_class != "C"
    assert _final_class(store, moved.run_id, firm) == "B"
    cycle.start_notice(store, year=2024, who="t", **NOTICE)
    assert cycle.decide_final(store, year=2024, who="t").run_id == moved.run_id


def test_a_dropped_adjustment_is_withdrawn_for_later_runs(store: Store) -> None:
    facts = _facts()
    first = _scored(store, facts)
    firm = _middle(store, first.run_id, "C")
    cycle.adjust(store, year=2024, uscc=firm, to_class="B", reason="在建项目", who="a")
    moved = _scored(store, _with_land(facts, firm, 0.1))
    assert cycle.resolve_review(store, year=2024, uscc=firm, keep=False, who="b") is None
    engine = store.first_row(
        f"SELECT class_label FROM results WHERE run_id = {moved.run_id} AND uscc = ?", [firm]
    )
    assert engine is not None and _final_class(store, moved.run_id, firm) == engine[0]
    later = _scored(store, facts)
    assert (later.carried, later.needs_review.height) == (0, 0)
    with pytest.raises(StoreError, match=r"没有企业 .* 待决定的调档"):
        cycle.resolve_review(store, year=2024, uscc=firm, keep=True, who="b")


def test_confirming_lets_the_engine_class_stand_and_keeps_the_decision(store: Store) -> None:
    facts = _facts()
    first = _scored(store, facts)
    firm = _middle(store, first.run_id, "C")
    cycle.adjust(store, year=2024, uscc=firm, to_class="B", reason="在建项目", who="a")
    moved = _scored(store, _with_land(facts, firm, 0.1))
    done = cycle.decide_final(store, year=2024, who="t", confirm=True)
    assert done.confirmed_reviews == 1
    status = store.first_row("SELECT status, decided_by FROM adjustment_reviews")
    assert status == ("confirmed", "t")
    assert _final_class(store, moved.run_id, firm) != "B"
    assert cycle.year_status(store, 2024).adjustments.height == 1, "the decision is kept"


# ---- 公示 and 认定 ---- #
def test_the_notice_is_read_as_posted_and_the_final_list_shows_the_changes(
    store: Store,
) -> None:
    first = _scored(store, _facts())
    firm = _middle(store, first.run_id, "C")
    with pytest.raises(StoreError, match="早于开始日期"):
        cycle.start_notice(store, year=2024, who="t", **{**NOTICE, "end": START - dt.timedelta(1)})
    with pytest.raises(StoreError, match="发布单位"):
        cycle.start_notice(store, year=2024, who="t", **{**NOTICE, "issuer": " "})
    posted = cycle.start_notice(store, year=2024, who="t", **NOTICE)
    assert (posted.run_id, posted.start, posted.issuer) == (first.run_id, START, "示范县经信局")
    with pytest.raises(StoreError, match="只有内部审核稿可以公示"):
        cycle.start_notice(store, year=2024, who="t", **NOTICE)
    cycle.adjust(store, year=2024, uscc=firm, to_class="B", reason="在建项目", who="a")
    chosen = st.select_run(store, 2024)
    assert (chosen.state, chosen.label) == ("notice", "公示稿")
    as_posted = st.selected_results(store, chosen).filter(pl.col("uscc") == firm)
    assert as_posted.item(0, "final_class") == "C"
    changes = cycle.changes_since_notice(store, 2024)
    assert changes.select("uscc", "notice_class", "final_class").rows() == [(firm, "C", "B")]
    done = cycle.decide_final(store, year=2024, who="boss")
    assert (done.run_id, done.notice, done.changes.height) == (first.run_id, posted, 1)
    assert st.select_run(store, 2024).state == "final"
    assert st.select_run(store, 2024, state="notice").as_of == posted.created_at
    with pytest.raises(StoreError, match="认定稿不可更改"):
        cycle.adjust(store, year=2024, uscc=firm, to_class="A", reason="x", who="a")


def test_a_new_notice_supersedes_the_one_waiting(store: Store) -> None:
    first = _scored(store, _facts())
    cycle.start_notice(store, year=2024, who="t", **NOTICE)
    second = _scored(store, _facts(seed=2))
    cycle.start_notice(store, year=2024, who="t", **NOTICE)
    states = dict(st.runs(store, year=2024).select("run_id", "status").rows())
    assert states == {first.run_id: "superseded", second.run_id: "notice"}
    assert cycle.year_status(store, 2024).stage == "notice"


def test_select_run_names_what_the_year_has(store: Store) -> None:
    with pytest.raises(StoreError, match="没有认定稿或公示稿（该年度：没有任何运行）"):
        st.select_run(store, 2024)
    first = _scored(store, _facts())
    with pytest.raises(StoreError, match=r"(?s)运行 1 内部审核稿.*--state draft"):
        st.select_run(store, 2024)
    assert st.select_run(store, 2024, state="draft").run_id == first.run_id
    assert st.select_run(store, 2024, run=first.run_id).label == "内部审核稿"
    with pytest.raises(StoreError, match="属于评价年度 2024，不是 2025"):
        st.select_run(store, 2025, run=first.run_id)
    with pytest.raises(StoreError, match="未知的状态"):
        st.select_run(store, 2024, state="published")
    with pytest.raises(StoreError, match="只能给一个"):
        st.select_run(store, 2024, run=1, state="draft")


# ---- objections ---- #
def test_objections_are_checked_logged_and_decided_once(store: Store) -> None:
    first = _scored(store, _facts())
    firm = _middle(store, first.run_id, "C")
    claim = {"from_whom": "企业", "claim": "用地面积有误", "who": "t"}
    with pytest.raises(StoreError, match="尚未公示"):
        cycle.record_objection(store, year=2024, uscc=firm, received=START, **claim)
    cycle.start_notice(store, year=2024, who="t", **NOTICE)
    with pytest.raises(StoreError, match="不在评价年度 2024 的公示名单"):
        cycle.record_objection(store, year=2024, uscc="91" + "0" * 16, received=START, **claim)
    with pytest.raises(StoreError, match="早于公示开始日期"):
        cycle.record_objection(
            store, year=2024, uscc=firm, received=START - dt.timedelta(1), **claim
        )
    with pytest.raises(StoreError, match="异议内容"):
        cycle.record_objection(
            store, year=2024, uscc=firm, received=START, **{**claim, "claim": ""}
        )
    spaced = f" {firm[:9].lower()} {firm[9:]} "
    late = cycle.record_objection(
        store, year=2024, uscc=spaced, received=END + dt.timedelta(2), evidence="证.pdf", **claim
    )
    decided = cycle.decide_objection(
        store, objection_id=late, outcome="rejected", who="b", note="核实无误"
    )
    assert (decided.uscc, decided.label, decided.late) == (firm, "异议不成立", True)
    with pytest.raises(StoreError, match="不再更改"):
        cycle.decide_objection(store, objection_id=late, outcome="upheld", who="b", note="x")
    with pytest.raises(StoreError, match="异议不成立，不能据此调档"):
        cycle.adjust(
            store, year=2024, uscc=firm, to_class="B", reason="x", who="a", objection_id=late
        )
    other = cycle.record_objection(store, year=2024, uscc=firm, received=START, **claim)
    with pytest.raises(StoreError, match="尚未处理，暂不能认定"):
        cycle.decide_final(store, year=2024, who="t")
    cycle.adjust(store, year=2024, uscc=firm, to_class="B", reason="x", who="a", objection_id=other)
    logged = cycle.year_status(store, 2024).objections
    assert logged.select("objection_id", "outcome", "evidence").rows() == [
        (late, "rejected", "证.pdf"),
        (other, "upheld", None),
    ]
    assert cycle.decide_final(store, year=2024, who="t").open_objections.is_empty()


# ---- batches, firms, status ---- #
def test_a_batch_of_another_data_year_is_refused_before_storing(store: Store) -> None:
    with pytest.raises(DataError, match="不是要求的 2024；未入库任何数据"):
        cycle.import_batch(store, facts=_facts(), sources=[], data_year=2024, who="t")
    assert store.first_row("SELECT count(*) FROM batches") == (0,)
    problems = pl.DataFrame({"file": ["t.xlsx"], "row": [3], "reason": ["不是有效数字"]})
    done = cycle.import_batch(
        store, facts=_facts(), sources=[{"file": "t.xlsx"}], problems=problems, who="t"
    )
    assert (done.batches, done.problems) == ({2023: 1}, 1)
    assert st.batch_problems(store, 1).height == 1
    with pytest.raises(DataError, match="没有数据年度 2022 的事实数据"):
        cycle.score_year(store, year=2023, profile=PROFILE, who="t")


def test_find_firm_by_uscc_in_any_case_or_a_name_fragment(store: Store) -> None:
    facts = _facts(n=30).with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("华东机械有限公司"))
        .when(pl.int_range(pl.len()) < 3)
        .then(pl.format("东方机械厂{}", pl.int_range(pl.len())))
        .otherwise(pl.col("name"))
        .alias("name")
    )
    cycle.import_batch(store, facts=facts, sources=[], who="t")
    first = facts.item(0, "uscc")
    assert cycle.find_firm(store, f"  {first[:4].lower()} {first[4:]}") == (
        first,
        "华东机械有限公司",
    )
    assert cycle.find_firm(store, "华东 机械")[0] == first
    with pytest.raises(StoreError, match="对应 2 家企业"):
        cycle.find_firm(store, "东方机械")
    for nothing in ("不存在的企业", "%", "_"):  # no pattern characters
        with pytest.raises(StoreError, match="没有找到企业"):
            cycle.find_firm(store, nothing)


def test_year_status_follows_the_stages(store: Store) -> None:
    assert cycle.year_status(store, 2024).stage == "no_run"
    _scored(store, _facts())
    status = cycle.year_status(store, 2024)
    assert (status.stage, status.stage_label, status.batches.height) == ("draft", "内部审核稿", 1)
    cycle.start_notice(store, year=2024, who="t", **NOTICE)
    assert cycle.year_status(store, 2024).notice is not None
    cycle.decide_final(store, year=2024, who="t")
    status = cycle.year_status(store, 2024)
    assert (status.stage, status.final_run, status.working_run) == ("final", 1, None)


# ---- the command line ---- #
def test_run_refuses_facts_of_another_data_year_before_storing(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    _facts().with_columns(pl.lit(2022).alias("year")).write_parquet(tmp_path / "f.parquet")
    result = CliRunner().invoke(
        app,
        ["run", "--year", "2024", "--profile", "zhejiang_baseline", "--facts",
         str(tmp_path / "f.parquet"), "--db", str(db)],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "需要数据年度 2023 的数据；未入库任何数据" in str(result.exception)
    assert "对应评价年度 2023" in str(result.exception)
    assert not db.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["notice", "--year", "2024", "--start", "2024-05-06", "--end", "2024-05-12",
         "--contact", "x", "--issuer", "y"],
        ["final", "--year", "2024"],
        ["adjust", "--year", "2024", "--firm", "x", "--to", "B", "--reason", "x"],
        ["objection", "list", "--year", "2024"],
        ["status", "--year", "2024"],
        ["history", "--firm", "x"],
        ["export", "--year", "2024"],
    ],
)  # fmt: skip
def test_commands_do_not_create_a_database(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "none.duckdb"
    result = CliRunner().invoke(app, [*args, "--db", str(db)])
    assert result.exit_code != 0 and "没有 mujun 数据库" in str(result.exception)
    assert not db.exists()


def test_levers_under_another_profile_are_warned_about(store: Store) -> None:
    _scored(store, _facts())
    assert cycle.profile_mismatch(store, 2024, "lishui") is None, "nothing decided yet"
    cycle.decide_final(store, year=2024, who="t")
    assert cycle.profile_mismatch(store, 2024, "zhejiang_baseline") is None
    warning = cycle.profile_mismatch(store, 2024, "lishui")
    assert warning is not None and "按方案 zhejiang_baseline 评价" in warning


def test_an_undecided_correction_does_not_change_what_levers_and_benchmarks_read(
    store: Store,
) -> None:
    facts = _facts()
    first = _scored(store, facts)
    cycle.decide_final(store, year=2024, who="t")
    firm = _middle(store, first.run_id, "C")
    corrected = _with_land(facts, firm, 0.5)
    cycle.import_batch(store, facts=corrected, sources=[], data_year=2023, who="t")
    read = st.facts_of_years(store, [2023]).filter(pl.col("uscc") == firm)
    assert read.item(0, "land_mu") == facts.filter(pl.col("uscc") == firm).item(0, "land_mu")
    cycle.score_year(store, year=2024, profile=PROFILE, who="t")
    cycle.decide_final(store, year=2024, who="t", supersede=True)
    read = st.facts_of_years(store, [2023]).filter(pl.col("uscc") == firm)
    assert read.item(0, "land_mu") == corrected.filter(pl.col("uscc") == firm).item(0, "land_mu")


def test_keeping_a_class_the_engine_now_gives_records_nothing_more(store: Store) -> None:
    facts = _facts()
    first = _scored(store, facts)
    firm = _middle(store, first.run_id, "C")
    cycle.adjust(store, year=2024, uscc=firm, to_class="B", reason="在建项目", who="a")
    to_b = next(  # the smallest land cut that makes the engine class the firm B
        f
        for f in (i / 100 for i in range(99, 10, -1))
        if score(_with_land(facts, firm, f), profile=PROFILE, year=2024)
        .filter(pl.col("uscc") == firm)
        .item(0, "class_label")
        == "B"
    )
    moved = _scored(store, _with_land(facts, firm, to_b))
    assert moved.needs_review.select("engine_class", "to_class").row(0) == ("B", "B")
    before = store.first_row("SELECT count(*) FROM adjustments")
    assert cycle.resolve_review(store, year=2024, uscc=firm, keep=True, who="b") is None
    assert store.first_row("SELECT count(*) FROM adjustments") == before
    assert store.first_row("SELECT status FROM adjustment_reviews") == ("kept",)
    assert _final_class(store, moved.run_id, firm) == "B"


def test_a_class_set_by_a_rule_or_a_decision_has_no_score_gap(store: Store) -> None:
    tiantai = load_profile("tiantai")
    cycle.import_batch(store, facts=make_facts(2000, seed=4, year=2023), sources=[], who="t")
    run = cycle.score_year(store, year=2024, profile=tiantai, who="t").run_id
    view = load_year(store, 2024, state="draft")
    vetoed = view.results.filter(pl.col("override_rule").is_not_null())
    assert vetoed.height and set(vetoed.get_column("class_label")) == {"D"}
    assert vetoed.get_column("gap_to_next").is_null().all()
    assert set(vetoed.get_column("next_class")) == {"C"}
    firm = _middle(store, run, "C")
    cycle.adjust(store, year=2024, uscc=firm, to_class="A", reason="x", who="t")
    row = load_year(store, 2024, state="draft").results.filter(pl.col("uscc") == firm)
    assert row.select("class_label", "class_name", "next_class", "gap_to_next").row(0) == (
        "A",
        tiantai.class_names()["A"],
        None,
        None,
    )
    ranked = view.results.filter(
        (pl.col("class_label") == pl.col("class_engine")) & (pl.col("class_label") == "B")
    )
    assert ranked.get_column("gap_to_next").is_not_null().all(), "the ranking's own gap stays"


def test_review_through_the_cli(tmp_path: Path) -> None:
    db = str(tmp_path / "r.duckdb")
    facts = _facts()
    with Store.open(db) as opened:
        first = _scored(opened, facts)
        firm = _middle(opened, first.run_id, "C")
        cycle.adjust(opened, year=2024, uscc=firm, to_class="B", reason="在建项目", who="a")
        cycle.import_batch(
            opened, facts=_with_land(facts, firm, 0.1), sources=[], data_year=2023, who="t"
        )
    runner = CliRunner()
    scored = runner.invoke(app, ["run", "--year", "2024", "--profile", "zhejiang_baseline",
                                 "--db", db])  # fmt: skip
    assert scored.exit_code == 0 and "待决定 1 项" in scored.output.replace("\n", "")
    status = runner.invoke(app, ["status", "--year", "2024", "--db", db])
    assert "mujun review" in status.output.replace("\n", "")
    vague = runner.invoke(app, ["review", "--year", "2024", "--firm", firm, "--db", db])
    assert vague.exit_code != 0 and "--keep" in str(vague.exception)
    kept = runner.invoke(
        app, ["review", "--year", "2024", "--firm", firm.lower(), "--keep", "--db", db]
    )
    assert kept.exit_code == 0 and "继续适用" in kept.output
    decided = runner.invoke(app, ["final", "--year", "2024", "--db", db])
    assert decided.exit_code == 0, decided.output
    with Store.open(db, read_only=True) as opened:
        assert _final_class(opened, 2, firm) == "B"
