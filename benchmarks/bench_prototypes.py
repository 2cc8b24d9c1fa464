"""Engine changes prototyped outside this team member's files, timed in pairs (issue 18).

    python benchmarks/bench_prototypes.py VARIANT [--rows 1000000] [--order shuffled] [--pairs 3]

Each variant patches one function of mujun at run time (the files themselves are unchanged),
then runs like `ab_score.py`: pairs of fresh processes, the current code and the variant in
alternating order, each calling `score()` twice and reporting the second call's wall and CPU
time; at the end the two results are compared with `assert_frame_equal` (all 60 columns).

Variants:

- ``rank_string``: the rank's last tie-break key is the USCC string itself, not the USCC's
  ordinal rank among all firms (a full string sort) — `mujun/classify/ranking.py`;
- ``rank_sortby``: the rank as the inverse of one `sort_by` permutation per pool, USCC string
  last — `mujun/classify/ranking.py`;
- ``division``: the industry-division regex on the distinct codes only —
  `mujun/score/measures.py`;
- ``groupby_join``: group statistics as a group-by joined back on the group id instead of
  windows — `mujun/_exprs.py` (`add_aggregates`).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

HERE = Path(__file__).resolve().parent
VARIANTS = ("rank_string", "rank_sortby", "division", "groupby_join")


def _ranks(rank_of: str) -> Callable[..., pl.LazyFrame]:
    """`add_ranks` with the rank expression replaced (``rank_of``: string or sortby)."""
    from mujun._exprs import gid_column, group_id  # noqa: PLC0415
    from mujun.schema import Col, item_col  # noqa: PLC0415

    ranking = importlib.import_module("mujun.classify.ranking")

    def add_ranks(lf: pl.LazyFrame, /, *, profile: object) -> pl.LazyFrame:
        cls = profile.classification  # type: ignore[attr-defined]
        cols = ranking.pool_columns(profile)
        partition = [*cols, ranking.RANKED]
        pool = gid_column(partition)
        ranked = pl.col(ranking.RANKED)
        keys = [
            -pl.col(Col.TOTAL),
            *((-pl.col(item_col(tb, "value"))).fill_null(float("inf")) for tb in cls.tie_break),
            pl.col("uscc"),
        ]
        if rank_of == "string":
            rank = pl.struct(*(k.alias(f"k{i}") for i, k in enumerate(keys))).rank("ordinal")
        else:
            rank = pl.int_range(pl.len(), dtype=pl.UInt32).sort_by(keys).arg_sort() + 1
        n = pl.len().cast(pl.Int64)
        lf = lf.with_columns((pl.col(Col.STATUS) == "ranked").alias(ranking.RANKED))
        counts = ranking.cumulative_counts(cls, n=n, reached=[])
        return (
            lf.with_columns(group_id(partition, lf.collect_schema()).alias(pool))
            .with_columns(
                pl.when(ranked).then(ranking._pool_name(profile, cols).over(pool)).alias(Col.POOL),
                pl.when(ranked).then(n.over(pool)).alias(Col.POOL_SIZE),
                pl.when(ranked).then(rank.over(pool)).cast(pl.Int64).alias(Col.RANK),
                *(
                    pl.when(ranked).then(c.over(pool)).alias(ranking._CUM.format(j))
                    for j, c in enumerate(counts)
                ),
            )
            .with_columns((pl.col(Col.RANK) / pl.col(Col.POOL_SIZE)).alias(Col.RANK_PCT))
        )

    return add_ranks


def _division(code: pl.Expr) -> pl.Expr:
    # NOTE: maintain_order, so the codes and their extracted divisions pair up (a plain
    # unique() is computed twice in no fixed order and pairs them wrongly).
    distinct = code.unique(maintain_order=True)
    extracted = distinct.str.extract(r"^\s*[A-Za-z]?(\d{2})", 1)
    return code.replace_strict(distinct, extracted, default=None, return_dtype=pl.String)


def _aggregates_joined(
    lf: pl.LazyFrame, aggregates: Mapping[tuple[str, ...], Sequence[pl.Expr]], /
) -> pl.LazyFrame:
    from mujun._exprs import gid_column, group_id  # noqa: PLC0415

    schema = lf.collect_schema()
    ids = {keys: gid_column(keys) for keys in aggregates if keys}
    lf = lf.with_columns(
        group_id(keys, schema).alias(name) for keys, name in ids.items() if name not in schema
    )
    for keys, group in aggregates.items():
        if group and keys:
            table = lf.group_by(ids[keys]).agg(group)
            lf = lf.join(table, on=ids[keys], how="left", maintain_order="left")
        elif group:
            lf = lf.with_columns(group)
    return lf


def _patch(variant: str) -> None:
    if variant.startswith("rank_"):
        importlib.import_module("mujun.classify").add_ranks = _ranks(variant.removeprefix("rank_"))
    elif variant == "division":
        importlib.import_module("mujun.score.measures")._division = _division
    elif variant == "groupby_join":
        importlib.import_module("mujun.score").add_aggregates = _aggregates_joined


def worker(variant: str, path: Path, out: Path) -> None:
    if variant != "current":
        _patch(variant)
    from mujun import load_profile, score  # noqa: PLC0415

    df = pl.read_parquet(path).rechunk()
    profile = load_profile("zhejiang_baseline")
    for _ in range(2):
        result = None
        start, used = time.perf_counter(), os.times()
        result = score(df, profile=profile, year=2024)
        wall, done = time.perf_counter() - start, os.times()
    result.write_parquet(out)
    cpu = done.user - used.user + done.system - used.system
    print(json.dumps({"seconds": wall, "cpu": cpu}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("variant", choices=(*VARIANTS, "current"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--order", choices=("shuffled", "sorted"), default="shuffled")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.variant, args.worker, args.out)
        return
    sys.path.insert(0, str(HERE))
    from generate import generate, generate_shuffled  # noqa: PLC0415

    path = (generate if args.order == "sorted" else generate_shuffled)(args.rows, HERE / "data")
    runs: dict[str, list[dict]] = {"current": [], args.variant: []}
    out = {v: HERE / "data" / f"prototype_{v}.parquet" for v in runs}
    for i in range(args.pairs):
        for v in list(runs) if i % 2 == 0 else list(runs)[::-1]:
            cmd = [sys.executable, __file__, v, "--worker", str(path), "--out", str(out[v])]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(done.stderr)
            runs[v].append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{args.rows:,} firm-years, {args.order}; {args.pairs} pairs; {args.variant}")
    for key in ("seconds", "cpu"):
        old, new = ([r[key] for r in runs[v]] for v in runs)
        ratio = statistics.median(n / o for o, n in zip(old, new, strict=True))
        print(
            f"  {key:7}: current {statistics.median(old):.3f} {[round(t, 2) for t in old]}; "
            f"variant {statistics.median(new):.3f} {[round(t, 2) for t in new]}; "
            f"variant / current {ratio:.3f}"
        )
    frames = [pl.read_parquet(out[v]) for v in runs]
    for f in out.values():
        f.unlink()
    try:
        assert_frame_equal(*frames)
        print("  results identical (all columns)")
    except AssertionError as e:
        print(f"  results DIFFER: {str(e).splitlines()[0]}")


if __name__ == "__main__":
    main()
