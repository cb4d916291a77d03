"""Grids of small grey images: digits, a flow's samples, coupling masks, samples next to their nearest
training images, and samples of each class of a conditional flow.

Images come as rows of 64 values (or (n, 8, 8) arrays): grey levels 0..16, or points of the unit cube.
Dark is ink, as in the digits' own pictures (`gray_r`); `vmax` is 16 for grey levels and 1 for the unit
cube, guessed from the values when not given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course_utils import _checks
from course_utils.digits import EVENT_SIZE, IMAGE_SHAPE, LEVELS
from course_utils.plotting._figures import ACCENT

IMAGE_INCHES = 0.9
MAX_IMAGES = 400


def _as_images(name: str, value: Any) -> np.ndarray:
    """Return `value` as (n, 8, 8) finite float images: from rows of 64 values or from (n, 8, 8)."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of pixel values, got {type(value).__name__}") from error
    if array.ndim == 2 and array.shape[1] == EVENT_SIZE:
        array = array.reshape(-1, *IMAGE_SHAPE)
    if array.ndim != 3 or array.shape[1:] != IMAGE_SHAPE or len(array) == 0:
        raise ValueError(f"{name} must have shape (n, {EVENT_SIZE}) or (n, 8, 8) with n >= 1, got {array.shape}")
    if len(array) > MAX_IMAGES:
        raise ValueError(f"{name} holds {len(array)} images; show at most {MAX_IMAGES} at once")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds NaN or inf: {int(np.sum(~np.isfinite(array)))} pixel values")
    return array


def _vmax(images: np.ndarray, vmax: float | None) -> float:
    """The value drawn darkest: `vmax`, or 16 for grey levels and 1 for the unit cube."""
    if vmax is not None:
        return _checks.positive_float("vmax", vmax)
    return float(LEVELS - 1) if images.max() > 2.0 else 1.0


def _mosaic(images: np.ndarray, ncols: int, pad: int = 1) -> np.ndarray:
    """Tile (n, 8, 8) images into one array, `ncols` per row, with NaN (drawn white) between and after them."""
    height, width = images.shape[1:]
    nrows = -(-len(images) // ncols)
    tiles = np.full((nrows * (height + pad) - pad, ncols * (width + pad) - pad), np.nan)
    for index, image in enumerate(images):
        row, column = divmod(index, ncols)
        tiles[
            row * (height + pad) : row * (height + pad) + height,
            column * (width + pad) : column * (width + pad) + width,
        ] = image
    return tiles


def _show(ax: Axes, tiles: np.ndarray, vmax: float) -> None:
    """Draw a mosaic in one imshow (fast for many images): dark = ink, gaps white, no ticks or frame."""
    cmap = plt.get_cmap("gray_r").with_extremes(bad="white")
    ax.imshow(np.ma.masked_invalid(tiles), cmap=cmap, vmin=0.0, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _figure(nrows: int, ncols: int, title: str, text_rows: int = 0) -> tuple[Figure, Axes]:
    """One axes sized for nrows x ncols small images (and `text_rows` lines of captions per row)."""
    fig, ax = plt.subplots(figsize=(IMAGE_INCHES * ncols + 0.6, (IMAGE_INCHES + 0.15 * text_rows) * nrows + 0.5))
    if title:
        ax.set_title(title, fontsize=10, pad=6 + 8 * bool(text_rows))
    return fig, ax


def plot_images(
    images: Any,
    titles: Sequence[str] | None = None,
    ncols: int = 10,
    title: str = "",
    vmax: float | None = None,
) -> Figure:
    """Show images in a grid of `ncols` columns, with an optional caption over each."""
    array = _as_images("images", images)
    ncols = min(_checks.positive_int("ncols", ncols), len(array))
    labels = _checks.titles("titles", titles, len(array)) if titles is not None else None
    pad = 3 if labels else 1
    nrows = -(-len(array) // ncols)
    fig, ax = _figure(nrows, ncols, title, text_rows=1 if labels else 0)
    _show(ax, _mosaic(array, ncols, pad), _vmax(array, vmax))
    for index, label in enumerate(labels or []):
        row, column = divmod(index, ncols)
        ax.text(column * (8 + pad) + 3.5, row * (8 + pad) - 0.7, label, ha="center", va="bottom", fontsize=8)
    fig.tight_layout()
    return fig


def plot_image_masks(masks: Any, title: str = "Coupling masks: dark pixels are kept, light ones transformed") -> Figure:
    """Show (name, mask) pairs of flat boolean masks as 8x8 pictures, in the order the layers act."""
    pairs = _checks.named_pairs("masks", masks, "mask")
    pictures = []
    for index, (_, mask) in enumerate(pairs):
        array = np.asarray(mask)
        if array.shape != (EVENT_SIZE,) or array.dtype != bool:
            raise ValueError(f"masks[{index}] must be a boolean array of {EVENT_SIZE} pixels, got {array.shape}")
        pictures.append(array.reshape(IMAGE_SHAPE).astype(float))
    fig, axes = plt.subplots(1, len(pairs), figsize=(IMAGE_INCHES * len(pairs), IMAGE_INCHES + 0.9), squeeze=False)
    fig.suptitle(title, fontsize=10)
    for k, (ax, (name, _), picture) in enumerate(zip(axes[0], pairs, pictures, strict=True)):
        ax.imshow(picture, cmap="Blues", vmin=-0.3, vmax=1.0, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"layer {k + 1}\n{name}", fontsize=7)
    fig.tight_layout()
    return fig


def plot_neighbours(samples: Any, neighbours: Any, distances: Any, title: str = "") -> Figure:
    """Show samples (top row) above their nearest training images (bottom row), with the distances."""
    top, bottom = _as_images("samples", samples), _as_images("neighbours", neighbours)
    if len(top) != len(bottom):
        raise ValueError(f"samples and neighbours must have as many images, got {len(top)} and {len(bottom)}")
    gaps = _checks.per_row("distances", _checks.numbers("distances", distances), len(top), "samples")
    fig, ax = _figure(2, len(top), title or "Samples (top) and their nearest training images (bottom)", 2)
    scaled = np.concatenate([top / _vmax(top, None), bottom / _vmax(bottom, None)])
    _show(ax, _mosaic(scaled, len(top), pad=3), 1.0)
    for column, gap in enumerate(gaps):
        ax.text(column * 11 + 3.5, 2 * 11 - 2.2, f"d = {gap:.1f}", ha="center", va="top", fontsize=8)
    ax.set_yticks([3.5, 14.5], ["sample", "nearest"], fontsize=8)
    fig.tight_layout()
    return fig


def plot_class_samples(samples: Any, title: str = "", vmax: float | None = None) -> Figure:
    """Show a conditional flow's samples, one row per class: `samples` is {class: images}."""
    rows = _checks.mapping("samples", samples, "{class: images}")
    arrays = {label: _as_images(f"samples[{label!r}]", images) for label, images in rows.items()}
    ncols = max(len(images) for images in arrays.values())
    top = _vmax(np.concatenate(list(arrays.values())), vmax)
    padded = []
    for images in arrays.values():  # each class on its own row: fill short rows with blank (NaN) images
        padded.append(np.concatenate([images, np.full((ncols - len(images), *IMAGE_SHAPE), np.nan)]))
    fig, ax = _figure(len(arrays), ncols, title)
    _show(ax, _mosaic(np.concatenate(padded), ncols, pad=1), top)
    ax.set_yticks([row * 9 + 3.5 for row in range(len(arrays))], [str(label) for label in arrays], fontsize=10)
    fig.tight_layout()
    return fig


def plot_masked_jacobian(jacobian: Any, mask: Any, title: str = "") -> Figure:
    """|J| of a masked coupling layer at one point, in pixel order and with the kept pixels listed first."""
    matrix = np.abs(_checks.square_matrices("jacobian", jacobian)[0])
    keep = np.asarray(mask)
    if keep.shape != (matrix.shape[0],) or keep.dtype != bool:
        raise ValueError(f"mask must be a boolean array of {matrix.shape[0]} pixels, got {keep.shape}")
    order = np.concatenate([np.flatnonzero(keep), np.flatnonzero(~keep)])
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.4))
    top = max(float(matrix.max()), 1e-12)
    for ax, shown, name in (
        (axes[0], matrix, "pixel order"),
        (axes[1], matrix[np.ix_(order, order)], f"kept pixels first ({int(keep.sum())}), then transformed"),
    ):
        ax.imshow(shown, cmap="Blues", vmin=0.0, vmax=top, interpolation="nearest")
        ax.set(xlabel="input pixel j", ylabel="output pixel i", title=name)
    axes[1].axhline(keep.sum() - 0.5, color=ACCENT, linewidth=0.8)
    axes[1].axvline(keep.sum() - 0.5, color=ACCENT, linewidth=0.8)
    fig.suptitle(title or "|dy_i / dx_j| of one masked coupling layer", fontsize=10)
    fig.tight_layout()
    return fig
