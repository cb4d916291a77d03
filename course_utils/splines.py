"""Neural spline flows (Durkan et al. 2019): coupling layers whose transform is a rational-quadratic spline.

`tfb.RationalQuadraticSpline` is a monotone piecewise map of [-B, B] onto itself, built from K bins:
each bin has a width, a height and, at the knots between bins, a positive slope. Inside a bin the
map is a ratio of two quadratics, so it is smooth, invertible in closed form (a quadratic
equation) and its derivative is cheap. Outside [-B, B] it is the identity (slope 1 at the ends).

In a spline coupling layer the network reads the copied coordinates and outputs, for every
transformed coordinate, the K widths, K heights and K - 1 interior slopes of its own spline:
3K - 1 numbers where an affine coupling layer needs 2.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from course_utils import _checks, mixing
from course_utils._tf import tf, tf_keras, tfb

DEFAULT_BINS = 8
DEFAULT_BOUND = 4.0  # standardized data rarely leaves [-4, 4]; outside, the spline is the identity
MIN_BIN = 1e-3  # smallest bin width or height, as a fraction of the range: keeps every bin invertible
MIN_SLOPE = 1e-3
_SLOPE_OFFSET = float(np.log(np.expm1(1.0 - MIN_SLOPE)))  # MIN_SLOPE + softplus(0 + offset) = 1: slope 1 at zero
MAX_BINS = 256


def _bins(name: str, value: object) -> int:
    """Return a number of bins (>= 2, at most MAX_BINS), or raise."""
    return _checks.positive_int(name, value, minimum=2, maximum=MAX_BINS)


def spline_from_parameters(parameters: tf.Tensor, bins: int, bound: float) -> tfb.RationalQuadraticSpline:
    """Return the spline on [-bound, bound] given unconstrained parameters (..., 3 * bins - 1).

    Softmax makes the widths and heights positive and sum to 2 * bound (each bin at least
    MIN_BIN of the range); softplus makes the slopes positive. All-zero parameters give equal
    bins and slope 1 everywhere: the identity, a good place for training to start.
    """
    bins = _bins("bins", bins)
    bound = _checks.positive_float("bound", bound)
    parameters = tf.convert_to_tensor(parameters, tf.float32)
    if parameters.shape[-1] != 3 * bins - 1:
        raise ValueError(
            f"parameters must have 3 * bins - 1 = {3 * bins - 1} values in its last axis for {bins} bins "
            f"(widths, heights, interior slopes), got shape {tuple(parameters.shape)}"
        )
    widths, heights, slopes = tf.split(parameters, [bins, bins, bins - 1], axis=-1)

    def sizes(logits: tf.Tensor) -> tf.Tensor:
        return (MIN_BIN + (1.0 - MIN_BIN * bins) * tf.nn.softmax(logits, axis=-1)) * 2.0 * bound

    knot_slopes = MIN_SLOPE + tf.nn.softplus(slopes + _SLOPE_OFFSET)
    return tfb.RationalQuadraticSpline(sizes(widths), sizes(heights), knot_slopes, range_min=-bound)


def random_spline(bins: int = DEFAULT_BINS, bound: float = 3.0, scale: float = 1.0, seed: int = 0):
    """Return a 1-D spline with random parameters N(0, scale^2): a picture of what one spline can be."""
    bins = _bins("bins", bins)
    scale = _checks.positive_float("scale", scale)
    seed = _checks.seed("seed", seed)
    parameters = scale * np.random.default_rng(seed).normal(size=3 * bins - 1)
    return spline_from_parameters(parameters.astype(np.float32), bins, bound)


def knots(spline: tfb.RationalQuadraticSpline) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (x, y, slopes) at the K + 1 knots of a 1-D spline, the end slopes (1) included."""
    _checks.instance("spline", spline, tfb.RationalQuadraticSpline, "a tfb.RationalQuadraticSpline")
    low = float(np.asarray(spline.range_min))
    widths, heights = np.asarray(spline.bin_widths, np.float64), np.asarray(spline.bin_heights, np.float64)
    if widths.ndim != 1:
        raise ValueError(f"spline must hold one spline (1-D bin widths), got bin widths of shape {widths.shape}")
    x = low + np.concatenate([[0.0], np.cumsum(widths)])
    y = low + np.concatenate([[0.0], np.cumsum(heights)])
    slopes = np.concatenate([[1.0], np.asarray(spline.knot_slopes, np.float64), [1.0]])
    return x, y, slopes


class SplineParameters(tf.Module):
    """The network of a spline coupling layer: an MLP from the copied coordinates to one spline per transformed one.

    Called by `tfb.RealNVP(bijector_fn=...)` with the copied part x[:d] and the number of
    transformed coordinates; returns a `tfb.RationalQuadraticSpline` with a batch of splines.
    The output layer starts at zero, so the layer starts as the identity.
    """

    def __init__(
        self,
        num_masked: int,
        output_units: int,
        hidden_units: Sequence[int],
        bins: int = DEFAULT_BINS,
        bound: float = DEFAULT_BOUND,
        activation: str = "relu",
        seed: int | None = None,
    ):
        super().__init__(name="spline_parameters")
        self.event_size = num_masked + output_units
        self.bins, self.bound = bins, bound
        init = "glorot_uniform" if seed is None else tf_keras.initializers.GlorotUniform(seed=seed)
        layers = [tf_keras.layers.Dense(u, activation=activation, kernel_initializer=init) for u in hidden_units]
        layers.append(tf_keras.layers.Dense(output_units * (3 * bins - 1), kernel_initializer="zeros"))
        self.mlp = tf_keras.Sequential([tf_keras.Input(shape=(num_masked,)), *layers])

    def __call__(self, x0: tf.Tensor, output_units: int) -> tfb.RationalQuadraticSpline:
        """Return the splines for the transformed coordinates, one per row of x0 and coordinate."""
        out = self.mlp(x0)
        shape = tf.concat([tf.shape(out)[:-1], [output_units, 3 * self.bins - 1]], axis=0)
        return spline_from_parameters(tf.reshape(out, shape), self.bins, self.bound)


def make_spline_coupling(
    event_size: int,
    hidden_units: Sequence[int] = (16, 16),
    bins: int = DEFAULT_BINS,
    bound: float = DEFAULT_BOUND,
    num_masked: int | None = None,
    activation: str = "relu",
    seed: int | None = None,
) -> tfb.RealNVP:
    """Return a spline coupling layer: x[:d] copied, each later coordinate through its own spline of x[:d].

    `num_masked` (d) defaults to half the coordinates, rounded down.
    """
    event_size = _checks.event_size("event_size", event_size, minimum=2)
    units = _checks.hidden_units("hidden_units", hidden_units)
    bins, bound = _bins("bins", bins), _checks.positive_float("bound", bound)
    masked = event_size // 2 if num_masked is None else _checks.positive_int("num_masked", num_masked)
    if not 1 <= masked < event_size:
        raise ValueError(f"num_masked must be between 1 and {event_size - 1} for event_size {event_size}, got {masked}")
    seed = _checks.seed("seed", seed, optional=True)
    network = SplineParameters(masked, event_size - masked, units, bins, bound, activation, seed)
    return tfb.RealNVP(num_masked=masked, bijector_fn=network, name="spline_coupling")


def make_spline_stack(
    num_layers: int,
    event_size: int,
    hidden_units: Sequence[int] = (16, 16),
    bins: int = DEFAULT_BINS,
    bound: float = DEFAULT_BOUND,
    mixing_kind: str = "permute",
    seed: int = 0,
) -> tfb.Chain:
    """Return `num_layers` spline coupling layers with a mixer between every two ('permute' reverses, 'lu' learns)."""
    units = _checks.hidden_units("hidden_units", hidden_units)
    bins, bound = _bins("bins", bins), _checks.positive_float("bound", bound)
    event_size = _checks.event_size("event_size", event_size, minimum=2)

    def layer(layer_seed: int) -> tfb.RealNVP:
        return make_spline_coupling(event_size, units, bins, bound, seed=layer_seed)

    return mixing.make_mixed_stack(layer, num_layers, event_size, mixing_kind, seed)
