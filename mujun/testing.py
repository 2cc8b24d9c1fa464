"""Build valid canonical facts for tests, samples and benchmarks.

`make_facts` draws a seeded, realistic county: lognormal amounts, a 规上/规下 mix, several
townships, a few missing values. Vectorized (numpy), so it also makes millions of rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from mujun.ingest.uscc import ALPHABET, WEIGHTS, check_character
from mujun.profiles import Profile, validate_profile
from mujun.profiles.loader import merge_tables

TOWNSHIPS = ("城关镇", "平桥镇", "坦头镇", "白鹤镇", "始丰街道", "福溪街道")
"""Townships of the sample county (names typical of a Zhejiang county)."""

__all__ = ["SMALL_PROFILE", "build_profile", "facts", "make_facts", "make_uscc", "uscc_series"]


def make_uscc(i: int, *, region: str = "331023") -> str:
    """A valid USCC for firm number ``i`` (the same code `uscc_series` gives it)."""
    serial = "".join(ALPHABET[(i // 31**p) % 31] for p in reversed(range(9)))
    first17 = f"91{region}{serial}"
    return first17 + check_character(first17)


def uscc_series(n: int, *, offset: int = 0, region: str = "331023") -> pl.Series:
    """``n`` distinct valid USCCs for firms ``offset`` … ``offset + n - 1``, vectorized."""
    idx = pl.int_range(offset, offset + n, dtype=pl.Int64)
    serial = [(idx // 31**p) % 31 for p in reversed(range(9))]
    prefix = f"91{region}"
    fixed = sum(int(c) * w for c, w in zip(prefix, WEIGHTS[:8], strict=True))
    weighted = pl.sum_horizontal(s * w for s, w in zip(serial, WEIGHTS[8:], strict=True))
    check = (31 - (weighted + fixed) % 31) % 31
    to_char = dict(enumerate(ALPHABET))
    chars = [d.replace_strict(to_char, return_dtype=pl.String) for d in (*serial, check)]
    return pl.select(pl.concat_str([pl.lit(prefix), *chars]).alias("uscc")).to_series()


def make_facts(
    n: int,
    /,
    *,
    year: int = 2023,
    seed: int = 42,
    counties: int = 1,
    townships: tuple[str, ...] = TOWNSHIPS,
    missing_share: float = 0.02,
    offset: int = 0,
) -> pl.DataFrame:
    """``n`` valid firm-years of one data year (same seed and offset, same firms)."""
    rng = np.random.default_rng(seed)
    above = rng.random(n) < 0.45
    land = np.round(np.where(above, rng.lognormal(3.2, 0.8, n), rng.lognormal(1.6, 0.9, n)), 2)
    size = np.where(above, rng.lognormal(8.6, 0.9, n), rng.lognormal(6.2, 0.8, n))  # revenue 万元
    tax_rate = rng.lognormal(np.log(0.035), 0.5, n)
    va_rate = rng.uniform(0.15, 0.35, n)
    energy = size * rng.lognormal(np.log(0.08), 0.7, n)
    frame = pl.DataFrame(
        {
            "uscc": uscc_series(n, offset=offset),
            "name": [f"示范企业{offset + i:07d}" for i in range(n)]
            if n <= 100_000
            else pl.Series(np.arange(offset, offset + n)).cast(pl.String).str.pad_start(8, "0"),
            "year": np.full(n, year, dtype=np.int32),
            "county": rng.integers(0, counties, n).astype(str) if counties > 1 else "示范县",
            "township": np.array(townships)[rng.integers(0, len(townships), n)],
            "industry_code": np.array(
                ["1711", "2641", "2929", "3311", "3360", "3484", "3899", "3981", "4011", "1311"]
            )[rng.integers(0, 10, n)],
            "above_scale": above,
            "land_mu": land,
            "tax_wan": np.round(size * tax_rate, 2),
            "value_added_wan": np.where(above, np.round(size * va_rate, 2), np.nan),
            "revenue_wan": np.round(size, 2),
            "output_wan": np.round(size * rng.uniform(0.95, 1.1, n), 2),
            "tech_renovation_wan": np.where(
                rng.random(n) < 0.3, np.round(size * rng.uniform(0, 0.1, n), 2), 0.0
            ),
            "rd_wan": np.where(above, np.round(size * rng.uniform(0, 0.05, n), 2), np.nan),
            "energy_tce": np.round(energy, 2),
            "electricity_kwh": np.round(energy * rng.uniform(5000, 9000, n), 0),
            "employees": np.where(
                above, np.round(size / rng.lognormal(np.log(60), 0.4, n)), np.nan
            ),
            "cod_t": np.round(rng.lognormal(-1.0, 1.0, n), 3),
            "nh3n_t": np.round(rng.lognormal(-3.0, 1.0, n), 4),
            "so2_t": np.round(rng.lognormal(-1.5, 1.2, n), 3),
            "nox_t": np.round(rng.lognormal(-1.2, 1.1, n), 3),
            "high_tech": rng.random(n) < 0.12,
            "utility": rng.random(n) < 0.01,
            "safety_incident": rng.random(n) < 0.003,
            "construction_investment_wan": np.where(
                rng.random(n) < 0.05, np.round(rng.lognormal(8.0, 1.0, n), 0), np.nan
            ),
            "production_start": pl.Series(rng.integers(365 * 5, 365 * 52, n)).cast(pl.Date),
        },
        nan_to_null=True,
    )
    if missing_share > 0:
        holes = rng.random((n, 3)) < missing_share
        frame = frame.with_columns(
            pl.when(pl.Series(holes[:, 0]))
            .then(None)
            .otherwise(pl.col("energy_tce"))
            .alias("energy_tce"),
            pl.when(pl.Series(holes[:, 1])).then(None).otherwise(pl.col("cod_t")).alias("cod_t"),
            pl.when(pl.Series(holes[:, 2]))
            .then(None)
            .otherwise(pl.col("employees"))
            .alias("employees"),
        )
    return frame


SMALL_PROFILE: dict[str, Any] = {
    "meta": {"name": "t", "title": "测试", "region": "测试县"},
    "indicators": {
        "tax_per_mu": {
            "label": "亩均税收",
            "numerator": "tax_wan",
            "denominator": "land_mu",
            "unit": "万元/亩",
        },
        "va_per_mu": {
            "label": "亩均增加值",
            "numerator": "value_added_wan",
            "denominator": "land_mu",
            "unit": "万元/亩",
        },
    },
    "cohorts": {"all": {"label": "全部", "weights": {"tax_per_mu": 60, "va_per_mu": 40}}},
    "classification": {
        "method": "quota",
        "classes": [{"label": c, "name": f"{c}类"} for c in "ABCD"],
        "quotas": {"A": 0.2, "B": 0.4, "C": 0.35, "D": 0.05},
    },
}


def build_profile(patch: dict[str, Any] | None = None) -> Profile:
    """The small test profile, with tables of ``patch`` merged over it."""
    return validate_profile(merge_tables(SMALL_PROFILE, patch or {}), source="test")


def facts(n: int, /, **columns: Any) -> pl.DataFrame:
    """``n`` firms of data year 2023 with valid identity; ``columns`` give the rest."""
    base = {
        "uscc": [make_uscc(i) for i in range(n)],
        "name": [f"企业{i}" for i in range(n)],
        "year": [2023] * n,
        "above_scale": [True] * n,
        "land_mu": [10.0] * n,
        "tax_wan": [100.0] * n,
    }
    base.update({k: (v if isinstance(v, list) else [v] * n) for k, v in columns.items()})
    return pl.DataFrame(base, strict=False)


def non_finite_cells(frame: pl.DataFrame) -> int:
    """How many float cells are NaN or ±inf (nulls are fine: they mean "unknown")."""
    floats = frame.select(pl.col(pl.Float32, pl.Float64))
    if not floats.width:
        return 0
    bad = floats.select(
        pl.sum_horizontal(
            (pl.all().is_nan() | pl.all().is_infinite()).fill_null(False).cast(pl.Int64)
        )
    )
    return int(bad.to_series().sum())
