"""Policy levers and plan targets as profile data.

Subsidies, surcharges, eligibility, watch lists and targets; `mujun.policy` evaluates them
over a year's published snapshot.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from mujun.profiles._base import (
    Conditions,
    Digits,
    Divisions,
    PositiveFloat,
    RuleId,
    Share,
    Strict,
    expand_divisions,
)
from mujun.profiles.lists import (
    BlockList,
    ClassAndIntensityList,
    FirmList,
    IdleList,
    InspectionList,
    LowTaxList,
    ThresholdList,
    read_guide,
)
from mujun.schema import NUMERIC_MEASURES

NonNegative = Annotated[float, Field(ge=0)]


class Period(Strict):
    """A policy's validity period (有效期), both days included."""

    start: dt.date | None = None
    end: dt.date | None = None
    source: str = ""
    """Where the period is written (e.g. "丽政发〔2021〕30号：有效期至2023年12月31日")."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start is not None and self.end is not None and self.end < self.start:
            msg = f"期限的结束日（{self.end}）早于开始日（{self.start}）"
            raise ValueError(msg)
        return self


# ---- subsidies (per project) ---- #
class RenovationBand(Strict):
    """An equipment-investment band of the technical-renovation subsidy."""

    min_wan: NonNegative
    """Lower bound, included (500万元（含）)."""
    max_wan: PositiveFloat | None = None
    """Upper bound, excluded; none for the top band."""
    base_rate: Share
    """Base subsidy as a share of the equipment investment."""
    base_cap_wan: PositiveFloat
    """Base cap per project (万元)."""


class RenovationSubsidy(Strict):
    """技术改造补助: a band by equipment investment, uplifted by the firm's class."""

    id: RuleId
    label: str
    bands: tuple[RenovationBand, ...] = Field(min_length=1)
    rate_uplift: dict[str, tuple[NonNegative, ...]] = Field(default_factory=dict)
    """Class → relative rise of the base rate per band (A: 20 %, 25 %, 30 %)."""
    cap_uplift: dict[str, NonNegative] = Field(default_factory=dict)
    """Class → relative rise of the cap (A: 30 %)."""

    @model_validator(mode="after")
    def _bands(self) -> Self:
        for label, rises in self.rate_uplift.items():
            if len(rises) != len(self.bands):
                msg = f"rate_uplift.{label} 须为每个档次各给一个值（共 {len(self.bands)} 档）"
                raise ValueError(msg)
        lows = [b.min_wan for b in self.bands]
        if lows != sorted(lows):
            msg = "bands 须按投资额从低到高排列"
            raise ValueError(msg)
        return self


class RentalSubsidy(Strict):
    """租金补助: so much per m² of newly rented factory space per month, capped."""

    id: RuleId
    label: str
    yuan_per_m2_month: PositiveFloat
    months: int = Field(gt=0)
    max_wan: PositiveFloat
    min_project_investment_wan: NonNegative
    classes: tuple[str, ...]
    """Classes that qualify (B or better: ["A", "B"])."""
    cap_per: Literal["project", "firm"] = "project"
    """Whether ``max_wan`` caps each project or the firm's projects together (taken in
    project order)."""


class ExtensionSubsidy(Strict):
    """加层扩建补助: a one-off sum per m² of vertical extension, capped per firm."""

    id: RuleId
    label: str
    yuan_per_m2: PositiveFloat
    min_area_m2: NonNegative
    max_wan_per_firm: PositiveFloat


# ---- prices (per firm) ---- #
RESOURCES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "electricity": ("electricity_kwh", ("元/千瓦时", "元/kWh", "元/度"), "other_surcharge"),
    "water": ("water_t", ("元/吨", "元/立方米", "元/m³"), "other_water_surcharge"),
    "gas": ("gas_m3", ("元/立方米", "元/m³"), "other_gas_surcharge"),
}
"""Resource → (quantity it is charged on, accepted rate units, the inputs' column of another
surcharge on the same resource). Water is metered in 吨 (= m³ of water)."""


class Surcharge(Strict):
    """差别化价格 (电价、水价、气价): a surcharge by class or by 碳效等级.

    By class it rises with consecutive years in the class; by 碳效等级 (carbon-efficiency grade,
    from the inputs) it is the grade of the year.
    """

    id: RuleId
    label: str
    resource: Literal["electricity", "water", "gas"]
    quantity: str
    """The quantity the surcharge applies to: ``electricity_kwh``, ``water_t`` (facts) or
    ``gas_m3`` (the inputs' 用气量)."""
    unit: str
    """Unit of the rate, e.g. "元/千瓦时", "元/吨", "元/立方米"."""
    by_class: dict[str, tuple[NonNegative, ...]]
    """Class (or grade) → rate for 1, 2, 3+ consecutive years (the last value continues)."""
    basis: Literal["class", "carbon_grade"] = "class"
    """What ``by_class`` is keyed by: the final class, or the inputs' 碳效等级."""
    stacking: Literal["highest", "add"] = "highest"
    """With another differential, punitive or tiered surcharge the firm pays on the same
    resource: only the highest applies (Shandong 2022), or both."""

    @model_validator(mode="after")
    def _resource(self) -> Self:
        quantity, units, _ = RESOURCES[self.resource]
        if self.quantity != quantity:
            msg = f"{self.resource} 的差别化加价按 {quantity!r} 计收，不是 {self.quantity!r}"
            raise ValueError(msg)
        if self.unit not in units:
            msg = f"{self.resource} 差别化加价的单位须为以下之一：{list(units)}"
            raise ValueError(msg)
        if self.basis == "carbon_grade" and any(len(r) != 1 for r in self.by_class.values()):
            msg = "按碳效等级加价时每个等级只能有一个价格（取当年等级）"
            raise ValueError(msg)
        return self


class GradeTreatment(Strict):
    """差异化信贷 and other treatments in words, by class or by 碳效等级.

    Lishui: "对不同碳效等级的工业企业给予差异化信贷支持".
    """

    id: RuleId
    label: str
    basis: Literal["class", "carbon_grade"] = "carbon_grade"
    by_grade: dict[str, str] = Field(min_length=1)
    """Class or grade → the treatment, e.g. ``{ "1" = "优先授信，利率下浮" }``."""


class TaxRelief(Strict):
    """城镇土地使用税减免: a relief share of the land-use tax by class."""

    id: RuleId
    label: str
    by_class: dict[str, Share]


# ---- eligibility (per firm) ---- #
class EligibilityPath(Strict):
    """One way to qualify: every given test must hold."""

    label: str = ""
    """Shown with the outcome, e.g. "产业园区内"."""
    classes: tuple[str, ...] = ()
    """Classes allowed (empty: any class, and firms without one)."""
    unclassed_allowed: bool = False
    """With ``classes``: whether an evaluated firm without a class (T, exempt) is allowed."""
    min_land_mu: NonNegative | None = None
    in_park: bool | None = None
    """True: the firm is inside an industrial park (the facts' ``park``); false: outside."""
    honours: tuple[str, ...] = ()
    """Designations the firm must hold (inputs' 认定称号, e.g. 龙头骨干); empty: none needed."""
    when: Conditions = ()


class Eligibility(Strict):
    """Who may use a land or quota policy: by class and land size, or by any of ``paths``."""

    id: RuleId
    label: str
    classes: tuple[str, ...] = ()
    """Classes allowed."""
    unclassed_allowed: bool = False
    """Whether an evaluated firm without a class (T, exempt) is allowed: true for rules
    worded as "not C/D" (Tiantai land transfer), false for "A/B only"."""
    min_land_mu: NonNegative | None = None
    paths: tuple[EligibilityPath, ...] = ()
    """Alternative ways to qualify (any one suffices), instead of ``classes``/``min_land_mu``:
    Tiantai's dormitory share is for every project inside a park, or outside parks for A/B
    firms with ≥ 50 亩."""
    grants: str = ""
    """What the eligible firm gets, in words (e.g. "配套用地比例上限 7% → 15%，建筑面积 30%")."""
    digits: Digits = 2
    """Published precision of land (亩) compared with ``min_land_mu``."""

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if self.paths and (self.classes or self.min_land_mu is not None):
            msg = "给出 `classes`/`min_land_mu` 或 `paths`，不能两者都给"
            raise ValueError(msg)
        if not self.paths and not self.classes:
            msg = "须给出 `classes`（可另给 `min_land_mu`）或 `paths`"
            raise ValueError(msg)
        return self

    @property
    def ways(self) -> tuple[EligibilityPath, ...]:
        """The paths to eligibility (one built from the top-level tests when none given)."""
        if self.paths:
            return self.paths
        return (
            EligibilityPath(
                classes=self.classes,
                unclassed_allowed=self.unclassed_allowed,
                min_land_mu=self.min_land_mu,
            ),
        )


# ---- project admission ---- #
class AdmissionTest(Strict):
    """项目准入: a project's labour productivity against last year's industry average."""

    id: RuleId
    label: str
    project_type: str
    """Which projects the test is for (the projects file's ``project_type``)."""
    reference: Literal["province", "city"]
    """Which industry average (the averages file's ``province_avg`` or ``city_avg``)."""
    min_ratio: PositiveFloat
    """1.10 for "10 % above"."""
    digits: Digits = 2
    """Published precision of labour productivity (万元/人): the project's figure and the
    required one (average × ratio) are both rounded to it, so "须 ≥ 27.50" admits 27.50."""


class StandardLandRow(Strict):
    """One industry's per-mu control indicators (标准地控制性指标); ``*`` matches any industry."""

    industry: str = "*"
    """GB/T 4754-2017 code or range of any depth, or ``*``; the deepest matching row applies."""
    min_tax_per_mu: float | None = None
    min_va_per_mu: float | None = None
    source: str = ""

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.industry != "*":
            expand_divisions((self.industry,))
        if self.min_tax_per_mu is None and self.min_va_per_mu is None:
            msg = f"标准地指标行 {self.industry} 没有给出任何限值"
            raise ValueError(msg)
        return self


class PerMuAdmission(Strict):
    """项目准入 by per-mu control indicators (标准地控制性指标).

    A project's expected tax and value added per mu (the projects file's 预计亩均税收 /
    预计亩均增加值) against its industry's row (Tiantai: 零增地技改 projects "参照执行").

    The table is inline (``table``) or a guide file (``guide``, ``scoring_profiles/guides/``).
    """

    id: RuleId
    label: str
    project_type: str
    guide: str | None = None
    table: tuple[StandardLandRow, ...] = Field(min_length=1)
    digits: Digits = 2
    """Published precision of the per-mu figures (万元/亩)."""

    @model_validator(mode="before")
    @classmethod
    def _read_guide(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("guide") and not data.get("table"):
            return {**data, "table": read_guide(str(data["guide"]))}
        return data


class Levers(Strict):
    """All levers of a region (each list may be empty)."""

    renovation: tuple[RenovationSubsidy, ...] = ()
    rental: tuple[RentalSubsidy, ...] = ()
    extension: tuple[ExtensionSubsidy, ...] = ()
    surcharges: tuple[Surcharge, ...] = ()
    tax_relief: tuple[TaxRelief, ...] = ()
    treatments: tuple[GradeTreatment, ...] = ()
    eligibility: tuple[Eligibility, ...] = ()
    low_tax: tuple[LowTaxList, ...] = ()
    class_intensity: tuple[ClassAndIntensityList, ...] = ()
    thresholds: tuple[ThresholdList, ...] = ()
    idle: tuple[IdleList, ...] = ()
    firm_lists: tuple[FirmList, ...] = ()
    blocks: tuple[BlockList, ...] = ()
    inspections: tuple[InspectionList, ...] = ()
    admission: tuple[AdmissionTest, ...] = ()
    per_mu_admission: tuple[PerMuAdmission, ...] = ()
    periods: dict[str, Period] = Field(default_factory=dict)
    """Rule id → the lever's own validity period, where it differs from the profile's."""

    def rule_ids(self) -> set[str]:
        """Every lever rule's id."""
        groups: list[tuple[Strict, ...]] = [getattr(self, f) for f in type(self).model_fields
                                            if f != "periods"]  # fmt: skip
        return {str(getattr(r, "id", "")) for g in groups for r in g}

    def class_labels_used(self) -> set[str]:
        """Every class label the levers name (checked against the profile's classes)."""
        used: set[str] = set()
        for r in self.renovation:
            used |= set(r.rate_uplift) | set(r.cap_uplift)
        groups: list[tuple[str, ...]] = [r.classes for r in self.rental]
        groups += [p.classes for e in self.eligibility for p in e.ways]
        groups += [c.classes for c in self.class_intensity]
        groups += [f.classes for f in self.firm_lists]
        for classes in groups:
            used |= set(classes)
        for s in self.surcharges:
            used |= set(s.by_class) if s.basis == "class" else set()
        for g in self.treatments:
            used |= set(g.by_grade) if g.basis == "class" else set()
        for t in self.tax_relief:
            used |= set(t.by_class)
        return used


# ---- plan targets ---- #
AGGREGATES = (
    "tax_per_mu", "va_per_mu", "output_per_mu", "labour_productivity", "rd_intensity",
    "va_rate", "energy_per_va",
)  # fmt: skip
"""Ratio aggregates over a population's firms: Σ numerator ÷ Σ denominator."""
CASE_MEASURES = {
    "opened": "核定（列入整治）企业数",
    "planned": "已制定方案企业数",
    "rectified": "整治提升完成企业数",
    "exited": "淘汰退出企业数",
    "closed": "评价销号企业数",
    "done": "完成整治（销号或淘汰）企业数",
    "done_share": "整治任务完成比例",
    "freed_land_mu": "腾出用地",
    "freed_energy_tce": "腾出用能",
}
"""What a `cases` target counts, cumulatively from the plan's start to the data year's end."""


class Population(Strict):
    """The firms a target counts. Default: the 规上 firms the profile evaluates.

    Each field narrows the population; every one left at its default keeps all firms.
    """

    evaluated: bool = True
    """Only firms the year's published evaluation scored (不参评 — industries out of scope,
    exempt utilities — are left out). A year without a published evaluation (a base year)
    falls back to the profile's ``[scope]`` industries, and the result says so."""
    size: Literal["above_scale", "below_scale", "all"] = "above_scale"
    """规上 only, 规下 only, or both."""
    industry_in: Divisions = ()
    """GB/T 4754-2017 codes the target covers (``["13-43"]`` for 制造业)."""
    industry_not_in: Divisions = ()
    cohorts: tuple[str, ...] = ()
    """Cohort ids of the published evaluation (empty: any)."""
    where: Conditions = ()
    """Further conditions every counted firm meets."""


class Target(Strict):
    """A plan target (规划目标) and how its actual value is measured.

    ``kind``:

    - ``ratio``: an aggregate of `AGGREGATES`, Σ numerator ÷ Σ denominator over the population;
    - ``count``: firms of the population meeting ``where`` (亿元以上企业 400 家);
    - ``total``: Σ ``measure`` over the population (规上工业增加值, for growth targets);
    - ``share``: the part meeting ``where`` as a % of the population, by Σ ``measure`` or,
      with ``measure = "firms"``, by firm count (有研发投入企业占比 48 %);
    - ``regional``: a figure of the regional table (``mujun targets --regional``), or a ratio
      of two of its figures × ``scale`` (R&D 经费 ÷ 地区生产总值);
    - ``cases``: a cumulative count or sum of rectification cases (`CASE_MEASURES`).

    ``form``: ``level`` compares the value itself; ``change`` its % change from the base
    year's value; ``annual_change`` the average yearly % change since the base year.
    """

    id: RuleId | None = None
    label: str
    unit: str
    """Unit of the target value (for ``change`` forms: "%")."""
    kind: Literal["ratio", "count", "total", "share", "regional", "cases"] = "ratio"
    indicator: str | None = None
    """``ratio``: one of `AGGREGATES`; ``regional``: the figure's name in the table;
    ``cases``: one of `CASE_MEASURES`."""
    denominator: str | None = None
    """``regional`` only: the figure divided by (e.g. "地区生产总值")."""
    scale: PositiveFloat = 1.0
    """``regional`` ratio only: multiplier (100 for a %)."""
    measure: str | None = None
    """``total`` and ``share``: the fact summed, or ``firms`` (share by firm count)."""
    where: Conditions = ()
    """``count`` and ``share``: the firms counted in the numerator."""
    lists: tuple[str, ...] = ()
    """``cases`` only: watch-list rule ids whose cases count (empty: all)."""
    cumulative: bool = True
    """``cases`` only: count steps from the plan's start (after ``base_year``, else from the
    profile period's first year) to the plan year; false: within the plan year alone (每年)."""
    form: Literal["level", "change", "annual_change"] = "level"
    year: int | None = None
    """Plan year (data year the target is for); or give ``by_year``."""
    value: float | None = None
    by_year: dict[int, float] = Field(default_factory=dict)
    """Per-year targets of a plan period, e.g. ``{ 2022 = 120, 2023 = 150, 2024 = 175 }``."""
    direction: Literal["at_least", "at_most"] = "at_least"
    base_year: int | None = None
    """Data year the ``change`` forms compare with; cases count from the year after it."""
    base_value: float | None = None
    """The base year's value when the plan publishes it; else the regional table's figure
    named like the target's ``label`` (or ``indicator`` for regional targets), else the
    stored facts of the base year. For cumulative ``cases`` counts: the count reached by the
    base year (奉化 累计淘汰 17 家 in 2020), added to the cases since."""
    population: Population = Population()
    by_park: bool = False
    """Computed per park (园区) from the facts' ``park`` (Shizuishan's 园区 targets); regional
    figures are looked up per park by the table's 范围 column."""
    scope: Literal["above_scale", "all", "park"] | None = None
    """Shorthand of older profiles: ``all`` = both sizes, ``park`` = ``by_park`` over all
    sizes; ``above_scale`` = the default."""
    source: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems: list[str] = []
        if self.kind == "ratio" and self.indicator not in AGGREGATES:
            problems.append(f"ratio targets need `indicator`, one of {list(AGGREGATES)}")
        if self.kind == "regional" and not self.indicator:
            problems.append("regional targets need `indicator` (the figure's name in the table)")
        if self.kind == "cases" and self.indicator not in CASE_MEASURES:
            problems.append(f"cases targets need `indicator`, one of {list(CASE_MEASURES)}")
        if self.kind in ("total", "share") and not self.measure:
            problems.append(f"{self.kind} targets need `measure`")
        if self.kind in ("count", "share") and not self.where:
            problems.append(f"{self.kind} targets need `where` (the firms counted)")
        if self.measure not in (None, "firms") and self.measure not in NUMERIC_MEASURES:
            problems.append(f"unknown measure {self.measure!r}")
        if self.denominator is not None and self.kind != "regional":
            problems.append("`denominator` is for regional targets only")
        if (self.year is None) == (not self.by_year) or (self.year is None) != (self.value is None):
            problems.append("give `year` and `value`, or `by_year`")
        if self.form != "level" and self.base_year is None:
            problems.append(f"form {self.form!r} needs `base_year`")
        if self.kind == "cases" and self.form != "level":
            problems.append("cases targets are cumulative levels (form = 'level')")
        if self.kind == "cases" and (self.by_park or self.scope == "park"):
            problems.append("cases targets are region-wide (no `by_park`)")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def yearly(self) -> dict[int, float]:
        """Plan year → target value."""
        if self.year is not None and self.value is not None:
            return {self.year: self.value}
        return dict(self.by_year)

    @property
    def grouped_by_park(self) -> bool:
        """Whether the target is evaluated per park."""
        return self.by_park or self.scope == "park"

    @property
    def counted(self) -> Population:
        """The population, with the ``scope`` shorthand applied."""
        if self.scope in ("all", "park") and self.population.size == "above_scale":
            return self.population.model_copy(update={"size": "all"})
        return self.population
