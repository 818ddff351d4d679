"""Small server-side SVG charts for the dashboard (no chart library, no
script): bar and stacked-bar charts with text labels, escaped."""

from __future__ import annotations

from html import escape

PALETTE = ("#1f5f8b", "#c0392b", "#7f8c2d", "#8e44ad", "#d68910", "#17806d", "#5d6d7e", "#a04000")


def bars(values: dict[str, int], title: str, labels: dict[str, str] | None = None) -> str:
    labels = labels or {}
    items = [(labels.get(k, k), v) for k, v in values.items()]
    if not items:
        return f'<p class="muted">{escape(title)}: nothing yet.</p>'
    top = max(v for _, v in items) or 1
    width, row = 360, 24
    parts = [f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{row * len(items) + 8}" '
             f'viewBox="0 0 {width} {row * len(items) + 8}">', f"<title>{escape(title)}</title>"]
    for i, (label, value) in enumerate(items):
        w = int(200 * value / top)
        y = 4 + i * row
        parts.append(f'<text x="0" y="{y + 15}" class="chart-label">{escape(str(label))}</text>'
                     f'<rect x="120" y="{y + 3}" width="{max(w, 1)}" height="16" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{126 + w}" y="{y + 15}" class="chart-value">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(series: dict[str, dict[str, int]], title: str) -> str:
    if not series:
        return f'<p class="muted">{escape(title)}: nothing yet.</p>'
    keys = sorted({k for week in series.values() for k in week})
    colour = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}
    top = max(sum(week.values()) for week in series.values()) or 1
    bar_w, gap, height = 28, 10, 140
    width = max(len(series) * (bar_w + gap) + 10, 200)
    parts = [f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height + 40}" '
             f'viewBox="0 0 {width} {height + 40}">', f"<title>{escape(title)}</title>"]
    for i, (week, counts) in enumerate(series.items()):
        x = 5 + i * (bar_w + gap)
        y = height
        for key in keys:
            value = counts.get(key, 0)
            if not value:
                continue
            h = int(height * value / top)
            y -= h
            parts.append(f'<rect x="{x}" y="{y}" width="{bar_w}" height="{h}" fill="{colour[key]}">'
                         f"<title>{escape(week)} {escape(key)}: {value}</title></rect>")
        parts.append(f'<text x="{x}" y="{height + 14}" class="chart-label small">{escape(week[-3:])}</text>')
    parts.append("</svg>")
    legend = "".join(f'<span class="legend"><span class="swatch" style="background:{colour[k]}"></span>'
                     f"{escape(k)}</span>" for k in keys)
    return "".join(parts) + f'<div class="legend-row">{legend}</div>'
