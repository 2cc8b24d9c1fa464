"""Final classes: overrides and vetoes on top of the computed class, and labels for the rest.

Overrides (e.g. a firm building a ≥ 1亿 project is A) apply first and vetoes (e.g. a major
safety accident means D) after them, so a veto always wins. Both apply to ranked and graded-as
firms; a ``set`` rule marked ``reaches_ungraded`` also classes an ungraded (T) firm, and the
rules after it then apply to that firm too. Other firms without a class (not evaluated, T)
keep their special label.
"""

from __future__ import annotations

import polars as pl

from mujun._exprs import enum_of, joined_text, lookup
from mujun.profiles.conditions import all_of
from mujun.profiles.models import ClassRule, Profile
from mujun.schema import Col
from mujun.score.cohorts import SPECIAL_LABEL, label_enum

_INDEX = "_final_index"
"""Working column: the class index after the rules applied so far (null: no class)."""
_FIRED = "_fired_"
"""Working columns ``_fired_<i>``: rule i changed the firm's class."""


def _apply(rule: ClassRule, index: pl.Expr, target: int) -> pl.Expr:
    match rule.kind:
        case "set":
            return pl.lit(target, pl.Int64)
        case "at_best":
            return pl.max_horizontal(index, pl.lit(target, pl.Int64))
        case "at_worst":
            return pl.min_horizontal(index, pl.lit(target, pl.Int64))


def add_final_class(lf: pl.LazyFrame, /, *, profile: Profile) -> pl.LazyFrame:
    """Add ``class_computed``, ``class_label``, ``class_name`` and the override columns."""
    cls = profile.classification
    position = {label: i for i, label in enumerate(cls.labels)}
    status = pl.col(Col.STATUS)
    graded_as = lookup(pl.col(SPECIAL_LABEL), position, dtype=pl.Int64)
    computed = pl.when(status == "graded_as").then(graded_as).otherwise(pl.col("_class_index"))
    has_class = status.is_in(["ranked", "graded_as"])

    # NOTE: the class index after each rule is a working column; as one nested expression each
    # rule referred to the previous state several times and the plan grew geometrically.
    lf = lf.with_columns(computed.alias(_INDEX))
    index = pl.col(_INDEX)
    rules = (*profile.overrides, *profile.vetoes)
    ungraded = status == "ungraded"
    fired = [pl.col(f"{_FIRED}{i}") for i in range(len(rules))]
    for i, rule in enumerate(rules):
        moved = _apply(rule, index, position[rule.to])
        # A rule acts on a firm with a class, or on an ungraded (T) firm where the rule reaches
        # it; once a rule has given an ungraded firm a class, later rules (vetoes) act on it.
        reach = index.is_not_null() | (ungraded & rule.reaches_ungraded)
        changed = (
            pl.when(index.is_null()).then(pl.lit(rule.kind == "set")).otherwise(moved != index)
        )
        fires = (reach & all_of(rule.when) & changed).fill_null(value=False)
        lf = lf.with_columns(
            fires.alias(f"{_FIRED}{i}"), pl.when(fires).then(moved).otherwise(index).alias(_INDEX)
        )
    graded = index.is_not_null()

    label_of = dict(enumerate(cls.labels))
    labels = label_enum(profile)

    def label(expr: pl.Expr) -> pl.Expr:
        return lookup(expr, label_of, dtype=labels)

    final = pl.when(graded).then(label(index)).otherwise(pl.col(SPECIAL_LABEL))
    out = lf.with_columns(
        pl.when(has_class).then(label(computed)).alias(Col.CLASS_COMPUTED),
        final.alias(Col.CLASS),
        joined_text([r.id for r in rules], fired).alias(Col.OVERRIDE_ID),
        joined_text([r.reason for r in rules], fired).alias(Col.OVERRIDE_REASON),
    ).drop(_INDEX, *(f"{_FIRED}{i}" for i in range(len(rules))))
    names = profile.class_names()
    return out.with_columns(
        lookup(pl.col(Col.CLASS), names, dtype=enum_of(names.values())).alias(Col.CLASS_NAME)
    )
