"""Notebooks 02/03: a 2-D autoregressive affine map, its warped grid and its triangular Jacobian at a point."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.patches import Polygon, Rectangle

from course_utils import _checks
from course_utils.plotting._figures import ORANGE
from course_utils.widgets._figures import figure, grid_lines, slider, standard_normal, style
from course_utils.widgets.flow_widget import FlowWidget

_RANGES = {
    "a": (-2.0, 2.0),
    "s": (-1.0, 0.5),
    "b0": (-2.0, 2.0),
    "b1": (-1.5, 1.5),
    "b2": (-0.5, 0.5),
    "t0": (-1.0, 0.5),
    "t1": (-0.3, 0.3),
}  # the sliders' (low, high)
_JACOBIAN_LABELS = {
    (0, 0): r"$\partial x_1/\partial z_1 = e^{s}$",
    (0, 1): r"$\partial x_1/\partial z_2$",
    (1, 0): r"$\partial x_2/\partial z_1$",
    (1, 1): r"$\partial x_2/\partial z_2 = e^{t(x_1)}$",
}


def autoregressive_forward(z: np.ndarray, a: float, s: float, b: Sequence[float], t: Sequence[float]) -> np.ndarray:
    """Return x for x1 = a + e^s z1, x2 = b(x1) + e^{t(x1)} z2, b and t polynomials (coefficients lowest first)."""
    z = np.asarray(z, dtype=float)
    x1 = a + np.exp(s) * z[..., 0]
    x2 = np.polynomial.polynomial.polyval(x1, b) + np.exp(np.polynomial.polynomial.polyval(x1, t)) * z[..., 1]
    return np.stack([x1, x2], axis=-1)


def autoregressive_jacobian(z: np.ndarray, a: float, s: float, b: Sequence[float], t: Sequence[float]) -> np.ndarray:
    """Return the 2x2 Jacobian dx/dz of `autoregressive_forward` at one point z (lower triangular)."""
    z = np.asarray(z, dtype=float)
    P = np.polynomial.polynomial
    x1 = a + np.exp(s) * z[0]
    t_x1 = P.polyval(x1, t)
    dx2_dx1 = P.polyval(x1, P.polyder(b)) + P.polyval(x1, P.polyder(t)) * np.exp(t_x1) * z[1]
    return np.array([[np.exp(s), 0.0], [dx2_dx1 * np.exp(s), np.exp(t_x1)]])


def _square(square: np.ndarray) -> Polygon:
    """Return the orange square (or its image) as a patch."""
    return Polygon(square, closed=True, facecolor=ORANGE, edgecolor="black", alpha=0.8, zorder=3)


def _x_panel(ax: Axes, z: np.ndarray, lines: np.ndarray, square: np.ndarray, colors: np.ndarray) -> dict[str, Any]:
    """Draw the x-space panel; return its changing artists: the warped grid, samples, parallelogram and point."""
    warped_grid = LineCollection(lines, colors="0.75", linewidths=0.8)
    ax.add_collection(warped_grid)
    samples = ax.scatter(z[:, 0], z[:, 1], s=5, c=colors, cmap="viridis", vmin=0, vmax=1)
    parallelogram = _square(square)
    ax.add_patch(parallelogram)
    (marker,) = ax.plot([0], [0], "k.", markersize=8, zorder=4)
    lim = (-6.0, 6.0)
    style(ax, lim, lim, r"$x_1 = a + e^{s} z_1,\quad x_2 = b(x_1) + e^{t(x_1)} z_2$", "x1", "x2")
    return {"grid": warped_grid, "samples": samples, "parallelogram": parallelogram, "point": marker}


def _jacobian_panel(ax: Axes) -> dict[str, Any]:
    """Draw the empty 2x2 Jacobian table; return its value cells, log-det text and title (filled in live)."""
    ax.set(xlim=(-0.05, 2.05), ylim=(-0.95, 2.05), xticks=[], yticks=[])
    ax.set_aspect("equal")
    for spine in ax.spines.values():
        spine.set_visible(False)
    cells = {}
    for row in range(2):
        for col in range(2):
            zero = (row, col) == (0, 1)
            ax.add_patch(Rectangle((col, 1 - row), 1, 1, facecolor="0.85" if zero else "white", edgecolor="black"))
            cells[row, col] = ax.text(col + 0.5, 1.45 - row, "", ha="center", va="center", fontsize=12)
            label = _JACOBIAN_LABELS[row, col]
            ax.text(col + 0.5, 1.8 - row, label, ha="center", va="center", fontsize=9, color="0.3")
    ax.text(1.5, 1.15, "always 0", ha="center", fontsize=8, color="0.35")
    det_text = ax.text(1.0, -0.25, "", ha="center", va="center", fontsize=10)
    polynomials = r"$b(x_1) = b_0 + b_1 x_1 + b_2 x_1^2,\quad t(x_1) = t_0 + t_1 x_1$"
    ax.text(1.0, -0.7, polynomials, ha="center", va="center", fontsize=9)
    return {"jacobian_cells": cells, "log_det_text": det_text, "title": ax.set_title("", fontsize=10)}


def autoregressive_2d(
    a: float = 0.0,
    s: float = 0.0,
    b0: float = 0.0,
    b1: float = 0.5,
    b2: float = 0.3,
    t0: float = -0.3,
    t1: float = 0.3,
    point: Sequence[float] = (1.0, 1.0),
    n_samples: int = 400,
    seed: int = 0,
) -> FlowWidget:
    """Sliders for x1 = a + e^s z1, x2 = b(x1) + e^{t(x1)} z2: warped grid, samples, triangular Jacobian at a point."""
    values = {"a": a, "s": s, "b0": b0, "b1": b1, "b2": b2, "t0": t0, "t1": t1}
    controls = {name: slider(name, values[name], *_RANGES[name]) for name in _RANGES}
    z_point = _checks.point("point", point)
    n_samples = _checks.positive_int("n_samples", n_samples, maximum=_checks.MAX_DRAWN)
    seed = _checks.seed("seed", seed)

    z = standard_normal(n_samples, seed, dims=2)
    lines = grid_lines((-2.5, 2.5), 11)
    square = z_point + 0.5 * np.array([[0, 0], [1, 0], [1, 1], [0, 1]])
    colors = np.clip(z[:, 0] / 5 + 0.5, 0, 1)  # colour by z1: x1 depends on z1 only
    fig, (ax_z, ax_x, ax_j) = figure(13.0, 4.4, 3)
    ax_z.add_collection(LineCollection(lines, colors="0.75", linewidths=0.8))
    ax_z.scatter(z[:, 0], z[:, 1], s=5, c=colors, cmap="viridis", vmin=0, vmax=1)
    ax_z.add_patch(_square(square))
    style(ax_z, (-4, 4), (-4, 4), "z-space: grid, N(0, I) samples, a square", "z1", "z2")
    x_artists, table = _x_panel(ax_x, z, lines, square, colors), _jacobian_panel(ax_j)

    def update() -> None:
        """Move the changing artists to the controls' values."""
        v = {name: control.value for name, control in controls.items()}
        b, t = (v["b0"], v["b1"], v["b2"]), (v["t0"], v["t1"])
        x_artists["grid"].set_segments(list(autoregressive_forward(lines, v["a"], v["s"], b, t)))
        x_artists["samples"].set_offsets(autoregressive_forward(z, v["a"], v["s"], b, t))
        x_point = autoregressive_forward(z_point, v["a"], v["s"], b, t)
        jacobian = autoregressive_jacobian(z_point, v["a"], v["s"], b, t)
        x_artists["parallelogram"].set_xy(x_point + (square - z_point) @ jacobian.T)  # through the linearised map
        x_artists["point"].set_data([x_point[0]], [x_point[1]])
        for (row, col), text in table["jacobian_cells"].items():
            text.set_text(f"{jacobian[row, col]:.3f}")
        t_x1 = np.polynomial.polynomial.polyval(x_point[0], t)
        table["log_det_text"].set_text(f"log|det J| = s + t(x1) = {v['s']:.2f} + {t_x1:.3f} = {v['s'] + t_x1:.3f}")
        table["title"].set_text(f"Jacobian dx/dz at z = ({z_point[0]:.1f}, {z_point[1]:.1f})")

    cells, det_text = table["jacobian_cells"], table["log_det_text"]
    animated = [x_artists["grid"], x_artists["samples"], x_artists["parallelogram"], x_artists["point"]]
    return FlowWidget(
        "autoregressive_2d",
        fig,
        controls,
        update,
        {**x_artists, "jacobian_cells": cells, "log_det_text": det_text},
        {"z": z, "lines": lines, "point": z_point},
        [*animated, *cells.values(), det_text],
    )
