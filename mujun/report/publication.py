"""What officials publish for a year, built from the stored, published run.

The 公示 list, township sheets, a summary, indicator details and the import problems.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import polars as pl

from mujun import store as st
from mujun.errors import StoreError
from mujun.profiles.models import Profile


@dataclass(frozen=True)
class YearView:
    """A published year as stored: results after adjustments, items, facts and problems."""

    year: int
    run_id: int
    profile: Profile
    results: pl.DataFrame
    """One row per firm; ``class_label`` is the class after manual adjustments."""
    items: pl.DataFrame
    """Long: uscc, indicator, value, benchmark, item, status."""
    facts: pl.DataFrame
    problems: pl.DataFrame
    previous: pl.DataFrame | None
    """Last year's 认定 results (same shape), if any."""
    state: str = "final"
    """The run's state as read: draft (内部审核稿), notice (公示稿, as posted), final (认定稿)
    or superseded (`mujun.store.STATE_LABELS`)."""
    notice: st.Notice | None = None
    """The year's 公示 (dates, where to object, issuer), if it was posted."""

    @property
    def state_label(self) -> str:
        """内部审核稿 / 公示稿 / 认定稿 / 已取代."""
        return st.STATE_LABELS[self.state]

    @property
    def names(self) -> dict[str, str]:
        """Class label → Chinese name (the run's own profile)."""
        return self.profile.class_names()


def load_year(
    store: st.Store, year: int, /, *, run: int | None = None, state: str | None = None
) -> YearView:
    """Read a year's run with the exact profile it was scored with.

    Default: the 认定 run, else the run on 公示 (as posted: adjustments made during the notice
    show in the 认定稿, not in the posted list); ``state="draft"``: the newest draft;
    ``state="notice"`` / ``"final"``: that state; ``run``: that run.

    Raises:
        StoreError: nothing matches (the message lists the year's runs and what to do).
    """
    chosen = st.select_run(store, year, run=run, state=state)
    run_id = chosen.run_id
    info = st.run_info(store, run_id)
    profile = Profile.model_validate(json.loads(info["profile_json"]))
    results = _ranked_gap_only(_final(st.selected_results(store, chosen)), profile)
    items = store.frame(f"SELECT * EXCLUDE (run_id) FROM result_items WHERE run_id = {run_id}")
    facts = store.frame(
        f"SELECT * EXCLUDE (batch_id) FROM facts WHERE batch_id = {int(info['batch_id'] or -1)}"
    )
    try:
        previous = _final(st.published_results(store, year - 1))
    except StoreError:
        previous = None
    return YearView(
        year,
        run_id,
        profile,
        results,
        items,
        facts,
        st.batch_problems(store, info["batch_id"]),
        previous,
        state=chosen.state,
        notice=chosen.notice,
    )


def _final(results: pl.DataFrame) -> pl.DataFrame:
    """One truth per firm: class, its name, the class above and the gap follow the final class.

    The engine's class stays as ``class_engine``; an adjusted firm has no score gap (its class
    was decided, not ranked) and its 说明 says what changed and why.
    """
    adjusted = pl.col("adjusted").fill_null(False)
    why = pl.format(
        "人工调档 {}→{}：{}",
        pl.col("adjusted_from"),
        pl.col("final_class"),
        pl.col("adjustment_reason"),
    )
    objection = pl.format("（异议第{}号）", pl.col("objection_id"))
    return results.select(
        pl.exclude(
            "class_label", "final_class", "class_name", "final_class_name", "next_class",
            "final_next_class", "gap_to_next", "final_gap_to_next", "adjustment_reason",
        ),
        pl.col("class_label").alias("class_engine"),
        pl.col("final_class").alias("class_label"),
        pl.col("final_class_name").alias("class_name"),
        pl.col("final_next_class").alias("next_class"),
        pl.col("final_gap_to_next").alias("gap_to_next"),
        pl.when(adjusted)
        .then(pl.concat_str([why, objection], ignore_nulls=True))
        .alias("adjustment_reason"),
    )  # fmt: skip


def _ranked_gap_only(results: pl.DataFrame, profile: Profile) -> pl.DataFrame:
    """The score gap belongs to the class the ranking gave, and to no other.

    A firm whose class a rule set (an override, a veto) has no gap either; the class above its
    own is still named.
    """
    labels = profile.classification.labels
    above = {labels[i]: labels[i - 1] for i in range(1, len(labels))}
    by_rule = pl.col("class_computed").is_not_null() & (
        pl.col("class_label") != pl.col("class_computed")
    )
    return results.with_columns(
        pl.when(by_rule)
        .then(pl.col("class_label").replace_strict(above, default=None, return_dtype=pl.String))
        .otherwise(pl.col("next_class"))
        .alias("next_class"),
        pl.when(~by_rule).then(pl.col("gap_to_next")).alias("gap_to_next"),
    )


# ---- sheets ---- #
LIST_HEADERS = {
    "seq": "序号",
    "uscc": "统一社会信用代码",
    "name": "企业名称",
    "township": "乡镇（街道）",
    "cohort_label": "评价类别",
    "total_score": "综合得分（分）",
    "rank": "排名",
    "pool_size": "参与排名企业数（家）",
    "class_label": "等级",
    "class_name": "等级名称",
    "note": "说明",
}


def class_list(view: YearView, /, *, township: str | None = None) -> pl.DataFrame:
    """The 公示 list: best class first, then by pool and rank; numbered."""
    order = {label: i for i, label in enumerate(view.names)}
    note = pl.concat_str(
        [pl.col("special_reason"), pl.col("override_reason"), pl.col("adjustment_reason")],
        separator="；",
        ignore_nulls=True,
    )
    frame = view.results
    if township is not None:
        frame = frame.filter(pl.col("township") == township)
    return (
        frame.with_columns(
            pl.col("class_label").replace_strict(view.names, default=None).alias("class_name"),
            pl.when(note != "").then(note).alias("note"),
            pl.col("class_label").replace_strict(order, default=len(order)).alias("_o"),
            pl.col("total_score").round(2),
        )
        .sort("_o", "pool", "rank", "uscc", nulls_last=True)
        .with_row_index("seq", offset=1)
        .select(list(LIST_HEADERS))
    )


def _per_mu(amount: str) -> pl.Expr:
    """Aggregate per mu over firms with the amount known and positive land; null if none."""
    known = pl.col(amount).is_not_null() & (pl.col("land_mu") > 0)
    land = pl.col("land_mu").filter(known).sum()
    return pl.when(land > 0).then(pl.col(amount).filter(known).sum() / land)


def summary(view: YearView, /) -> pl.DataFrame:
    """Per township and in total, for evaluated firms.

    Firms per class with shares, aggregate tax and VA per mu, and the change in the best and
    worst classes since last year.
    """
    labels = list(view.profile.classification.labels)
    joined = view.results.filter(pl.col("eval_status") != "not_evaluated").join(
        view.facts.select("uscc", "tax_wan", "value_added_wan"), on="uscc", how="left"
    )

    def counts(frame: pl.DataFrame, key: pl.Expr) -> pl.DataFrame:
        return frame.group_by(key.alias("乡镇（街道）")).agg(
            pl.len().cast(pl.Int64).alias("参评企业数（家）"),
            *(
                (pl.col("class_label") == c).sum().cast(pl.Int64).alias(f"{c}类（家）")
                for c in labels
            ),
            _per_mu("tax_wan").alias("亩均税收（万元/亩）"),
            _per_mu("value_added_wan").alias("亩均增加值（万元/亩）"),
        )

    township = pl.col("township").fill_null("（未填）")
    now = pl.concat([counts(joined, township).sort("乡镇（街道）"), counts(joined, pl.lit("合计"))])
    now = now.with_columns(
        (pl.col(f"{c}类（家）") / pl.col("参评企业数（家）")).alias(f"{c}类占比（%）")
        for c in labels
    )
    if view.previous is not None:
        before = view.previous.filter(pl.col("eval_status") != "not_evaluated")
        last = pl.concat(
            [
                before.group_by(township.alias("乡镇（街道）")).agg(
                    *(
                        (pl.col("class_label") == c).sum().cast(pl.Int64).alias(f"_{c}")
                        for c in (labels[0], labels[-1])
                    )
                ),
                before.select(
                    pl.lit("合计").alias("乡镇（街道）"),
                    *(
                        (pl.col("class_label") == c).sum().cast(pl.Int64).alias(f"_{c}")
                        for c in (labels[0], labels[-1])
                    ),
                ),
            ],
            how="vertical_relaxed",
        )
        now = (
            now.join(last, on="乡镇（街道）", how="left")
            .with_columns(
                (pl.col(f"{c}类（家）") - pl.col(f"_{c}")).alias(f"{c}类比上年增减（家）")
                for c in (labels[0], labels[-1])
            )
            .drop(f"_{labels[0]}", f"_{labels[-1]}")
        )
    return now


def details(view: YearView, /) -> pl.DataFrame:
    """Each firm's indicator values, benchmarks and item scores, headed with names and units."""
    wide = view.results.select(
        "uscc", "name", "township", "cohort_label", "total_score", "class_label"
    )
    for ind in view.profile.used_indicators():
        spec = view.profile.indicators[ind]
        part = view.items.filter(pl.col("indicator") == ind).select(
            "uscc",
            pl.col("value").alias(f"{spec.label}（{spec.unit}）"),
            pl.col("benchmark").alias(f"{spec.label}基准值（{spec.unit}）"),
            pl.col("item").alias(f"{spec.label}得分（分）"),
        )
        wide = wide.join(part, on="uscc", how="left")
    return wide.rename(
        {
            "uscc": "统一社会信用代码",
            "name": "企业名称",
            "township": "乡镇（街道）",
            "cohort_label": "评价类别",
            "total_score": "综合得分（分）",
            "class_label": "等级",
        }
    )
