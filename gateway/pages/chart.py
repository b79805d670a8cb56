"""A small Knowledge/Behavior/Status chart per Omaha problem, drawn as inline SVG on the server
(no script, works offline and prints). Each scale has its own colour and marker shape, and the
chart carries a text summary for screen readers."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from adapters.omaha.trend import ProblemTrend, TrendPoint
from adapters.omaha.vocabulary import SCALES as OMAHA_SCALES
from adapters.omaha.vocabulary import vocabulary
from gateway.pages.text import show_day

WIDTH, HEIGHT = 300, 140
LEFT, RIGHT, TOP, BOTTOM = 28, 12, 10, 26


@dataclass(frozen=True, slots=True)
class Scale:
    key: str
    label: str
    colour: str
    marker: str  # circle | square | triangle


# Colour and marker are presentation; the labels are the scales' British English names (mappings/omaha).
SCALES = tuple(Scale(key, vocabulary().scale_label(key), colour, marker) for key, colour, marker in zip(
    OMAHA_SCALES, ("#1d70b8", "#d4351c", "#00703c"), ("circle", "square", "triangle"), strict=True))


def _x(i: int, n: int) -> float:
    inner = WIDTH - LEFT - RIGHT
    return LEFT + (inner / 2 if n == 1 else inner * i / (n - 1))


def _y(score: int) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (5 - score) / 4


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "triangle":
        corners = f"{x:.1f},{y - 5:.1f} {x - 5:.1f},{y + 4:.1f} {x + 5:.1f},{y + 4:.1f}"
        return f'<polygon points="{corners}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def summary(trend: ProblemTrend) -> str:
    """The chart in words: each scale's first and latest score."""
    parts = []
    for scale in SCALES:
        scores = [(p.date, getattr(p, scale.key)) for p in trend.points if getattr(p, scale.key) is not None]
        if not scores:
            continue
        first, last = scores[0], scores[-1]
        parts.append(f"{scale.label} {first[1]} on {show_day(first[0])}" if len(scores) == 1 else
                     f"{scale.label} {first[1]} to {last[1]} ({show_day(first[0])} to {show_day(last[0])})")
    return "; ".join(parts) or "No ratings yet"


def trend_svg(trend: ProblemTrend) -> str:
    """The chart as an SVG element string (escaped; safe to insert as markup)."""
    points: list[TrendPoint] = trend.points
    n = len(points)
    name = escape(trend.problem_name or trend.problem_code or "Problem")
    out = [f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
           f'aria-label="{name}: {escape(summary(trend))}" data-points="{n}">',
           f"<title>{name}: {escape(summary(trend))}</title>"]
    for score in range(1, 6):
        y = _y(score)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" class="axis" text-anchor="end">{score}</text>')
    for i, point in enumerate(points):
        if n <= 4 or i in (0, n - 1):
            anchor = "middle" if n == 1 else "start" if i == 0 else "end" if i == n - 1 else "middle"
            out.append(f'<text x="{_x(i, n):.1f}" y="{HEIGHT - 8}" class="axis" text-anchor="{anchor}">'
                       f"{escape(show_day(point.date))}</text>")
    for offset, scale in enumerate(SCALES):
        coords = [(_x(i, n) + (offset - 1) * 2, _y(v)) for i, p in enumerate(points)
                  if (v := getattr(p, scale.key)) is not None]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            out.append(f'<polyline points="{path}" fill="none" stroke="{scale.colour}" stroke-width="2"/>')
        out.extend(_marker(scale.marker, x, y, scale.colour) for x, y in coords)
    out.append("</svg>")
    return "".join(out)


def legend_svg(scale: Scale) -> str:
    """The marker of one scale, for the legend next to the charts."""
    return (f'<svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">'
            f'{_marker(scale.marker, 6, 6, scale.colour)}</svg>')
