from __future__ import annotations

from pathlib import Path

import pytest

from mujun.errors import ProfileError
from mujun.profiles import available_profiles, load_profile
from mujun.profiles.loader import merge_tables
from mujun.testing import build_profile

SHIPPED = sorted(available_profiles())


def test_every_required_profile_is_shipped() -> None:
    required = {
        "zhejiang_baseline",
        "lishui",
        "tiantai",
        "fenghua",
        "ruian",
        "shizuishan",
        "huaian_2024",
        "jingde_2022",
    }
    assert required <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_validates_and_documents_its_numbers(name: str) -> None:
    profile = load_profile(name)
    assert profile.meta.name == name
    assert profile.meta.sources, "every profile names its sources"
    text = available_profiles()[name].read_text(encoding="utf-8")
    assert "ASSUMPTION" in text or profile.meta.assumptions


def test_extends_merges_tables_and_replaces_values() -> None:
    tiantai = load_profile("tiantai")
    base = load_profile("zhejiang_baseline")
    assert tiantai.indicators == base.indicators
    assert tiantai.classification.classes[2].name == "调控帮扶类"
    assert tiantai.cohorts["above"].weights == base.cohorts["above"].weights
    assert tiantai.cohorts["below_ge3"].land_min_inclusive is False


def test_merge_tables_is_recursive_for_tables_only() -> None:
    merged = merge_tables({"a": {"x": 1, "y": [1, 2]}, "b": 1}, {"a": {"y": [3]}, "c": 2})
    assert merged == {"a": {"x": 1, "y": [3]}, "b": 1, "c": 2}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_invalid_profile_names_file_and_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "bad.toml",
        'extends = "zhejiang_baseline"\n'
        "[cohorts.above.weights]\ntax_per_mu = -5\n[scoring]\ncap = 0\nspeling = 1\n",
    )
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    message = str(info.value)
    assert str(path) in message
    assert "cohorts.above.weights.tax_per_mu" in message
    assert "scoring.cap" in message
    assert "scoring.speling：未知的键" in message
    assert len(message.splitlines()) < 25, "one screen"


def test_extends_cycle_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    b = _write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ProfileError, match="cycle"):
        load_profile(b)


def test_toml_syntax_error_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="不是有效的 TOML"):
        load_profile(_write(tmp_path, "x.toml", "[meta\n"))


def test_unknown_profile_lists_available() -> None:
    with pytest.raises(ProfileError, match="zhejiang_baseline"):
        load_profile("atlantis")


@pytest.mark.parametrize(
    ("patch", "fragment"),
    [
        ({"classification": {"quotas": {"A": 0.5, "B": 0.4, "C": 0.35, "D": 0.05}}}, "之和须为 1"),
        (
            {"classification": {"method": "threshold", "thresholds": {"A": 50, "B": 80, "C": 60}}},
            "从最好的等级到最差的等级依次降低",
        ),
        ({"cohorts": {"all": {"weights": {"nope": 5}}}}, "unknown indicators"),
        (
            {"indicators": {"x": {"label": "x", "numerator": "taxes", "unit": "u"}}},
            "未知的指标",
        ),
        ({"benchmark": {"method": "fixed"}}, "must be a positive number"),
        (
            {
                "overrides": [
                    {
                        "id": "o",
                        "reason": "r",
                        "when": [{"flag": "listed"}],
                        "kind": "set",
                        "to": "Z",
                    }
                ]
            },
            "not in",
        ),
        (
            {
                "special": [
                    {
                        "id": "s",
                        "reason": "r",
                        "when": [{"flag": "utility"}],
                        "outcome": "graded_as",
                        "label": "Q",
                        "name": "q",
                    }
                ]
            },
            "graded_as",
        ),
        (
            {
                "special": [
                    {
                        "id": "s",
                        "reason": "r",
                        "when": [{"flag": "utility", "measure": "tax_wan"}],
                        "outcome": "ungraded",
                        "label": "T",
                        "name": "t",
                    }
                ]
            },
            "须且只能给出其一",
        ),
        ({"scope": {"industry_in": ["43-13"]}}, "方向反了"),
        ({"classification": {"pool": ["province"]}}, "不能用于企业分组或排名"),
        ({"benchmark": {"group_by": ["colour"]}}, "不能用于企业分组或排名"),
    ],
)
def test_cross_field_rules(patch: dict[str, object], fragment: str) -> None:
    with pytest.raises(ProfileError, match=fragment):
        build_profile(patch)  # type: ignore[arg-type]


def test_profile_is_frozen_and_hash_is_stable() -> None:
    profile = load_profile("zhejiang_baseline")
    with pytest.raises(Exception, match="frozen"):
        profile.binding = False  # type: ignore[misc]
    assert profile.content_hash() == load_profile("zhejiang_baseline").content_hash()
    assert profile.content_hash() != load_profile("tiantai").content_hash()


def test_class_tables_are_replaced_whole() -> None:
    merged = merge_tables(
        {"classification": {"quotas": {"A": 0.2, "B": 0.8}, "rounding": "floor"}},
        {"classification": {"quotas": {"A": 1.0}}},
    )
    assert merged == {"classification": {"quotas": {"A": 1.0}, "rounding": "floor"}}
