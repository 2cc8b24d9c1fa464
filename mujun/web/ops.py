"""The operations the pages call: the cycle's own (`mujun.cycle`), the ones the CLI calls.

Views call these names only, so a page and its command cannot drift apart; the few lines here
translate a form's values (a method's name) into the operation's arguments.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from mujun import cycle
from mujun import store as st
from mujun.errors import MujunError
from mujun.profiles import load_profile
from mujun.report.publication import YearView, load_year
from mujun.store import Store


class OperationError(MujunError):
    """A page's request cannot be carried out (the message says why)."""


def score_year(store: Store, /, *, year: int, profile: str, note: str | None, who: str) -> int:
    """Score an evaluation year from its stored facts as a new draft run; returns its id."""
    done = cycle.score_year(store, year=year, profile=load_profile(profile), note=note, who=who)
    return int(done.run_id)


def import_batch(
    store: Store,
    /,
    *,
    facts: pl.DataFrame,
    sources: list[dict[str, Any]],
    problems: pl.DataFrame,
    data_year: int,
    who: str,
) -> int:
    """Store an upload's facts as the data year's new batch; returns its id."""
    done = cycle.import_batch(
        store, facts=facts, sources=sources, problems=problems, data_year=data_year, who=who
    )
    return int(max(done.batches.values()))


start_notice = cycle.start_notice
record_objection = cycle.record_objection
decide_objection = cycle.decide_objection
adjust = cycle.adjust
decide_final = cycle.decide_final
resolve_review = cycle.resolve_review


def final_preview(store: Store, /, *, year: int) -> pl.DataFrame:
    """What 认定 would change against the posted list.

    Columns: uscc, name, notice_class, final_class, why.
    """
    return cycle.changes_since_notice(store, year)


def year_view(store: Store, run_id: int, /) -> YearView:
    """A run as the report stage reads it (the report card, the workbooks)."""
    info = st.run_info(store, run_id)
    return load_year(store, int(info["evaluation_year"]), run=run_id)
