"""Make the bundled sample county: two data years of the departments' own files.

Run from the checkout: ``python data/make_sample.py``. Deterministic (fixed seeds). The same
320 firms appear in both years (amounts drift ~15 %). Each year gets the files a county
office receives (tax payments in 元 under title rows, 规上 statistics under a two-row header,
land parcels in 平方米 as GB18030 CSV, power meters as an HTML table saved as .xls, energy,
emissions, the firm register). The 2023 files carry deliberate defects, each of which
`mujun import` must report by file, row and column.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import polars as pl

from mujun.sample_files import write_all
from mujun.testing import make_facts

OUT = Path(__file__).resolve().parent / "sample"
N_FIRMS = 320
AMOUNTS = ("tax_wan", "value_added_wan", "revenue_wan", "output_wan", "rd_wan", "energy_tce",
           "electricity_kwh", "employees", "cod_t", "nh3n_t", "so2_t", "nox_t")  # fmt: skip


def _special_cases(facts: pl.DataFrame) -> pl.DataFrame:
    """Give a handful of firms the situations every profile has rules for."""
    i = pl.int_range(pl.len())
    return facts.with_columns(
        pl.when(i == 3).then(pl.lit("zero_verified")).when(i == 4).then(pl.lit("not_applicable"))
        .alias("emission_status"),
        pl.when(i == 3).then(None).otherwise(pl.col("cod_t")).alias("cod_t"),
        pl.when(i == 5).then(True).otherwise(pl.col("utility")).alias("utility"),
        pl.when(i == 6).then(True).otherwise(pl.col("safety_incident")).alias("safety_incident"),
        pl.when(i == 7).then(pl.lit(dt.date(2022, 9, 1))).otherwise(pl.col("production_start"))
        .alias("production_start"),
        pl.when(i == 8).then(12000.0).when(i == 9).then(3000.0)
        .otherwise(pl.col("construction_investment_wan")).alias("construction_investment_wan"),
    )  # fmt: skip


def _next_year(facts: pl.DataFrame, seed: int) -> pl.DataFrame:
    """The same firms a year later: same township and industry, amounts drift by ~15 %."""
    rng = np.random.default_rng(seed)
    drift = {c: pl.Series(rng.lognormal(0.03, 0.15, facts.height)) for c in AMOUNTS}
    return facts.with_columns(
        pl.col("year") + 1, *((pl.col(c) * drift[c]).round(2).alias(c) for c in AMOUNTS)
    )


def _append_xlsx(path: Path, rows: list[list[object]]) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    last = sheet.max_row
    if sheet.cell(last, 1).value == "合计":  # keep the 合计 row last
        total = [c.value for c in sheet[last]]
        sheet.delete_rows(last)
        rows = [*rows, total]
    for row in rows:
        sheet.append(row)
    book.save(path)


def _defects(folder: Path, facts: pl.DataFrame) -> None:
    """Rows a careless export produces; each must end rejected or skipped, with its reason."""
    first, second = facts.row(0, named=True), facts.row(1, named=True)
    _append_xlsx(folder / "tax_payments.xlsx", [
        ["9.13310231E+17", "科学计数法企业", "增值税", "", "2023-03-01", "2023-04-15", "5,000.00"],
        [first["uscc"], first["name"], "增值税", "", "2023-03-01", "2023-04-15", "12,3x"],
    ])  # fmt: skip
    stats_row = [second["uscc"], second["name"], "C3311", 1.0, 2.0, 3.0, 0.0, 5, 1.0]
    if second["above_scale"]:
        _append_xlsx(folder / "stats_above_scale.xlsx", [stats_row])
    _append_xlsx(folder / "register.xlsx", [
        ["91331023MA2ABCDE1O", "校验位错误企业", "示范县", "城关镇", "3311", "2015-01-01", "否",
         "否", "否", None],
    ])  # fmt: skip
    with (folder / "land_parcels.csv").open("ab") as handle:
        handle.write(",无证企业,自有,无证,1333.33\n".encode("gb18030"))
        handle.write(
            f"{facts.item(10, 'uscc')},{facts.item(10, 'name')},自有,待补,—\n".encode("gb18030")
        )
    with (folder / "emissions.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{facts.item(11, 'uscc')},{facts.item(11, 'name')},未监测,,,,\n")


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    first = _special_cases(make_facts(N_FIRMS, year=2022, seed=7, missing_share=0.03))
    second = _special_cases(_next_year(first, seed=8))
    for facts in (first, second):
        year = int(facts.item(0, "year"))
        folder = OUT / str(year)
        # land of firm 10 is left for the defect row in 2023 ("—": area unknown)
        written = facts.with_columns(
            pl.when((pl.int_range(pl.len()) == 10) & (pl.col("year") == 2023)).then(None)
            .otherwise(pl.col("land_mu")).alias("land_mu")
        )  # fmt: skip
        write_all(written, folder, seed=year)
        if year == 2023:
            _defects(folder, facts)
        print(f"wrote {folder} ({', '.join(sorted(p.name for p in folder.iterdir()))})")


if __name__ == "__main__":
    main()
