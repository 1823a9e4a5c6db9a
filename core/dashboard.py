"""The managers' performance dashboard (SPEC L8): a registry of metrics the domains fill in, the page and its CSV.

A domain registers fn(user) -> Metric or None (None: the metric does not apply to user's organisation) with
@metric(order) in its own metrics.py; app.py imports those modules. Charts are SVG drawn here with matplotlib,
on the server, with its bundled fonts: nothing is fetched, and the page shows them as data: images (the CSP's
img-src allows data:).
"""
import base64
import io
from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, render_template
from flask_login import current_user

from core.navigation import nav_link
from core.timeutil import london_day_start, london_today, to_local
from core.web import csv_response, wants_csv

bp = Blueprint("dashboard", __name__)

nav_link("dashboard.dashboard", "Dashboard")


@dataclass
class Metric:
    """One indicator: a headline value, the table behind it (also its CSV rows) and an optional SVG chart."""

    title: str
    value: str
    rows: list = field(default_factory=list)  # tuples: (label, *values), one value per columns[1:]
    columns: tuple = ("", "value")
    scope: str = ""  # what the figures cover, shown under the title
    chart: str | None = None  # SVG text

    @property
    def chart_data_uri(self):
        if not self.chart:
            return None
        return "data:image/svg+xml;base64," + base64.b64encode(self.chart.encode()).decode()


_metrics = []


def metric(order=100):
    """Register fn(user) -> Metric or None; lower order shows first."""
    def register(fn):
        _metrics.append((order, fn))
        _metrics.sort(key=lambda entry: entry[0])  # stable: equal orders keep registration order
        return fn
    return register


def metrics_for(user):
    return [m for m in (fn(user) for _, fn in _metrics) if m is not None]


def median(values):
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def share(part, whole):
    """part/whole as a whole percentage string, or an en dash when there is nothing to divide."""
    return f"{round(100 * part / whole)}%" if whole else "–"


def bar_chart(labels, series, ylabel="", stacked=False):
    """An SVG bar chart: labels along the bottom; series is [(name, values)], drawn side by side or stacked."""
    from matplotlib.figure import Figure  # matplotlib takes most of a second to import: only when a chart is drawn

    figure = Figure(figsize=(6.4, 2.8), dpi=100)
    axes = figure.subplots()
    positions = range(len(labels))
    width = 0.8 if stacked or len(series) == 1 else 0.8 / len(series)
    bottoms = [0] * len(labels)
    for index, (name, values) in enumerate(series):
        values = [value or 0 for value in values]
        if stacked:
            axes.bar(positions, values, width, bottom=bottoms, label=name)
            bottoms = [b + v for b, v in zip(bottoms, values)]
        else:
            offset = (index - (len(series) - 1) / 2) * width
            axes.bar([p + offset for p in positions], values, width, label=name)
    axes.set_xticks(list(positions), labels, rotation=30 if len(labels) > 6 else 0, ha="right" if len(labels) > 6
                    else "center", fontsize=8)
    axes.set_ylabel(ylabel, fontsize=8)
    axes.tick_params(axis="y", labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    if len(series) > 1:
        axes.legend(fontsize=8, frameon=False)
    figure.tight_layout()
    buffer = io.StringIO()
    # matplotlib's default svg.fonttype "path" draws text as outlines from its bundled fonts: the SVG needs no
    # font at all, and no label is ever text a browser could interpret.
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def today():
    """London's date today (tests replace this to stand on a given day)."""
    return london_today()


def last_months(count=12):
    """The first days of the last count calendar months in London, oldest first, this month last."""
    day = today()
    year, month = day.year, day.month
    months = []
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def window_start(months):
    """The stored instant the first of months begins (London midnight)."""
    return london_day_start(months[0])


def month_of(stored):
    """The London month (its first day) a stored naive-UTC instant falls in."""
    local = to_local(stored)
    return date(local.year, local.month, 1)


def month_label(first_day):
    return first_day.strftime("%b %Y")


def csv_rows(metrics):
    """Every metric's table as long rows: metric, row label, column, value."""
    for item in metrics:
        for row in item.rows:
            label, *values = row
            for column, value in zip(item.columns[1:], values):
                yield item.title, label, column, value


@bp.route("/dashboard")
def dashboard():
    """Show the performance indicators for your organisation; ?format=csv exports every figure (audited)."""
    metrics = metrics_for(current_user)
    if wants_csv():
        return csv_response("dashboard", ["metric", "row", "column", "value"], list(csv_rows(metrics)),
                            lambda row: row)
    return render_template("core/dashboard.html", metrics=metrics)
