"""What every widget shares: a non-pyplot figure, sliders, seeded samples, grid lines and 2-D panel styling."""

from __future__ import annotations

from typing import Any

import ipywidgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from course_utils import _checks
from course_utils.plotting._figures import BLUE

Limits = tuple[float, float]

DPI = 90
SLIDER_STYLE = {"description_width": "initial"}
SLIDER_LAYOUT = {"width": "300px"}
Z_COLOR, X_COLOR, DATA_COLOR = "0.55", BLUE, "0.7"
# Legends of scatter panels go below the axes, out of the way of points that move.
LEGEND_BELOW: dict[str, Any] = dict(
    loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=3, fontsize=8, markerscale=3, frameon=False
)


def figure(width: float, height: float, ncols: int) -> tuple[Figure, list[Axes]]:
    """Return a non-pyplot Figure with ncols axes side by side."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    return fig, list(np.atleast_1d(fig.subplots(1, ncols)))


def slider(name: str, value: float, low: float, high: float, step: float = 0.05) -> ipywidgets.FloatSlider:
    """Return a float slider for `name`, checking that its initial `value` lies in [low, high]."""
    value = _checks.in_interval(name, value, low, high, " (the slider's range)")
    return ipywidgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=name,
        readout_format=".2f",
        continuous_update=True,
        style=SLIDER_STYLE,
        layout=SLIDER_LAYOUT,
    )


def standard_normal(n: int, seed: int, dims: int = 1) -> np.ndarray:
    """Return n seeded N(0, I) draws of shape (n,) or (n, dims)."""
    z = np.random.default_rng(seed).standard_normal((n, dims))
    return z[:, 0] if dims == 1 else z


def grid_lines(lim: Limits, n_lines: int, n_points: int = 60) -> np.ndarray:
    """Return the lines of a square grid, shape (2 * n_lines, n_points, 2): horizontal, then vertical."""
    t = np.linspace(*lim, n_points)
    levels = np.linspace(*lim, n_lines)
    horizontal = [np.stack([t, np.full_like(t, v)], axis=1) for v in levels]
    vertical = [np.stack([np.full_like(t, v), t], axis=1) for v in levels]
    return np.array(horizontal + vertical)


def style(ax: Axes, xlim: Limits, ylim: Limits, title: str, xlabel: str, ylabel: str) -> Text:
    """Limits, equal aspect, title and labels of a 2-D panel; return the title's Text (updated live)."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax.set_title(title, fontsize=10)
