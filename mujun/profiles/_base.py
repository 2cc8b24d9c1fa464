"""Shared building blocks of the profile models: the strict base, ids and conditions."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from mujun.schema import FLAG_MEASURES, NUMERIC_MEASURES, POOL_COLUMNS

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_CODE_SPEC = re.compile(r"^[A-Za-z]?(\d{2,4})(?:-[A-Za-z]?(\d{2,4}))?$")

Comparison = Literal["<", "<=", ">", ">=", "==", "!="]
Fallback = Literal["zero", "cohort_mean", "penalty", "full"]
PositiveFloat = Annotated[float, Field(gt=0)]
Share = Annotated[float, Field(ge=0, le=1)]
Digits = Annotated[int, Field(ge=0, le=8)]
"""Decimals of a published figure (2 for 10.00 万元/亩)."""


class Strict(BaseModel):
    """Base of every profile model: unknown keys are errors and instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_id(value: str, what: str) -> str:
    if not _ID.match(value) or "__" in value:
        msg = f"{what} {value!r} 只能由小写字母、数字和单个下划线组成（lower_snake_case）"
        raise ValueError(msg)
    return value


def expand_divisions(specs: tuple[str, ...]) -> tuple[str, ...]:
    """Expand GB/T 4754-2017 code specs into the codes they cover.

    A spec is a 2-digit division (``"13"``), a 3-digit group (``"131"``), a 4-digit class
    (``"1351"``), optionally with its section letter (``"C1311"``), or a range of codes of one
    length (``"13-43"``, ``"1311-1319"``). A firm matches a code when its own code starts
    with it (`mujun.profiles.conditions.industry_match`), so ``"131"`` (谷物磨制) covers 1311
    but not 1351 (屠宰).
    """
    out: list[str] = []
    for spec in specs:
        m = _CODE_SPEC.match(spec.strip())
        if m is None:
            msg = (
                f"industry code {spec!r} must look like '13', '131', '1351', 'C1311' or a range "
                "such as '13-43' (GB/T 4754-2017)"
            )
            raise ValueError(msg)
        lo_text, hi_text = m.group(1), m.group(2) or m.group(1)
        if len(lo_text) != len(hi_text):
            msg = f"行业代码范围 {spec!r} 两端的代码位数须相同"
            raise ValueError(msg)
        lo, hi, width = int(lo_text), int(hi_text), len(lo_text)
        if hi < lo:
            msg = f"行业代码范围 {spec!r} 前大后小（方向反了）"
            raise ValueError(msg)
        out.extend(f"{d:0{width}d}" for d in range(lo, hi + 1))
    return tuple(dict.fromkeys(out))


def _pool_columns(value: tuple[str, ...]) -> tuple[str, ...]:
    bad = [c for c in value if c not in POOL_COLUMNS]
    if bad:
        msg = f"{bad} 不能用于企业分组或排名；可用：{sorted(POOL_COLUMNS)}"
        raise ValueError(msg)
    return value


def _divisions(value: tuple[str, ...]) -> tuple[str, ...]:
    expand_divisions(value)
    return value


RuleId = Annotated[str, AfterValidator(lambda v: _check_id(v, "rule id"))]
PoolColumns = Annotated[tuple[str, ...], AfterValidator(_pool_columns)]
"""Columns that may define pools and benchmark groups (see `mujun.schema.POOL_COLUMNS`)."""
Divisions = Annotated[tuple[str, ...], AfterValidator(_divisions)]
"""GB/T 4754-2017 codes such as ``["13-43"]`` or ``["131", "1351"]`` (see `expand_divisions`)."""


# ---- rules on firm attributes ---- #
class Condition(Strict):
    """One test on a firm's facts.

    Give exactly one of: ``flag``, ``measure`` with ``op`` and ``value``, or ``industry_in``.
    """

    flag: str | None = None
    """A yes/no attribute that must be true, e.g. ``"utility"``. Unknown (blank) counts as no."""
    measure: str | None = None
    """A numeric fact or derived measure, e.g. ``"construction_investment_wan"``."""
    op: Comparison | None = None
    value: float | None = None
    digits: Digits | Literal["exact"] | None = None
    """Published precision of the measure: both sides are rounded half up to this many
    decimals before comparing, so a value printed "10.00" meets "≤ 10" (see
    `mujun.profiles.conditions.DIGITS` for the defaults; ``"exact"`` compares unrounded)."""
    industry_in: tuple[str, ...] | None = None
    """GB/T 4754-2017 codes, e.g. ``["44-46"]`` or ``["131"]`` (deeper codes match by prefix)."""

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        kinds = [
            self.flag is not None,
            self.measure is not None or self.op is not None or self.value is not None,
            self.industry_in is not None,
        ]
        if sum(kinds) != 1:
            msg = "`flag`、`measure`+`op`+`value`、`industry_in` 三者须且只能给出其一"
            raise ValueError(msg)
        if self.flag is not None and self.flag not in FLAG_MEASURES:
            msg = f"未知的标志 {self.flag!r}；可用：{sorted(FLAG_MEASURES)}"
            raise ValueError(msg)
        if kinds[1]:
            if self.measure is None or self.op is None or self.value is None:
                msg = "`measure`、`op` 和 `value` 须一起给出"
                raise ValueError(msg)
            if self.measure not in NUMERIC_MEASURES:
                msg = f"未知的指标 {self.measure!r}；可用：{sorted(NUMERIC_MEASURES)}"
                raise ValueError(msg)
        if self.industry_in is not None:
            expand_divisions(self.industry_in)
        return self


Conditions = tuple[Condition, ...]


_REPLACED_WHOLE = frozenset({"quotas", "thresholds", "bounds"})


def merge_tables(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge ``over`` into a copy of ``base``: tables recursively, other values replaced."""
    out = dict(base)
    for key, value in over.items():
        if (
            isinstance(value, dict)
            and isinstance(out.get(key), dict)
            and key not in _REPLACED_WHOLE
        ):
            out[key] = merge_tables(out[key], value)
        else:
            out[key] = value
    return out
