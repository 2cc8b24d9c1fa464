"""Policy levers and plan targets as profile data.

Subsidies, surcharges, eligibility, watch lists and targets; `mujun.policy` evaluates them
over a year's published snapshot.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from mujun.profiles._base import Conditions, PositiveFloat, RuleId, Share, Strict

NonNegative = Annotated[float, Field(ge=0)]


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
                msg = f"rate_uplift.{label} needs one value per band ({len(self.bands)})"
                raise ValueError(msg)
        lows = [b.min_wan for b in self.bands]
        if lows != sorted(lows):
            msg = "bands must be listed from the lowest investment up"
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


class ExtensionSubsidy(Strict):
    """加层扩建补助: a one-off sum per m² of vertical extension, capped per firm."""

    id: RuleId
    label: str
    yuan_per_m2: PositiveFloat
    min_area_m2: NonNegative
    max_wan_per_firm: PositiveFloat


# ---- prices (per firm) ---- #
class Surcharge(Strict):
    """差别化价格: a surcharge by class, rising with consecutive years in that class."""

    id: RuleId
    label: str
    resource: Literal["electricity", "water", "gas"]
    quantity: str
    """Fact holding the quantity the surcharge applies to, e.g. ``electricity_kwh``."""
    unit: str
    """Unit of the rate, e.g. "元/千瓦时"."""
    by_class: dict[str, tuple[NonNegative, ...]]
    """Class → rate for 1, 2, 3+ consecutive years (the last value continues)."""
    stacking: Literal["highest", "add"] = "highest"
    """With another differential, punitive or tiered surcharge the firm pays: only the
    highest applies (Shandong 2022), or both."""


class TaxRelief(Strict):
    """城镇土地使用税减免: a relief share of the land-use tax by class."""

    id: RuleId
    label: str
    by_class: dict[str, Share]


# ---- eligibility (per firm) ---- #
class Eligibility(Strict):
    """Who may use a land or quota policy, by class and land size."""

    id: RuleId
    label: str
    classes: tuple[str, ...]
    """Classes allowed."""
    unclassed_allowed: bool = False
    """Whether an evaluated firm without a class (T, exempt) is allowed: true for rules
    worded as "not C/D" (Tiantai land transfer), false for "A/B only"."""
    min_land_mu: NonNegative | None = None
    grants: str = ""
    """What the eligible firm gets, in words (e.g. "配套用地比例上限 7% → 15%，建筑面积 30%")."""


# ---- watch lists (per firm) ---- #
class LowTaxTier(Strict):
    """Firms with revenue ≥ ``min_revenue_wan`` are listed at tax per mu ≤ ``max_tax_per_mu``."""

    min_revenue_wan: NonNegative
    max_tax_per_mu: float


class LowTaxList(Strict):
    """低效企业: tax per mu at or below a tier's limit for consecutive years."""

    id: RuleId
    label: str
    years: int = Field(ge=1)
    tiers: tuple[LowTaxTier, ...] = Field(min_length=1)
    """Tried from the highest revenue threshold down; the first that applies decides."""


class ClassAndIntensityList(Strict):
    """高碳低效: given classes, or high energy per revenue with low tax per mu.

    Protected groups (chain-critical, high-tech, key cultivated, grain processing) are left out.
    """

    id: RuleId
    label: str
    classes: tuple[str, ...] = ()
    min_energy_per_revenue: PositiveFloat | None = None
    """tce per 万元 of revenue at or above which energy use counts as high."""
    max_tax_per_mu: float | None = None
    protected: Conditions = ()
    """Firms meeting any of these are protected for now (阶段性保护)."""
    protected_industries: tuple[str, ...] = ()
    """GB/T 4754 divisions protected (e.g. grain processing "13")."""


class Threshold(Strict):
    """One row of a region × industry threshold table; ``*`` matches any."""

    county: str = "*"
    industry: str = "*"
    """2-digit division or ``*``."""
    max_tax_per_mu: float | None = None
    min_energy_per_va: float | None = None
    """tce per 万元 of value added at or above which a firm is listed."""


class ThresholdList(Strict):
    """高耗低效 by a region × industry guide: a firm breaching its row is listed."""

    id: RuleId
    label: str
    table: tuple[Threshold, ...] = Field(min_length=1)
    """The most specific matching row applies (county and industry, then either, then ``*``)."""


class IdleList(Strict):
    """长期停产 / 欠税: no production, or land-use-tax arrears, for consecutive years."""

    id: RuleId
    label: str
    years: int = Field(ge=1)
    measure: Literal["production", "land_tax_arrears"]
    """``production``: output (or revenue) not above zero in each of the last ``years`` data
    years (stored facts); ``land_tax_arrears``: the inputs' ``land_tax_arrears_years`` ≥
    ``years``."""


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


class Levers(Strict):
    """All levers of a region (each list may be empty)."""

    renovation: tuple[RenovationSubsidy, ...] = ()
    rental: tuple[RentalSubsidy, ...] = ()
    extension: tuple[ExtensionSubsidy, ...] = ()
    surcharges: tuple[Surcharge, ...] = ()
    tax_relief: tuple[TaxRelief, ...] = ()
    eligibility: tuple[Eligibility, ...] = ()
    low_tax: tuple[LowTaxList, ...] = ()
    class_intensity: tuple[ClassAndIntensityList, ...] = ()
    thresholds: tuple[ThresholdList, ...] = ()
    idle: tuple[IdleList, ...] = ()
    admission: tuple[AdmissionTest, ...] = ()

    def class_labels_used(self) -> set[str]:
        """Every class label the levers name (checked against the profile's classes)."""
        used: set[str] = set()
        for r in self.renovation:
            used |= set(r.rate_uplift) | set(r.cap_uplift)
        groups: list[tuple[str, ...]] = [r.classes for r in self.rental]
        groups += [e.classes for e in self.eligibility]
        groups += [c.classes for c in self.class_intensity]
        for classes in groups:
            used |= set(classes)
        for s in self.surcharges:
            used |= set(s.by_class)
        for t in self.tax_relief:
            used |= set(t.by_class)
        return used


# ---- plan targets ---- #
AGGREGATES = (
    "tax_per_mu", "va_per_mu", "output_per_mu", "labour_productivity", "rd_intensity",
    "va_rate", "energy_per_va",
)  # fmt: skip


class Target(Strict):
    """A plan target for a region aggregate in one year (Σ numerator ÷ Σ denominator)."""

    indicator: str
    """One of `AGGREGATES` (over 规上 firms, or ``scope`` firms)."""
    label: str
    unit: str
    year: int
    """Plan year; compared with the evaluation whose data year is this year."""
    value: float
    direction: Literal["at_least", "at_most"] = "at_least"
    base_year: int | None = None
    base_value: float | None = None
    scope: Literal["above_scale", "all", "park"] = "above_scale"
    """``park``: computed per park (Shizuishan's 园区 targets)."""
    source: str = ""

    @field_validator("indicator")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in AGGREGATES:
            msg = f"unknown aggregate {value!r}; use one of {list(AGGREGATES)}"
            raise ValueError(msg)
        return value
