"""Plan targets (规划目标) of a published year: firm aggregates, regional figures and cases.

A target counts a declared population (by default the 规上 firms the profile evaluates, so a
not-evaluated power utility never lifts 规上制造业 labour productivity), measures it in one of
the shapes plans use (ratio, count, total, share, a regional figure, rectification cases),
as a level or as a change since a base year, and compares it with the plan year's value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mujun import store as st
from mujun.engine import score
from mujun.errors import DataError, MujunError, StoreError
from mujun.ingest import values
from mujun.ingest.read import read_sheets
from mujun.policy import cases
from mujun.profiles.conditions import all_of, industry_match
from mujun.profiles.levers import Population, Target
from mujun.profiles.models import Profile
from mujun.score.measures import industry_division

_RATIOS = {
    "tax_per_mu": ("tax_wan", "land_mu", 1.0),
    "va_per_mu": ("value_added_wan", "land_mu", 1.0),
    "output_per_mu": ("output_wan", "land_mu", 1.0),
    "labour_productivity": ("value_added_wan", "employees", 1.0),
    "rd_intensity": ("rd_wan", "revenue_wan", 100.0),  # in %
    "va_rate": ("value_added_wan", "output_wan", 100.0),  # in %
    "energy_per_va": ("energy_tce", "value_added_wan", 1.0),
}
"""Aggregate → (Σ numerator, Σ denominator, scale): Σ ÷ Σ over the population's firms."""

REGIONAL_COLUMNS = {
    "year": ("年度", "年份", "year"),
    "indicator": ("指标", "指标名称", "indicator"),
    "value": ("数值", "值", "value"),
    "unit": ("单位", "unit"),
    "source": ("来源", "数据来源", "source"),
    "scope": ("范围", "园区", "scope"),
}
"""Columns of the regional table (canonical name → accepted headers); 范围 is optional."""
REGION = "全域"
_DECIMALS = 2
"""Targets are published to 2 decimals; values are compared as printed."""
"""The 范围 of region-wide figures (and of a regional table row with no 范围)."""

_OUTPUT = pl.Schema(
    {
        "范围": pl.String(), "指标": pl.String(), "单位": pl.String(), "数据年度": pl.Int32(),
        "实际值": pl.Float64(), "当年数值": pl.Float64(), "目标年度": pl.Int32(),
        "目标值": pl.Float64(), "期别": pl.String(), "基期年度": pl.Int32(),
        "基期值": pl.Float64(), "基期来源": pl.String(), "完成进度": pl.Float64(),
        "差距": pl.Float64(), "已达标": pl.Boolean(), "统计口径": pl.String(),
        "依据": pl.String(), "说明": pl.String(),
    }
)  # fmt: skip
"""One row per target, plan year and 范围 (park or 全域)."""


@dataclass(frozen=True)
class _Year:
    """The firms of one data year with their evaluation status, and how it was obtained."""

    firms: pl.DataFrame
    note: str


_Years = Callable[[int], _Year]
"""A data year's firms, read once per evaluation."""


def read_regional(path: str | Path, /) -> pl.DataFrame:
    """Read the regional table: year, indicator, value, unit, source (and optional 范围).

    Raises:
        DataError: a required column is missing, a value or year is not a number, or one
            (year, indicator, 范围) appears twice; the message names the rows.
    """
    sheet = read_sheets(path)[0]
    grid = sheet.grid
    if grid.height == 0:
        raise DataError.unreadable(
            str(path), "区域指标表是空的", hint="第一行写表头，之后每行一个指标。"
        )
    header = grid.row(0)
    names = {a: name for name, aliases in REGIONAL_COLUMNS.items() for a in aliases}
    rename: dict[str, str] = {}
    for col, head in zip(grid.columns, header, strict=True):
        key = "".join(str(head or "").split())
        if key in names and names[key] not in rename.values():
            rename[col] = names[key]
    missing = [c for c in ("year", "indicator", "value", "unit") if c not in rename.values()]
    if missing:
        raise DataError.missing_columns(
            str(path), [REGIONAL_COLUMNS[c][0] for c in missing],
            hint="区域指标表需要列：年度、指标、数值、单位（来源、范围可选）。",
        )  # fmt: skip
    raw = (
        grid.slice(1)
        .select(list(rename))
        .rename(rename)
        .with_columns(pl.int_range(pl.len()).add(sheet.row_number(1)).alias("row"))
    )
    for optional in ("source", "scope"):
        if optional not in raw.columns:
            raw = raw.with_columns(pl.lit(None, pl.String).alias(optional))
    text = {c: values.text(pl.col(c)) for c in ("year", "indicator", "value", "unit", "source")}
    table = raw.select(
        "row",
        text["year"].alias("year_raw"),
        values.integer(text["year"]).alias("year"),
        text["indicator"].alias("indicator"),
        text["value"].alias("value_raw"),
        pl.when(~text["value"].str.ends_with("%"))
        .then(values.number(text["value"]))
        .alias("value"),
        text["unit"].alias("unit"),
        text["source"].alias("source"),
        values.text(pl.col("scope")).fill_null(REGION).alias("scope"),
    ).filter(pl.any_horizontal(pl.col("year_raw", "indicator", "value_raw").is_not_null()))
    bad = table.filter(
        pl.col("year").is_null() | pl.col("indicator").is_null() | pl.col("value").is_null()
        | pl.col("unit").is_null()
    )  # fmt: skip
    if bad.height:
        lines = [
            f"第{r['row']}行：年度 {r['year_raw']!r}，指标 {r['indicator']!r}，"
            f"数值 {r['value_raw']!r}，单位 {r['unit']!r} — 年度须为整数，数值须为数字"
            "（百分数写数字、单位写 %），指标和单位不能为空"
            for r in bad.iter_rows(named=True)
        ]
        raise DataError(
            f"{path}：{bad.height} 行无法使用：\n" + "\n".join(f"  - {x}" for x in lines[:20])
            + "\n提示：改正这些行后重新运行。"
        )  # fmt: skip
    dupes = table.filter(pl.len().over("year", "indicator", "scope") > 1)
    if dupes.height:
        rows = dupes.group_by("year", "indicator", "scope").agg(pl.col("row")).sort("row")
        lines = [
            f"{r['year']} 年 {r['indicator']}（{r['scope']}）出现在第 {r['row']} 行"
            for r in rows.iter_rows(named=True)
        ]
        raise DataError(
            f"{path}：同一年度、指标、范围有多个数值，无法判断用哪一个：\n"
            + "\n".join(f"  - {x}" for x in lines) + "\n提示：每个年度、指标、范围只保留一行。"
        )  # fmt: skip
    return table.select("year", "indicator", "value", "unit", "source", "scope", "row")


def evaluate_targets(
    store: st.Store,
    *,
    year: int,
    profile: Profile,
    regional: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per target, plan year and 范围 (see ``_OUTPUT``) for an evaluation year.

    The actual value is the evaluation's data year's, or a past plan year's own; progress is
    (actual − base) ÷ (target − base) for levels with a base, actual ÷ target otherwise (target
    ÷ actual for "at most" levels, actual ÷ target for changes); the gap is what remains (0
    once met). Values are rounded to the published precision (2 decimals) before they are
    compared, as an official reads them. ``regional`` is `read_regional`'s table.

    Raises:
        StoreError: the year is not published or the profile has no targets.
    """
    if not profile.targets:
        msg = (
            f"方案 {profile.meta.name!r} 没有规划目标（[[targets]]）。\n"
            "提示：在方案中加入规划目标。"
        )
        raise StoreError(msg)
    st.published_results(store, year)  # refuses an unpublished year
    data_year = year + profile.data_year_offset
    years: dict[int, _Year] = {}

    def firms_of(y: int) -> _Year:
        if y not in years:
            years[y] = _year(store, y, profile=profile)
        return years[y]

    rows = [
        _evaluate(t, data_year, firms_of=firms_of, store=store, profile=profile, regional=regional)
        for t in profile.targets
    ]
    return pl.concat(rows, how="vertical")


# ---- populations ---- #
def _year(store: st.Store, data_year: int, *, profile: Profile) -> _Year:
    """A data year's facts with ``eval_status`` and ``cohort`` of its published evaluation.

    A data year without a published evaluation (a plan's base year) is scored with this
    profile, so the population is decided by the same rules; the note says so.
    """
    evaluation_year = data_year - profile.data_year_offset
    try:
        results = st.published_results(store, evaluation_year)
    except StoreError:
        results = None
    if results is not None:
        run = st.run_info(store, int(results.item(0, "run_id")))
        facts = st.batch_facts(store, int(run["batch_id"])) if run["batch_id"] is not None else None
        if facts is not None:
            status = results.select("uscc", "eval_status", pl.col("cohort").cast(pl.String))
            return _Year(facts.join(status, on="uscc", how="left"), "")
    facts = st.facts_of_years(store, [data_year])
    if facts.is_empty():
        empty = facts.with_columns(
            pl.lit(None, pl.String).alias("eval_status"), pl.lit(None, pl.String).alias("cohort")
        )
        return _Year(empty, f"{data_year} 年没有事实数据")
    try:
        scored = score(facts, profile=profile, year=evaluation_year).select(
            "uscc", pl.col("eval_status").cast(pl.String), pl.col("cohort").cast(pl.String)
        )
    except MujunError as exc:  # the year's facts cannot be scored: say why, count no firm
        first = str(exc).splitlines()[0]
        unknown = facts.with_columns(
            pl.lit(None, pl.String).alias("eval_status"), pl.lit(None, pl.String).alias("cohort")
        )
        return _Year(unknown, f"{data_year} 年事实无法按本方案判定参评范围：{first}")
    note = f"{data_year} 年无已认定的评价，按本方案规则判定参评范围"
    return _Year(facts.join(scored, on="uscc", how="left"), note)


def population_filter(pop: Population) -> pl.Expr:
    """True for the firms a target counts."""
    keep = pl.lit(value=True)
    if pop.evaluated:
        keep = keep & (pl.col("eval_status").fill_null("not_evaluated") != "not_evaluated")
    if pop.size != "all":
        above = pop.size == "above_scale"
        keep = keep & (pl.col("above_scale").fill_null(value=False) == above)
    if pop.industry_in:
        keep = keep & industry_match(pop.industry_in)
    if pop.industry_not_in:
        keep = keep & ~industry_match(pop.industry_not_in)
    if pop.cohorts:
        keep = keep & pl.col("cohort").is_in(list(pop.cohorts)).fill_null(value=False)
    if pop.where:
        keep = keep & all_of(pop.where)
    return keep


def describe(pop: Population) -> str:
    """The population in words, for the 统计口径 column."""
    parts = [{"above_scale": "规上", "below_scale": "规下", "all": "规上及规下"}[pop.size]]
    parts.append("参评企业" if pop.evaluated else "全部企业")
    if pop.industry_in:
        parts.append("行业 " + "、".join(pop.industry_in))
    if pop.industry_not_in:
        parts.append("不含行业 " + "、".join(pop.industry_not_in))
    if pop.cohorts:
        parts.append("类别 " + "、".join(pop.cohorts))
    if pop.where:
        parts.append(f"另有 {len(pop.where)} 项条件")
    return "；".join(parts)


# ---- measuring ---- #
def _with_division(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(industry_division(pl.col("industry_code")).alias("industry_division"))


def _value_expr(t: Target) -> pl.Expr:
    """The target's measure as an aggregation over a population's firms."""
    if t.kind == "ratio":
        num, den, scale = _RATIOS[str(t.indicator)]
        # NOTE: a firm counts when both parts are known and the denominator is positive: a
        # firm with zero land would add its tax to Σ tax and nothing to Σ land.
        ok = pl.col(num).is_not_null() & (pl.col(den) > 0).fill_null(value=False)
        return pl.col(num).filter(ok).sum() / pl.col(den).filter(ok).sum() * scale
    hit = all_of(t.where)
    if t.kind == "count":
        return hit.sum().cast(pl.Float64)
    if t.kind == "total":
        return pl.col(str(t.measure)).sum().cast(pl.Float64)
    # share, in %
    if t.measure == "firms":
        return hit.sum() / pl.len() * 100.0
    known = pl.col(str(t.measure)).is_not_null()
    return (
        pl.col(str(t.measure)).filter(known & hit).sum()
        / pl.col(str(t.measure)).filter(known).sum()
        * 100.0
    )


def _firm_values(t: Target, got: _Year) -> pl.DataFrame:
    """``scope`` and ``value`` (per park, or one 全域 row) from one data year's firms."""
    frame = _with_division(got.firms).filter(population_filter(t.counted))
    # NOTE: an empty population (Σ 0 ÷ Σ 0) has no value, not NaN
    value = _value_expr(t)
    expr = pl.when(value.is_finite()).then(value).alias("value")
    if not t.grouped_by_park:
        return frame.select(pl.lit(REGION).alias("scope"), expr)
    parks = frame.filter(pl.col("park").is_not_null()).group_by(pl.col("park").alias("scope"))
    out = parks.agg(expr).sort("scope")
    if out.is_empty():  # say so rather than show no row
        return pl.DataFrame({"scope": ["（事实数据中没有园区）"], "value": [None]},
                            schema={"scope": pl.String, "value": pl.Float64})  # fmt: skip
    return out


def _regional_values(
    t: Target, year: int, regional: pl.DataFrame | None
) -> tuple[pl.DataFrame, str]:
    """The regional figure (or ratio of two) per 范围 in ``year``; a note when it is missing."""
    # NOTE: a missing figure is one row with no value and a note, never a silently absent row
    empty = pl.DataFrame(
        {"scope": ["（各园区）" if t.grouped_by_park else REGION], "value": [None]},
        schema={"scope": pl.String, "value": pl.Float64},
    )
    if regional is None:
        return empty, "需要区域指标表（mujun targets --regional 区域指标.csv）"
    names = [str(t.indicator)] + ([t.denominator] if t.denominator else [])
    rows = regional.filter((pl.col("year") == year) & pl.col("indicator").is_in(names))
    found = set(rows.get_column("indicator"))
    lacking = [n for n in names if n not in found]
    if lacking:
        return empty, f"区域指标表缺少 {year} 年的 {'、'.join(lacking)}"
    units = rows.group_by("indicator").agg(pl.col("unit").unique().sort())
    mixed = units.filter(pl.col("unit").list.len() > 1)
    if mixed.height:
        name, found = mixed.row(0)
        msg = (
            f"区域指标 {name!r}（{year} 年）在不同范围用了不同单位 {found}。\n"
            "提示：统一单位后重新运行。"
        )
        raise DataError(msg)
    unit = {name: found[0] for name, found in units.iter_rows()}
    if t.denominator is None and unit[t.indicator] != t.unit:
        msg = (
            f"区域指标 {t.indicator!r}（{year} 年）的单位是 {unit[t.indicator]!r}，"
            f"目标 {t.label!r} 的单位是 {t.unit!r}。\n"
            "提示：统一单位后重新运行，或在方案中改正目标单位。"
        )
        raise DataError(msg)
    if t.denominator is not None and unit[t.indicator] != unit[t.denominator]:
        msg = (
            f"区域指标 {t.indicator!r}（{unit[t.indicator]}）与 {t.denominator!r}"
            f"（{unit[t.denominator]}）单位不同，无法相除。\n提示：换算成同一单位后重新运行。"
        )
        raise DataError(msg)
    wide = rows.pivot(on="indicator", index="scope", values="value", on_columns=names)
    value = pl.col(str(t.indicator))
    if t.denominator is not None:
        value = value / pl.col(t.denominator) * t.scale
    out = wide.select("scope", value.cast(pl.Float64).alias("value"))
    if not t.grouped_by_park:
        out = out.filter(pl.col("scope") == REGION)
        if out.is_empty():
            return empty, f"区域指标表缺少 {year} 年“{REGION}”的 {t.indicator}"
    else:
        out = out.filter(pl.col("scope") != REGION)
        if out.is_empty():
            return empty, f"区域指标表缺少 {year} 年各园区（范围列）的 {t.indicator}"
    return out.sort("scope"), ""


def _values(t: Target, year: int, *, firms_of: _Years, store: st.Store, profile: Profile,
            regional: pl.DataFrame | None) -> tuple[pl.DataFrame, str]:  # fmt: skip
    if t.kind == "regional":
        return _regional_values(t, year, regional)
    if t.kind == "cases":
        first = _cases_from(t, profile) if t.cumulative else year
        totals = cases.totals(store, lists=t.lists, first_year=first, last_year=year)
        if not t.cumulative:
            note = f"{year} 年当年"
        else:
            note = f"{first} 年起累计" if first is not None else "全部年度累计"
        value = totals.item(0, str(t.indicator))
        if t.cumulative and t.base_value is not None and t.indicator != "done_share":
            value = (value or 0.0) + t.base_value
            note += f"，含基期 {t.base_year} 年已完成 {t.base_value:g}"
        if totals.item(0, "opened") == 0:
            note += "；尚无整治案件（mujun cases open）"
        return pl.DataFrame({"scope": [REGION], "value": [value]},
                            schema={"scope": pl.String, "value": pl.Float64}), note  # fmt: skip
    got = firms_of(year)
    return _firm_values(t, got), got.note


def _cases_from(t: Target, profile: Profile) -> int | None:
    """First year whose case steps count: after the base year, else the plan period's start."""
    if t.base_year is not None:
        return t.base_year + 1
    if profile.period is not None and profile.period.start is not None:
        return profile.period.start.year
    return None


def _base(t: Target, *, firms_of: _Years, store: st.Store, profile: Profile,
          regional: pl.DataFrame | None) -> tuple[pl.DataFrame, str]:  # fmt: skip
    """Base-year values per 范围 and where they come from."""
    schema = {"scope": pl.String, "base": pl.Float64}
    if t.base_year is None or t.kind == "cases":
        return pl.DataFrame(schema=schema), ""
    if t.base_value is not None:
        return pl.DataFrame({"scope": [None], "base": [t.base_value]}, schema=schema), "规划文本"
    if regional is not None:
        named = t.indicator if t.kind == "regional" and t.form != "level" else t.label
        rows = regional.filter((pl.col("year") == t.base_year) & (pl.col("indicator") == named))
        if rows.height:
            return rows.select("scope", pl.col("value").alias("base")), "区域指标表"
    if t.kind == "regional":
        return pl.DataFrame(schema=schema), f"区域指标表缺少基期 {t.base_year} 年数值"
    got, note = _values(t, t.base_year, firms_of=firms_of, store=store, profile=profile,
                        regional=regional)  # fmt: skip
    source = f"{t.base_year} 年事实数据" + (f"（{note}）" if note else "")
    return got.rename({"value": "base"}), source


def _evaluate(t: Target, data_year: int, *, firms_of: _Years, store: st.Store, profile: Profile,
              regional: pl.DataFrame | None) -> pl.DataFrame:  # fmt: skip
    """Every plan year of a target.

    A plan year already past is measured in its own year (the schedule as it went: 50 % by
    2022, 80 % by 2023), a later one in the data year.
    """
    base, base_source = _base(t, firms_of=firms_of, store=store, profile=profile, regional=regional)
    parts = []
    for plan_year, goal in sorted(t.yearly.items()):
        year = min(plan_year, data_year)
        now, note = _values(t, year, firms_of=firms_of, store=store, profile=profile,
                            regional=regional)  # fmt: skip
        if base.height == 1 and base.item(0, "scope") is None:  # one published base for all
            frame = now.with_columns(pl.lit(base.item(0, "base"), pl.Float64).alias("base"))
        else:
            frame = now.join(base, on="scope", how="left")
        part = _compare(frame, t, actual=_actual(t, year), goal=goal, plan_year=plan_year,
                        year=year, data_year=data_year)  # fmt: skip
        parts.append(part.with_columns(_note(pl.col("说明"), note)))
    return pl.concat(parts, how="vertical").with_columns(
        pl.lit(_counted(t)).alias("统计口径"),
        pl.lit(t.source).alias("依据"),
        pl.lit(base_source or None, pl.String).alias("基期来源"),
    ).select(_OUTPUT.names()).cast(_OUTPUT)  # fmt: skip


def _note(current: pl.Expr, extra: str) -> pl.Expr:
    return pl.concat_str(current, pl.lit(extra or None, pl.String), separator="；",
                         ignore_nulls=True).alias("说明")  # fmt: skip


def _actual(t: Target, year: int) -> pl.Expr:
    """The compared value: the level, or its % change from a positive base (else unknown)."""
    level = pl.col("value")
    base = pl.col("base")
    if t.form == "level":
        return level.round(_DECIMALS)
    # NOTE: a change needs a positive base and level; zero or missing gives no value (and the
    # row says so) rather than ±inf or NaN.
    ok = (base > 0) & (level > 0)
    ratio = pl.when(ok).then(level / base)
    if t.form == "change":
        return ((ratio - 1) * 100).round(_DECIMALS)
    span = max(year - (t.base_year or year), 1)
    return ((ratio.pow(1 / span) - 1) * 100).round(_DECIMALS)


def _counted(t: Target) -> str:
    if t.kind == "regional":
        return "区域统计数据"
    if t.kind == "cases":
        return "整治案件" + ("（" + "、".join(t.lists) + "）" if t.lists else "（全部清单）")
    return describe(t.counted)


def _compare(frame: pl.DataFrame, t: Target, *, actual: pl.Expr, goal: float, plan_year: int,
             year: int, data_year: int) -> pl.DataFrame:  # fmt: skip
    base = pl.col("base")
    target = pl.lit(goal, pl.Float64)
    at_least = t.direction == "at_least"
    met = (actual >= target) if at_least else (actual <= target)
    if t.form != "level":
        # a change is measured from 0: half of a −10.4 % reduction done is −5.2 %
        progress: pl.Expr = pl.when(target != 0).then(actual / target)
    else:
        progress = (
            pl.when(base.is_not_null() & (target != base))
            .then((actual - base) / (target - base))
            .otherwise(actual / target if at_least else target / actual)
        )
    due = (
        "当年目标"
        if plan_year == data_year
        else ("后续目标" if plan_year > data_year else "往年目标")
    )
    sign = 1.0 if at_least else -1.0
    return frame.select(
        pl.col("scope").alias("范围"),
        pl.lit(t.label).alias("指标"),
        pl.lit(t.unit).alias("单位"),
        pl.lit(year).alias("数据年度"),
        actual.alias("实际值"),
        pl.col("value").round(4).alias("当年数值"),
        pl.lit(plan_year).alias("目标年度"),
        target.alias("目标值"),
        pl.lit(due).alias("期别"),
        pl.lit(t.base_year, pl.Int32).alias("基期年度"),
        base.round(4).alias("基期值"),
        pl.lit(None, pl.String).alias("基期来源"),
        progress.round(4).alias("完成进度"),
        pl.when(met).then(0.0).otherwise((target - actual) * sign).round(4).alias("差距"),
        met.alias("已达标"),
        pl.when(actual.is_null())
        .then(pl.lit("无法计算实际值" + ("（基期无可用数值）" if t.form != "level" else "")))
        .alias("说明"),
    )
