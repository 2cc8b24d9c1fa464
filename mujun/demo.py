"""The bundled sample county: read its facts, score the latest year, write the outputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mujun.engine import score
from mujun.errors import DataError
from mujun.ingest import FactsRead, read_facts
from mujun.profiles.models import Profile
from mujun.report import class_list, write_table

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"
DATA_YEARS = (2022, 2023)


@dataclass(frozen=True)
class DemoRun:
    """What the demo produced."""

    year: int
    read: FactsRead
    result: pl.DataFrame
    result_path: Path
    class_list_path: Path
    rejects_path: Path


def sample_file(data_year: int) -> Path:
    """The sample facts of one data year.

    Raises:
        DataError: the sample is not there (a checkout without ``data/``).
    """
    path = SAMPLE_DIR / f"facts_{data_year}.csv"
    if not path.is_file():
        msg = (
            f"Sample data {path} not found.\nHint: run `python data/make_sample.py` in the "
            "mujun checkout, or install mujun from its checkout (pip install -e .)."
        )
        raise DataError(msg)
    return path


def run_demo(out_dir: Path, /, *, profile: Profile) -> DemoRun:
    """Score the sample's latest data year with ``profile`` (earlier year as history)."""
    history = read_facts(sample_file(DATA_YEARS[0])).facts
    current = read_facts(sample_file(DATA_YEARS[1]))
    year = DATA_YEARS[1] - profile.data_year_offset
    result = score(current.facts, profile=profile, year=year, history=history)
    return DemoRun(
        year=year,
        read=current,
        result=result,
        result_path=write_table(result, out_dir / f"results_{year}.parquet"),
        class_list_path=write_table(
            class_list(result, profile=profile), out_dir / f"class_list_{year}.csv"
        ),
        rejects_path=out_dir / f"rejected_rows_{year}.csv",
    )
