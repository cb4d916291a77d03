"""Discrete pixels, continuous densities: uniform dequantization, the logit pre-transform, bits per dimension.

The bookkeeping, for D pixels of L grey levels k in {0, ..., L-1}:

    v = k + u,  u ~ U[0, 1)^D              dequantized pixels, in [0, L)^D
    y = v / L                              scaled to the unit cube [0, 1)^D:   log p_V(v) = log p_Y(y) - D log L
    s = logit(alpha + (1 - 2 alpha) y)     the flow's space:   log p_Y(y) = log p_S(s) + sum_i log |ds_i / dy_i|
    log |ds_i / dy_i| = log(1 - 2 alpha) - log q_i - log(1 - q_i),   q_i = alpha + (1 - 2 alpha) y_i

and, because the discrete probability of k is the density's mass on the cube k + [0, 1)^D, Jensen's
inequality gives a lower bound that training maximises:

    log P(k) = log E_u[p_V(k + u)] >= E_u[log p_V(k + u)] = E_u[log p_Y(y)] - D log L.

Bits per dimension turn the negative of that bound into bits per pixel:
bits/dim = (-E[log p_Y(y)] + D log L) / (D ln 2). A uniform density on the cube (log p_Y = 0)
scores exactly log2(L), 4.087 bits for L = 17.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

from course_utils import _checks
from course_utils._tf import tf, tfb, tfd
from course_utils.digits import LEVELS, Digits

DEFAULT_ALPHA = 0.05


def _levels(levels: int) -> int:
    """Check a number of grey levels (at least 2)."""
    return _checks.positive_int("levels", levels, minimum=2)


def _alpha(alpha: float) -> float:
    """Check the logit transform's alpha, in [0, 0.5)."""
    return _checks.in_interval("alpha", alpha, 0.0, 0.4999, " (alpha squeezes (0, 1) into (alpha, 1 - alpha))")


def _pixels(pixels: np.ndarray, levels: int) -> np.ndarray:
    """Check integer grey levels 0..levels-1 in a 2-D array (n, D); return them as float64."""
    array = np.asarray(pixels)
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(f"pixels must be a 2-D array (n_images, n_pixels), got shape {array.shape}")
    if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
        raise ValueError("pixels must hold whole grey levels (0, 1, 2, ...), not dequantized values")
    if array.min() < 0 or array.max() > levels - 1:
        raise ValueError(f"pixels must lie in 0..{levels - 1} (levels={levels}), got {array.min()}..{array.max()}")
    return array.astype(np.float64)


def _unit_cube(y: np.ndarray) -> np.ndarray:
    """Check points of the open unit cube, shape (n, D); return them as float64."""
    array = _checks.points("y", y).astype(np.float64)
    if np.any(array <= 0) or np.any(array >= 1):
        raise ValueError(f"y must lie strictly inside (0, 1), got values from {array.min():g} to {array.max():g}")
    return array


def dequantize(pixels: np.ndarray, seed: int, levels: int = LEVELS) -> np.ndarray:
    """Return y = (pixels + u) / levels with u ~ U(0, 1), one fresh draw per pixel (float32, inside (0, 1))."""
    levels = _levels(levels)
    k = _pixels(pixels, levels)
    u = np.random.default_rng(_checks.seed("seed", seed)).uniform(size=k.shape)
    u = np.clip(u, 1e-6, 1 - 1e-6)  # keep float32 values of y strictly inside (0, 1)
    return ((k + u) / levels).astype(np.float32)


def quantize(y: np.ndarray, levels: int = LEVELS) -> np.ndarray:
    """Return the grey level of each value of the unit cube, floor(levels * y), clipped to 0..levels-1."""
    levels = _levels(levels)
    array = np.asarray(y, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError("y must be finite to be quantized")
    return np.clip(np.floor(levels * array), 0, levels - 1).astype(np.int64)


def logit(y: np.ndarray, alpha: float = DEFAULT_ALPHA) -> np.ndarray:
    """Return s = logit(alpha + (1 - 2 alpha) y) for y in (0, 1)."""
    q = _alpha(alpha) + (1 - 2 * alpha) * _unit_cube(y)
    return np.log(q) - np.log1p(-q)


def logit_log_det(y: np.ndarray, alpha: float = DEFAULT_ALPHA) -> np.ndarray:
    """Return sum_i log |ds_i / dy_i| of the logit pre-transform for each row of y: what it adds to log p."""
    q = _alpha(alpha) + (1 - 2 * alpha) * _unit_cube(y)
    return np.sum(np.log1p(-2 * alpha) - np.log(q) - np.log1p(-q), axis=1)


def logit_bijector(alpha: float = DEFAULT_ALPHA) -> tfb.Bijector:
    """Return the map from the flow's space to the unit cube, y = (sigmoid(s) - alpha) / (1 - 2 alpha)."""
    alpha = _alpha(alpha)
    return tfb.Chain([tfb.Scale(1.0 / (1.0 - 2.0 * alpha)), tfb.Shift(-alpha), tfb.Sigmoid()], name="logit_inverse")


def unit_cube_model(flow: tfd.Distribution, alpha: float = DEFAULT_ALPHA) -> tfd.TransformedDistribution:
    """Return the density on the unit cube of a flow over logit space: its log_prob adds the logit's log-det."""
    _checks.instance("flow", flow, tfd.Distribution, "a tfp distribution over the logit space (a flow)")
    return tfd.TransformedDistribution(distribution=flow, bijector=logit_bijector(alpha), name="unit_cube_model")


def uniform_model(num_dims: int) -> tfd.Distribution:
    """Return the uniform density on the unit cube [0, 1]^D: log p = 0 everywhere inside."""
    num_dims = _checks.event_size("num_dims", num_dims)
    return tfd.Independent(tfd.Uniform(tf.zeros(num_dims), tf.ones(num_dims)), reinterpreted_batch_ndims=1)


def bits_per_dim(log_prob_y: np.ndarray, num_dims: int, levels: int = LEVELS) -> float:
    """Return (-mean(log p_Y(y)) + D log L) / (D ln 2): the bound on the discrete data's NLL, in bits per pixel.

    `log_prob_y` holds log p_Y(y) of dequantized points y = (k + u) / L of the unit cube, one per image.
    """
    values = np.asarray(log_prob_y, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"log_prob_y must be a 1-D array with one log-density per image, got shape {values.shape}")
    num_dims, levels = _checks.event_size("num_dims", num_dims), _levels(levels)
    if np.isnan(values).any():
        return float("nan")
    return float((-np.mean(values) + num_dims * math.log(levels)) / (num_dims * math.log(2)))


def model_bits_per_dim(model: tfd.Distribution, y: np.ndarray, levels: int = LEVELS, **log_prob_kwargs) -> float:
    """Return the bits per dimension of a unit-cube model on dequantized points y (see `bits_per_dim`)."""
    _checks.has_method("model", model, "log_prob", "dequantization.unit_cube_model(flow)")
    y = _unit_cube(y).astype(np.float32)
    return bits_per_dim(np.asarray(model.log_prob(y, **log_prob_kwargs)), y.shape[1], levels)


def gaussian_level_bound(loc: float, scale: float, levels: int = LEVELS) -> tuple[np.ndarray, np.ndarray]:
    """For a 1-D Gaussian density of v, return per level k: exact log P(k) = log of its mass on [k, k+1), and
    the dequantization bound E_u[log N(k + u; loc, scale)] (in closed form), which is never larger."""
    loc, scale, levels = _checks.finite_float("loc", loc), _checks.positive_float("scale", scale), _levels(levels)
    k = np.arange(levels, dtype=np.float64)
    a, b = (k - loc) / scale, (k + 1 - loc) / scale
    # log(Phi(b) - Phi(a)) from the side of the tail, so that far levels keep their tiny mass
    with np.errstate(divide="ignore", invalid="ignore"):  # np.where evaluates both sides
        left = norm.logcdf(b) + np.log1p(-np.exp(norm.logcdf(a) - norm.logcdf(b)))
        right = norm.logsf(a) + np.log1p(-np.exp(norm.logsf(b) - norm.logsf(a)))
    exact = np.where(k + 0.5 < loc, left, right)
    # E_u[(k + u - loc)^2] = (k + 1/2 - loc)^2 + 1/12 for u ~ U(0, 1)
    bound = -np.log(scale * np.sqrt(2 * np.pi)) - ((k + 0.5 - loc) ** 2 + 1.0 / 12.0) / (2 * scale**2)
    return exact, bound


NOISE_SEEDS = {"train": 0, "validation": 1, "test": 2}  # one fixed draw of u per part, the same for every model


def dequantized_part(data: Digits, part: str) -> np.ndarray:
    """Return the dequantized points of one part of the digits with that part's fixed noise (NOISE_SEEDS)."""
    _checks.instance("data", data, Digits, "the digits (course_utils.digits.load())")
    return dequantize(data.pixels(part), seed=NOISE_SEEDS[part])
