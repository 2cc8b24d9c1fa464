"""Rectification cases over the years: opened from a year's watch lists, summed for targets.

A watch list (高耗低效, 高碳低效, 低效, 长期停产) is recomputed every year; a case is what the
office does about one entry: 核定 → 方案 → 整治提升 / 淘汰 → 评价销号 (`mujun.store.cases`).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from mujun import store as st
from mujun.errors import StoreError
from mujun.policy.context import Context
from mujun.profiles.models import Profile
from mujun.store import cases as store_cases

_MEASURES = ("opened", "planned", "rectified", "exited", "closed", "done", "done_share",
             "freed_land_mu", "freed_energy_tce")  # fmt: skip


def watch_rows(ctx: Context, /, *, lists: Sequence[str] = ()) -> pl.DataFrame:
    """The year's rectification-list entries (all, or ``lists``) with the firm's land and energy.

    Raises:
        StoreError: ``lists`` names a rule that is not a watch list of the profile.
    """
    from mujun.policy import evaluate_levers  # noqa: PLC0415 - the package imports this module

    configured = rectification_lists(ctx.profile)
    unknown = sorted(set(lists) - configured)
    if unknown:
        msg = (
            f"方案 {ctx.profile.meta.name!r} 没有整治清单 {unknown}。\n"
            f"提示：可开案的清单：{sorted(configured) or '（无）'}。"
        )
        raise StoreError(msg)
    wanted = list(lists) if lists else sorted(configured)
    rows = evaluate_levers(ctx).rows.filter(
        (pl.col("kind") == "watch") & pl.col("rule_id").is_in(wanted) & pl.col("uscc").is_not_null()
    )
    firms = ctx.firms.select(
        "uscc",
        *(c for c in ("township", "park", "land_mu", "energy_tce") if c in ctx.firms.columns),
    )
    joined = rows.join(firms, on="uscc", how="left")
    for col in ("township", "park"):
        if col not in joined.columns:
            joined = joined.with_columns(pl.lit(None, pl.String).alias(col))
    for col in ("land_mu", "energy_tce"):
        if col not in joined.columns:
            joined = joined.with_columns(pl.lit(None, pl.Float64).alias(col))
    return joined.select(
        "uscc", "name",
        pl.col("rule_id").alias("list_id"), pl.col("rule").alias("list_label"),
        pl.col("inputs").alias("reason"), "township", "park", "land_mu", "energy_tce",
    )  # fmt: skip


RECTIFICATION_LISTS = ("low_tax", "class_intensity", "thresholds", "idle", "inspections")
"""Kinds of watch list whose entries are to be rectified (not 本地优质企业 or park blocks)."""


def rectification_lists(profile: Profile, /) -> set[str]:
    """Rule ids of the profile's watch lists whose entries become cases."""
    lv = profile.levers
    return {r.id for kind in RECTIFICATION_LISTS for r in getattr(lv, kind, ())}


def open_from_lists(
    ctx: Context, /, *, who: str, lists: Sequence[str] = ()
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Open a case for every entry of the year's watch lists (see `store.cases.open_cases`)."""
    listed = watch_rows(ctx, lists=lists)
    has_run = "run_id" in ctx.firms.columns and ctx.firms.height > 0
    run_id = int(ctx.firms.item(0, "run_id")) if has_run else None
    return store_cases.open_cases(ctx.store, listed, year=ctx.year, run_id=run_id, who=who)


def totals(
    store: st.Store, /, *, lists: Sequence[str] = (), first_year: int | None, last_year: int
) -> pl.DataFrame:
    """One row of cumulative case figures for steps in ``first_year``–``last_year``.

    ``opened``: cases confirmed in the window; ``planned`` / ``rectified`` (整治提升 then 销号)
    / ``exited`` (淘汰) / ``closed`` (销号): cases whose step fell in the window; ``done``:
    cases exited or closed; ``done_share``: done ÷ all cases confirmed up to ``last_year``
    and not withdrawn, in %; freed land (亩) and energy (tce) summed over the window's steps.
    """
    steps = store_cases.step_table(store)
    if lists:
        steps = steps.filter(pl.col("list_id").is_in(list(lists)))
    lo = first_year if first_year is not None else -(10**6)
    window = steps.filter(pl.col("year").is_between(lo, last_year))
    upto = steps.filter(pl.col("year") <= last_year)
    withdrawn = upto.filter(pl.col("step") == "withdrawn").get_column("case_id")
    live = upto.filter(~pl.col("case_id").is_in(withdrawn.implode()))

    def cases_with(*codes: str) -> pl.Expr:
        return pl.col("case_id").filter(pl.col("step").is_in(list(codes))).n_unique()

    rectified = window.filter(
        pl.col("case_id").is_in(
            upto.filter(pl.col("step") == "rectifying").get_column("case_id").implode()
        )
    )
    row = window.select(
        cases_with("confirmed").alias("opened"),
        cases_with("planned").alias("planned"),
        cases_with("exited").alias("exited"),
        cases_with("closed").alias("closed"),
        cases_with("exited", "closed").alias("done"),
        pl.col("freed_land_mu").sum().alias("freed_land_mu"),
        pl.col("freed_energy_tce").sum().alias("freed_energy_tce"),
    )
    rectified_n = rectified.filter(pl.col("step") == "closed").get_column("case_id").n_unique()
    confirmed = live.filter(pl.col("step") == "confirmed").get_column("case_id").n_unique()
    done_all = (
        live.filter(pl.col("step").is_in(["exited", "closed"])).get_column("case_id").n_unique()
    )
    share = done_all / confirmed * 100 if confirmed else None
    return row.with_columns(
        pl.lit(rectified_n).alias("rectified"), pl.lit(share, pl.Float64).alias("done_share")
    ).select(pl.col(_MEASURES).cast(pl.Float64))
