"""Fuzzed profiles and command lines: one clear error, never a traceback (issue 8).

Profiles: one value of a shipped profile's resolved table is deleted, replaced by a hostile
value or joined by an unknown key; the result either validates (and then scores a small county
or raises a `MujunError`) or is refused with a `ProfileError`. Text files: arbitrary text as a
profile file. Command lines: a command with arguments drawn from valid and hostile values, run
through `mujun.cli.main` exactly as a user would; the exit is 0, 1 (our one ``错误：`` block)
or 2 (a usage error), and nothing is "unexpected" or a traceback.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mujun import MujunError, ProfileError, score
from mujun.cli import app, main
from mujun.profiles import load_profile
from mujun.profiles.loader import validate_profile
from mujun.testing import make_facts

BASE = load_profile("tiantai").model_dump(mode="json")
FACTS = make_facts(60, seed=3, counties=2)
HOSTILE: list[Any] = [
    None, -1, 0, 1e308, -1e308, float("nan"), float("inf"), "", "x", "=cmd|' /C calc'!A0",
    "A", [], [None], {}, {"x": 1}, True, 10**30, "亩" * 500, ["county", "county"], [1, 2, 3],
]  # fmt: skip
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
MANY = settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


PATHS = _paths(BASE)


def _mutate(path: tuple[Any, ...], action: str, value: Any) -> dict[str, Any]:
    table = copy.deepcopy(BASE)
    parent = table
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "unknown" and isinstance(parent, dict):
        parent[f"{last}_typo"] = value
    else:
        parent[last] = value
    return table


def check_profile(index: int, action: str, value: Any) -> None:
    table = _mutate(PATHS[index % len(PATHS)], action, value)
    try:
        profile = validate_profile(table, source="fuzzed")
    except ProfileError as exc:
        assert "fuzzed" in str(exc)  # noqa: PT017 - valid or refused, both fine
        return
    try:
        out = score(FACTS, profile=profile, year=2024)
    except MujunError:
        return
    assert out.height == FACTS.height


@FUZZ
@given(
    index=st.integers(0, 10**6),
    action=st.sampled_from(["delete", "replace", "unknown"]),
    value=st.sampled_from(HOSTILE),
)
def test_fuzzed_profiles(index: int, action: str, value: Any) -> None:
    check_profile(index, action, value)


@pytest.mark.slow
@MANY
@given(
    index=st.integers(0, 10**6),
    action=st.sampled_from(["delete", "replace", "unknown"]),
    value=st.sampled_from(HOSTILE),
)
def test_many_fuzzed_profiles(index: int, action: str, value: Any) -> None:
    check_profile(index, action, value)


@FUZZ
@given(text=st.text(max_size=300))
def test_arbitrary_text_as_a_profile_file(
    text: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("p") / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_profile(path)
    except ProfileError as exc:
        assert "fuzz.toml" in str(exc)  # noqa: PT017 - valid or refused, both fine


# ---- command lines ---- #
VALUES: dict[str, list[str]] = {
    "--year": ["2024", "2023", "1900", "abc", "", "-1", "99999999999"],
    "--profile": ["zhejiang_baseline", "tiantai", "nope", "/no/such.toml", ""],
    "--profiles": ["zhejiang_baseline,tiantai", "a,b", ",", "zhejiang_baseline"],
    "--facts": ["FACTS", "MISSING", "CORRUPT"],
    "--uscc": ["91331023000000000T", "x", ""],
    "--to": ["A", "Z", ""],
    "--reason": ["复核", ""],
    "--set": ["scoring.cap=1.5", "x", "weights.above.nope=1", "scoring.cap=-1", "=", "a.b.c=d"],
    "--out": ["OUT", "OUT/sub/x.parquet", "OUT/x.txt"],
    "--format": ["xlsx", "pdf", "csv"],
    "--points": ["5", "0", "-3", "x"],
    "--run": ["1", "999", "x"],
    "--from": ["2023", "x"],
    "--class": ["D", "Q"],
    "--min-years": ["2", "0", "-1"],
    "--stats": ["FACTS", "CORRUPT", "MISSING"],
}
COMMANDS = [
    ["score"], ["run"], ["publish"], ["adjust"], ["runs"], ["history"], ["compare"],
    ["streak"], ["aggregates"], ["levers"], ["targets"], ["export"], ["card"], ["whatif"],
    ["compare-methods"], ["sensitivity"], ["rerun", "MISSING"], ["import"], ["db", "info"],
    ["profiles", "show", "nope"], ["profiles", "validate", "CORRUPT"], ["snapshot", "import", "MISSING"],
]  # fmt: skip


def _place(value: str, tmp: Path) -> str:
    """Placeholders (FACTS, MISSING, CORRUPT, OUT/…) → paths in the test folder."""
    head, _, rest = value.partition("/")
    names = {"FACTS": "facts.parquet", "MISSING": "missing.xlsx", "CORRUPT": "corrupt.xlsx",
             "OUT": "out"}  # fmt: skip
    if head not in names:
        return value
    return str(tmp / names[head] / rest) if rest else str(tmp / names[head])


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with mock.patch.object(sys, "argv", ["mujun", *args]):
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    FACTS.write_parquet(tmp / "facts.parquet")
    (tmp / "corrupt.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    db = str(tmp / "fuzz.duckdb")
    for args in (["run", "--year", "2024", "--profile", "tiantai", "--facts", str(tmp / "facts.parquet")],
                 ["publish", "--year", "2024"]):  # fmt: skip
        done = CliRunner().invoke(app, [*args, "--db", db])
        assert done.exit_code == 0, done.output
    return tmp


def check_command(command: list[str], options: list[tuple[str, str]], county: Path,
                  capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(county)
    monkeypatch.setenv("MUJUN_DB", str(county / "fuzz.duckdb"))
    monkeypatch.setenv("MUJUN_DB_TIMEOUT", "1")
    args = [_place(a, county) for a in command]
    for option, value in options:
        args += [option, _place(value, county)]
    code, text = run_cli(args, capsys)
    assert code in (0, 1, 2), (args, code, text)
    assert "Traceback" not in text, (args, text)
    assert "unexpected" not in text, (args, text)
    if code == 1:
        assert "错误：" in text, (args, text)


OPTIONS = st.lists(
    st.sampled_from(sorted(VALUES)).flatmap(
        lambda o: st.tuples(st.just(o), st.sampled_from(VALUES[o]))
    ),
    max_size=5,
)


@FUZZ
@given(command=st.sampled_from(COMMANDS), options=OPTIONS)
def test_fuzzed_command_lines(command: list[str], options: list[tuple[str, str]], county: Path,
                              capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    check_command(command, options, county, capsys, monkeypatch)


@pytest.mark.slow
@MANY
@given(command=st.sampled_from(COMMANDS), options=OPTIONS)
def test_many_fuzzed_command_lines(command: list[str], options: list[tuple[str, str]], county: Path,
                                   capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    check_command(command, options, county, capsys, monkeypatch)
