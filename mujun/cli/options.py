"""Command-line options shared by the command modules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mujun.store import DB_ENV

DbOption = Annotated[
    Path | None,
    typer.Option("--db", envvar=DB_ENV, help="Database file (default ./mujun.duckdb)."),
]
YearOption = Annotated[int, typer.Option(help="Evaluation year.")]
OutFolder = Annotated[Path | None, typer.Option("--out", help="New folder for the outputs.")]
