"""Notebook 05: a 2-D affine coupling layer; pick the pass-through dimension, bend and scale the other one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize

from course_utils import _checks
from course_utils.plotting._figures import BLUE
from course_utils.widgets._figures import (
    LEGEND_BELOW,
    SLIDER_STYLE,
    Z_COLOR,
    figure,
    grid_lines,
    slider,
    standard_normal,
    style,
)
from course_utils.widgets.flow_widget import FlowWidget

_LIM = (-5.0, 5.0)


def coupling_forward(z: np.ndarray, passing: int, shift: Sequence[float], log_scale: Sequence[float]) -> np.ndarray:
    """Return x: x[passing] = z[passing], the other = z_other e^{log_scale(u)} + shift(u), u = z[passing]."""
    z = np.asarray(z, dtype=float)
    u, other = z[..., passing], z[..., 1 - passing]
    P = np.polynomial.polynomial
    x = z.copy()
    x[..., 1 - passing] = other * np.exp(P.polyval(u, log_scale)) + P.polyval(u, shift)
    return x


def _coloured_samples(ax: Axes, z: np.ndarray, lines: np.ndarray) -> tuple[LineCollection, Any]:
    """Draw grid lines and the samples coloured by z1 on ax; return both (they change in x-space)."""
    grid = LineCollection(lines, colors="0.75", linewidths=0.8)
    ax.add_collection(grid)
    samples = ax.scatter(z[:, 0], z[:, 1], s=5, c=z[:, 0], cmap="viridis", norm=Normalize(-2.5, 2.5))
    return grid, samples


def _moves_panel(ax: Axes, z: np.ndarray, shown: np.ndarray) -> dict[str, Any]:
    """Draw the shown points at z; return the segments z -> x, their ends and the title (updated live)."""
    moves = LineCollection(np.zeros((len(shown), 2, 2)), colors=BLUE, linewidths=0.7, alpha=0.6)
    ax.add_collection(moves)
    ax.scatter(z[shown, 0], z[shown, 1], s=4, color=Z_COLOR, zorder=3, label="z")
    move_ends = ax.scatter(z[shown, 0], z[shown, 1], s=4, color=BLUE, zorder=3, label="x")
    move_title = style(ax, _LIM, _LIM, "", "z1, x1", "z2, x2")
    ax.legend(**LEGEND_BELOW)
    return {"moves": moves, "move_ends": move_ends, "log_det_text": move_title}


def _controls(
    passing: int, shift_offset: float, shift_bend: float, log_scale_offset: float, log_scale_slope: float
) -> dict[str, ipywidgets.ValueWidget]:
    """Return the pass-through toggle and the four sliders, checking their initial values."""
    if isinstance(passing, bool) or passing not in (0, 1):
        raise ValueError(f"passing must be 0 (x1 passes through) or 1 (x2 passes through), got {passing!r}")
    options = [("x1 = z1", 0), ("x2 = z2", 1)]
    toggle = ipywidgets.ToggleButtons(
        options=options, value=int(passing), description="passes through", style=SLIDER_STYLE
    )
    return {
        "passing": toggle,
        "shift_offset": slider("shift_offset", shift_offset, -2.0, 2.0),
        "shift_bend": slider("shift_bend", shift_bend, -1.0, 1.0),
        "log_scale_offset": slider("log_scale_offset", log_scale_offset, -1.0, 0.7),
        "log_scale_slope": slider("log_scale_slope", log_scale_slope, -0.6, 0.6),
    }


def coupling_layer(
    passing: int = 0,
    shift_offset: float = 0.0,
    shift_bend: float = 0.5,
    log_scale_offset: float = 0.0,
    log_scale_slope: float = 0.3,
    n_samples: int = 400,
    seed: int = 0,
) -> FlowWidget:
    """Controls for a 2-D affine coupling layer: pick the pass-through dimension, bend and scale the other one."""
    controls = _controls(passing, shift_offset, shift_bend, log_scale_offset, log_scale_slope)
    n_samples = _checks.positive_int("n_samples", n_samples, maximum=_checks.MAX_DRAWN)
    seed = _checks.seed("seed", seed)

    z = standard_normal(n_samples, seed, dims=2)
    lines = grid_lines((-2.5, 2.5), 11)
    shown = np.arange(min(n_samples, 150))  # the points whose move is drawn
    fig, (ax_z, ax_x, ax_move) = figure(13.0, 4.4, 3)
    _, z_samples = _coloured_samples(ax_z, z, lines)
    style(ax_z, _LIM, _LIM, "z-space, coloured by the pass-through z", "z1", "z2")
    x_grid, x_samples = _coloured_samples(ax_x, z, lines)
    x_title = style(ax_x, _LIM, _LIM, "", "x1", "x2")
    moving = _moves_panel(ax_move, z, shown)

    def update() -> None:
        """Move the changing artists to the controls' values."""
        d = controls["passing"].value
        shift = (controls["shift_offset"].value, 0.0, controls["shift_bend"].value)
        log_scale = (controls["log_scale_offset"].value, controls["log_scale_slope"].value)
        x = coupling_forward(z, d, shift, log_scale)
        z_samples.set_array(z[:, d])
        x_samples.set_array(z[:, d])
        x_samples.set_offsets(x)
        x_grid.set_segments(list(coupling_forward(lines, d, shift, log_scale)))
        moving["moves"].set_segments(list(np.stack([z[shown], x[shown]], axis=1)))
        moving["move_ends"].set_offsets(x[shown])
        i, j = d + 1, 2 - d
        x_title.set_text(rf"$x_{i} = z_{i},\quad x_{j} = z_{j}\,e^{{s(z_{i})}} + t(z_{i})$")
        mean_log_det = float(np.mean(np.polynomial.polynomial.polyval(z[:, d], log_scale)))
        moving["log_det_text"].set_text(f"moves along x{j} only;  mean log|det J| = {mean_log_det:.3f}")

    artists = {"x_samples": x_samples, "grid": x_grid, **moving}
    animated = [z_samples, x_grid, x_samples, moving["moves"], moving["move_ends"], x_title, moving["log_det_text"]]
    return FlowWidget(
        "coupling_layer", fig, controls, update, artists, {"z": z, "lines": lines, "shown": shown}, animated
    )
