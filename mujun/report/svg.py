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
                    f'fill="{color}"><title>{escape(row)} {escape(series[j])}: {v:g}</title></rect>'
                )
                if w > 18:
                    parts.append(
                        f'<text x="{x + w / 2:.1f}" y="{y + 15}" text-anchor="middle" '
                        f'font-size="11">{v:g}</text>'
                    )
            x += w
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + 15}" font-size="11" fill="#555">{sum(vals):g}</text>'
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

    Values above the 99th percentile are folded into the last bin.
    """
    width, height, left, bottom = 520, 220, 40, 40
    data = sorted(v for v in values if v is not None and math.isfinite(v))
    if not data:
        return _svg(width, 40, f'<text x="0" y="20">{escape(title)}：无数据</text>', title)
    low = min(0.0, data[0])
    high = data[min(len(data) - 1, int(len(data) * 0.99))]
    if marker is not None:
        high = max(high, marker * 1.1)
    high = high if high > low else low + 1
    step = (high - low) / bins
    counts = [0] * bins
    for v in data:
        counts[min(bins - 1, max(0, int((v - low) / step)))] += 1
    top = max(counts) or 1
    plot_w, plot_h = width - left - 10, height - bottom - 30
    parts = [f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>']
    bar = plot_w / bins
    for i, c in enumerate(counts):
        h = plot_h * c / top
        parts.append(
            f'<rect x="{left + i * bar:.1f}" y="{30 + plot_h - h:.1f}" width="{bar - 1:.1f}" '
            f'height="{h:.1f}" fill="#4575b4"><title>{low + i * step:.3g}–{low + (i + 1) * step:.3g}'
            f"：{c} 家</title></rect>"
        )
    axis_y = 30 + plot_h
    parts.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" stroke="#333"/>'
    )
    for k in range(5):
        x = left + plot_w * k / 4
        parts.append(
            f'<text x="{x:.1f}" y="{axis_y + 15}" text-anchor="middle" font-size="10">'
            f"{low + (high - low) * k / 4:.3g}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 4}" text-anchor="middle" '
        f'font-size="11">{escape(unit)}（共 {len(data)} 家）</text>'
    )
    if marker is not None:
        mx = left + plot_w * (marker - low) / (high - low)
        parts.append(
            f'<line x1="{mx:.1f}" y1="28" x2="{mx:.1f}" y2="{axis_y}" stroke="#d73027" '
            f'stroke-width="2" stroke-dasharray="4 3"/><text x="{mx + 4:.1f}" y="40" '
            f'fill="#d73027" font-size="11">{escape(marker_label)} {marker:.4g}</text>'
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
            f'font-size="11">{v:.2f} / {m:g}</text>'
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
        f'<text x="{left}" y="52" font-size="10">{low:.3g}</text><text x="{width - left}" '
        f'y="52" font-size="10" text-anchor="end">{high:.3g}</text>'
    )
    return _svg(width, height, "".join(parts), title)
