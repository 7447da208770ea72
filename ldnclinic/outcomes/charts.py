"""SVG charts for the progress timeline, as markup strings. Pure Python (no Django): every
panel shares one `TimeAxis`, so a date sits at the same x in each stacked chart.

Every chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>`; the page
pairs it with a table of the same data. All text is escaped here. The Content Security
Policy refuses inline `style`, so colours are presentation attributes (and CSS classes).
A `Chart` renders as-is in Django templates (`__html__` on its `str()`).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

WIDTH = 960
LEFT = 56
RIGHT = 132  # room for band and threshold labels on the right
TOP = 10
BOTTOM = 24  # the date labels
PLOT_HEIGHT = 150
LANE_HEIGHT = 26
MIN_LABEL_GAP = 70  # px between two text labels on one lane

# Series colours (with a marker shape each, so colour is never the only cue).
SERIES = (
    ("#1f5f8b", "circle"),
    ("#8a4b08", "square"),
    ("#2e7d5b", "diamond"),
    ("#6a3d9a", "triangle"),
)
# Band tints from the mildest band up.
BAND_FILLS = ("#e3f4ea", "#fff4d6", "#fde2c8", "#f9d0d0", "#f2b8be", "#e9a1a9")
THRESHOLD_STROKE = "#4a5663"
MARK_STROKE = "#a4282e"
GRID_STROKE = "#d7dde4"
INK = "#1c2430"
MUTED = "#526070"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def e(text) -> str:
    return escape(str(text), quote=True)


def num(value: float) -> str:
    """A compact number for SVG coordinates and labels: 12, 12.5, 0.25."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def day_text(day: datetime.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


# -- data shapes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    day: datetime.date
    value: float
    note: str = ""  # said in the point's tooltip, e.g. the band


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[Point] = ()


@dataclass(frozen=True)
class StepRun:
    """One dose step: `value` from `start` to `end` inclusive."""

    start: datetime.date
    end: datetime.date
    value: float


@dataclass(frozen=True)
class StepSeries:
    label: str
    runs: Sequence[StepRun] = ()


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    label: str


@dataclass(frozen=True)
class Threshold:
    value: float
    label: str


@dataclass(frozen=True)
class Marker:
    day: datetime.date
    label: str
    lane: str = ""
    hollow: bool = False  # planned or booked rather than done


@dataclass(frozen=True)
class Event:
    day: datetime.date
    label: str


class Markup(str):
    """Text that is already markup: template engines that honour `__html__` (Django's
    does, through conditional_escape) print it as is."""

    def __html__(self) -> str:
        return self


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    markup: str = field(repr=False)

    def __html__(self) -> str:
        return Markup(self.markup)

    def __str__(self) -> str:
        # Django's templates call str() before escaping; Markup survives that.
        return Markup(self.markup)


# -- the shared time axis --------------------------------------------------------------


@dataclass(frozen=True)
class TimeAxis:
    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return max((self.end - self.start).days, 1)

    def x(self, day: datetime.date) -> float:
        return LEFT + (day - self.start).days / self.days * (WIDTH - LEFT - RIGHT)

    def covers(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def ticks(self) -> list[tuple[datetime.date, str]]:
        """At most about eight dated ticks: weeks for short ranges, else whole months."""
        span = (self.end - self.start).days
        if span <= 70:
            step = 7 if span <= 49 else 14
            first = self.start + datetime.timedelta(days=(7 - self.start.weekday()) % 7)
            out = []
            day = first
            while day <= self.end:
                out.append((day, f"{day.day} {MONTHS[day.month - 1]}"))
                day += datetime.timedelta(days=step)
            return out
        months = span / 30.44
        every = next((m for m in (1, 2, 3, 6, 12, 24, 60) if months / m <= 8), 120)
        out = []
        year, month = self.start.year, self.start.month
        while True:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            day = datetime.date(year, month, 1)
            if day > self.end:
                return out
            if (year * 12 + month - 1) % every:
                continue
            if every >= 12:
                out.append((day, str(year)))
            elif month == 1 or not out:
                out.append((day, f"{MONTHS[month - 1]} {year}"))
            else:
                out.append((day, MONTHS[month - 1]))


def nice_ceiling(value: float) -> float:
    """The next 1, 2, 2.5 or 5 × 10^k at or above value."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * power + 1e-9:
            return factor * power
    return 10 * power


def y_ticks(low: float, high: float) -> list[float]:
    step = nice_ceiling((high - low) / 5) if high > low else 1
    ticks = []
    value = low
    while value <= high + 1e-9:
        ticks.append(round(value, 6))
        value += step
    return ticks


# -- the pieces each chart is made of -------------------------------------------------


def _open(chart_id: str, title: str, desc: str, height: int) -> list[str]:
    return [
        f'<svg class="tl-chart" id="{e(chart_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{e(chart_id)}-title {e(chart_id)}-desc" '
        'preserveAspectRatio="xMinYMin meet" font-family="system-ui, sans-serif" '
        'font-size="12">',
        f'<title id="{e(chart_id)}-title">{e(title)}</title>',
        f'<desc id="{e(chart_id)}-desc">{e(desc)}</desc>',
    ]


def _date_axis(axis: TimeAxis, top: float, bottom: float) -> list[str]:
    out = [
        f'<line x1="{LEFT}" y1="{num(bottom)}" x2="{WIDTH - RIGHT}" y2="{num(bottom)}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    ]
    for day, label in axis.ticks():
        x = num(axis.x(day))
        out.append(
            f'<line x1="{x}" y1="{num(top)}" x2="{x}" y2="{num(bottom)}" '
            f'stroke="{GRID_STROKE}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{x}" y="{num(bottom + 16)}" text-anchor="middle" fill="{MUTED}">'
            f"{e(label)}</text>"
        )
    return out


def _empty(text: str, top: float, bottom: float) -> str:
    x = num(LEFT + (WIDTH - LEFT - RIGHT) / 2)
    return (
        f'<text class="tl-empty" x="{x}" y="{num((top + bottom) / 2)}" text-anchor="middle" '
        f'fill="{MUTED}">{e(text)}</text>'
    )


def _shape(
    kind: str, x: float, y: float, colour: str, hollow: bool = False, size: float = 5
) -> str:
    fill = "#fff" if hollow else colour
    paint = f'fill="{fill}" stroke="{colour}" stroke-width="1.5"'
    half = size * 0.7
    if kind == "square":
        return (
            f'<rect x="{num(x - half)}" y="{num(y - half)}" width="{num(2 * half)}" '
            f'height="{num(2 * half)}" {paint}/>'
        )
    if kind == "diamond":
        return (
            f'<polygon points="{num(x)},{num(y - size)} {num(x + size)},{num(y)} '
            f'{num(x)},{num(y + size)} {num(x - size)},{num(y)}" {paint}/>'
        )
    if kind == "triangle":
        return (
            f'<polygon points="{num(x)},{num(y - size)} {num(x + size)},{num(y + 0.8 * size)} '
            f'{num(x - size)},{num(y + 0.8 * size)}" {paint}/>'
        )
    return f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(0.8 * size)}" {paint}/>'


class _Scale:
    def __init__(self, low: float, high: float, top: float, bottom: float):
        self.low, self.high, self.top, self.bottom = low, high, top, bottom

    def y(self, value: float) -> float:
        span = (self.high - self.low) or 1
        value = min(max(value, self.low), self.high)
        return self.bottom - (value - self.low) / span * (self.bottom - self.top)

    def grid(self, unit: str) -> list[str]:
        out = []
        for tick in y_ticks(self.low, self.high):
            y = num(self.y(tick))
            out.append(
                f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" '
                f'stroke="{GRID_STROKE}" stroke-width="1"/>'
            )
            out.append(
                f'<text x="{LEFT - 6}" y="{y}" dy="4" text-anchor="end" fill="{MUTED}">'
                f"{e(num(tick))}</text>"
            )
        if unit:
            out.append(
                f'<text x="4" y="{num(self.top + 2)}" dy="8" fill="{MUTED}">{e(unit)}</text>'
            )
        return out


def _legend(labels: Sequence[str], top: float) -> list[str]:
    out = []
    x = LEFT + 4
    for index, label in enumerate(labels):
        colour, kind = SERIES[index % len(SERIES)]
        out.append(_shape(kind, x + 4, top + 6, colour))
        out.append(f'<text x="{num(x + 14)}" y="{num(top + 10)}" fill="{INK}">{e(label)}</text>')
        x += 24 + 7 * len(label)
    return out


# -- the charts ---------------------------------------------------------------------------


def step_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    axis: TimeAxis,
    series: Sequence[StepSeries],
    unit: str = "",
    minimum_top: float = 1,
    events: Sequence[Event] = (),
    empty_text: str = "No data in this range.",
) -> Chart:
    """A step line per series (e.g. the LDN dose in mg); a gap between runs (a pause)
    breaks the line; events (pause, resume, stop) are dashed verticals with a label."""
    legend = len(series) > 1
    top = TOP + (18 if legend else 0) + 14  # room for event labels
    bottom = top + PLOT_HEIGHT
    height = int(bottom + BOTTOM)
    runs = [run for s in series for run in s.runs]
    high = nice_ceiling(max([minimum_top, *(run.value for run in runs)]))
    scale = _Scale(0, high, top, bottom)
    out = _open(chart_id, title, desc, height)
    out += scale.grid(unit)
    out += _date_axis(axis, top, bottom)
    if legend:
        out += _legend([s.label for s in series], TOP)
    if not runs:
        out.append(_empty(empty_text, top, bottom))
    for index, item in enumerate(series):
        colour, _ = SERIES[index % len(SERIES)]
        for path in _step_paths(item.runs, axis, scale):
            out.append(
                f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5" '
                'stroke-linejoin="round"/>'
            )
        for run in item.runs:
            if run.end < axis.start or run.start > axis.end:
                continue
            x0 = axis.x(max(run.start, axis.start))
            x1 = axis.x(min(run.end, axis.end) + datetime.timedelta(days=1))
            out.append(
                f'<rect x="{num(x0)}" y="{num(scale.y(run.value) - 6)}" '
                f'width="{num(max(x1 - x0, 1))}" height="12" fill="transparent">'
                f"<title>{e(item.label)}: {e(num(run.value))} {e(unit)} from "
                f"{e(day_text(run.start))} to {e(day_text(run.end))}</title></rect>"
            )
    for event in events:
        if not axis.covers(event.day):
            continue
        x = num(axis.x(event.day))
        out.append(
            f'<line x1="{x}" y1="{num(top - 4)}" x2="{x}" y2="{num(bottom)}" '
            f'stroke="{MARK_STROKE}" stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
        out.append(
            f'<text x="{x}" y="{num(top - 6)}" text-anchor="middle" fill="{MARK_STROKE}">'
            f"{e(event.label)}</text>"
        )
    out.append("</svg>")
    return Chart(chart_id, title, "".join(out))


def _step_paths(runs: Sequence[StepRun], axis: TimeAxis, scale: _Scale) -> list[str]:
    """One path per unbroken stretch of runs, clipped to the axis."""
    paths: list[str] = []
    current: list[str] = []
    previous_end = None
    one_day = datetime.timedelta(days=1)
    for run in sorted(runs, key=lambda r: r.start):
        if run.end < axis.start or run.start > axis.end:
            previous_end = None
            continue
        x0 = axis.x(max(run.start, axis.start))
        x1 = axis.x(min(run.end + one_day, axis.end))
        y = num(scale.y(run.value))
        if current and previous_end is not None and run.start == previous_end + one_day:
            current.append(f"L{num(x0)},{y} L{num(x1)},{y}")
        else:
            if current:
                paths.append(" ".join(current))
            current = [f"M{num(x0)},{y} L{num(x1)},{y}"]
        previous_end = run.end
    if current:
        paths.append(" ".join(current))
    return paths


def line_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    axis: TimeAxis,
    series: Sequence[Series],
    unit: str = "",
    low: float = 0,
    high: float | None = None,
    cap: float | None = None,
    bands: Sequence[Band] = (),
    thresholds: Sequence[Threshold] = (),
    marks: Sequence[Marker] = (),
    mark_label: str = "",
    empty_text: str = "No data in this range.",
) -> Chart:
    """Points joined by a line per series, over band shading (labelled on the right) with
    dashed threshold lines; `marks` are ticks under the plot (e.g. missed doses). With no
    fixed `high`, the top is the data's (and thresholds') nice ceiling, at most `cap`."""
    labels = [s.label for s in series]
    legend = len(series) > 1 or bool(marks)
    top = TOP + (18 if legend else 0)
    bottom = top + PLOT_HEIGHT
    mark_row = bottom + (12 if marks else 0)
    height = int(mark_row + BOTTOM)
    values = [p.value for s in series for p in s.points]
    if high is None:
        high = nice_ceiling(max([low + 1, *values, *(t.value for t in thresholds)]) * 1.1)
        if cap is not None:
            high = min(high, cap)
    scale = _Scale(low, high, top, bottom)
    out = _open(chart_id, title, desc, height)
    for index, band in enumerate(bands):
        if band.high <= low or band.low >= high:
            continue
        y_top, y_bottom = scale.y(band.high), scale.y(band.low)
        out.append(
            f'<rect x="{LEFT}" y="{num(y_top)}" width="{WIDTH - LEFT - RIGHT}" '
            f'height="{num(max(y_bottom - y_top, 0))}" '
            f'fill="{BAND_FILLS[min(index, len(BAND_FILLS) - 1)]}"/>'
        )
        if y_bottom - y_top >= 13:
            # Inside the band, at its top left: the right edge is the thresholds'.
            out.append(
                f'<text x="{LEFT + 6}" y="{num(y_top + 12)}" font-size="11" '
                f'fill="{MUTED}">{e(band.label)}</text>'
            )
    out += scale.grid(unit)
    out += _date_axis(axis, top, mark_row)
    for threshold in thresholds:
        if not low <= threshold.value <= high:
            continue
        y = num(scale.y(threshold.value))
        out.append(
            f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" '
            f'stroke="{THRESHOLD_STROKE}" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        out.append(
            f'<text x="{WIDTH - RIGHT + 6}" y="{y}" dy="4" fill="{INK}" font-weight="600">'
            f"{e(threshold.label)}</text>"
        )
    if legend:
        out += _legend(labels, TOP)
        if marks:
            x = LEFT + 4 + sum(24 + 7 * len(label) for label in labels)
            out.append(_tick(x + 4, TOP + 6))
            out.append(
                f'<text x="{num(x + 14)}" y="{TOP + 10}" fill="{INK}">{e(mark_label)}</text>'
            )
    if not values:
        out.append(_empty(empty_text, top, bottom))
    for index, item in enumerate(series):
        colour, kind = SERIES[index % len(SERIES)]
        shown = sorted((p for p in item.points if axis.covers(p.day)), key=lambda p: p.day)
        if len(shown) > 1:
            coords = " ".join(f"{num(axis.x(p.day))},{num(scale.y(p.value))}" for p in shown)
            out.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        # Dense series (daily diary points) get smaller markers.
        size = 5 if len(shown) <= 40 else 3
        for p in shown:
            note = f" ({p.note})" if p.note else ""
            out.append(
                f"<g>{_shape(kind, axis.x(p.day), scale.y(p.value), colour, size=size)}"
                f"<title>{e(item.label)}, {e(day_text(p.day))}: {e(num(p.value))}{e(note)}"
                "</title></g>"
            )
    for mark in marks:
        if axis.covers(mark.day):
            tick = _tick(axis.x(mark.day), bottom + 6)
            out.append(f"<g>{tick}<title>{e(mark.label)}</title></g>")
    out.append("</svg>")
    return Chart(chart_id, title, "".join(out))


def _tick(x: float, y: float) -> str:
    return (
        f'<line x1="{num(x)}" y1="{num(y - 5)}" x2="{num(x)}" y2="{num(y + 5)}" '
        f'stroke="{MARK_STROKE}" stroke-width="2"/>'
    )


def marker_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    axis: TimeAxis,
    markers: Sequence[Marker],
    empty_text: str = "Nothing in this range.",
) -> Chart:
    """One lane per `lane` name (e.g. the service), a marker per date: filled when done,
    hollow when planned or booked. Each lane is named on its first line."""
    lanes: list[str] = list(dict.fromkeys(m.lane for m in markers if axis.covers(m.day)))
    top = TOP
    bottom = top + max(len(lanes), 1) * LANE_HEIGHT + 8
    height = int(bottom + BOTTOM)
    out = _open(chart_id, title, desc, height)
    out += _date_axis(axis, top, bottom)
    if not lanes:
        out.append(_empty(empty_text, top, bottom))
    colour, _ = SERIES[0]
    for index, lane in enumerate(lanes):
        y = top + index * LANE_HEIGHT + LANE_HEIGHT / 2 + 6
        out.append(
            f'<text x="{WIDTH - RIGHT + 6}" y="{num(y)}" dy="4" fill="{INK}">{e(lane)}</text>'
        )
        out.append(
            f'<line x1="{LEFT}" y1="{num(y)}" x2="{WIDTH - RIGHT}" y2="{num(y)}" '
            f'stroke="{GRID_STROKE}" stroke-width="1"/>'
        )
        for marker in sorted(markers, key=lambda m: m.day):
            if marker.lane != lane or not axis.covers(marker.day):
                continue
            x = axis.x(marker.day)
            out.append(
                f"<g>{_shape('diamond', x, y, colour, marker.hollow)}"
                f"<title>{e(day_text(marker.day))}: {e(marker.label)}</title></g>"
            )
    out.append("</svg>")
    return Chart(chart_id, title, "".join(out))
