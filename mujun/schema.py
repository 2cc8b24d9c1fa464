"""Canonical firm-year facts and engine result columns: one place for names, dtypes and units.

Every stage refers to columns through this module. A fact row is one firm (keyed by its
18-character 统一社会信用代码) in one data year. Amounts of money are in 万元 (10,000 CNY),
land in 亩 (1 亩 = 10000/15 m², exactly), energy in tonnes of standard coal (tce), electricity
in kWh, emissions in tonnes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import polars as pl

MU_PER_M2: Final = 15 / 10000
"""亩 per square metre: 1 亩 = 10000/15 m² exactly."""

EMISSION_STATUS: Final = pl.Enum(
    ["reported", "zero_verified", "zero_declared", "not_applicable", "missing"]
)
"""Why a firm's emissions are what they are.

- ``reported``: positive amounts were reported.
- ``zero_verified``: the ecology bureau verified that the firm emits none of the main pollutants.
- ``zero_declared``: the firm declared zero but nobody verified it.
- ``not_applicable``: the indicator does not apply (e.g. no discharge permit category).
- ``missing``: no data arrived.
"""

ENERGY_BASIS: Final = pl.Enum(["equivalent", "calorific"])
"""Basis of comprehensive energy: 等价值 (equivalent, primary energy) or 当量值 (calorific)."""


@dataclass(frozen=True, slots=True)
class Field:
    """One canonical column: name, dtype, unit and the Chinese header officials read."""

    name: str
    dtype: pl.DataType
    unit: str
    label: str
    description: str
    required: bool = False


def _f(
    name: str,
    dtype: pl.DataType,
    unit: str,
    label: str,
    description: str,
    *,
    required: bool = False,
) -> Field:
    return Field(name, dtype, unit, label, description, required)


_STR, _F64, _BOOL, _I32, _DATE = pl.String(), pl.Float64(), pl.Boolean(), pl.Int32(), pl.Date()

FACT_FIELDS: Final[tuple[Field, ...]] = (
    # ---- identity ---- #
    _f("uscc", _STR, "", "统一社会信用代码", "18-character USCC (GB 32100-2015)", required=True),
    _f("name", _STR, "", "企业名称", "registered firm name", required=True),
    _f(
        "year",
        _I32,
        "年",
        "数据年度",
        "year the data describe (evaluation year - 1 usually)",
        required=True,
    ),
    _f("county", _STR, "", "县（市、区）", "county-level unit"),
    _f("township", _STR, "", "乡镇（街道）", "township or street"),
    _f("park", _STR, "", "园区", "industrial park, if any"),
    _f("industry_code", _STR, "", "行业代码", "GB/T 4754-2017 code, e.g. '3311' or '33'"),
    _f(
        "above_scale",
        _BOOL,
        "",
        "是否规上",
        "规上 (above designated size) in the data year",
        required=True,
    ),
    # ---- land (亩) ---- #
    _f("land_own_mu", _F64, "亩", "自有用地（亩）", "land held under own certificates"),
    _f("land_rented_mu", _F64, "亩", "租入用地（亩）", "land rented in"),
    _f("land_leased_out_mu", _F64, "亩", "出租用地（亩）", "land leased out to others"),
    _f(
        "land_mu",
        _F64,
        "亩",
        "计算用地（亩）",
        "net land: own + rented - leased out",
        required=True,
    ),
    _f("rented_floor_m2", _F64, "平方米", "租用厂房面积（平方米）", "rented factory floor area"),
    # ---- money (万元) ---- #
    _f(
        "tax_wan",
        _F64,
        "万元",
        "实缴税收（万元）",
        "evaluation tax per the profile's basket",
        required=True,
    ),
    _f("value_added_wan", _F64, "万元", "工业增加值（万元）", "industrial value added"),
    _f("revenue_wan", _F64, "万元", "营业收入（万元）", "operating revenue"),
    _f("output_wan", _F64, "万元", "工业总产值（万元）", "gross industrial output"),
    _f("profit_wan", _F64, "万元", "利润总额（万元）", "total profit"),
    _f("rd_wan", _F64, "万元", "研发经费支出（万元）", "R&D spending"),
    _f("tech_renovation_wan", _F64, "万元", "技改投资（万元）", "technical-renovation investment"),
    _f(
        "construction_investment_wan",
        _F64,
        "万元",
        "在建项目投资（万元）",
        "total investment of the firm's projects under construction",
    ),
    # ---- energy ---- #
    _f("energy_tce", _F64, "吨标准煤", "综合能耗（吨标准煤）", "comprehensive energy consumption"),
    _f(
        "energy_basis",
        ENERGY_BASIS,
        "",
        "能耗计算口径",
        "等价值 (equivalent) or 当量值 (calorific)",
    ),
    _f("electricity_kwh", _F64, "千瓦时", "用电量（千瓦时）", "electricity consumed"),
    _f("water_t", _F64, "吨", "用水量（吨）", "water consumed"),
    # ---- emissions (tonnes) ---- #
    _f("cod_t", _F64, "吨", "化学需氧量（吨）", "COD discharged"),
    _f("nh3n_t", _F64, "吨", "氨氮（吨）", "NH3-N discharged"),
    _f("so2_t", _F64, "吨", "二氧化硫（吨）", "SO2 emitted"),
    _f("nox_t", _F64, "吨", "氮氧化物（吨）", "NOx emitted"),
    _f(
        "emissions_eq_t",
        _F64,
        "吨当量",
        "主要污染物当量（吨）",
        "COD-equivalent tonnes per the Environmental Protection Tax Law; derived if absent",
    ),
    _f(
        "emission_status",
        EMISSION_STATUS,
        "",
        "排放数据状态",
        "reported / zero_verified / zero_declared / not_applicable / missing; derived if absent",
    ),
    # ---- labour ---- #
    _f("employees", _F64, "人", "从业人员平均人数（人）", "annual average employees"),
    # ---- attributes for bonus, penalty, veto and exemption rules ---- #
    _f("utility", _BOOL, "", "公用事业企业", "water, power, gas or heat supplier"),
    _f("high_tech", _BOOL, "", "高新技术企业", "certified high-tech enterprise"),
    _f("listed", _BOOL, "", "上市企业", "listed at home or abroad"),
    _f("specialized_sme", _BOOL, "", "专精特新企业", "专精特新 (incl. 小巨人) firm"),
    _f("key_cultivated", _BOOL, "", "重点培育企业", "on a key cultivation list"),
    _f("chain_critical", _BOOL, "", "产业链关键企业", "critical to a supply chain"),
    _f("tax_support", _BOOL, "", "享受税收扶持政策", "enjoys state tax-support policies"),
    _f("safety_incident", _BOOL, "", "重大安全事故", "major work-safety accident in the data year"),
    _f("env_incident", _BOOL, "", "重大环境违法", "major environmental violation in the data year"),
    _f("invention_patents", _I32, "件", "发明专利（件）", "valid invention patents"),
    _f("registration_date", _DATE, "", "注册日期", "date of business registration"),
    _f("production_start", _DATE, "", "投产日期", "start of production"),
    _f(
        "key_project_investment_wan",
        _F64,
        "万元",
        "在建重点产业项目单项最大总投资（万元）",
        "total investment of the firm's largest key industrial project (重点产业项目, incl. "
        "零增地技改) under construction; per project, never a sum of projects",
    ),
)

FACTS: Final[dict[str, Field]] = {f.name: f for f in FACT_FIELDS}
REQUIRED_FACTS: Final[tuple[str, ...]] = tuple(f.name for f in FACT_FIELDS if f.required)
FACT_SCHEMA: Final[pl.Schema] = pl.Schema({f.name: f.dtype for f in FACT_FIELDS})

POLLUTANTS_T: Final = ("cod_t", "nh3n_t", "so2_t", "nox_t")


def canonical_columns(present: Iterable[str], /) -> list[pl.Expr]:
    """Every canonical fact in schema order, cast to its dtype; absent ones as typed nulls."""
    have = set(present)
    return [
        (pl.col(name) if name in have else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in FACT_SCHEMA.items()
    ]


POLLUTION_EQUIVALENT_KG: Final[dict[str, float]] = {
    # 污染当量值 (kg per pollution equivalent), Environmental Protection Tax Law, annex 2/3.
    "cod_t": 1.0,
    "nh3n_t": 0.8,
    "so2_t": 0.95,
    "nox_t": 0.95,
}

# ---- derived measures (added by mujun.measures before scoring) ---- #
DERIVED_FIELDS: Final[tuple[Field, ...]] = (
    _f("emissions_t", _F64, "吨", "主要污染物排放量（吨）", "COD + NH3-N + SO2 + NOx"),
    _f("industry_division", _STR, "", "行业大类", "2-digit GB/T 4754-2017 division"),
    _f(
        "firm_age_years",
        _F64,
        "年",
        "投产年限（年）",
        "years from production start (or registration) to the end of the data year",
    ),
)
DERIVED: Final[dict[str, Field]] = {f.name: f for f in DERIVED_FIELDS}
MEASURES: Final[dict[str, Field]] = {**FACTS, **DERIVED}
"""Every column a profile may name as a numerator, denominator or rule input."""

NUMERIC_MEASURES: Final[frozenset[str]] = frozenset(
    name for name, f in MEASURES.items() if f.dtype in (_F64, _I32)
)
FLAG_MEASURES: Final[frozenset[str]] = frozenset(
    name for name, f in MEASURES.items() if f.dtype == _BOOL
)
POOL_COLUMNS: Final[frozenset[str]] = frozenset(
    {"county", "township", "park", "industry_division", "industry_code"}
)
"""Columns that may define ranking pools and benchmark groups (besides the cohort)."""


# ---- engine result columns ---- #
class Col:
    """Names of the columns the engine adds to each firm's row."""

    COHORT: Final = "cohort"
    COHORT_LABEL: Final = "cohort_label"
    STATUS: Final = "eval_status"
    SPECIAL_ID: Final = "special_rule"
    SPECIAL_REASON: Final = "special_reason"
    ITEMS_TOTAL: Final = "items_total"
    COEFFICIENT: Final = "coefficient"
    BONUS: Final = "bonus"
    PENALTY: Final = "penalty"
    ADJUST_REASON: Final = "adjust_reason"
    TOTAL: Final = "total_score"
    POOL: Final = "pool"
    POOL_SIZE: Final = "pool_size"
    RANK: Final = "rank"
    RANK_PCT: Final = "rank_pct"
    CLASS_COMPUTED: Final = "class_computed"
    CLASS: Final = "class_label"
    CLASS_NAME: Final = "class_name"
    OVERRIDE_ID: Final = "override_rule"
    OVERRIDE_REASON: Final = "override_reason"
    NEXT_CLASS: Final = "next_class"
    GAP_TO_NEXT: Final = "gap_to_next"
    EVALUATION_YEAR: Final = "evaluation_year"


EVAL_STATUS: Final = pl.Enum(["ranked", "graded_as", "ungraded", "not_evaluated"])
"""How a firm was treated: ranked in its pool, given a fixed class, scored without a class,
or not evaluated at all (out of scope, exempt or unusable data)."""

ITEM_STATUS: Final = pl.Enum(
    ["ok", "missing", "zero", "zero_verified", "not_applicable", "invalid"]
)
"""Why an indicator value is (not) available; decides which missing-data policy applies."""


def item_col(indicator: str, part: str) -> str:
    """Name of a per-indicator result column, e.g. ``tax_per_mu__item``.

    Parts: ``value``, ``benchmark``, ``item`` (the item score) and ``status``.
    """
    return f"{indicator}__{part}"
