"""What levers read: a published year, its facts, earlier years, and optional input tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mujun import store as st
from mujun._exprs import class_index
from mujun.errors import DataError
from mujun.ingest import uscc as codes
from mujun.ingest import values
from mujun.ingest.read import read_sheets
from mujun.profiles.models import Profile
from mujun.score import measures

ROW_SCHEMA = pl.Schema(
    {
        "rule_id": pl.String(),
        "rule": pl.String(),
        "kind": pl.String(),
        "uscc": pl.String(),
        "name": pl.String(),
        "project_id": pl.String(),
        "class_label": pl.String(),
        "inputs": pl.String(),
        "outcome": pl.String(),
        "amount_wan": pl.Float64(),
    }
)
"""One outcome per firm or project and rule; ``inputs`` says what it was decided on."""

PROJECT_COLUMNS = {
    "project_id": ("项目编号", "项目代码", "project_id"),
    "uscc": ("统一社会信用代码", "纳税人识别号", "uscc"),
    "project_name": ("项目名称", "project_name"),
    "project_type": ("项目类型", "project_type"),
    "equipment_investment_wan": (
        "设备投资（万元）",
        "生产设备实际投资（万元）",
        "设备投资",
        "equipment_investment_wan",
    ),
    "total_investment_wan": (
        "总投资（万元）",
        "项目总投资（万元）",
        "实际投资额（万元）",
        "total_investment_wan",
    ),
    "new_rented_m2": ("新增租赁厂房面积（平方米）", "新租厂房面积", "new_rented_m2"),
    "extension_m2": ("加层扩建面积（平方米）", "加层面积", "extension_m2"),
    "labour_productivity": ("全员劳动生产率（万元/人）", "labour_productivity"),
    "industry_code": ("行业代码", "industry_code"),
    "key_project": ("是否重点产业项目", "重点产业项目", "key_project"),
    "project_tax_per_mu": (
        "预计亩均税收（万元/亩）",
        "达产亩均税收（万元/亩）",
        "project_tax_per_mu",
    ),
    "project_va_per_mu": (
        "预计亩均增加值（万元/亩）",
        "达产亩均增加值（万元/亩）",
        "project_va_per_mu",
    ),
}
"""Columns of a projects file (canonical name → accepted headers)."""
INPUT_COLUMNS = {
    "uscc": ("统一社会信用代码", "uscc"),
    "other_surcharge": ("其他差别电价（元/千瓦时）", "惩罚性电价", "other_surcharge"),
    "land_tax_arrears_years": ("欠缴土地使用税年数", "land_tax_arrears_years"),
    "water_t": ("用水量（吨）", "water_t"),
    "gas_m3": ("用气量（立方米）", "gas_m3"),
    "other_water_surcharge": ("其他差别水价（元/吨）", "other_water_surcharge"),
    "other_gas_surcharge": ("其他差别气价（元/立方米）", "other_gas_surcharge"),
    "carbon_grade": ("碳效等级", "碳效码等级", "carbon_grade"),
    "honours": ("认定称号", "企业称号", "荣誉称号", "honours"),
    "mortgaged_idle_land_mu": (
        "抵押闲置土地（亩）",
        "闲置土地抵押面积（亩）",
        "mortgaged_idle_land_mu",
    ),
}
"""Per-firm inputs. ``honours``: designations such as 单项冠军、小巨人、拟上市、龙头骨干,
separated by 、，,;； or spaces."""
INSPECTION_COLUMNS = {
    "uscc": ("统一社会信用代码", "uscc"),
    "inspection_kind": ("检查类型", "执法类型", "inspection_kind"),
    "finding": ("问题描述", "检查发现问题", "整改事项", "finding"),
    "deadline": ("整改期限", "deadline"),
    "rectified": ("是否整改完成", "整改完成", "rectified"),
}
"""Columns of an inspections table: one row per finding that must be rectified."""
_TEXT_COLUMNS = frozenset(
    {"uscc", "project_id", "project_name", "project_type", "industry_code", "industry",
     "honours", "carbon_grade",
     "inspection_kind", "finding", "deadline", "rectified", "key_project"}
)  # fmt: skip
AVERAGE_COLUMNS = {
    "industry": ("行业代码", "行业", "industry"),
    "province_avg": ("全省同行业平均（万元/人）", "全省平均", "province_avg"),
    "city_avg": ("全市同行业平均（万元/人）", "全市平均", "city_avg"),
}


def outcome_rows(
    frame: pl.DataFrame,
    /,
    *,
    rule_id: str | pl.Expr,
    rule: str | pl.Expr,
    kind: str,
    inputs: pl.Expr,
    outcome: str | pl.Expr,
    amount: pl.Expr | None = None,
    per_project: bool = False,
) -> pl.DataFrame:
    """Rows in `ROW_SCHEMA` from a frame holding ``uscc``, ``name`` and ``class_label``."""

    def lit(value: str | pl.Expr) -> pl.Expr:
        return pl.lit(value) if isinstance(value, str) else value

    return frame.select(
        lit(rule_id).alias("rule_id"),
        lit(rule).alias("rule"),
        pl.lit(kind).alias("kind"),
        "uscc",
        "name",
        (pl.col("project_id") if per_project else pl.lit(None, pl.String)).alias("project_id"),
        "class_label",
        inputs.alias("inputs"),
        lit(outcome).alias("outcome"),
        (amount if amount is not None else pl.lit(None, pl.Float64)).alias("amount_wan"),
    ).cast(ROW_SCHEMA)


def show(expr: pl.Expr, digits: int | None = 2) -> pl.Expr:
    """A value for the ``inputs`` text: rounded, "—" when unknown (so the text never vanishes)."""
    value = expr.round(digits) if digits is not None else expr
    return value.cast(pl.String).fill_null("—")


@dataclass(frozen=True)
class Context:
    """Everything a year's levers are evaluated over."""

    store: st.Store
    year: int
    """Evaluation year."""
    profile: Profile
    firms: pl.DataFrame
    """Published results joined with their facts; ``class_label`` is the class after manual
    adjustments (the engine's is ``class_engine``)."""
    projects: pl.DataFrame | None = None
    inputs: pl.DataFrame | None = None
    averages: pl.DataFrame | None = None
    inspections: pl.DataFrame | None = None
    """Inspection findings (节能监察, 环保执法, 质量监督, 安全生产), one row per finding."""

    @property
    def data_year(self) -> int:
        """The data year the evaluation read."""
        return self.year + self.profile.data_year_offset

    def labels(self) -> list[str]:
        """Class labels, best first."""
        return list(self.profile.classification.labels)

    def rank(self, label: pl.Expr) -> pl.Expr:
        """0 for the best class, … ; null for firms without a class."""
        return class_index(self.labels(), label)


def load_context(
    store: st.Store,
    *,
    year: int,
    profile: Profile,
    projects: Path | None = None,
    inputs: Path | None = None,
    averages: Path | None = None,
    inspections: Path | None = None,
    results: pl.DataFrame | None = None,
    facts: pl.DataFrame | None = None,
) -> Context:
    """Read a published year and its facts, plus the optional tables.

    ``results`` replaces the published results: a published frame already read (with
    ``final_class``), or a `mujun.score` frame of the same facts (a what-if variant), whose
    engine class is taken as final (it has no manual adjustments). ``facts`` are the year's
    stored facts when the caller has them already.

    Raises:
        StoreError: the year is not published.
        DataError: an input table lacks its key columns or cannot be read.
    """
    if results is None:
        results = st.published_results(store, year)
    elif "final_class" not in results.columns:
        results = results.select(
            pl.lit(year).alias("evaluation_year"),
            pl.exclude("evaluation_year", "^.*__.*$"),  # not the per-indicator columns
            pl.col("class_label").alias("final_class"),
        ).with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))
    if facts is None:
        run = (
            st.run_info(store, int(results.item(0, "run_id")))
            if "run_id" in results.columns
            else (st.run_info(store, int(st.published_results(store, year).item(0, "run_id"))))
        )
        facts = store.frame(
            f"SELECT * EXCLUDE (batch_id) FROM facts WHERE batch_id = {int(run['batch_id'] or -1)}"
        )
    # ``class_label`` is the class after manual adjustments; the engine's is kept apart.
    results = results.rename({"class_label": "class_engine"}).rename({"final_class": "class_label"})
    # Every stored fact and derived measure the results lack, so list and eligibility rules can
    # name any of them (land own/rented, flags, firm age, ...).
    derived = measures.derive(measures.conform(facts.lazy(), source="facts")).collect()
    extra = [c for c in derived.columns if c == "uscc" or c not in results.columns]
    firms = results.join(derived.select(extra), on="uscc", how="left")
    return Context(
        store=store,
        year=year,
        profile=profile,
        firms=firms,
        projects=_table(projects, PROJECT_COLUMNS, key=("project_id", "uscc")),
        inputs=_table(inputs, INPUT_COLUMNS, key=("uscc",)),
        averages=_table(averages, AVERAGE_COLUMNS, key=("industry",)),
        inspections=_table(inspections, INSPECTION_COLUMNS, key=("uscc",)),
    )


def _table(
    path: Path | None, columns: Mapping[str, tuple[str, ...]], *, key: tuple[str, ...]
) -> pl.DataFrame | None:
    """A small input table with canonical column names; numbers parsed, IDs normalised."""
    if path is None:
        return None
    if path.suffix.lower() == ".parquet":
        raw = pl.read_parquet(path).with_columns(pl.all().cast(pl.String))
    else:
        sheet = read_sheets(path)[0]
        grid = sheet.grid
        header = [str(v).strip() if v is not None else "" for v in grid.row(0)]
        raw = grid.slice(1).rename(dict(zip(grid.columns, header, strict=True)))
    alias = {a: name for name, names in columns.items() for a in names}
    raw = raw.rename({c: alias[c] for c in raw.columns if c in alias})
    missing = [k for k in key if k not in raw.columns]
    if missing:
        raise DataError.missing_columns(
            str(path),
            missing,
            hint=f"应有的表头，例如：{'、'.join(columns[k][0] for k in missing)}",
        )
    numeric = [c for c in raw.columns if c in columns and c not in _TEXT_COLUMNS]
    return raw.select(
        *(values.number(values.text(pl.col(c))).alias(c) for c in numeric),
        *(codes.normalise(values.text(pl.col(c))).alias(c) for c in raw.columns if c == "uscc"),
        *(
            values.text(pl.col(c)).alias(c)
            for c in raw.columns
            if c in columns and c not in numeric and c != "uscc"
        ),
    )
