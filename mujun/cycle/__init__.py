"""The yearly cycle's operations, the one place the CLI and the web app call.

Import a batch of facts, score a year (a draft), post it (公示), log and decide objections
(异议), adjust classes (调档), decide the final list (认定), and see where a year stands. Each
function takes the open store first and keyword-only options, writes in one transaction,
prints nothing and returns what happened; errors are `mujun.errors.MujunError` in Chinese.
"""

from mujun.cycle.batches import (
    BatchOutcome,
    ScoreOutcome,
    import_batch,
    score_year,
    year_line,
)
from mujun.cycle.decisions import (
    CHANGE_COLUMNS,
    Adjusted,
    FinalOutcome,
    ObjectionDecision,
    adjust,
    changes_since_notice,
    decide_final,
    decide_objection,
    normalise_uscc,
    record_objection,
    resolve_review,
    start_notice,
)
from mujun.cycle.status import YearStatus, find_firm, profile_mismatch, year_status

__all__ = [
    "CHANGE_COLUMNS",
    "Adjusted",
    "BatchOutcome",
    "FinalOutcome",
    "ObjectionDecision",
    "ScoreOutcome",
    "YearStatus",
    "adjust",
    "changes_since_notice",
    "decide_final",
    "decide_objection",
    "find_firm",
    "import_batch",
    "normalise_uscc",
    "profile_mismatch",
    "record_objection",
    "resolve_review",
    "score_year",
    "start_notice",
    "year_line",
    "year_status",
]
