"""Bar charts drawn on the server: the geometry of a horizontal bar chart, which the
`charts.html` macro writes as SVG. One bar a row, its label above it (as long as a language
needs) and its value as text after it, so a chart reads the same at a desk, at a phone's width
(the SVG scales to its box) and on paper, and a screen reader gets the title, and every value
in the description.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 440  # the viewBox's width: the SVG scales to the width of its box
VALUE = 140  # room after the longest bar for its value
ROW, LABEL, BAR, PAD = 40, 16, 16, 4  # a row, its label's line, the bar's thickness, margins


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as a person reads it
    y: int  # the row's top: the label's line, then the bar
    width: float  # 0 for a value of 0 or None

    @property
    def bar_y(self) -> int:
        return self.y + LABEL + 2

    @property
    def text_x(self) -> float:
        return self.width + 6


@dataclass(frozen=True)
class Chart:
    id: str  # unique on the page: the title's and the description's ids derive from it
    title: str
    desc: str
    bars: list[Bar]
    height: int
    track: float  # the width of a full bar (the scale's top)
    width: int = WIDTH
    label_height: int = LABEL
    bar_height: int = BAR


def bars(
    chart_id: str, title: str, rows: list[tuple[str, float | None, str]], top: float | None = None
) -> Chart:
    """A chart of `rows` (label, value, the value as text): each bar as long as its value
    over `top` (the largest value when None); a None value draws no bar, its text says why."""
    track = WIDTH - VALUE
    top = top or max((value or 0 for _, value, _ in rows), default=0) or 1
    drawn = [
        Bar(label, text, PAD + k * ROW, round(track * min(value or 0, top) / top, 1))
        for k, (label, value, text) in enumerate(rows)
    ]
    desc = "; ".join(f"{label}: {text}" for label, _, text in rows)
    return Chart(chart_id, title, desc, drawn, 2 * PAD + ROW * len(rows), track)
