"""A province too large for memory (issues 7, 18): firm-years scored in parts of whole counties.

    python benchmarks/generate.py --rows 50000000 --split      # once, ~2 min, 2.1 GB
    python benchmarks/bench_parts.py [--rows 50000000] [--part-rows 5000000]
                                     [--source partitioned scan]

(``--rows 10000000`` reads the single shuffled file of `bench_score.py` instead.)

Runs `mujun.parts.score_in_parts` with the Zhejiang baseline (benchmarks and pools per county)
in a child process per source:

- ``partitioned``: `partition_facts` first writes the data year once as one folder per county
  (hive-style, timed on its own), then each part reads only its own counties' files;
- ``scan``: each part filters every file of a Parquet scan (the earlier way).

Each part is read by Polars' streaming engine, scored with every explanation column and written
to a result folder. Prints the wall time, time per row, the child's peak resident memory
(VmHWM) against the machine's RAM, and the classes written. That parts equal one whole `score`
is proven by `tests/test_parts.py`.
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
SOURCES = ("partitioned", "scan")


def _peak_mib() -> float:
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(s.split()[1]) for s in status if s.startswith("VmHWM:")) / 1024


def worker(source: str, how: str, out: Path, part_rows: int) -> None:
    """Score in parts and print one JSON line with the figures."""
    from mujun import load_profile  # noqa: PLC0415
    from mujun.parts import partition_facts, score_in_parts  # noqa: PLC0415

    profile = load_profile("zhejiang_baseline")
    start = time.perf_counter()
    partition_seconds = partition_peak = None
    if how == "partitioned":
        facts: pl.LazyFrame | Path = partition_facts(
            pl.scan_parquet(source), out / "facts", profile=profile, year=2024
        )
        partition_seconds, partition_peak = time.perf_counter() - start, _peak_mib()
    else:
        facts = pl.scan_parquet(source)
    parts = score_in_parts(facts, out / "result", profile=profile, year=2024, part_rows=part_rows)
    seconds = time.perf_counter() - start
    peak = _peak_mib()
    classes = (
        pl.scan_parquet(out / "result" / "*.parquet")
        .group_by(pl.col("class_label").cast(pl.String))
        .agg(pl.len())
        .sort("class_label", nulls_last=True)
        .collect(engine="streaming")
    )
    figures = {
        "source": how,
        "rows": parts.rows,
        "parts": len(parts.files),
        "seconds": seconds,
        "partition_seconds": partition_seconds,
        "partition_peak_mib": partition_peak,
        "peak_mib": peak,
        "written_mb": sum(f.stat().st_size for f in parts.files) / 1e6,
        "classes": dict(classes.iter_rows()),
    }
    print(json.dumps(figures, ensure_ascii=False))


def run(source: str, how: str, part_rows: int) -> dict:
    with tempfile.TemporaryDirectory(dir=HERE / "data") as tmp:
        cmd = [sys.executable, __file__, "--worker", source, "--how", how, "--out", tmp]
        cmd += ["--part-rows", str(part_rows)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"scoring in parts failed (exit {done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--part-rows", type=int, default=5_000_000)
    parser.add_argument("--source", nargs="+", default=list(SOURCES), choices=SOURCES)
    parser.add_argument("--worker")
    parser.add_argument("--how", choices=SOURCES)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.how, args.out, args.part_rows)
        return
    folder = HERE / "data" / f"facts_{args.rows}"
    single = HERE / "data" / f"facts_{args.rows}_shuffled.parquet"
    if not folder.exists() and not single.exists():
        raise SystemExit(
            f"No data: python benchmarks/generate.py --rows {args.rows} --split "
            "(or --shuffled for one file)"
        )
    source = str(folder / "*.parquet") if folder.exists() else str(single)
    ram = int(Path("/proc/meminfo").read_text().split()[1]) / 1024
    for how in args.source:
        f = run(source, how, args.part_rows)
        print(f"\n{how}: {f['rows']:,} firm-years in {f['parts']} parts of <= {args.part_rows:,}")
        if f["partition_seconds"] is not None:
            print(
                f"  partition_facts {f['partition_seconds']:.1f} s "
                f"(peak {f['partition_peak_mib']:,.0f} MiB so far), included in the wall time"
            )
        print(f"  wall {f['seconds']:.1f} s = {f['seconds'] / f['rows'] * 1e6:.2f} µs per row")
        print(f"  peak resident {f['peak_mib']:,.0f} MiB = {f['peak_mib'] / ram:.0%} of RAM")
        print(f"  written {f['written_mb']:,.0f} MB; classes {f['classes']}")


if __name__ == "__main__":
    main()
