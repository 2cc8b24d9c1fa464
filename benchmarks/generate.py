"""Seeded synthetic firm-years for the benchmarks, written to Parquet.

    python benchmarks/generate.py --rows 1000000 10000000 [--out benchmarks/data] [--shuffled]

A synthetic province: ~90 counties, six townships each, 30 industries (GB/T 4754-2017 codes),
45 % 规上, lognormal land and amounts, ~2 % missing energy / COD / employees, 1 % utilities,
0.3 % safety incidents (`mujun.testing.make_facts`, which the tests use too). Built in chunks
of one million rows with their own seeds and USCC ranges, so a 10M file begins with the same
firms as the 1M file and memory stays bounded. Reuses a file that is already there.

The chunks come out in USCC order, which hides every sort by USCC an engine does. ``--shuffled``
also writes ``facts_<rows>_shuffled.parquet``: the same rows in a seeded random order (the
order a departmental export arrives in); `bench_score.py` reports both.

    python benchmarks/generate.py --rows 50000000 --split

writes one Parquet file per million rows into ``facts_50000000/`` instead (for
`bench_parts.py`: 50M rows need never be in memory at once).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import polars as pl

from mujun.testing import make_facts

CHUNK = 1_000_000
SHUFFLE_SEED = 20261130
COUNTIES = 90
INDUSTRIES = (  # 30 manufacturing and utility classes, GB/T 4754-2017
    "1311", "1391", "1511", "1711", "1761", "1810", "2031", "2211", "2319", "2438",
    "2641", "2669", "2710", "2929", "3011", "3099", "3130", "3311", "3360", "3399",
    "3484", "3525", "3670", "3824", "3899", "3981", "3982", "4011", "4411", "4610",
)  # fmt: skip


def chunk(index: int, rows: int) -> pl.DataFrame:
    """One seeded chunk: rows ``index × CHUNK`` … of the province."""
    frame = make_facts(rows, seed=1000 + index, counties=COUNTIES, offset=index * CHUNK)
    rng = np.random.default_rng(5000 + index)
    return frame.with_columns(
        pl.Series("industry_code", np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), rows)]),
        pl.lit(False).alias("env_incident"),
    )


def generate(rows: int, folder: Path) -> Path:
    """Write (or reuse) ``facts_<rows>.parquet`` in ``folder``."""
    path = folder / f"facts_{rows}.parquet"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    parts = [chunk(i, min(CHUNK, rows - i * CHUNK)) for i in range((rows + CHUNK - 1) // CHUNK)]
    tmp = path.with_suffix(".tmp")
    pl.concat(parts, rechunk=True).write_parquet(tmp)
    tmp.replace(path)
    return path


def generate_shuffled(rows: int, folder: Path) -> Path:
    """Write (or reuse) ``facts_<rows>_shuffled.parquet``: `generate`'s rows in a seeded order."""
    path = folder / f"facts_{rows}_shuffled.parquet"
    if path.exists():
        return path
    sorted_rows = pl.read_parquet(generate(rows, folder))
    order = np.random.default_rng(SHUFFLE_SEED).permutation(sorted_rows.height)
    tmp = path.with_suffix(".tmp")
    sorted_rows[order].write_parquet(tmp)
    tmp.replace(path)
    return path


def generate_split(rows: int, folder: Path) -> Path:
    """Write (or reuse) ``facts_<rows>/part-NNN.parquet``, one file per chunk."""
    target = folder / f"facts_{rows}"
    if target.exists():
        return target
    tmp = target.with_suffix(".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    for i in range((rows + CHUNK - 1) // CHUNK):
        chunk(i, min(CHUNK, rows - i * CHUNK)).write_parquet(tmp / f"part-{i:03d}.parquet")
    tmp.replace(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data")
    parser.add_argument("--split", action="store_true", help="one file per million rows")
    parser.add_argument("--shuffled", action="store_true", help="also a seeded random row order")
    args = parser.parse_args()
    writers = [generate_split] if args.split else [generate]
    if args.shuffled and not args.split:
        writers.append(generate_shuffled)
    for rows in args.rows:
        for write in writers:
            start = time.perf_counter()
            path = write(rows, args.out)
            size = sum(p.stat().st_size for p in [path, *path.glob("*")] if p.is_file())
            print(f"{path} ({size / 1e6:.0f} MB) in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
