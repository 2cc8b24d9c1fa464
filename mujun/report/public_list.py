"""The public 公示 list: only what the profile declares public, laid out to be posted and printed.

One sheet: a title, the notice period and where to object, the list with borders, a legend of
special labels, and who posts it. Printed landscape on A4, one page wide, the header row on
every page, "第 X 页 共 Y 页" at the foot. Nothing confidential: no indicator values, no import
problems, no file paths.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import xlsxwriter

from mujun.errors import MujunError
from mujun.report.cycle_state import chinese_date, notice_of, state_label, state_of
from mujun.report.output import atomic_path
from mujun.report.publication import LIST_HEADERS
from mujun.report.workbook import PAGE_FOOTER, close_workbook, decimal_format, display_width

if TYPE_CHECKING:
    from mujun.report.publication import YearView

PUBLIC_HEADERS = {**LIST_HEADERS, "park": "园区"}
"""Chinese headers with units of every column a profile may make public (the internal list's)."""
_CENTERED = {"class_label", "rank"}
_FONT = {"font_name": "宋体", "font_size": 11}
_ROW_HEIGHT = 20  # points; fixed so every page holds the same number of rows
_A4 = 9
_WIDE_FACTOR = 1.1
"""Column widths are in widths of "0"; a CJK glyph is about 2.2 of them, a Latin letter 1."""


def county_of(view: YearView, /) -> str:
    """Who the list is for: the profile's ``publication.county``, the firms' county, the region."""
    declared = view.profile.publication.county
    if declared:
        return declared
    counties = view.results.get_column("county").drop_nulls().unique().to_list()
    return counties[0] if len(counties) == 1 else view.profile.meta.region


def public_title(view: YearView, /) -> str:
    """E.g. "2024年度天台县工业企业亩均效益综合评价结果公示（公示稿）"."""
    return (
        f"{view.year}年度{county_of(view)}工业企业亩均效益综合评价结果公示（{state_label(view)}）"
    )


def public_frame(view: YearView, /, *, township: str | None = None) -> pl.DataFrame:
    """The posted rows and columns (source names), best class first, then pool and rank.

    Firms outside the evaluation's scope (不参评) are not on the list.
    """
    p = view.profile
    names = view.names
    order = {label: i for i, label in enumerate(names)}
    frame = view.results.filter(pl.col("class_label") != p.classification.out_of_scope_label)
    if township is not None:
        frame = frame.filter(pl.col("township") == township)
    note = pl.concat_str(
        [pl.col("special_reason"), pl.col("override_reason"), pl.col("adjustment_reason")],
        separator="；",
        ignore_nulls=True,
    )
    return (
        frame.with_columns(
            pl.col("class_label").replace_strict(names, default=None).alias("class_name"),
            pl.when(note != "").then(note).alias("note"),
            pl.col("class_label").replace_strict(order, default=len(order)).alias("_o"),
            pl.col("total_score").round(p.publication.decimals),
        )
        .sort("_o", "pool", "rank", "uscc", nulls_last=True)
        .with_row_index("seq", offset=1)
        .select(list(p.publication.columns))
    )


def legend(view: YearView, labels: set[str], /) -> list[str]:
    """One line per label on the list that is not an ordinary class (T, 免评, 待核, ...)."""
    p = view.profile
    classes = set(p.classification.labels)
    reasons: dict[str, list[str]] = {}
    for rule in p.special:  # several rules may give one label (Huai'an: utilities or too new)
        if rule.outcome != "graded_as" and rule.reason not in reasons.get(rule.label, []):
            reasons.setdefault(rule.label, []).append(rule.reason)
    lines = []
    for label, name in view.names.items():
        if label in labels and label not in classes:
            why = "，或".join(reasons.get(label, []))
            lines.append(f"{label}：{name}" + (f"（{why}）" if why and why != name else ""))
    return lines


def notice_lines(view: YearView, /) -> list[str]:
    """The notice period and where to object, or what the state means when nothing is posted.

    Raises:
        MujunError: a 公示稿 without its 公示 record (dates and where to object).
    """
    notice = notice_of(view)
    state = state_of(view)
    if notice is not None:
        period = f"公示期：{chinese_date(notice.start)}至{chinese_date(notice.end)}。"
        if state == "final":
            return [
                f"本名单已于{chinese_date(notice.start)}至{chinese_date(notice.end)}公示，现予认定。"
            ]
        return [
            period,
            f"对公示结果有异议的，请于公示期内向{notice.issuer}提出书面意见并附相关证明材料"
            f"（联系方式：{notice.contact}），逾期不予受理。",
        ]
    if state == "notice":
        msg = (
            f"{view.year}年度的公示稿没有登记公示期和异议受理方式，不能生成公示名单。\n"
            "提示：先用 `mujun notice --start … --end … --contact … --issuer …` 登记公示。"
        )
        raise MujunError(msg)
    if state == "draft":
        return ["内部审核稿：未经公示，仅供内部审核，不得对外公开。"]
    if state == "superseded":
        return ["已取代：本名单已被新的评价结果取代，仅供查阅，不得作为认定依据。"]
    return ["认定稿。"]


def public_workbook(
    view: YearView,
    path: str | Path,
    /,
    *,
    township: str | None = None,
    created: dt.datetime | None = None,
) -> Path:
    """Write the 公示 list to post and print.

    Raises:
        MujunError: a 公示稿 without its notice record.
        OutputError: the file is open in another program or the folder is not writable.
    """
    frame = public_frame(view, township=township)
    lines = notice_lines(view)
    title = public_title(view)
    if township is not None:
        title += f"——{township}"
    notes = legend(view, set(frame.get_column("class_label").drop_nulls()))
    with atomic_path(path) as temp:
        _write(temp, frame, view=view, title=title, lines=lines, notes=notes, created=created)
    return Path(path)


def column_widths(frame: pl.DataFrame, headers: list[str], /, *, decimals: int) -> list[float]:
    """Each column as wide as its longest printed value or header (CJK counts double), + margin."""
    widths = []
    for name, header in zip(frame.columns, headers, strict=True):
        column = frame.get_column(name)
        if column.dtype.is_numeric():
            biggest = column.abs().max()
            places = decimals if column.dtype.is_float() else 0
            column = pl.Series([None if biggest is None else f"{biggest:,.{places}f}"])
        longest = max(display_width(column), display_width(pl.Series([header])))
        widths.append(math.ceil(longest * _WIDE_FACTOR) + 2)
    return widths


def _write(
    path: Path,
    frame: pl.DataFrame,
    *,
    view: YearView,
    title: str,
    lines: list[str],
    notes: list[str],
    created: dt.datetime | None,
) -> None:
    pub = view.profile.publication
    headers = [PUBLIC_HEADERS[c] for c in frame.columns]
    widths = column_widths(frame, headers, decimals=pub.decimals)
    last = frame.width - 1
    book = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
    )
    book.set_properties(
        {"title": title, "created": created or dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)}
    )
    fmt = _formats(book, decimals=pub.decimals)
    try:
        sheet = book.add_worksheet("公示名单")
        for j, width in enumerate(widths):
            sheet.set_column(j, j, width)
        sheet.set_row(0, 32)
        sheet.merge_range(0, 0, 0, last, title, fmt["title"])
        text = "\n".join(lines)
        per_line = max(1.0, sum(widths) / 2.2)  # CJK characters that fit on one line
        rows_needed = sum(math.ceil(len(line) / per_line) for line in lines)
        sheet.set_row(1, 18 * max(1, rows_needed) + 4)
        sheet.merge_range(1, 0, 1, last, text, fmt["notice"])
        head = 2
        sheet.set_row(head, _ROW_HEIGHT + 4)
        sheet.write_row(head, 0, headers, fmt["header"])
        writers = [
            _cell_writer(sheet, dtype, fmt, centered=name in _CENTERED)
            for name, dtype in frame.schema.items()
        ]
        for j, (column, write) in enumerate(zip(frame.iter_columns(), writers, strict=True)):
            for i, value in enumerate(column.to_list(), start=head + 1):
                write(i, j, value)
        for i in range(head + 1, head + 1 + frame.height):
            sheet.set_row(i, _ROW_HEIGHT)
        row = head + 1 + frame.height
        if frame.is_empty():
            sheet.merge_range(row, 0, row, last, "（无）", fmt["cell"])
            row += 1
        if notes:
            sheet.merge_range(row, 0, row, last, "注：" + "；".join(notes) + "。", fmt["small"])
            sheet.set_row(row, 18 * max(1, math.ceil(len("".join(notes)) / per_line)) + 4)
            row += 1
        notice = notice_of(view)
        if notice is not None:
            sheet.merge_range(row + 1, 0, row + 1, last, notice.issuer, fmt["sign"])
            sheet.merge_range(row + 2, 0, row + 2, last, chinese_date(notice.start), fmt["sign"])
        sheet.freeze_panes(head + 1, 0)
        sheet.autofilter(head, 0, head + max(frame.height, 1), last)
        sheet.repeat_rows(head)
        sheet.set_landscape()
        sheet.set_paper(_A4)
        sheet.center_horizontally()
        sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.7)
        sheet.fit_to_pages(1, 0)
        sheet.set_footer(PAGE_FOOTER)
    finally:
        close_workbook(book)


def _formats(book: xlsxwriter.Workbook, *, decimals: int) -> dict[str, Any]:
    border = {"border": 1, "valign": "vcenter", **_FONT}
    return {
        "title": book.add_format({**_FONT, "bold": True, "font_size": 16, "align": "center",
                                  "valign": "vcenter"}),
        "notice": book.add_format({**_FONT, "text_wrap": True, "valign": "top"}),
        "header": book.add_format({**border, "bold": True, "align": "center",
                                   "bg_color": "#DDEBF7"}),
        "cell": book.add_format(border),
        "center": book.add_format({**border, "align": "center"}),
        "whole": book.add_format({**border, "num_format": "0", "align": "center"}),
        "decimal": book.add_format({**border, "num_format": decimal_format(decimals)}),
        "small": book.add_format({**_FONT, "font_size": 10, "text_wrap": True, "valign": "top"}),
        "sign": book.add_format({**_FONT, "align": "right"}),
    }  # fmt: skip


def _cell_writer(sheet: Any, dtype: pl.DataType, fmt: dict[str, Any], *, centered: bool) -> Any:
    """Text as text cells (never formulas), numbers with their format; empty cells keep borders."""
    if dtype.is_numeric():
        number = fmt["decimal"] if dtype.is_float() else fmt["whole"]
        return lambda i, j, v: (
            sheet.write_blank(i, j, None, number)
            if v is None
            else sheet.write_number(i, j, v, number)
        )
    text = fmt["center" if centered else "cell"]
    return lambda i, j, v: (
        sheet.write_blank(i, j, None, text) if v is None else sheet.write_string(i, j, str(v), text)
    )
