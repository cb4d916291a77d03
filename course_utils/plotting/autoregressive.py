"""MADE pictures: the network as a graph of units labelled by degree, and its mask matrices."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from course_utils import _checks
from course_utils.plotting._figures import BLUE

_DEGREES = "1-D integer arrays (inputs first)"


def _output_mask(index: int, mask: np.ndarray, cols: int) -> np.ndarray:
    """Fold the output mask's `params` adjacent columns per input into one column, or raise if they differ."""
    if mask.shape[1] == cols:
        return mask
    params = mask.shape[1] // cols
    folded = mask[:, ::params]
    if not np.array_equal(np.repeat(folded, params, axis=1), mask):
        raise ValueError(f"masks[{index}]: the {params} output columns of each input must be masked alike")
    return folded


def _layer_mask(index: int, value: Any, rows: int, cols: int, last: bool) -> np.ndarray:
    """Return masks[index] as a boolean (rows, cols) array (the output mask folded), or raise."""
    mask = np.asarray(value).astype(bool)
    params_fit = last and mask.ndim == 2 and mask.shape[1] % cols == 0
    if mask.ndim != 2 or mask.shape[0] != rows or (mask.shape[1] != cols and not params_fit):
        expected = f"({rows}, {cols})" + (f" or ({rows}, {cols} * params)" if last else "")
        raise ValueError(f"masks[{index}] must have shape {expected}, got {np.shape(value)}")
    return _output_mask(index, mask, cols) if last else mask


def _made_layers(degrees: Any, masks: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Return checked MADE degrees (inputs first) and boolean masks, the output mask folded to one column per input."""
    degree_arrays = _checks.int_vectors("degrees", degrees, _DEGREES)
    if isinstance(masks, (str, bytes)) or not isinstance(masks, Sequence) or len(masks) != len(degree_arrays):
        length = len(masks) if isinstance(masks, Sequence) else "?"
        raise TypeError(
            f"masks must be a list of {len(degree_arrays)} boolean arrays, one per layer of connections "
            f"(len(degrees) = {len(degree_arrays)}), got {type(masks).__name__} of length {length}"
        )
    sizes = [len(d) for d in degree_arrays] + [len(degree_arrays[0])]
    last = len(masks) - 1
    mask_arrays = [_layer_mask(k, value, sizes[k], sizes[k + 1], k == last) for k, value in enumerate(masks)]
    return degree_arrays, mask_arrays


def _unit_heights(layers: list[np.ndarray], tallest: int) -> list[np.ndarray]:
    """Return the height of every unit of every layer, each layer centred and its first unit on top."""
    heights = [
        np.linspace(0, tallest - 1, len(layer)) if len(layer) > 1 else np.array([(tallest - 1) / 2]) for layer in layers
    ]
    return [h.max() - h for h in heights]


def _draw_units(
    ax: Axes, layers: list[np.ndarray], columns: np.ndarray, heights: list[np.ndarray], colors: np.ndarray
) -> None:
    """Draw every unit as a disc coloured and labelled by its degree, inputs and outputs named."""
    for k, layer in enumerate(layers):
        for unit, degree in enumerate(layer):
            ax.scatter(columns[k], heights[k][unit], s=380, color=colors[degree - 1], edgecolor="black", zorder=2)
            text_color = "white" if degree - 1 < len(colors) / 2 else "black"
            position = (columns[k], heights[k][unit])
            ax.text(*position, str(degree), ha="center", va="center", fontsize=9, color=text_color, zorder=3)
    for unit, degree in enumerate(layers[0]):
        ax.text(columns[0] - 0.45, heights[0][unit], f"$x_{{{degree}}}$", ha="right", va="center", fontsize=11)
    for unit, degree in enumerate(layers[-1]):
        label = f"$\\mu_{{{degree}}}, \\sigma_{{{degree}}}$"
        ax.text(columns[-1] + 0.45, heights[-1][unit], label, ha="left", va="center", fontsize=11)
    names = ["inputs"] + [f"hidden {k}" for k in range(1, len(layers) - 1)] + ["outputs"]
    for column, name in zip(columns, names, strict=True):
        ax.text(column, -1.0, name, ha="center", va="top", fontsize=10)


def plot_made(degrees: Sequence[Any], masks: Sequence[Any], title: str = "") -> Figure:
    """Draw a MADE as a graph: units labelled with their degree, a line per connection its mask allows."""
    degree_arrays, mask_arrays = _made_layers(degrees, masks)
    layers = degree_arrays + [degree_arrays[0]]  # output i has the degree of input i
    tallest = max(len(layer) for layer in layers)
    columns = np.arange(len(layers), dtype=float) * 2.0
    heights = _unit_heights(layers, tallest)
    colors = plt.cm.viridis(np.linspace(0.05, 0.85, len(degree_arrays[0])))

    fig, ax = plt.subplots(figsize=(2.2 * len(layers) + 1, 0.45 * tallest + 1.6))
    for k, mask in enumerate(mask_arrays):
        for a, b in zip(*np.nonzero(mask), strict=True):
            line = ([columns[k], columns[k + 1]], [heights[k][a], heights[k + 1][b]])
            ax.plot(*line, color=colors[layers[k][a] - 1], alpha=0.55, linewidth=0.9, zorder=1)
    _draw_units(ax, layers, columns, heights, colors)
    ax.set_xlim(columns[0] - 1.6, columns[-1] + 1.9)
    ax.set_ylim(-1.8, tallest - 0.3)
    ax.axis("off")
    ax.set_title(title or "MADE: each unit shows its degree; a line is a connection its mask allows", fontsize=10)
    fig.tight_layout()
    return fig


def _mask_chain(masks: Any) -> list[np.ndarray]:
    """Return `masks` as a non-empty list of non-empty boolean matrices that fit together, or raise."""
    mask_arrays = []
    for index, value in enumerate(_checks.sequence("masks", masks, "2-D boolean arrays")):
        mask = np.asarray(value)
        if mask.ndim != 2 or mask.size == 0:
            raise ValueError(f"masks[{index}] must be a non-empty 2-D array, got shape {mask.shape}")
        mask_arrays.append(mask.astype(bool))
    for index, (first, second) in enumerate(pairwise(mask_arrays)):
        if first.shape[1] != second.shape[0]:
            raise ValueError(
                f"masks[{index}] has {first.shape[1]} columns but masks[{index + 1}] has "
                f"{second.shape[0]} rows: consecutive layers must fit together"
            )
    return mask_arrays


def _degree_labels(degrees: Any, masks: Any, mask_arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Return the degree of every unit, inputs first, each output repeated once per column of the output mask."""
    degree_arrays, _ = _made_layers(degrees, masks)
    outputs = np.repeat(degree_arrays[0], mask_arrays[-1].shape[1] // len(degree_arrays[0]))
    return degree_arrays + [outputs]


def _default_mask_titles(n_masks: int) -> list[str]:
    """Return "layer k: <units in> -> <units out>" for each of n_masks masks."""

    def units(k: int) -> str:
        """Name the units of layer k: inputs, hidden k or outputs."""
        return "inputs" if k == 0 else "outputs" if k == n_masks else f"hidden {k}"

    return [f"layer {k + 1}: {units(k)} -> {units(k + 1)}" for k in range(n_masks)]


def _draw_mask(ax: Axes, mask: np.ndarray, title: str, labels: list[np.ndarray] | None) -> None:
    """Show one mask (rows: units in, columns: units out), labelled by degree when `labels` (in, out) are given."""
    ax.imshow(mask, cmap=ListedColormap(["white", BLUE]), vmin=0, vmax=1, aspect="equal")
    ax.set_xticks(np.arange(mask.shape[1] + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(mask.shape[0] + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="0.8", linewidth=0.5)
    ax.tick_params(which="minor", length=0)
    if labels is not None:
        ax.set_xticks(range(mask.shape[1]), [str(d) for d in labels[1]], fontsize=7)
        ax.set_yticks(range(mask.shape[0]), [str(d) for d in labels[0]], fontsize=7)
        ax.set(xlabel="degree of unit out", ylabel="degree of unit in")
    else:
        ax.set(xlabel="unit out", ylabel="unit in")
    ax.set_title(f"{title}\n{int(mask.sum())} of {mask.size} allowed", fontsize=9)


def plot_masks(
    masks: Sequence[Any], degrees: Sequence[Any] | None = None, titles: Sequence[str] | None = None
) -> Figure:
    """Show MADE's mask matrices (rows: units in, columns: units out) side by side; dark = connection allowed.

    With `degrees` (inputs first, as for `plot_made`) the rows and columns are labelled by degree.
    """
    mask_arrays = _mask_chain(masks)
    labels = None if degrees is None else _degree_labels(degrees, masks, mask_arrays)
    n_masks = len(mask_arrays)
    titles = _default_mask_titles(n_masks) if titles is None else _checks.titles("titles", titles, n_masks)

    widths = [max(m.shape[1], 2) for m in mask_arrays]
    tallest = max(m.shape[0] for m in mask_arrays)
    figsize = (0.32 * sum(widths) + 1.2 * len(widths), 0.32 * tallest + 1.8)
    fig, axes = plt.subplots(1, n_masks, figsize=figsize, gridspec_kw={"width_ratios": widths}, squeeze=False)
    for k, (ax, mask, title) in enumerate(zip(axes[0], mask_arrays, titles, strict=True)):
        _draw_mask(ax, mask, title, None if labels is None else labels[k : k + 2])
    fig.tight_layout()
    return fig
