from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from mujun.ingest import uscc
from mujun.testing import make_uscc, uscc_series


def _problems(codes: list[str]) -> list[str | None]:
    frame = pl.DataFrame({"c": codes}, schema={"c": pl.String})
    return frame.select(uscc.problem(uscc.normalise(pl.col("c")))).to_series().to_list()


def test_standard_worked_example() -> None:
    assert uscc.check_character("91350100M000100Y4") == "3"
    assert _problems(["91350100M000100Y43", "91350100M000100Y4Z"]) == [
        None,
        "统一社会信用代码含有不允许的字母 I/O/S/V/Z（常为 0/1 录入错误）",
    ]


def test_numbers_and_lengths_are_explained() -> None:
    got = _problems(["9.13501E+17", "913501", "", " 9135 0100M000100Y43 ", "91350100M000100Y4*"])
    assert "按文本导出" in (got[0] or "")
    assert got[1] == "统一社会信用代码应为18位"
    assert got[2] == "统一社会信用代码为空"
    assert got[3] is None
    assert got[4] == "统一社会信用代码含有非法字符"


def test_vectorized_series_matches_scalar_maker() -> None:
    assert uscc_series(50, offset=1234).to_list() == [make_uscc(i) for i in range(1234, 1284)]


@settings(max_examples=200)
@given(i=st.integers(0, 31**9 - 1), pos=st.integers(0, 17), sub=st.sampled_from(uscc.ALPHABET))
def test_valid_codes_pass_and_single_substitutions_fail(i: int, pos: int, sub: str) -> None:
    code = make_uscc(i)
    assert _problems([code]) == [None]
    mutated = code[:pos] + sub + code[pos + 1 :]
    if mutated != code:
        assert _problems([mutated]) != [None]


@settings(max_examples=200)
@given(text=st.text(max_size=25))
def test_validator_never_crashes(text: str) -> None:
    assert len(_problems([text])) == 1
