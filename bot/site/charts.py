"""Charts drawn as static SVG at build time: readable without JavaScript, in light and dark themes.

Colours come from the theme's CSS variables (with plain fallbacks), so one drawing suits both.
"""

from __future__ import annotations

import math
from html import escape

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 240, 44, 46, 16
SERIES = ("var(--mlops-series-1, #3f6ad8)", "var(--mlops-series-2, #d97a1f)", "var(--mlops-series-3, #2e9e6b)")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(title: str, labels: list[str], values: list[float], unit: str = "") -> str:
    """A vertical bar chart; `labels` and `values` pair up."""
    return stacked_bar_chart(title, labels, [[v] for v in values], [unit or "value"], unit=unit, legend=False)


def stacked_bar_chart(
    title: str,
    labels: list[str],
    stacks: list[list[float]],
    series: list[str],
    unit: str = "",
    reference: list[float] | None = None,
    legend: bool = True,
) -> str:
    """Bars made of stacked segments (one per series); an optional reference stack drawn as dashed lines."""
    top = _nice_max(max((sum(s) for s in stacks), default=0))
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    count = max(1, len(labels))
    slot = plot_w / count
    bar = max(2.0, min(48.0, slot * 0.7))
    parts = [
        f'<svg class="mlops-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for tick in range(5):
        value = top * tick / 4
        y = PAD_TOP + plot_h - plot_h * tick / 4
        parts.append(f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}"/>')
        text = f"{value:g}{unit}"
        parts.append(f'<text class="axis" x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(text)}</text>')
    every = max(1, count // 12)
    for index, (label, stack) in enumerate(zip(labels, stacks, strict=True)):
        x = PAD_LEFT + slot * index + (slot - bar) / 2
        base = 0.0
        for number, value in enumerate(stack):
            height = plot_h * value / top
            y = PAD_TOP + plot_h - plot_h * (base + value) / top
            tip = f"{label}: {series[number]} {value:g}{unit}" if legend else f"{label}: {value:g}{unit}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{max(0.0, height):.1f}" '
                f'fill="{SERIES[number % len(SERIES)]}"><title>{escape(tip)}</title></rect>'
            )
            base += value
        if index % every == 0:
            parts.append(
                f'<text class="axis" x="{x + bar / 2:.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" '
                f'text-anchor="middle">{escape(label[:12])}</text>'
            )
    if reference:
        base = 0.0
        for value in reference[:-1]:
            base += value
            y = PAD_TOP + plot_h - plot_h * base / top
            parts.append(f'<line class="reference" x1="{PAD_LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}"/>')
    if legend:
        x = PAD_LEFT
        for number, name in enumerate(series):
            parts.append(
                f'<rect x="{x}" y="{HEIGHT - 16}" width="10" height="10" fill="{SERIES[number % len(SERIES)]}"/>'
            )
            parts.append(f'<text class="axis" x="{x + 14}" y="{HEIGHT - 7}">{escape(name)}</text>')
            x += 14 + 8 * len(name) + 16
    parts.append("</svg>")
    return "".join(parts)


# Stage markers differ in shape as well as colour, so the chart reads without colour vision.
STAGE_MARKS = {
    "candidate": ("circle", "var(--mlops-stage-candidate, #0b5cad)"),
    "staging": ("square", "var(--mlops-stage-staging, #8a5a00)"),
    "production": ("diamond", "var(--mlops-stage-production, #17692e)"),
    "archived": ("ring", "var(--mlops-stage-archived, #6b6b6b)"),
}


def _ticks(values: list[float]) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) that enclose `values` with room."""
    low, high = min(values), max(values)
    spread = high - low or abs(high) * 0.1 or 1.0
    low, high = low - spread * 0.1, high + spread * 0.1
    raw = (high - low) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step)
    count = math.ceil(high / step) - first
    return [float(f"{(first + n) * step:.12g}") for n in range(count + 1)]


def _mark(shape: str, x: float, y: float, colour: str, tip: str) -> str:
    title = f"<title>{escape(tip)}</title>"
    if shape == "square":
        return f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="{colour}">{title}</rect>'
    if shape == "diamond":
        points = f"{x:.1f},{y - 7:.1f} {x + 7:.1f},{y:.1f} {x:.1f},{y + 7:.1f} {x - 7:.1f},{y:.1f}"
        return f'<polygon points="{points}" fill="{colour}">{title}</polygon>'
    if shape == "ring":
        return (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="var(--md-default-bg-color, #fff)" '
            f'stroke="{colour}" stroke-width="2">{title}</circle>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5.5" fill="{colour}">{title}</circle>'


def trend_chart(title: str, labels: list[str], values: list[float | None], stages: list[str], unit: str = "") -> str:
    """One metric across versions (oldest first): a line through the versions that report it, each point
    marked by the version's stage; versions without the metric leave a gap on the axis."""
    values = [v if v is not None and math.isfinite(v) else None for v in values]
    ticks = _ticks([v for v in values if v is not None] or [0.0, 1.0])
    low, high = ticks[0], ticks[-1]
    if not high > low:  # values beyond what a float can space out: one flat line
        low, high = low - 1.0, high + 1.0
    plot_w, plot_h = WIDTH - PAD_LEFT - 20, HEIGHT - PAD_BOTTOM - PAD_TOP
    count = max(1, len(labels))
    step = plot_w / count
    parts = [
        f'<svg class="mlops-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for value in ticks:
        y = PAD_TOP + plot_h - plot_h * (value - low) / (high - low)
        parts.append(f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}"/>')
        text = escape(f"{value:.6g}{unit}")
        parts.append(f'<text class="axis" x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{text}</text>')
    points = []
    for index, value in enumerate(values):
        x = PAD_LEFT + step * index + step / 2
        y = None if value is None else PAD_TOP + plot_h - plot_h * (value - low) / (high - low)
        points.append((x, y))
    path, pen_down = [], False
    for x, y in points:
        if y is None:
            pen_down = False
            continue
        path.append(f"{'L' if pen_down else 'M'}{x:.1f},{y:.1f}")
        pen_down = True
    if path:
        parts.append(f'<path class="trend" d="{" ".join(path)}" fill="none" stroke="{SERIES[0]}" stroke-width="2"/>')
    every = max(1, count // 10)
    for index, ((x, y), label, value, stage) in enumerate(zip(points, labels, values, stages, strict=True)):
        shape, colour = STAGE_MARKS.get(stage, STAGE_MARKS["candidate"])
        if y is not None:
            parts.append(_mark(shape, x, y, colour, f"{label} ({stage}): {value:g}{unit}"))
        if index % every == 0 or index == count - 1:
            parts.append(
                f'<text class="axis" x="{x:.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" '
                f'text-anchor="middle">{escape(label[:12])}</text>'
            )
    x = PAD_LEFT
    for stage in [s for s in STAGE_MARKS if s in stages]:
        shape, colour = STAGE_MARKS[stage]
        parts.append(_mark(shape, x + 5, HEIGHT - 12, colour, stage))
        parts.append(f'<text class="axis" x="{x + 14}" y="{HEIGHT - 8}">{escape(stage)}</text>')
        x += 24 + 7 * len(stage)
    parts.append("</svg>")
    return "".join(parts)
