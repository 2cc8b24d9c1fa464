"""Scoring in parts of whole counties gives the same results as one `score` of the region."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from mujun import DataError, load_profile, score
from mujun.parts import independent_columns, partition_facts, score_in_parts
from mujun.testing import make_facts


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("region") / "facts.parquet"
    make_facts(3000, counties=7, seed=5).write_parquet(path, row_group_size=500)
    return path


@pytest.mark.parametrize(("name", "part_rows"), [("zhejiang_baseline", 1000), ("tiantai", 1)])
def test_parts_equal_the_whole(region: Path, tmp_path: Path, name: str, part_rows: int) -> None:
    profile = load_profile(name)
    whole = score(pl.read_parquet(region), profile=profile, year=2024)
    parts = score_in_parts(
        pl.scan_parquet(region), tmp_path / "out", profile=profile, year=2024, part_rows=part_rows
    )
    assert parts.keys == ("county",)
    assert 1 < len(parts.files) <= 7
    assert all(f.exists() for f in parts.files)
    assert not (tmp_path / "out.partial").exists()
    assert parts.rows == whole.height
    got = pl.read_parquet(parts.folder / "*.parquet").sort("uscc")
    assert_frame_equal(got, whole.sort("uscc"))


def test_previous_year_benchmarks_in_parts(region: Path, tmp_path: Path) -> None:
    profile = load_profile("huaian_2024")
    facts = pl.read_parquet(region)
    history = facts.with_columns(pl.lit(2022, pl.Int32).alias("year"), pl.col("tax_wan") * 0.9)
    whole = score(facts, profile=profile, year=2024, history=history)
    parts = score_in_parts(
        facts.lazy(), tmp_path / "out", profile=profile, year=2024, history=history.lazy(),
        part_rows=1500,
    )  # fmt: skip
    got = pl.read_parquet(parts.folder / "*.parquet").sort("uscc")
    assert_frame_equal(got, whole.sort("uscc"))


def test_region_wide_profile_is_refused(region: Path, tmp_path: Path) -> None:
    profile = load_profile("jingde_2022")
    assert independent_columns(profile) == ()
    with pytest.raises(DataError, match="不能分片评价"):
        score_in_parts(pl.scan_parquet(region), tmp_path / "out", profile=profile, year=2024)


def test_existing_folder_is_not_replaced(region: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("x")
    with pytest.raises(DataError, match="已存在"):
        score_in_parts(
            pl.scan_parquet(region), tmp_path / "out", profile=load_profile("tiantai"), year=2024
        )
    assert (tmp_path / "out" / "keep.txt").read_text() == "x"


def test_a_firm_in_two_counties_is_refused(region: Path, tmp_path: Path) -> None:
    facts = pl.read_parquet(region)
    twice = pl.concat([facts, facts.head(1).with_columns(pl.lit("另一县").alias("county"))])
    with pytest.raises(DataError, match="行重复的企业"):
        score_in_parts(
            twice.lazy(), tmp_path / "out", profile=load_profile("zhejiang_baseline"), year=2024
        )
    assert not (tmp_path / "out").exists()


# ---- a province written once as one folder per county ---- #
def test_partitioned_folder_parts_equal_the_whole(region: Path, tmp_path: Path) -> None:
    profile = load_profile("zhejiang_baseline")
    whole = score(pl.read_parquet(region), profile=profile, year=2024)
    folder = partition_facts(
        pl.scan_parquet(region), tmp_path / "facts", profile=profile, year=2024
    )
    assert not (tmp_path / "facts.partial").exists()
    counties = sorted(p.name for p in folder.iterdir())
    assert counties == sorted(f"county={c}" for c in whole["county"].unique().to_list())
    parts = score_in_parts(folder, tmp_path / "out", profile=profile, year=2024, part_rows=1000)
    assert 1 < len(parts.files) <= 7
    assert parts.rows == whole.height
    got = pl.read_parquet(parts.folder / "*.parquet").sort("uscc")
    assert_frame_equal(got, whole.sort("uscc"))


def test_each_part_reads_only_its_own_files(
    region: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = load_profile("zhejiang_baseline")
    folder = partition_facts(
        pl.scan_parquet(region), tmp_path / "facts", profile=profile, year=2024
    )
    every = sorted(folder.rglob("*.parquet"))
    reads: list[list[Path]] = []
    scan = pl.scan_parquet

    def recording(source: list[Path], **kwargs: object) -> pl.LazyFrame:
        reads.append([Path(f) for f in source])
        return scan(source, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pl, "scan_parquet", recording)
    parts = score_in_parts(folder, tmp_path / "out", profile=profile, year=2024, part_rows=1000)
    # one scan of every file for the checks and sizes, then one per part of its own files
    assert reads[0] == every
    own = reads[1:]
    assert len(own) == len(parts.files)
    assert sorted(f for files in own for f in files) == every  # each file read by one part
    for files, written in zip(own, parts.files, strict=True):
        counties = {f.parent.name.removeprefix("county=") for f in files}
        assert set(pl.read_parquet(written)["county"].unique().to_list()) == counties


def test_partitioned_folder_keeps_missing_counties_and_refuses_twice(
    region: Path, tmp_path: Path
) -> None:
    profile = load_profile("zhejiang_baseline")
    facts = pl.read_parquet(region)
    facts = facts.with_columns(
        pl.when(pl.int_range(pl.len()) < 20).then(None).otherwise(pl.col("county")).alias("county")
    )
    whole = score(facts, profile=profile, year=2024)
    folder = partition_facts(facts.lazy(), tmp_path / "facts", profile=profile, year=2024)
    parts = score_in_parts(folder, tmp_path / "out", profile=profile, year=2024, part_rows=700)
    got = pl.read_parquet(parts.folder / "*.parquet").sort("uscc")
    assert_frame_equal(got, whole.sort("uscc"))
    with pytest.raises(DataError, match="已存在"):
        partition_facts(facts.lazy(), folder, profile=profile, year=2024)


def test_partitioned_folder_is_checked_like_a_frame(region: Path, tmp_path: Path) -> None:
    profile = load_profile("zhejiang_baseline")
    facts = pl.read_parquet(region)
    twice = pl.concat([facts, facts.head(1).with_columns(pl.lit("另一县").alias("county"))])
    folder = partition_facts(twice.lazy(), tmp_path / "facts", profile=profile, year=2024)
    with pytest.raises(DataError, match="行重复的企业"):
        score_in_parts(folder, tmp_path / "out", profile=profile, year=2024)
    assert not (tmp_path / "out").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="没有 Parquet 文件"):
        score_in_parts(tmp_path / "empty", tmp_path / "out", profile=profile, year=2024)
    with pytest.raises(DataError, match="不能分片评价"):
        partition_facts(
            facts.lazy(), tmp_path / "f2", profile=load_profile("jingde_2022"), year=2024
        )
    assert not (tmp_path / "f2").exists()
