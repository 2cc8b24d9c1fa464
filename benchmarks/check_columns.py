"""mujun's `score()` against DuckDB SQL with the same explanation columns, column by column.

    python benchmarks/check_columns.py [--rows 200000] [--order shuffled]

`bench_score.py` compares classes only (and the largest difference of totals); this check
compares every column the two share on every firm: text and integer columns exactly, float
columns to 1e-9 relative (DuckDB and Polars sum in different orders), nulls where nulls are.
Exit status 1 if any column differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import baselines  # noqa: E402
from generate import generate, generate_shuffled  # noqa: E402

from mujun import load_profile, score  # noqa: E402


def differing(ours: pl.DataFrame, theirs: pl.DataFrame) -> dict[str, int]:
    """Firms whose value differs, per shared column (every column of ``theirs`` is in ours)."""
    missing = [c for c in theirs.columns if c not in ours.columns]
    if missing:
        raise SystemExit(f"DuckDB returns columns mujun does not: {missing}")
    joined = ours.join(theirs, on="uscc", how="full", suffix="_sql")
    out = {}
    for column in theirs.columns:
        if column == "uscc":
            continue
        a, b = pl.col(column), pl.col(column + "_sql")
        if ours[column].dtype.is_float():
            off = ((a - b).abs() > 1e-9 * (1 + a.abs())).fill_null(value=False)
            diff = off | (a.is_null() != b.is_null())
        else:
            diff = a.cast(pl.String).ne_missing(b.cast(pl.String))
        out[column] = int(joined.select(diff.sum()).item())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--order", choices=("shuffled", "sorted"), default="shuffled")
    args = parser.parse_args()
    path = (generate if args.order == "sorted" else generate_shuffled)(args.rows, HERE / "data")
    df = pl.read_parquet(path)
    ours = score(df, profile=load_profile("zhejiang_baseline"), year=2024)
    con = duckdb.connect()
    con.execute("SET threads = 2")
    theirs = baselines.duckdb_full(con, df)
    counts = differing(ours, theirs)
    bad = {c: n for c, n in counts.items() if n}
    print(
        f"{df.height:,} firms ({args.order}): {len(counts)} columns compared, "
        f"{len(bad)} differ {bad or ''}"
    )
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
