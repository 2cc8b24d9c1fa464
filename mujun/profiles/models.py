"""Region profile models: strict, frozen pydantic models, one per concern.

A profile is data: weights, benchmarks, caps, quotas, labels and rules come from TOML files in
``scoring_profiles/`` and are validated here. Loading (files, ``extends``, error wrapping)
lives in :mod:`mujun.profiles.loader`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal, Self

from pydantic import Field, field_validator, model_validator

from mujun.profiles._base import (
    Conditions,
    Digits,
    Divisions,
    Fallback,
    PoolColumns,
    PositiveFloat,
    RuleId,
    Share,
    Strict,
    _check_id,
    merge_tables,
)
from mujun.profiles.levers import Levers, Period, Target
from mujun.schema import NUMERIC_MEASURES


class ClassRule(Strict):
    """A rule that fixes or bounds a firm's class (overrides and vetoes)."""

    id: RuleId
    reason: str
    """Shown to officials, in Chinese (e.g. "在建1亿元以上重点产业项目，建设期间列入A类")."""
    when: Conditions = Field(min_length=1)
    kind: Literal["set", "at_best", "at_worst"]
    """``set``: the class is ``to``; ``at_best``: no better than ``to``; ``at_worst``: no worse."""
    to: str
    reaches_ungraded: bool = False
    """A ``set`` rule that also gives its class to a firm the evaluation scores but leaves
    ungraded (T, e.g. in production under 2 years): Tiantai lists a firm building a ≥ 1亿
    project as A during construction whatever its age. Later rules (vetoes) then apply to it."""

    @model_validator(mode="after")
    def _reach(self) -> Self:
        if self.reaches_ungraded and self.kind != "set":
            msg = "`reaches_ungraded` 要求 kind = 'set'（不分档的企业没有可限定的等级）"
            raise ValueError(msg)
        return self


class SpecialRule(Strict):
    """A special class (T, exempt, graded-as-B, ...) decided before ranking."""

    id: RuleId
    reason: str
    when: Conditions = Field(min_length=1)
    outcome: Literal["not_evaluated", "ungraded", "graded_as"]
    """``not_evaluated``: no score; ``ungraded``: scored but given ``label`` instead of a class;
    ``graded_as``: scored, not ranked, and managed as class ``label``."""
    label: str
    name: str
    """Chinese name of the label, e.g. "不适合评价"."""


# ---- indicators, benchmarks, item scores ---- #
class Benchmark(Strict):
    """How an indicator's benchmark (基准值) is set."""

    method: Literal["fixed", "mean", "aggregate", "best"] = "mean"
    """``fixed``: the cohort's published number; ``mean``: k × mean of firm values;
    ``aggregate``: k × (Σ numerator ÷ Σ denominator); ``best``: the best firm's value."""
    k: PositiveFloat = 1.0
    year: Literal["current", "previous"] = "current"
    """``previous`` reads last year's facts from the history passed to the engine."""
    group_by: PoolColumns = ()
    """Columns that split the benchmark, e.g. ``["county"]`` or ``["industry_division"]``."""
    by_cohort: bool = True
    """Compute the benchmark per cohort (false: one benchmark for all cohorts, Huai'an)."""


class ItemScoring(Strict):
    """How an indicator value and its benchmark become points."""

    method: Literal["ratio", "minmax"] = "ratio"
    """``ratio``: value ÷ benchmark × weight (reverse indicators: (2 − value ÷ benchmark) ×
    weight ÷ 2); ``minmax``: weight × (floor_share + (1 − floor_share) × normalised value)."""
    cap: PositiveFloat | None = None
    """Highest item score as a multiple of the weight (e.g. 1.5). No cap (单项不封顶) is
    written ``cap = "none"`` in TOML so that the choice is visible; reports print it."""
    floor: float | None = 0.0
    """Lowest item score in points; none means negative scores are kept."""
    minmax_floor_share: Share = 0.2
    """Share of the weight the worst firm still gets under min–max (Jingde: 20 %)."""

    @field_validator("cap", mode="before")
    @classmethod
    def _no_cap(cls, value: object) -> object:
        return None if value == "none" else value


class MissingPolicy(Strict):
    """Item score when an indicator cannot be computed, by cause.

    ``zero``: 0 points; ``cohort_mean``: the mean item score of firms with a value in the same
    cohort and benchmark group; ``penalty``: minus ``penalty_points``; ``full``: the weight.
    """

    missing: Fallback = "zero"
    """Numerator or denominator absent."""
    zero: Fallback = "zero"
    """Denominator reported as zero (e.g. declared zero energy or emissions, unverified)."""
    zero_verified: Fallback = "full"
    """Verified zero emission."""
    not_applicable: Fallback = "cohort_mean"
    """The indicator does not apply to the firm."""
    invalid: Fallback = "zero"
    """Negative denominator (a data error the import should have caught)."""
    penalty_points: float = Field(default=3.0, ge=0)


class Indicator(Strict):
    """A ratio indicator: numerator ÷ denominator × scale."""

    label: str
    """Chinese name, e.g. "亩均税收"."""
    numerator: str
    denominator: str | None = None
    unit: str
    """Unit of the value after scaling, e.g. "万元/亩"."""
    direction: Literal["higher", "lower"] = "higher"
    scale: PositiveFloat = 1.0
    """Multiplier applied to the ratio, e.g. 10000 to turn 万元/kWh into 元/kWh."""
    digits: Digits | None = None
    """Published precision of the value (decimals). Lists and tests that compare a measure of
    the same id (e.g. ``tax_per_mu``) with a published limit round both sides to it; none means
    the default for the unit (2 for 万元/亩, 3 for 吨标准煤/万元; `mujun.profiles.conditions`)."""
    benchmark: Benchmark | None = None
    scoring: ItemScoring | None = None
    missing: MissingPolicy | None = None

    @model_validator(mode="after")
    def _known_measures(self) -> Self:
        for part in (self.numerator, self.denominator):
            if part is not None and part not in NUMERIC_MEASURES:
                msg = f"未知的指标 {part!r}；可用：{sorted(NUMERIC_MEASURES)}"
                raise ValueError(msg)
        return self


# ---- scope and cohorts ---- #
class Scope(Strict):
    """Which firms are evaluated at all."""

    industry_in: Divisions = ()
    """GB/T 4754-2017 divisions evaluated, e.g. ``["13-43"]``; empty means all."""
    industry_not_in: Divisions = ()
    unknown_industry: Literal["include", "exclude"] = "include"
    """What to do with firms whose industry code is blank."""


class Cohort(Strict):
    """A group of firms scored with one weight set (规上, 规下 ≥ 3 亩, tenants, ...).

    Cohorts are tried in file order; a firm belongs to the first whose conditions all hold.
    """

    label: str
    above_scale: bool | None = None
    land_min_mu: float | None = Field(default=None, ge=0)
    land_min_inclusive: bool = True
    """Whether the land threshold itself is in (≥) or out (>)."""
    land_max_mu: float | None = Field(default=None, gt=0)
    land_max_inclusive: bool = False
    own_land: bool | None = None
    """``false`` selects tenants with no land under their own certificate."""
    when: Conditions = ()
    weights: dict[str, Annotated[float, Field(ge=0)]] = Field(min_length=1)
    """Points per indicator id; indicators not listed (or 0) are not used for this cohort."""
    benchmarks: dict[str, float] = Field(default_factory=dict)
    """Published benchmark per indicator, used where the benchmark method is ``fixed``."""

    @property
    def used_indicators(self) -> tuple[str, ...]:
        """Indicator ids with a positive weight, in file order."""
        return tuple(k for k, w in self.weights.items() if w > 0)


# ---- totals ---- #
class PointsRule(Strict):
    """Bonus or penalty points for firms meeting all conditions."""

    id: RuleId
    label: str
    when: Conditions = Field(min_length=1)
    points: PositiveFloat


class CoefficientRule(Strict):
    """A correction coefficient multiplying the sum of item scores."""

    id: RuleId
    label: str
    when: Conditions = Field(min_length=1)
    factor: PositiveFloat


class Adjustments(Strict):
    """total = Σ items × Π coefficients + min(Σ bonus, bonus_cap) − Σ penalty."""

    bonus: tuple[PointsRule, ...] = ()
    penalty: tuple[PointsRule, ...] = ()
    bonus_cap: PositiveFloat | None = None
    coefficients: tuple[CoefficientRule, ...] = ()


# ---- classes ---- #
class ClassDef(Strict):
    """One class, e.g. A 优先发展类."""

    label: str
    name: str


class Bound(Strict):
    """Share limits on one class, applied within each ranking pool."""

    max_share: Share | None = None
    min_share: Share | None = None


class Classification(Strict):
    """How ranked firms get their class."""

    classes: tuple[ClassDef, ...] = Field(min_length=2)
    """Best first."""
    method: Literal["quota", "threshold"]
    quotas: dict[str, Share] = Field(default_factory=dict)
    """Share of the pool per class (sums to 1), boundaries inclusive: with A = 0.2, the firm at
    exactly 20 % of the pool is A."""
    thresholds: dict[str, float] = Field(default_factory=dict)
    """Lowest total that still earns the class, for every class but the worst."""
    bounds: dict[str, Bound] = Field(default_factory=dict)
    """E.g. A at most 20 %, D at least 5 % (applied on top of thresholds or quotas)."""
    rounding: Literal["floor", "ceil", "half_up"] = "half_up"
    """How a cumulative share of the pool becomes a whole number of firms."""
    score_digits: Digits | None = 2
    """Decimals of the published total score: under thresholds a total is compared at this
    precision, so a firm printed "80.00" reaches a threshold of 80."""
    pool: PoolColumns = ()
    """Ranking pool columns, e.g. ``["county"]``; empty ranks the whole region together."""
    pool_by_cohort: bool = True
    """Rank each cohort separately (规上 and 规下 lists)."""
    tie_break: tuple[str, ...] = ()
    """Indicator ids compared (higher value first) when totals tie; USCC decides last."""
    data_problem_label: str = "待核"
    data_problem_name: str = "数据待核（用地面积缺失或非正）"
    out_of_scope_label: str = "不参评"
    out_of_scope_name: str = "不在评价范围"

    @property
    def labels(self) -> tuple[str, ...]:
        """Class labels, best first."""
        return tuple(c.label for c in self.classes)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        labels = self.labels
        if len(set(labels)) != len(labels):
            msg = f"等级标签不能重复，现为 {list(labels)}"
            raise ValueError(msg)
        if self.method == "quota":
            if set(self.quotas) != set(labels):
                msg = f"`quotas` 须为每个等级 {list(labels)} 给出比例"
                raise ValueError(msg)
            if abs(sum(self.quotas.values()) - 1) > 1e-9:
                msg = f"`quotas` 之和须为 1，现为 {sum(self.quotas.values()):.6g}"
                raise ValueError(msg)
        if self.method == "threshold":
            if set(self.thresholds) != set(labels[:-1]):
                msg = f"`thresholds` 须为 {list(labels[:-1])} 各给出最低总分"
                raise ValueError(msg)
            values = [self.thresholds[c] for c in labels[:-1]]
            if values != sorted(values, reverse=True):
                msg = "`thresholds` 须从最好的等级到最差的等级依次降低"
                raise ValueError(msg)
        bad = sorted(set(self.bounds) - set(labels))
        if bad:
            msg = f"`bounds` 中有未知的等级 {bad}"
            raise ValueError(msg)
        specials = {self.data_problem_label, self.out_of_scope_label}
        if specials & set(labels):
            msg = "`data_problem_label` 和 `out_of_scope_label` 不能与等级标签相同"
            raise ValueError(msg)
        return self


# ---- importing the departments' files ---- #
class TaxBasket(Strict):
    """Which taxes make the evaluation tax (税收实际贡献), per region (data_formats §1.4)."""

    items: tuple[str, ...] = (
        "增值税", "消费税", "企业所得税", "城市维护建设税", "房产税", "城镇土地使用税", "印花税",
        "土地增值税", "车船税", "资源税", "环境保护税", "营业税", "教育费附加", "地方教育附加",
    )  # fmt: skip
    """征收项目 summed (names as in `mujun/ingest/sources.toml` [tax_items]). 个人所得税 and
    non-tax fees are out by default."""
    add_backs: tuple[str, ...] = ("免抵调库", "先征后退", "即征即退")
    """Amounts added back so policy refunds do not count against a firm (留抵退税 is off by
    default)."""
    basis: Literal["实缴", "入库"] = "实缴"
    """Which amounts the files hold; recorded with the import."""
    year_basis: Literal["入库日期", "税款所属期"] = "入库日期"
    """Which date puts a payment in the data year."""


class EnergySettings(Strict):
    """How energy is put on one basis."""

    basis: Literal["equivalent", "calorific"] = "equivalent"
    """等价值 (Zhejiang 亩均, methods §2.1.4) or 当量值."""
    electricity_equivalent_tce_per_kwh: PositiveFloat = 0.0003
    """等价值 factor for electricity (≈ 0.30 kgce/kWh; data_formats §3). ASSUMPTION: the
    province's figure for the year should replace it."""


class Plausibility(Strict):
    """Limits beyond which a value is reported as a probable unit error (not changed)."""

    max_tax_per_mu: PositiveFloat = 1000.0
    """万元/亩; above it the tax is probably in 元 or the land in m² (data_formats §7)."""
    min_land_mu: PositiveFloat = 0.05
    """亩; below it the land is probably in 公顷 or mistyped."""
    max_land_mu: PositiveFloat = 20000.0
    """亩 per firm; above it the land is probably in m²."""
    max_median_land_mu: PositiveFloat = 500.0
    """亩; a median firm above it means the whole land file is probably in m² (ASSUMPTION:
    industrial firms' median land is tens of 亩; a 10-亩 plot read as m² shows 6,667)."""


class Ingest(Strict):
    """Settings `mujun import` reads from the profile."""

    tax: TaxBasket = TaxBasket()
    energy: EnergySettings = EnergySettings()
    plausibility: Plausibility = Plausibility()


PublicColumn = Literal[
    "seq", "name", "uscc", "township", "park", "cohort_label", "total_score", "rank",
    "pool_size", "class_label", "class_name", "note",
]  # fmt: skip


class Publication(Strict):
    """What the public 公示 list shows and how numbers are printed (not a scoring rule)."""

    columns: tuple[PublicColumn, ...] = (
        "seq", "name", "uscc", "township", "cohort_label", "class_label", "class_name",
    )  # fmt: skip
    """Columns of the posted list, in order. Score and rank are left out by default (most
    published lists show the class only); add ``"total_score"``, ``"rank"`` where the office
    posts them."""
    decimals: int = Field(default=2, ge=0, le=6)
    """Decimals of money and indicator values in workbooks and reports."""
    unit_decimals: dict[str, Annotated[int, Field(ge=0, le=6)]] = Field(default_factory=dict)
    """Decimals for values of one unit, e.g. ``{"元/kWh" = 3}``; others use ``decimals``."""
    county: str = ""
    """Who posts the list, as in its title ("天台县"); empty: the profile's region."""

    @model_validator(mode="after")
    def _name_and_class(self) -> Self:
        missing = [c for c in ("name", "class_label") if c not in self.columns]
        if missing:
            msg = f"publication.columns 须包含 {missing}（名单须写明企业和等级）"
            raise ValueError(msg)
        if len(set(self.columns)) != len(self.columns):
            msg = "publication.columns 中有重复的列"
            raise ValueError(msg)
        return self

    def decimals_for(self, unit: str) -> int:
        """Decimals for a value in ``unit``."""
        return self.unit_decimals.get(unit, self.decimals)


class Meta(Strict):
    """Who the profile is for and where its numbers come from."""

    name: str
    title: str
    """Chinese title, e.g. "天台县工业企业亩均效益综合评价"."""
    region: str
    version: str = "1"
    description: str = ""
    sources: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    """Numbers the sources leave open and the profile had to assume."""


class Profile(Strict):
    """A complete region profile."""

    meta: Meta
    data_year_offset: int = Field(default=-1, le=0)
    """Evaluation year + offset = the data year read from the facts."""
    binding: bool = True
    """False for trial years whose results are advisory only (Bengbu 2021)."""
    scope: Scope = Scope()
    indicators: dict[str, Indicator] = Field(min_length=1)
    cohorts: dict[str, Cohort] = Field(min_length=1)
    benchmark: Benchmark = Benchmark()
    scoring: ItemScoring = ItemScoring()
    missing: MissingPolicy = MissingPolicy()
    adjustments: Adjustments = Adjustments()
    special: tuple[SpecialRule, ...] = ()
    overrides: tuple[ClassRule, ...] = ()
    vetoes: tuple[ClassRule, ...] = ()
    """Applied after overrides, so a veto wins over an override."""
    classification: Classification
    ingest: Ingest = Ingest()
    levers: Levers = Levers()
    targets: tuple[Target, ...] = ()
    period: Period | None = None
    """The policy's validity period; scoring, levers and targets outside it are warned about."""
    by_year: dict[int, dict[str, Any]] = Field(default_factory=dict)
    """Evaluation year → values that differ that year (tables merged over the profile, as in
    ``extends``), e.g. a limit of one year; see `mujun.profiles.periods.for_year`."""
    publication: Publication = Publication()

    @field_validator("indicators", "cohorts")
    @classmethod
    def _ids(cls, value: dict[str, object]) -> dict[str, object]:
        for key in value:
            _check_id(key, "id")
        return value

    @model_validator(mode="after")
    def _cross_references(self) -> Self:
        problems = [*self._cohort_problems(), *self._rule_problems(), *self._period_problems()]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _cohort_problems(self) -> list[str]:
        problems: list[str] = []
        for cid, cohort in self.cohorts.items():
            unknown = sorted(set(cohort.weights) - set(self.indicators))
            if unknown:
                problems.append(f"cohorts.{cid}.weights names unknown indicators {unknown}")
                continue
            if not cohort.used_indicators:
                problems.append(f"cohorts.{cid}.weights has no positive weight")
            problems.extend(
                f"cohorts.{cid}.benchmarks.{ind} must be a positive number "
                "(its benchmark method is `fixed`)"
                for ind in cohort.used_indicators
                if self.benchmark_for(ind).method == "fixed"
                and cohort.benchmarks.get(ind, 0.0) <= 0
            )
        return problems

    def _rule_problems(self) -> list[str]:
        labels = set(self.classification.labels)
        problems = [
            f"classification.tie_break names unknown indicator {tb!r}"
            for tb in self.classification.tie_break
            if tb not in self.indicators
        ]
        problems += [
            f"levers name class {label!r}, which is not in {sorted(labels)}"
            for label in sorted(self.levers.class_labels_used() - labels)
        ]
        problems += [
            f"rule {rule.id!r}: class {rule.to!r} is not in {sorted(labels)}"
            for rule in (*self.overrides, *self.vetoes)
            if rule.to not in labels
        ]
        for rule in self.special:
            if rule.outcome == "graded_as" and rule.label not in labels:
                problems.append(f"special {rule.id!r}: graded_as class {rule.label!r} unknown")
            if rule.outcome != "graded_as" and rule.label in labels:
                problems.append(
                    f"special {rule.id!r}: label {rule.label!r} collides with a class label"
                )
        return problems

    def _period_problems(self) -> list[str]:
        ids = self.levers.rule_ids()
        problems = [
            f"levers.periods names unknown rule {rid!r}"
            for rid in sorted(set(self.levers.periods) - ids)
        ]
        problems += [
            f"targets: {t.label!r} names unknown cohort {c!r}"
            for t in self.targets
            for c in t.population.cohorts
            if c not in self.cohorts
        ]
        problems += [
            f"targets: {t.label!r} names unknown watch list {rid!r}"
            for t in self.targets
            for rid in t.lists
            if rid not in ids
        ]
        problems += [
            f"by_year.{year} cannot change `by_year`, `meta` or `period`"
            for year, over in self.by_year.items()
            if {"by_year", "meta", "period"} & set(over)
        ]
        if self.by_year and not problems:
            base = self.model_dump(mode="json", exclude_none=True, exclude={"by_year"})
            for year, over in sorted(self.by_year.items()):
                try:
                    Profile.model_validate(merge_tables(base, over))
                except ValueError as exc:  # pydantic's ValidationError is a ValueError
                    first = str(exc).splitlines()
                    problems.append(f"by_year.{year}: {' '.join(first[1:3]).strip()}")
        return problems

    def benchmark_for(self, indicator: str) -> Benchmark:
        """The indicator's own benchmark settings, or the profile default."""
        return self.indicators[indicator].benchmark or self.benchmark

    def scoring_for(self, indicator: str) -> ItemScoring:
        """The indicator's own item-scoring settings, or the profile default."""
        return self.indicators[indicator].scoring or self.scoring

    def missing_for(self, indicator: str) -> MissingPolicy:
        """The indicator's own missing-data policy, or the profile default."""
        return self.indicators[indicator].missing or self.missing

    def used_indicators(self) -> tuple[str, ...]:
        """Indicators with a positive weight in some cohort, in definition order."""
        used = {i for c in self.cohorts.values() for i in c.used_indicators}
        return tuple(i for i in self.indicators if i in used)

    def class_names(self) -> dict[str, str]:
        """Every label a firm can end with, mapped to its Chinese name."""
        cls = self.classification
        names = {c.label: c.name for c in cls.classes}
        names.update({r.label: r.name for r in self.special if r.outcome != "graded_as"})
        names[cls.data_problem_label] = cls.data_problem_name
        names[cls.out_of_scope_label] = cls.out_of_scope_name
        return names

    def content_hash(self) -> str:
        """SHA-256 of the resolved profile: equal hashes mean equal rules."""
        # NOTE: how lists are printed is not a rule; leaving it out keeps stored hashes valid.
        rules = self.model_dump(mode="json", exclude={"publication"})
        text = json.dumps(rules, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()
