"""Bar charts laid out in Python and drawn as inline SVG by the HTML template.

Geometry only: every label and number is handed to Jinja2, which escapes it. Labels sit above
their bars so long names stay readable at phone width, where the chart is scaled down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

CHART_WIDTH = 360
ROW_HEIGHT = 36
LABEL_BASELINE = 13
BAR_TOP = 18
BAR_HEIGHT = 12
VALUE_ROOM = 44
LABEL_CHARS = 52


@dataclass(frozen=True)
class Segment:
    """One coloured piece of a bar."""

    css_class: str
    """The CSS class that colours it (e.g. ``fill-high``)."""
    name: str
    """What it counts, for its tooltip."""
    value: int
    x: float
    width: float


@dataclass(frozen=True)
class Bar:
    """One labelled row of a chart."""

    label: str
    """The text above the bar (shortened to fit)."""
    full_label: str
    """The untruncated label, for the tooltip and the description."""
    value: int
    y: int
    segments: tuple[Segment, ...]
    filter_kind: str | None
    """The findings filter a click on this bar sets (``severity``, ``rule``, ``sub``), if any."""
    filter_value: str | None

    @property
    def label_y(self) -> int:
        """Baseline of the label text."""
        return self.y + LABEL_BASELINE

    @property
    def bar_y(self) -> int:
        """Top of the bar."""
        return self.y + BAR_TOP

    @property
    def value_x(self) -> float:
        """Where the number after the bar starts."""
        end = max((s.x + s.width for s in self.segments), default=0.0)
        return end + 6

    @property
    def value_y(self) -> int:
        """Baseline of the number after the bar."""
        return self.y + BAR_TOP + BAR_HEIGHT - 1


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart with its accessible title and description."""

    chart_id: str
    title: str
    description: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    bar_height: int
    empty_text: str

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to draw (all values zero)."""
        return not any(b.value for b in self.bars)


@dataclass(frozen=True)
class BarInput:
    """What a caller knows about one bar before layout."""

    label: str
    parts: Sequence[tuple[str, str, int]]
    """(css class, name, value) per segment, in drawing order."""
    filter_kind: str | None = None
    filter_value: str | None = None


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    """The text cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(
    chart_id: str, title: str, inputs: Sequence[BarInput], empty_text: str = "Nothing to show."
) -> BarChart:
    """Lay out a horizontal bar chart, one row per input, bars scaled to the largest total."""
    totals = [sum(value for _, _, value in bar.parts) for bar in inputs]
    largest = max(totals, default=0) or 1
    track = CHART_WIDTH - VALUE_ROOM
    bars = []
    for index, (bar, total) in enumerate(zip(inputs, totals, strict=True)):
        x = 0.0
        segments = []
        for css_class, name, value in bar.parts:
            if value <= 0:
                continue
            width = max(track * value / largest, 2.0)
            segments.append(Segment(css_class, name, value, round(x, 2), round(width, 2)))
            x += width
        bars.append(
            Bar(
                label=shorten(bar.label),
                full_label=bar.label,
                value=total,
                y=index * ROW_HEIGHT,
                segments=tuple(segments),
                filter_kind=bar.filter_kind,
                filter_value=bar.filter_value,
            )
        )
    description = "; ".join(
        f"{b.full_label}: {b.value}"
        + (
            " (" + ", ".join(f"{s.name} {s.value}" for s in b.segments) + ")"
            if len(b.segments) > 1
            else ""
        )
        for b in bars
    )
    return BarChart(
        chart_id=chart_id,
        title=title,
        description=description or empty_text,
        bars=tuple(bars),
        width=CHART_WIDTH,
        height=max(len(bars) * ROW_HEIGHT, ROW_HEIGHT),
        bar_height=BAR_HEIGHT,
        empty_text=empty_text,
    )
