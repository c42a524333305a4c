"""Charts drawn on the server as SVG: shapes and presentation attributes only (no inline
style or script, so the strict Content-Security-Policy holds), coloured by the classes in
monitoring/dashboard.css. Every chart has its numbers in a table beside it too."""

import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 200
LEFT, RIGHT, TOP, BOTTOM = 64, 36, 10, 22
MAX_X_LABELS = 12


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    bars: list = field(default_factory=list)  # dicts: x, y, width, height, css, title
    lines: list = field(default_factory=list)  # dicts: css, points ("x,y x,y"), dots [(x, y, title)]
    y_ticks: list = field(default_factory=list)  # (y, label)
    x_labels: list = field(default_factory=list)  # (x, label)
    legend: list = field(default_factory=list)  # (css, label)
    empty: bool = True

    @property
    def baseline(self):
        return self.height - BOTTOM

    @property
    def plot_left(self):
        return LEFT

    @property
    def plot_right(self):
        return self.width - RIGHT


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above `value` (1 for nothing)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _axes(chart, labels, top_value):
    plot_height = chart.baseline - TOP
    # The unit is in the chart's heading; ticks carry numbers only (they must fit the margin).
    chart.y_ticks = [(chart.baseline - plot_height * share, _number(top_value * share)) for share in (0, 0.5, 1)]
    slot = (chart.plot_right - chart.plot_left) / max(1, len(labels))
    every = math.ceil(len(labels) / MAX_X_LABELS)
    chart.x_labels = [(chart.plot_left + slot * (n + 0.5), label) for n, label in enumerate(labels) if n % every == 0]
    return slot, plot_height


def stacked_bars(labels, series) -> Chart:
    """One bar per label, each series stacked on the ones before it: series are
    (name, css class, [value per label])."""
    chart = Chart(legend=[(css, name) for name, css, _ in series] if len(series) > 1 else [])
    totals = [sum(values[n] or 0 for _, _, values in series) for n in range(len(labels))]
    top_value = nice_ceiling(max(totals, default=0))
    slot, plot_height = _axes(chart, labels, top_value)
    for n, label in enumerate(labels):
        stacked = 0
        for name, css, values in series:
            value = values[n] or 0
            if not value:
                continue
            height = plot_height * value / top_value
            chart.bars.append(
                {
                    "x": round(chart.plot_left + slot * n + slot * 0.1, 1),
                    "y": round(chart.baseline - stacked - height, 1),
                    "width": round(slot * 0.8, 1),
                    "height": round(height, 1),
                    "css": css,
                    "title": f"{label}: {_number(value)} {name.lower()}",
                }
            )
            stacked += height
    chart.empty = not any(totals)
    return chart


def lines(labels, series, *, unit="") -> Chart:
    """A line per series over the labels; gaps (None) break nothing, they are skipped."""
    chart = Chart(legend=[(css, name) for name, css, _ in series])
    top_value = nice_ceiling(
        max((value for _, _, values in series for value in values if value is not None), default=0)
    )
    slot, plot_height = _axes(chart, labels, top_value)
    for name, css, values in series:
        dots = [
            (
                round(chart.plot_left + slot * (n + 0.5), 1),
                round(chart.baseline - plot_height * value / top_value, 1),
                f"{labels[n]}: {name} {value:.1f} {unit}",
            )
            for n, value in enumerate(values)
            if value is not None
        ]
        chart.lines.append({"css": css, "points": " ".join(f"{x},{y}" for x, y, _ in dots), "dots": dots})
        chart.empty = chart.empty and not dots
    return chart


def step_bars(steps) -> Chart:
    """Two horizontal bars (p50, p95), each split into the steps of a job: steps are
    (label, p50 seconds, p95 seconds)."""
    css = ["slot", "queue", "processing", "ingest"]
    # Steps are measured between clocks of different machines (the worker that noticed fal
    # finish, the one that stored the video); a skew can make one come out below zero, which
    # has no bar to draw. None (no job in the window) draws none either.
    steps = [(label, max(p50 or 0, 0), max(p95 or 0, 0)) for label, p50, p95 in steps]
    chart = Chart(height=90, legend=[(css[n], label) for n, (label, _, _) in enumerate(steps)])
    totals = [sum(step[column] for step in steps) for column in (1, 2)]
    top_value = nice_ceiling(max(totals))
    span = chart.plot_right - chart.plot_left
    chart.y_ticks = []
    chart.x_labels = [(chart.plot_left + span * share, f"{_number(top_value * share)} s") for share in (0, 0.5, 1)]
    for row, (name, column) in enumerate((("p50", 1), ("p95", 2))):
        x = chart.plot_left
        y = TOP + row * 30
        chart.y_ticks.append((y + 12, name))
        for n, step in enumerate(steps):
            seconds = step[column]
            if seconds:
                width = span * seconds / top_value
                chart.bars.append(
                    {
                        "x": round(x, 1),
                        "y": y,
                        "width": round(width, 1),
                        "height": 24,
                        "css": css[n],
                        "title": f"{name} {step[0].lower()}: {seconds:.1f} s",
                    }
                )
                x += width
    chart.empty = not any(totals)
    return chart
