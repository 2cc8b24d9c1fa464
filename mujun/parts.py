"""Scoring a region too large for memory: one group of counties at a time, from Parquet.

Every cross-firm computation of a profile (each benchmark, the cohort means of missing items,
the ranking pools) is split by its group columns. The columns they all share (`independent_columns`,
e.g. ``county`` when benchmarks and pools are per county) separate firms that never meet, so
the province can be scored in parts of whole groups, each part read by Polars' streaming
engine from the Parquet file, scored, and written as one Parquet file of the result folder.
The results equal one `score` of the whole frame, row for row (`tests/test_parts.py`).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mujun.engine import check_rows, score
from mujun.errors import DataError
from mujun.profiles.models import Profile
from mujun.schema import Col
from mujun.score.benchmarks import group_keys

_SPLITTABLE = ("county", "township", "park")
"""Fact columns a region may be split by (derived columns such as the division are not)."""


@dataclass(frozen=True)
class Parts:
    """What `score_in_parts` wrote."""

    folder: Path
    keys: tuple[str, ...]
    files: tuple[Path, ...]
    rows: int


def independent_columns(profile: Profile) -> tuple[str, ...]:
    """Fact columns that every benchmark group and every ranking pool of ``profile`` includes.

    Firms that differ in these columns never share a benchmark, a cohort mean or a pool.
    """
    groups = [
        set(group_keys(profile.benchmark_for(i))) - {Col.COHORT} for i in profile.used_indicators()
    ]
    groups.append(set(profile.classification.pool))
    shared = set.intersection(*groups)
    return tuple(c for c in _SPLITTABLE if c in shared)


def score_in_parts(
    source: pl.LazyFrame,
    folder: Path,
    *,
    profile: Profile,
    year: int,
    history: pl.LazyFrame | None = None,
    part_rows: int = 5_000_000,
) -> Parts:
    """Score ``source`` in parts and write ``part-NNNN.parquet`` files into ``folder``.

    A part is whole groups of at most ``part_rows`` firms (a larger group is a part of its own).

    The folder is written beside its final place and renamed when every part is there, so a
    failed run leaves nothing that looks like a result; an existing folder is never replaced.

    Raises:
        DataError: the profile ranks or benchmarks firms across every splittable column, the
            folder exists, or `score`'s own checks fail (run on the whole year first).
    """
    keys = independent_columns(profile)
    if not keys:
        msg = (
            f"The profile {profile.meta.name!r} compares firms across the whole region (no "
            f"column among {', '.join(_SPLITTABLE)} is in every benchmark group and pool), so "
            "it cannot be scored in parts.\nHint: score it in one piece with `score`."
        )
        raise DataError(msg)
    if folder.exists():
        msg = f"{folder} already exists.\nHint: choose a new folder; results are never replaced."
        raise DataError(msg)
    data_year = year + profile.data_year_offset
    facts = source.filter(pl.col("year") == data_year)
    check_rows(facts, data_year=data_year, evaluation_year=year)
    sizes = (
        facts.group_by(keys)
        .agg(pl.len().alias("rows"))
        .sort(keys, nulls_last=True)
        .collect(engine="streaming")
    )
    # Whole groups in key order, a new part whenever the running count passes part_rows.
    part = ((sizes["rows"].cum_sum() - sizes["rows"]) // part_rows).rle_id()
    sizes = sizes.with_columns(part.alias("_part"))
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    files = []
    for index in range(sizes["_part"].n_unique()):
        members = sizes.filter(pl.col("_part") == index).select(keys)
        piece = facts.join(members.lazy(), on=list(keys), how="semi", nulls_equal=True)
        result = score(
            piece.collect(engine="streaming"), profile=profile, year=year, history=history
        )
        path = tmp / f"part-{index:04d}.parquet"
        result.write_parquet(path)
        files.append(folder / path.name)
        del result
    tmp.rename(folder)
    return Parts(folder=folder, keys=keys, files=tuple(files), rows=int(sizes["rows"].sum()))
