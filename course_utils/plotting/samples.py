"""Scatter plots of 2-D points: samples, training data, data against the model, the stages of a chain."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course_utils import _checks
from course_utils.plotting._figures import (
    BLUE,
    DATA,
    MODEL,
    PANEL_INCHES,
    Limits,
    grid_columns,
    join_lines,
    panel_figure,
    series_style,
    style_axes,
)


class _Points(NamedTuple):
    """Checked (n, 2) points of one panel, the argument they came from and how many NaN/inf rows were left out."""

    name: str
    points: np.ndarray
    dropped: int


def _sample_points(name: str, value: Any) -> _Points:
    """Return `value` as (n, 2) float32 points without its NaN/inf rows, counting the rows left out."""
    array = _checks.points(name, value, 2, finite=False)
    finite_rows = _checks.finite_rows(name, array)
    return _Points(name, array[finite_rows], int(np.sum(~finite_rows)))


def _scatter_panel(ax: Axes, samples: _Points, title: str, xlim: Limits, ylim: Limits, color: Any, size: float) -> None:
    """Scatter checked points on ax and title it; NaN/inf rows left out are noted in the title and warned about."""
    ax.scatter(samples.points[:, 0], samples.points[:, 1], s=size, color=color)
    dropped_note = ""
    if samples.dropped:
        dropped_note = f"{samples.dropped} of {samples.dropped + len(samples.points)} samples NaN/inf, not shown"
        warnings.warn(f"{samples.name}: {dropped_note}", RuntimeWarning, stacklevel=3)
    style_axes(ax, xlim, ylim, join_lines(title, dropped_note))


def plot_samples(
    samples: Any,
    titles: Sequence[str] | str | None = None,
    ncols: int | None = None,
    xlim: Limits = (-4, 4),
    ylim: Limits = (-4, 4),
    color: Any = MODEL,
    size: float = 4,
) -> Figure:
    """Scatter one (n, 2) array or tensor of samples, or a list of them, one panel each."""
    panels = _checks.one_or_more("samples", samples)
    several = isinstance(samples, (list, tuple))
    checked = [_sample_points(f"samples[{i}]" if several else "samples", panel) for i, panel in enumerate(panels)]
    titles = _checks.titles("titles", titles, len(checked))
    ncols = grid_columns(ncols, len(checked))
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)

    fig, axes = panel_figure(len(checked), ncols)
    for ax, points, title in zip(axes, checked, titles, strict=True):
        _scatter_panel(ax, points, title, xlim, ylim, color, size)
    fig.tight_layout()
    return fig


def plot_data(
    x: Any, labels: Any = None, xlim: Limits = (-2, 2), ylim: Limits = (-2, 2), title: str = "Training data"
) -> Figure:
    """Scatter the (n, 2) training data, one colour and marker per class label when labels are given."""
    points = _checks.points("x", x, 2)
    classes = (
        np.zeros(len(points), dtype=int) if labels is None else _checks.per_row("labels", labels, len(points), "x")
    )
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)

    fig, ax = plt.subplots(figsize=(PANEL_INCHES + 1, PANEL_INCHES + 1))
    for index, label in enumerate(np.unique(classes)):
        in_class = classes == label
        color, marker = series_style(index)
        ax.scatter(points[in_class, 0], points[in_class, 1], s=6, color=color, marker=marker, label=f"class {label}")
    if labels is not None:
        ax.legend(loc="upper right", fontsize=8)
    style_axes(ax, xlim, ylim, title)
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
    data_title, model_title = _checks.titles("titles", titles, 2)

    fig, (data_ax, model_ax) = panel_figure(2, 2)
    _scatter_panel(data_ax, data, data_title, xlim, ylim, DATA, 4.0)
    _scatter_panel(model_ax, model, model_title, xlim, ylim, MODEL, 4.0)
    fig.tight_layout()
    return fig


def plot_stages(stages: Any, ncols: int = 4, xlim: Limits = (-4, 4), ylim: Limits = (-4, 4)) -> Figure:
    """Scatter the samples after every stage of a bijector chain (base first), one panel "k: name" each."""
    pairs = _checks.named_pairs("stages", stages, "samples")
    checked = [_sample_points(f"stages[{k}] samples", samples) for k, (_, samples) in enumerate(pairs)]
    ncols = grid_columns(ncols, len(pairs))
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)

    fig, axes = panel_figure(len(pairs), ncols)
    for k, (ax, (name, _), points) in enumerate(zip(axes, pairs, checked, strict=True)):
        _scatter_panel(ax, points, f"{k}: {name}", xlim, ylim, BLUE, 4.0)
    fig.tight_layout()
    return fig
