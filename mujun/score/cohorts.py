"""Scope, cohorts and special classes: who is scored, with which weights, and who is ranked."""

from __future__ import annotations

import polars as pl

from mujun._exprs import enum_of, first_match, lookup
from mujun.profiles._base import expand_divisions
from mujun.profiles.conditions import all_of, compare, digits_for, industry_match
from mujun.profiles.models import Cohort, Profile
from mujun.schema import EVAL_STATUS, Col

SPECIAL_LABEL = "_special_label"
"""Working column: the label of a firm that is not ranked (dropped before output)."""
STEP = "_special_step"
"""Working column: which precedence step decided the firm's status (null: ranked)."""


def assign(lf: pl.LazyFrame, /, *, profile: Profile) -> pl.LazyFrame:
    """Add cohort, evaluation status and the special rule (with its reason) for every firm.

    Precedence, first match wins:

    1. industry outside the profile's scope: not evaluated;
    2. special rules whose outcome is ``not_evaluated`` (exempt firms), in file order;
    3. land missing, negative, or zero where the cohort divides by land: not evaluated with the
       profile's data-problem label (never an infinite per-mu value);
    4. no cohort matches (e.g. 规下 under the land threshold): not evaluated, out of scope;
    5. the remaining special rules (``ungraded``, ``graded_as``): scored but not ranked;
    6. everyone else is ranked in their pool.
    """
    cls = profile.classification
    cohort = _cohort_expr(profile)
    land_cohorts = [cid for cid, c in profile.cohorts.items() if _divides_by_land(profile, c)]
    uses_land = cohort.is_in(land_cohorts).fill_null(value=False)
    land = pl.col("land_mu")
    land_problem = land.is_null() | (land < 0) | ((land == 0) & uses_land)

    steps: list[tuple[pl.Expr, str, str, str, str]] = [
        (
            ~_in_scope(profile),
            "not_evaluated",
            "out_of_scope",
            cls.out_of_scope_label,
            "行业不在评价范围",
        ),
    ]
    steps += [
        (all_of(r.when), "not_evaluated", r.id, r.label, r.reason)
        for r in profile.special
        if r.outcome == "not_evaluated"
    ]
    steps += [
        (
            land_problem,
            "not_evaluated",
            "land_problem",
            cls.data_problem_label,
            "用地面积缺失、为负或为零，无法计算亩均指标，请核实用地数据",
        ),
        (
            cohort.is_null(),
            "not_evaluated",
            "no_cohort",
            cls.out_of_scope_label,
            "不符合任何评价对象条件（如规下企业用地不足规定亩数）",
        ),
    ]
    steps += [
        (all_of(r.when), r.outcome, r.id, r.label, r.reason)
        for r in profile.special
        if r.outcome != "not_evaluated"
    ]
    # Evaluate the precedence once, as the index of the first step that applies.
    step = first_match(
        ((cond, pl.lit(i, pl.Int32)) for i, (cond, *_) in enumerate(steps)),
        otherwise=pl.lit(None, pl.Int32),
    )

    def pick(part: int, dtype: pl.DataType) -> pl.Expr:
        return lookup(pl.col(STEP), {i: s[part] for i, s in enumerate(steps)}, dtype=dtype)

    def enum(part: int) -> pl.Enum:
        return enum_of(s[part] for s in steps)

    cohort_labels = {cid: c.label for cid, c in profile.cohorts.items()}
    return lf.with_columns(cohort.alias(Col.COHORT), step.alias(STEP)).with_columns(
        lookup(pl.col(Col.COHORT), cohort_labels, dtype=enum_of(cohort_labels.values())).alias(
            Col.COHORT_LABEL
        ),
        pick(1, EVAL_STATUS).fill_null(pl.lit("ranked", EVAL_STATUS)).alias(Col.STATUS),
        pick(2, enum(2)).alias(Col.SPECIAL_ID),
        pick(4, enum(4)).alias(Col.SPECIAL_REASON),
        pick(3, label_enum(profile)).alias(SPECIAL_LABEL),
    )


def cohort_enum(profile: Profile) -> pl.Enum:
    """The dtype of the cohort column: the profile's cohort ids."""
    return enum_of(profile.cohorts)


def label_enum(profile: Profile) -> pl.Enum:
    """The dtype of class labels: every label a firm can end with (classes first)."""
    return enum_of(profile.class_names())


def _in_scope(profile: Profile) -> pl.Expr:
    unknown_ok = profile.scope.unknown_industry == "include"
    inside = pl.lit(value=True)
    if profile.scope.industry_in:
        inside = _industry_in(profile.scope.industry_in)
    if profile.scope.industry_not_in:
        inside = inside & ~_industry_in(profile.scope.industry_not_in)
    unknown = pl.col("industry_division").is_null()
    return pl.when(unknown).then(pl.lit(unknown_ok)).otherwise(inside)


def _industry_in(specs: tuple[str, ...]) -> pl.Expr:
    """Industry test of the scope: divisions on the derived column, deeper codes by prefix.

    NOTE: every shipped scope is whole divisions; matching those on ``industry_division``
    avoids a second regex over the codes of millions of firms.
    """
    codes = expand_divisions(specs)
    if all(len(c) == 2 for c in codes):
        return pl.col("industry_division").is_in(list(codes)).fill_null(value=False)
    return industry_match(specs)


def _cohort_expr(profile: Profile) -> pl.Expr:
    dtype = cohort_enum(profile)
    return first_match(
        ((_cohort_condition(c), pl.lit(cid, dtype)) for cid, c in profile.cohorts.items()),
        otherwise=pl.lit(None, dtype),
    )


def _cohort_condition(cohort: Cohort) -> pl.Expr:
    """True where a firm belongs to the cohort (unknown facts never match)."""
    land = pl.col("land_mu")
    parts = [all_of(cohort.when)]
    if cohort.above_scale is not None:
        parts.append(pl.col("above_scale").fill_null(value=False) == cohort.above_scale)
    # Land limits are compared at the land's published precision (3 亩 from 2000 m² is
    # 3.0000000000000004 in binary; the official reads 3.00 亩 and it is in).
    digits = digits_for("land_mu")
    if cohort.land_min_mu is not None:
        op = ">=" if cohort.land_min_inclusive else ">"
        parts.append(compare(land, op, cohort.land_min_mu, digits))
    if cohort.land_max_mu is not None:
        op = "<=" if cohort.land_max_inclusive else "<"
        parts.append(compare(land, op, cohort.land_max_mu, digits))
    if cohort.own_land is not None:
        owns = pl.col("land_own_mu").fill_null(0) > 0
        parts.append(owns if cohort.own_land else ~owns)
    return pl.all_horizontal(parts).fill_null(value=False)


def _divides_by_land(profile: Profile, cohort: Cohort) -> bool:
    return any(profile.indicators[i].denominator == "land_mu" for i in cohort.used_indicators)
