"""Import speed (issues 3, 13): a 200,000-row payment-level tax export, side by side with
reading the same file alone (calamine) and with openpyxl; then a 1,000,000-row tax CSV (GBK,
title and condition lines, amounts as quoted text with thousands separators) imported in a
separate process whose peak memory (RSS) is measured.

    python benchmarks/bench_import.py [--rows 200000] [--repeat 3] [--csv-rows 1000000]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import fastexcel
import numpy as np
import openpyxl
import polars as pl

from mujun.ingest.importer import import_year
from mujun.profiles import load_profile
from mujun.testing import uscc_series

ITEMS = ("增值税", "企业所得税", "城市维护建设税", "教育费附加", "地方教育附加", "印花税", "房产税",
         "个人所得税")  # fmt: skip


def make_export(rows: int, path: Path) -> None:
    """A realistic 金税三期 export: title and condition rows, 元 amounts as text with
    thousands separators, periods and 入库日期, ~20 lines per firm, some refunds, a 合计 row."""
    rng = np.random.default_rng(0)
    firms = max(1, rows // 20)
    ids = uscc_series(firms).to_numpy()
    who = rng.integers(0, firms, rows)
    month = rng.integers(1, 13, rows)
    amount = np.round(rng.lognormal(9, 1.5, rows), 2)
    refund = rng.random(rows) < 0.02
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("入库明细")
    sheet.append(["2023年度税收入库明细"])
    sheet.append(["管理机关：示范县税务局    数据类型：实缴税收    金额单位：元"])
    sheet.append(["纳税人识别号", "纳税人名称", "征收项目", "征收品目", "税款所属期起", "入库日期",
                  "实缴金额"])  # fmt: skip
    for i in range(rows):
        m = int(month[i])
        value = f"{amount[i]:,.2f}"
        sheet.append([ids[who[i]], f"示范企业{who[i]:06d}", ITEMS[i % len(ITEMS)],
                      "退库" if refund[i] else "", f"2023-{m:02d}-01",
                      f"2023-{m:02d}-15", f"({value})" if refund[i] else value])  # fmt: skip
    sheet.append(["合计"])
    book.save(path)


def make_csv(rows: int, path: Path) -> None:
    """The same kind of payments as a GBK CSV (as 金税三期 exports on Windows save it): a title
    line, a condition line stating 入库日期 and 金额单位, then the table; amounts quoted
    ("1,234.56"), 2 % refunds in parentheses."""
    rng = np.random.default_rng(1)
    firms = max(1, rows // 20)
    who = pl.Series(rng.integers(0, firms, rows))
    month = pl.Series(rng.integers(1, 13, rows)).cast(pl.String).str.zfill(2)
    amount = pl.Series(np.round(rng.lognormal(9, 1.5, rows), 2))
    text = pl.DataFrame({
        "纳税人识别号": uscc_series(firms).gather(who),
        "纳税人名称": "示范企业" + who.cast(pl.String).str.zfill(6),
        "征收项目": pl.Series(ITEMS).gather(pl.int_range(rows, eager=True) % len(ITEMS)),
        "税款所属期起": "2023-" + month + "-01",
        "入库日期": "2023-" + month + "-15",
        "实缴金额": amount,
        "退库": pl.Series(rng.random(rows) < 0.02),
    }).select(
        pl.exclude("实缴金额", "退库"),
        pl.when(pl.col("退库"))
        .then(pl.format("({})", _thousands(pl.col("实缴金额"))))
        .otherwise(_thousands(pl.col("实缴金额"))).alias("实缴金额"),
    ).write_csv()  # fmt: skip
    head = "2023年度税收入库明细\n入库日期：2023-01-01至2023-12-31，金额单位：元\n"
    path.write_bytes((head + text).encode("gb18030"))


def _thousands(amount: pl.Expr) -> pl.Expr:
    """``1234567.8`` → ``"1,234,567.80"``."""
    whole = amount.floor().cast(pl.Int64)
    cents = ((amount - amount.floor()) * 100).round().cast(pl.Int64).cast(pl.String).str.zfill(2)
    digits = whole.cast(pl.String)
    grouped = digits.str.reverse().str.replace_all(r"(\d{3})", "$1,").str.reverse()
    return grouped.str.strip_prefix(",") + "." + cents


def _child(path: Path) -> None:
    """Import ``path`` in this process and print the seconds it took (for the parent)."""
    settings = load_profile("zhejiang_baseline").ingest
    start, cpu = time.perf_counter(), time.process_time()
    result = import_year({"tax": [path]}, year=2023, settings=settings)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    f = result.files.row(0, named=True)
    print(f"{elapsed:.3f} {cpu:.3f} {f['rows_read']} {f['accepted']} {f['rejected']} "
          f"{f['skipped']} {result.facts.height}")  # fmt: skip


def bench_csv(rows: int) -> None:
    """Time and peak memory of importing a ``rows``-line tax CSV in a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tax.csv"
        start = time.perf_counter()
        make_csv(rows, path)
        print(f"wrote {rows:,} payment lines as GBK CSV ({path.stat().st_size / 1e6:.1f} MB) in "
              f"{time.perf_counter() - start:.1f} s")  # fmt: skip
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(path)], check=True, capture_output=True,
            text=True,
        ).stdout.split()  # fmt: skip
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    elapsed, cpu = float(out[0]), float(out[1])
    read, accepted, rejected, skipped, firms = map(int, out[2:])
    print(f"read {read:,} = accepted {accepted:,} + rejected {rejected:,} + skipped {skipped:,}; "
          f"firms {firms:,}")  # fmt: skip
    note = "" if peak > before else " (not above an earlier child's)"
    print(f"{'mujun import, 1 process':34}{elapsed:10.2f}   target <= 15 s (CPU {cpu:.2f} s)")
    print(f"{'peak RSS of that process (MiB)':34}{peak / 1024:10.0f}   target <= 1024{note}")


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    """Median wall seconds of ``repeat`` runs (CPU seconds of the last printed as well)."""
    times = []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
    print(f"  (last run: {times[-1]:.2f} s wall, {time.process_time() - cpu:.2f} s CPU)")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--csv-rows", type=int, default=1_000_000, help="0 skips the CSV case")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        _child(args.child)
        return
    if args.csv_rows:
        bench_csv(args.csv_rows)
    settings = load_profile("zhejiang_baseline").ingest
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tax.xlsx"
        start = time.perf_counter()
        make_export(args.rows, path)
        print(
            f"wrote {args.rows:,} payment lines ({path.stat().st_size / 1e6:.1f} MB) in "
            f"{time.perf_counter() - start:.1f} s; threads: {pl.thread_pool_size()}"
        )
        result = import_year({"tax": [path]}, year=2023, settings=settings)
        files = result.files.row(0, named=True)
        print(
            f"read {files['rows_read']:,} = accepted {files['accepted']:,} + rejected "
            f"{files['rejected']:,} + skipped {files['skipped']:,}; firms {result.facts.height:,}"
        )
        t_import = timed(lambda: import_year({"tax": [path]}, year=2023, settings=settings),
                         args.repeat)  # fmt: skip
        t_calamine = timed(
            lambda: fastexcel.read_excel(str(path)).load_sheet(0, header_row=None, dtypes="string")
            .to_polars(), args.repeat)  # fmt: skip
        t_openpyxl = timed(lambda: list(openpyxl.load_workbook(path, read_only=True).active
                                        .iter_rows(values_only=True)), 1)  # fmt: skip
    print(f"{'':34}{'median s':>10}")
    print(f"{'mujun import (all checks)':34}{t_import:10.2f}   target <= 2 s")
    ratio = t_import / t_calamine
    print(f"{'calamine read alone':34}{t_calamine:10.2f}   import / read = {ratio:.2f}")
    print(f"{'openpyxl read alone (1 run)':34}{t_openpyxl:10.2f}")


if __name__ == "__main__":
    main()
