"""Import speed (issue 3): a 200,000-row payment-level tax export, side by side with reading
the same file alone (calamine) and with openpyxl.

    python benchmarks/bench_import.py [--rows 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
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


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
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
