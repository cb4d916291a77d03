"""Densities on a grid: one batched log_prob call, filled contours, NaN/inf cells painted grey and counted."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from course_utils import _checks
from course_utils.plotting._figures import (
    Limits,
    colorbar_axes,
    grid_columns,
    join_lines,
    panel_figure,
    style_axes,
)

Grid = tuple[np.ndarray, np.ndarray, np.ndarray]  # X, Y meshgrid and log_prob on it

_NONFINITE_COLOR = "0.55"  # grey: not in the density colour map
_DISTRIBUTION = "a tfd.Distribution"


MAX_GRID_SIZE = 2000  # 4 million log_prob evaluations: more would take minutes and gigabytes


def _distributions(value: Any) -> list[Any]:
    """Return `value` as a non-empty list of objects that have a log_prob method, or raise."""
    dists = _checks.one_or_more("dists", value)
    several = isinstance(value, (list, tuple))
    for index, dist in enumerate(dists):
        _checks.has_method(f"dists[{index}]" if several else "dists", dist, "log_prob", _DISTRIBUTION)
    return dists


def _evaluate_grid(dist: Any, xlim: Limits, ylim: Limits, grid_size: int) -> Grid:
    """Return the X, Y meshgrid and dist.log_prob on it, from one batched call (arguments already checked)."""
    x, y = np.meshgrid(np.linspace(*xlim, grid_size), np.linspace(*ylim, grid_size))
    grid_points = np.stack([x.ravel(), y.ravel()], axis=1).astype(np.float32)
    log_prob = np.asarray(dist.log_prob(grid_points), dtype=np.float64)
    if log_prob.shape != (grid_size**2,):
        raise ValueError(
            f"dist.log_prob must return one value per grid point, shape ({grid_size**2},), "
            f"got shape {log_prob.shape}: is the distribution's event size 2?"
        )
    return x, y, log_prob.reshape(x.shape)


def density_grid(dist: Any, xlim: Limits = (-4, 4), ylim: Limits = (-4, 4), grid_size: int = 200) -> Grid:
    """Return X, Y (grid_size x grid_size meshgrid) and dist.log_prob on it, from one batched call."""
    _checks.has_method("dist", dist, "log_prob", _DISTRIBUTION)
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)
    _checks.event_size_is("dist", dist, 2, "density_grid (a 2-D grid)")
    grid_size = _checks.positive_int("grid_size", grid_size, minimum=2, maximum=MAX_GRID_SIZE)
    return _evaluate_grid(dist, xlim, ylim, grid_size)


def _mass_on_grid(x: np.ndarray, y: np.ndarray, log_prob: np.ndarray) -> float:
    """Return the sum of density x cell area over the finite cells of the grid."""
    cell_area = (x[0, 1] - x[0, 0]) * (y[1, 0] - y[0, 0])
    finite = np.isfinite(log_prob)
    return float(np.sum(np.exp(log_prob[finite])) * cell_area)


def _draw_density(ax: Axes, x: np.ndarray, y: np.ndarray, log_prob: np.ndarray, show_log: bool) -> None:
    """Fill contours of the density (or log density) on ax, with a colorbar on its right."""
    values = log_prob if show_log else np.exp(log_prob)
    contours = ax.contourf(x, y, np.ma.masked_invalid(values), levels=20)
    ax.figure.colorbar(contours, cax=colorbar_axes(ax), label="log density" if show_log else "density")


def _draw_nonfinite(ax: Axes, x: np.ndarray, y: np.ndarray, nonfinite: np.ndarray) -> None:
    """Paint the grid cells where log_prob is NaN/inf in grey and add a legend entry for them."""
    ax.pcolormesh(
        x,
        y,
        np.ma.masked_where(~nonfinite, np.ones_like(x)),
        cmap=ListedColormap([_NONFINITE_COLOR]),
        shading="nearest",
    )
    ax.legend(handles=[Patch(color=_NONFINITE_COLOR, label="log_prob NaN/inf")], loc="upper right", fontsize=8)


def _density_panel(ax: Axes, index: int, grid: Grid, title: str, show_log: bool, warn: bool) -> None:
    """Draw one density panel; NaN/inf cells are painted, counted in the title and (if `warn`) warned about."""
    x, y, log_prob = grid
    _draw_density(ax, x, y, log_prob, show_log)
    nonfinite = ~np.isfinite(log_prob)
    nonfinite_note = ""
    if nonfinite.any():
        _draw_nonfinite(ax, x, y, nonfinite)
        percent = 100 * nonfinite.mean()
        nonfinite_note = f"{percent:.1f}% of grid NaN/inf"
        if warn:
            warnings.warn(
                f"plot_density: panel {index} ({title or 'untitled'}): log_prob is NaN/inf on {percent:.1f}% "
                "of the grid (painted grey); the flow is numerically unstable there",
                RuntimeWarning,
                stacklevel=3,
            )
    mass_note = f"mass on grid {_mass_on_grid(x, y, log_prob):.3f}"
    style_axes(ax, (x[0, 0], x[0, -1]), (y[0, 0], y[-1, 0]), join_lines(title, mass_note, nonfinite_note))


def plot_density(
    dists: Any,
    titles: Sequence[str] | str | None = None,
    xlim: Limits = (-4, 4),
    ylim: Limits = (-4, 4),
    grid_size: int = 200,
    ncols: int | None = None,
    show_log: bool = False,
    warn_nonfinite: bool = True,
) -> Figure:
    """Filled contours of the density of one distribution or a list of them, with the mass on the grid.

    Grid cells where log_prob is NaN/inf are painted grey and counted in the title; they also raise a
    RuntimeWarning unless `warn_nonfinite=False` (for a figure that shows such a flow on purpose).
    """
    dists = _distributions(dists)
    for index, dist in enumerate(dists):
        _checks.event_size_is(f"dists[{index}]", dist, 2, "plot_density (2-D densities)")
    titles = _checks.titles("titles", titles, len(dists))
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)
    grid_size = _checks.positive_int("grid_size", grid_size, minimum=2, maximum=MAX_GRID_SIZE)
    ncols = grid_columns(ncols, len(dists))
    show_log = _checks.boolean("show_log", show_log)
    warn_nonfinite = _checks.boolean("warn_nonfinite", warn_nonfinite)

    grids = [_evaluate_grid(dist, xlim, ylim, grid_size) for dist in dists]  # may raise: before any figure

    fig, axes = panel_figure(len(dists), ncols)
    for index, (ax, grid, title) in enumerate(zip(axes, grids, titles, strict=True)):
        _density_panel(ax, index, grid, title, show_log, warn_nonfinite)
    fig.tight_layout()
    return fig
