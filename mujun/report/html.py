"""Self-contained HTML: the region report and the per-firm report card (inline SVG, no scripts)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path

import polars as pl

from mujun import store as st
from mujun.errors import MujunError
from mujun.policy import evaluate_targets
from mujun.profiles.models import Profile
from mujun.report import public_list, svg
from mujun.report.cycle_state import chinese_date, notice_of, state_label
from mujun.report.internal import RATIO_UNIT
from mujun.report.method_text import cap_note, method_lines
from mujun.report.output import write_text
from mujun.report.publication import YearView, class_list, summary

_CSS = f"""
body {{ font-family: {svg.FONT}; margin: 24px; color: #222; max-width: 1100px; }}
h1 {{ font-size: 22px; }} h2 {{ font-size: 17px; border-bottom: 2px solid #4575b4; padding-bottom: 4px; margin-top: 28px; }}
h3 {{ font-size: 14px; margin: 10px 0 4px; }}
table {{ border-collapse: collapse; margin: 8px 0; font-size: 13px; }}
th, td {{ border: 1px solid #999; padding: 4px 8px; text-align: right; }}
th {{ background: #ddebf7; min-width: 4.5em; font-weight: bold; }} td.l, th.l {{ text-align: left; }}
td {{ white-space: nowrap; }} td.l {{ white-space: normal; }}
caption {{ caption-side: top; text-align: left; font-weight: bold; padding: 4px 0; }}
.meta, .legend, .note {{ color: #444; font-size: 12px; }} .badge {{ display: inline-block; padding: 4px 12px; border-radius: 4px; font-weight: bold; }}
.grid {{ display: flex; flex-wrap: wrap; gap: 16px; }} .bar {{ background: #eee; width: 160px; height: 12px; display: inline-block; }}
.bar > span {{ background: #1a9850; height: 12px; display: block; }}
svg {{ max-width: 100%; height: auto; }} ol.method {{ font-size: 13px; line-height: 1.6; padding-left: 0; list-style: none; }}
.keep, table, figure, svg {{ break-inside: avoid; page-break-inside: avoid; }}
thead {{ display: table-header-group; }} tr {{ break-inside: avoid; page-break-inside: avoid; }}
h2, h3, caption {{ break-after: avoid; page-break-after: avoid; }}
figure {{ margin: 0; }}
@page {{ size: A4; margin: 14mm 12mm 16mm 12mm; }}
@media print {{
  body {{ margin: 0; max-width: none; font-size: 12px; }}
  table {{ font-size: 11px; }} th, td {{ padding: 3px 5px; }}
  .grid {{ display: block; }} .grid > * {{ margin-bottom: 8px; }}
  td svg {{ width: 240px; height: auto; }}
}}
"""
_CN_NUMBERS = "一二三四五六七八九十"


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{_CSS}</style></head><body>{body}</body></html>"
    )


def _cell(value: object, *, decimals: int) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.{decimals}f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _table(
    frame: pl.DataFrame,
    *,
    left: Sequence[str] = (),
    caption: str = "",
    decimals: int = 2,
    percent: Sequence[str] = (),
) -> str:
    """An HTML table: header repeated on each printed page, never split (print CSS)."""
    head = "".join(
        f'<th class="{"l" if c in left else ""}">{escape(c)}</th>' for c in frame.columns
    )
    rows = []
    for row in frame.iter_rows():
        cells = []
        for c, v in zip(frame.columns, row, strict=True):
            text = f"{v:.1%}" if c in percent and v is not None else _cell(v, decimals=decimals)
            cells.append(f'<td class="{"l" if c in left else ""}">{escape(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def legend(view: YearView, labels: Iterable[str], /) -> str:
    """A legend for the labels shown that are not ordinary classes (T, 免评, 待核, 不参评)."""
    lines = public_list.legend(view, set(labels))
    return f'<p class="legend">注：{escape("；".join(lines))}。</p>' if lines else ""


class _Sections:
    """Section headings and table captions numbered in the order they are written, no gaps."""

    def __init__(self) -> None:
        self.count = 0
        self.tables = 0

    def table(self, caption: str) -> str:
        self.tables += 1
        return f"表{self.tables} {caption}"

    def heading(self, title: str) -> str:
        self.count += 1
        number = _CN_NUMBERS[self.count - 1] if self.count <= len(_CN_NUMBERS) else str(self.count)
        return f"<h2>{number}、{escape(title)}</h2>"


def report_title(view: YearView, /) -> str:
    """E.g. "2024年度示范县工业企业亩均效益综合评价报告（认定稿）"."""
    return (
        f"{view.year}年度{public_list.county_of(view)}工业企业亩均效益综合评价报告"
        f"（{state_label(view)}）"
    )


# ---- the region report ---- #
def region_report(view: YearView, path: str | Path, /, *, store: st.Store | None = None) -> Path:
    """Write the region report as one self-contained HTML file that prints on A4.

    Classes per township (the workbook's 汇总), each indicator's distribution per cohort
    against that cohort's benchmark, the year-over-year transition matrix, progress against
    targets, top and bottom firms and the method generated from the profile.

    Raises:
        OutputError: the file is open in another program or the folder is not writable.
    """
    p = view.profile
    pub = p.publication
    labels = list(p.classification.labels)
    names = view.names
    sec = _Sections()
    notice = notice_of(view)
    period = (
        f"；公示期 {chinese_date(notice.start)}至{chinese_date(notice.end)}"
        if notice is not None
        else ""
    )
    parts = [
        f"<h1>{escape(report_title(view))}</h1>",
        f'<p class="meta">评价年度 {view.year}（数据年度 {view.year + p.data_year_offset}）；'
        f"状态 {escape(state_label(view))}{escape(period)}；运行编号 {view.run_id}；"
        f"评价方案 {escape(p.meta.title)}（{escape(p.meta.name)}）</p>",
    ]

    table = summary(view)
    towns = table.filter(pl.col("乡镇（街道）") != "合计")
    parts.append(f'<div class="keep">{sec.heading("各乡镇（街道）企业分类")}')
    parts.append(
        svg.stacked_bars(
            towns.get_column("乡镇（街道）").to_list(),
            [f"{c} {names[c]}" for c in labels],
            [
                [float(v) for v in r]
                for r in towns.select(f"{c}类（家）" for c in labels).iter_rows()
            ],
            title="各乡镇（街道）分类企业数（家）",
        )
        + "</div>"
    )
    counts = [c for c in table.columns if not c.endswith("占比（%）") and "亩均" not in c]
    parts.append(
        _table(
            table.select(counts),
            left=("乡镇（街道）",),
            caption=sec.table("各乡镇（街道）分类企业数（家）"),
        )
    )
    shares = [
        "乡镇（街道）",
        *(c for c in table.columns if c.endswith("占比（%）")),
        *(c for c in table.columns if "亩均" in c),
    ]
    parts.append(
        _table(
            table.select(shares),
            left=("乡镇（街道）",),
            caption=sec.table("各乡镇（街道）分类占比与亩均效益"),
            decimals=pub.decimals,
            percent=[c for c in shares if c.endswith("占比（%）")],
        )
    )
    parts.append(_unclassified(view))

    figures = []
    for cid, cohort in p.cohorts.items():
        firms = view.results.filter(pl.col("cohort") == cid).select("uscc")
        for ind in cohort.used_indicators:
            spec = p.indicators[ind]
            values = view.items.filter(
                (pl.col("indicator") == ind) & pl.col("value").is_not_null()
            ).join(firms, on="uscc")
            factor, unit = shown_unit(spec.unit)
            bench = values.get_column("benchmark").drop_nulls() * factor
            several = bench.n_unique() > 1
            marker = float(bench.median()) if bench.len() else None  # type: ignore[arg-type]
            figures.append(
                "<figure>"
                + svg.histogram(
                    (values.get_column("value") * factor).to_list(),
                    marker=marker,
                    marker_label="基准值中位数" if several else "基准值",
                    title=f"{cohort.label}：{spec.label}",
                    unit=unit,
                )
                + "</figure>"
            )
    parts.append(  # the heading stays with the first chart on one page
        f'<div class="keep">{sec.heading("主要指标分布与基准值（按评价类别）")}'
        '<p class="note">每个评价类别单独作图，红色虚线为该类别的基准值。</p>'
        + "".join(figures[:1])
        + '</div><div class="grid">'
        + "".join(figures[1:])
        + "</div>"
    )

    if view.previous is not None:
        parts.append(_transition(view, sec, labels))

    if p.targets and store is not None:
        try:
            targets = evaluate_targets(store, year=view.year, profile=p)
        except MujunError:
            targets = None
        if targets is not None:
            parts.append(
                f'<div class="keep">{sec.heading("目标完成情况")}'
                + _progress(targets, sec.table("规划目标完成进度"))
                + "</div>"
            )

    ranked = class_list(view).filter(pl.col("rank").is_not_null())
    note = cap_note(p)
    score_header = f"综合得分（分{'，' + note if note else ''}）"
    shown = ranked.select("name", "township", "cohort_label", "total_score", "class_label").rename(
        {
            "name": "企业名称",
            "township": "乡镇（街道）",
            "cohort_label": "评价类别",
            "total_score": score_header,
            "class_label": "等级",
        }
    )
    by_score = shown.sort(score_header, descending=True)
    text_cols = ("企业名称", "乡镇（街道）", "评价类别")
    parts.append(
        f'<div class="keep">{sec.heading("综合得分前十名与后十名")}'
        + _table(
            by_score.head(10),
            left=text_cols,
            caption=sec.table("综合得分前十名"),
            decimals=pub.decimals,
        )
        + "</div>"
        + _table(
            by_score.tail(10),
            left=text_cols,
            caption=sec.table("综合得分后十名"),
            decimals=pub.decimals,
        )
    )
    if note:
        parts.append(
            f'<p class="note">{note}：单项得分 = 指标值 ÷ 基准值 × 权重，不设上限，'
            "综合得分可能超过权重合计（100 分）。</p>"
        )
    parts.append(
        f'<div class="keep">{sec.heading("评价方法（由评价方案生成）")}<ol class="method">'
        + "".join(f"<li>{escape(line)}</li>" for line in method_lines(p))
        + "</ol></div>"
    )
    return write_text(path, _page(report_title(view), "".join(parts)))


def _unclassified(view: YearView) -> str:
    """Firms without an ordinary class, by label, with the legend of those labels."""
    classes = set(view.profile.classification.labels)
    other = (
        view.results.filter(~pl.col("class_label").is_in(list(classes)))
        .group_by("class_label")
        .len()
        .sort("class_label")
    )
    if other.is_empty():
        return ""
    counted = "、".join(f"{label} {n} 家" for label, n in other.iter_rows())
    return (
        f'<p class="note">未列入 {"/".join(sorted(classes))} 类的企业：{escape(counted)}。</p>'
        + legend(view, other.get_column("class_label").to_list())
    )


def _transition(view: YearView, sec: _Sections, labels: list[str]) -> str:
    assert view.previous is not None
    before = view.previous.select("uscc", pl.col("class_label").alias("from"))
    after = view.results.select("uscc", pl.col("class_label").alias("to"))
    pairs = before.join(after, on="uscc", how="full", coalesce=True).with_columns(
        pl.col("from").fill_null("（新进）"), pl.col("to").fill_null("（退出）")
    )
    order = [*labels, *sorted(set(pairs["to"]) - set(labels))]
    matrix = pairs.pivot(
        on="to",
        index="from",
        values="uscc",
        aggregate_function="len",
        on_columns=[c for c in order if c in set(pairs["to"])],
    ).fill_null(0)
    rows_order = {c: i for i, c in enumerate(["（新进）", *order, *sorted(set(pairs["from"]))])}
    matrix = matrix.sort(pl.col("from").replace_strict(rows_order, default=len(rows_order)))
    shown = {*pairs.get_column("from").to_list(), *pairs.get_column("to").to_list()}
    return (
        f'<div class="keep">{sec.heading(f"等级变动（{view.year - 1} → {view.year}，家）")}'
        + _heat(
            matrix.rename({"from": f"{view.year - 1}＼{view.year}"}),
            sec.table("等级变动矩阵（家）"),
        )
        + '<p class="note">行为上年等级，列为本年等级，单元格为企业数（家）。</p>'
        + legend(view, shown)
        + "</div>"
    )


def _heat(matrix: pl.DataFrame, caption: str) -> str:
    numbers = [v for col in matrix.columns[1:] for v in matrix.get_column(col).to_list()]
    top = max(numbers, default=1) or 1
    head = "".join(f"<th>{escape(c)}</th>" for c in matrix.columns)
    caption = f"<caption>{escape(caption)}</caption>"
    rows = []
    for row in matrix.iter_rows():
        cells = [f'<th class="l">{escape(str(row[0]))}</th>']
        for v in row[1:]:
            alpha = 0.1 + 0.8 * (v or 0) / top
            cells.append(f'<td style="background: rgba(69,117,180,{alpha:.2f})">{v}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


_MET = {True: "已达标", False: "未达标", None: "无法判断"}
"""无法判断: the actual value could not be computed (e.g. no regional figure)."""


def _progress(targets: pl.DataFrame, caption: str) -> str:
    rows = []
    for r in targets.iter_rows(named=True):
        share = r["完成进度"]
        width = 0 if share is None else max(0.0, min(1.0, share)) * 100
        actual = "—" if r["实际值"] is None else f"{r['实际值']:,.2f}"
        rows.append(
            f'<tr><td class="l">{escape(str(r["范围"]))}</td><td class="l">{escape(r["指标"])}</td>'
            f"<td>{actual} {escape(r['单位'])}</td><td>{r['目标年度']}</td><td>{svg.plain(r['目标值'])}</td>"
            f'<td><span class="bar"><span style="width:{width:.0f}%"></span></span> '
            f"{'' if share is None else f'{share:.0%}'}</td><td>{_MET[r['已达标']]}</td></tr>"
        )
    return (
        f"<table><caption>{escape(caption)}</caption>"
        '<thead><tr><th class="l">范围</th><th class="l">指标</th><th>实际值</th>'
        "<th>目标年度</th><th>目标值</th><th>完成进度</th><th>状态</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


# ---- the firm report card ---- #
def firm_card(
    view: YearView, uscc: str, path: str | Path, /, *, store: st.Store | None = None
) -> Path:
    """Write a firm's report card as one HTML file.

    Its indicators against benchmarks and its pool, item contributions, class, what it would
    take to reach the next class, and its history.

    Raises:
        MujunError: the firm is not in the year's results.
    """
    found = view.results.filter(pl.col("uscc") == uscc)
    if found.is_empty():
        msg = (
            f"{view.year} 年度的评价结果中没有企业 {uscc}。\n提示：检查统一社会信用代码和评价年度。"
        )
        raise MujunError(msg)
    firm = found.row(0, named=True)
    p = view.profile
    color = dict(zip(p.classification.labels, svg.CLASS_COLORS, strict=False)).get(
        firm["class_label"], "#757575"
    )
    parts = [
        f"<h1>{escape(firm['name'] or uscc)} 亩均效益评价报告卡（{view.year} 年度，"
        f"{escape(state_label(view))}）</h1>",
        f'<p class="meta">统一社会信用代码 {escape(uscc)}；{escape(firm["township"] or "")}；'
        f"{escape(firm['cohort_label'] or '')}</p>",
        f'<p><span class="badge" style="background:{color};color:{_ink(color)}">{escape(firm["class_label"] or "")}'
        f" {escape(view.names.get(firm['class_label'], ''))}</span> "
        f"综合得分 {_num(firm['total_score'], p.publication.decimals)} 分{_cap_badge(p)}；"
        f"排名 {firm['rank'] or '—'} / {firm['pool_size'] or '—'}</p>",
    ]
    if firm["special_reason"] or firm["override_reason"] or firm["adjustment_reason"]:
        notes = "；".join(
            x
            for x in (firm["special_reason"], firm["override_reason"], firm["adjustment_reason"])
            if x
        )
        parts.append(f"<p>说明：{escape(notes)}</p>")

    mine = view.items.filter(pl.col("uscc") == uscc)
    weights = p.cohorts[firm["cohort"]].weights if firm["cohort"] in p.cohorts else {}
    gap = firm["gap_to_next"]
    rows, labels, scores, maxima = [], [], [], []
    for ind in (i for i in p.used_indicators() if weights.get(i, 0) > 0):
        spec = p.indicators[ind]
        item = mine.filter(pl.col("indicator") == ind)
        value, bench, points = item.row(0)[2:5] if item.height else (None, None, None)
        pool = view.items.filter((pl.col("indicator") == ind) & pl.col("value").is_not_null()).join(
            view.results.filter(pl.col("cohort") == firm["cohort"]).select("uscc"), on="uscc"
        )
        values = pool.get_column("value")
        share = None if value is None or values.is_empty() else float((values <= value).mean())
        need = _needed(p, ind, weight=weights[ind], benchmark=bench, gap=gap)
        rows.append(
            f'<tr><td class="l">{escape(spec.label)}</td><td>{_shown(value, spec.unit)}</td>'
            f"<td>{_shown(bench, spec.unit)}</td><td>{_num(points, p.publication.decimals)} / {svg.plain(weights[ind])}</td>"
            f"<td>{'' if share is None else f'{share:.0%}'}</td><td>{need}</td>"
            f"<td>{svg.strip(values.to_list(), mark=value, benchmark=bench, title=spec.label)}</td></tr>"
        )
        labels.append(spec.label)
        scores.append(points or 0.0)
        maxima.append(weights[ind])
    nxt = firm["next_class"]
    parts.append(
        '<h2>各项指标</h2><table><thead><tr><th class="l">指标</th><th>数值</th><th>基准值</th>'
        "<th>得分 / 权重</th><th>同组分位</th>"
        f"<th>升至 {escape(nxt or '—')} 类需单项提高</th><th>同组分布（红线为基准值）</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    if gap is not None:
        parts.append(
            f"<p>距 {escape(nxt)} 类还差 {gap:.2f} 分（任选一项单独提高即可补足；"
            "封顶或最小–最大计分的指标无法这样估算）。</p>"
        )
    if labels:
        parts.append(svg.bars(labels, scores, maxima, title="各项得分（蓝）与权重（灰）"))
    if store is not None:
        past = st.history(store, uscc)
        if past.height:
            parts.append(
                "<h2>历年评价</h2>"
                + _table(
                    past.select(
                        pl.col("evaluation_year").alias("评价年度"),
                        pl.col("total_score").alias("综合得分（分）"),
                        pl.col("rank").alias("排名"),
                        pl.col("pool_size").alias("参与排名企业数（家）"),
                        pl.col("class_label").alias("等级"),
                        pl.col("tax_per_mu").alias("亩均税收（万元/亩）"),
                    )
                )
            )
    title = f"{firm['name']} 报告卡（{view.year} 年度，{state_label(view)}）"
    return write_text(path, _page(title, "".join(parts)))


def _cap_badge(p: Profile) -> str:
    """The note 单项不封顶 beside a total that can exceed the weights' sum."""
    note = cap_note(p)
    return f"（{note}，得分可超过权重合计）" if note else ""


def safe_filename(text: str, /, *, limit: int = 80) -> str:
    """A file name from free text such as a firm name.

    Path separators, reserved and control characters become "_"; leading dots and spaces go.
    """
    cleaned = "".join("_" if (ch in '/\\:*?"<>|' or ord(ch) < 32) else ch for ch in text)
    cleaned = cleaned.strip().lstrip(".").strip()
    return (cleaned or "firm")[:limit]


def _ink(background: str) -> str:
    """Dark text on light badges, white on dark ones (readable on screen and in print)."""
    r, g, b = (int(background[i : i + 2], 16) for i in (1, 3, 5))
    return "#222" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#fff"


def shown_unit(unit: str, /) -> tuple[float, str]:
    """How a unit is shown to officials: a ratio (比值) as a percentage, others as they are."""
    return (100.0, "%") if unit == RATIO_UNIT else (1.0, unit)


def _shown(value: float | None, unit: str) -> str:
    """A value with its unit, ratios as percentages: 0.0215 比值 → "2.15%"."""
    if value is None:
        return "—"
    factor, shown = shown_unit(unit)
    return f"{value * factor:,.2f}{shown}" if shown == "%" else f"{value:,.2f} {escape(shown)}"


def _num(value: float | None, decimals: int = 2) -> str:
    return "—" if value is None else f"{value:,.{decimals}f}"


def _needed(
    p: object, ind: str, *, weight: float, benchmark: float | None, gap: float | None
) -> str:
    """How much the indicator alone must rise to close the gap, under uncapped ratio scoring."""
    assert isinstance(p, Profile)
    rule = p.scoring_for(ind)
    spec = p.indicators[ind]
    if gap is None or benchmark is None or weight <= 0:
        return "—"
    if rule.method != "ratio" or rule.cap is not None or spec.direction != "higher":
        return "—"
    return f"+{_shown(gap * benchmark / weight, spec.unit)}"
