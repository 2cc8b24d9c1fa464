"""Watch lists and firm lists as profile data (高耗低效, 低效, 高碳低效, 停产, 优质企业, ...).

Every list declares its population (排查范围): which firms it looks at, by default the
manufacturing firms inside the profile's evaluation scope. Limits are compared at their
published precision (`digits`, see `mujun.profiles.conditions.DIGITS`).
`mujun.policy.watchlists` evaluates them.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, model_validator

from mujun.profiles._base import (
    Conditions,
    Digits,
    Divisions,
    PositiveFloat,
    RuleId,
    Strict,
    expand_divisions,
)

LIST_MEASURES = {
    "tax_per_mu": ("亩均税收", "万元/亩"),
    "va_per_mu": ("亩均增加值", "万元/亩"),
    "output_per_mu": ("亩均产值", "万元/亩"),
    "revenue_per_mu": ("亩均营业收入", "万元/亩"),
    "energy_per_va": ("单位增加值能耗", "吨标准煤/万元"),
    "energy_per_revenue": ("单位营业收入能耗", "吨标准煤/万元"),
    "energy_per_output": ("单位产值能耗", "吨标准煤/万元"),
}
"""Measures lists compare with limits: name → (Chinese name, unit). ``energy_per_revenue``
divides by revenue, or by output where revenue is not reported (规下 firms report one)."""


class ListPopulation(Strict):
    """The firms a list looks at. Default: manufacturing (13–43) inside the evaluation's scope."""

    industry_in: Divisions = ("13-43",)
    """GB/T 4754-2017 codes (empty: every industry)."""
    industry_not_in: Divisions = ()
    in_scope: bool = True
    """Only firms inside the profile's ``[scope]`` industries (not "行业不在评价范围")."""
    evaluated: bool = False
    """Only firms the evaluation scored (ranked, graded-as or T): leaves out 规下 firms under
    the land threshold, exempt utilities and land-data problems."""
    above_scale: bool | None = None
    """True: 规上 only; false: 规下 only; none: both."""
    cohorts: tuple[str, ...] = ()
    """Cohort ids (empty: any)."""
    where: Conditions = ()
    """Further conditions every firm on the list meets."""


class _ListRule(Strict):
    id: RuleId
    label: str
    population: ListPopulation = ListPopulation()
    digits: dict[str, Digits] = Field(default_factory=dict)
    """Published precision per measure, over the defaults (``{ tax_per_mu = 2 }``)."""


# ---- 低效企业 (Tiantai) ---- #
class LowTaxTier(Strict):
    """Firms with revenue ≥ ``min_revenue_wan`` are listed at tax per mu ≤ ``max_tax_per_mu``."""

    min_revenue_wan: float = Field(ge=0)
    max_tax_per_mu: float


class LowTaxList(_ListRule):
    """低效企业: tax per mu at or below a tier's limit for consecutive years."""

    years: int = Field(ge=1)
    tiers: tuple[LowTaxTier, ...] = Field(min_length=1)
    """Tried from the highest revenue threshold down; the first that applies decides."""


# ---- 高碳低效 (Fenghua) ---- #
class ClassAndIntensityList(_ListRule):
    """高碳低效: given classes, high energy with low tax per mu, or an open inspection finding.

    Protected groups (chain-critical, high-tech, grain processing) are left out.
    """

    classes: tuple[str, ...] = ()
    min_energy_per_revenue: PositiveFloat | None = None
    """tce per 万元 of revenue at or above which energy use counts as high."""
    max_tax_per_mu: float | None = None
    inspections: bool = False
    """Also list firms with an open finding of the inspections table (执法检查需整改企业)."""
    protected: Conditions = ()
    """Firms meeting any of these are protected for now (阶段性保护)."""
    protected_industries: Divisions = ()
    """GB/T 4754 codes protected, e.g. grain processing ``"131"`` (谷物磨制)."""


# ---- 高耗低效 by an industry guide (Lishui, Tiantai, Ruian, Shizuishan) ---- #
class Threshold(Strict):
    """One row of a region × industry × size guide table; ``*`` matches any.

    A firm is tested against its most specific row: county first, then the deepest industry
    code, then size. Limits left blank do not apply.
    """

    county: str = "*"
    industry: str = "*"
    """GB/T 4754-2017 code or range of any depth (``"26"``, ``"2614"``, ``"13-43"``) or ``*``."""
    size: Literal["*", "above", "below"] = "*"
    """``above``: 规上 firms; ``below``: 规下 firms (no value added: the guide tests tax per
    mu and energy per revenue or output)."""
    max_tax_per_mu: float | None = None
    max_va_per_mu: float | None = None
    max_output_per_mu: float | None = None
    """亩均产值 / 亩均经济密度 (万元/亩) at or below which a firm breaches the row."""
    max_revenue_per_mu: float | None = None
    min_energy_per_va: float | None = None
    """tce per 万元 of value added at or above which a firm breaches the row."""
    min_energy_per_revenue: float | None = None
    min_energy_per_output: float | None = None
    source: str = ""

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.industry != "*":
            expand_divisions((self.industry,))
        if not self.limits():
            msg = f"指南表行 {self.county}/{self.industry}/{self.size} 没有给出任何限值"
            raise ValueError(msg)
        return self

    def limits(self) -> dict[str, tuple[str, float]]:
        """Measure → (``<=`` or ``>=``, limit) for the limits this row gives."""
        out: dict[str, tuple[str, float]] = {}
        for name in LIST_MEASURES:
            for prefix, op in (("max_", "<="), ("min_", ">=")):
                value = getattr(self, prefix + name, None)
                if value is not None:
                    out[name] = (op, value)
        return out

    def specificity(self) -> tuple[int, int, int]:
        """(county given, industry code depth, size given): higher is more specific."""
        depth = 0 if self.industry == "*" else len(expand_divisions((self.industry,))[0])
        return (int(self.county != "*"), depth, int(self.size != "*"))


GUIDES_DIR_NAME = "guides"
"""Guide tables live in ``scoring_profiles/guides/<name>.csv`` (one row per `Threshold`)."""


def guide_path(name: str) -> Path:
    """The guide table's file: ``guides/<name>.csv`` beside the shipped profiles."""
    dirs = [Path(p) for p in os.environ.get("MUJUN_PROFILE_PATH", "").split(os.pathsep) if p]
    dirs += [
        Path.cwd() / "scoring_profiles",
        Path(__file__).resolve().parents[2] / "scoring_profiles",
    ]
    for d in dirs:
        path = d / GUIDES_DIR_NAME / f"{name}.csv"
        if path.is_file():
            return path
    looked = [str(d / GUIDES_DIR_NAME) for d in dirs]
    msg = f"找不到指南表 {name!r}：以下目录中都没有 {name}.csv：{looked}"
    raise ValueError(msg)


def read_guide(name: str) -> list[dict[str, Any]]:
    """Rows of a guide table (CSV, UTF-8, header = `Threshold` fields; blank = no limit)."""
    path = guide_path(name)
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = [
            {k.strip(): v.strip() for k, v in row.items() if v is not None and v.strip() != ""}
            for row in csv.DictReader(f)
        ]
    if not rows:
        msg = f"指南表 {path} 没有数据行"
        raise ValueError(msg)
    return rows


class ThresholdList(_ListRule):
    """高耗低效 by a region × industry guide: a firm breaching its row's limits is listed.

    The table is given inline (``table``) or by name (``guide``), read from
    ``scoring_profiles/guides/<guide>.csv`` when the profile is loaded, so the resolved
    profile (and its content hash) holds the numbers.
    """

    guide: str | None = None
    table: tuple[Threshold, ...] = Field(min_length=1)
    breach: Literal["all", "any"] = "all"
    """``all``: every limit of the row is breached (high energy and low yield); ``any``: one."""

    @model_validator(mode="before")
    @classmethod
    def _read_guide(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("guide") and not data.get("table"):
            return {**data, "table": read_guide(str(data["guide"]))}
        return data


# ---- 长期停产 / 欠税 (Shizuishan) ---- #
class IdleList(_ListRule):
    """长期停产 / 欠税 / 抵押闲置土地: idle for consecutive years, arrears, mortgaged idle land."""

    years: int = Field(default=1, ge=1)
    measure: Literal["production", "land_tax_arrears", "mortgaged_idle_land"]
    """``production``: neither output nor revenue above zero (at least one reported) in each
    of the last ``years`` data years (stored facts); ``land_tax_arrears``: the inputs'
    ``land_tax_arrears_years`` ≥ ``years``; ``mortgaged_idle_land``: the inputs'
    ``mortgaged_idle_land_mu`` (闲置土地抵押在金融机构的面积) above zero."""


# ---- lists by class, facts and honours (本地优质企业, 亿元以上无自有用地) ---- #
class FirmList(_ListRule):
    """Firms in a class, meeting any of ``any_of`` or holding an honour; and all of ``all_of``.

    With no class, ``any_of`` or ``honours`` given, every firm meeting ``all_of`` is listed.
    """

    classes: tuple[str, ...] = ()
    any_of: Conditions = ()
    honours: tuple[str, ...] = ()
    """Designations from the inputs table's 认定称号 column (单项冠军, 小巨人, 拟上市, ...)."""
    all_of: Conditions = ()

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not (self.classes or self.any_of or self.honours or self.all_of):
            msg = "企业名单须给出 `classes`、`any_of`、`honours` 或 `all_of`"
            raise ValueError(msg)
        return self


# ---- 低效工业区块 (Fenghua) ---- #
class BlockList(Strict):
    """低效工业区块: parks (园区, 村级工业集聚点) whose Σ tax ÷ Σ land is at or below a limit.

    Blocks are the facts' ``park`` values (the register names the park or the 集聚点 a firm
    is in); the population decides which firms add to a block's sums.
    """

    id: RuleId
    label: str
    max_tax_per_mu: float
    inclusive: bool = True
    """"5万元以下": ``以下`` includes the number in Chinese legal usage (set false for "<")."""
    min_firms: int = Field(default=1, ge=1)
    """Blocks with fewer firms of the population are not assessed."""
    population: ListPopulation = ListPopulation()
    digits: Digits = 2


# ---- inspections (执法检查需整改企业) ---- #
class InspectionList(_ListRule):
    """Firms with an open finding of 节能监察 / 环保执法 / 质量监督 / 安全生产 inspections.

    Reads the inspections table (`mujun levers --inspections`): one row per finding.
    """

    kinds: tuple[str, ...] = ()
    """Inspection kinds counted, as written in the table's 检查类型 (empty: all)."""
    open_only: bool = True
    """Only findings not yet rectified (整改完成 not 是)."""
