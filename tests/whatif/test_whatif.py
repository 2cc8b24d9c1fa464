"""What-if, method comparison, sensitivity and reproducible manifests (issue 9)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from mujun import ProfileError, load_profile, score
from mujun import store as st
from mujun.cli import app
from mujun.testing import build_profile, facts, make_facts
from mujun.whatif import (
    compare,
    compare_methods,
    execute,
    request,
    rerun,
    stored_year,
    variant,
    whatif,
)
from mujun.whatif.manifest import profile_entry

runner = CliRunner()
GRADED = ["A", "B", "C", "D"]


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with 2024 published under the Zhejiang baseline (and 2023 under it too)."""
    tmp = tmp_path_factory.mktemp("county")
    db = tmp / "county.duckdb"
    first = make_facts(400, seed=3, year=2022, counties=2)
    second = first.with_columns(pl.lit(2023).alias("year"), pl.col("tax_wan") * 1.1)
    for frame in (first, second):
        path = tmp / f"facts_{frame.item(0, 'year')}.parquet"
        frame.write_parquet(path)
        year = str(frame.item(0, "year") + 1)
        for args in (
            ["run", "--year", year, "--profile", "zhejiang_baseline", "--facts", str(path)],
            ["publish", "--year", year],
        ):
            done = runner.invoke(app, [*args, "--db", str(db)])
            assert done.exit_code == 0, done.output
    return db


def test_a_patch_that_changes_nothing_moves_nobody(county: Path) -> None:
    with st.Store.open(county, read_only=True) as store:
        year = stored_year(store, 2024)
        same = variant(
            year.profile,
            [f"weights.above.tax_per_mu={year.profile.cohorts['above'].weights['tax_per_mu']}"],
        )
        w = whatif(store, year, same)
    summary = w.comparison.summary.row(0, named=True)
    assert (summary["firms"], summary["changed"], summary["up"], summary["down"]) == (400, 0, 0, 0)
    assert summary["rank_correlation"] == pytest.approx(1.0)
    assert w.comparison.movers.is_empty()
    matrix = w.comparison.matrix
    labels = matrix.columns[1:]
    for row in matrix.iter_rows(named=True):  # everything on the diagonal
        assert all(row[c] == 0 for c in labels if c != row[matrix.columns[0]])


def test_migration_sums_to_each_pool(county: Path) -> None:
    with st.Store.open(county, read_only=True) as store:
        year = stored_year(store, 2024)
        w = whatif(
            store, year, variant(year.profile, ["weights.above.tax_per_mu=45", "scoring.cap=1.5"])
        )
    assert w.comparison.summary.item(0, "changed") > 0
    graded = w.comparison.migration.filter(pl.col("class_b").is_in(GRADED))
    per_pool = graded.group_by("county", "cohort").agg(pl.col("firms").sum())
    sizes = (
        w.variant.filter(pl.col("pool_size").is_not_null())
        .group_by("county", pl.col("cohort_label").cast(pl.String).alias("cohort"))
        .agg(pl.col("pool_size").first(), pl.len().alias("in_pool"))
    )
    joined = per_pool.join(sizes, on=["county", "cohort"], how="full", coalesce=True)
    assert joined.height == 4  # two counties × two cohorts
    assert (joined["firms"] == joined["pool_size"]).all()
    assert w.comparison.matrix.drop(w.comparison.matrix.columns[0]).sum_horizontal().sum() == 400
    movers = w.comparison.movers
    assert movers.height == w.comparison.summary.item(0, "changed")
    assert movers["explanation"].str.contains("分|名次").all()


def test_swapping_two_weights_on_symmetric_data_is_symmetric() -> None:
    rng = np.random.default_rng(7)
    x, y = rng.lognormal(3, 1, 100), rng.lognormal(3, 1, 100)
    tax = np.column_stack([x, y]).ravel()  # firm 2k: (x, y); firm 2k+1: (y, x)
    va = np.column_stack([y, x]).ravel()
    data = facts(200, tax_wan=tax.tolist(), value_added_wan=va.tolist())
    base_profile = build_profile(
        {"cohorts": {"all": {"weights": {"tax_per_mu": 70, "va_per_mu": 30}}}}
    )
    swapped = variant(base_profile, ["weights.all.tax_per_mu=30", "weights.all.va_per_mu=70"])
    a = score(data, profile=base_profile, year=2024)
    b = score(data, profile=swapped, year=2024)
    mirror = np.arange(200) ^ 1
    assert b["class_label"].to_list() == a["class_label"].gather(mirror).to_list()
    result = compare(a, b, profile=swapped)
    counts = {
        (r["class_a"], r["class_b"]): r["firms"] for r in result.migration.iter_rows(named=True)
    }
    assert all(counts.get((q, p), 0) == n for (p, q), n in counts.items())
    assert result.summary.item(0, "up") == result.summary.item(0, "down") > 0


def test_manifest_rerun_is_byte_identical(county: Path, tmp_path: Path) -> None:
    done = runner.invoke(app, [
        "whatif", "--year", "2024", "--profile", "zhejiang_baseline", "--set",
        "weights.above.tax_per_mu=40", "--set", "scoring.cap=1.5", "--db", str(county),
        "--out", str(tmp_path / "first"),
    ])  # fmt: skip
    assert done.exit_code == 0, done.output
    manifest = json.loads((tmp_path / "first" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["profiles"][0]["sets"] == ["weights.above.tax_per_mu=40", "scoring.cap=1.5"]
    assert set(manifest["versions"]) == {"mujun", "polars", "duckdb", "python"}
    assert set(manifest["outputs"]) == {"results_2024.parquet", "whatif_2024.xlsx"}
    again = runner.invoke(app, ["rerun", str(tmp_path / "first" / "manifest.json"),
                                "--out", str(tmp_path / "second")])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "逐字节相同" in again.output
    for name in manifest["outputs"]:
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()


def test_rerun_refuses_changed_facts(county: Path, tmp_path: Path) -> None:
    profile = load_profile("zhejiang_baseline")
    entry = profile_entry(profile, source="zhejiang_baseline", sets=[], patch=None)
    with st.Store.open(county, read_only=True) as store:
        req = request(store, stored_year(store, 2024), command="whatif", profiles=[entry])
        execute(store, req, tmp_path / "one")
        with pytest.raises(Exception, match="one 已存在"):
            execute(store, req, tmp_path / "one")
        broken = {**req, "facts_fingerprint": "0" * 64}
        with pytest.raises(Exception, match="指纹不同"):
            execute(store, broken, tmp_path / "two")
        (tmp_path / "bad.json").write_text("{", encoding="utf-8")
        with pytest.raises(Exception, match=r"无法读取测算清单 .*bad\.json"):
            rerun(store, tmp_path / "bad.json", tmp_path / "three")
    assert not (tmp_path / "two").exists()


def test_compare_methods_and_sensitivity_commands(county: Path, tmp_path: Path) -> None:
    done = runner.invoke(app, [
        "compare-methods", "--year", "2024", "--profiles", "zhejiang_baseline,tiantai,jingde_2022",
        "--db", str(county), "--out", str(tmp_path / "methods"),
    ])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "一致率" in done.output
    classes = pl.read_parquet(tmp_path / "methods" / "classes_2024.parquet")
    assert classes.columns == ["uscc", "zhejiang_baseline", "tiantai", "jingde_2022"]
    assert classes.height == 400
    done = runner.invoke(app, ["sensitivity", "--year", "2024", "--profile", "zhejiang_baseline",
                               "--db", str(county), "--out", str(tmp_path / "sens")])  # fmt: skip
    assert done.exit_code == 0, done.output
    table = pl.read_parquet(tmp_path / "sens" / "sensitivity_2024.parquet")
    positive = sum(
        w > 0
        for c in load_profile("zhejiang_baseline").cohorts.values()
        for w in c.weights.values()
    )
    assert table.height == 2 * positive
    assert (table["changed"] >= table["up"] + table["down"]).all()
    assert table["changed"].sum() > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "scoring.capp=1.5"], "该处现有的键：cap"),
        (["--set", "weights.above.tax_per_mu=-5"], "greater than or equal to 0"),
        (["--set", "scoring.cap"], "应写成 key.path=value"),
        (["--set", "weights.nobody.tax_per_mu=5"], "方案中没有 cohorts.nobody"),
        (["--year", "2019"], "没有认定稿"),
    ],
)
def test_bad_variants_give_one_error(
    county: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    base = ["whatif", "--year", "2024", "--profile", "zhejiang_baseline", "--db", str(county),
            "--out", str(tmp_path / "x")]  # fmt: skip
    if args[0] == "--year":
        base[2] = args[1]
        args = []
    done = runner.invoke(app, [*base, *args])
    assert done.exit_code != 0
    text = str(done.exception) if done.exception else done.output
    assert message in text
    assert not (tmp_path / "x").exists()


def test_patch_file(tmp_path: Path) -> None:
    patch = tmp_path / "patch.toml"
    patch.write_text("[scoring]\ncap = 1.5\n[cohorts.above.weights]\ntax_per_mu = 40\n", "utf-8")
    profile = variant(load_profile("zhejiang_baseline"), ["scoring.cap=2"], patch)
    assert profile.scoring.cap == 2.0  # --set after the patch
    assert profile.cohorts["above"].weights["tax_per_mu"] == 40.0
    patch.write_text("[scoring\n", "utf-8")
    with pytest.raises(ProfileError, match="无法读取补丁文件"):
        variant(load_profile("zhejiang_baseline"), [], patch)


def test_levers_of_a_method_change(county: Path) -> None:
    """Published under the Zhejiang baseline (no levers); Tiantai's levers appear on the variant."""
    tiantai = load_profile("tiantai")
    with st.Store.open(county, read_only=True) as store:
        w = whatif(store, stored_year(store, 2024), tiantai)
    configured = {r.id for r in tiantai.levers.low_tax}
    assert configured <= set(w.watch["rule_id"])
    assert (w.watch["listed_a"] == 0).all()
    assert (w.watch["added"] == w.watch["listed_b"]).all()
    assert (w.watch["removed"] == 0).all()
    assert not w.budget.is_empty()
    assert (w.budget["firms_a"] == 0).all()
    assert set(w.budget["kind"]) <= {"补助", "差别化价格", "减免", "资格", "项目准入"}
    assert (w.budget["wan_change"] == w.budget["wan_b"] - w.budget["wan_a"]).all()


def test_last_year_stored_after_the_run_serves_previous_year_methods(tmp_path: Path) -> None:
    """A run scored before last year's facts were stored: Huai'an still gets them."""
    profile = load_profile("zhejiang_baseline")
    current = make_facts(200, seed=8, year=2023)
    with st.Store.open(tmp_path / "c.duckdb") as store:
        batch = st.save_facts(store, current, sources=[{"file": "t"}])
        run = st.save_run(store, score(current, profile=profile, year=2024), profile=profile,
                          evaluation_year=2024, input_fingerprint="t", batch_id=batch)  # fmt: skip
        st.publish(store, year=2024, run_id=run)
        st.save_facts(
            store, current.with_columns(pl.lit(2022).alias("year")), sources=[{"file": "t"}]
        )
        year = stored_year(store, 2024)
        assert year.history is not None
        assert year.history["year"].unique().to_list() == [2022]
        classes, agreement, _ = compare_methods(
            year.facts, [profile, load_profile("huaian_2024")], year=2024, history=year.history
        )
    assert classes.height == 200
    assert agreement.item(0, "graded_both") > 0
