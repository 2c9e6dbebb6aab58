"""The statistics chart as a PNG: cases by office (on time, late, not yet due), the on-time
rate of each office, and the weekly trend.

matplotlib with its Agg backend, drawn on a `Figure` of our own (never pyplot's global state),
so it needs no display and is safe to call from a worker thread. Vietnamese labels render in
DejaVu Sans, which ships with matplotlib.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot import stats_texts as t
from bot.statistics import Summary, WeekPoint

GREEN, RED, GREY, BLUE, ORANGE = "#2e7d32", "#c62828", "#b0bec5", "#1565c0", "#ef6c00"
MAX_OFFICES = 10  # more would not be readable on a phone
GOOD_RATE = 0.8  # a rate bar is green from 80 % on time: a display choice, not a legal target
WIDTH_IN, HEIGHT_IN, DPI = 12, 9, 100  # 1200 x 900 pixels: Telegram keeps photos ≤ 1280


def _office_label(name: str) -> str:
    """Short enough for a phone: "UBND" as officials write it, at most two lines."""
    short = name.replace("Ủy ban nhân dân", "UBND").replace("Uỷ ban nhân dân", "UBND")
    return "\n".join(textwrap.wrap(short, 30, max_lines=2, placeholder="…"))


def _no_data(ax: Axes) -> None:
    ax.text(0.5, 0.5, t.CHART_NO_DATA, ha="center", va="center", color="#555", fontsize=12)
    ax.set_xticks([])
    ax.set_yticks([])


def _offices(ax_counts: Axes, ax_rate: Axes, summary: Summary) -> None:
    ranked = summary.offices_ranked()[:MAX_OFFICES]
    ax_counts.set_title(t.CHART_BY_OFFICE, fontsize=12, loc="left")
    ax_rate.set_title(t.CHART_RATE, fontsize=12, loc="left")
    if not ranked:
        _no_data(ax_counts)
        _no_data(ax_rate)
        return
    names = [_office_label(office) for office, _ in ranked][::-1]  # best at the top
    counts = [c for _, c in ranked][::-1]
    rows = range(len(counts))
    on_time = [c.on_time for c in counts]
    late = [c.late for c in counts]
    undecided = [c.received - c.on_time - c.late for c in counts]
    ax_counts.barh(rows, on_time, color=GREEN, label=t.CHART_ON_TIME)
    ax_counts.barh(rows, late, left=on_time, color=RED, label=t.CHART_LATE)
    ax_counts.barh(
        rows,
        undecided,
        left=[a + b for a, b in zip(on_time, late, strict=True)],
        color=GREY,
        label=t.CHART_OPEN,
    )
    ax_counts.set_yticks(list(rows), names, fontsize=9)
    # Room for at least four rows, so one or two offices get bars of the usual thickness.
    pad = max(0.0, (4 - len(counts)) / 2)
    ax_counts.set_ylim(-0.5 - pad, len(counts) - 0.5 + pad)
    ax_counts.set_xlabel(t.CHART_CASES)
    ax_counts.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_counts.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=9, frameon=False
    )
    ax_counts.grid(axis="x", alpha=0.3)

    rates = [c.on_time_rate for c in counts]
    ax_rate.barh(
        rows,
        [100 * (r or 0) for r in rates],
        color=[GREEN if (r or 0) >= GOOD_RATE else RED for r in rates],
    )
    for row, rate in zip(rows, rates, strict=True):
        label = t.CHART_UNDECIDED if rate is None else f"{100 * rate:.0f}%"
        ax_rate.text(min(100 * (rate or 0) + 2, 88), row, label, va="center", fontsize=9)
    ax_rate.set_xlim(0, 100)
    ax_rate.set_ylim(ax_counts.get_ylim())
    ax_rate.set_yticks(list(rows), [""] * len(counts))
    ax_rate.set_xlabel("%")
    ax_rate.grid(axis="x", alpha=0.3)


def _trend(ax: Axes, trend: Sequence[WeekPoint]) -> None:
    ax.set_title(t.CHART_TREND, fontsize=12, loc="left")
    if not trend or not any(p.received or p.resolved for p in trend):
        _no_data(ax)
        return
    x = range(len(trend))
    ax.bar(
        [i - 0.2 for i in x], [p.received for p in trend], 0.4, color=BLUE, label=t.CHART_RECEIVED
    )
    ax.bar(
        [i + 0.2 for i in x], [p.resolved for p in trend], 0.4, color=GREEN, label=t.CHART_RESOLVED
    )
    ax.set_xticks(list(x), [p.start.strftime("%d/%m") for p in trend], fontsize=9)
    ax.set_xlabel(t.CHART_WEEK)
    ax.set_ylabel(t.CHART_CASES)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", alpha=0.3)
    rate_ax = ax.twinx()
    points = [
        (i, 100 * p.on_time_rate)
        for i, p in zip(x, trend, strict=True)
        if p.on_time_rate is not None
    ]
    if points:
        rate_ax.plot(
            [i for i, _ in points],
            [r for _, r in points],
            color=ORANGE,
            marker="o",
            label=t.CHART_RATE_LINE,
        )
    rate_ax.set_ylim(0, 105)
    rate_ax.set_ylabel(t.CHART_RATE_LINE)
    handles, labels = ax.get_legend_handles_labels()
    more_handles, more_labels = rate_ax.get_legend_handles_labels()
    ax.legend(
        handles + more_handles,
        labels + more_labels,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=3,
        fontsize=9,
        frameon=False,
    )


def render_chart(summary: Summary, trend: Sequence[WeekPoint], title: str) -> bytes:
    """The chart as PNG bytes (1200 × 900 pixels)."""
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)  # the Agg (raster, no display) backend draws this figure
    fig.suptitle(title, fontsize=14, fontweight="bold")
    grid = fig.add_gridspec(2, 2, height_ratios=[1.15, 1], width_ratios=[1.35, 1])
    _offices(fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), summary)
    _trend(fig.add_subplot(grid[1, :]), trend)
    out = io.BytesIO()
    fig.savefig(out, format="png", facecolor="white")
    return out.getvalue()
