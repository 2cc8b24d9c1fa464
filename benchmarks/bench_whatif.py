"""What-if speed (issue 9): a variant on 1M firms against a plain scoring run; sensitivity.

    python benchmarks/bench_whatif.py [--rows 1000000] [--repeat 3]

Stores the seeded province of `generate.py` (Zhejiang baseline, published) in a fresh
database, reads the published year back once (`stored_year`: facts, results, item scores),
then alternates, ``--repeat`` times: a plain `score` of the facts, and `whatif` with
``weights.above.tax_per_mu=40`` and ``scoring.cap=1.5`` (score + compare with the published
run: migration, movers with their item changes, rank correlation, lever budgets). Then times
`sensitivity` over the 6 weights of the 规上 cohort × ±5 points (13 scoring runs).
Targets: what-if ≤ 2 × plain scoring; sensitivity ≤ 15 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from mujun import load_profile, score
from mujun import store as st
from mujun.whatif import sensitivity, stored_year, variant, whatif

HERE = Path(__file__).resolve().parent


def _timed(run: object) -> float:
    start = time.perf_counter()
    run()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from generate import generate  # noqa: PLC0415

    facts = pl.read_parquet(generate(args.rows, HERE / "data"))
    profile = load_profile("zhejiang_baseline")
    changed = variant(profile, ["weights.above.tax_per_mu=40", "scoring.cap=1.5"])
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        with st.Store.open(Path(tmp) / "bench.duckdb") as store:
            batch = st.save_facts(store, facts, sources=[{"file": "bench"}])
            result = score(facts, profile=profile, year=2024)
            run_id = st.save_run(
                store, result, profile=profile, evaluation_year=2024,
                input_fingerprint=st.fingerprint(facts), batch_id=batch,
            )  # fmt: skip
            st.publish(store, year=2024, run_id=run_id)
        print(f"setup (store facts, score, store and publish): {time.perf_counter() - start:.1f} s")
        with st.Store.open(Path(tmp) / "bench.duckdb", read_only=True) as store:
            start = time.perf_counter()
            year = stored_year(store, 2024)
            read = time.perf_counter() - start
            plain, what, changes = [], [], 0
            for _ in range(args.repeat):
                plain.append(_timed(lambda: score(year.facts, profile=profile, year=2024)))
                start = time.perf_counter()
                w = whatif(store, year, changed)
                what.append(time.perf_counter() - start)
                changes = int(w.comparison.summary.item(0, "changed"))
            start = time.perf_counter()
            table = sensitivity(year.facts, profile, year=2024, cohorts=["above"])
            sens = time.perf_counter() - start
    p, q = statistics.median(plain), statistics.median(what)
    print(f"{args.rows:,} firms; published year read back in {read:.2f} s")
    print(f"plain score      median {p:.2f} s  runs {', '.join(f'{t:.2f}' for t in plain)}")
    print(f"what-if          median {q:.2f} s  runs {', '.join(f'{t:.2f}' for t in what)}")
    print(f"what-if / plain = {q / p:.2f} (target <= 2); {changes:,} firms change class")
    print(f"sensitivity, {table.height} shifts (+ base): {sens:.1f} s (target <= 15 s); "
          f"changed per shift {table['changed'].to_list()}")  # fmt: skip


if __name__ == "__main__":
    main()
