"""Pictures of the digits' bookkeeping: why discrete data need dequantization, the bound per grey level,
the logit pre-transform with its log-det, and training curves in bits per dimension against baselines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from course_utils import _checks
from course_utils.digits import LEVELS
from course_utils.plotting._figures import BLUE, BLUISH_GREEN, DATA, MODEL, ORANGE, REDDISH_PURPLE, series_style
from course_utils.training import TrainingHistory

_BASELINE_STYLES = ("--", ":", "-.", (0, (5, 1)), (0, (1, 1)))


def _spike_log_likelihood(counts: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Mean log-density of the grey levels under a mixture of Gaussians of width w on the levels (weights = counts)."""
    weights = counts / counts.sum()
    # At a level k, the own spike dominates: p(k) ~ weights[k] / (w sqrt(2 pi)) (+ the tails of the neighbours).
    levels = np.arange(len(counts))
    gaps = levels[:, None] - levels[None, :]
    log_p = []
    for w in widths:
        dens = np.exp(-0.5 * (gaps / w) ** 2) / (w * np.sqrt(2 * np.pi)) @ weights
        log_p.append(np.sum(weights * np.log(dens)))
    return np.array(log_p)


def plot_dequantization(pixels: Any, seed: int = 0) -> Figure:
    """Three panels: the data's grey levels, a density that 'cheats' with spikes on them, dequantized values."""
    array = np.asarray(pixels)
    if array.size == 0 or np.any(array != np.round(array)) or array.min() < 0 or array.max() > LEVELS - 1:
        raise ValueError(f"pixels must hold whole grey levels 0..{LEVELS - 1}")
    values = array.ravel().astype(int)
    counts = np.bincount(values, minlength=LEVELS).astype(float)
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(13, 3.6))
    left.bar(np.arange(LEVELS), counts / counts.sum(), width=0.8, color=DATA)
    left.set(xlabel="grey level k", ylabel="share of pixels", title="The data: 17 discrete grey levels")
    widths = np.geomspace(1.0, 1e-4, 60)
    middle.semilogx(widths, _spike_log_likelihood(counts, widths), color=MODEL)
    middle.invert_xaxis()
    middle.set(
        xlabel="width of a Gaussian spike on each level",
        ylabel="mean log-density of the data (nats)",
        title="A continuous density can cheat:\nnarrower spikes, unbounded likelihood",
    )
    rng = np.random.default_rng(_checks.seed("seed", seed))
    dequantized = values + rng.uniform(size=values.size)
    right.hist(dequantized, bins=np.linspace(0, LEVELS, 5 * LEVELS + 1), density=True, color=BLUISH_GREEN)
    right.set(xlabel="k + u,  u ~ U(0, 1)", ylabel="density", title="Dequantized: each level fills its cell [k, k+1)")
    fig.tight_layout()
    return fig


def plot_level_bound(exact: Any, bound: Any, title: str = "") -> Figure:
    """Per grey level, the exact log P(k) against the dequantization bound E_u[log p(k + u)] (never above it)."""
    exact_values, bound_values = _checks.numbers("exact", exact), _checks.numbers("bound", bound)
    if exact_values.ndim != 1 or exact_values.shape != bound_values.shape:
        raise ValueError(f"exact and bound must be 1-D of one shape, got {exact_values.shape}, {bound_values.shape}")
    levels = np.arange(len(exact_values))
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(levels, exact_values, "o-", color=BLUE, label="exact  log P(k) = log of the mass on [k, k+1)")
    ax.plot(levels, bound_values, "s--", color=ORANGE, label="bound  E_u[log p(k + u)]")
    ax.fill_between(levels, bound_values, exact_values, color=ORANGE, alpha=0.15, label="the gap (>= 0)")
    ax.set(xlabel="grey level k", ylabel="log-probability (nats)", title=title or "The dequantization bound")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_logit_transform(y: Any, alpha: float) -> Figure:
    """The logit pre-transform: its curve and log |ds/dy| dashed (left); the data's values before and after (right)."""
    points = _checks.points("y", y)
    alpha = _checks.in_interval("alpha", alpha, 1e-6, 0.4999)
    grid = np.linspace(0.001, 0.999, 400)
    q = alpha + (1 - 2 * alpha) * grid
    fig, (curve, hist_y, hist_s) = plt.subplots(1, 3, figsize=(13, 3.6))
    curve.plot(grid, np.log(q) - np.log1p(-q), color=BLUE, label="s = logit(alpha + (1 - 2 alpha) y)")
    curve.plot(grid, np.log1p(-2 * alpha) - np.log(q) - np.log1p(-q), "--", color=MODEL, label="log |ds/dy|")
    curve.axhline(0, color="grey", linewidth=0.5)
    curve.set(xlabel="y", title=f"The logit pre-transform, alpha = {alpha:g}")
    curve.legend(fontsize=8)
    flat = points.ravel()
    hist_y.hist(flat, bins=60, density=True, color=BLUISH_GREEN)
    hist_y.set(xlabel="y (unit cube)", ylabel="density", title="Dequantized pixels: piled up near 0")
    s = np.log(alpha + (1 - 2 * alpha) * flat) - np.log1p(-(alpha + (1 - 2 * alpha) * flat))
    hist_s.hist(s, bins=60, density=True, color=REDDISH_PURPLE)
    hist_s.set(xlabel="s (logit space)", title="After the logit: the edges stretched out")
    fig.tight_layout()
    return fig


def _history(name: str, value: Any) -> TrainingHistory:
    """Check a TrainingHistory with at least one epoch."""
    history = _checks.instance(name, value, TrainingHistory, "a TrainingHistory (from image_training)")
    if not history.epochs:
        raise ValueError(f"{name} holds no epoch")
    return history


def plot_bits_per_dim(
    histories: Mapping[str, TrainingHistory], baselines: Mapping[str, float] | None = None, title: str = ""
) -> Figure:
    """Training (thin) and validation (thick) bits/dim per epoch, with horizontal lines for the baselines.

    Each run has its colour and its marker (on about ten epochs), so runs are told apart without colour too.
    """
    given = _checks.mapping("histories", histories, "{name: TrainingHistory}")
    runs = {name: _history(f"histories[{name!r}]", history) for name, history in given.items()}
    lines = {} if baselines is None else dict(_checks.mapping("baselines", baselines, "{name: bits/dim}"))
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for index, (name, history) in enumerate(runs.items()):
        color, marker = series_style(index)
        style = dict(color=color, marker=marker, markevery=max(1, len(history.epochs) // 10), markersize=4)
        ax.plot(history.epochs, history.train_loss, linewidth=0.8, alpha=0.7, label=f"{name}: training", **style)
        ax.plot(history.epochs, history.val_loss, linewidth=2.0, label=f"{name}: validation", **style)
    for index, (name, value) in enumerate(lines.items()):
        value = _checks.finite_float(f"baselines[{name!r}]", value)
        style = _BASELINE_STYLES[index % len(_BASELINE_STYLES)]
        ax.axhline(value, color="black", linestyle=style, linewidth=1, label=f"{name}: {value:.2f}")
    curves = [v for h in runs.values() for v in [*h.train_loss, *h.val_loss] if np.isfinite(v)]
    finite = curves + list(lines.values())
    if finite:
        ax.set_ylim(min(finite) - 0.1, max(min(max(finite), 4.5), min(finite) + 0.5) + 0.1)
    ax.set(xlabel="epoch", ylabel="bits per dimension", title=title or "Training in bits per dimension")
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig
