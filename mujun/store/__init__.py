"""Store stage: yearly snapshots in one DuckDB file (draft, 公示, 认定, history)."""

from mujun.store.db import DB_ENV, Store, default_db_path
from mujun.store.queries import (
    Selected,
    aggregates,
    consecutive,
    facts_of_years,
    history,
    published_results,
    select_run,
    selected_results,
    streak,
    transition_matrix,
)
from mujun.store.snapshots import (
    batch_facts,
    batch_problems,
    export_run,
    file_sha256,
    fingerprint,
    import_run,
    latest_facts,
    publish,
    runs,
    save_facts,
    save_run,
)
from mujun.store.states import STATE_LABELS, Notice, run_info

__all__ = [
    "DB_ENV",
    "STATE_LABELS",
    "Notice",
    "Selected",
    "Store",
    "aggregates",
    "batch_facts",
    "batch_problems",
    "consecutive",
    "default_db_path",
    "export_run",
    "facts_of_years",
    "file_sha256",
    "fingerprint",
    "history",
    "import_run",
    "latest_facts",
    "publish",
    "published_results",
    "run_info",
    "runs",
    "save_facts",
    "save_run",
    "select_run",
    "selected_results",
    "streak",
    "transition_matrix",
]
