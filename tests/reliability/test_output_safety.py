"""Every cell mujun writes is inert: hostile firm names through every writer (issue 8)."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from mujun.cli import app
from mujun.report.html import safe_filename
from mujun.testing import make_facts

runner = CliRunner()
HOSTILE = ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
           '=cmd|" /C calc"!A0', "../../etc/passwd"]  # fmt: skip


def _ok(*args: str) -> str:
    done = runner.invoke(app, list(args))
    assert done.exit_code == 0, done.output + repr(done.exception)
    return done.output


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("out")
    facts = make_facts(120, seed=9)
    names = [HOSTILE[i % len(HOSTILE)] if i < 40 else n for i, n in enumerate(facts["name"])]
    towns = ["=1+2" if i % 3 == 0 else t for i, t in enumerate(facts["township"])]
    facts = facts.with_columns(pl.Series("name", names), pl.Series("township", towns))
    facts.write_parquet(tmp / "facts.parquet")
    db = str(tmp / "c.duckdb")
    _ok(
        "run",
        "--year",
        "2024",
        "--profile",
        "tiantai",
        "--facts",
        str(tmp / "facts.parquet"),
        "--db",
        db,
    )
    _ok("publish", "--year", "2024", "--db", db)
    _ok("score", "--profile", "tiantai", "--facts", str(tmp / "facts.parquet"), "--year", "2024",
        "--out", str(tmp / "score.csv"))  # fmt: skip
    _ok("export", "--year", "2024", "--format", "xlsx", "--out", str(tmp / "list.xlsx"), "--db", db)
    _ok("export", "--year", "2024", "--format", "csv", "--out", str(tmp / "list.csv"), "--db", db)
    _ok(
        "levers",
        "--year",
        "2024",
        "--profile",
        "tiantai",
        "--out",
        str(tmp / "levers.xlsx"),
        "--db",
        db,
    )
    _ok(
        "whatif",
        "--year",
        "2024",
        "--profile",
        "zhejiang_baseline",
        "--out",
        str(tmp / "whatif"),
        "--db",
        db,
    )
    return tmp


def test_no_formula_cell_in_any_workbook(written: Path) -> None:
    books = sorted(written.rglob("*.xlsx"))
    assert len(books) >= 3
    cells = 0
    for path in books:
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    cells += 1
                    assert cell.data_type != "f", (
                        path.name,
                        sheet.title,
                        cell.coordinate,
                        cell.value,
                    )
    assert cells > 1000


def test_every_risky_csv_cell_is_defused(written: Path) -> None:
    risky = 0
    for path in sorted(written.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                for value in row:
                    assert not value or value[0] not in "=+-@\t\r" or _number(value), (
                        path.name,
                        value,
                    )
                    risky += value.startswith("'")
    assert risky >= 40


def _number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("name", HOSTILE)
def test_file_names_from_firm_names_stay_in_their_folder(name: str, tmp_path: Path) -> None:
    safe = safe_filename(name)
    assert "/" not in safe and "\\" not in safe and safe not in ("", ".", "..")
    assert (tmp_path / f"{safe}.html").resolve().parent == tmp_path.resolve()
