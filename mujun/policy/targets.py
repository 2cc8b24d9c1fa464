"""Region aggregates of a published year against the plan's targets."""

from __future__ import annotations

import polars as pl

from mujun import store as st
from mujun.errors import StoreError
from mujun.profiles.levers import Target
from mujun.profiles.models import Profile

_RATIOS = {
    "tax_per_mu": ("tax_wan", "land_mu", 1.0),
    "va_per_mu": ("value_added_wan", "land_mu", 1.0),
    "output_per_mu": ("output_wan", "land_mu", 1.0),
    "labour_productivity": ("value_added_wan", "employees", 1.0),
    "rd_intensity": ("rd_wan", "revenue_wan", 100.0),  # in %
    "va_rate": ("value_added_wan", "output_wan", 100.0),  # in %
    "energy_per_va": ("energy_tce", "value_added_wan", 1.0),
}
"""Aggregate → (Σ numerator, Σ denominator, scale): Σ ÷ Σ over the scope's firms."""


def aggregates_for(store: st.Store, data_year: int, *, scope: str) -> pl.DataFrame:
    """Each aggregate for one data year's stored facts (per park when ``scope`` is park)."""
    facts = st.facts_of_years(store, [data_year])
    if scope == "above_scale":
        facts = facts.filter(pl.col("above_scale"))
    valid = facts.filter(pl.col("land_mu") > 0)
    keys = ["park"] if scope == "park" else []
    exprs = [
        (
            pl.col(num).filter(pl.col(den).is_not_null() & pl.col(num).is_not_null()).sum()
            / pl.col(den).filter(pl.col(den).is_not_null() & pl.col(num).is_not_null()).sum()
            * scale
        ).alias(name)
        for name, (num, den, scale) in _RATIOS.items()
    ]
    if keys:
        parks = valid.filter(pl.col("park").is_not_null()).group_by(keys).agg(exprs).sort(keys)
        if parks.height:
            return parks
        # No firm names a park: one row that says so, rather than silently no row.
        return (
            valid.head(0)
            .select(exprs)
            .vstack(
                pl.DataFrame(
                    {name: [None] for name in _RATIOS}, schema=dict.fromkeys(_RATIOS, pl.Float64)
                )
            )
            .with_columns(pl.lit("（事实数据中没有园区）").alias("park"))
        )
    return valid.select(exprs).with_columns(pl.lit("全域").alias("park"))


def evaluate_targets(store: st.Store, *, year: int, profile: Profile) -> pl.DataFrame:
    """One row per target (and park): actual of the evaluation's data year, progress, gap.

    Progress is (actual − base) ÷ (target − base) where a base is given, else actual ÷
    target; the gap is what remains to reach the target (0 once met).

    Raises:
        StoreError: the year is not published or the profile has no targets.
    """
    if not profile.targets:
        msg = f"Profile {profile.meta.name!r} has no [[targets]].\nHint: add the plan's targets."
        raise StoreError(msg)
    st.published_results(store, year)  # refuses an unpublished year
    data_year = year + profile.data_year_offset
    rows = []
    for target in profile.targets:
        actual = aggregates_for(store, data_year, scope=target.scope)
        rows.append(_compare(actual, target, data_year))
    return pl.concat(rows, how="vertical_relaxed")


def _compare(actual: pl.DataFrame, t: Target, data_year: int) -> pl.DataFrame:
    value = pl.col(t.indicator)
    sign = 1.0 if t.direction == "at_least" else -1.0
    met = (value >= t.value) if t.direction == "at_least" else (value <= t.value)
    base = pl.lit(t.base_value, pl.Float64)
    progress = (
        pl.when(base.is_not_null() & (pl.lit(t.value) != base))
        .then((value - base) / (pl.lit(t.value) - base))
        .otherwise(value / t.value if t.direction == "at_least" else pl.lit(t.value) / value)
    )
    return actual.select(
        "park",
        pl.lit(t.label).alias("指标"),
        pl.lit(t.unit).alias("单位"),
        pl.lit(data_year).alias("数据年度"),
        value.round(4).alias("实际值"),
        pl.lit(t.year).alias("目标年度"),
        pl.lit(t.value).alias("目标值"),
        pl.lit(t.base_year).alias("基期年度"),
        base.alias("基期值"),
        progress.round(4).alias("完成进度"),
        pl.when(met).then(0.0).otherwise((pl.lit(t.value) - value) * sign).round(4).alias("差距"),
        met.alias("已达标"),
        pl.lit(t.source).alias("依据"),
    ).rename({"park": "范围"})
