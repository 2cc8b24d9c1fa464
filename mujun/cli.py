"""The ``mujun`` command line: a thin shell over the library with one error handler."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from mujun import demo as demo_mod
from mujun.engine import score as score_frame
from mujun.errors import MujunError
from mujun.ingest import FactsRead, read_facts
from mujun.profiles import Profile, available_profiles, load_profile
from mujun.profiles.loader import resolve_profile_path
from mujun.report import check_table_path, class_summary, write_table

app = typer.Typer(
    help="mujun: per-mu (亩均) evaluation of industrial firms.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
profiles_app = typer.Typer(help="List, show and validate region profiles.", no_args_is_help=True)
app.add_typer(profiles_app, name="profiles")

out = Console()
err = Console(stderr=True)
_state = {"debug": False}


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _state["debug"] = debug


# ---- score ---- #
@app.command()
def score(
    profile: Annotated[str, typer.Option(help="Profile name or path to a .toml file.")],
    facts: Annotated[Path, typer.Option(help="Canonical facts (.parquet, .csv or .xlsx).")],
    year: Annotated[int, typer.Option(help="Evaluation year (reads the profile's data year).")],
    out_path: Annotated[Path, typer.Option("--out", help="Result file (.parquet or .csv).")],
    history: Annotated[
        Path | None, typer.Option(help="Facts of earlier years (previous-year benchmarks).")
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Where to write rejected rows (default: beside --out).")
    ] = None,
) -> None:
    """Score and classify the firms of one evaluation year."""
    check_table_path(out_path)
    prof = load_profile(profile)
    read = read_facts(facts)
    hist = read_facts(history).facts if history is not None else None
    result = score_frame(read.facts, profile=prof, year=year, history=hist)
    written = write_table(result, out_path)
    _report_reading(read, rejects or out_path.with_name(f"{out_path.stem}_rejected.csv"))
    _print_summary(result, prof, prof.meta.title, year)
    out.print(f"结果已写入 / results written to: [bold]{written}[/]")


# ---- demo ---- #
@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the outputs.")] = Path(
        "mujun_out"
    ),
    profile: Annotated[str, typer.Option(help="Profile name or path.")] = "zhejiang_baseline",
) -> None:
    """Run the whole job on the bundled sample county and print the class summary."""
    prof = load_profile(profile)
    run = demo_mod.run_demo(out_dir, profile=prof)
    _report_reading(run.read, run.rejects_path)
    _print_summary(run.result, prof, f"{prof.meta.title}（示范县样例数据）", run.year)
    out.print(f"公示名单 / class list: [bold]{run.class_list_path}[/]")
    out.print(f"完整结果 / full results: [bold]{run.result_path}[/]")


# ---- profiles ---- #
@profiles_app.command("list")
def profiles_list() -> None:
    """List the shipped profiles."""
    table = Table("name", "title", "region", "file")
    for name, path in available_profiles().items():
        prof = load_profile(path)
        table.add_row(name, prof.meta.title, prof.meta.region, str(path))
    out.print(table)


@profiles_app.command("show")
def profiles_show(name: Annotated[str, typer.Argument(help="Profile name or path.")]) -> None:
    """Print a profile's file, and its resolved settings if it extends another."""
    path = resolve_profile_path(name)
    prof = load_profile(path)
    out.print(path.read_text(encoding="utf-8"), markup=False, highlight=False)
    if "extends" in tomllib.loads(path.read_text(encoding="utf-8")):
        out.print("\n# ---- resolved (after extends) ---- #", markup=False)
        out.print_json(data=prof.model_dump(mode="json"))
    out.print(f"# content hash: {prof.content_hash()}", markup=False)


@profiles_app.command("validate")
def profiles_validate(path: Annotated[Path, typer.Argument(help="A profile .toml file.")]) -> None:
    """Validate a profile file (exit 1 with the offending fields if it is invalid)."""
    prof = load_profile(path if path.suffix == ".toml" else str(path))
    out.print(f"OK: {path} ({prof.meta.title}), content hash {prof.content_hash()[:12]}")


# ---- printing ---- #
def _report_reading(read: FactsRead, rejects_path: Path) -> None:
    out.print(
        f"读取 {read.rows_read} 行：接受 {read.accepted}，拒绝 {read.rejected}，"
        f"跳过 {read.skipped}（read {read.rows_read} = accepted + rejected + skipped）"
    )
    if read.failures.height:
        write_table(read.failures, rejects_path)
        out.print(f"问题行明细 / rejected rows: [bold]{rejects_path}[/]")
        for row in read.failures.head(5).iter_rows(named=True):
            out.print(
                f"  第{row['row']}行 {row['column']} = {row['value']!r}: {row['reason']}",
                markup=False,
            )
    if read.ignored_columns:
        out.print(f"未识别的列（已忽略）: {', '.join(read.ignored_columns)}")


def _print_summary(result: pl.DataFrame, profile: Profile, title: str, year: int) -> None:
    table = Table(title=f"{year} 年度 {title} — 各乡镇（街道）分类企业数")
    frame = class_summary(result, profile=profile)
    names = profile.class_names()
    for col in frame.columns:
        table.add_column(col, justify="left" if col == "乡镇（街道）" else "right", no_wrap=True)
    for row in frame.iter_rows():
        table.add_row(*(str(v) for v in row))
    out.print(table)
    out.print("  ".join(f"{c}={names[c]}" for c in frame.columns if c in names), markup=False)


def main() -> None:
    """Entry point: run the app; user-fixable errors print one ``Error:`` block, exit 1."""
    try:
        app()
    except MujunError as exc:
        if _state["debug"]:
            raise
        err.print(f"Error: {exc}", markup=False, highlight=False)
        sys.exit(1)
    except Exception as exc:  # a bug or an input we did not foresee: still no traceback
        if _state["debug"]:
            raise
        err.print(
            f"Error: unexpected {type(exc).__name__}: {exc}\n"
            "Hint: this may be a bug in mujun; rerun with --debug and report the traceback.",
            markup=False,
            highlight=False,
        )
        sys.exit(2)
