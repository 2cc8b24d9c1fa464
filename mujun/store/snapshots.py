"""Writing to the store: fact batches, runs, publishing, adjustments, Parquet export/import.

Every function that writes does so in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl

from mujun.errors import DataError, StoreError
from mujun.profiles.models import Profile
from mujun.schema import FACT_SCHEMA, Col, canonical_columns, item_col
from mujun.store.db import Store, engine_version

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


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)


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
            f"Facts to store must be of one data year, got {sorted(years)}.\n"
            "Hint: store each year's facts separately."
        )
        raise DataError(msg)
    canonical = facts.select(canonical_columns(facts.columns)).with_columns(
        pl.col(pl.Enum).cast(pl.String)
    )
    with store.transaction() as con:
        batch_id = store.next_id("batches", "batch_id")
        con.execute(
            "INSERT INTO batches VALUES (?, ?, ?, ?, ?)",
            [batch_id, years[0], _now(), json.dumps(sources, ensure_ascii=False), facts.height],
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
) -> int:
    """Store an engine result as a draft run; returns the run id.

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
            f"INSERT INTO runs VALUES ({_marks(12)}, 'draft', ?, NULL, NULL, ?, ?)",
            [
                run_id, evaluation_year, evaluation_year + profile.data_year_offset,
                profile.meta.name, profile.content_hash(),
                json.dumps(profile.model_dump(mode="json"), ensure_ascii=False),
                engine_version(), pl.__version__, input_fingerprint, batch_id,
                history_batch_id, _now(), profile.binding, result.height, note,
            ],
        )  # fmt: skip
        con.register("_core", core)
        con.execute(f"INSERT INTO results SELECT {run_id}, * FROM _core")
        con.register("_items", items)
        con.execute(f"INSERT INTO result_items SELECT {run_id}, * FROM _items")
        con.unregister("_core")
        con.unregister("_items")
    return run_id


def run_info(store: Store, run_id: int, /) -> dict[str, Any]:
    """One run's metadata row.

    Raises:
        StoreError: no such run.
    """
    rows = store.frame(f"SELECT * FROM runs WHERE run_id = {int(run_id)}")
    if rows.is_empty():
        msg = f"There is no run {run_id} in {store.path}.\nHint: `mujun runs` lists them."
        raise StoreError(msg)
    return rows.row(0, named=True)


def runs(store: Store, /, *, year: int | None = None) -> pl.DataFrame:
    """All runs (optionally of one evaluation year), newest first."""
    where = f"WHERE evaluation_year = {int(year)}" if year is not None else ""
    return store.frame(
        "SELECT run_id, evaluation_year, data_year, profile_name, substr(profile_hash, 1, 12) "
        "AS profile_hash, status, binding, firms, created_at, published_at, superseded_by, note "
        f"FROM runs {where} ORDER BY run_id DESC"
    )


def _latest(store: Store, year: int, status: str) -> int | None:
    row = store.first_row(
        "SELECT max(run_id) FROM runs WHERE evaluation_year = ? AND status = ?", [year, status]
    )
    return int(row[0]) if row and row[0] is not None else None


def _draft(store: Store, year: int, run_id: int | None, *, action: str) -> int:
    """The draft run to publish or adjust: the one given, else the year's latest draft.

    Raises:
        StoreError: there is none, it belongs to another year, or it is not a draft (published
            and superseded runs are immutable).
    """
    target = run_id if run_id is not None else _latest(store, year, "draft")
    if target is None:
        msg = (
            f"No draft run for evaluation year {year} to {action}; published years are "
            "immutable.\nHint: `mujun run --year …` scores a new draft (publish it with "
            "--supersede to replace the published one)."
        )
        raise StoreError(msg)
    info = run_info(store, target)
    if info["evaluation_year"] != year:
        msg = f"Run {target} is for evaluation year {info['evaluation_year']}, not {year}."
        raise StoreError(msg)
    if info["status"] != "draft":
        msg = (
            f"Run {target} is {info['status']} and immutable; only drafts can be {action}ed.\n"
            "Hint: score the year again to get a new draft."
        )
        raise StoreError(msg)
    return target


def published_run(store: Store, year: int, /) -> int | None:
    """The published run of an evaluation year, if any."""
    return _latest(store, year, "published")


def publish(
    store: Store, /, *, year: int, run_id: int | None = None, supersede: bool = False
) -> tuple[int, int | None]:
    """Publish a draft run (default: the year's latest draft).

    Returns:
        The published run and the run it superseded (if any).

    Raises:
        StoreError: no draft to publish, the run is not a draft of that year, or the year is
            already published and ``supersede`` was not given.
    """
    with store.transaction() as con:
        target = _draft(store, year, run_id, action="publish")
        current = published_run(store, year)
        if current is not None and not supersede:
            msg = (
                f"Evaluation year {year} is already published (run {current}); a published year "
                "is never overwritten.\nHint: pass --supersede to publish run "
                f"{target} in its place (run {current} is kept, marked superseded)."
            )
            raise StoreError(msg)
        if current is not None:
            con.execute(
                "UPDATE runs SET status = 'superseded', superseded_by = ? WHERE run_id = ?",
                [target, current],
            )
        con.execute(
            "UPDATE runs SET status = 'published', published_at = ? WHERE run_id = ?",
            [_now(), target],
        )
    return target, current


def adjust(
    store: Store,
    /,
    *,
    year: int,
    uscc: str,
    to_class: str,
    reason: str,
    who: str,
    run_id: int | None = None,
) -> tuple[int, str]:
    """Record a manual grade adjustment on a draft run; returns (run id, previous class).

    Raises:
        StoreError: no draft run, the run is published or superseded (immutable), the firm is
            not in it or has no class, the class is unknown, or no reason is given.
    """
    if not reason.strip():
        msg = 'A manual adjustment needs a reason.\nHint: --reason "…" (it is published).'
        raise StoreError(msg)
    with store.transaction() as con:
        target = _draft(store, year, run_id, action="adjust")
        info = run_info(store, target)
        labels = [c["label"] for c in json.loads(info["profile_json"])["classification"]["classes"]]
        if to_class not in labels:
            msg = f"Class {to_class!r} is not one of {labels} (profile {info['profile_name']})."
            raise StoreError(msg)
        row = store.first_row(
            "SELECT final_class, eval_status FROM final_results WHERE run_id = ? AND uscc = ?",
            [target, uscc],
        )
        if row is None:
            msg = f"Firm {uscc} is not in run {target}.\nHint: check the USCC."
            raise StoreError(msg)
        if row[1] not in ("ranked", "graded_as"):
            msg = f"Firm {uscc} has no class in run {target} ({row[0]}: {row[1]})."
            raise StoreError(msg)
        adjustment_id = store.next_id("adjustments", "adjustment_id")
        con.execute(
            "INSERT INTO adjustments VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [adjustment_id, target, uscc, row[0], to_class, reason.strip(), who, _now()],
        )
    return target, str(row[0])


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
        msg = f"{folder} is not a mujun snapshot export: missing {missing}."
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
                    _now(),
                    json.dumps([{"file": str(folder)}]),
                    facts.height,
                ],
            )
            con.register("_facts", facts)
            con.execute(f"INSERT INTO facts SELECT {batch_id}, * FROM _facts")
        run_id = store.next_id("runs", "run_id")
        con.execute(
            f"INSERT INTO runs VALUES ({_marks(10)}, NULL, ?, 'draft', ?, NULL, NULL, ?, ?)",
            [
                run_id, meta["evaluation_year"], meta["data_year"], meta["profile_name"],
                meta["profile_hash"], meta["profile_json"], meta["engine_version"],
                meta["polars_version"], meta["input_fingerprint"], batch_id, _now(),
                meta["binding"], meta["firms"], note,
            ],
        )  # fmt: skip
        for table, frame in (("results", results), ("result_items", items)):
            con.register("_in", frame)
            con.execute(f"INSERT INTO {table} SELECT {run_id}, * FROM _in")
            con.unregister("_in")
        if adjustments.height:
            first = store.next_id("adjustments", "adjustment_id")
            con.register("_adj", adjustments.with_row_index("i"))
            con.execute(
                f"INSERT INTO adjustments SELECT {first} + i, {run_id}, uscc, from_class, "
                "to_class, reason, who, created_at FROM _adj"
            )
    return run_id
