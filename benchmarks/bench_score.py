"""Score N synthetic firm-years with the Zhejiang baseline: mujun vs a minimal Polars kernel
vs pandas, run side by side in one process. Prints medians, ratios and a class-equality check.

    python benchmarks/bench_score.py [--rows 1000000] [--repeat 5]

The kernel and the pandas version are hand-written for the baseline's rules on this synthetic
data (no new firms, no zero land): they compute only totals and classes, none of the
explanation columns, and serve as the floor the engine is measured against.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import polars as pl

from mujun.engine import score
from mujun.profiles import load_profile
from mujun.testing import make_facts

PROFILE = load_profile("zhejiang_baseline")
PPM = 1_000_000
ABOVE = {  # indicator: (numerator, denominator, weight)
    "tax_per_mu": ("tax_wan", "land_mu", 30),
    "va_per_mu": ("value_added_wan", "land_mu", 20),
    "va_per_energy": ("value_added_wan", "energy_tce", 20),
    "va_per_emission": ("value_added_wan", "emissions_t", 10),
    "labour_productivity": ("value_added_wan", "employees", 10),
    "rd_intensity": ("rd_wan", "revenue_wan", 10),
}
BELOW = {
    "tax_per_mu": ("tax_wan", "land_mu", 50),
    "tax_per_kwh": ("tax_wan", "electricity_kwh", 50),
}
SCALE = {"tax_per_kwh": 10000.0}
CUM_SHARES = (0.20, 0.60, 0.95)
LABELS = ("A", "B", "C", "D")


# ---- minimal Polars kernel ---- #
def polars_kernel(df: pl.DataFrame, engine: str = "auto") -> pl.DataFrame:
    """Totals and classes only, hard-coded for the baseline."""
    pollutants = [pl.col(c) for c in ("cod_t", "nh3n_t", "so2_t", "nox_t")]
    emissions = pl.when(pl.any_horizontal(p.is_not_null() for p in pollutants)).then(
        pl.sum_horizontal(pollutants)
    )
    cohort = (
        pl.when(pl.col("above_scale"))
        .then(pl.lit("above"))
        .when(pl.col("land_mu") >= 3)
        .then(pl.lit("below"))
    )
    lf = (
        df.lazy()
        .with_columns(emissions.alias("emissions_t"), cohort.alias("cohort"))
        .with_columns(
            (~pl.col("utility") & pl.col("cohort").is_not_null() & (pl.col("land_mu") > 0)).alias(
                "ranked"
            )
        )
    )
    keys = ["county", "cohort"]
    items = []
    for cid, table in (("above", ABOVE), ("below", BELOW)):
        member = pl.col("ranked") & (pl.col("cohort") == cid)
        for name, (num, den, w) in table.items():
            ok = member & pl.col(num).is_not_null() & (pl.col(den) > 0)
            value = pl.when(ok).then(pl.col(num) / pl.col(den) * SCALE.get(name, 1.0))
            bench = value.mean().over(keys)
            points = pl.max_horizontal(value / bench * w, 0.0)
            if name == "va_per_emission":
                filled = pl.coalesce(points, points.mean().over(keys))
            else:
                filled = points.fill_null(0.0)
            items.append(pl.when(member).then(filled).otherwise(0.0).alias(f"item_{cid}_{name}"))
            if name == "tax_per_mu":
                items.append(pl.when(member).then(value).alias(f"tb_{cid}"))
    lf = lf.with_columns(items).with_columns(
        pl.when(pl.col("ranked")).then(pl.sum_horizontal(pl.col("^item_.*$"))).alias("total"),
        pl.coalesce("tb_above", "tb_below").alias("tb"),
    )
    part = [*keys, "ranked"]
    rank = (
        pl.struct(
            (-pl.col("total")).alias("t"),
            (-pl.col("tb")).fill_null(float("inf")).alias("b"),
            pl.col("uscc"),
        )
        .rank("ordinal")
        .over(part)
    )
    n = pl.len().over(part).cast(pl.Int64)  # UInt32 would overflow: n × 950000
    cls = pl.when(rank <= (n * int(CUM_SHARES[0] * PPM) + PPM // 2) // PPM).then(pl.lit("A"))
    for label, share in zip(LABELS[1:3], CUM_SHARES[1:], strict=True):
        cls = cls.when(rank <= (n * int(share * PPM) + PPM // 2) // PPM).then(pl.lit(label))
    cls = cls.otherwise(pl.lit("D"))
    veto = pl.col("safety_incident") | pl.col("env_incident").fill_null(False)
    final = pl.when(~pl.col("ranked")).then(None).when(veto).then(pl.lit("D")).otherwise(cls)
    return lf.select("uscc", "total", final.alias("class_label")).collect(engine=engine)


# ---- pandas ---- #
def pandas_version(pdf: pd.DataFrame) -> pd.DataFrame:
    """The same totals and classes in idiomatic vectorized pandas."""
    d = pdf.copy()
    pol = d[["cod_t", "nh3n_t", "so2_t", "nox_t"]]
    d["emissions_t"] = pol.sum(axis=1).where(pol.notna().any(axis=1))
    d["cohort"] = np.where(d["above_scale"], "above", np.where(d["land_mu"] >= 3, "below", None))
    d["ranked"] = ~d["utility"] & d["cohort"].notna() & (d["land_mu"] > 0)
    d["total"] = 0.0
    d["tb"] = np.nan
    for cid, table in (("above", ABOVE), ("below", BELOW)):
        member = d["ranked"] & (d["cohort"] == cid)
        for name, (num, den, w) in table.items():
            ok = member & d[num].notna() & (d[den] > 0)
            value = (d[num] / d[den] * SCALE.get(name, 1.0)).where(ok)
            bench = value.groupby([d["county"], d["cohort"]]).transform("mean")
            points = (value / bench * w).clip(lower=0)
            if name == "va_per_emission":
                points = points.fillna(points.groupby([d["county"], d["cohort"]]).transform("mean"))
            d["total"] += points.fillna(0.0).where(member, 0.0)
            if name == "tax_per_mu":
                d["tb"] = d["tb"].where(~member, value)
    r = d[d["ranked"]].copy()
    r["neg_t"], r["neg_b"] = -r["total"], (-r["tb"]).fillna(np.inf)
    r = r.sort_values(["county", "cohort", "neg_t", "neg_b", "uscc"])
    r["rank"] = r.groupby(["county", "cohort"]).cumcount() + 1
    n = r.groupby(["county", "cohort"])["uscc"].transform("size")
    cls = np.full(len(r), "D", dtype=object)
    for label, share in reversed(list(zip(LABELS[:3], CUM_SHARES, strict=True))):
        cls = np.where(r["rank"] <= (n * int(share * PPM) + PPM // 2) // PPM, label, cls)
    veto = r["safety_incident"] | r["env_incident"].fillna(False).astype(bool)
    r["class_label"] = np.where(veto, "D", cls)
    return r[["uscc", "total", "class_label"]]


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pandas-repeat", type=int, default=3)
    args = parser.parse_args()

    facts = make_facts(args.rows, seed=42, counties=90).with_columns(
        pl.lit(False).alias("env_incident")
    )
    pdf = facts.to_pandas()
    print(
        f"rows: {facts.height:,}; in-memory size: {facts.estimated_size('mb'):.0f} MB; "
        f"threads: {pl.thread_pool_size()}"
    )

    t_mujun, res_mujun = timed(lambda: score(facts, profile=PROFILE, year=2024), args.repeat)
    kernels = {
        engine: timed(lambda engine=engine: polars_kernel(facts, engine), args.repeat)
        for engine in ("streaming", "in-memory")
    }
    best = min(kernels, key=lambda e: kernels[e][0])
    t_kernel, res_kernel = kernels[best]
    t_pandas, res_pandas = timed(lambda: pandas_version(pdf), args.pandas_repeat)

    mujun_cls = res_mujun.filter(pl.col("eval_status") == "ranked").select("uscc", "class_label")
    others = {
        "kernel": res_kernel.filter(pl.col("class_label").is_not_null()).select(
            "uscc", "class_label"
        ),
        "pandas": pl.from_pandas(res_pandas[["uscc", "class_label"]]),
    }

    print(f"{'':34}{'median s':>10}{'vs kernel':>11}")
    rows = [("mujun (all explanations)", t_mujun)]
    rows += [(f"minimal Polars kernel ({e})", kernels[e][0]) for e in kernels]
    rows += [("pandas", t_pandas)]
    for name, t in rows:
        print(f"{name:34}{t:10.3f}{t / t_kernel:10.2f}x")
    print(
        f"mujun / best kernel ({best}) = {t_mujun / t_kernel:.2f} (target <= 1.5); "
        f"pandas / mujun = {t_pandas / t_mujun:.1f}"
    )
    for name, other in others.items():
        joined = mujun_cls.join(other, on="uscc", how="full", suffix="_o")
        differ = joined.filter(pl.col("class_label").ne_missing(pl.col("class_label_o"))).height
        print(f"classes differing from {name}: {differ} of {mujun_cls.height:,} ranked firms")


if __name__ == "__main__":
    main()
