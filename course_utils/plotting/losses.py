"""Training curves: train and validation NLL per epoch, the best epoch, the entropy and held-out NLL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course_utils import _checks
from course_utils.plotting._figures import HELDOUT, Limits, series_style
from course_utils.training import TrainingHistory


def _losses(name: str, values: Any) -> np.ndarray:
    """Return `values` as a float array with NaN wherever a loss is NaN or inf, or raise if not numbers."""
    losses = _checks.numbers(name, values)
    return np.where(np.isfinite(losses), losses, np.nan)


def _loss_history(name: str, history: Any) -> TrainingHistory:
    """Return `history` if it is a TrainingHistory with one train (and, if any, one val) loss per epoch, or raise."""
    _checks.instance(name, history, TrainingHistory, "a training.TrainingHistory")
    n_epochs = len(history.epochs)
    if n_epochs == 0:
        raise ValueError(f"{name} has no epochs recorded: nothing to plot")
    _checks.numbers(f"{name}.train_loss", _checks.one_per(f"{name}.train_loss", history.train_loss, n_epochs, "epoch"))
    if history.val_loss:
        _checks.numbers(f"{name}.val_loss", _checks.one_per(f"{name}.val_loss", history.val_loss, n_epochs, "epoch"))
    return history


def _histories(value: Any) -> dict[str, TrainingHistory]:
    """Return `value` as {label: TrainingHistory}, checking that every history has epochs and matching losses."""
    if isinstance(value, TrainingHistory):
        value = {value.method: value}
    histories = _checks.mapping("histories", value, "{label: TrainingHistory} (or one TrainingHistory)")
    return {str(label): _loss_history(f"histories[{label!r}]", history) for label, history in histories.items()}


def _heldout_points(value: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return {epoch: NLL} as (epochs, losses) sorted by epoch, NaN where a loss is NaN or inf, or raise."""
    heldout = _checks.mapping("heldout", value, "{epoch: NLL}")
    epochs = np.array([_checks.non_negative_int(f"heldout key {epoch!r}", epoch) for epoch in heldout])
    losses = _losses("heldout values", list(heldout.values()))
    order = np.argsort(epochs)
    return epochs[order], losses[order]


def _draw_history(ax: Axes, label: str, history: TrainingHistory, color: str) -> None:
    """Draw one history's train (solid) and validation (dashed) losses, gaps at NaN/inf, and its best epoch."""
    curves = [("train", "-", history.train_loss)]
    if history.val_loss:
        curves.append(("validation", "--", history.val_loss))
    for kind, linestyle, values in curves:
        losses = _losses(kind, values)
        n_nonfinite = int(np.isnan(losses).sum())
        note = f" ({n_nonfinite} epochs NaN/inf: gaps)" if n_nonfinite else ""
        marker = "." if n_nonfinite else None
        ax.plot(history.epochs, losses, linestyle=linestyle, marker=marker, color=color, label=f"{label} {kind}{note}")
    if history.best_epoch is not None:
        best_label = f"{label} best epoch {history.best_epoch}"
        ax.axvline(history.best_epoch, color=color, linestyle=":", linewidth=1, label=best_label)


def _draw_heldout(ax: Axes, epochs: np.ndarray, losses: np.ndarray, ylim: Limits | None) -> None:
    """Draw the held-out NLLs as markers, no line: each is a separate measurement at a snapshot epoch.

    With ylim, values above the top (or NaN/inf) are marked at the top edge with their value.
    """
    color, label = HELDOUT, "held-out NLL (fresh points)"
    if ylim is None:
        ax.plot(epochs, losses, "o", color=color, markersize=5, label=label)
        return
    top = ylim[1]
    off_chart = ~(losses <= top)  # above the top, or NaN (was NaN or inf)
    shown = np.where(off_chart, top, losses)
    ax.plot(epochs[~off_chart], shown[~off_chart], "o", color=color, markersize=5, label=label)
    if off_chart.any():
        off_label = "held-out NLL off the chart"
        ax.plot(epochs[off_chart], shown[off_chart], "^", color=color, markersize=7, clip_on=False, label=off_label)
        for epoch, loss in zip(epochs[off_chart], losses[off_chart], strict=True):
            text = "NaN/inf" if np.isnan(loss) else f"{loss:.3g}"
            ax.annotate(
                text, (epoch, top), xytext=(0, -14), textcoords="offset points", ha="center", fontsize=7, color=color
            )


def plot_loss(
    histories: TrainingHistory | Mapping[str, TrainingHistory],
    entropy: float | None = None,
    title: str = "Negative log-likelihood per epoch",
    ylim: Limits | None = None,
    heldout: Mapping[int, float] | None = None,
) -> Figure:
    """Train (solid) and validation (dashed) loss curves of one history or a {label: history} dict.

    `heldout` ({epoch: NLL on fresh points}, e.g. from training snapshots) adds those values as
    markers, not joined by a line (they are separate measurements, often far apart in epochs);
    with `ylim`, values above the top (or NaN/inf) are marked at the top edge with their value.
    """
    histories = _histories(histories)
    entropy = None if entropy is None else _checks.finite_float("entropy", entropy)
    ylim = None if ylim is None else _checks.limits("ylim", ylim)
    heldout_points = None if heldout is None else _heldout_points(heldout)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for index, (label, history) in enumerate(histories.items()):
        _draw_history(ax, label, history, series_style(index)[0])
    if entropy is not None:
        entropy_label = f"best possible NLL (entropy) = {entropy:.3f}"
        ax.axhline(entropy, color="black", linestyle="-.", linewidth=1, label=entropy_label)
    if heldout_points is not None:
        _draw_heldout(ax, *heldout_points, ylim)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set(xlabel="epoch", ylabel="NLL (nats)", title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_ablation(effects: Mapping[str, Any], seeds: Any, title: str = "What each change is worth") -> Figure:
    """Dot plot of an ablation: one row per change, its effect on each seed (a marker per seed) and their mean."""
    effects = _checks.mapping("effects", effects, "{change: [one effect per seed]}")
    seeds = list(seeds)
    rows = {name: _checks.one_per(f"effects[{name!r}]", _checks.numbers(f"effects[{name!r}]", v), len(seeds), "seed")
            for name, v in effects.items()}  # fmt: skip
    fig, ax = plt.subplots(figsize=(6.5, 0.6 * len(rows) + 1.4))
    ax.axvline(0.0, color="grey", linewidth=1)
    for row, values in enumerate(rows.values()):
        ax.plot([np.mean(values)] * 2, [row - 0.3, row + 0.3], color="black", linewidth=2)
        for i, (seed, value) in enumerate(zip(seeds, values, strict=True)):
            color, marker = series_style(i)
            label = f"seed {seed}" if row == 0 else None
            ax.plot(value, row, marker=marker, color=color, linestyle="none", label=label)
    ax.set_yticks(range(len(rows)), list(rows))
    ax.invert_yaxis()
    ax.set(xlabel="held-out NLL without the change minus with it (nats; > 0: the change helps)", title=title)
    ax.legend(fontsize=8, loc="lower right", title="bar: mean", title_fontsize=8)
    fig.tight_layout()
    return fig
