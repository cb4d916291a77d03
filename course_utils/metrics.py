"""How well a flow fits a toy density: held-out NLL, and the entropy it can at best reach.

For data drawn from p, the expected NLL of any model q is the entropy H(p) plus KL(p || q) >= 0,
so `heldout_nll(flow, data) - entropy(data)` is the KL divergence the flow has left (in nats).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from course_utils import _checks
from course_utils.data import ToyData

_BOX_DRAWS = 100_000  # fresh draws whose range, widened by a margin, bounds the entropy grid
_BOX_MARGIN = 4.0  # noise widths added past the draws (which reach ~4): p there is < e^-32 of its peak
_MAX_SPACING = 1.0  # largest grid spacing, in noise widths: the grid sum is then accurate to ~1e-8
_ENTROPY_CACHE: dict[tuple, float] = {}


class HasLogProb(Protocol):
    """Anything with a log_prob method, such as a tfp distribution or a trained flow."""

    def log_prob(self, x: Any) -> Any:
        """Return the log density of each row of x."""


def entropy(data: ToyData, grid_size: int | None = None) -> float:
    """Differential entropy (nats) of the data's distribution in its standardized coordinates.

    `grid_size=None` sums over the coarsest grid whose spacing is at most one noise width (already
    accurate to about 1e-8, and the fastest); a finer grid gives the same number, more slowly.
    """
    grid_size = None if grid_size is None else _checks.positive_int("grid_size", grid_size)
    data.log_prob(data.x[:1])  # raises NotImplementedError, naming the dataset, if p is not tractable
    key = (data.name, data.noise, tuple(data.mean), tuple(data.scale), grid_size)
    if key not in _ENTROPY_CACHE:
        _ENTROPY_CACHE[key] = _compute_entropy(data, grid_size)
    return _ENTROPY_CACHE[key]


def heldout_nll(dist: HasLogProb, data: ToyData, n: int = 20000, seed: int = 12345) -> float:
    """Mean NLL (nats) of dist on n fresh points of the data's distribution; NaN or inf stay visible."""
    _check_model(dist)
    _checks.instance("data", data, ToyData, "a course_utils.data.ToyData (e.g. data.two_moons())")
    _checks.event_size_is("dist", dist, data.x.shape[1], f"the {data.x.shape[1]}-D points of {data.name}")
    return _mean_nll(dist, data.sample(n, seed))


def nll(dist: HasLogProb, x: np.ndarray) -> float:
    """Mean of -dist.log_prob(x) in nats: NaN if any log_prob is NaN, inf if any is -inf."""
    _check_model(dist)
    return _mean_nll(dist, _checks.event_points("x", x, "dist", dist))


def _check_model(dist: Any) -> None:
    """Raise unless dist has a log_prob method."""
    _checks.has_method("dist", dist, "log_prob", "a tfp distribution")


def _mean_nll(dist: HasLogProb, x: np.ndarray) -> float:
    """Mean of -dist.log_prob(x), returning NaN or inf instead of dropping non-finite values."""
    log_prob = np.asarray(dist.log_prob(x), dtype=np.float64)
    if log_prob.shape != (len(x),):
        raise ValueError(
            f"dist.log_prob(x) must give one value per row of x, shape ({len(x)},), got shape "
            f"{log_prob.shape}; for independent per-dimension distributions wrap them in tfd.Independent"
        )
    if np.isnan(log_prob).any():
        return float("nan")
    if np.isneginf(log_prob).any():
        return float("inf")
    return float(-np.mean(log_prob))


def _compute_entropy(data: ToyData, grid_size: int | None) -> float:
    """Entropy of a uniform density exactly, of a noisy one by summing -p log p over a grid."""
    if data.name == "checkerboard":
        # Uniform: H = -log p with p the same all over the support. The max skips any float32 point
        # that rounding put just across a square's edge.
        return float(-np.max(data.log_prob(data.x)))
    return _grid_entropy(data, grid_size)


def _grid_entropy(data: ToyData, grid_size: int | None) -> float:
    """Sum -p log p over a grid_size x grid_size grid that holds all the mass and resolves the noise."""
    noise_widths = data.noise / data.scale  # std of the Gaussian noise along each standardized axis
    points = data.sample(_BOX_DRAWS, seed=0)
    low = points.min(axis=0) - _BOX_MARGIN * noise_widths
    high = points.max(axis=0) + _BOX_MARGIN * noise_widths
    needed = int(np.ceil(np.max((high - low) / (_MAX_SPACING * noise_widths)))) + 1
    grid_size = needed if grid_size is None else grid_size
    if grid_size < needed:
        raise ValueError(
            f"grid_size={grid_size} is too coarse for {data.name} with noise={data.noise}: the grid spacing "
            f"must be at most {_MAX_SPACING} noise widths; use grid_size >= {needed}"
        )
    axes = [np.linspace(low[i], high[i], grid_size) for i in range(2)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)
    log_p = data.log_prob(grid)
    cell_area = np.prod((high - low) / (grid_size - 1))
    return float(-np.sum(np.exp(log_p) * log_p) * cell_area)
