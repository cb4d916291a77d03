"""Matplotlib figures for 2-D flows: densities, samples, training data, bijector stages, loss curves.

Every function checks its arguments first, draws with the object API and returns the Figure;
nothing calls plt.show() or closes figures, so notebooks display them and scripts save them.
NaN or infinite values (a diverged flow's log_prob, samples or losses) are never hidden: they
are painted grey or left as gaps and counted in a title or legend; densities and samples also warn.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, is_color_like
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from mpl_toolkits.axes_grid1 import make_axes_locatable

from course_utils import _checks
from course_utils.builders import FLOW_OPERATIONS, PassCosts
from course_utils.training import TrainingHistory

__all__ = [
    "density_grid", "plot_density", "plot_samples", "plot_data", "plot_data_vs_model", "plot_stages", "plot_loss",
    "plot_change_of_variables_1d", "plot_warped_grid",
    "plot_coupling_layer", "plot_jacobians",
    "plot_made", "plot_masks", "plot_pass_costs",
]

Limits = tuple[float, float]
_Grid = tuple[np.ndarray, np.ndarray, np.ndarray]  # X, Y meshgrid and log_prob on it

_PANEL_INCHES = 4.0
_MAX_DEFAULT_COLUMNS = 4
_NONFINITE_COLOR = "0.55"  # grey: not in the density colour map
_CLASS_COLORS = ("tab:blue", "tab:red", "tab:green", "tab:orange", "tab:purple", "tab:brown")


class _Points(NamedTuple):
    """Checked (n, 2) points of one panel, the argument they came from and how many NaN/inf rows were left out."""

    name: str
    points: np.ndarray
    dropped: int


# ---------------------------------------------------------------- argument checks


def _grid_size(value: Any) -> int:
    """Return `value` as a grid size (an integer >= 2), or raise."""
    size = _checks.positive_int("grid_size", value)
    if size < 2:
        raise ValueError(f"grid_size must be at least 2 points per axis, got {size}")
    return size


def _finite_float(name: str, value: Any) -> float:
    """Return `value` as a finite float, or raise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r} of type {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def _color(name: str, value: Any) -> Any:
    """Return `value` if matplotlib understands it as a colour, or raise."""
    if not is_color_like(value):
        raise ValueError(f"{name} must be a matplotlib colour such as 'tab:red' or '#1f77b4', got {value!r}")
    return value


def _ncols(value: Any, n_panels: int) -> int:
    """Return the number of grid columns: `value` (capped at n_panels) or min(n_panels, 4) when None."""
    if value is None:
        return min(n_panels, _MAX_DEFAULT_COLUMNS)
    return min(_checks.positive_int("ncols", value), n_panels)


def _panel_titles(name: str, titles: Any, n_panels: int) -> list[str]:
    """Return one title per panel ("" when titles is None); a single string is allowed for one panel."""
    if titles is None:
        return [""] * n_panels
    if isinstance(titles, str) and n_panels == 1:
        return [titles]
    if isinstance(titles, (str, bytes)) or not isinstance(titles, Sequence):
        raise TypeError(f"{name} must be a list of strings, one per panel, got {titles!r}")
    if len(titles) != n_panels:
        raise ValueError(f"{name} must have one title per panel ({n_panels}), got {len(titles)}: {list(titles)!r}")
    for index, title in enumerate(titles):
        if not isinstance(title, str):
            raise TypeError(f"{name}[{index}] must be a string, got {title!r} of type {type(title).__name__}")
    return list(titles)


def _panel_list(name: str, value: Any) -> list[Any]:
    """Return `value` as a non-empty list: a list or tuple as given, anything else as a one-item list."""
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise ValueError(f"{name} must not be empty: give one item or a non-empty list")
    return items


def _distributions(value: Any) -> list[Any]:
    """Return `value` as a non-empty list of objects that have a log_prob method, or raise."""
    dists = _panel_list("dists", value)
    for index, dist in enumerate(dists):
        _has_log_prob(f"dists[{index}]" if isinstance(value, (list, tuple)) else "dists", dist)
    return dists


def _has_log_prob(name: str, dist: Any) -> None:
    """Raise unless `dist` has a callable log_prob method."""
    if not callable(getattr(dist, "log_prob", None)):
        raise TypeError(f"{name} must have a log_prob method (e.g. a tfd.Distribution), got {type(dist).__name__}")


def _sample_points(name: str, value: Any) -> _Points:
    """Return `value` as (n, 2) float32 points without its NaN/inf rows, counting the rows left out."""
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}") from error
    _checks.points(name, np.nan_to_num(array), 2)  # shape checks only: NaN/inf rows are dropped below
    finite_rows = np.isfinite(array).all(axis=1)
    if not finite_rows.any():
        raise ValueError(f"{name} has nothing to plot: all {len(array)} rows hold NaN or inf")
    return _Points(name, array[finite_rows], int(np.sum(~finite_rows)))


def _stage_pairs(stages: Any) -> list[tuple[str, Any]]:
    """Return `stages` as a non-empty list of (name, samples) pairs, or raise."""
    if isinstance(stages, (str, bytes)) or not isinstance(stages, Sequence) or len(stages) == 0:
        raise TypeError(f"stages must be a non-empty list of (name, samples) pairs, got {type(stages).__name__}")
    for index, stage in enumerate(stages):
        if not (isinstance(stage, Sequence) and len(stage) == 2 and isinstance(stage[0], str)):
            raise TypeError(f"stages[{index}] must be a (name, samples) pair with a string name, got {stage!r}")
    return [(name, samples) for name, samples in stages]


def _labels(value: Any, n_points: int) -> np.ndarray:
    """Return `value` as a 1-D array with one class label per data point, or raise."""
    labels = np.asarray(value)
    if labels.shape != (n_points,):
        raise ValueError(f"labels must have shape ({n_points},), one label per row of x, got shape {labels.shape}")
    return labels


def _histories(value: Any) -> dict[str, TrainingHistory]:
    """Return `value` as {label: TrainingHistory}, checking that every history has epochs and matching losses."""
    if isinstance(value, TrainingHistory):
        value = {value.method: value}
    if not isinstance(value, Mapping) or not value:
        raise TypeError(f"histories must be a TrainingHistory or a non-empty dict of them, got {type(value).__name__}")
    for label, history in value.items():
        _check_history(f"histories[{label!r}]", history)
    return {str(label): history for label, history in value.items()}


def _check_history(name: str, history: Any) -> None:
    """Raise unless `history` is a TrainingHistory with one train (and, if any, one val) loss per epoch."""
    if not isinstance(history, TrainingHistory):
        raise TypeError(f"{name} must be a TrainingHistory, got {type(history).__name__}")
    n_epochs = len(history.epochs)
    if n_epochs == 0:
        raise ValueError(f"{name} has no epochs recorded: nothing to plot")
    if len(history.train_loss) != n_epochs:
        raise ValueError(f"{name}.train_loss must have one value per epoch ({n_epochs}), got {len(history.train_loss)}")
    if history.val_loss and len(history.val_loss) != n_epochs:
        raise ValueError(
            f"{name}.val_loss must be empty or have one value per epoch ({n_epochs}), got {len(history.val_loss)}"
        )
    _losses(f"{name}.train_loss", history.train_loss)
    _losses(f"{name}.val_loss", history.val_loss)


def _losses(name: str, values: Any) -> np.ndarray:
    """Return `values` as a float array with NaN wherever a loss is NaN or inf, or raise if not numbers."""
    try:
        losses = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a list of numbers, got {values!r}") from error
    return np.where(np.isfinite(losses), losses, np.nan)


# ---------------------------------------------------------------- layout


def _grid_shape(n_panels: int, ncols: int) -> tuple[int, int]:
    """Return (rows, columns) of a grid holding n_panels panels in ncols columns."""
    return math.ceil(n_panels / ncols), ncols


def _panel_figure(n_panels: int, ncols: int) -> tuple[Figure, list[Axes]]:
    """Return a figure with one axes per panel, the unused grid cells removed."""
    nrows, ncols = _grid_shape(n_panels, ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(_PANEL_INCHES * ncols, _PANEL_INCHES * nrows), squeeze=False)
    flat = list(axes.ravel())
    for unused in flat[n_panels:]:
        unused.remove()
    return fig, flat[:n_panels]


def _style_axes(ax: Axes, xlim: Limits, ylim: Limits, title: str) -> None:
    """Set the limits, an equal aspect ratio and the title of a 2-D panel."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=10)


def _join(*lines: str) -> str:
    """Join the non-empty lines of a title."""
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------- densities


def _evaluate_grid(dist: Any, xlim: Limits, ylim: Limits, grid_size: int) -> _Grid:
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


def density_grid(dist: Any, xlim: Limits = (-4, 4), ylim: Limits = (-4, 4), grid_size: int = 200) -> _Grid:
    """Return X, Y (grid_size x grid_size meshgrid) and dist.log_prob on it, from one batched call."""
    _has_log_prob("dist", dist)
    return _evaluate_grid(dist, _checks.limits("xlim", xlim), _checks.limits("ylim", ylim), _grid_size(grid_size))


def _mass_on_grid(x: np.ndarray, y: np.ndarray, log_prob: np.ndarray) -> float:
    """Return the sum of density x cell area over the finite cells of the grid."""
    cell_area = (x[0, 1] - x[0, 0]) * (y[1, 0] - y[0, 0])
    finite = np.isfinite(log_prob)
    return float(np.sum(np.exp(log_prob[finite])) * cell_area)


def _draw_density(ax: Axes, x: np.ndarray, y: np.ndarray, log_prob: np.ndarray, show_log: bool) -> None:
    """Fill contours of the density (or log density) on ax, with a colorbar on its right."""
    values = log_prob if show_log else np.exp(log_prob)
    contours = ax.contourf(x, y, np.ma.masked_invalid(values), levels=20)
    colorbar_axes = make_axes_locatable(ax).append_axes("right", size="5%", pad=0.05)
    ax.figure.colorbar(contours, cax=colorbar_axes, label="log density" if show_log else "density")


def _draw_nonfinite(ax: Axes, x: np.ndarray, y: np.ndarray, nonfinite: np.ndarray) -> None:
    """Paint the grid cells where log_prob is NaN/inf in grey and add a legend entry for them."""
    ax.pcolormesh(
        x, y, np.ma.masked_where(~nonfinite, np.ones_like(x)),
        cmap=ListedColormap([_NONFINITE_COLOR]), shading="nearest",
    )
    ax.legend(handles=[Patch(color=_NONFINITE_COLOR, label="log_prob NaN/inf")], loc="upper right", fontsize=8)


def _density_panel(ax: Axes, index: int, grid: _Grid, title: str, show_log: bool, warn: bool = True) -> None:
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
    _style_axes(ax, (x[0, 0], x[0, -1]), (y[0, 0], y[-1, 0]), _join(title, mass_note, nonfinite_note))


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
    titles = _panel_titles("titles", titles, len(dists))
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)
    grid_size = _grid_size(grid_size)
    ncols = _ncols(ncols, len(dists))
    if not isinstance(show_log, bool):
        raise TypeError(f"show_log must be True or False, got {show_log!r}")
    if not isinstance(warn_nonfinite, bool):
        raise TypeError(f"warn_nonfinite must be True or False, got {warn_nonfinite!r}")

    grids = [_evaluate_grid(dist, xlim, ylim, grid_size) for dist in dists]  # may raise: before any figure

    fig, axes = _panel_figure(len(dists), ncols)
    for index, (ax, grid, title) in enumerate(zip(axes, grids, titles)):
        _density_panel(ax, index, grid, title, show_log, warn_nonfinite)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- samples, data and stages


def _scatter_panel(
    ax: Axes, samples: _Points, title: str, xlim: Limits, ylim: Limits, color: Any, size: float
) -> None:
    """Scatter checked points on ax and title it; NaN/inf rows left out are noted in the title and warned about."""
    ax.scatter(samples.points[:, 0], samples.points[:, 1], s=size, color=color)
    dropped_note = ""
    if samples.dropped:
        dropped_note = f"{samples.dropped} of {samples.dropped + len(samples.points)} samples NaN/inf, not shown"
        warnings.warn(f"{samples.name}: {dropped_note}", RuntimeWarning, stacklevel=3)
    _style_axes(ax, xlim, ylim, _join(title, dropped_note))


def plot_samples(
    samples: Any,
    titles: Sequence[str] | str | None = None,
    ncols: int | None = None,
    xlim: Limits = (-4, 4),
    ylim: Limits = (-4, 4),
    color: Any = "tab:red",
    size: float = 4,
) -> Figure:
    """Scatter one (n, 2) array or tensor of samples, or a list of them, one panel each."""
    panels = _panel_list("samples", samples)
    several = isinstance(samples, (list, tuple))
    checked = [_sample_points(f"samples[{i}]" if several else "samples", panel) for i, panel in enumerate(panels)]
    titles = _panel_titles("titles", titles, len(checked))
    ncols = _ncols(ncols, len(checked))
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)
    color = _color("color", color)
    size = _checks.positive_float("size", size)

    fig, axes = _panel_figure(len(checked), ncols)
    for ax, points, title in zip(axes, checked, titles):
        _scatter_panel(ax, points, title, xlim, ylim, color, size)
    fig.tight_layout()
    return fig


def plot_data(
    x: Any, labels: Any = None, xlim: Limits = (-2, 2), ylim: Limits = (-2, 2), title: str = "Training data"
) -> Figure:
    """Scatter the (n, 2) training data, one colour per class label when labels are given."""
    points = _checks.points("x", x, 2)
    classes = np.zeros(len(points), dtype=int) if labels is None else _labels(labels, len(points))
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)
    if not isinstance(title, str):
        raise TypeError(f"title must be a string, got {title!r}")

    fig, ax = plt.subplots(figsize=(_PANEL_INCHES + 1, _PANEL_INCHES + 1))
    for index, label in enumerate(np.unique(classes)):
        in_class = classes == label
        color = _CLASS_COLORS[index % len(_CLASS_COLORS)]
        ax.scatter(points[in_class, 0], points[in_class, 1], s=6, color=color, label=f"class {label}")
    if labels is not None:
        ax.legend(loc="upper right", fontsize=8)
    _style_axes(ax, xlim, ylim, title)
    fig.tight_layout()
    return fig


def plot_data_vs_model(
    data_x: Any,
    model_samples: Any,
    xlim: Limits = (-2, 2),
    ylim: Limits = (-2, 2),
    titles: Sequence[str] = ("Data", "Model samples"),
) -> Figure:
    """Scatter the data and the model's samples side by side on the same axes limits."""
    data = _Points("data_x", _checks.points("data_x", data_x, 2), 0)
    model = _sample_points("model_samples", model_samples)
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)
    data_title, model_title = _panel_titles("titles", titles, 2)

    fig, (data_ax, model_ax) = _panel_figure(2, 2)
    _scatter_panel(data_ax, data, data_title, xlim, ylim, _CLASS_COLORS[0], 4.0)
    _scatter_panel(model_ax, model, model_title, xlim, ylim, _CLASS_COLORS[1], 4.0)
    fig.tight_layout()
    return fig


def plot_stages(stages: Any, ncols: int = 4, xlim: Limits = (-4, 4), ylim: Limits = (-4, 4)) -> Figure:
    """Scatter the samples after every stage of a bijector chain (base first), one panel "k: name" each."""
    pairs = _stage_pairs(stages)
    checked = [_sample_points(f"stages[{k}] samples", samples) for k, (_, samples) in enumerate(pairs)]
    ncols = _ncols(ncols, len(pairs))
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)

    fig, axes = _panel_figure(len(pairs), ncols)
    for k, (ax, (name, _), points) in enumerate(zip(axes, pairs, checked)):
        _scatter_panel(ax, points, f"{k}: {name}", xlim, ylim, _CLASS_COLORS[0], 4.0)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- training curves


def _draw_history(ax: Axes, label: str, history: TrainingHistory, color: str) -> None:
    """Draw one history's train (solid) and validation (dashed) losses, gaps at NaN/inf, and its best epoch."""
    curves = [("train", "-", history.train_loss)]
    if history.val_loss:
        curves.append(("validation", "--", history.val_loss))
    for kind, linestyle, values in curves:
        losses = _losses(kind, values)
        n_nonfinite = int(np.isnan(losses).sum())
        note = f" ({n_nonfinite} epochs NaN/inf: gaps)" if n_nonfinite else ""
        ax.plot(
            history.epochs, losses,
            linestyle=linestyle, marker="." if n_nonfinite else None, color=color, label=f"{label} {kind}{note}",
        )
    if history.best_epoch is not None:
        best_label = f"{label} best epoch {history.best_epoch}"
        ax.axvline(history.best_epoch, color=color, linestyle=":", linewidth=1, label=best_label)


def _heldout_points(value: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return {epoch: NLL} as (epochs, losses) sorted by epoch, NaN where a loss is NaN or inf, or raise."""
    if not isinstance(value, Mapping) or not value:
        raise TypeError(f"heldout must be a non-empty dict {{epoch: NLL}}, got {value!r}")
    epochs = np.array([_checks.non_negative_int(f"heldout key {epoch!r}", epoch) for epoch in value])
    losses = _losses("heldout values", list(value.values()))
    order = np.argsort(epochs)
    return epochs[order], losses[order]


def _draw_heldout(ax: Axes, epochs: np.ndarray, losses: np.ndarray, ylim: Limits | None) -> None:
    """Draw the held-out NLL curve; with ylim, mark values above the top (or NaN/inf) at the edge with their value."""
    color = "tab:red"
    if ylim is None:
        ax.plot(epochs, losses, "o-", color=color, markersize=4, label="held-out NLL (fresh points)")
        return
    top = ylim[1]
    off_chart = ~(losses <= top)  # above the top, or NaN (was NaN or inf)
    shown = np.where(off_chart, top, losses)
    ax.plot(epochs, shown, "-", color=color, linewidth=1)
    ax.plot(epochs[~off_chart], shown[~off_chart], "o", color=color, markersize=4, label="held-out NLL (fresh points)")
    if off_chart.any():
        ax.plot(epochs[off_chart], shown[off_chart], "^", color=color, markersize=7, clip_on=False,
                label="held-out NLL off the chart")
        for epoch, loss in zip(epochs[off_chart], losses[off_chart]):
            text = "NaN/inf" if np.isnan(loss) else f"{loss:.3g}"
            ax.annotate(text, (epoch, top), xytext=(0, -14), textcoords="offset points", ha="center",
                        fontsize=7, color=color)


def plot_loss(
    histories: TrainingHistory | Mapping[str, TrainingHistory],
    entropy: float | None = None,
    title: str = "Negative log-likelihood per epoch",
    ylim: Limits | None = None,
    heldout: Mapping[int, float] | None = None,
) -> Figure:
    """Train (solid) and validation (dashed) loss curves of one history or a {label: history} dict.

    `heldout` ({epoch: NLL on fresh points}, e.g. from training snapshots) adds a third curve;
    with `ylim`, values above the top (or NaN/inf) are marked at the top edge with their value.
    """
    histories = _histories(histories)
    entropy = None if entropy is None else _finite_float("entropy", entropy)
    if not isinstance(title, str):
        raise TypeError(f"title must be a string, got {title!r}")
    ylim = None if ylim is None else _checks.limits("ylim", ylim)
    heldout_points = None if heldout is None else _heldout_points(heldout)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for index, (label, history) in enumerate(histories.items()):
        _draw_history(ax, label, history, f"C{index}")
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


def plot_change_of_variables_1d(bijector: Any, z_lim: Limits = (-3, 3), n_bands: int = 6) -> Figure:
    """Three panels: N(0, 1) cut into bands of equal width, the map x = f(z), and p(x) with the same bands.

    Each band holds the same probability before and after the map: where f stretches a band
    the density drops, where it squeezes the band the density rises (p_x = p_z / |f'|).
    """
    z_low, z_high = _checks.limits("z_lim", z_lim)
    n_bands = _checks.positive_int("n_bands", n_bands)
    if not callable(getattr(bijector, "forward", None)):
        raise TypeError(f"bijector must have a forward method (a tfb.Bijector), got {type(bijector).__name__}")
    z = np.linspace(z_low, z_high, 400, dtype=np.float32)
    x = np.asarray(bijector.forward(z))
    log_det = np.asarray(bijector.forward_log_det_jacobian(z, event_ndims=0)) * np.ones_like(z)
    p_z = np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)
    p_x = p_z * np.exp(-log_det)
    edges = np.linspace(z_low, z_high, n_bands + 1)
    colors = plt.cm.viridis(np.linspace(0.1, 0.9, n_bands))
    fig, (ax_z, ax_f, ax_x) = plt.subplots(1, 3, figsize=(3 * _PANEL_INCHES, _PANEL_INCHES * 0.8))
    for left, right, color in zip(edges[:-1], edges[1:], colors):
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


def plot_warped_grid(bijector: Any, lim: Limits = (-2.5, 2.5), n_lines: int = 11, n_samples: int = 500,
                     seed: int = 0) -> Figure:
    """Two panels: a grid and N(0, I) samples in z-space, and both pushed through a 2-D bijector."""
    low, high = _checks.limits("lim", lim)
    n_lines = _checks.positive_int("n_lines", n_lines)
    n_samples = _checks.positive_int("n_samples", n_samples)
    if not callable(getattr(bijector, "forward", None)):
        raise TypeError(f"bijector must have a forward method (a tfb.Bijector), got {type(bijector).__name__}")
    t = np.linspace(low, high, 200, dtype=np.float32)
    levels = np.linspace(low, high, n_lines, dtype=np.float32)
    lines = [np.stack([t, np.full_like(t, v)], axis=1) for v in levels]
    lines += [np.stack([np.full_like(t, v), t], axis=1) for v in levels]
    z = np.random.default_rng(seed).standard_normal((n_samples, 2)).astype(np.float32)
    fig, axes = plt.subplots(1, 2, figsize=(2 * _PANEL_INCHES, _PANEL_INCHES))
    for ax, transform, title in ((axes[0], lambda a: a, "z-space: grid and N(0, I) samples"),
                                 (axes[1], lambda a: np.asarray(bijector.forward(a)), "x-space: after the flow")):
        for line in lines:
            warped = transform(line)
            ax.plot(warped[:, 0], warped[:, 1], color="0.6", linewidth=0.8)
        moved = transform(z)
        ax.scatter(moved[:, 0], moved[:, 1], s=4, color="tab:red", zorder=3)
        ax.set_title(title)
        ax.set_aspect("equal", adjustable="datalim")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- coupling layers and Jacobians


def _coupling_shift_and_scale(bijector: Any, z1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Read (shift, scale) of a 2-D affine coupling layer at the values z1 off its forward map, or raise."""
    def second(z2: float) -> np.ndarray:
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
        raise ValueError("bijector must be affine in dimension 1 (x1 = shift(z0) + scale(z0) * z1), as RealNVP and NICE are")
    return shift, scale


def _quad_areas(nodes: np.ndarray) -> np.ndarray:
    """Areas of the quadrilateral cells of a (rows, columns, 2) grid of corner points, by the shoelace formula."""
    corners = [nodes[:-1, :-1], nodes[:-1, 1:], nodes[1:, 1:], nodes[1:, :-1]]  # in order around each cell
    twice = sum(a[..., 0] * b[..., 1] - b[..., 0] * a[..., 1] for a, b in zip(corners, corners[1:] + corners[:1]))
    return 0.5 * np.abs(twice)


def plot_coupling_layer(bijector: Any, lim: Limits = (-2.5, 2.5), n_lines: int = 11, n_samples: int = 300,
                        seed: int = 0, log_ratio_lim: float | None = None) -> Figure:
    """Three panels of a 2-D affine coupling layer (z0 passes through): the grid before, after, and its shift and scale.

    The middle panel colours each small cell by log(area after / area before), the layer's log|det J|
    there: red cells grew, blue cells shrank, white cells kept their area (all of them for NICE).
    Lines z0 = const (blue) stay where they are; each is only shifted and stretched along z1.
    """
    low, high = _checks.limits("lim", lim)
    n_lines = _checks.positive_int("n_lines", n_lines)
    if n_lines < 2:
        raise ValueError(f"n_lines must be at least 2, got {n_lines}")
    n_samples = _checks.non_negative_int("n_samples", n_samples)
    seed = _checks.non_negative_int("seed", seed)
    if log_ratio_lim is not None:
        log_ratio_lim = _checks.positive_float("log_ratio_lim", log_ratio_lim)
    if not callable(getattr(bijector, "forward", None)):
        raise TypeError(f"bijector must have a forward method (a tfb.Bijector), got {type(bijector).__name__}")

    z0 = np.linspace(low, high, 200, dtype=np.float32)
    shift, scale = _coupling_shift_and_scale(bijector, z0)  # raises before any figure if not a coupling layer
    nodes_1d = np.linspace(low, high, 4 * (n_lines - 1) + 1, dtype=np.float32)  # 4 x 4 coloured cells per grid square
    mesh = np.stack(np.meshgrid(nodes_1d, nodes_1d), axis=-1)  # (rows: z1, columns: z0, 2)
    warped = np.asarray(bijector.forward(mesh.reshape(-1, 2))).reshape(mesh.shape).astype(np.float64)
    log_ratio = np.log(_quad_areas(warped) / _quad_areas(mesh.astype(np.float64)))
    limit = log_ratio_lim or max(0.1, float(np.max(np.abs(log_ratio))))
    samples = np.random.default_rng(seed).standard_normal((n_samples, 2)).astype(np.float32)
    t = np.linspace(low, high, 200, dtype=np.float32)
    levels = np.linspace(low, high, n_lines, dtype=np.float32)

    fig, (ax_z, ax_x, ax_f) = plt.subplots(1, 3, figsize=(3 * _PANEL_INCHES + 1.5, _PANEL_INCHES))
    cells = ax_x.pcolormesh(warped[..., 0], warped[..., 1], log_ratio, cmap="RdBu_r", vmin=-limit, vmax=limit,
                            shading="flat")
    colorbar_axes = make_axes_locatable(ax_x).append_axes("right", size="5%", pad=0.05)
    fig.colorbar(cells, cax=colorbar_axes, label="log(area after / area before)")
    for ax, forward in ((ax_z, lambda a: a), (ax_x, lambda a: np.asarray(bijector.forward(a)))):
        for v in levels:
            vertical = forward(np.stack([np.full_like(t, v), t], axis=1))
            horizontal = forward(np.stack([t, np.full_like(t, v)], axis=1))
            ax.plot(horizontal[:, 0], horizontal[:, 1], color="0.55", linewidth=0.7)
            ax.plot(vertical[:, 0], vertical[:, 1], color="tab:blue", linewidth=1.2)
        if n_samples:
            moved = forward(samples)
            ax.scatter(moved[:, 0], moved[:, 1], s=3, color="black", alpha=0.6, zorder=3)
        ax.set(xlabel="dimension 0 (passed through)", ylabel="dimension 1 (transformed)")
        ax.set_aspect("equal", adjustable="datalim")
    ratio = np.exp(log_ratio)
    ax_z.set_title("z-space: grid and N(0, I) samples", fontsize=10)
    ax_x.set_title(f"x-space: cells coloured by log area ratio\narea ratio from {ratio.min():.2f} to {ratio.max():.2f}",
                   fontsize=10)
    ax_f.plot(z0, shift, color="tab:green", label="shift $\\mu(z_0)$")
    ax_f.plot(z0, scale, color="tab:purple", label="scale $\\exp\\,\\sigma(z_0)$")
    ax_f.axhline(1.0, color="tab:purple", linestyle=":", linewidth=1)
    ax_f.axhline(0.0, color="0.6", linewidth=0.8)
    ax_f.set(xlabel="$z_0$ (the masked, passed-through dimension)", title="what the layer does to dimension 1")
    ax_f.title.set_fontsize(10)
    ax_f.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _jacobian_pairs(value: Any) -> list[tuple[str, np.ndarray]]:
    """Return `value` as a non-empty list of (name, square matrix of mean |entries|), or raise."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) == 0:
        raise TypeError(f"jacobians must be a non-empty list of (name, Jacobian) pairs, got {type(value).__name__}")
    pairs = []
    for index, item in enumerate(value):
        if not (isinstance(item, Sequence) and len(item) == 2 and isinstance(item[0], str)):
            raise TypeError(f"jacobians[{index}] must be a (name, Jacobian) pair with a string name, got {item!r}")
        try:
            matrix = np.asarray(item[1], dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise TypeError(f"jacobians[{index}] must hold an array of numbers") from error
        if matrix.ndim == 2:
            matrix = matrix[None]
        if matrix.ndim != 3 or matrix.shape[1] != matrix.shape[2] or matrix.shape[0] == 0:
            raise ValueError(
                f"jacobians[{index}] must be a (D, D) matrix or an (n, D, D) batch of them, got shape {np.shape(item[1])}"
            )
        if not np.all(np.isfinite(matrix)):
            raise ValueError(f"jacobians[{index}] ({item[0]}) holds NaN or inf")
        pairs.append((item[0], np.mean(np.abs(matrix), axis=0)))
    return pairs


def plot_jacobians(jacobians: Sequence[tuple[str, Any]], ncols: int | None = None) -> Figure:
    """One annotated heat map per (name, Jacobian) pair: the mean |dx_i / dz_j| over the batch; exact zeros read "0"."""
    pairs = _jacobian_pairs(jacobians)
    ncols = _ncols(ncols, len(pairs))
    fig, axes = _panel_figure(len(pairs), ncols)
    for ax, (name, matrix) in zip(axes, pairs):
        size = matrix.shape[0]
        top = max(float(matrix.max()), 1e-12)
        ax.imshow(matrix, cmap="Blues", vmin=0.0, vmax=top)
        for i in range(size):
            for j in range(size):
                value = matrix[i, j]
                text = "0" if value == 0.0 else f"{value:.2f}"
                ax.text(j, i, text, ha="center", va="center", fontsize=9,
                        color="white" if value > 0.6 * top else "black")
        ax.set_xticks(range(size))
        ax.set_yticks(range(size))
        ax.set(xlabel="input dimension j", ylabel="output dimension i")
        ax.set_title(name, fontsize=10)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- MADE masks and autoregressive costs


def _made_layers(degrees: Any, masks: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Return checked MADE degrees (inputs first) and boolean masks, the output mask folded to one column per input."""
    if isinstance(degrees, (str, bytes)) or not isinstance(degrees, Sequence) or len(degrees) < 1:
        raise TypeError(f"degrees must be a non-empty list of 1-D integer arrays (inputs first), got {degrees!r}")
    if isinstance(masks, (str, bytes)) or not isinstance(masks, Sequence) or len(masks) != len(degrees):
        raise TypeError(f"masks must be a list of {len(degrees)} boolean arrays, one per layer of connections "
                        f"(len(degrees) = {len(degrees)}), got {type(masks).__name__} of length "
                        f"{len(masks) if isinstance(masks, Sequence) else '?'}")
    degree_arrays = []
    for index, value in enumerate(degrees):
        array = np.asarray(value)
        if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"degrees[{index}] must be a non-empty 1-D array of integers, got {value!r}")
        degree_arrays.append(array)
    sizes = [len(d) for d in degree_arrays] + [len(degree_arrays[0])]
    mask_arrays = []
    for index, value in enumerate(masks):
        mask = np.asarray(value).astype(bool)
        rows, cols = sizes[index], sizes[index + 1]
        last = index == len(masks) - 1
        if mask.ndim != 2 or mask.shape[0] != rows or (mask.shape[1] != cols and not (
                last and mask.shape[1] % cols == 0)):
            expected = f"({rows}, {cols})" + (f" or ({rows}, {cols} * params)" if last else "")
            raise ValueError(f"masks[{index}] must have shape {expected}, got {np.shape(value)}")
        if last and mask.shape[1] != cols:
            params = mask.shape[1] // cols
            folded = mask[:, ::params]
            if not np.array_equal(np.repeat(folded, params, axis=1), mask):
                raise ValueError(f"masks[{index}]: the {params} output columns of each input must be masked alike")
            mask = folded
        mask_arrays.append(mask)
    return degree_arrays, mask_arrays


def plot_made(degrees: Sequence[Any], masks: Sequence[Any], title: str = "") -> Figure:
    """Draw a MADE as a graph: inputs, hidden units and outputs labelled with their degree, a line per allowed connection."""
    degree_arrays, mask_arrays = _made_layers(degrees, masks)
    if not isinstance(title, str):
        raise TypeError(f"title must be a string, got {title!r}")
    event_size = len(degree_arrays[0])
    layers = degree_arrays + [degree_arrays[0]]  # output i has the degree of input i
    tallest = max(len(layer) for layer in layers)
    columns = np.arange(len(layers), dtype=float) * 2.0
    heights = [np.linspace(0, tallest - 1, len(layer)) if len(layer) > 1 else np.array([(tallest - 1) / 2])
               for layer in layers]
    heights = [h.max() - h for h in heights]  # first unit on top
    colors = plt.cm.viridis(np.linspace(0.05, 0.85, event_size))

    fig, ax = plt.subplots(figsize=(2.2 * len(layers) + 1, 0.45 * tallest + 1.6))
    for k, mask in enumerate(mask_arrays):
        for a, b in zip(*np.nonzero(mask)):
            ax.plot([columns[k], columns[k + 1]], [heights[k][a], heights[k + 1][b]],
                    color=colors[layers[k][a] - 1], alpha=0.55, linewidth=0.9, zorder=1)
    for k, layer in enumerate(layers):
        for unit, degree in enumerate(layer):
            ax.scatter(columns[k], heights[k][unit], s=380, color=colors[degree - 1], edgecolor="black", zorder=2)
            ax.text(columns[k], heights[k][unit], str(degree), ha="center", va="center", fontsize=9,
                    color="white" if degree - 1 < event_size / 2 else "black", zorder=3)
    for unit, degree in enumerate(layers[0]):
        ax.text(columns[0] - 0.45, heights[0][unit], f"$x_{{{degree}}}$", ha="right", va="center", fontsize=11)
    for unit, degree in enumerate(layers[-1]):
        ax.text(columns[-1] + 0.45, heights[-1][unit], f"$\\mu_{{{degree}}}, \\sigma_{{{degree}}}$",
                ha="left", va="center", fontsize=11)
    names = ["inputs"] + [f"hidden {k}" for k in range(1, len(layers) - 1)] + ["outputs"]
    for column, name in zip(columns, names):
        ax.text(column, -1.0, name, ha="center", va="top", fontsize=10)
    ax.set_xlim(columns[0] - 1.6, columns[-1] + 1.9)
    ax.set_ylim(-1.8, tallest - 0.3)
    ax.axis("off")
    ax.set_title(title or "MADE: each unit shows its degree; a line is a connection its mask allows", fontsize=10)
    fig.tight_layout()
    return fig


def plot_masks(masks: Sequence[Any], degrees: Sequence[Any] | None = None, titles: Sequence[str] | None = None) -> Figure:
    """Show MADE's mask matrices (rows: units in, columns: units out) side by side; dark = connection allowed.

    With `degrees` (inputs first, as for `plot_made`) the rows and columns are labelled by degree.
    """
    mask_arrays = []
    if isinstance(masks, (str, bytes)) or not isinstance(masks, Sequence) or len(masks) == 0:
        raise TypeError(f"masks must be a non-empty list of 2-D boolean arrays, got {type(masks).__name__}")
    for index, value in enumerate(masks):
        mask = np.asarray(value)
        if mask.ndim != 2 or mask.size == 0:
            raise ValueError(f"masks[{index}] must be a non-empty 2-D array, got shape {mask.shape}")
        mask_arrays.append(mask.astype(bool))
    for index in range(len(mask_arrays) - 1):
        if mask_arrays[index].shape[1] != mask_arrays[index + 1].shape[0]:
            raise ValueError(f"masks[{index}] has {mask_arrays[index].shape[1]} columns but masks[{index + 1}] has "
                             f"{mask_arrays[index + 1].shape[0]} rows: consecutive layers must fit together")
    labels = None
    if degrees is not None:
        degree_arrays, _ = _made_layers(degrees, masks)
        outputs = np.repeat(degree_arrays[0], mask_arrays[-1].shape[1] // len(degree_arrays[0]))
        labels = degree_arrays + [outputs]
    default_titles = [f"layer {k + 1}: {'inputs' if k == 0 else f'hidden {k}'} -> "
                      f"{'outputs' if k == len(mask_arrays) - 1 else f'hidden {k + 1}'}" for k in range(len(mask_arrays))]
    titles = default_titles if titles is None else _panel_titles("titles", titles, len(mask_arrays))

    widths = [max(m.shape[1], 2) for m in mask_arrays]
    tallest = max(m.shape[0] for m in mask_arrays)
    fig, axes = plt.subplots(1, len(mask_arrays), figsize=(0.32 * sum(widths) + 1.2 * len(widths), 0.32 * tallest + 1.8),
                             gridspec_kw={"width_ratios": widths}, squeeze=False)
    for k, (ax, mask, title) in enumerate(zip(axes[0], mask_arrays, titles)):
        ax.imshow(mask, cmap=ListedColormap(["white", "tab:blue"]), vmin=0, vmax=1, aspect="equal")
        ax.set_xticks(np.arange(mask.shape[1] + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(mask.shape[0] + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="0.8", linewidth=0.5)
        ax.tick_params(which="minor", length=0)
        if labels is not None:
            ax.set_xticks(range(mask.shape[1]), [str(d) for d in labels[k + 1]], fontsize=7)
            ax.set_yticks(range(mask.shape[0]), [str(d) for d in labels[k]], fontsize=7)
            ax.set(xlabel="degree of unit out", ylabel="degree of unit in")
        else:
            ax.set(xlabel="unit out", ylabel="unit in")
        ax.set_title(f"{title}\n{int(mask.sum())} of {mask.size} allowed", fontsize=9)
    fig.tight_layout()
    return fig


def _pass_costs(value: Any) -> list[PassCosts]:
    """Return `value` as a non-empty list of PassCosts with one value per event size, or raise."""
    items = _panel_list("costs", value)
    for index, item in enumerate(items):
        if not isinstance(item, PassCosts):
            raise TypeError(f"costs[{index}] must be a builders.PassCosts (from measure_pass_costs), got {type(item).__name__}")
        for what in ("calls", "seconds"):
            for op, values in getattr(item, what).items():
                if len(values) != len(item.event_sizes):
                    raise ValueError(f"costs[{index}].{what}[{op!r}] must have one value per event size "
                                     f"({len(item.event_sizes)}), got {len(values)}")
    return items


def plot_pass_costs(costs: Any, title: str = "") -> Figure:
    """Network calls against the event size D, one panel per flow, then one panel of the measured times of all.

    Colours mark the operation; in the time panel a solid line is a MAF and a dashed line an IAF.
    """
    items = _pass_costs(costs)
    if not isinstance(title, str):
        raise TypeError(f"title must be a string, got {title!r}")
    timed = any(item.seconds for item in items)
    n_panels = len(items) + (1 if timed else 0)
    fig, axes = plt.subplots(1, n_panels, figsize=(5.2 * n_panels, 4), squeeze=False)
    operations = [op for op in FLOW_OPERATIONS if any(op in item.calls or op in item.seconds for item in items)]
    colors = {op: f"C{i}" for i, op in enumerate(operations)}
    styles = {"maf": ("-", "o"), "iaf": ("--", "s")}
    panels = [(axes[0][k], [item], "calls", "network calls (counted)", f"{item.kind.upper()}: passes through the network")
              for k, item in enumerate(items)]
    if timed:
        panels.append((axes[0][-1], items, "seconds", "milliseconds (measured, compiled)",
                       "wall-clock time (varies from run to run)"))
    for ax, panel_items, what, ylabel, panel_title in panels:
        for item in panel_items:
            linestyle, marker = styles.get(item.kind, ("-.", "^"))
            scale = 1e3 if what == "seconds" else 1
            for op, values in getattr(item, what).items():
                ax.plot(item.event_sizes, np.asarray(values, dtype=float) * scale, linestyle=linestyle, marker=marker,
                        color=colors[op], label=f"{item.kind.upper()} {op}")
        sizes = sorted({size for item in panel_items for size in item.event_sizes})
        ax.set_xticks(sizes, [str(size) for size in sizes])
        ax.set_ylim(bottom=0)
        ax.set(xlabel="event size D", ylabel=ylabel)
        ax.set_title(panel_title, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
