"""``mujun cases``: rectification cases opened from watch lists and followed across years."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from mujun.cli._app import app
from mujun.cli._console import out, print_frame
from mujun.cli._periods import warn_period
from mujun.cli.options import DbOption, YearOption
from mujun.errors import DataError
from mujun.ingest import values
from mujun.ingest.read import read_sheets
from mujun.policy import load_context
from mujun.policy.cases import open_from_lists, totals
from mujun.profiles import load_profile
from mujun.profiles.periods import for_year
from mujun.report import write_table, write_workbook
from mujun.store import Store
from mujun.store import cases as store_cases

cases_app = typer.Typer(help="整治案件：立案、记录步骤、列出、进度。",
                        no_args_is_help=True)  # fmt: skip
app.add_typer(cases_app, name="cases")

WhoOption = Annotated[str, typer.Option("--who", help="经办人。")]

_HEADERS = {
    "case_id": "案件编号", "uscc": "统一社会信用代码", "name": "企业名称", "list_id": "清单编号",
    "list_label": "清单", "evaluation_year": "核定年度", "reason": "列入依据",
    "township": "乡镇（街道）",
    "park": "园区", "land_mu": "核定时用地（亩）", "energy_tce": "核定时能耗（吨标准煤）",
    "status": "当前状态", "deadline": "整改期限", "planned_year": "方案年度",
    "rectifying_year": "整治提升年度", "exited_year": "淘汰年度", "closed_year": "销号年度",
    "withdrawn_year": "撤销年度", "freed_land_mu": "腾出用地（亩）",
    "freed_energy_tce": "腾出用能（吨标准煤）", "opened_by": "核定经办人",
    "step_id": "步骤编号", "step": "步骤", "year": "年度", "step_date": "日期",
    "measure": "方案/方式", "note": "备注", "who": "经办人",
}  # fmt: skip
STEP_FILE_COLUMNS = {
    "case_id": ("案件编号", "case_id"),
    "step": ("步骤", "step"),
    "year": ("年度", "year"),
    "step_date": ("日期", "step_date"),
    "deadline": ("整改期限", "期限", "deadline"),
    "measure": ("方案", "方式", "方案/方式", "measure"),
    "freed_land_mu": ("腾出用地（亩）", "腾出用地", "freed_land_mu"),
    "freed_energy_tce": ("腾出用能（吨标准煤）", "腾出用能", "freed_energy_tce"),
    "note": ("备注", "note"),
}
"""Columns of a steps file (canonical name → accepted headers)."""


@cases_app.command("open", help="把本年度整治清单中的企业核定为案件（案件未结时不重复立案）。")
def open_cases(
    year: YearOption,
    profile: Annotated[str, typer.Option(help="评价方案：方案名称或 .toml 文件路径。")],
    who: WhoOption,
    lists: Annotated[
        list[str] | None, typer.Option("--list", help="清单规则编号（可重复；默认全部）。")
    ] = None,
    inputs: Annotated[
        Path | None, typer.Option(help="逐企业的补充数据（如欠缴城镇土地使用税）。")
    ] = None,
    inspections: Annotated[
        Path | None,
        typer.Option(help="执法检查需整改企业。"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Confirm (核定) the year's rectification-list entries as cases, never twice while open."""
    prof = for_year(load_profile(profile), year)
    warn_period(prof, year, levers=True)
    with Store.open(db) as store:
        ctx = load_context(store, year=year, profile=prof, inputs=inputs, inspections=inspections)
        opened, skipped = open_from_lists(ctx, who=who, lists=tuple(lists or ()))
    summary = (
        pl.concat([opened.select("list_label", pl.lit("新核定").alias("结果")),
                   skipped.select("list_label", pl.lit("已有在办案件").alias("结果"))])
        .group_by("list_label", "结果", maintain_order=True).len("企业数")
        .rename({"list_label": "清单"})
    )  # fmt: skip
    print_frame(summary, f"{year} 年度整治案件核定")
    out.print(
        f"新核定 {opened.height} 件；已有在办案件、未重复核定 {skipped.height} 件。", markup=False
    )


@cases_app.command("step", help="记录一个案件的一个步骤，或从文件成批记录（全部写入或全部不写）。")
def step(
    who: WhoOption,
    case_id: Annotated[int | None, typer.Argument(help="案件编号。")] = None,
    step_name: Annotated[
        str | None, typer.Option("--step", help="方案、整治提升、淘汰、评价销号或撤销。")
    ] = None,
    year: Annotated[int | None, typer.Option(help="该步骤发生的年度。")] = None,
    date: Annotated[str | None, typer.Option(help="日期（YYYY-MM-DD）。")] = None,
    deadline: Annotated[str | None, typer.Option(help="整改期限。")] = None,
    measure: Annotated[str | None, typer.Option(help="整改方案（一企一策）或处置方式。")] = None,
    land_mu: Annotated[float | None, typer.Option(help="腾出的用地（亩）。")] = None,
    energy_tce: Annotated[float | None, typer.Option(help="腾出的用能（吨标准煤）。")] = None,
    note: Annotated[str | None, typer.Option(help="备注。")] = None,
    file: Annotated[
        Path | None, typer.Option(help="成批录入的步骤文件：案件编号、步骤、年度、日期、整改期限……")
    ] = None,
    db: DbOption = None,
) -> None:
    """Record a step of one case, or of many from a file (all written or none)."""
    if file is not None:
        if case_id is not None or step_name is not None:
            raise DataError("请只用 --file，或只给出一个案件编号和 --step。")
        steps = read_steps(file)
    else:
        if case_id is None or step_name is None or year is None:
            raise DataError("需要案件编号、--step 和 --year（或用 --file 批量记录）。")
        steps = pl.DataFrame(
            [{"case_id": case_id, "step": _code(step_name), "year": year,
              "step_date": _date(date, "--date"), "deadline": _date(deadline, "--deadline"),
              "measure": measure, "freed_land_mu": land_mu, "freed_energy_tce": energy_tce,
              "note": note}],
            schema=store_cases.STEP_SCHEMA,
        )  # fmt: skip
    with Store.open(db) as store:
        written = store_cases.add_steps(store, steps, who=who)
    shown = written.select(
        "step_id", "case_id", pl.col("step").replace(store_cases.STEPS), "year",
        "freed_land_mu", "freed_energy_tce", "note",
    ).rename(_HEADERS, strict=False)  # fmt: skip
    print_frame(shown, f"已记录 {written.height} 个案件步骤")


@cases_app.command("list", help="列出每个案件的状态、各步骤年度以及腾出的用地和用能。")
def list_cases(
    status: Annotated[
        str | None, typer.Option(help="只列出该状态的案件（如 方案、在办）。")
    ] = None,
    list_id: Annotated[str | None, typer.Option("--list", help="只列出该清单。")] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="把案件和步骤写入文件（.xlsx、.csv、.parquet）。")
    ] = None,
    db: DbOption = None,
) -> None:
    """Every case with its status, the year of each step and the land and energy freed."""
    with Store.open(db, read_only=True) as store:
        table = store_cases.case_table(store)
        steps = store_cases.step_table(store)
    if list_id is not None:
        table = table.filter(pl.col("list_id") == list_id)
    if status is not None:
        codes = list(store_cases.OPEN) if status == "在办" else [_code(status)]
        table = table.filter(pl.col("status").is_in(codes))
    shown = table.with_columns(pl.col("status").replace(store_cases.STEPS)).select(
        "case_id", "name", "list_label", "evaluation_year", "status", "deadline", "planned_year",
        "rectifying_year", "exited_year", "closed_year", "freed_land_mu", "freed_energy_tce",
    )  # fmt: skip
    print_frame(shown.rename(_HEADERS, strict=False), f"整治案件（{table.height} 件）")
    summary = (
        table.group_by(pl.col("list_label").alias("清单"))
        .agg(
            pl.len().alias("案件数"),
            *(
                (pl.col("status") == code).sum().alias(name)
                for code, name in store_cases.STEPS.items()
            ),
            pl.col("freed_land_mu").sum().alias("腾出用地（亩）"),
            pl.col("freed_energy_tce").sum().alias("腾出用能（吨标准煤）"),
        )
        .sort("清单")
    )
    print_frame(summary, "按清单汇总（当前状态，件）")
    if out_path is not None:
        case_rows = table.with_columns(pl.col("status").replace(store_cases.STEPS))
        step_rows = steps.with_columns(pl.col("step").replace(store_cases.STEPS))
        if out_path.suffix.lower() == ".xlsx":
            write_workbook(out_path, {"案件": case_rows, "步骤": step_rows, "汇总": summary},
                           headers=_HEADERS)  # fmt: skip
        else:
            write_table(case_rows.rename(_HEADERS, strict=False), out_path)
        out.print(f"整治案件 / cases: {out_path}", markup=False)


@cases_app.command(
    "progress", help="自规划起始年逐年统计：核定案件数、办结数、办结比例、腾出的用地和用能。"
)
def progress(
    first: Annotated[int, typer.Option("--from", help="起算年度（规划起始年）。")],
    last: Annotated[int, typer.Option("--to", help="截止年度。")],
    list_id: Annotated[
        list[str] | None, typer.Option("--list", help="只统计这些清单（可重复；默认全部）。")
    ] = None,
    db: DbOption = None,
) -> None:
    """Year by year since the plan's start: cases confirmed, done, share done, land and energy."""
    if last < first:
        raise DataError(f"--to {last} 早于 --from {first}。")
    with Store.open(db, read_only=True) as store:
        rows = [
            totals(store, lists=tuple(list_id or ()), first_year=first, last_year=y).with_columns(
                pl.lit(y).alias("year")
            )
            for y in range(first, last + 1)
        ]
    table = pl.concat(rows).select(
        pl.col("year").alias("截至年度"),
        pl.col("opened").alias("累计核定（家）"),
        pl.col("planned").alias("制定方案（家）"),
        pl.col("rectified").alias("整治提升销号（家）"),
        pl.col("exited").alias("淘汰（家）"),
        pl.col("done").alias("完成（淘汰或销号，家）"),
        pl.col("done_share").round(1).alias("完成比例（%）"),
        pl.col("freed_land_mu").alias("累计腾出用地（亩）"),
        pl.col("freed_energy_tce").alias("累计腾出用能（吨标准煤）"),
    )
    print_frame(table, f"整治进度（{first} 年起累计）")


def _code(name: str) -> str:
    """A step's code from its Chinese name (or the code itself)."""
    name = name.strip()
    if name in store_cases.STEPS:
        return name
    if name in store_cases.STEP_CODES:
        return store_cases.STEP_CODES[name]
    choices = "、".join(store_cases.STEPS.values())
    raise DataError(f"未知的案件步骤 {name!r}。\n提示：可用：{choices}。")


def _date(text: str | None, what: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DataError(f"{what} {text!r} 不是日期。\n提示：写成 2024-06-30。") from None


def read_steps(path: Path) -> pl.DataFrame:
    """A steps file as `STEP_SCHEMA` rows; every unusable cell is reported with its row.

    Raises:
        DataError: missing columns, or cells that are not a case number, step, year, date or
            number (all listed).
    """
    sheet = read_sheets(path)[0]
    grid = sheet.grid
    names = {a: key for key, aliases in STEP_FILE_COLUMNS.items() for a in aliases}
    header = ["".join(str(h or "").split()) for h in grid.row(0)] if grid.height else []
    rename = {c: names[h] for c, h in zip(grid.columns, header, strict=True) if h in names}
    missing = [STEP_FILE_COLUMNS[k][0] for k in ("case_id", "step", "year")
               if k not in rename.values()]  # fmt: skip
    if missing:
        raise DataError.missing_columns(
            str(path), missing, hint="第一行写表头：案件编号、步骤、年度 …"
        )
    raw = grid.slice(1).select(list(rename)).rename(rename)
    for key in STEP_FILE_COLUMNS:
        if key not in raw.columns:
            raw = raw.with_columns(pl.lit(None, pl.String).alias(key))
    text = {k: values.text(pl.col(k)) for k in STEP_FILE_COLUMNS}
    codes = {**{c: c for c in store_cases.STEPS}, **store_cases.STEP_CODES}
    parsed = raw.select(
        pl.int_range(pl.len()).add(sheet.row_number(1)).alias("_row"),
        *(text[k].alias(f"_{k}") for k in STEP_FILE_COLUMNS),
        values.integer(text["case_id"]).cast(pl.Int64).alias("case_id"),
        text["step"].replace_strict(codes, default=None).alias("step"),
        values.integer(text["year"]).alias("year"),
        values.date(text["step_date"]).alias("step_date"),
        values.date(text["deadline"]).alias("deadline"),
        text["measure"].alias("measure"),
        values.number(text["freed_land_mu"]).alias("freed_land_mu"),
        values.number(text["freed_energy_tce"]).alias("freed_energy_tce"),
        text["note"].alias("note"),
    ).filter(pl.col("_case_id").is_not_null() | pl.col("_step").is_not_null())
    checks = {
        "case_id": ("案件编号", "整数"), "step": ("步骤", "、".join(store_cases.STEPS.values())),
        "year": ("年度", "整数"), "step_date": ("日期", "日期"), "deadline": ("整改期限", "日期"),
        "freed_land_mu": ("腾出用地（亩）", "数字"),
        "freed_energy_tce": ("腾出用能（吨标准煤）", "数字"),
    }  # fmt: skip
    problems = pl.concat(
        [
            parsed.filter(pl.col(f"_{k}").is_not_null() & pl.col(k).is_null()).select(
                "_row",
                pl.lit(head).alias("col"),
                pl.col(f"_{k}").alias("raw"),
                pl.lit(want).alias("want"),
            )
            for k, (head, want) in checks.items()
        ]
        + [
            parsed.filter(pl.col(f"_{k}").is_null()).select(
                "_row",
                pl.lit(checks[k][0]).alias("col"),
                pl.lit("（空）").alias("raw"),
                pl.lit("必填").alias("want"),
            )
            for k in ("case_id", "step", "year")
        ]
    ).sort("_row")
    if problems.height:
        lines = [f"第{r['_row']}行 {r['col']} = {r['raw']!r}：应为{r['want']}"
                 for r in problems.iter_rows(named=True)]  # fmt: skip
        raise DataError(
            f"{path}：{problems.height} 个单元格无法使用，未记录任何步骤：\n"
            + "\n".join(f"  - {x}" for x in lines[:30]) + "\n提示：改正后重新运行。"
        )  # fmt: skip
    return parsed.select(list(store_cases.STEP_SCHEMA)).cast(store_cases.STEP_SCHEMA)
