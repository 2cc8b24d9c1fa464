"""Rectification cases (整治案件): a watch-list entry followed across years until it is closed.

核定 (confirmed) → 方案 (planned: 一企一策, deadline) → 整治提升 (rectifying) or 淘汰 (exited)
→ 评价销号 (closed); 撤销 (withdrawn) ends a case opened in error. Every step is a row with
the year it happened, the land (亩) and energy (tce) it freed, who recorded it and when; the
case row carries the current status. Steps are checked against the case's status, and a set
of steps is written whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import polars as pl

from mujun.errors import StoreError
from mujun.store.db import Store

STEPS: Final = {
    "confirmed": "核定",
    "planned": "方案",
    "rectifying": "整治提升",
    "exited": "淘汰",
    "closed": "评价销号",
    "withdrawn": "撤销",
}
"""Step (and status) codes and their Chinese names."""
STEP_CODES: Final = {name: code for code, name in STEPS.items()}
NEXT: Final = {
    "confirmed": ("planned", "exited", "withdrawn"),
    "planned": ("planned", "rectifying", "exited", "withdrawn"),
    "rectifying": ("rectifying", "closed", "exited", "withdrawn"),
    "exited": ("closed",),
    "closed": (),
    "withdrawn": (),
}
"""Steps allowed from each status. 方案 may be revised and 整治提升 recorded again in a later
year (more land freed); 淘汰 is followed by 销号; closed and withdrawn cases are final (a firm
listed again later gets a new case)."""
OPEN: Final = ("confirmed", "planned", "rectifying", "exited")

CASE_COLUMNS: Final = (
    "uscc", "name", "list_id", "list_label", "reason", "township", "park", "land_mu", "energy_tce",
)  # fmt: skip
"""Columns `open_cases` reads from a watch list's rows."""
STEP_SCHEMA: Final = pl.Schema(
    {
        "case_id": pl.Int64(), "step": pl.String(), "year": pl.Int32(), "step_date": pl.Date(),
        "deadline": pl.Date(), "measure": pl.String(), "freed_land_mu": pl.Float64(),
        "freed_energy_tce": pl.Float64(), "note": pl.String(),
    }
)  # fmt: skip
"""One step to record (``step`` is a code of `STEPS`); see `add_steps`."""


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)


def open_cases(
    store: Store, listed: pl.DataFrame, /, *, year: int, run_id: int | None, who: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Open a case (status 核定, step year ``year``) for each listed firm and list.

    A firm that already has an open case on the same list keeps it (no second case).

    Args:
        store: the open store.
        listed: one row per firm and list with `CASE_COLUMNS`.
        year: the evaluation year whose list is confirmed.
        run_id: the published run the list was read from.
        who: the official recording it.

    Returns:
        The cases opened (with ``case_id``) and the rows skipped (with their open case).
    """
    if not who.strip():
        msg = "请用 --who 注明经办人。\n提示：每个案件步骤都记录经办人。"
        raise StoreError(msg)
    rows = listed.select(CASE_COLUMNS).unique(
        ["uscc", "list_id"], keep="first", maintain_order=True
    )
    with store.transaction() as con:
        existing = store.frame(
            f"SELECT case_id AS open_case, uscc, list_id FROM cases WHERE status IN {OPEN}"
        )
        marked = rows.join(existing, on=["uscc", "list_id"], how="left")
        skipped = marked.filter(pl.col("open_case").is_not_null())
        new = marked.filter(pl.col("open_case").is_null()).drop("open_case")
        first = store.next_id("cases", "case_id")
        first_step = store.next_id("case_steps", "step_id")
        now = _now()
        new = new.with_columns(
            (pl.int_range(pl.len()) + first).alias("case_id"),
            pl.lit(year).alias("evaluation_year"),
            pl.lit(run_id, pl.Int64).alias("run_id"),
        )
        con.register("_new_cases", new)
        con.execute(
            "INSERT INTO cases SELECT case_id, uscc, name, list_id, list_label, evaluation_year, "
            "run_id, reason, township, park, land_mu, energy_tce, 'confirmed', NULL, ?, ? "
            "FROM _new_cases",
            [who, now],
        )
        con.execute(
            "INSERT INTO case_steps SELECT ? + row_number() OVER (ORDER BY case_id) - 1, case_id, "
            "'confirmed', evaluation_year, NULL, NULL, NULL, NULL, NULL, NULL, ?, ? "
            "FROM _new_cases",
            [first_step, who, now],
        )
        con.unregister("_new_cases")
    return new, skipped


def add_steps(store: Store, steps: pl.DataFrame, /, *, who: str) -> pl.DataFrame:
    """Record steps (`STEP_SCHEMA`), checked in order against each case; all or none.

    淘汰 without a freed land or energy figure frees what the firm held when its case was
    opened (the whole site is given up); the returned frame says which figures were so taken.

    Returns:
        The steps written, with ``step_id`` and the status each case reached.

    Raises:
        StoreError: an unknown case, a step its status does not allow, a year before the
            case's previous step, a date outside the step's year, negative or excessive freed
            amounts — every problem listed, nothing written.
    """
    if not who.strip():
        msg = "请用 --who 注明经办人。\n提示：每个案件步骤都记录经办人。"
        raise StoreError(msg)
    steps = steps.cast(STEP_SCHEMA).with_row_index("_order")
    with store.transaction() as con:
        ids = ", ".join(str(int(i)) for i in steps.get_column("case_id").unique().drop_nulls())
        known = store.frame(
            "SELECT c.case_id, c.status, c.land_mu, c.energy_tce, c.uscc, c.name, "
            "  max(s.year) AS last_year, coalesce(sum(s.freed_land_mu), 0) AS land_freed, "
            "  coalesce(sum(s.freed_energy_tce), 0) AS energy_freed "
            "FROM cases c LEFT JOIN case_steps s USING (case_id) "
            f"WHERE c.case_id IN ({ids or 'NULL'}) GROUP BY ALL"
        )
        cases = {r["case_id"]: dict(r) for r in known.iter_rows(named=True)}
        problems: list[str] = []
        written: list[dict[str, Any]] = []
        # NOTE: steps are entered by hand (tens to hundreds at a time) and each depends on the
        # one before it on the same case, so they are checked in order, one by one.
        for step in steps.iter_rows(named=True):
            problem = _check(step, cases.get(step["case_id"]))
            if problem:
                problems.append(f"第 {step['_order'] + 1} 条（案件 {step['case_id']}）：{problem}")
                continue
            case = cases[step["case_id"]]
            if step["step"] == "exited":
                for col, held, freed, name in (
                    ("freed_land_mu", "land_mu", "land_freed", "用地面积"),
                    ("freed_energy_tce", "energy_tce", "energy_freed", "综合能耗"),
                ):
                    if step[col] is not None:
                        continue
                    if case[held] is None:
                        step["note"] = _join(step["note"], f"核定时{name}未知，腾出量未填")
                    else:
                        step[col] = max(case[held] - case[freed], 0.0)
                        step["note"] = _join(step["note"], f"腾出量按核定时{name}计")
            case["status"] = step["step"]
            case["last_year"] = step["year"]
            case["land_freed"] += step["freed_land_mu"] or 0.0
            case["energy_freed"] += step["freed_energy_tce"] or 0.0
            written.append({**step, "status": step["step"]})
        if problems:
            msg = (
                f"{len(problems)} 条案件步骤无法记录，均未写入：\n"
                + "\n".join(f"  - {p}" for p in problems[:30])
                + "\n提示：`mujun cases list` 查看案件当前状态；"
                "步骤顺序为 核定 → 方案 → 整治提升/淘汰 → 评价销号。"
            )  # fmt: skip
            raise StoreError(msg)
        first = store.next_id("case_steps", "step_id")
        out = pl.DataFrame(
            written, schema={**STEP_SCHEMA, "_order": pl.UInt32, "status": pl.String}
        )
        out = out.with_columns((pl.int_range(pl.len()) + first).alias("step_id"))
        now = _now()
        con.register("_steps", out)
        con.execute(
            "INSERT INTO case_steps SELECT step_id, case_id, step, year, step_date, deadline, "
            "measure, freed_land_mu, freed_energy_tce, note, ?, ? FROM _steps",
            [who, now],
        )
        con.execute(
            "UPDATE cases c SET status = l.step FROM (SELECT * FROM _steps QUALIFY row_number() "
            "OVER (PARTITION BY case_id ORDER BY _order DESC) = 1) l WHERE c.case_id = l.case_id"
        )
        con.execute(  # the latest deadline given (a revised 方案 replaces the first)
            "UPDATE cases c SET deadline = l.deadline FROM (SELECT * FROM _steps "
            "WHERE deadline IS NOT NULL QUALIFY row_number() OVER "
            "(PARTITION BY case_id ORDER BY _order DESC) = 1) l WHERE c.case_id = l.case_id"
        )
        con.unregister("_steps")
    return out.drop("_order")


def _join(note: str | None, extra: str) -> str:
    return f"{note}；{extra}" if note else extra


def _check(step: dict[str, Any], case: dict[str, Any] | None) -> str | None:  # noqa: PLR0911
    """Why a step cannot be recorded on a case (None when it can)."""
    if case is None:
        return "没有这个案件编号"
    code = step["step"]
    if code not in STEPS or code == "confirmed":
        return f"步骤 {code!r} 无效，可用：{'、'.join(STEPS[c] for c in STEPS if c != 'confirmed')}"
    allowed = NEXT[case["status"]]
    if code not in allowed:
        nxt = "、".join(STEPS[c] for c in allowed) or "无（案件已结束）"
        return f"案件当前为“{STEPS[case['status']]}”，不能记录“{STEPS[code]}”；可记录：{nxt}"
    year = step["year"]
    if year is None:
        return "缺少年度"
    if case["last_year"] is not None and year < case["last_year"]:
        return f"年度 {year} 早于该案件上一步骤的年度 {case['last_year']}"
    if step["step_date"] is not None and step["step_date"].year != year:
        return f"日期 {step['step_date']} 不在年度 {year} 内"
    if step["deadline"] is not None and step["deadline"].year < year:
        return f"整改期限 {step['deadline']} 早于年度 {year}"
    for col, name in (
        ("freed_land_mu", "腾出用地（亩）"),
        ("freed_energy_tce", "腾出用能（吨标准煤）"),
    ):
        if step[col] is not None and step[col] < 0:
            return f"{name} 不能为负数：{step[col]}"
    land = case["land_mu"]
    if land is not None and step["freed_land_mu"] is not None:
        total = case["land_freed"] + step["freed_land_mu"]
        if total > land + 1e-9:
            return (
                f"累计腾出用地 {total:g} 亩超过该企业核定时用地 {land:g} 亩"
                "（如确有相邻地块，请在备注中说明并按核定用地填写）"
            )
    return None


def case_table(store: Store, /) -> pl.DataFrame:
    """Every case with its current status, the year of each step and what it freed."""
    cases = store.frame("SELECT * FROM cases ORDER BY case_id")
    steps = store.frame(
        "SELECT case_id, step, min(year) AS year, sum(freed_land_mu) AS land, "
        "sum(freed_energy_tce) AS energy FROM case_steps GROUP BY case_id, step"
    )
    years = steps.pivot(on="step", index="case_id", values="year", on_columns=list(STEPS)).rename(
        {c: f"{c}_year" for c in STEPS}
    )
    freed = steps.group_by("case_id").agg(
        pl.col("land").sum().alias("freed_land_mu"),
        pl.col("energy").sum().alias("freed_energy_tce"),
    )
    return cases.join(years, on="case_id", how="left").join(freed, on="case_id", how="left")


def step_table(store: Store, /) -> pl.DataFrame:
    """Every recorded step, oldest first."""
    return store.frame(
        "SELECT s.*, c.uscc, c.name, c.list_id FROM case_steps s JOIN cases c USING (case_id) "
        "ORDER BY s.step_id"
    )
