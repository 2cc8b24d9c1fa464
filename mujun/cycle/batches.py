"""Importing a batch of facts and scoring a year: the cycle's first two steps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from mujun import store as st
from mujun.engine import score
from mujun.errors import DataError, StoreError
from mujun.profiles.models import Profile
from mujun.store import Store
from mujun.store.snapshots import decided_facts
from mujun.store.states import objection_row, reviews


@dataclass(frozen=True)
class BatchOutcome:
    """Facts stored: one batch per data year."""

    batches: dict[int, int]
    """Data year → batch id."""
    rows: int
    problems: int
    """Rejected or skipped rows kept with the batches (导入问题)."""


def year_line(data_year: int, *, offset: int) -> str:
    """Which evaluation year a data year serves, e.g. "数据年度 2023 → 评价年度 2024"."""
    return f"数据年度 {data_year} → 评价年度 {data_year - offset}"


def import_batch(
    store: Store,
    *,
    facts: pl.DataFrame,
    sources: list[dict[str, Any]],
    problems: pl.DataFrame | None = None,
    data_year: int | None = None,
    who: str,
    objection_id: int | None = None,
) -> BatchOutcome:
    """Store canonical facts as new batches (one per data year), with the import's problems.

    ``data_year``, when given, must be the facts' only data year: a file of another year is
    refused before anything is stored. ``objection_id`` links corrected facts to the objection
    they answer.

    Raises:
        DataError: the facts are empty or of another data year than ``data_year``.
        StoreError: the objection does not exist.
    """
    years = sorted(facts.get_column("year").drop_nulls().unique().to_list())
    if not years:
        msg = "没有可入库的事实数据（0 行）。\n提示：检查导入的文件与导入报告。"
        raise DataError(msg)
    if data_year is not None and years != [data_year]:
        msg = (
            f"事实数据的数据年度是 {'、'.join(map(str, years))}，不是要求的 {data_year}；"
            "未入库任何数据。\n提示：检查 --data-year 或所选文件。"
        )
        raise DataError(msg)
    if objection_id is not None:
        objection_row(store, objection_id)
    stamped = [{**s, "stored_by": who} for s in sources]
    # NOTE: an import's problem rows carry no data year (a rejected row has none); an import
    # reads one data year, so they are kept with that year's batch (the latest of several).
    keep_with = data_year if data_year is not None else years[-1]
    batches: dict[int, int] = {}
    for part in facts.partition_by("year", maintain_order=True):
        year = int(part.item(0, "year"))
        batches[year] = st.save_facts(
            store, part, sources=stamped, problems=problems if year == keep_with else None
        )
    if objection_id is not None:
        with store.transaction() as con:
            con.execute(
                "UPDATE objections SET batch_id = ? WHERE objection_id = ?",
                [max(batches.values()), objection_id],
            )
    return BatchOutcome(
        batches=batches,
        rows=facts.height,
        problems=0 if problems is None else problems.height,
    )


@dataclass(frozen=True)
class ScoreOutcome:
    """A year scored and stored as a draft."""

    year: int
    data_year: int
    run_id: int
    batch_id: int
    history_batch_id: int | None
    result: pl.DataFrame
    """The engine's result (every firm, every explanation column)."""
    carried: int
    """The year's earlier adjustments re-applied to this run."""
    needs_review: pl.DataFrame
    """Adjustments whose engine class changed: uscc, name, decided_on, to_class, reason,
    engine_class (the new run's class)."""


def score_year(
    store: Store,
    *,
    year: int,
    profile: Profile,
    note: str | None = None,
    who: str,
    objection_ids: Sequence[int] = (),
) -> ScoreOutcome:
    """Score an evaluation year from its stored facts and store it as a draft run.

    Last year's facts (previous-year benchmarks) are those its 认定 run read, else its latest
    batch. The year's adjustments are carried to the new run (or listed for review); the objections
    given are linked to the run and to the facts batch it read (a rescore after corrected
    facts).

    Raises:
        DataError: no stored facts for the profile's data year.
        StoreError: an objection does not exist or is of another year.
    """
    data_year = year + profile.data_year_offset
    for objection in objection_ids:
        row = objection_row(store, objection)
        if row["evaluation_year"] != year:
            msg = f"异议第 {objection} 号属于评价年度 {row['evaluation_year']}，不是 {year}。"
            raise StoreError(msg)
    current = st.latest_facts(store, data_year)
    if current is None:
        line = year_line(data_year, offset=profile.data_year_offset)
        msg = (
            f"没有数据年度 {data_year} 的事实数据（{line}）。\n"
            f"提示：先用 mujun import --data-year {data_year} … --db 入库，"
            "或 mujun run --facts 文件。"
        )
        raise DataError(msg)
    previous = decided_facts(store, data_year - 1)
    batch_id, frame = current
    result = score(frame, profile=profile, year=year, history=previous[1] if previous else None)
    run_id = st.save_run(
        store,
        result,
        profile=profile,
        evaluation_year=year,
        input_fingerprint=st.fingerprint(frame),
        batch_id=batch_id,
        history_batch_id=previous[0] if previous else None,
        note=note,
        who=who,
    )
    if objection_ids:
        listed = ", ".join(str(int(i)) for i in objection_ids)
        with store.transaction() as con:
            con.execute(
                "UPDATE objections SET run_id = ?, batch_id = coalesce(batch_id, ?) "
                f"WHERE objection_id IN ({listed})",
                [run_id, batch_id],
            )
    carried = store.first_row(
        "SELECT count(*) FROM adjustments WHERE run_id = ? AND carried_from IS NOT NULL", [run_id]
    )
    return ScoreOutcome(
        year=year,
        data_year=data_year,
        run_id=run_id,
        batch_id=batch_id,
        history_batch_id=previous[0] if previous else None,
        result=result,
        carried=int(carried[0]) if carried else 0,
        needs_review=reviews(store, run_id=run_id).filter(pl.col("status") == "open"),
    )
