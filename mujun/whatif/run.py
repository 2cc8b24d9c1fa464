"""What-if runs over a published year: rescore its facts under a variant, never publish.

`stored_year` reads what a published year was scored from (its facts batch, last year's facts,
its profile exactly as scored, its results and item scores). `whatif` scores the variant,
compares it with the published results and evaluates both sides' levers. `compare_methods`
scores the same facts under several profiles; `sensitivity` shifts each weight by ± points.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mujun import store as st
from mujun.engine import score
from mujun.policy import KIND_NAMES, evaluate_levers, load_context
from mujun.profiles.models import Profile
from mujun.schema import item_col
from mujun.score import needs_previous_year
from mujun.whatif.compare import Comparison, class_step, compare
from mujun.whatif.patch import variant as make_variant


@dataclass(frozen=True)
class StoredYear:
    """A published evaluation year and everything it was scored from."""

    year: int
    run_id: int
    profile: Profile
    """The profile exactly as the published run was scored (from the store)."""
    batch_id: int
    facts: pl.DataFrame
    history_batch_id: int | None
    history: pl.DataFrame | None
    """Last year's facts: the batch the run was scored with, else the latest stored one."""
    results: pl.DataFrame
    """Published results (engine classes in ``class_label``; ``adjusted`` marks manual ones)."""
    items: pl.DataFrame
    """Published item scores: ``uscc`` and one ``<indicator>__item`` column per indicator."""


@dataclass(frozen=True)
class WhatIf:
    """A variant against the published year."""

    variant: pl.DataFrame
    comparison: Comparison
    budget: pl.DataFrame
    """Per lever rule: firms or projects with an amount and total 万元, published vs variant."""
    watch: pl.DataFrame
    """Per listing rule: firms listed, published vs variant, added and removed."""


def stored_year(store: st.Store, year: int) -> StoredYear:
    """Read a published year back.

    Raises:
        StoreError: the year is not published.
    """
    results = st.published_results(store, year)
    run = st.run_info(store, int(results.item(0, "run_id")))
    history_id = run["history_batch_id"]
    if history_id is None:  # scored without last year: use the year before's latest batch, if any
        previous = st.latest_facts(store, int(run["data_year"]) - 1)
        history_id = previous[0] if previous else None
    return StoredYear(
        year=year,
        run_id=int(run["run_id"]),
        profile=Profile.model_validate(json.loads(run["profile_json"])),
        batch_id=int(run["batch_id"]),
        facts=st.batch_facts(store, int(run["batch_id"])),
        history_batch_id=history_id,
        history=st.batch_facts(store, int(history_id)) if history_id is not None else None,
        results=results,
        items=store.frame(
            f"SELECT uscc, indicator, item FROM result_items WHERE run_id = {int(run['run_id'])}"
        )
        .pivot(on="indicator", index="uscc", values="item")
        .rename(lambda c: c if c == "uscc" else item_col(c, "item")),
    )


def whatif(
    store: st.Store,
    stored: StoredYear,
    profile: Profile,
    *,
    tables: Mapping[str, Path | None] | None = None,
) -> WhatIf:
    """Score ``stored``'s facts under ``profile`` and compare with the published run.

    ``tables`` are the levers' optional inputs (``projects``, ``inputs``, ``averages``).
    """
    result = score(stored.facts, profile=profile, year=stored.year, history=stored.history)
    comparison = compare(
        stored.results,
        result,
        profile=profile,
        items_a=stored.items,
    )
    t = tables or {}
    projects, inputs, averages = t.get("projects"), t.get("inputs"), t.get("averages")
    if not (has_levers(stored.profile) or has_levers(profile)):
        nobody = load_context(
            store, year=stored.year, profile=profile, results=result.clear(),
            facts=stored.facts.clear(),
        )  # fmt: skip
        before = after = evaluate_levers(nobody)  # the budget's shape, no rows
    else:
        before, after = (
            evaluate_levers(
                load_context(
                    store,
                    year=stored.year,
                    profile=p,
                    results=r,
                    facts=stored.facts,
                    projects=projects,
                    inputs=inputs,
                    averages=averages,
                )
            )
            for p, r in ((stored.profile, stored.results), (profile, result))
        )
    return WhatIf(
        variant=result,
        comparison=comparison,
        budget=_budget_change(before.budget, after.budget),
        watch=_watch_change(before.rows, after.rows),
    )


def has_levers(profile: Profile) -> bool:
    """Whether the profile has any lever rule (subsidy, price, list, …)."""
    return any(getattr(profile.levers, name) for name in type(profile.levers).model_fields)


def _budget_change(a: pl.DataFrame, b: pl.DataFrame) -> pl.DataFrame:
    cols = ["rule_id", "rule", "kind"]
    return (
        a.select(*cols, pl.col("with_amount").alias("firms_a"), pl.col("total_wan").alias("wan_a"))
        .join(
            b.select(
                *cols, pl.col("with_amount").alias("firms_b"), pl.col("total_wan").alias("wan_b")
            ),
            on=cols,
            how="full",
            coalesce=True,
            maintain_order="left_right",
        )
        .with_columns(pl.col("firms_a", "firms_b", "wan_a", "wan_b").fill_null(0))
        .with_columns((pl.col("wan_b") - pl.col("wan_a")).alias("wan_change"))
        .filter(~pl.col("kind").is_in(["watch", "override"]))  # no amounts: see the migration
        .with_columns(pl.col("kind").replace(KIND_NAMES))
    )


def _watch_change(a: pl.DataFrame, b: pl.DataFrame) -> pl.DataFrame:
    def listed(rows: pl.DataFrame) -> pl.DataFrame:
        # a block list (低效工业区块) names a park, not a firm: its name is the key
        key = pl.coalesce("uscc", "name").alias("uscc")
        return rows.filter(pl.col("kind") == "watch").select("rule_id", "rule", key).unique()

    la, lb = listed(a), listed(b)
    rules = pl.concat([la, lb]).select("rule_id", "rule").unique(maintain_order=True)
    keys = ["rule_id", "uscc"]
    counts = [
        la.group_by("rule_id").agg(pl.len().alias("listed_a")),
        lb.group_by("rule_id").agg(pl.len().alias("listed_b")),
        lb.join(la, on=keys, how="anti").group_by("rule_id").agg(pl.len().alias("added")),
        la.join(lb, on=keys, how="anti").group_by("rule_id").agg(pl.len().alias("removed")),
    ]
    for frame in counts:
        rules = rules.join(frame, on="rule_id", how="left")
    return rules.with_columns(pl.col("listed_a", "listed_b", "added", "removed").fill_null(0))


def compare_methods(
    facts: pl.DataFrame,
    profiles: Sequence[Profile],
    *,
    year: int,
    history: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Score the same facts under each profile.

    Returns:
        ``classes`` (firm × profile class labels), ``agreement`` (per pair of profiles: firms
        graded by both, share in the same class) and ``migration`` (per pair: class under the
        first, class under the second, firms).
    """
    names = [p.meta.name for p in profiles]
    classes = None
    for profile, name in zip(profiles, names, strict=True):
        result = score(facts, profile=profile, year=year,
                       history=history if needs_previous_year(profile) else None)  # fmt: skip
        one = result.select("uscc", pl.col("class_label").cast(pl.String).alias(name))
        classes = (
            one if classes is None else classes.join(one, on="uscc", how="full", coalesce=True)
        )
    assert classes is not None
    graded = {n: set(p.classification.labels) for n, p in zip(names, profiles, strict=True)}
    agreement, migration = [], []
    for x, y in itertools.combinations(names, 2):
        pair = classes.select(pl.col(x).alias("class_a"), pl.col(y).alias("class_b"))
        both = pair.filter(pl.col("class_a").is_in(graded[x]) & pl.col("class_b").is_in(graded[y]))
        agreement.append({
            "profile_a": x, "profile_b": y, "graded_both": both.height,
            "same_class": both.filter(pl.col("class_a") == pl.col("class_b")).height,
        })  # fmt: skip
        migration.append(
            pair.group_by("class_a", "class_b").agg(pl.len().alias("firms"))
            .select(pl.lit(x).alias("profile_a"), pl.lit(y).alias("profile_b"), pl.all())
            .sort("class_a", "class_b", nulls_last=True)
        )  # fmt: skip
    schema = {"profile_a": pl.String, "profile_b": pl.String,
              "graded_both": pl.Int64, "same_class": pl.Int64}  # fmt: skip
    agree = pl.DataFrame(agreement, schema=schema)
    agree = agree.with_columns((pl.col("same_class") / pl.col("graded_both")).alias("share_same"))
    return classes, agree, pl.concat(migration) if migration else pl.DataFrame()


def sensitivity(
    facts: pl.DataFrame,
    profile: Profile,
    *,
    year: int,
    points: float = 5.0,
    history: pl.DataFrame | None = None,
    cohorts: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Firms whose class changes when one weight moves by ``+points`` or ``-points``.

    Each positive weight of each cohort is moved alone (not below 0), the others unchanged.
    Changes are counted over all firms (a cohort ranked with others moves them too).
    ``cohorts`` limits the weights shifted to those cohorts (default: all).

    Returns:
        cohort, indicator, weight, shift, changed, up, down, and the firms graded in the cohort.
    """
    history = history if needs_previous_year(profile) else None
    base = score(facts, profile=profile, year=year, history=history).select(
        "uscc",
        pl.col("cohort").cast(pl.String),
        class_step(profile, pl.col("class_label")).alias("a"),
    )
    rows = []
    for cid, cohort in profile.cohorts.items():
        if cohorts is not None and cid not in cohorts:
            continue
        graded = base.filter((pl.col("cohort") == cid) & pl.col("a").is_not_null()).height
        for indicator, weight in cohort.weights.items():
            if weight <= 0:
                continue
            for shift in (points, -points):
                changed = make_variant(
                    profile, [f"weights.{cid}.{indicator}={max(weight + shift, 0.0)}"]
                )
                out = score(facts, profile=changed, year=year, history=history).select(
                    "uscc", class_step(changed, pl.col("class_label")).alias("b")
                )
                step = base.join(out, on="uscc").select(
                    (pl.col("b") - pl.col("a")).alias("d"),
                    pl.col("a").ne_missing(pl.col("b")).alias("moved"),
                )
                rows.append({
                    "cohort": cid, "indicator": indicator, "weight": weight, "shift": shift,
                    "changed": int(step["moved"].sum()),
                    "up": int((step["d"] < 0).sum()), "down": int((step["d"] > 0).sum()),
                    "graded": graded,
                })  # fmt: skip
    return pl.DataFrame(rows, schema={"cohort": pl.String, "indicator": pl.String,
                                      "weight": pl.Float64, "shift": pl.Float64,
                                      "changed": pl.Int64, "up": pl.Int64, "down": pl.Int64,
                                      "graded": pl.Int64})  # fmt: skip
