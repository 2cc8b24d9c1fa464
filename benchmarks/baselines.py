"""Hand-written baselines for the Zhejiang baseline profile: totals and classes only.

Three implementations of the same rules, each written the way a careful analyst would write it
in that tool, with none of mujun's explanation columns, profiles or missing-data causes:

- `polars_kernel`: a minimal Polars plan (ranked firms only, integer group ids, group
  statistics as small tables joined back, the rank with the USCC string as its last key);
- `pandas_version`: vectorized pandas (`groupby.transform`, sort + `cumcount`);
- `duckdb_sql`: one SQL query with window functions, run by DuckDB on the Polars frame.

And the fair peer of mujun's full pipeline, `duckdb_full`: one SQL query that returns, for every
firm, the explanation columns mujun returns for this profile (cohort, evaluation status and
special rule; each indicator's value, benchmark, item and status; totals, pool, pool size, rank,
rank share, computed class, veto, final class and its name, next class and the gap to it).

The rules (scoring_profiles/zhejiang_baseline.toml, data year 2023): manufacturing divisions
13–43 (blank code included); utilities exempt; land missing or not positive not evaluated;
cohorts 规上 and 规下 ≥ 3 mu; firms in production under 2 years scored but not ranked;
benchmarks are the mean value of the ranked firms of the same county and cohort; item =
value ÷ benchmark × weight (0 if the benchmark is not positive, never below 0); a 规上 firm
without a usable emission value gets its group's mean emission item; rank by total, then tax per
mu, then USCC; quotas 20/40/35/5 rounded half up; a safety or environmental incident is D.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import polars as pl

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
POLLUTANTS = ("cod_t", "nh3n_t", "so2_t", "nox_t")
YEAR_END = dt.date(2023, 12, 31)
COHORTS = (("above", ABOVE), ("below", BELOW))


# ---- minimal Polars kernel ---- #
def polars_kernel(df: pl.DataFrame) -> pl.DataFrame:
    """Totals and classes of ranked firms: ``uscc``, ``total``, ``class_label``.

    The plan shapes that paid in mujun's engine (issue 18): the firms that are not ranked are
    dropped first (only ranked firms are output); the industry division is extracted once per
    distinct code; one value column per indicator (the cohort is part of the group id);
    benchmarks and the emission mean as one small group-by table per statistic, joined back on
    the integer group id; the rank on (total, tax per mu, USCC string) within the group.
    """
    pollutants = [pl.col(c) for c in POLLUTANTS]
    emissions = pl.when(pl.any_horizontal(p.is_not_null() for p in pollutants)).then(
        pl.sum_horizontal(pollutants)
    )
    code = pl.col("industry_code")
    distinct = code.unique(maintain_order=True)
    division = code.replace_strict(
        distinct, distinct.str.extract(r"^\s*[A-Za-z]?(\d{2})", 1).cast(pl.Int32), default=None
    )
    land, above = pl.col("land_mu"), pl.col("above_scale")
    age = (pl.lit(YEAR_END) - pl.col("production_start")).dt.total_days() / 365.25
    ranked = (
        (division.is_between(13, 43) | division.is_null())
        & ~pl.col("utility")
        & (land > 0)
        & (above | (land >= 3))
        & ~(age < 2).fill_null(value=False)
    )
    group = pl.col("county").cast(pl.Categorical).to_physical().cast(pl.UInt32) * 2 + above.cast(
        pl.UInt32
    )
    lf = df.lazy().filter(ranked).with_columns(emissions.alias("emissions_t"), group.alias("g"))
    indicators = {name: spec for _, table in COHORTS for name, spec in table.items()}
    values = {}
    for name, (num, den, _) in indicators.items():
        users = [cid for cid, table in COHORTS if name in table]
        member = pl.lit(value=True)
        if len(users) == 1:
            member = above if users == ["above"] else ~above
        ok = member & pl.col(num).is_not_null() & (pl.col(den) > 0)
        values[f"v_{name}"] = pl.when(ok).then(pl.col(num) / pl.col(den) * SCALE.get(name, 1.0))
    lf = lf.with_columns(**values).cache()
    benchmarks = lf.group_by("g").agg(pl.col(f"v_{n}").mean().alias(f"m_{n}") for n in indicators)
    lf = lf.join(benchmarks, on="g", how="left", maintain_order="left")
    points = {}
    for name in indicators:
        weights = {cid: table[name][2] for cid, table in COHORTS if name in table}
        weight = pl.when(above).then(weights.get("above", 0)).otherwise(weights.get("below", 0))
        value, bench = pl.col(f"v_{name}"), pl.col(f"m_{name}")
        scored = pl.when(bench > 0).then(value / bench * weight).otherwise(0.0)
        points[f"p_{name}"] = pl.when(value.is_not_null()).then(scored.clip(lower_bound=0.0))
    lf = lf.with_columns(**points).cache()
    emission = lf.group_by("g").agg(pl.col("p_va_per_emission").mean().alias("m_emission"))
    lf = lf.join(emission, on="g", how="left", maintain_order="left")
    items = []
    for name in indicators:
        p = pl.col(f"p_{name}")
        if name == "va_per_emission":
            p = pl.when(above).then(p.fill_null(pl.col("m_emission").fill_null(0.0)))
        items.append(p.fill_null(0.0))
    lf = lf.with_columns(pl.sum_horizontal(items).alias("total"))
    order = pl.struct(
        (-pl.col("total")).alias("t"),
        (-pl.col("v_tax_per_mu")).fill_null(float("inf")).alias("b"),
        pl.col("uscc").alias("u"),
    )
    # NOTE: rank and pool size as columns first: a window inside each branch of the class's
    # when-chain is computed once per branch (Polars does not de-duplicate them there).
    lf = lf.with_columns(
        order.rank("ordinal").over("g").cast(pl.Int64).alias("rank"),
        pl.len().over("g").cast(pl.Int64).alias("n"),
    )
    rank, n = pl.col("rank"), pl.col("n")
    cls = pl.when(rank <= (n * int(CUM_SHARES[0] * PPM) + PPM // 2) // PPM).then(pl.lit("A"))
    for label, share in zip(LABELS[1:3], CUM_SHARES[1:], strict=True):
        cls = cls.when(rank <= (n * int(share * PPM) + PPM // 2) // PPM).then(pl.lit(label))
    veto = pl.col("safety_incident") | pl.col("env_incident").fill_null(value=False)
    final = pl.when(veto).then(pl.lit("D")).otherwise(cls.otherwise(pl.lit("D")))
    return lf.select("uscc", "total", final.alias("class_label")).collect(engine="in-memory")


# ---- pandas ---- #
def pandas_version(pdf: pd.DataFrame) -> pd.DataFrame:
    """The same totals and classes in idiomatic vectorized pandas."""
    d = pdf
    pol = d[list(POLLUTANTS)]
    emissions = pol.sum(axis=1).where(pol.notna().any(axis=1))
    division = pd.to_numeric(
        d["industry_code"].str.extract(r"^\s*[A-Za-z]?(\d{2})", expand=False), errors="coerce"
    )
    age = (pd.Timestamp(YEAR_END) - pd.to_datetime(d["production_start"])).dt.days / 365.25
    above = d["above_scale"].astype(bool)
    ranked = (
        (division.between(13, 43) | division.isna())
        & ~d["utility"].astype(bool)
        & (d["land_mu"] > 0)
        & (above | (d["land_mu"] >= 3))
        & ~(age < 2)
    )
    keys = [d["county"], above]
    columns = {**{c: d[c] for c in d.columns}, "emissions_t": emissions}
    total = pd.Series(0.0, index=d.index)
    tb = pd.Series(np.nan, index=d.index)
    for cid, table in COHORTS:
        member = ranked & (above if cid == "above" else ~above)
        for name, (num, den, weight) in table.items():
            ok = member & columns[num].notna() & (columns[den] > 0)
            value = (columns[num] / columns[den] * SCALE.get(name, 1.0)).where(ok)
            bench = value.groupby(keys).transform("mean")
            scored = (value / bench * weight).clip(lower=0).where(bench > 0, 0.0)
            points = scored.where(value.notna())
            if name == "va_per_emission":
                points = points.fillna(points.groupby(keys).transform("mean").fillna(0.0))
            total += points.fillna(0.0).where(member, 0.0)
            if name == "tax_per_mu":
                tb = tb.where(~member, value)
    r = pd.DataFrame(
        {
            "uscc": d["uscc"],
            "county": d["county"],
            "above": above,
            "total": total,
            "neg_t": -total,
            "neg_b": (-tb).fillna(np.inf),
            "veto": d["safety_incident"].astype(bool)
            | d["env_incident"].fillna(value=False).astype(bool),
        }
    )[ranked]
    r = r.sort_values(["county", "above", "neg_t", "neg_b", "uscc"])
    r["rank"] = r.groupby(["county", "above"]).cumcount() + 1
    n = r.groupby(["county", "above"])["uscc"].transform("size")
    cls = np.full(len(r), "D", dtype=object)
    for label, share in reversed(list(zip(LABELS[:3], CUM_SHARES, strict=True))):
        cls = np.where(r["rank"] <= (n * int(share * PPM) + PPM // 2) // PPM, label, cls)
    r["class_label"] = np.where(r["veto"], "D", cls)
    return r[["uscc", "total", "class_label"]]


# ---- DuckDB SQL ---- #
_DERIVED_SQL = f"""\
    CASE WHEN cod_t IS NULL AND nh3n_t IS NULL AND so2_t IS NULL AND nox_t IS NULL THEN NULL
         ELSE coalesce(cod_t, 0) + coalesce(nh3n_t, 0) + coalesce(so2_t, 0) + coalesce(nox_t, 0)
    END AS emissions_t,
    TRY_CAST(regexp_extract(industry_code, '^\\s*[A-Za-z]?(\\d{{2}})', 1) AS INTEGER) AS division,
    (DATE '{YEAR_END}' - production_start) / 365.25 AS age"""
"""The derived columns both DuckDB queries start from: emissions, industry division, age."""


def duckdb_query() -> str:
    """The same totals and classes as one SQL query over a table ``facts``."""
    values, points, items = [], [], []
    for cid, table in COHORTS:
        member = "above_scale" if cid == "above" else "NOT above_scale"
        for name, (num, den, weight) in table.items():
            v, p = f"v_{cid}_{name}", f"p_{cid}_{name}"
            values.append(
                f"CASE WHEN {member} AND {num} IS NOT NULL AND {den} > 0 "
                f"THEN {num} / {den} * {SCALE.get(name, 1.0)} END AS {v}"
            )
            points.append(
                f"CASE WHEN {v} IS NULL THEN NULL WHEN avg({v}) OVER w > 0 "
                f"THEN greatest({v} / avg({v}) OVER w * {weight}, 0) ELSE 0 END AS {p}"
            )
            fill = f"coalesce(avg({p}) OVER w, 0)" if name == "va_per_emission" else "0"
            items.append(f"CASE WHEN {member} THEN coalesce({p}, {fill}) ELSE 0 END")
    cum = [f"(n * {int(s * PPM)} + {PPM // 2}) // {PPM}" for s in CUM_SHARES]
    return f"""
WITH base AS (
  SELECT *,
{_DERIVED_SQL}
  FROM facts),
ranked AS (
  SELECT * FROM base
  WHERE (division BETWEEN 13 AND 43 OR division IS NULL) AND NOT utility AND land_mu > 0
    AND (above_scale OR land_mu >= 3) AND NOT coalesce(age < 2, false)),
v AS (SELECT *, {", ".join(values)} FROM ranked),
p AS (SELECT *, {", ".join(points)} FROM v WINDOW w AS (PARTITION BY county, above_scale)),
t AS (
  SELECT uscc, county, above_scale, safety_incident, env_incident,
    coalesce(v_above_tax_per_mu, v_below_tax_per_mu) AS tb,
    {" + ".join(items)} AS total
  FROM p WINDOW w AS (PARTITION BY county, above_scale)),
k AS (
  SELECT *,
    row_number() OVER (PARTITION BY county, above_scale
                       ORDER BY total DESC, tb DESC NULLS LAST, uscc) AS rk,
    count(*) OVER (PARTITION BY county, above_scale) AS n
  FROM t)
SELECT uscc, total,
  CASE WHEN safety_incident OR coalesce(env_incident, false) THEN 'D'
       WHEN rk <= {cum[0]} THEN 'A' WHEN rk <= {cum[1]} THEN 'B' WHEN rk <= {cum[2]} THEN 'C'
       ELSE 'D' END AS class_label
FROM k"""


# ---- DuckDB SQL, every explanation column ---- #
_COHORT_ID = {"above": "above", "below": "below_ge3"}  # as mujun names them
_COHORT_LABEL = {"above": "规上企业", "below_ge3": "规下企业（3亩及以上）"}
_SPECIAL_LABEL = {  # special rule: final label of a firm without a class
    "out_of_scope": "不参评",
    "utility": "免评",
    "land_problem": "待核",
    "no_cohort": "不参评",
    "new_firm": "T",
}
_SPECIAL_REASON = {
    "out_of_scope": "行业不在评价范围",
    "utility": "水、电、气、热等公用事业企业，不参加评价",
    "land_problem": "用地面积缺失、为负或为零，无法计算亩均指标，请核实用地数据",
    "no_cohort": "不符合任何评价对象条件（如规下企业用地不足规定亩数）",
    "new_firm": "投产不满2年，参加测算但不定等级",
}
_VETO_REASON = {
    "safety_incident": "发生重大安全生产事故，一票否决列入D类",
    "env_incident": "发生重大环境违法行为，一票否决列入D类",
}
_CLASS_NAME = {
    "A": "优先发展类",
    "B": "鼓励提升类",
    "C": "监管调控类",
    "D": "落后整治类",
    "免评": "免于评价",
    "T": "暂不定级",
    "待核": "数据待核（用地面积缺失或非正）",
    "不参评": "不在评价范围",
}


def _case(column: str, mapping: dict[str, str]) -> str:
    arms = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())
    return f"CASE {column} {arms} END"


def duckdb_full_query() -> str:
    """mujun's explanation columns for this profile, every firm, as one query over ``facts``.

    Written for DuckDB's strengths: group statistics (benchmarks, cohort means, pool sizes,
    the weakest total of each class) as GROUP BY tables joined back on their keys, and the rank
    as a window over a narrow projection of the ranked firms only. (A first version with one
    window per statistic over the whole rows took 1.5–2 × as long at 1M firms.)
    """
    used: dict[str, tuple[str, str, dict[str, int]]] = {}  # indicator: (num, den, weights)
    for cid, table in COHORTS:
        for name, (num, den, weight) in table.items():
            used.setdefault(name, (num, den, {}))[2][_COHORT_ID[cid]] = weight
    status, value, bench, points, item = [], [], [], [], []
    for name, (num, den, weights) in used.items():
        users = ", ".join(f"'{c}'" for c in weights)
        s, v, b = f"{name}__status", f"{name}__value", f"{name}__benchmark"
        status.append(
            f"CASE WHEN cohort IN ({users}) AND evaluated THEN "
            f"CASE WHEN {num} IS NULL OR {den} IS NULL THEN 'missing' WHEN {den} = 0 THEN 'zero' "
            f"WHEN {den} < 0 THEN 'invalid' ELSE 'ok' END END AS {s}"
        )
        value.append(f"CASE WHEN {s} = 'ok' THEN {num} / {den} * {SCALE.get(name, 1.0)} END AS {v}")
        bench.append(f"avg(CASE WHEN eval_status = 'ranked' THEN {v} END) AS {b}")
        weight = "CASE cohort " + " ".join(f"WHEN '{c}' THEN {w}.0" for c, w in weights.items())
        weight += " END"
        points.append(
            f"CASE WHEN {v} IS NULL THEN NULL WHEN {b} > 0 "
            f"THEN greatest({v} / {b} * ({weight}), 0) ELSE 0 END AS {name}__points"
        )
        filler = "0"
        if name == "va_per_emission":  # a missing emission value takes the cohort's mean item
            filler = (
                f"CASE WHEN {s} IN ('missing', 'zero', 'not_applicable') THEN coalesce(em, 0) "
                f"WHEN {s} = 'zero_verified' THEN {weight} ELSE 0 END"
            )
        item.append(
            f"CASE WHEN {s} IS NULL THEN NULL WHEN {s} = 'ok' THEN {name}__points "
            f"ELSE {filler} END AS {name}__item"
        )
    per_indicator = ", ".join(
        f"{n}__{part}" for n in used for part in ("value", "benchmark", "item", "status")
    )
    items_total = " + ".join(f"coalesce({n}__item, 0)" for n in used)
    cum = [f"(pool_size * {int(s * PPM)} + {PPM // 2}) // {PPM}" for s in CUM_SHARES]
    index = "CASE WHEN rank <= cum0 THEN 0 WHEN rank <= cum1 THEN 1 "
    index += "WHEN rank <= cum2 THEN 2 ELSE 3 END"
    labels = "['A', 'B', 'C', 'D']"
    weakest = ", ".join(f"max(CASE WHEN rank = cum{j} THEN total END) AS w{j}" for j in range(3))
    better = " ".join(
        f"WHEN class_index = {j + 1} AND cum{j} > {f'cum{j - 1}' if j else '0'} THEN w{j}"
        for j in range(3)
    )
    same_group = (
        "{a}.cohort = {b}.cohort AND {a}.county IS NOT DISTINCT FROM {b}.county "
        "AND {a}.evaluated = {b}.evaluated"
    )
    return f"""
WITH base AS (
  SELECT *,
{_DERIVED_SQL},
    CASE WHEN coalesce(above_scale, false) THEN 'above'
         WHEN land_mu >= 3 THEN 'below_ge3' END AS cohort
  FROM facts),
special AS (
  SELECT *,
    CASE WHEN division IS NOT NULL AND NOT division BETWEEN 13 AND 43 THEN 'out_of_scope'
         WHEN coalesce(utility, false) THEN 'utility'
         WHEN land_mu IS NULL OR land_mu < 0 OR (land_mu = 0 AND cohort IS NOT NULL)
           THEN 'land_problem'
         WHEN cohort IS NULL THEN 'no_cohort'
         WHEN coalesce(age < 2, false) THEN 'new_firm' END AS special_rule
  FROM base),
status AS (
  SELECT *,
    CASE WHEN special_rule IS NULL THEN 'ranked' WHEN special_rule = 'new_firm' THEN 'ungraded'
         ELSE 'not_evaluated' END AS eval_status,
    special_rule IS NULL OR special_rule = 'new_firm' AS evaluated
  FROM special),
v AS (SELECT *, {", ".join(status)} FROM status),
vv AS (SELECT *, {", ".join(value)} FROM v),
bench AS (
  SELECT cohort, county, evaluated, {", ".join(bench)}
  FROM vv WHERE evaluated GROUP BY cohort, county, evaluated),
pj AS (
  SELECT vv.*, {", ".join(f"bench.{n}__benchmark" for n in used)}
  FROM vv LEFT JOIN bench ON {same_group.format(a="vv", b="bench")}),
pts AS (SELECT *, {", ".join(points)} FROM pj),
em AS (
  SELECT cohort, county, evaluated,
    avg(CASE WHEN eval_status = 'ranked' THEN va_per_emission__points END) AS em
  FROM pts WHERE evaluated GROUP BY cohort, county, evaluated),
ij AS (SELECT pts.*, em.em FROM pts LEFT JOIN em ON {same_group.format(a="pts", b="em")}),
i AS (SELECT *, {", ".join(item)} FROM ij),
t AS (
  SELECT *, CASE WHEN evaluated THEN {items_total} END AS items_total FROM i),
rk AS (
  SELECT uscc, cohort, county, items_total AS total,
    row_number() OVER (PARTITION BY cohort, county ORDER BY items_total DESC,
      tax_per_mu__value DESC NULLS LAST, uscc) AS rank,
    count(*) OVER (PARTITION BY cohort, county) AS pool_size
  FROM t WHERE eval_status = 'ranked'),
rc AS (SELECT *, {cum[0]} AS cum0, {cum[1]} AS cum1, {cum[2]} AS cum2 FROM rk),
weakest AS (
  SELECT cohort, county, {weakest} FROM rc GROUP BY cohort, county),
ranked AS (
  SELECT rc.uscc, rank, pool_size, rank / pool_size AS rank_pct, {index} AS class_index,
    cum0, cum1, cum2, w0, w1, w2, total
  FROM rc JOIN weakest ON rc.cohort = weakest.cohort
    AND rc.county IS NOT DISTINCT FROM weakest.county),
k AS (
  SELECT *, CASE WHEN class_index > 0 THEN greatest(CASE {better} END - total, 0)
    END AS gap_to_next
  FROM ranked),
f AS (
  SELECT t.*, k.rank, k.pool_size, k.rank_pct, k.class_index, k.gap_to_next,
    CASE WHEN k.rank IS NOT NULL THEN
      {_case("t.cohort", _COHORT_LABEL)} || '/' || coalesce(t.county, '（空）') END AS pool,
    {labels}[k.class_index + 1] AS class_computed,
    CASE WHEN k.class_index < 3 AND coalesce(safety_incident, false) THEN 'safety_incident'
         WHEN k.class_index < 3 AND coalesce(env_incident, false) THEN 'env_incident'
    END AS override_rule
  FROM t LEFT JOIN k ON t.uscc = k.uscc),
l AS (
  SELECT *,
    coalesce(CASE WHEN override_rule IS NOT NULL THEN 'D' ELSE class_computed END,
             {_case("special_rule", _SPECIAL_LABEL)}) AS class_label
  FROM f)
SELECT uscc, name, year, county, township, industry_code, above_scale, land_mu,
  cohort, {_case("cohort", _COHORT_LABEL)} AS cohort_label, eval_status, special_rule,
  {_case("special_rule", _SPECIAL_REASON)} AS special_reason,
  {per_indicator}, items_total,
  CASE WHEN items_total IS NOT NULL THEN 1.0 END AS coefficient,
  CASE WHEN items_total IS NOT NULL THEN 0.0 END AS bonus,
  CASE WHEN items_total IS NOT NULL THEN 0.0 END AS penalty,
  items_total AS total_score, pool, pool_size, rank, rank_pct, class_computed, override_rule,
  {_case("override_rule", _VETO_REASON)} AS override_reason,
  class_label, {_case("class_label", _CLASS_NAME)} AS class_name,
  CASE WHEN class_index > 0 THEN {labels}[class_index] END AS next_class, gap_to_next
FROM l"""


def duckdb_full(con: object, df: pl.DataFrame) -> pl.DataFrame:
    """Run `duckdb_full_query` on ``df`` (registered as ``facts``); the result as Polars."""
    con.register("facts", df)  # type: ignore[attr-defined]
    try:
        return con.sql(duckdb_full_query()).pl()  # type: ignore[attr-defined]
    finally:
        con.unregister("facts")  # type: ignore[attr-defined]


def duckdb_sql(con: object, df: pl.DataFrame) -> pl.DataFrame:
    """Run `duckdb_query` on ``df`` (registered as ``facts``); the result as Polars."""
    con.register("facts", df)  # type: ignore[attr-defined]
    try:
        return con.sql(duckdb_query()).pl()  # type: ignore[attr-defined]
    finally:
        con.unregister("facts")  # type: ignore[attr-defined]
