"""Where a year stands (a dashboard's data) and finding a firm by what an official types."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mujun.cycle.decisions import normalise_uscc
from mujun.errors import StoreError
from mujun.store import Notice, Store
from mujun.store import runs as list_runs
from mujun.store.states import (
    STATE_LABELS,
    adjustments,
    final_run,
    notices,
    objections,
    open_notice,
    reviews,
    working_run,
)


@dataclass(frozen=True)
class YearStatus:
    """An evaluation year's cycle at a glance."""

    year: int
    stage: str
    """'no_run' (nothing scored), 'draft', 'notice' (公示 under way) or 'final' (认定)."""
    batches: pl.DataFrame
    """Fact batches of the data years its runs read (else the year before): batch_id,
    data_year, created_at, rows, problems (rejected or skipped rows kept with the batch)."""
    runs: pl.DataFrame
    """Its runs, newest first, with state and state_label."""
    notices: list[Notice]
    notice: Notice | None
    """The notice waiting for its 认定, if any."""
    objections: pl.DataFrame
    open_objections: int
    adjustments: pl.DataFrame
    """Decisions people made (not their re-applications)."""
    reviews: pl.DataFrame
    """Adjustments waiting for a decision on the working run."""
    working_run: int | None
    """The run the next adjustment or 认定 applies to."""
    final_run: int | None

    @property
    def stage_label(self) -> str:
        """The stage in Chinese."""
        return {"no_run": "尚未评价", **STATE_LABELS}[self.stage]


def year_status(store: Store, year: int, /) -> YearStatus:
    """Batches, runs with their states, notices, objections, adjustments and reviews of a year."""
    runs = list_runs(store, year=year)
    data_years = sorted(set(runs.get_column("data_year").to_list())) or [year - 1]
    listed = ", ".join(str(int(y)) for y in data_years)
    batches = store.frame(
        "SELECT b.batch_id, b.data_year, b.created_at, b.rows, count(p.batch_id) AS problems, "
        "count(p.batch_id) FILTER (WHERE p.outcome = 'rejected') AS rejected "
        "FROM batches b LEFT JOIN batch_problems p USING (batch_id) "
        f"WHERE b.data_year IN ({listed}) GROUP BY ALL ORDER BY b.batch_id"
    )
    fin = final_run(store, year)
    posted = open_notice(store, year)
    work = working_run(store, year)
    if posted is not None:
        stage = "notice"
    elif fin is not None:
        stage = "final"
    elif runs.height:
        stage = "draft"
    else:
        stage = "no_run"
    logged = objections(store, year)
    return YearStatus(
        year=year,
        stage=stage,
        batches=batches,
        runs=runs,
        notices=notices(store, year),
        notice=posted,
        objections=logged,
        open_objections=logged.filter(pl.col("outcome").is_null()).height,
        adjustments=adjustments(store, year).filter(pl.col("carried_from").is_null()),
        reviews=reviews(store, run_id=work).filter(pl.col("status") == "open")
        if work is not None
        else reviews(store, run_id=-1),
        working_run=work,
        final_run=fin,
    )


def find_firm(store: Store, text: str, /) -> tuple[str, str | None]:
    """A firm's (USCC, name) from its USCC in any case or with spaces, or a name fragment.

    Raises:
        StoreError: nothing matches, or a fragment matches several firms (listed).
    """
    key = normalise_uscc(text)
    if not key:
        msg = "请给出企业的统一社会信用代码或名称片段。"
        raise StoreError(msg)
    exact = store.frame("SELECT uscc, name FROM firms WHERE uscc = ?", [key])
    if exact.height:
        return exact.item(0, "uscc"), exact.item(0, "name")
    found = store.frame(
        "SELECT uscc, name FROM firms WHERE "
        "contains(replace(replace(lower(name), ' ', ''), '　', ''), ?) ORDER BY uscc",
        [key.lower()],
    )
    if found.height == 1:
        return found.item(0, "uscc"), found.item(0, "name")
    if found.is_empty():
        msg = (
            f"没有找到企业 “{text}”：既不是库中的统一社会信用代码，也不是企业名称的一部分。\n"
            "提示：统一社会信用代码为 18 位；名称片段如 “华东机械”。"
        )
        raise StoreError(msg)
    shown = "\n".join(f"  {u} {n or ''}" for u, n in found.head(10).rows())
    more = f"\n  … 另有 {found.height - 10} 家" if found.height > 10 else ""
    msg = f"“{text}” 对应 {found.height} 家企业，请用统一社会信用代码或更长的名称：\n{shown}{more}"
    raise StoreError(msg)


def profile_mismatch(store: Store, year: int, profile_name: str, /) -> str | None:
    """A warning when a year's 认定 run was scored under another profile than ``profile_name``.

    Levers of one region applied to classes decided under another region's method are rarely
    what an office means; the command goes on, but says so.
    """
    fin = final_run(store, year)
    if fin is None:
        return None
    row = store.first_row("SELECT profile_name FROM runs WHERE run_id = ?", [fin])
    decided = str(row[0]) if row else profile_name
    if decided == profile_name:
        return None
    return (
        f"注意：评价年度 {year} 的认定稿（运行 {fin}）按方案 {decided} 评价，这里用的是方案 "
        f"{profile_name} 的政策规则；两者通常应一致，请确认 --profile。"
    )
