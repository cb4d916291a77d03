"""What a bijector does to space: the 1-D change of variables and a 2-D grid pushed through a flow."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from course_utils import _checks
from course_utils.plotting._figures import MODEL, PANEL_INCHES, Limits

MAX_LINES = 200  # bands or grid lines: more are invisible and slow to draw


def plot_change_of_variables_1d(bijector: Any, z_lim: Limits = (-3, 3), n_bands: int = 6) -> Figure:
    """Three panels: N(0, 1) cut into bands of equal width, the map x = f(z), and p(x) with the same bands.

    Each band holds the same probability before and after the map: where f stretches a band
    the density drops, where it squeezes the band the density rises (p_x = p_z / |f'|).
    """
    z_low, z_high = _checks.limits("z_lim", z_lim)
    n_bands = _checks.positive_int("n_bands", n_bands, maximum=MAX_LINES)
    _checks.has_method("bijector", bijector, "forward", "a tfb.Bijector")
    _checks.event_size_is("bijector", bijector, 1, "plot_change_of_variables_1d (a 1-D map)")
    edges = np.linspace(z_low, z_high, n_bands + 1).astype(np.float32)
    # The band edges are grid points, so neighbouring bands meet (no white sliver where f is steep).
    z = np.union1d(np.linspace(z_low, z_high, 400, dtype=np.float32), edges)
    x = np.asarray(bijector.forward(z))
    log_det = np.asarray(bijector.forward_log_det_jacobian(z, event_ndims=0)) * np.ones_like(z)
    p_z = np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)
    p_x = p_z * np.exp(-log_det)
    colors = plt.cm.viridis(np.linspace(0.1, 0.9, n_bands))
    fig, (ax_z, ax_f, ax_x) = plt.subplots(1, 3, figsize=(3 * PANEL_INCHES, PANEL_INCHES * 0.8))
    for left, right, color in zip(edges[:-1], edges[1:], colors, strict=True):
        band = (z >= left) & (z <= right)
        ax_z.fill_between(z[band], p_z[band], color=color)
        ax_f.plot(z[band], x[band], color=color, linewidth=3)
        ax_x.fill_between(x[band], p_x[band], color=color)
    ax_z.plot(z, p_z, color="black")
    ax_x.plot(x, p_x, color="black")
    ax_z.set(title="base p(z) = N(0, 1)", xlabel="z")
    ax_f.set(title="the map x = f(z)", xlabel="z", ylabel="x")
    ax_x.set(title="p(x) = p(z) / |f'(z)|", xlabel="x")
    fig.tight_layout()
    return fig


def plot_warped_grid(
    bijector: Any, lim: Limits = (-2.5, 2.5), n_lines: int = 11, n_samples: int = 500, seed: int = 0
) -> Figure:
    """Two panels: a grid and N(0, I) samples in z-space, and both pushed through a 2-D bijector."""
    low, high = _checks.limits("lim", lim)
    n_lines = _checks.positive_int("n_lines", n_lines, maximum=MAX_LINES)
    n_samples = _checks.positive_int("n_samples", n_samples, maximum=_checks.MAX_DRAWN)
    seed = _checks.seed("seed", seed)
    _checks.has_method("bijector", bijector, "forward", "a tfb.Bijector")
    _checks.event_size_is("bijector", bijector, 2, "plot_warped_grid (a 2-D grid)")
    t = np.linspace(low, high, 200, dtype=np.float32)
    levels = np.linspace(low, high, n_lines, dtype=np.float32)
    lines = [np.stack([t, np.full_like(t, v)], axis=1) for v in levels]
    lines += [np.stack([np.full_like(t, v), t], axis=1) for v in levels]
    z = np.random.default_rng(seed).standard_normal((n_samples, 2)).astype(np.float32)
    fig, axes = plt.subplots(1, 2, figsize=(2 * PANEL_INCHES, PANEL_INCHES))
    panels = (
        (axes[0], lambda a: a, "z-space: grid and N(0, I) samples"),
        (axes[1], lambda a: np.asarray(bijector.forward(a)), "x-space: after the flow"),
    )
    for ax, transform, title in panels:
        for line in lines:
            warped = transform(line)
            ax.plot(warped[:, 0], warped[:, 1], color="0.6", linewidth=0.8)
        moved = transform(z)
        ax.scatter(moved[:, 0], moved[:, 1], s=4, color=MODEL, zorder=3)
        ax.set_title(title)
        ax.set_aspect("equal", adjustable="datalim")
    fig.tight_layout()
    return fig
