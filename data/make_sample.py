"""Make the bundled sample county: two data years of facts with Chinese headers.

Run from the checkout: ``python data/make_sample.py``. Deterministic (fixed seed). The 2023
file carries a few deliberately bad rows so that the demo shows how problems are reported.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from mujun.schema import FACTS
from mujun.testing import make_facts

OUT = Path(__file__).resolve().parent / "sample"
N_FIRMS = 320


def _special_cases(frame: pl.DataFrame) -> pl.DataFrame:
    """Give a handful of firms the situations every profile has rules for."""
    i = pl.int_range(pl.len())
    return frame.with_columns(
        pl.when(i == 3)
        .then(pl.lit("zero_verified"))
        .when(i == 4)
        .then(pl.lit("not_applicable"))
        .alias("emission_status"),
        pl.when(i.is_in([3])).then(0.0).otherwise(pl.col("cod_t")).alias("cod_t"),
        pl.when(i == 5).then(True).otherwise(pl.col("utility")).alias("utility"),
        pl.when(i == 6).then(True).otherwise(pl.col("safety_incident")).alias("safety_incident"),
        pl.when(i == 7)
        .then(pl.lit(dt.date(2022, 9, 1)))
        .otherwise(pl.col("production_start"))
        .alias("production_start"),
        pl.when(i == 8)
        .then(12000.0)
        .when(i == 9)
        .then(3000.0)
        .otherwise(pl.col("construction_investment_wan"))
        .alias("construction_investment_wan"),
        pl.when(i == 10)
        .then(None)
        .when(i == 11)
        .then(-2.5)
        .otherwise(pl.col("land_mu"))
        .alias("land_mu"),
    )


def _as_sheet(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells with Chinese headers, as a department would send them."""
    text = frame.with_columns(pl.all().cast(pl.String))
    bools = [c for c, t in frame.schema.items() if t == pl.Boolean()]
    text = text.with_columns(pl.col(bools).replace({"true": "是", "false": "否"}))
    return text.rename({c: FACTS[c].label for c in text.columns})


def _bad_rows(sheet: pl.DataFrame) -> pl.DataFrame:
    """Append rows a careless export produces: each must be rejected or skipped, with reason."""
    uscc, name, tax = FACTS["uscc"].label, FACTS["name"].label, FACTS["tax_wan"].label
    land = FACTS["land_mu"].label
    first = sheet.head(1)
    bad_id = first.with_columns(
        pl.lit("9.13310231E+17").alias(uscc), pl.lit("科学计数法企业").alias(name)
    )
    bad_tax = sheet.slice(1, 1).with_columns(pl.lit("12,3x").alias(tax))
    repeat = sheet.slice(2, 1)
    conflict = sheet.slice(12, 1).with_columns(pl.lit("999").alias(land))
    typo = sheet.slice(13, 1).with_columns(pl.col(uscc).str.replace("^(.{10}).", "${1}O"))
    return pl.concat([sheet, bad_id, bad_tax, repeat, conflict, typo], how="vertical")


AMOUNTS = (
    "tax_wan",
    "value_added_wan",
    "revenue_wan",
    "output_wan",
    "rd_wan",
    "energy_tce",
    "electricity_kwh",
    "employees",
    "cod_t",
    "nh3n_t",
    "so2_t",
    "nox_t",
)


def _next_year(facts: pl.DataFrame, seed: int) -> pl.DataFrame:
    """The same firms a year later: same township and industry, amounts drift by ~15 %."""
    rng = np.random.default_rng(seed)
    drift = {c: pl.Series(rng.lognormal(0.03, 0.15, facts.height)) for c in AMOUNTS}
    return facts.with_columns(
        pl.col("year") + 1,
        *((pl.col(c) * drift[c]).round(2).alias(c) for c in AMOUNTS),
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    first = make_facts(N_FIRMS, year=2022, seed=7, missing_share=0.03)
    for year, facts in ((2022, first), (2023, _next_year(first, seed=8))):
        sheet = _as_sheet(_special_cases(facts))
        if year == 2023:
            sheet = _bad_rows(sheet)
        path = OUT / f"facts_{year}.csv"
        sheet.write_csv(path, include_bom=True)
        print(f"wrote {path} ({sheet.height} rows)")


if __name__ == "__main__":
    main()
