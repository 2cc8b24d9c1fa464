"""Every defect of the corpus ends in a clear error or a reconciled, reported import."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from reliability_corpus import STATS, Defect, Error, Noted, Reported, U, Value, Warned, corpus, xlsx

from mujun.errors import MujunError
from mujun.ingest.importer import ImportRefused, import_year
from mujun.profiles import load_profile
from mujun.testing import non_finite_cells

SETTINGS = load_profile("zhejiang_baseline").ingest
CORPUS = corpus()


def test_the_corpus_is_large_and_distinct() -> None:
    names = [d.name for d in CORPUS]
    assert len(names) == len(set(names))
    assert len(names) >= 60


@pytest.mark.parametrize("defect", CORPUS, ids=lambda d: d.name)
def test_defect(defect: Defect, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUJUN_MAX_UNZIPPED_MB", "64")  # the limits, made small for the corpus
    monkeypatch.setenv("MUJUN_MAX_FILE_MB", "1")
    files = defect.build(tmp_path)
    expect = defect.expect
    if isinstance(expect, Error):
        with pytest.raises(MujunError) as info:
            import_year(files, year=2023, settings=SETTINGS)
        message = str(info.value)
        path = next(iter(files.values()))[0]
        assert path.name in message or str(path) in message, message
        for fragment in expect.fragments:
            assert fragment in message, message
        return
    try:
        result = import_year(files, year=2023, settings=SETTINGS)
    except ImportRefused as refused:  # no row usable: refused, with what was read
        named = path_named(refused, files)
        result = refused.result
    else:
        named = True
    assert named, "a refusal names the file"
    assert result.reconciles(), result.files
    assert non_finite_cells(result.facts) == 0
    failures = result.failures
    assert (
        failures.select(pl.col("file", "reason", "outcome").null_count()).sum_horizontal().item()
        == 0
    )
    if isinstance(expect, Reported):
        hits = failures.filter(
            pl.col("reason").str.contains(expect.reason, literal=True)
            & (pl.col("outcome") == expect.outcome)
        )
        assert hits.height, failures
        hit = hits.row(0, named=True)
        if expect.row is not None:
            assert hit["row"] == expect.row, hit
        if expect.column is not None:
            assert (hit["column"] or "").startswith(expect.column), hit
    elif isinstance(expect, Warned):
        assert result.warnings.filter(
            pl.col("message").str.contains(expect.message, literal=True)
        ).height, result.warnings
    elif isinstance(expect, Noted):
        assert result.files["notes"].str.contains(expect.note, literal=True).any(), result.files
    elif isinstance(expect, Value):
        got = result.facts.filter(pl.col("uscc") == expect.uscc)
        if expect.value is None and got.is_empty():
            return
        assert got.height == 1, result.facts
        assert got.item(0, expect.column) == expect.value, got.row(0, named=True)


def path_named(refused: ImportRefused, files: dict[str, list[Path]]) -> bool:
    """A refusal names one of the files it refuses."""
    return any(p.name in str(refused) for paths in files.values() for p in paths)


@pytest.mark.parametrize("env", ["MUJUN_MAX_FILE_MB", "MUJUN_MAX_UNZIPPED_MB"])
@pytest.mark.parametrize("value", ["abc", "0", "-5"])
def test_a_limit_that_is_not_a_size_is_refused(
    env: str, value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(env, value)
    path = xlsx(tmp_path / "t.xlsx", [STATS, [U[0], "甲", 1, 2]])
    files = {"stats": [path]}
    with pytest.raises(MujunError, match=f"环境变量 {env}='{value}' 不是以 MB 计的大小"):
        import_year(files, year=2023, settings=SETTINGS)
