"""Coupling layers and Jacobians: a 2-D affine coupling layer's grid, area change, shift and scale; |J| heat maps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course_utils import _checks
from course_utils.plotting._figures import (
    BLUE,
    BLUISH_GREEN,
    PANEL_INCHES,
    REDDISH_PURPLE,
    Limits,
    colorbar_axes,
    grid_columns,
    panel_figure,
)
from course_utils.plotting.maps import MAX_LINES


def _coupling_shift_and_scale(bijector: Any, z1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Read (shift, scale) of a 2-D affine coupling layer at the values z1 off its forward map, or raise."""

    def second(z2: float) -> np.ndarray:
        """Return x[:, 1] at z = (z1, z2), checking that the map keeps 2-D points and passes z1 through."""
        z = np.stack([z1, np.full_like(z1, z2)], axis=1)
        x = np.asarray(bijector.forward(z))
        if x.shape != z.shape:
            raise ValueError(f"bijector must map 2-D points to 2-D points, got shape {x.shape} for {z.shape}")
        if not np.allclose(x[:, 0], z1, rtol=0, atol=1e-6):
            worst = float(np.max(np.abs(x[:, 0] - z1)))
            raise ValueError(
                "bijector must pass dimension 0 through unchanged (a 2-D coupling layer with num_masked=1), "
                f"but it moved dimension 0 by up to {worst:.3g}"
            )
        return x[:, 1].astype(np.float64)

    at_zero, at_one, at_minus_two = second(0.0), second(1.0), second(-2.0)
    shift, scale = at_zero, at_one - at_zero
    if not np.allclose(at_minus_two, shift - 2 * scale, rtol=1e-4, atol=1e-4):
        raise ValueError(
            "bijector must be affine in dimension 1 (x1 = shift(z0) + scale(z0) * z1), as RealNVP and NICE are"
        )
    return shift, scale


def _quad_areas(nodes: np.ndarray) -> np.ndarray:
    """Areas of the quadrilateral cells of a (rows, columns, 2) grid of corner points, by the shoelace formula."""
    corners = [nodes[:-1, :-1], nodes[:-1, 1:], nodes[1:, 1:], nodes[1:, :-1]]  # in order around each cell
    twice = sum(
        a[..., 0] * b[..., 1] - b[..., 0] * a[..., 1] for a, b in zip(corners, corners[1:] + corners[:1], strict=True)
    )
    return 0.5 * np.abs(twice)


def _warped_cells(bijector: Any, low: float, high: float, n_lines: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the corners of small grid cells after the bijector and each cell's log(area after / area before)."""
    nodes_1d = np.linspace(low, high, 4 * (n_lines - 1) + 1, dtype=np.float32)  # 4 x 4 coloured cells per grid square
    mesh = np.stack(np.meshgrid(nodes_1d, nodes_1d), axis=-1)  # (rows: z1, columns: z0, 2)
    warped = np.asarray(bijector.forward(mesh.reshape(-1, 2))).reshape(mesh.shape).astype(np.float64)
    return warped, np.log(_quad_areas(warped) / _quad_areas(mesh.astype(np.float64)))


def _draw_grid_and_samples(
    ax: Axes, forward: Callable[[np.ndarray], np.ndarray], t: np.ndarray, levels: np.ndarray, samples: np.ndarray
) -> None:
    """Draw the grid lines (z0 = const in blue) and the samples, both mapped by `forward`."""
    for v in levels:
        vertical = forward(np.stack([np.full_like(t, v), t], axis=1))
        horizontal = forward(np.stack([t, np.full_like(t, v)], axis=1))
        ax.plot(horizontal[:, 0], horizontal[:, 1], color="0.55", linewidth=0.7)
        ax.plot(vertical[:, 0], vertical[:, 1], color=BLUE, linewidth=1.2)
    if len(samples):
        moved = forward(samples)
        ax.scatter(moved[:, 0], moved[:, 1], s=3, color="black", alpha=0.6, zorder=3)
    ax.set(xlabel="dimension 0 (passed through)", ylabel="dimension 1 (transformed)")
    ax.set_aspect("equal", adjustable="datalim")


def _draw_shift_and_scale(ax: Axes, z0: np.ndarray, shift: np.ndarray, scale: np.ndarray) -> None:
    """Plot the layer's shift (solid) and scale (dashed) of dimension 1 against the passed-through z0."""
    ax.plot(z0, shift, color=BLUISH_GREEN, label="shift $\\mu(z_0)$")
    ax.plot(z0, scale, "--", color=REDDISH_PURPLE, label="scale $\\exp\\,\\sigma(z_0)$")
    ax.axhline(1.0, color=REDDISH_PURPLE, linestyle=":", linewidth=1)
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    ax.set(xlabel="$z_0$ (the masked, passed-through dimension)", title="what the layer does to dimension 1")
    ax.title.set_fontsize(10)
    ax.legend(fontsize=8)


def plot_coupling_layer(
    bijector: Any,
    lim: Limits = (-2.5, 2.5),
    n_lines: int = 11,
    n_samples: int = 300,
    seed: int = 0,
    log_ratio_lim: float | None = None,
) -> Figure:
    """Three panels of a 2-D affine coupling layer (z0 passes through): the grid before, after, and its shift and scale.

    The middle panel colours each small cell by log(area after / area before), the layer's log|det J|
    there: red cells grew, blue cells shrank, white cells kept their area (all of them for NICE).
    Lines z0 = const (blue) stay where they are; each is only shifted and stretched along z1.
    """
    low, high = _checks.limits("lim", lim)
    n_lines = _checks.positive_int("n_lines", n_lines, minimum=2, maximum=MAX_LINES)
    n_samples = _checks.non_negative_int("n_samples", n_samples, maximum=_checks.MAX_DRAWN)
    seed = _checks.seed("seed", seed)
    if log_ratio_lim is not None:
        log_ratio_lim = _checks.positive_float("log_ratio_lim", log_ratio_lim)
    _checks.has_method("bijector", bijector, "forward", "a tfb.Bijector")

    z0 = np.linspace(low, high, 200, dtype=np.float32)
    shift, scale = _coupling_shift_and_scale(bijector, z0)  # raises before any figure if not a coupling layer
    warped, log_ratio = _warped_cells(bijector, low, high, n_lines)
    limit = log_ratio_lim or max(0.1, float(np.max(np.abs(log_ratio))))
    samples = np.random.default_rng(seed).standard_normal((n_samples, 2)).astype(np.float32)
    t = np.linspace(low, high, 200, dtype=np.float32)
    levels = np.linspace(low, high, n_lines, dtype=np.float32)

    fig, (ax_z, ax_x, ax_f) = plt.subplots(1, 3, figsize=(3 * PANEL_INCHES + 1.5, PANEL_INCHES))
    cells = ax_x.pcolormesh(
        warped[..., 0], warped[..., 1], log_ratio, cmap="RdBu_r", vmin=-limit, vmax=limit, shading="flat"
    )
    fig.colorbar(cells, cax=colorbar_axes(ax_x), label="log(area after / area before)")
    _draw_grid_and_samples(ax_z, lambda a: a, t, levels, samples)
    _draw_grid_and_samples(ax_x, lambda a: np.asarray(bijector.forward(a)), t, levels, samples)
    ratio = np.exp(log_ratio)
    ax_z.set_title("z-space: grid and N(0, I) samples", fontsize=10)
    ratio_note = f"area ratio from {ratio.min():.2f} to {ratio.max():.2f}"
    ax_x.set_title(f"x-space: cells coloured by log area ratio\n{ratio_note}", fontsize=10)
    _draw_shift_and_scale(ax_f, z0, shift, scale)
    fig.tight_layout()
    return fig


def _jacobian_pairs(value: Any) -> list[tuple[str, np.ndarray]]:
    """Return `value` as a non-empty list of (name, square matrix of mean |entries| over the batch), or raise."""
    pairs = _checks.named_pairs("jacobians", value, "Jacobian")
    checked = [_checks.square_matrices(f"jacobians[{i}] ({name})", matrix) for i, (name, matrix) in enumerate(pairs)]
    return [(name, np.mean(np.abs(matrices), axis=0)) for (name, _), matrices in zip(pairs, checked, strict=True)]


def _draw_matrix(ax: Axes, name: str, matrix: np.ndarray) -> None:
    """Show a matrix of non-negative entries as an annotated heat map; exact zeros read "0"."""
    size = matrix.shape[0]
    top = max(float(matrix.max()), 1e-12)
    ax.imshow(matrix, cmap="Blues", vmin=0.0, vmax=top)
    for i in range(size):
        for j in range(size):
            value = matrix[i, j]
            text = "0" if value == 0.0 else f"{value:.2f}"
            color = "white" if value > 0.6 * top else "black"
            ax.text(j, i, text, ha="center", va="center", fontsize=9, color=color)
    ax.set_xticks(range(size))
    ax.set_yticks(range(size))
    ax.set(xlabel="input dimension j", ylabel="output dimension i")
    ax.set_title(name, fontsize=10)


def plot_jacobians(jacobians: Sequence[tuple[str, Any]], ncols: int | None = None) -> Figure:
    """One annotated heat map per (name, Jacobian) pair: the mean |dx_i / dz_j| over the batch; exact zeros read "0"."""
    pairs = _jacobian_pairs(jacobians)
    ncols = grid_columns(ncols, len(pairs))
    fig, axes = panel_figure(len(pairs), ncols)
    for ax, (name, matrix) in zip(axes, pairs, strict=True):
        _draw_matrix(ax, name, matrix)
    fig.tight_layout()
    return fig
