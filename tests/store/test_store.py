from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from mujun import cycle, load_profile, score
from mujun.errors import StoreError
from mujun.store import (
    Store,
    batch_problems,
    export_run,
    fingerprint,
    history,
    import_run,
    latest_facts,
    publish,
    published_results,
    runs,
    save_facts,
    save_run,
    streak,
    transition_matrix,
)
from mujun.store._migrations import MIGRATIONS, SCHEMA_VERSION
from mujun.store.snapshots import RESULT_COLUMNS
from mujun.testing import facts, make_facts

PROFILE = load_profile("zhejiang_baseline")
WRITER = Path(__file__).with_name("writer.py")


def _store_year(store: Store, frame: pl.DataFrame, year: int, *, publish_it: bool = True) -> int:
    batch = save_facts(store, frame, sources=[{"file": "test"}])
    result = score(frame, profile=PROFILE, year=year)
    run_id = save_run(
        store,
        result,
        profile=PROFILE,
        evaluation_year=year,
        input_fingerprint=fingerprint(frame),
        batch_id=batch,
    )
    if publish_it:
        publish(store, year=year, run_id=run_id)
    return run_id


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "m.duckdb"


# ---- schema versions ---- #
def _make_v1(path: Path) -> None:
    con = duckdb.connect(str(path))
    for statement in MIGRATIONS[1]:
        con.execute(statement)
    con.execute("INSERT INTO schema_versions VALUES (1, now(), '0.0.1')")
    con.execute(
        "INSERT INTO runs VALUES (1, 2024, 2023, 'p', 'h', '{}', '0.0.1', '1', 'f', NULL, "
        "NULL, now(), 'published', true, now(), NULL, 0, NULL)"
    )
    con.close()


def test_older_database_is_refused_then_upgraded_with_backup(db: Path) -> None:
    _make_v1(db)
    with pytest.raises(
        StoreError, match=r"(?s)较早版本的 mujun 写入（schema v1）.*mujun db upgrade"
    ):
        Store.open(db)
    before, after, backup = Store.upgrade(db)
    assert (before, after) == (1, SCHEMA_VERSION)
    assert backup is not None and backup.is_file()
    with Store.open(db) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert runs(store).height == 1, "data kept through the migration"
        assert store.first_row("SELECT count(*) FROM adjustments") == (0,)
    assert Store.upgrade(db)[2] is None, "nothing to do the second time"


def test_newer_database_is_refused(db: Path) -> None:
    Store.open(db).close()
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO schema_versions VALUES (99, now(), '9.9')")
    con.close()
    with pytest.raises(StoreError, match=r"(?s)更新版本的 mujun 写入（schema v99）.*升级 mujun"):
        Store.open(db, read_only=True)


@pytest.mark.parametrize("content", [b"not a database at all" * 100, None])
def test_foreign_files_are_refused(db: Path, content: bytes | None) -> None:
    if content is None:
        con = duckdb.connect(str(db))
        con.execute("CREATE TABLE other (x INT)")
        con.close()
        match = "不是 mujun 数据库"
    else:
        db.write_bytes(content)
        match = "无法把"
    with pytest.raises(StoreError, match=match):
        Store.open(db)


def test_missing_database_read_only(db: Path) -> None:
    with pytest.raises(StoreError, match="没有 mujun 数据库"):
        Store.open(db, read_only=True)


# ---- publishing rules ---- #
def test_publish_refuses_overwrite_and_supersedes_explicitly(db: Path) -> None:
    frame = make_facts(50, seed=1)
    with Store.open(db) as store:
        first = _store_year(store, frame, 2024)
        second = _store_year(store, frame, 2024, publish_it=False)
        with pytest.raises(StoreError, match=r"(?s)已认定.*--supersede"):
            publish(store, year=2024)
        assert publish(store, year=2024, supersede=True) == (second, first)
        listed = runs(store).select("run_id", "status", "superseded_by").rows()
        assert listed == [(second, "final", None), (first, "superseded", second)]
        with pytest.raises(StoreError, match="已取代，不可更改"):
            publish(store, year=2024, run_id=first, supersede=True)
        with pytest.raises(StoreError, match="没有可认定的内部审核稿或公示稿"):
            publish(store, year=2024)
        assert published_results(store, 2024).height == 50, "superseded run's rows are kept"
        assert store.first_row("SELECT count(*) FROM results") == (100,)


def test_adjustments_on_drafts_only_and_kept_as_history(db: Path) -> None:
    frame = make_facts(60, seed=2)
    with Store.open(db) as store:
        run_id = _store_year(store, frame, 2024, publish_it=False)
        uscc, before = store.frame(
            f"SELECT uscc, class_label FROM results WHERE run_id = {run_id} "
            "AND eval_status = 'ranked' ORDER BY uscc LIMIT 1"
        ).row(0)
        target = "A" if before != "A" else "D"
        done = cycle.adjust(
            store, year=2024, uscc=uscc, to_class=target, reason="异议复核", who="t"
        )
        assert (done.run_id, done.from_class, done.state) == (run_id, before, "draft")
        again = cycle.adjust(store, year=2024, uscc=uscc, to_class="B", reason="再次复核", who="t")
        assert again.from_class == target
        with pytest.raises(StoreError, match="不是 A、B、C、D 之一"):
            cycle.adjust(store, year=2024, uscc=uscc, to_class="Z", reason="x", who="t")
        with pytest.raises(StoreError, match="理由"):
            cycle.adjust(store, year=2024, uscc=uscc, to_class="C", reason="  ", who="t")
        with pytest.raises(StoreError, match="不在运行"):
            cycle.adjust(
                store, year=2024, uscc="913310230000000000", to_class="B", reason="x", who="t"
            )
        with pytest.raises(StoreError, match="已是 B 类"):
            cycle.adjust(store, year=2024, uscc=uscc, to_class="B", reason="x", who="t")
        publish(store, year=2024)
        with pytest.raises(StoreError, match="认定稿不可更改"):
            cycle.adjust(store, year=2024, uscc=uscc, to_class="C", reason="x", who="t")
        final = published_results(store, 2024).filter(pl.col("uscc") == uscc).row(0, named=True)
        assert (final["final_class"], final["class_label"], final["adjusted"]) == (
            "B",
            before,
            True,
        )
        assert store.first_row("SELECT count(*) FROM adjustments") == (2,)


def _make_v3(path: Path) -> tuple[str, str]:
    """A database as mujun wrote it at schema v3: a published run with one adjustment."""
    frame = make_facts(40, seed=9)
    result = score(frame, profile=PROFILE, year=2024).sort("uscc")
    con = duckdb.connect(str(path))
    for version in (1, 2, 3):
        for statement in MIGRATIONS[version]:
            con.execute(statement)
        con.execute("INSERT INTO schema_versions VALUES (?, now(), '0.3')", [version])
    con.execute(
        "INSERT INTO runs VALUES (1, 2024, 2023, 'zhejiang_baseline', 'h', ?, '0.3', '1', 'f', "
        "NULL, NULL, now(), 'published', true, now(), NULL, ?, NULL)",
        [json.dumps(PROFILE.model_dump(mode="json"), ensure_ascii=False), result.height],
    )
    core = result.select(RESULT_COLUMNS).with_columns(
        pl.col(pl.Enum).cast(pl.String), pl.col(pl.Categorical).cast(pl.String)
    )
    con.register("_core", core)
    con.execute("INSERT INTO results SELECT 1, * FROM _core")
    uscc, engine = core.filter(pl.col("class_label") == "C").select("uscc", "class_label").row(0)
    con.execute(
        "INSERT INTO adjustments VALUES (1, 1, ?, ?, 'B', '异议复核', 'old', now())",
        [uscc, engine],
    )
    con.close()
    return uscc, engine


def test_v3_database_upgrades_with_published_runs_becoming_final(db: Path) -> None:
    uscc, engine = _make_v3(db)
    before, after, backup = Store.upgrade(db)
    assert (before, after) == (3, SCHEMA_VERSION) and backup is not None
    with Store.open(db) as store:
        assert runs(store).select("status", "state_label").rows() == [("final", "认定稿")]
        firm = published_results(store, 2024).filter(pl.col("uscc") == uscc).row(0, named=True)
        assert (firm["final_class"], firm["final_class_name"], firm["class_label"]) == (
            "B",
            PROFILE.class_names()["B"],
            engine,
        )
        assert firm["final_next_class"] == "A" and firm["final_gap_to_next"] is None
        assert store.first_row("SELECT engine_class FROM adjustments") == (engine,)
        past = history(store, uscc)
        assert past.select("class_label", "class_name").rows() == [
            ("B", PROFILE.class_names()["B"])
        ]


# ---- queries ---- #
def test_history_transitions_and_streaks(db: Path) -> None:
    n = 40
    taxes = {
        2022: [float(i) for i in range(n)],
        2023: [float(i) for i in range(n)],
        2024: [float(n - i) for i in range(n)],
    }
    with Store.open(db) as store:
        for year, tax in taxes.items():
            frame = facts(n, tax_wan=tax, value_added_wan=1.0).with_columns(
                pl.lit(year - 1).alias("year")
            )
            _store_year(store, frame, year)
        firm = facts(1).item(0, "uscc")  # firm 0: lowest tax in 2022 and 2023, highest in 2024
        past = history(store, firm)
        assert past.get_column("evaluation_year").to_list() == [2022, 2023, 2024]
        assert past.get_column("class_label").to_list() == ["D", "D", "A"]
        assert past.get_column("tax_per_mu").to_list() == [0.0, 0.0, 4.0]
        matrix = transition_matrix(store, from_year=2023, to_year=2024)
        assert matrix.get_column("合计").sum() == n
        d_to_a = matrix.filter(pl.col("2023＼2024") == "D").get_column("A").item()
        assert d_to_a == 2  # 5 % of 40 = 2 firms in D, both now top
        d_streak = streak(store, year=2023, kind="class", target="D")
        assert d_streak.filter(pl.col("streak") >= 2).height == 2
        assert (
            streak(store, year=2024, kind="class", target="D")
            .filter(pl.col("uscc") == firm)
            .is_empty()
        ), "a changed class ends the streak"
        low = streak(store, year=2023, kind="indicator", target="tax_per_mu", op="<=", value=1.0)
        assert (
            low.filter(pl.col("streak") == 2).height == 11
        )  # tax 0..10 → 0..1.0 万元/亩, ≤ inclusive
        fact = streak(store, year=2022, kind="fact", target="tax_wan", op="==", value=0.0)
        assert fact.rows() == [(firm, 2)]


def test_engine_reads_previous_year_facts_from_store(db: Path) -> None:
    huaian = load_profile("huaian_2024")
    with Store.open(db) as store:
        for year in (2022, 2023):
            save_facts(store, make_facts(80, seed=year, year=year), sources=[])
        current = latest_facts(store, 2023)
        previous = latest_facts(store, 2022)
    assert current is not None and previous is not None
    out = score(current[1], profile=huaian, year=2024, history=previous[1])
    bench = out.get_column("tax_per_mu__benchmark").drop_nulls().unique()
    assert bench.len() == 1 and bench.item() > 0


def test_export_import_round_trip(db: Path, tmp_path: Path) -> None:
    with Store.open(db) as store:
        run_id = _store_year(store, make_facts(70, seed=3), 2024, publish_it=False)
        uscc = store.frame(
            f"SELECT uscc FROM results WHERE run_id = {run_id} AND eval_status = 'ranked' LIMIT 1"
        ).item()
        cycle.adjust(store, year=2024, uscc=uscc, to_class="B", reason="复核", who="t")
        folder = export_run(store, run_id, tmp_path / "snap")
    assert json.loads((folder / "run.json").read_text("utf-8"))["run_id"] == run_id
    other = tmp_path / "other.duckdb"
    with Store.open(other) as store:
        new_id = import_run(store, folder)
        info = runs(store).row(0, named=True)
        assert info["status"] == "draft" and "imported" in info["note"]
        publish(store, year=2024, run_id=new_id)
        got = published_results(store, 2024).sort("uscc")
    with Store.open(db, read_only=True) as store:
        want = store.frame(f"SELECT * FROM final_results WHERE run_id = {run_id} ORDER BY uscc")
    cols = ["uscc", "total_score", "class_label", "final_class", "rank"]
    assert got.select(cols).equals(want.select(cols))


# ---- crashes and concurrency ---- #
def _state(db: Path) -> tuple[int, int, list[tuple[int, int, int]]]:
    with Store.open(db, read_only=True, timeout=60) as store:
        published = store.first_row("SELECT count(*) FROM runs WHERE status = 'final'")
        rows = store.frame(
            "SELECT r.run_id, r.firms, count(x.uscc) AS n FROM runs r "
            "LEFT JOIN results x USING (run_id) GROUP BY ALL ORDER BY run_id"
        ).rows()
        return int(published[0]) if published else 0, len(rows), rows


def _kill_trials(db: Path, trials: int, seed: int) -> int:
    rng = random.Random(seed)
    with Store.open(db) as store:
        _store_year(store, make_facts(500, seed=5), 2024)
    killed = 0
    for _ in range(trials):
        proc = subprocess.Popen(
            [sys.executable, str(WRITER), str(db), "200000", "50"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        killed += proc.returncode == -signal.SIGKILL
        published, _, rows = _state(db)
        assert published == 1, "the published year survives"
        for run_id, firms, n in rows:
            assert firms == n, f"run {run_id} is whole: {n} of {firms} result rows"
    return killed


def test_sigkill_during_large_writes_keeps_committed_state(db: Path) -> None:
    assert _kill_trials(db, trials=4, seed=1) == 4


@pytest.mark.slow
def test_many_sigkills(db: Path) -> None:
    assert _kill_trials(db, trials=50, seed=2) == 50


def test_reader_waits_for_writer_then_sees_whole_runs(db: Path) -> None:
    with Store.open(db) as store:
        _store_year(store, make_facts(500, seed=6), 2024)
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(db), "300000", "3"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    seen = []
    while proc.poll() is None:
        published, n_runs, rows = _state(db)
        assert published == 1
        assert all(firms == n for _, firms, n in rows)
        seen.append(n_runs)
    assert proc.wait() == 0
    proc.stdout.close()
    assert _state(db)[1] == 4
    assert seen == sorted(seen)


def test_busy_database_gives_clear_error(db: Path) -> None:
    Store.open(db).close()
    holder = Store.open(db)
    try:
        code = (
            f"from mujun.store import Store\nStore.open({str(db)!r}, read_only=True, timeout=0.5)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ},
        )
        assert done.returncode != 0
        assert "正忙：另一个 mujun 进程正在写入" in done.stderr
    finally:
        holder.close()


def test_import_problems_are_kept_with_their_batch(db: Path) -> None:
    problems = pl.DataFrame(
        {
            "file": ["t.xlsx"],
            "sheet": ["Sheet"],
            "row": [7],
            "column": ["G列 实缴金额"],
            "value": ["12,3x"],
            "reason": ["不是有效数字"],
            "outcome": ["rejected"],
        }
    )
    with Store.open(db) as store:
        batch = save_facts(store, make_facts(5, seed=1), sources=[], problems=problems)
        kept = batch_problems(store, batch)
    assert kept.select("row", "value", "reason").rows() == [(7, "12,3x", "不是有效数字")]
    assert kept.item(0, "raw") is None
