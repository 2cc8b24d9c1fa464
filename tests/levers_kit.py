"""Helpers for lever tests: stored and published years with facts set exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from mujun import score
from mujun import store as mstore
from mujun.policy import evaluate_levers, load_context
from mujun.profiles import Profile, load_profile
from mujun.profiles.loader import merge_tables
from mujun.profiles.models import Profile as ProfileModel


def classes_by_tax(name: str, patch: dict[str, Any] | None = None) -> Profile:
    """A shipped region's levers with classes decided by tax per mu alone against a fixed
    10 万元/亩 (9 → A, 7 → B, 5 → C, 1 → D with thresholds 80/60/40); no special rules."""
    base = load_profile(name).model_dump(mode="json", exclude_none=True)
    cohorts = {
        cid: {"weights": {**dict.fromkeys(c["weights"], 0), "tax_per_mu": 100},
              "benchmarks": {"tax_per_mu": 10.0}}
        for cid, c in base["cohorts"].items()
    }  # fmt: skip
    fixed = {
        "benchmark": {"method": "fixed"},
        "cohorts": cohorts,
        "classification": {"method": "threshold", "thresholds": {"A": 80.0, "B": 60.0, "C": 40.0},
                           "bounds": {}},
        "special": [], "vetoes": [], "overrides": [],
    }  # fmt: skip
    return ProfileModel.model_validate(merge_tables(merge_tables(base, fixed), patch or {}))


def publish(db: Path, profile: Profile, frames: dict[int, pl.DataFrame]) -> None:
    """Store and publish one evaluation per data year (evaluation year = data year + 1)."""
    with mstore.Store.open(db) as s:
        for data_year, given in sorted(frames.items()):
            frame = given.with_columns(pl.lit(data_year).alias("year"))
            batch = mstore.save_facts(s, frame, sources=[])
            run = mstore.save_run(
                s,
                score(frame, profile=profile, year=data_year + 1),
                profile=profile,
                evaluation_year=data_year + 1,
                input_fingerprint="t",
                batch_id=batch,
            )
            mstore.publish(s, year=data_year + 1, run_id=run)


def table(tmp: Path, name: str, rows: list[dict[str, object]]) -> Path:
    """A small CSV input table (every cell as text, as offices send them)."""
    path = tmp / name
    pl.DataFrame(rows).cast(pl.String).write_csv(path)
    return path


def lever_rows(
    db: Path,
    profile: Profile,
    *,
    year: int = 2024,
    projects: Path | None = None,
    inputs: Path | None = None,
    averages: Path | None = None,
    inspections: Path | None = None,
) -> pl.DataFrame:
    """Every lever row of a published evaluation year."""
    with mstore.Store.open(db, read_only=True) as s:
        ctx = load_context(s, year=year, profile=profile, projects=projects, inputs=inputs,
                           averages=averages, inspections=inspections)  # fmt: skip
        return evaluate_levers(ctx).rows


def listed(rows: pl.DataFrame, rule_id: str) -> list[str]:
    """Names on one list, sorted."""
    return sorted(rows.filter(pl.col("rule_id") == rule_id).get_column("name").to_list())
