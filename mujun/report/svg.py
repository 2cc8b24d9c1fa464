"""Small inline-SVG charts for self-contained HTML reports (no scripts, no network)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

FONT = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC','WenQuanYi Micro Hei',sans-serif"
CLASS_COLORS = (
    "#1a9850",
    "#91cf60",
    "#fee08b",
    "#d73027",
    "#9e9e9e",
    "#bdbdbd",
    "#757575",
    "#e0e0e0",
)


def plain(value: float, /, *, step: float | None = None) -> str:
    """A number as officials write it: thousands separators, no scientific notation.

    Decimals follow ``step`` (the spacing of the numbers shown together, e.g. axis ticks) or
    the value's own size: 1234.5 → "1,235", 12.34 → "12.3", 0.01234 → "0.0123".
    """
    size = abs(step if step else value)
    if size == 0 or not math.isfinite(size):
        return "0" if size == 0 else str(value)
    places = max(0, min(6, 2 - math.floor(math.log10(size)))) if size < 100 else 0
    if step:
        places = max(0, min(6, -math.floor(math.log10(size))))
        if round(step, places) != step:
            places += 1
    return f"{value:,.{places}f}"


def nice_ticks(low: float, high: float, /, *, count: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 × 10^n) covering low..high."""
    span = (high - low) or 1.0
    raw = span / max(1, count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first, last = math.floor(low / step), math.ceil(high / step - 1e-9)
    return [round(k * step, 10) for k in range(first, max(last, first + 1) + 1)]


def _svg(width: int, height: int, body: str, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="12">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def stacked_bars(
    rows: Sequence[str], series: Sequence[str], values: Sequence[Sequence[float]], *, title: str
) -> str:
    """Horizontal stacked bars: one bar per row, one segment per series (counts)."""
    label_w, bar_w, row_h = 110, 520, 26
    height = 40 + row_h * len(rows) + 30
    biggest = max((sum(v) for v in values), default=1) or 1
    parts = [f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>']
    for i, (row, vals) in enumerate(zip(rows, values, strict=True)):
        y = 30 + i * row_h
        parts.append(f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end">{escape(row)}</text>')
        x = float(label_w)
        for j, v in enumerate(vals):
            w = bar_w * v / biggest
            if w > 0:
                color = CLASS_COLORS[j % len(CLASS_COLORS)]
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 6}" '
                    f'fill="{color}"><title>{escape(row)} {escape(series[j])}: {v:,.0f}</title></rect>'
                )
                if w > 18:
                    parts.append(
                        f'<text x="{x + w / 2:.1f}" y="{y + 15}" text-anchor="middle" '
                        f'font-size="11">{v:,.0f}</text>'
                    )
            x += w
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + 15}" font-size="11" fill="#555">{sum(vals):,.0f}</text>'
        )
    legend_y = 30 + row_h * len(rows) + 12
    for j, name in enumerate(series):
        lx = label_w + j * 90
        parts.append(
            f'<rect x="{lx}" y="{legend_y - 10}" width="12" height="12" '
            f'fill="{CLASS_COLORS[j % len(CLASS_COLORS)]}"/>'
            f'<text x="{lx + 16}" y="{legend_y}">{escape(name)}</text>'
        )
    return _svg(label_w + bar_w + 60, height, "".join(parts), title)


def histogram(
    values: Sequence[float],
    *,
    marker: float | None,
    marker_label: str,
    title: str,
    unit: str,
    bins: int = 24,
) -> str:
    """A histogram of ``values`` with a vertical line at ``marker`` (the benchmark).

    Axis numbers are round and plain (no scientific notation) and the unit is on the axis.
    Values above the 99th percentile are folded into the last bin (said under the axis).
    """
    width, height, left, bottom = 520, 230, 44, 48
    data = sorted(v for v in values if v is not None and math.isfinite(v))
    if not data:
        return _svg(width, 40, f'<text x="0" y="20">{escape(title)}：无数据</text>', title)
    cut = data[min(len(data) - 1, int(len(data) * 0.99))]
    high = max(cut, marker * 1.1 if marker is not None else cut)
    ticks = nice_ticks(min(0.0, data[0]), high if high > min(0.0, data[0]) else 1.0)
    low, high = ticks[0], ticks[-1]
    step = (high - low) / bins
    counts = [0] * bins
    for v in data:
        counts[min(bins - 1, max(0, int((v - low) / step)))] += 1
    folded = sum(1 for v in data if v > high)
    top = max(counts) or 1
    plot_w, plot_h = width - left - 30, height - bottom - 30  # room for the last tick
    parts = [f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>']
    bar = plot_w / bins
    for i, c in enumerate(counts):
        h = plot_h * c / top
        parts.append(
            f'<rect x="{left + i * bar:.1f}" y="{30 + plot_h - h:.1f}" width="{bar - 1:.1f}" '
            f'height="{h:.1f}" fill="#4575b4"><title>{plain(low + i * step)}–'
            f"{plain(low + (i + 1) * step)} {escape(unit)}：{c} 家</title></rect>"
        )
    axis_y = 30 + plot_h
    parts.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" stroke="#333"/>'
        f'<text x="{left - 4}" y="{30 + 10}" text-anchor="end" font-size="10">{top}</text>'
        f'<text x="{left - 4}" y="{axis_y}" text-anchor="end" font-size="10">0</text>'
        f'<text x="{left - 4}" y="{30 + plot_h / 2:.1f}" text-anchor="end" font-size="10">家</text>'
    )
    tick_step = ticks[1] - ticks[0] if len(ticks) > 1 else None
    for t in ticks:
        x = left + plot_w * (t - low) / (high - low)
        parts.append(
            f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 4}" stroke="#333"/>'
            f'<text x="{x:.1f}" y="{axis_y + 15}" text-anchor="middle" font-size="10">'
            f"{plain(t, step=tick_step)}</text>"
        )
    extra = f"，另有 {folded} 家高于 {plain(high, step=tick_step)} 计入最右一格" if folded else ""
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle" '
        f'font-size="11">{escape(unit)}（共 {len(data)} 家{extra}）</text>'
    )
    if marker is not None:
        mx = left + plot_w * (marker - low) / (high - low)
        parts.append(
            f'<line x1="{mx:.1f}" y1="28" x2="{mx:.1f}" y2="{axis_y}" stroke="#d73027" '
            f'stroke-width="2" stroke-dasharray="4 3"/><text x="{mx + 4:.1f}" y="40" '
            f'fill="#d73027" font-size="11">{escape(marker_label)} {plain(marker)} '
            f"{escape(unit)}</text>"
        )
    return _svg(width, height, "".join(parts), title)


def bars(
    labels: Sequence[str], values: Sequence[float], maxima: Sequence[float], *, title: str
) -> str:
    """Horizontal bars of ``values`` against grey ``maxima`` (item scores against weights)."""
    label_w, bar_w, row_h = 170, 360, 24
    top = max([*maxima, *values, 1.0])
    parts = [f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>']
    for i, (lab, v, m) in enumerate(zip(labels, values, maxima, strict=True)):
        y = 28 + i * row_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(lab)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{bar_w * m / top:.1f}" height="{row_h - 8}" fill="#e0e0e0"/>'
            f'<rect x="{label_w}" y="{y}" width="{bar_w * max(v, 0) / top:.1f}" height="{row_h - 8}" '
            f'fill="#4575b4"/><text x="{label_w + bar_w * max(v, m) / top + 4:.1f}" y="{y + 13}" '
            f'font-size="11">{v:,.2f} / {plain(m)}</text>'
        )
    return _svg(label_w + bar_w + 90, 36 + row_h * len(labels), "".join(parts), title)


def strip(
    values: Sequence[float], *, mark: float | None, benchmark: float | None, title: str
) -> str:
    """A pool's values as ticks on a line, the firm's value marked (a small distribution view)."""
    width, height, left = 420, 54, 10
    data = sorted(v for v in values if v is not None and math.isfinite(v))
    if not data:
        return _svg(width, 20, "", title)
    low, high = data[0], data[min(len(data) - 1, int(len(data) * 0.99))]
    for extra in (mark, benchmark):
        if extra is not None:
            low, high = min(low, extra), max(high, extra)
    span = (high - low) or 1.0

    def x(v: float) -> float:
        return left + (width - 2 * left) * (min(v, high) - low) / span

    parts = [f'<line x1="{left}" y1="30" x2="{width - left}" y2="30" stroke="#999"/>']
    parts += [
        f'<line x1="{x(v):.1f}" y1="24" x2="{x(v):.1f}" y2="36" stroke="#4575b4" '
        f'stroke-opacity="0.35"/>'
        for v in data
    ]
    if benchmark is not None:
        parts.append(
            f'<line x1="{x(benchmark):.1f}" y1="16" x2="{x(benchmark):.1f}" y2="44" '
            f'stroke="#d73027" stroke-dasharray="3 2"/>'
        )
    if mark is not None:
        parts.append(f'<circle cx="{x(mark):.1f}" cy="30" r="6" fill="#f46d43" stroke="#333"/>')
    parts.append(
        f'<text x="{left}" y="52" font-size="10">{plain(low)}</text><text x="{width - left}" '
        f'y="52" font-size="10" text-anchor="end">{plain(high)}</text>'
    )
    return _svg(width, height, "".join(parts), title)
