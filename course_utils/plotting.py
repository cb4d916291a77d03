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
from course_utils.training import TrainingHistory

__all__ = [
    "density_grid", "plot_density", "plot_samples", "plot_data", "plot_data_vs_model", "plot_stages", "plot_loss",
    "plot_change_of_variables_1d", "plot_warped_grid",
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


def _density_panel(ax: Axes, index: int, grid: _Grid, title: str, show_log: bool) -> None:
    """Draw one density panel; NaN/inf cells are painted, counted in the title and warned about."""
    x, y, log_prob = grid
    _draw_density(ax, x, y, log_prob, show_log)
    nonfinite = ~np.isfinite(log_prob)
    nonfinite_note = ""
    if nonfinite.any():
        _draw_nonfinite(ax, x, y, nonfinite)
        percent = 100 * nonfinite.mean()
        nonfinite_note = f"{percent:.1f}% of grid NaN/inf"
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
) -> Figure:
    """Filled contours of the density of one distribution or a list of them, with the mass on the grid."""
    dists = _distributions(dists)
    titles = _panel_titles("titles", titles, len(dists))
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)
    grid_size = _grid_size(grid_size)
    ncols = _ncols(ncols, len(dists))
    if not isinstance(show_log, bool):
        raise TypeError(f"show_log must be True or False, got {show_log!r}")

    grids = [_evaluate_grid(dist, xlim, ylim, grid_size) for dist in dists]  # may raise: before any figure

    fig, axes = _panel_figure(len(dists), ncols)
    for index, (ax, grid, title) in enumerate(zip(axes, grids, titles)):
        _density_panel(ax, index, grid, title, show_log)
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


def plot_loss(
    histories: TrainingHistory | Mapping[str, TrainingHistory],
    entropy: float | None = None,
    title: str = "Negative log-likelihood per epoch",
    ylim: Limits | None = None,
) -> Figure:
    """Train (solid) and validation (dashed) loss curves of one history or a {label: history} dict."""
    histories = _histories(histories)
    entropy = None if entropy is None else _finite_float("entropy", entropy)
    if not isinstance(title, str):
        raise TypeError(f"title must be a string, got {title!r}")
    ylim = None if ylim is None else _checks.limits("ylim", ylim)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for index, (label, history) in enumerate(histories.items()):
        _draw_history(ax, label, history, f"C{index}")
    if entropy is not None:
        entropy_label = f"best possible NLL (entropy) = {entropy:.3f}"
        ax.axhline(entropy, color="black", linestyle="-.", linewidth=1, label=entropy_label)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set(xlabel="epoch", ylabel="NLL (nats)", title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_change_of_variables_1d(bijector: Any, z_lim: Limits = (-3, 3), n_bands: int = 6) -> Figure:
    """Three panels: N(0, 1) cut into equal-mass bands, the map x = f(z), and p(x) with the same bands.

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
