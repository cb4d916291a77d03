"""What every plot of the package shares: the colours, panel grids, 2-D axes styling, titles and colorbars.

The colours are Okabe & Ito's eight (2008), told apart with every common colour-vision deficiency,
named here once and by role; no module of the package names another colour (greys aside). Where two
series of one panel differ by colour, they also differ by line style, marker or hatch (`series_style`,
`HATCHES`), except, so far, several runs in one `plot_loss`. Colour maps: viridis (the default),
`Blues`, `RdBu_r` and `gray_r`, all readable without red-green vision.
"""

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

# Okabe & Ito's colour-blind-safe palette (yellow, too pale on white, is left out of SERIES).
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"

# Roles: what a colour means wherever it appears.
DATA = BLUE  # training data and its histograms
MODEL = VERMILLION  # a model's samples, the points a map moves
HELDOUT = REDDISH_PURPLE  # held-out NLL measured on fresh points
ACCENT = VERMILLION  # marks drawn over a curve or a heat map: knots, block boundaries
# One colour per class, run, operation or model, in this order (cycled), with a marker each.
SERIES = (BLUE, VERMILLION, BLUISH_GREEN, ORANGE, SKY_BLUE, REDDISH_PURPLE)
MARKERS = ("o", "s", "^", "D", "v", "P")
HATCHES = ("", "//", "..", "xx", "\\\\", "++")
_MAX_DEFAULT_COLUMNS = 4


def series_style(index: int) -> tuple[str, str]:
    """Return the (colour, marker) of the index-th class, run, operation or model: SERIES and MARKERS, cycled."""
    return SERIES[index % len(SERIES)], MARKERS[index % len(MARKERS)]


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
