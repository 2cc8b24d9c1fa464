"""Store stage: yearly snapshots in one DuckDB file (drafts, publishing, history)."""

from mujun.store.db import DB_ENV, Store, default_db_path
from mujun.store.queries import (
    aggregates,
    consecutive,
    facts_of_years,
    history,
    published_results,
    streak,
    transition_matrix,
)
from mujun.store.snapshots import (
    adjust,
    batch_facts,
    batch_problems,
    export_run,
    file_sha256,
    fingerprint,
    import_run,
    latest_facts,
    publish,
    run_info,
    runs,
    save_facts,
    save_run,
)

__all__ = [
    "DB_ENV",
    "Store",
    "adjust",
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
    "streak",
    "transition_matrix",
]
