"""Scoring a region too large for memory: one group of counties at a time, from Parquet.

Every cross-firm computation of a profile (each benchmark, the cohort means of missing items,
the ranking pools) is split by its group columns. The columns they all share (`independent_columns`,
e.g. ``county`` when benchmarks and pools are per county) separate firms that never meet, so
the province can be scored in parts of whole groups, each part read by Polars' streaming
engine from Parquet, scored, and written as one Parquet file of the result folder.
The results equal one `score` of the whole frame, row for row (`tests/test_parts.py`).

From any Parquet scan each part filters every file; `partition_facts` writes the data year
once as one folder per group (hive-style, ``county=…/``), and `score_in_parts` given that
folder reads only each part's own files.
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


def partition_facts(source: pl.LazyFrame, folder: Path, *, profile: Profile, year: int) -> Path:
    """Write the data year's facts as Parquet files in one folder per group of ``profile``.

    The groups are `independent_columns` (hive-style folders such as ``county=天台县/``; the
    files keep the key columns). `score_in_parts` given ``folder`` reads only each part's own
    files. Written beside its final place and renamed when complete; never replaces a folder.

    Raises:
        DataError: the profile cannot be scored in parts, or the folder exists.
    """
    keys = _keys(profile)
    _refuse_existing(folder)
    data_year = year + profile.data_year_offset
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    source.filter(pl.col("year") == data_year).sink_parquet(
        pl.PartitionBy(tmp, key=list(keys), include_key=True),
        mkdir=True,
        compression=COMPRESSION,
    )
    tmp.mkdir(parents=True, exist_ok=True)  # a year without rows writes no file
    tmp.rename(folder)
    return folder


def _keys(profile: Profile) -> tuple[str, ...]:
    """`independent_columns`, refusing a profile that compares firms across the whole region."""
    keys = independent_columns(profile)
    if not keys:
        msg = (
            f"方案 {profile.meta.name!r} 在全区域范围内比较企业（{'、'.join(_SPLITTABLE)} 都不在"
            "每个基准组和排名范围中），不能分片评价。\n提示：用 `score` 一次评价全部企业。"
        )
        raise DataError(msg)
    return keys


def _refuse_existing(folder: Path) -> None:
    if folder.exists():
        msg = f"{folder} 已存在。\n提示：换一个新文件夹；已有结果不会被覆盖。"
        raise DataError(msg)


COMPRESSION = "lz4"
"""Parquet codec of the partitioned facts and the result parts (LZ4_RAW, read by Polars,
DuckDB and Arrow). NOTE: at 50M firms the whole run is CPU-bound on two cores, and zstd spent
about a quarter more time writing than lz4 (0.85 s vs 0.65 s per 1.7M-firm result) for files
15 % smaller."""

_FILE = "_source_file"
"""Working column: the Parquet file a row of a partitioned folder comes from."""


def score_in_parts(
    source: pl.LazyFrame | Path,
    folder: Path,
    *,
    profile: Profile,
    year: int,
    history: pl.LazyFrame | None = None,
    part_rows: int = 5_000_000,
) -> Parts:
    """Score ``source`` in parts and write ``part-NNNN.parquet`` files into ``folder``.

    A part is whole groups of at most ``part_rows`` firms (a larger group is a part of its own).
    ``source`` is a lazy frame (each part filters all of it) or a folder of Parquet files written
    by `partition_facts` (each part reads only the files that hold its groups).

    The folder is written beside its final place and renamed when every part is there, so a
    failed run leaves nothing that looks like a result; an existing folder is never replaced.

    Raises:
        DataError: the profile ranks or benchmarks firms across every splittable column, the
            folder exists, the source folder holds no Parquet file, or `score`'s own checks
            fail (run on the whole year first).
    """
    keys = _keys(profile)
    _refuse_existing(folder)
    data_year = year + profile.data_year_offset
    in_year = pl.col("year") == data_year
    partitioned = isinstance(source, Path)
    if isinstance(source, Path):
        paths = sorted(source.rglob("*.parquet"))
        if not paths:
            msg = f"{source} 中没有 Parquet 文件。\n提示：先用 `partition_facts` 写出。"
            raise DataError(msg)
        facts = pl.scan_parquet(paths, hive_partitioning=False, include_file_paths=_FILE)
        facts = facts.filter(in_year)
    else:
        facts = source.filter(in_year)
    check_rows(facts, data_year=data_year, evaluation_year=year)
    sizes = (
        facts.group_by(keys)
        .agg(pl.len().alias("rows"), *([pl.col(_FILE).unique()] if partitioned else []))
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
        members = sizes.filter(pl.col("_part") == index)
        if partitioned:
            # Only the files that hold this part's groups; the filter below keeps the part
            # exact even if a file holds other groups too.
            own = sorted(set(members[_FILE].explode().to_list()))
            piece = pl.scan_parquet(own, hive_partitioning=False).filter(in_year)
        else:
            piece = facts
        piece = _members(piece, members.select(keys))
        result = score(
            piece.collect(engine="streaming"), profile=profile, year=year, history=history
        )
        path = tmp / f"part-{index:04d}.parquet"
        result.write_parquet(path, compression=COMPRESSION)
        files.append(folder / path.name)
        del result
    tmp.rename(folder)
    return Parts(folder=folder, keys=keys, files=tuple(files), rows=int(sizes["rows"].sum()))


def _members(lf: pl.LazyFrame, members: pl.DataFrame) -> pl.LazyFrame:
    """Rows of ``lf`` whose key columns are one of ``members``' rows (nulls equal).

    One key is an `is_in` filter, which Parquet scans push down (row groups whose statistics
    exclude every member are skipped); several keys a semi join.
    """
    if members.width == 1:
        (key,) = members.columns
        return lf.filter(pl.col(key).is_in(members[key].implode(), nulls_equal=True))
    return lf.join(members.lazy(), on=members.columns, how="semi", nulls_equal=True)
