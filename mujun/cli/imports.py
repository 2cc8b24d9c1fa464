"""Storing what ``mujun import`` read as a batch of the yearly cycle (``--db``)."""

from __future__ import annotations

from pathlib import Path

from mujun import cycle
from mujun import store as st
from mujun.cli._console import out
from mujun.ingest.importer import ImportResult
from mujun.store import Store


def store_import(result: ImportResult, *, db: Path, data_year: int, who: str) -> None:
    """Store the facts with their files' provenance and every rejected or skipped row."""
    sources = [
        {
            "file": Path(f).name,
            "sha256": st.file_sha256(f),
            "sheet": sheet,
            "source": kind,
            "rows_read": r,
            "accepted": a,
            "rejected": j,
            "skipped": k,
            "mapping": result.mapping_for(f, sheet),
            "corrections": list(result.corrections),
        }
        for f, sheet, kind, r, a, j, k in result.files.select(
            "file", "sheet", "source", "rows_read", "accepted", "rejected", "skipped"
        ).iter_rows()
    ]
    with Store.open(db) as store:
        done = cycle.import_batch(
            store,
            facts=result.facts,
            sources=sources,
            problems=result.failures,
            data_year=data_year,
            who=who,
        )
    batches = "、".join(str(b) for b in done.batches.values())
    out.print(
        f"已入库：{db} 批次 {batches}（{done.rows} 家企业，导入问题 {done.problems} 行）",
        markup=False,
    )
