"""Figures of notebook 09's tools: a 1-D spline and its derivative, linear mixers, Glow's squeeze and ActNorm,
rows of digit images, and the leaderboard."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from course_utils import _checks, data
from course_utils._tf import tf
from course_utils.plotting._figures import (
    ACCENT,
    BLUE,
    BLUISH_GREEN,
    HATCHES,
    PANEL_INCHES,
    SERIES,
    VERMILLION,
    Limits,
    series_style,
)

_TILE_COLORS = SERIES[:4]  # one per position in a 2x2 tile, also named in the channels' titles
_HISTOGRAM_EDGES = ("-", "--")  # the outline of the first and second batch's histogram


def _spline_curve(spline: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return f(x), f'(x) from the log-det, and f'(x) by autodiff, for a 1-D bijector."""
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = spline.forward(xt)
    by_autodiff = tape.gradient(y, xt).numpy()
    from_log_det = np.exp(np.asarray(spline.forward_log_det_jacobian(xt, event_ndims=0)) * np.ones_like(x))
    return np.asarray(y), from_log_det, by_autodiff


def plot_spline(spline: Any, lim: Limits | None = None, title: str = "") -> Figure:
    """Two panels: a 1-D `tfb.RationalQuadraticSpline` y = f(x) with its knots, and its derivative f'(x).

    The derivative is drawn from the bijector's log-det, exp(log f'), with dots from automatic
    differentiation on top: the two agree. Outside [range_min, range_max] the spline is the identity.
    """
    from course_utils.splines import knots  # imported here: splines imports nothing of plotting

    knot_x, knot_y, slopes = knots(spline)
    low, high = knot_x[0], knot_x[-1]
    margin = 0.25 * (high - low)
    lim = (low - margin, high + margin) if lim is None else _checks.limits("lim", lim)
    x = np.linspace(lim[0], lim[1], 600, dtype=np.float32)
    y, derivative, by_autodiff = _spline_curve(spline, x)
    fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(2 * PANEL_INCHES, PANEL_INCHES * 0.9))
    for ax in (ax_f, ax_d):
        ax.axvspan(low, high, color="0.93", zorder=0)
        for k in knot_x:
            ax.axvline(k, color="0.8", linewidth=0.6, zorder=1)
    ax_f.plot(x, x, color="0.6", linestyle=":", linewidth=1, label="identity")
    ax_f.plot(x, y, color=BLUE, linewidth=2, label="spline f(x)")
    ax_f.plot(knot_x, knot_y, "o", color=ACCENT, markersize=4, label="knots")
    ax_f.set(xlim=lim, ylim=lim, xlabel="x", ylabel="y = f(x)", title="the spline: monotone, identity outside")
    ax_f.set_aspect("equal")
    ax_f.legend(fontsize=8, loc="upper left")
    ax_d.plot(x, derivative, color=BLUE, linewidth=2, label="exp(forward_log_det_jacobian)")
    ax_d.plot(x[::25], by_autodiff[::25], "o", color="black", markersize=3, label="autodiff")
    ax_d.plot(knot_x, slopes, "o", color=ACCENT, markersize=4, label="knot slopes")
    ax_d.set(xlim=lim, ylim=(0, None), xlabel="x", ylabel="f'(x)", title="its derivative: positive everywhere")
    ax_d.legend(fontsize=8, loc="upper left")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _linear_map(name: str, bijector: Any) -> np.ndarray:
    """Return the 2x2 matrix of a linear 2-D bijector (its Jacobian at 0), or raise."""
    _checks.has_method(name, bijector, "forward", "a tfb.Permute or tfb.ScaleMatvecLU")
    basis = np.eye(2, dtype=np.float32)
    columns = np.asarray(bijector.forward(basis)) - np.asarray(bijector.forward(np.zeros((1, 2), np.float32)))
    if columns.shape != (2, 2):
        raise ValueError(f"{name} must act on 2-D points, got outputs of shape {columns.shape}")
    return columns.T  # column j is the image of the basis vector e_j


def plot_mixers(mixers: Any) -> Figure:
    """One panel per (title, linear 2-D bijector): a square grid and its image, W e1 (solid arrow) and W e2 (dashed)."""
    pairs = _checks.named_pairs("mixers", mixers, "bijector")
    fig, axes = plt.subplots(1, len(pairs), figsize=(PANEL_INCHES * len(pairs), PANEL_INCHES), squeeze=False)
    t = np.linspace(-1, 1, 50)
    for ax, (title, bijector) in zip(axes[0], pairs, strict=True):
        matrix = _linear_map(f"mixers[{title!r}]", bijector)
        for level in np.linspace(-1, 1, 5):
            for line in (np.stack([t, np.full_like(t, level)]), np.stack([np.full_like(t, level), t])):
                ax.plot(*line, color="0.85", linewidth=0.8)
                ax.plot(*(matrix @ line), color=BLUE, linewidth=0.9)
        for j, (color, style) in enumerate(((VERMILLION, "-"), (BLUISH_GREEN, "--"))):
            arrow = dict(arrowstyle="->", color=color, lw=2, linestyle=style)
            ax.annotate("", xy=matrix[:, j], xytext=(0, 0), arrowprops=arrow)
        _, log_det = np.linalg.slogdet(matrix.astype(np.float64))
        rows = "; ".join(" ".join(f"{round(v, 2) + 0.0:+.2f}" for v in row) for row in matrix)  # no "-0.00"
        ax.set_title(f"{title}\nW = [{rows}]\nlog|det W| = {round(log_det, 3) + 0.0:.3f}", fontsize=9)
        ticks = [-2, -1, 0, 1, 2]  # not matplotlib's 9 per axis: fewer labels, a figure twice as quick to draw
        ax.set(xlim=(-2, 2), ylim=(-2, 2), xticks=ticks, yticks=ticks)
        ax.set_aspect("equal")
    fig.tight_layout()
    return fig


def plot_squeeze(image: np.ndarray, squeezed: np.ndarray) -> Figure:
    """An (H, W, 1) image with its 2x2 tiles, and the 4 channels (H/2, W/2) a squeeze makes of it."""
    image = np.asarray(image, np.float64)
    squeezed = np.asarray(squeezed, np.float64)
    if image.ndim != 3 or image.shape[-1] != 1:
        raise ValueError(f"image must be one (H, W, 1) image, got shape {image.shape}")
    expected = (image.shape[0] // 2, image.shape[1] // 2, 4)
    if squeezed.shape != expected:
        raise ValueError(f"squeezed must have shape {expected} (the squeeze of image), got {squeezed.shape}")
    fig, axes = plt.subplots(1, 5, figsize=(5 * PANEL_INCHES * 0.6, PANEL_INCHES * 0.75))
    axes[0].imshow(image[..., 0], cmap="gray_r", vmin=0, vmax=1)
    for i in range(2):
        for j in range(2):
            rows, cols = np.arange(i, image.shape[0], 2), np.arange(j, image.shape[1], 2)
            r, c = np.meshgrid(rows, cols, indexing="ij")
            axes[0].plot(c.ravel(), r.ravel(), "s", color=_TILE_COLORS[2 * i + j], markersize=3, alpha=0.8)
    axes[0].set_title(f"image {image.shape[0]}x{image.shape[1]}x1\n(dots: position in its 2x2 tile)", fontsize=9)
    for k in range(4):
        axes[k + 1].imshow(squeezed[..., k], cmap="gray_r", vmin=0, vmax=1)
        axes[k + 1].set_title(f"channel {k}: tile position {divmod(k, 2)}", fontsize=9, color=_TILE_COLORS[k])
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_channel_histograms(
    before: np.ndarray, after: np.ndarray, labels: Sequence[str] = ("before", "after")
) -> Figure:
    """One panel per channel: histograms of that channel's values in two (n, H, W, C) batches of images."""
    before, after = np.asarray(before, np.float64), np.asarray(after, np.float64)
    if before.ndim != 4 or before.shape != after.shape:
        raise ValueError(f"before and after must be image batches of one shape, got {before.shape} and {after.shape}")
    channels = before.shape[-1]
    fig, axes = plt.subplots(1, channels, figsize=(PANEL_INCHES * 0.8 * channels, PANEL_INCHES * 0.7), squeeze=False)
    for c, ax in enumerate(axes[0]):
        for values, label, color, edge in zip((before, after), labels, SERIES, _HISTOGRAM_EDGES, strict=False):
            flat = values[..., c].ravel()
            ax.hist(  # stepfilled: one patch per histogram, not one per bar (several times faster to draw)
                flat,
                bins=40,
                histtype="stepfilled",
                alpha=0.6,
                facecolor=color,
                edgecolor=color,
                linestyle=edge,
                linewidth=1.5,
                label=f"{label}: mean {flat.mean():.2f}, std {flat.std():.2f}",
            )
        ax.set_title(f"channel {c}", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_digit_rows(rows: Any, n: int = 8) -> Figure:
    """One row of `n` images per (title, (m, H, W, 1) images) pair."""
    pairs = _checks.named_pairs("rows", rows, "images")
    n = _checks.positive_int("n", n, maximum=32)
    fig, axes = plt.subplots(len(pairs), n, figsize=(n * 0.9, len(pairs) * 1.1), squeeze=False)
    for r, (title, images) in enumerate(pairs):
        images = np.asarray(images, np.float64)
        if images.ndim != 4 or images.shape[-1] != 1:
            raise ValueError(f"rows[{r}] images must have shape (m, H, W, 1), got {images.shape}")
        for k, ax in enumerate(axes[r]):
            if k < len(images):
                ax.imshow(np.clip(images[k, ..., 0], 0, 1), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r][0].set_ylabel(title, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig


def plot_leaderboard(entries: Any, seed: int = 0) -> Figure:
    """Bars: held-out NLL minus entropy per dataset and model, pinwheel's held-out NLL, and the training times.

    Each model has its colour and its hatch, so that the bars are told apart without colour too.
    """
    from course_utils import leaderboard  # imported here: leaderboard trains flows, plotting only draws

    table = leaderboard.pivot(_checks.sequence("entries", entries, "leaderboard entries"), seed)
    if not table:
        raise ValueError(f"entries hold no run with seed {seed}")
    kinds = list(table)
    datasets = [d for d in data.DATASETS if any(d in row for row in table.values())]
    with_gap = [d for d in datasets if any(row[d].gap is not None for row in table.values() if d in row)]
    plain = [d for d in datasets if d not in with_gap]
    fig, axes = plt.subplots(1, 3, figsize=(3.2 * PANEL_INCHES, PANEL_INCHES), width_ratios=[3, 1, 1.4])
    width = 0.8 / len(kinds)
    for k, kind in enumerate(kinds):
        label = leaderboard.LABELS[kind]
        style = dict(color=series_style(k)[0], hatch=HATCHES[k % len(HATCHES)], edgecolor="white")
        gaps = [table[kind][d].gap if d in table[kind] else np.nan for d in with_gap]
        axes[0].bar(np.arange(len(with_gap)) + k * width, gaps, width, label=label, **style)
        nlls = [table[kind][d].heldout_nll if d in table[kind] else np.nan for d in plain]
        axes[1].bar(np.arange(len(plain)) + k * width, nlls, width, **style)
        times = [e.train_time_s for e in table[kind].values()]
        axes[2].barh(k, np.mean(times), xerr=[[np.mean(times) - min(times)], [max(times) - np.mean(times)]],
                     **style)  # fmt: skip
    axes[0].set_xticks(np.arange(len(with_gap)) + 0.4 - width / 2, with_gap, fontsize=8)
    axes[0].set(ylabel="held-out NLL - entropy (nats)", title="KL left to the data (lower is better)")
    axes[0].legend(fontsize=8)
    axes[1].set_xticks(np.arange(len(plain)) + 0.4 - width / 2, plain, fontsize=8)
    axes[1].set(ylabel="held-out NLL (nats)", title="no known entropy")
    axes[2].set_yticks(range(len(kinds)), [leaderboard.LABELS[k] for k in kinds], fontsize=8)
    axes[2].set(xlabel="training time (s), mean and range", title="time for the same steps")
    fig.tight_layout()
    return fig
