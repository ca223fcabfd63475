"""Bar charts drawn on the server as SVG: no script, nothing to download, printable.

The SVG is decoration for sighted readers (``aria-hidden``): every chart is shown
with its table, which screen readers read. Colours come from the console's CSS
(``.series-0`` ...), never from inline styles, which the page's CSP refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 240
LEFT = 36
BOTTOM = 36
TOP = 12
RIGHT = 8


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: list[float]


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart of a report: categories along the bottom (months, kinds), one bar per
    series in each, and the same numbers as a table."""

    key: str
    title: str
    categories: list[str]
    series: list[Series]
    unit: str = ""
    note: str = ""

    @property
    def empty(self) -> bool:
        return not any(v for s in self.series for v in s.values)

    def svg(self) -> Markup:
        return bar_chart(self.categories, self.series)


def _nice_top(value: float) -> float:
    """A round number at or above ``value`` for the top of the scale."""
    if value <= 0:
        return 1
    step = 1.0
    while step * 10 < value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def bar_chart(categories: Sequence[str], series: Sequence[Series]) -> Markup:
    top = _nice_top(max((v for s in series for v in s.values), default=0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" aria-hidden="true" '
        f'focusable="false" preserveAspectRatio="xMidYMid meet">'
    ]
    for tick in (0, top / 2, top):
        y = TOP + plot_h - plot_h * tick / top
        parts.append(
            f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_number(tick)}</text>"
        )
    for index, category in enumerate(categories):
        x0 = LEFT + index * group_w + group_w * 0.1
        for number, one in enumerate(series):
            value = one.values[index] if index < len(one.values) else 0
            h = plot_h * value / top
            x = x0 + number * bar_w
            y = TOP + plot_h - h
            parts.append(
                f'<rect class="series-{number}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}"/>'
            )
            if value:
                parts.append(
                    f'<text class="value" x="{x + bar_w / 2 - 1:.1f}" y="{y - 3:.1f}" '
                    f'text-anchor="middle">{_number(value)}</text>'
                )
        parts.append(
            f'<text class="axis" x="{LEFT + index * group_w + group_w / 2:.1f}" '
            f'y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(category)}</text>'
        )
    parts.append("</svg>")
    # Every piece above is a number formatted here or a label passed through escape().
    return Markup("".join(parts))  # noqa: S704
