from __future__ import annotations

import random
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from reference import reference_score

from mujun.engine import score
from mujun.errors import DataError
from mujun.profiles import load_profile
from mujun.testing import build_profile, facts, make_facts, non_finite_cells

BASELINE = load_profile("zhejiang_baseline")
FIXED = load_profile("huangyan_2022")
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _messy(n: int, seed: int) -> pl.DataFrame:
    """Sample facts with the awkward cases mixed in: bad land, zero emissions, incidents."""
    rng = random.Random(seed)
    frame = make_facts(n, seed=seed, year=2023, missing_share=0.1, counties=2)
    return frame.with_columns(
        pl.Series(
            "land_mu",
            [
                rng.choice([None, 0.0, -1.0, 2.9, 3.0]) if rng.random() < 0.1 else v
                for v in frame.get_column("land_mu")
            ],
            dtype=pl.Float64,
        ),
        pl.Series("env_incident", [rng.random() < 0.05 for _ in range(n)]),
        pl.Series(
            "emission_status",
            [rng.choice([None, None, "zero_verified", "not_applicable"]) for _ in range(n)],
            dtype=pl.String,
        ),
    )


# ---- bad input ---- #
def test_missing_required_columns_listed_at_once() -> None:
    frame = pl.DataFrame({"uscc": ["x"], "name": ["y"]})
    with pytest.raises(DataError) as info:
        score(frame, profile=BASELINE, year=2024)
    message = str(info.value)
    for col in ("year", "above_scale", "land_mu", "tax_wan"):
        assert col in message
    assert "缺少 4 个必需的列" in message.splitlines()[0]
    assert "\n提示：" in message


def test_duplicate_firm_is_refused() -> None:
    frame = pl.concat([facts(2), facts(1)])
    with pytest.raises(DataError, match="有 1 行重复的企业"):
        score(frame, profile=BASELINE, year=2024)


def test_wrong_year_is_refused_with_hint() -> None:
    with pytest.raises(DataError, match="数据年度 2030（评价年度 2031）没有事实数据"):
        score(facts(3), profile=BASELINE, year=2031)


def test_result_has_every_explanation_column() -> None:
    out = score(make_facts(50, seed=1), profile=BASELINE, year=2024)
    for col in (
        "cohort",
        "eval_status",
        "special_reason",
        "tax_per_mu__value",
        "tax_per_mu__benchmark",
        "tax_per_mu__item",
        "bonus",
        "penalty",
        "total_score",
        "rank",
        "rank_pct",
        "class_label",
        "class_name",
        "override_reason",
        "gap_to_next",
    ):
        assert col in out.columns
    assert out.height == 50
    assert non_finite_cells(out) == 0


# ---- properties ---- #
@PROPERTY
@given(n=st.integers(1, 80), seed=st.integers(0, 10_000))
def test_row_order_does_not_matter(n: int, seed: int) -> None:
    frame = _messy(n, seed)
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
    a = score(frame, profile=BASELINE, year=2024).sort("uscc")
    b = score(shuffled, profile=BASELINE, year=2024).sort("uscc")
    assert_frame_equal(a, b, check_exact=False, rel_tol=1e-12)


@PROPERTY
@given(n=st.integers(1, 60), seed=st.integers(0, 10_000))
def test_eager_equals_lazy(n: int, seed: int) -> None:
    frame = _messy(n, seed)
    eager = score(frame, profile=BASELINE, year=2024)
    lazy = score(frame.lazy(), profile=BASELINE, year=2024)
    assert isinstance(lazy, pl.LazyFrame)
    assert_frame_equal(eager, lazy.collect())


@PROPERTY
@given(n=st.integers(1, 80), seed=st.integers(0, 10_000))
def test_engine_equals_naive_reference(n: int, seed: int) -> None:
    frame = _messy(n, seed)
    out = score(frame, profile=BASELINE, year=2024)
    expected = reference_score(frame.to_dicts(), BASELINE, 2023)
    got = {r["uscc"]: (r["total_score"], r["class_label"]) for r in out.iter_rows(named=True)}
    assert got.keys() == expected.keys()
    for key, (total, label) in expected.items():
        assert got[key][1] == label, key
        if total is None:
            assert got[key][0] is None
        else:
            assert got[key][0] == pytest.approx(total, rel=1e-9, abs=1e-9)


LABEL_ORDER = {"A": 0, "B": 1, "C": 2, "D": 3}


@PROPERTY
@given(n=st.integers(2, 80), seed=st.integers(0, 10_000), pick=st.integers(0, 10**6),
       more=st.floats(0.01, 1e4))  # fmt: skip
def test_more_tax_never_worsens_a_firm(n: int, seed: int, pick: int, more: float) -> None:
    """Monotonicity: raising one firm's tax, all else equal, never lowers its total or class."""
    frame = _messy(n, seed)
    before = score(frame, profile=BASELINE, year=2024)
    ranked = before.filter(pl.col("eval_status") == "ranked")
    if ranked.is_empty():
        return
    firm = ranked.item(pick % ranked.height, "uscc")
    raised = frame.with_columns(
        pl.when(pl.col("uscc") == firm)
        .then(pl.col("tax_wan").fill_null(0) + more)
        .otherwise(pl.col("tax_wan"))
        .alias("tax_wan")
    )
    after = score(raised, profile=BASELINE, year=2024)
    old = before.filter(pl.col("uscc") == firm).row(0, named=True)
    new = after.filter(pl.col("uscc") == firm).row(0, named=True)
    assert new["total_score"] >= old["total_score"] - 1e-9
    if new["class_label"] in LABEL_ORDER and old["class_label"] in LABEL_ORDER:
        assert LABEL_ORDER[new["class_label"]] <= LABEL_ORDER[old["class_label"]], (old, new)


@PROPERTY
@given(
    n=st.integers(2, 60),
    seed=st.integers(0, 10_000),
    who=st.integers(0, 59),
    factor=st.floats(1.0, 20.0),
)
def test_more_tax_never_lowers_total_or_class(n: int, seed: int, who: int, factor: float) -> None:
    frame = _messy(n, seed)
    who %= n
    richer = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == who)
        .then(pl.col("tax_wan").abs() * factor + 1.0)
        .otherwise(pl.col("tax_wan"))
        .alias("tax_wan")
    )
    before = score(frame, profile=FIXED, year=2024).row(who, named=True)
    after = score(richer, profile=FIXED, year=2024).row(who, named=True)
    if before["total_score"] is None:
        return
    assert after["total_score"] >= before["total_score"] - 1e-9
    if before["class_label"] in LABEL_ORDER:
        assert LABEL_ORDER[after["class_label"]] <= LABEL_ORDER[before["class_label"]]


def _expected_counts(n: int, quotas: list[Fraction], rounding: str) -> list[int]:
    cum, running = [], Fraction(0)
    for share in quotas[:-1]:
        running += share
        exact = n * running
        cum.append(
            {
                "floor": exact.__floor__(),
                "ceil": exact.__ceil__(),
                "half_up": (exact + Fraction(1, 2)).__floor__(),
            }[rounding]
        )
    bounds = [0, *cum, n]
    return [bounds[i + 1] - bounds[i] for i in range(len(quotas))]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 400),
    rounding=st.sampled_from(["floor", "ceil", "half_up"]),
    split=st.lists(st.integers(1, 100), min_size=2, max_size=5),
)
def test_quota_counts_are_exact_for_any_pool_size(n: int, rounding: str, split: list[int]) -> None:
    total = sum(split)
    quotas = [Fraction(s, total) for s in split]
    quotas = [round(q, 6) for q in quotas[:-1]]
    quotas.append(1 - sum(quotas))
    labels = [chr(ord("A") + i) for i in range(len(quotas))]
    profile = build_profile(
        {
            "classification": {
                "classes": [{"label": lab, "name": lab} for lab in labels],
                "quotas": {lab: float(q) for lab, q in zip(labels, quotas, strict=True)},
                "rounding": rounding,
            }
        }
    )
    firms = facts(n, tax_wan=[float((i * 7919) % 1000) for i in range(n)], value_added_wan=1.0)
    out = score(firms, profile=profile, year=2024)
    counts = out.group_by("class_label").len()
    got = {r["class_label"]: r["len"] for r in counts.iter_rows(named=True)}
    expected = _expected_counts(n, [Fraction(q).limit_denominator(10**6) for q in quotas], rounding)
    assert [got.get(lab, 0) for lab in labels] == expected


# ---- the same invariants with many examples: pytest -m slow ---- #
MANY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@MANY
@given(n=st.integers(1, 300), seed=st.integers(0, 10**6))
def test_many_engine_equals_naive_reference(n: int, seed: int) -> None:
    test_engine_equals_naive_reference.hypothesis.inner_test(n, seed)  # type: ignore[attr-defined]


@pytest.mark.slow
@MANY
@given(n=st.integers(1, 300), seed=st.integers(0, 10**6))
def test_many_row_orders(n: int, seed: int) -> None:
    test_row_order_does_not_matter.hypothesis.inner_test(n, seed)  # type: ignore[attr-defined]


@pytest.mark.slow
@MANY
@given(n=st.integers(1, 300), seed=st.integers(0, 10**6))
def test_many_eager_equals_lazy(n: int, seed: int) -> None:
    test_eager_equals_lazy.hypothesis.inner_test(n, seed)  # type: ignore[attr-defined]


@pytest.mark.slow
@MANY
@given(n=st.integers(2, 300), seed=st.integers(0, 10**6), pick=st.integers(0, 10**6),
       more=st.floats(0.01, 1e5))  # fmt: skip
def test_many_monotonicity(n: int, seed: int, pick: int, more: float) -> None:
    test_more_tax_never_worsens_a_firm.hypothesis.inner_test(n, seed, pick, more)  # type: ignore[attr-defined]


@pytest.mark.slow
@settings(max_examples=1000, deadline=None)
@given(
    n=st.integers(1, 5000),
    rounding=st.sampled_from(["floor", "ceil", "half_up"]),
    split=st.lists(st.integers(1, 100), min_size=2, max_size=6),
)
def test_many_quota_counts(n: int, rounding: str, split: list[int]) -> None:
    test_quota_counts_are_exact_for_any_pool_size.hypothesis.inner_test(n, rounding, split)  # type: ignore[attr-defined]


# ---- the duplicate check counts hashes first, strings only on a collision ---- #
def _colliding_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every USCC hashes to the same value: the check must fall back to the strings."""
    monkeypatch.setattr(pl.Expr, "hash", lambda self, *_, **__: self.is_null().cast(pl.UInt64))


def test_hash_collision_alone_is_not_a_duplicate(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = make_facts(40, seed=3)
    expected = score(frame, profile=BASELINE, year=2024)
    _colliding_hash(monkeypatch)
    assert_frame_equal(score(frame, profile=BASELINE, year=2024), expected)


def test_duplicates_counted_exactly_when_hashes_collide(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = make_facts(30, seed=4)
    twice = pl.concat([frame, frame.head(3), frame.head(1)])
    _colliding_hash(monkeypatch)
    with pytest.raises(DataError, match="有 4 行重复的企业"):
        score(twice, profile=BASELINE, year=2024)


def test_duplicates_counted_exactly() -> None:
    frame = make_facts(30, seed=4)
    twice = pl.concat([frame, frame.head(3), frame.head(1)])
    with pytest.raises(DataError, match="有 4 行重复的企业") as info:
        score(twice, profile=BASELINE, year=2024)
    assert frame["uscc"][0] in str(info.value)


@pytest.mark.parametrize("rules", [1, 2, 3, 4])
def test_joined_text_names_every_combination_of_rules(rules: int) -> None:
    """Three rules or fewer come from a when-chain, more from a lookup: the same texts."""
    import itertools  # noqa: PLC0415

    from mujun._exprs import joined_text  # noqa: PLC0415

    texts = [f"规则{i}" for i in range(rules)]
    combos = list(itertools.product([False, True, None], repeat=rules))
    frame = pl.DataFrame({f"f{i}": [c[i] for c in combos] for i in range(rules)})
    out = frame.select(
        joined_text(texts, [pl.col(f"f{i}").fill_null(value=False) for i in range(rules)])
    ).to_series()
    expected = ["；".join(t for t, f in zip(texts, c, strict=True) if f) or None for c in combos]
    assert out.cast(pl.String).to_list() == expected
    assert isinstance(out.dtype, pl.Enum)


@settings(max_examples=50, deadline=None)
@given(
    codes=st.lists(
        st.one_of(
            st.none(),
            st.sampled_from(["C3311", "3311", "33", " c13", "13-43", "", "X", "C", "441", "C 33"]),
            st.text(alphabet="C0123456789 ", max_size=6),
        ),
        max_size=60,
    )
)
def test_on_distinct_equals_the_function_on_every_row(codes: list[str | None]) -> None:
    """A function computed once per distinct code gives each row its own code's result."""
    from mujun._exprs import on_distinct  # noqa: PLC0415

    def division(code: pl.Expr) -> pl.Expr:
        return code.str.extract(r"^\s*[A-Za-z]?(\d{2})", 1)

    frame = pl.DataFrame({"code": codes}, schema={"code": pl.String})
    got = frame.select(on_distinct(pl.col("code"), division)).to_series()
    want = frame.select(division(pl.col("code"))).to_series()
    assert got.to_list() == want.to_list()
    assert got.dtype == pl.String
