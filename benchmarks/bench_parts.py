"""A province too large for memory (issue 7): 50M firm-years scored in parts of whole counties.

    python benchmarks/generate.py --rows 50000000 --split      # once, ~2 min, 2.1 GB
    python benchmarks/bench_parts.py [--rows 50000000] [--part-rows 5000000]

(``--rows 10000000`` reads the single file of `bench_score.py` instead, for time per row.)

Runs `mujun.parts.score_in_parts` with the Zhejiang baseline (benchmarks and pools per county)
in a child process: Polars' streaming engine reads each part's counties from the Parquet files,
the part is scored with every explanation column, and written to a result folder. Prints the
wall time, time per row, the child's peak resident memory (VmHWM) against the machine's RAM,
and the classes written. That parts equal one whole `score` is proven by `tests/test_parts.py`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent


def worker(source: str, out: Path, part_rows: int) -> None:
    """Score in parts and print one JSON line with the figures."""
    from mujun import load_profile  # noqa: PLC0415
    from mujun.parts import score_in_parts  # noqa: PLC0415

    start = time.perf_counter()
    parts = score_in_parts(
        pl.scan_parquet(source),
        out,
        profile=load_profile("zhejiang_baseline"),
        year=2024,
        part_rows=part_rows,
    )
    seconds = time.perf_counter() - start
    status = Path("/proc/self/status").read_text().splitlines()
    peak = next(int(s.split()[1]) for s in status if s.startswith("VmHWM:")) / 1024
    classes = (
        pl.scan_parquet(out / "*.parquet")
        .group_by(pl.col("class_label").cast(pl.String))
        .agg(pl.len())
        .sort("class_label", nulls_last=True)
        .collect(engine="streaming")
    )
    figures = {
        "rows": parts.rows,
        "parts": len(parts.files),
        "seconds": seconds,
        "peak_mib": peak,
        "written_mb": sum(f.stat().st_size for f in parts.files) / 1e6,
        "classes": dict(classes.iter_rows()),
    }
    print(json.dumps(figures, ensure_ascii=False))


def run(source: str, part_rows: int) -> dict:
    with tempfile.TemporaryDirectory(dir=HERE / "data") as tmp:
        cmd = [sys.executable, __file__, "--worker", source, "--out", f"{tmp}/result"]
        cmd += ["--part-rows", str(part_rows)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"scoring in parts failed (exit {done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--part-rows", type=int, default=5_000_000)
    parser.add_argument("--worker")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.out, args.part_rows)
        return
    folder, single = (
        HERE / "data" / f"facts_{args.rows}",
        HERE / "data" / f"facts_{args.rows}.parquet",
    )
    if not folder.exists() and not single.exists():
        raise SystemExit(f"No data: python benchmarks/generate.py --rows {args.rows} --split")
    ram = int(Path("/proc/meminfo").read_text().split()[1]) / 1024
    f = run(str(folder / "*.parquet") if folder.exists() else str(single), args.part_rows)
    print(f"{f['rows']:,} firm-years in {f['parts']} parts of <= {args.part_rows:,} rows")
    print(f"wall {f['seconds']:.1f} s = {f['seconds'] / f['rows'] * 1e6:.2f} µs per row")
    print(f"peak resident {f['peak_mib']:,.0f} MiB = {f['peak_mib'] / ram:.0%} of {ram:,.0f} MiB")
    print(f"written {f['written_mb']:,.0f} MB; classes {f['classes']}")


if __name__ == "__main__":
    main()
