"""Paired timing of `score()` between two versions of mujun (for engine changes).

    git archive BASE mujun | tar -x -C /tmp/mujun_base      # the version to compare with
    python benchmarks/ab_score.py --base /tmp/mujun_base [--rows 1000000] [--pairs 5]

Each pair runs the base version and the working tree's version, one after the other in fresh
processes (order alternating), on the same generated file; each process loads the file, calls
`score()` ``--calls`` times and reports the last call's wall and CPU time. Prints both medians,
the median of the per-pair ratios, and whether the two results are identical (all columns,
dtypes, nulls and NaNs: `polars.testing.assert_frame_equal`, outside the timed call). CPU time
is the steadier figure when other work shares the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

HERE = Path(__file__).resolve().parent


def worker(path: Path, calls: int, out: Path | None, engine: str) -> None:
    from mujun import load_profile, score  # noqa: PLC0415

    df = pl.read_parquet(path).rechunk()
    profile = load_profile("zhejiang_baseline")
    seconds, cpu = [], []
    for _ in range(calls):
        result = None
        start, used = time.perf_counter(), os.times()
        if engine == "default":
            result = score(df, profile=profile, year=2024)
        else:  # the same plan, lazy, collected by the named engine
            result = score(df.lazy(), profile=profile, year=2024).collect(engine=engine)
        seconds.append(time.perf_counter() - start)
        done = os.times()
        cpu.append(done.user - used.user + done.system - used.system)
    if out is not None:
        result.write_parquet(out)
    print(json.dumps({"seconds": seconds[-1], "cpu": cpu[-1]}))


def run(path: Path, source: Path | None, calls: int, out: Path, engine: str) -> dict:
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    cmd = [sys.executable, __file__, "--worker", str(path), "--calls", str(calls)]
    cmd += ["--out", str(out), "--engine", engine]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", type=Path, help="folder holding the base version's mujun/")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--order", choices=("shuffled", "sorted"), default="shuffled")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2)
    parser.add_argument(
        "--engine",
        default="default",
        help="'streaming' collects the working tree's lazy plan with the streaming engine",
    )
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.calls, args.out, args.engine)
        return
    sys.path.insert(0, str(HERE))
    from generate import generate, generate_shuffled  # noqa: PLC0415

    path = (generate if args.order == "sorted" else generate_shuffled)(args.rows, HERE / "data")
    base_t, new_t = [], []
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "base.parquet", Path(tmp) / "new.parquet"
        for i in range(args.pairs):
            first_base = i % 2 == 0
            for is_base in (first_base, not first_base):
                if is_base:
                    base_t.append(run(path, args.base, args.calls, a, "default"))
                else:
                    new_t.append(run(path, None, args.calls, b, args.engine))
        try:
            assert_frame_equal(pl.read_parquet(a), pl.read_parquet(b))
            same = "identical (all columns)"
        except AssertionError as e:
            same = f"DIFFERENT: {str(e).splitlines()[0]}"
    print(f"{args.rows:,} firm-years, {args.order}; {args.pairs} pairs, engine {args.engine}")
    for key, unit in (("seconds", "wall s"), ("cpu", "CPU s (user + sys)")):
        old, new = [r[key] for r in base_t], [r[key] for r in new_t]
        ratio = statistics.median(n / o for o, n in zip(old, new, strict=True))
        print(
            f"{unit:>20}: base median {statistics.median(old):.3f} {[round(t, 2) for t in old]}"
            f"; new median {statistics.median(new):.3f} {[round(t, 2) for t in new]}"
            f"; new / base (median of pairs) {ratio:.3f}"
        )
    print(f"results {same}")


if __name__ == "__main__":
    main()
