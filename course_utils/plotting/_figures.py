"""What every plot of the package shares: panel grids, 2-D axes styling, titles and colorbars."""

from __future__ import annotations

import math
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from mpl_toolkits.axes_grid1 import make_axes_locatable

from course_utils import _checks

Limits = tuple[float, float]

PANEL_INCHES = 4.0
CLASS_COLORS = ("tab:blue", "tab:red", "tab:green", "tab:orange", "tab:purple", "tab:brown")
_MAX_DEFAULT_COLUMNS = 4


def grid_columns(value: Any, n_panels: int) -> int:
    """Return the number of grid columns: `value` (capped at n_panels) or min(n_panels, 4) when None."""
    if value is None:
        return min(n_panels, _MAX_DEFAULT_COLUMNS)
    return min(_checks.positive_int("ncols", value), n_panels)


def panel_figure(n_panels: int, ncols: int) -> tuple[Figure, list[Axes]]:
    """Return a figure with one axes per panel in ncols columns, the unused grid cells removed."""
    nrows = math.ceil(n_panels / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(PANEL_INCHES * ncols, PANEL_INCHES * nrows), squeeze=False)
    flat = list(axes.ravel())
    for unused in flat[n_panels:]:
        unused.remove()
    return fig, flat[:n_panels]


def style_axes(ax: Axes, xlim: Limits, ylim: Limits, title: str) -> None:
    """Set the limits, an equal aspect ratio and the title of a 2-D panel."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=10)


def join_lines(*lines: str) -> str:
    """Join the non-empty lines of a title."""
    return "\n".join(line for line in lines if line)


def colorbar_axes(ax: Axes) -> Axes:
    """Return a thin axes for a colorbar, appended on the right of ax."""
    return make_axes_locatable(ax).append_axes("right", size="5%", pad=0.05)
