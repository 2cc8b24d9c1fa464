from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mujun.errors import DataError
from mujun.ingest import read_facts
from mujun.testing import make_facts, make_uscc

GOOD = make_uscc(1)


def _csv(tmp_path: Path, text: str, encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / "facts.csv"
    path.write_text(text, encoding=encoding)
    return path


def test_failures_name_row_column_value_reason_and_counts_reconcile(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        (
            "统一社会信用代码,企业名称,year,above_scale,land_mu,tax_wan,production_start\n"
            f'{GOOD},甲,2023,是,"1,234.5",(12),2020-01-05\n'
            f"{make_uscc(2)},乙,2023,否,5,abc,2020/13/40\n"
            "9.13501E+17,丙,2023,1,5,3,\n"
            f'{GOOD},甲,2023,是,"1,234.5",(12),2020-01-05\n'
            f"{make_uscc(3)},丁,2023,否,,—,\n"
            f"{make_uscc(4)},戊,2023,否,5,1,\n"
            f"{make_uscc(4)},戊,2023,否,6,1,\n"
        ),
    )
    read = read_facts(path)
    assert read.rows_read == read.accepted + read.rejected + read.skipped
    assert (read.accepted, read.rejected, read.skipped) == (2, 4, 1)
    first = read.facts.row(0, named=True)
    assert first["land_mu"] == 1234.5 and first["tax_wan"] == -12.0 and first["above_scale"] is True
    blank = read.facts.row(1, named=True)
    assert blank["land_mu"] is None and blank["tax_wan"] is None, (
        "blank land/tax kept for the engine"
    )
    failures = read.failures
    assert set(failures.columns) == {"file", "sheet", "row", "column", "value", "reason", "outcome"}
    tax = failures.filter(pl.col("column") == "tax_wan").row(0, named=True)
    assert (tax["row"], tax["value"], tax["reason"]) == (3, "abc", "不是有效数字")
    assert failures.filter(pl.col("row") == 4).item(0, "reason").endswith("请将该列按文本导出")
    assert failures.filter(pl.col("outcome") == "skipped").item(0, "row") == 5
    assert sorted(failures.filter(pl.col("reason").str.contains("冲突")).get_column("row")) == [
        7,
        8,
    ]


def test_missing_columns_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="个必需的列") as info:
        read_facts(_csv(tmp_path, "uscc,name\nx,y\n"))
    assert "land_mu" in str(info.value) and "facts.csv" in str(info.value)


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".xlsx"])
def test_round_trip_through_each_format(tmp_path: Path, suffix: str) -> None:
    frame = make_facts(30, seed=3)
    path = tmp_path / f"f{suffix}"
    if suffix == ".parquet":
        frame.write_parquet(path)
    elif suffix == ".csv":
        frame.write_csv(path)
    else:
        pytest.importorskip("openpyxl")
        import openpyxl  # noqa: PLC0415

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(frame.columns)
        for row in frame.iter_rows():
            sheet.append([v if not isinstance(v, bool) else ("是" if v else "否") for v in row])
        book.save(path)
    read = read_facts(path)
    assert read.failures.height == 0
    assert read.accepted == 30
    got = read.facts.select(frame.columns)
    assert got.select("uscc", "land_mu", "tax_wan").equals(
        frame.select("uscc", "land_mu", "tax_wan")
    )


def test_gb18030_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="文件不存在"):
        read_facts(tmp_path / "none.csv")
    with pytest.raises(DataError, match="不支持的文件类型"):
        read_facts(_csv(tmp_path, "x").rename(tmp_path / "f.txt"))
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataError, match="无法读取"):
        read_facts(bad)


@settings(max_examples=150)
@given(cell=st.one_of(st.text(max_size=12), st.floats(allow_nan=True).map(str)))
def test_any_tax_cell_is_accepted_or_reported(
    cell: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("fz") / "f.parquet"
    pl.DataFrame(
        {
            "uscc": [GOOD],
            "name": ["甲"],
            "year": ["2023"],
            "above_scale": ["是"],
            "land_mu": ["5"],
            "tax_wan": [cell],
        }
    ).write_parquet(path)
    read = read_facts(path)
    assert read.rows_read == read.accepted + read.rejected + read.skipped == 1
    if read.accepted:
        value = read.facts.item(0, "tax_wan")
        assert value is None or abs(value) < float("inf")
