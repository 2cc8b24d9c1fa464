"""Snapshot store speed (issue 4).

    python benchmarks/bench_store.py [--rows 1000000] [--years 10] [--firms 100000]

1. Store a scored 1M-firm result as one run (targets: ≤ 5 s), median of 3 into fresh files.
2. Build a store of 10 published years × 100k firms, then time a firm's 10-year history
   (target: ≤ 50 ms), median over 50 random firms, opening the store once.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import polars as pl

from mujun import load_profile, score
from mujun.store import Store, fingerprint, history, publish, save_facts, save_run
from mujun.testing import make_facts

PROFILE = load_profile("zhejiang_baseline")


def bench_snapshot(rows: int, folder: Path) -> None:
    facts = make_facts(rows, seed=1, counties=90)
    result = score(facts, profile=PROFILE, year=2024)
    print(
        f"result: {result.height:,} firms x {result.width} columns, "
        f"{result.estimated_size('mb'):.0f} MB in memory"
    )
    times = []
    for i in range(3):
        path = folder / f"snap{i}.duckdb"
        with Store.open(path) as store:
            start = time.perf_counter()
            save_run(
                store,
                result,
                profile=PROFILE,
                evaluation_year=2024,
                input_fingerprint=fingerprint(facts),
            )
            times.append(time.perf_counter() - start)
        size = path.stat().st_size / 1e6
    print(
        f"store a {rows:,}-firm run: median {statistics.median(times):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in times)}; file {size:.0f} MB) — target <= 5 s"
    )


def bench_history(years: int, firms: int, folder: Path) -> None:
    path = folder / "history.duckdb"
    start = time.perf_counter()
    with Store.open(path) as store:
        for k in range(years):
            data_year = 2014 + k
            facts = make_facts(firms, seed=100 + k, year=data_year)
            batch = save_facts(store, facts, sources=[{"file": "bench"}])
            result = score(facts, profile=PROFILE, year=data_year + 1)
            run_id = save_run(
                store,
                result,
                profile=PROFILE,
                evaluation_year=data_year + 1,
                input_fingerprint=fingerprint(facts),
                batch_id=batch,
            )
            publish(store, year=data_year + 1, run_id=run_id)
    print(
        f"built {years} published years x {firms:,} firms in {time.perf_counter() - start:.1f} s "
        f"({path.stat().st_size / 1e6:.0f} MB)"
    )
    sample = make_facts(firms, seed=100).get_column("uscc").to_list()
    picks = random.Random(0).sample(sample, 50)
    with Store.open(path, read_only=True) as store:
        history(store, picks[0])  # warm the file cache once
        times = []
        for uscc in picks:
            start = time.perf_counter()
            frame = history(store, uscc)
            times.append(time.perf_counter() - start)
            assert frame.height == years, frame
    print(
        f"firm history over {years} years: median {statistics.median(times) * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms (50 firms) — target <= 50 ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--firms", type=int, default=100_000)
    args = parser.parse_args()
    print(f"threads: {pl.thread_pool_size()}")
    with tempfile.TemporaryDirectory() as tmp:
        bench_snapshot(args.rows, Path(tmp))
        bench_history(args.years, args.firms, Path(tmp))


if __name__ == "__main__":
    main()
