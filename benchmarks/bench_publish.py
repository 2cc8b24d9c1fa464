"""Publication outputs speed (issue 6).

    python benchmarks/bench_publish.py [--firms 20000] [--repeat 3]

Builds a store with two published years of ``--firms`` firms (Tiantai profile), then times,
median of ``--repeat``:

1. the 公示 workbook (all sheets, formatted) against a baseline that writes the same frames
   with Polars' own ``write_excel`` (XlsxWriter underneath, default formatting);
2. the region report (HTML with inline SVG charts);
3. one firm's report card.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import xlsxwriter

from mujun import load_profile, score
from mujun.report.html import firm_card, region_report
from mujun.report.internal import internal_workbook
from mujun.report.publication import class_list, details, load_year, summary
from mujun.store import Store, publish, save_facts, save_run
from mujun.testing import make_facts

PROFILE = load_profile("tiantai")


def median_time(action: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def polars_baseline(view: object, path: Path) -> None:
    """The same main frames through ``DataFrame.write_excel``, no per-column formatting."""
    with xlsxwriter.Workbook(str(path)) as book:
        for title, frame in (
            ("公示名单", class_list(view)),
            ("汇总", summary(view)),
            ("指标明细", details(view)),
        ):
            frame.write_excel(book, worksheet=title, autofit=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "pub.duckdb"
        with Store.open(path) as store:
            for year in (2022, 2023):
                facts = make_facts(args.firms, seed=3, year=year)
                batch = save_facts(store, facts, sources=[{"file": "bench"}])
                run = save_run(
                    store,
                    score(facts, profile=PROFILE, year=year + 1),
                    profile=PROFILE,
                    evaluation_year=year + 1,
                    input_fingerprint="bench",
                    batch_id=batch,
                )
                publish(store, year=year + 1, run_id=run)
        with Store.open(path, read_only=True) as store:
            load, _ = median_time(lambda: load_year(store, 2024), args.repeat)
            view = load_year(store, 2024)
            firm = view.results.get_column("uscc")[0]
            ours, our_runs = median_time(
                lambda: internal_workbook(view, folder / "book.xlsx"), args.repeat
            )
            base, base_runs = median_time(
                lambda: polars_baseline(view, folder / "base.xlsx"), args.repeat
            )
            report, _ = median_time(
                lambda: region_report(view, folder / "r.html", store=store), args.repeat
            )
            card, _ = median_time(
                lambda: firm_card(view, firm, folder / "c.html", store=store), args.repeat
            )
        cells = sum(f.height * f.width for f in (class_list(view), summary(view), details(view)))
        print(f"{args.firms:,} firms, two published years; load the year: {load:.2f} s")
        print(
            f"workbook: median {ours:.2f} s (runs {', '.join(f'{t:.2f}' for t in our_runs)}; "
            f"{(folder / 'book.xlsx').stat().st_size / 1e6:.1f} MB, township sheets included)"
        )
        print(
            f"baseline polars write_excel of 公示名单 + 汇总 + 指标明细 ({cells:,} cells): "
            f"median {base:.2f} s (runs {', '.join(f'{t:.2f}' for t in base_runs)}); "
            f"ratio mujun / baseline = {ours / base:.2f}"
        )
        print(f"region report: median {report:.2f} s; firm card: median {card:.2f} s")


if __name__ == "__main__":
    main()
