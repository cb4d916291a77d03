"""Notebook 06: replay a training run's stored snapshots epoch by epoch, next to the loss curve."""

from __future__ import annotations

from typing import Any

import ipywidgets
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes

from course_utils import _checks
from course_utils.plotting._figures import BLUE, MODEL
from course_utils.plotting.densities import MAX_GRID_SIZE
from course_utils.training import SnapshotFn, TrainingHistory
from course_utils.widgets._figures import DATA_COLOR, LEGEND_BELOW, SLIDER_STYLE, Limits, figure, style
from course_utils.widgets.flow_widget import FlowWidget


def density_snapshot_fn(xlim: Limits = (-4.0, 4.0), ylim: Limits = (-4.0, 4.0), grid_size: int = 60) -> SnapshotFn:
    """Return a snapshot function for training.train that stores log_prob on a grid_size x grid_size grid."""
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)
    grid_size = _checks.positive_int("grid_size", grid_size, minimum=3, maximum=MAX_GRID_SIZE)
    gx, gy = np.meshgrid(np.linspace(*xlim, grid_size), np.linspace(*ylim, grid_size))
    points = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)

    def snapshot(dist: Any) -> np.ndarray:
        """Return dist's log_prob on the grid, rows along y."""
        return np.asarray(dist.log_prob(points), dtype=np.float64).reshape(grid_size, grid_size)

    return snapshot


def _snapshot_kind(history: TrainingHistory) -> str:
    """Return 'samples' when every snapshot is (n, 2) points, 'log_prob' when every one is a square grid."""
    shapes = {epoch: np.shape(array) for epoch, array in history.snapshots.items()}
    if all(len(s) == 2 and s[1] == 2 and s[0] >= 1 for s in shapes.values()):
        return "samples"
    if all(len(s) == 2 and s[0] == s[1] >= 3 for s in shapes.values()) and len(set(shapes.values())) == 1:
        return "log_prob"
    raise ValueError(
        "history.snapshots must all be (n, 2) samples (the default snapshot_fn) or all the same "
        f"square log_prob grid (density_snapshot_fn), got shapes {shapes}"
    )


def _replay_epoch(history: Any, epoch: int | None) -> int:
    """Return the epoch to show first (the last snapshot when None), checking that history has snapshots."""
    _checks.instance("history", history, TrainingHistory, "a training.TrainingHistory")
    if not history.snapshots:
        raise ValueError(
            "history has no snapshots: train with training.train(..., snapshot_epochs=[0, 50, ...]) "
            "(train_keras stores none)"
        )
    epochs = sorted(history.snapshots)
    if epoch is None:
        return epochs[-1]
    if epoch not in history.snapshots:
        raise ValueError(f"epoch must be one of the snapshot epochs {epochs}, got {epoch!r}")
    return epoch


def _model_panel(ax: Axes, history: TrainingHistory, densities: dict, data_x: np.ndarray, extent: tuple) -> dict:
    """Draw the data and the first snapshot (the density as an image, or samples); return the changing artist."""
    epochs = sorted(history.snapshots)
    if densities:
        finite = [float(np.max(d[np.isfinite(d)])) for d in densities.values() if np.isfinite(d).any()]
        image = ax.imshow(
            np.ma.masked_invalid(densities[epochs[0]]),
            origin="lower",
            extent=extent,
            cmap="viridis",
            vmin=0.0,
            vmax=max(finite, default=1.0),
            interpolation="nearest",
            aspect="auto",
        )
        ax.scatter(data_x[:, 0], data_x[:, 1], s=2, color="white", alpha=0.5)
        return {"density": image}
    ax.scatter(data_x[:, 0], data_x[:, 1], s=3, color=DATA_COLOR, label="data")
    first = np.asarray(history.snapshots[epochs[0]])
    samples = ax.scatter(first[:, 0], first[:, 1], s=3, color=MODEL, label="model samples")
    ax.legend(**LEGEND_BELOW)
    return {"samples": samples}


def _loss_panel(ax: Axes, history: TrainingHistory, epoch: int) -> Artist:
    """Draw the loss curves and a grey line per snapshot; return the red line at the shown epoch."""
    if history.epochs:
        ax.plot(history.epochs, history.train_loss, color=BLUE, label="train")
        if history.val_loss:
            ax.plot(history.epochs, history.val_loss, color=BLUE, linestyle="--", label="validation")
        finite = [v for v in history.train_loss + history.val_loss if np.isfinite(v)]
        if finite:
            low, high = np.percentile(finite, [0, 95])
            ax.set_ylim(low - 0.05 * (high - low + 1e-9), high + 0.1 * (high - low + 1e-9))
        ax.legend(loc="upper right", fontsize=8)
    epochs = sorted(history.snapshots)
    right = max(max(history.epochs, default=0), epochs[-1], 1)
    ax.set_xlim(-0.02 * right, 1.02 * right)
    for e in epochs:
        ax.axvline(e, color="0.85", linewidth=0.8, zorder=0)
    epoch_line = ax.axvline(epoch, color=MODEL, linewidth=1.5)
    ax.set(xlabel="epoch", ylabel="NLL (nats)")
    ax.set_title("loss per epoch; grey lines: stored snapshots", fontsize=10)
    return epoch_line


def _loss_notes(history: TrainingHistory) -> dict[int, str]:
    """Return, per snapshot epoch, the train (and validation) NLL recorded then, "before training" at 0, or ""."""
    loss_at = dict(zip(history.epochs, history.train_loss, strict=False))
    val_at = dict(zip(history.epochs, history.val_loss, strict=False)) if history.val_loss else {}
    notes = {}
    for k in history.snapshots:
        notes[k] = f"train NLL {loss_at[k]:.3f}" if k in loss_at else "before training" if k == 0 else ""
        if k in val_at:
            notes[k] += f", val {val_at[k]:.3f}"
    return notes


def training_replay(
    history: TrainingHistory,
    data_x: np.ndarray,
    xlim: Limits = (-4.0, 4.0),
    ylim: Limits = (-4.0, 4.0),
    epoch: int | None = None,
) -> FlowWidget:
    """An epoch slider over a TrainingHistory's stored snapshots: model samples or density at epoch k, and the loss."""
    epoch = _replay_epoch(history, epoch)
    data_x = _checks.points("data_x", data_x, 2)
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)
    kind = _snapshot_kind(history)
    epochs = sorted(history.snapshots)
    slider = ipywidgets.SelectionSlider(
        options=epochs,
        value=epoch,
        description="epoch",
        continuous_update=True,
        style=SLIDER_STYLE,
        layout={"width": "500px"},
    )
    controls = {"epoch": slider}
    densities = {e: np.exp(np.asarray(history.snapshots[e], dtype=float)) for e in epochs} if kind == "log_prob" else {}
    notes = _loss_notes(history)

    fig, (ax_model, ax_loss) = figure(10.0, 4.4, 2)
    artists = _model_panel(ax_model, history, densities, data_x, (*xlim, *ylim))
    model_title = style(ax_model, xlim, ylim, "", "x1", "x2")
    epoch_line = _loss_panel(ax_loss, history, epoch)

    def update() -> None:
        """Move the changing artists to the controls' values."""
        k = controls["epoch"].value
        if kind == "log_prob":
            artists["density"].set_data(np.ma.masked_invalid(densities[k]))
        else:
            artists["samples"].set_offsets(np.asarray(history.snapshots[k]))
        epoch_line.set_xdata([k, k])
        model_title.set_text(f"epoch {k}" + (f": {notes[k]}" if notes[k] else ""))

    animated = [*artists.values(), epoch_line, model_title]
    inputs = {"data_x": data_x, "kind": kind}
    return FlowWidget("training_replay", fig, controls, update, {**artists, "epoch_line": epoch_line}, inputs, animated)
