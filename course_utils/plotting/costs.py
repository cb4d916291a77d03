"""What autoregressive flows cost: network calls against the event size, and the measured times."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course_utils import _checks
from course_utils.pass_costs import FLOW_OPERATIONS, PassCosts
from course_utils.plotting._figures import series_style

_LINE_STYLES = {"maf": "-", "iaf": "--"}  # the line style of each kind of flow ("-." for any other)


def _pass_costs(value: Any) -> list[PassCosts]:
    """Return `value` as a non-empty list of PassCosts with one value per event size, or raise."""
    items = _checks.one_or_more("costs", value)
    for index, item in enumerate(items):
        _checks.instance(f"costs[{index}]", item, PassCosts, "a pass_costs.PassCosts (from measure_pass_costs)")
        for what in ("calls", "seconds"):
            for op, values in getattr(item, what).items():
                _checks.one_per(f"costs[{index}].{what}[{op!r}]", values, len(item.event_sizes), "event size")
    return items


def _draw_cost_panel(
    ax: Axes, items: list[PassCosts], what: str, ylabel: str, title: str, styles: dict[str, tuple[str, str]]
) -> None:
    """Plot `what` ("calls" or "seconds", shown in ms) of every operation of `items` against the event size."""
    for item in items:
        linestyle = _LINE_STYLES.get(item.kind, "-.")
        scale = 1e3 if what == "seconds" else 1
        for op, values in getattr(item, what).items():
            ys = np.asarray(values, dtype=float) * scale
            color, marker = styles[op]
            label = f"{item.kind.upper()} {op}"
            ax.plot(item.event_sizes, ys, linestyle=linestyle, marker=marker, color=color, label=label)
    sizes = sorted({size for item in items for size in item.event_sizes})
    ax.set_xticks(sizes, [str(size) for size in sizes])
    ax.set_ylim(bottom=0)
    ax.set(xlabel="event size D", ylabel=ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def plot_pass_costs(costs: Any, title: str = "") -> Figure:
    """Network calls against the event size D, one panel per flow, then one panel of the measured times of all.

    A colour and a marker mark the operation; in the time panel a solid line is a MAF and a dashed line an IAF.
    """
    items = _pass_costs(costs)
    timed = any(item.seconds for item in items)
    n_panels = len(items) + (1 if timed else 0)
    fig, axes = plt.subplots(1, n_panels, figsize=(5.2 * n_panels, 4), squeeze=False)
    operations = [op for op in FLOW_OPERATIONS if any(op in item.calls or op in item.seconds for item in items)]
    styles = {op: series_style(i) for i, op in enumerate(operations)}
    for ax, item in zip(axes[0], items, strict=False):
        panel_title = f"{item.kind.upper()}: passes through the network"
        _draw_cost_panel(ax, [item], "calls", "network calls (counted)", panel_title, styles)
    if timed:
        panel_title = "wall-clock time (varies from run to run)"
        _draw_cost_panel(axes[0][-1], items, "seconds", "milliseconds (measured, compiled)", panel_title, styles)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
