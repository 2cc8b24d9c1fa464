"""Writing to the store: fact batches, runs, publishing, adjustments, Parquet export/import.

Every function that writes does so in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from mujun.errors import DataError, StoreError
from mujun.profiles.models import Profile
from mujun.schema import FACT_SCHEMA, Col, canonical_columns, item_col
from mujun.store.db import Store, engine_version
from mujun.store.states import (
    STATE_LABELS,
    carry_adjustments,
    close_reviews,
    final_run,
    now,
    open_notice,
    reviews,
    reviews_message,
    run_info,
    set_state,
    target_run,
)

RESULT_COLUMNS = (
    "uscc", "name", "county", "township", "park", "industry_code", "above_scale", "land_mu",
    Col.COHORT, Col.COHORT_LABEL, Col.STATUS, Col.SPECIAL_ID, Col.SPECIAL_REASON,
    Col.ITEMS_TOTAL, Col.COEFFICIENT, Col.BONUS, Col.PENALTY, Col.ADJUST_REASON, Col.TOTAL,
    Col.POOL, Col.POOL_SIZE, Col.RANK, Col.RANK_PCT, Col.CLASS_COMPUTED, Col.OVERRIDE_ID,
    Col.OVERRIDE_REASON, Col.CLASS, Col.CLASS_NAME, Col.NEXT_CLASS, Col.GAP_TO_NEXT,
)  # fmt: skip
"""Columns of the ``results`` table after ``run_id`` (migration 1)."""


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def fingerprint(facts: pl.DataFrame, /) -> str:
    """SHA-256 over the facts' rows in USCC order (the same rows give the same fingerprint)."""
    hashes = facts.sort("uscc", "year").hash_rows(seed=0)
    return hashlib.sha256(hashes.to_numpy().tobytes()).hexdigest()


def file_sha256(path: str | Path, /) -> str:
    """SHA-256 of a file's bytes (provenance of an import)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---- facts ---- #
PROBLEM_COLUMNS = ("file", "sheet", "row", "column", "value", "reason", "outcome", "raw")


def save_facts(
    store: Store,
    facts: pl.DataFrame,
    /,
    *,
    sources: list[dict[str, Any]],
    problems: pl.DataFrame | None = None,
) -> int:
    """Store one data year's canonical facts as a new batch; returns the batch id.

    ``problems`` (file, sheet, row, column, value, reason, outcome and optionally raw) are the
    rows the import rejected or skipped; they are kept with the batch for the published lists.

    Raises:
        DataError: the facts hold several data years (store them one year at a time).
    """
    years = facts.get_column("year").unique().drop_nulls().to_list()
    if len(years) != 1:
        msg = (
            f"一批入库的事实数据只能属于一个数据年度，这里有 {sorted(years)}。\n"
            "提示：按数据年度分别入库。"
        )
        raise DataError(msg)
    canonical = facts.select(canonical_columns(facts.columns)).with_columns(
        pl.col(pl.Enum).cast(pl.String)
    )
    with store.transaction() as con:
        batch_id = store.next_id("batches", "batch_id")
        con.execute(
            "INSERT INTO batches VALUES (?, ?, ?, ?, ?)",
            [batch_id, years[0], now(), json.dumps(sources, ensure_ascii=False), facts.height],
        )
        con.register("_facts", canonical.sort("uscc"))
        con.execute(f"INSERT INTO facts SELECT {batch_id}, * FROM _facts")
        if problems is not None and problems.height:
            kept = problems.select(
                (pl.col(c) if c in problems.columns else pl.lit(None)).cast(pl.String).alias(c)
                if c != "row"
                else pl.col("row").cast(pl.Int64)
                for c in PROBLEM_COLUMNS
            )
            con.register("_problems", kept)
            con.execute(f"INSERT INTO batch_problems SELECT {batch_id}, * FROM _problems")
            con.unregister("_problems")
        con.execute(
            """INSERT INTO firms SELECT uscc, any_value(name), min(year), max(year) FROM _facts
               GROUP BY uscc
               ON CONFLICT (uscc) DO UPDATE SET name = excluded.name,
                   first_year = least(firms.first_year, excluded.first_year),
                   last_year = greatest(firms.last_year, excluded.last_year)"""
        )
        con.unregister("_facts")
    return batch_id


def batch_problems(store: Store, batch_id: int | None, /) -> pl.DataFrame:
    """The import problems kept with a batch (empty when there were none)."""
    return store.frame(
        f"SELECT * EXCLUDE (batch_id) FROM batch_problems WHERE batch_id = {int(batch_id or -1)} "
        'ORDER BY file, sheet, "row"'
    )


def latest_facts(store: Store, data_year: int, /) -> tuple[int, pl.DataFrame] | None:
    """The most recent batch of facts for a data year, with its id (None if there is none)."""
    row = store.first_row("SELECT max(batch_id) FROM batches WHERE data_year = ?", [data_year])
    if not row or row[0] is None:
        return None
    batch_id = int(row[0])
    return batch_id, batch_facts(store, batch_id)


def decided_facts(store: Store, data_year: int, /) -> tuple[int, pl.DataFrame] | None:
    """A data year's facts as decided: the batch its 认定 run read, else the latest batch.

    Last year's benchmarks read these, so a correction stored for a rescore that was never
    decided does not move this year's scores.
    """
    row = store.first_row(
        "SELECT max(batch_id) FROM runs WHERE status = 'final' AND data_year = ?", [data_year]
    )
    if not row or row[0] is None:
        return latest_facts(store, data_year)
    return int(row[0]), batch_facts(store, int(row[0]))


def batch_facts(store: Store, batch_id: int, /) -> pl.DataFrame:
    """The facts of one stored batch, in canonical dtypes."""
    frame = store.frame(f"SELECT * EXCLUDE (batch_id) FROM facts WHERE batch_id = {int(batch_id)}")
    return frame.cast(FACT_SCHEMA)


# ---- runs ---- #
def save_run(
    store: Store,
    result: pl.DataFrame,
    /,
    *,
    profile: Profile,
    evaluation_year: int,
    input_fingerprint: str,
    batch_id: int | None = None,
    history_batch_id: int | None = None,
    note: str | None = None,
    who: str | None = None,
) -> int:
    """Store an engine result as a draft run; returns the run id.

    In the same transaction, the year's manual adjustments are re-applied to the new run where
    the engine class they were decided on is unchanged, and listed for review where it is not
    (`mujun.store.states.carry_adjustments`), so a rescore never loses a decision.

    Rows are written in USCC order so that DuckDB's per-row-group min/max skip most of the
    table when one firm's history is read.
    """
    result = result.sort("uscc")
    core = result.select(RESULT_COLUMNS).with_columns(
        pl.col(pl.Enum).cast(pl.String), pl.col(pl.Categorical).cast(pl.String)
    )
    items = pl.concat(
        [
            result.select(
                "uscc",
                pl.lit(ind).alias("indicator"),
                pl.col(item_col(ind, "value")).alias("value"),
                pl.col(item_col(ind, "benchmark")).alias("benchmark"),
                pl.col(item_col(ind, "item")).alias("item"),
                pl.col(item_col(ind, "status")).cast(pl.String).alias("status"),
            ).filter(pl.col("status").is_not_null())
            for ind in profile.used_indicators()
        ]
    )  # one block per indicator, each in USCC order

    with store.transaction() as con:
        run_id = store.next_id("runs", "run_id")
        con.execute(
            f"INSERT INTO runs VALUES ({_marks(12)}, 'draft', ?, NULL, NULL, ?, ?, ?, NULL)",
            [
                run_id, evaluation_year, evaluation_year + profile.data_year_offset,
                profile.meta.name, profile.content_hash(),
                json.dumps(profile.model_dump(mode="json"), ensure_ascii=False),
                engine_version(), pl.__version__, input_fingerprint, batch_id,
                history_batch_id, now(), profile.binding, result.height, note, who,
            ],
        )  # fmt: skip
        _save_classes(con, run_id, profile.model_dump(mode="json"))
        con.register("_core", core)
        con.execute(f"INSERT INTO results SELECT {run_id}, * FROM _core")
        con.register("_items", items)
        con.execute(f"INSERT INTO result_items SELECT {run_id}, * FROM _items")
        con.unregister("_core")
        con.unregister("_items")
        carry_adjustments(store, run_id)
    return run_id


def _save_classes(con: duckdb.DuckDBPyConnection, run_id: int, profile: dict[str, Any]) -> None:
    """The run's classes, best first (names of adjusted classes, the class above one)."""
    classes = profile["classification"]["classes"]
    con.executemany(
        "INSERT INTO run_classes VALUES (?, ?, ?, ?)",
        [[run_id, c["label"], c.get("name"), i] for i, c in enumerate(classes)],
    )


def runs(store: Store, /, *, year: int | None = None) -> pl.DataFrame:
    """All runs (optionally of one evaluation year), newest first, with their state's name."""
    where = f"WHERE evaluation_year = {int(year)}" if year is not None else ""
    labels = pl.DataFrame(
        {"status": list(STATE_LABELS), "state_label": list(STATE_LABELS.values())}
    )
    frame = store.frame(
        "SELECT run_id, evaluation_year, data_year, profile_name, substr(profile_hash, 1, 12) "
        "AS profile_hash, status, binding, firms, created_at, published_at, superseded_by, note, "
        "created_by, decided_by, batch_id "
        f"FROM runs {where} ORDER BY run_id DESC"
    )
    return frame.join(labels, on="status", how="left", maintain_order="left")


def published_run(store: Store, year: int, /) -> int | None:
    """The year's 认定 run, if any."""
    return final_run(store, year)


def publish(
    store: Store,
    /,
    *,
    year: int,
    run_id: int | None = None,
    supersede: bool = False,
    confirm: bool = False,
    who: str | None = None,
) -> tuple[int, int | None]:
    """Decide a run as the year's final list (认定); default: the year's working run.

    The year's adjustments are carried to the run first; open reviews refuse the decision
    unless ``confirm`` (then the engine's class stands for them, recorded as confirmed).

    Returns:
        The final run and the final run it superseded (if any).

    Raises:
        StoreError: no run to decide, the run is not a draft or notice of that year, the year is
            already final and ``supersede`` was not given, or reviews are open.
    """
    with store.transaction():
        target = target_run(
            store,
            year,
            run_id,
            allowed=("draft", "notice"),
            none=(
                f"评价年度 {year} 没有可认定的内部审核稿或公示稿。\n"
                f"提示：mujun run --year {year} 重新评价得到新的内部审核稿；"
                "已认定的结果不会被覆盖。"
            ),
            refused=(
                "不可更改；只有内部审核稿或公示稿可以认定。\n"
                f"提示：mujun run --year {year} 重新评价得到新的内部审核稿。"
            ),
        )
        current = final_run(store, year)
        if current is not None and not supersede:
            msg = (
                f"评价年度 {year} 已认定（运行 {current}），认定结果不会被覆盖。\n"
                f"提示：加 --supersede 以运行 {target} 取代之（运行 {current} 保留，标为已取代）。"
            )
            raise StoreError(msg)
        carry_adjustments(store, target)
        waiting = reviews(store, run_id=target).filter(pl.col("status") == "open")
        if waiting.height and not confirm:
            raise StoreError(reviews_message(waiting, target, step="认定"))
        close_reviews(
            store,
            waiting.get_column("review_id").to_list(),
            status="confirmed",
            who=who or "unknown",
            note="认定时确认：采用本次评价结果，原调档不适用",
        )
        stamp = now()
        posted = open_notice(store, year)
        if posted is not None and posted.run_id != target:  # a rescore replaces the posted list
            set_state(store, posted.run_id, "superseded", superseded_by=target)
        if current is not None:
            set_state(store, current, "superseded", superseded_by=target)
        set_state(store, target, "final", published_at=stamp, decided_by=who)
    return target, current


# ---- export and import (Parquet) ---- #
def export_run(store: Store, run_id: int, folder: str | Path, /) -> Path:
    """Write a run as Parquet files plus ``run.json`` into ``folder`` (created)."""
    info = run_info(store, run_id)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rid = int(run_id)
    batch = info["batch_id"] if info["batch_id"] is not None else -1
    tables = {
        "results": f"FROM results WHERE run_id = {rid} ORDER BY uscc",
        "items": f"FROM result_items WHERE run_id = {rid} ORDER BY uscc, indicator",
        "adjustments": f"FROM adjustments WHERE run_id = {rid} ORDER BY adjustment_id",
        "facts": f"FROM facts WHERE batch_id = {batch} ORDER BY uscc",
    }
    key = {"facts": "batch_id"}
    for name, query in tables.items():
        drop = key.get(name, "run_id")
        store.frame(f"SELECT * EXCLUDE ({drop}) {query}").write_parquet(folder / f"{name}.parquet")
    meta = {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in info.items()}
    (folder / "run.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")
    return folder


def import_run(store: Store, folder: str | Path, /) -> int:
    """Load an exported run as a new draft (with its facts as a new batch); returns its id.

    Raises:
        StoreError: the folder is not a mujun export.
    """
    folder = Path(folder)
    needed = [
        "run.json",
        "results.parquet",
        "items.parquet",
        "adjustments.parquet",
        "facts.parquet",
    ]
    missing = [n for n in needed if not (folder / n).is_file()]
    if missing:
        msg = (
            f"{folder} 不是 mujun 导出的快照：缺少 {', '.join(missing)}。\n"
            "提示：用 mujun snapshot export --run … --out 文件夹 导出。"
        )
        raise StoreError(msg)
    meta = json.loads((folder / "run.json").read_text("utf-8"))
    results = pl.read_parquet(folder / "results.parquet")
    items = pl.read_parquet(folder / "items.parquet")
    adjustments = pl.read_parquet(folder / "adjustments.parquet")
    facts = pl.read_parquet(folder / "facts.parquet")
    note = f"imported from {folder} (run {meta['run_id']}, {meta['status']})"
    with store.transaction() as con:
        batch_id = None
        if facts.height:
            batch_id = store.next_id("batches", "batch_id")
            con.execute(
                "INSERT INTO batches VALUES (?, ?, ?, ?, ?)",
                [
                    batch_id,
                    meta["data_year"],
                    now(),
                    json.dumps([{"file": str(folder)}]),
                    facts.height,
                ],
            )
            con.register("_facts", facts)
            con.execute(f"INSERT INTO facts SELECT {batch_id}, * FROM _facts")
        run_id = store.next_id("runs", "run_id")
        con.execute(
            f"INSERT INTO runs VALUES ({_marks(10)}, NULL, ?, 'draft', ?, NULL, NULL, ?, ?, "
            "NULL, NULL)",
            [
                run_id, meta["evaluation_year"], meta["data_year"], meta["profile_name"],
                meta["profile_hash"], meta["profile_json"], meta["engine_version"],
                meta["polars_version"], meta["input_fingerprint"], batch_id, now(),
                meta["binding"], meta["firms"], note,
            ],
        )  # fmt: skip
        _save_classes(con, run_id, json.loads(meta["profile_json"]))
        for table, frame in (("results", results), ("result_items", items)):
            con.register("_in", frame)
            con.execute(f"INSERT INTO {table} SELECT {run_id}, * FROM _in")
            con.unregister("_in")
        if adjustments.height:
            # Objections and carried-from ids point into the other database: the imported
            # adjustments are this database's decisions, with the engine class they were on.
            first = store.next_id("adjustments", "adjustment_id")
            con.register("_adj", adjustments.with_row_index("i"))
            con.register("_res", results.select("uscc", "class_label"))
            con.execute(
                f"INSERT INTO adjustments SELECT {first} + i, {run_id}, a.uscc, a.from_class, "
                "a.to_class, a.reason, a.who, a.created_at, r.class_label, NULL, NULL "
                "FROM _adj a LEFT JOIN _res r USING (uscc) ORDER BY i"
            )
            con.unregister("_res")
            con.unregister("_adj")
    return run_id
