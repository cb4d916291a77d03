"""Flows for small images: RealNVP's checkerboard and channel masks on the 8x8 layout, masked coupling layers,
a per-pixel standardization, and the whole digits model from the flow's base to the unit cube.

A masked coupling layer (Dinh et al. 2017) keeps the pixels where the binary mask b is 1 and transforms
the others with a shift and a log-scale computed from the kept ones:

    y = b * x + (1 - b) * (x * exp(log_scale(b * x)) + shift(b * x)),    log|det J| = sum over (1 - b) of log_scale.

The **checkerboard** mask keeps the pixels whose row + column is even (or odd). The **channel** masks
come from RealNVP's squeeze: each 2x2 block of pixels becomes 4 channels, c = 2 * (row % 2) + column % 2,
and a channel mask keeps some of the channels; on the 8x8 layout that is, for example, every other row.
Consecutive layers use complementary masks, so every pixel is transformed in turn.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from course_utils import _checks, builders
from course_utils._tf import tf, tf_keras, tfb, tfd
from course_utils.dequantization import DEFAULT_ALPHA, logit, logit_bijector
from course_utils.digits import EVENT_SIZE, IMAGE_SHAPE

CHANNELS = 4  # a 2x2 squeeze turns one grey channel into 4
MASK_KINDS = ("checkerboard", "channel")


def _shape(shape: Sequence[int]) -> tuple[int, int]:
    """Check an image shape (height, width) with even sides."""
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence) or len(shape) != 2:
        raise TypeError(f"shape must be a pair (height, width), got {shape!r}")
    height, width = (_checks.positive_int(f"shape[{i}]", side) for i, side in enumerate(shape))
    if height % 2 or width % 2:
        raise ValueError(f"shape must have even sides for a 2x2 squeeze, got {tuple(shape)}")
    return height, width


def checkerboard_mask(parity: int = 0, shape: Sequence[int] = IMAGE_SHAPE) -> np.ndarray:
    """Return the flat boolean mask of the pixels (row, column) with (row + column) % 2 == parity."""
    parity = _checks.one_of("parity", parity, (0, 1))
    rows, columns = np.indices(_shape(shape))
    return ((rows + columns) % 2 == parity).ravel()


def squeeze_channel(shape: Sequence[int] = IMAGE_SHAPE) -> np.ndarray:
    """Return, per pixel of the flat image, its channel after a 2x2 squeeze: 2 * (row % 2) + column % 2."""
    rows, columns = np.indices(_shape(shape))
    return (2 * (rows % 2) + columns % 2).ravel()


def channel_mask(channels: Sequence[int] = (0, 1), shape: Sequence[int] = IMAGE_SHAPE) -> np.ndarray:
    """Return the flat boolean mask of the pixels that land in `channels` (of 0..3) after a 2x2 squeeze."""
    chosen = _checks.int_vectors("channels", [np.asarray(channels)], "channel numbers")[0]
    if np.any(chosen < 0) or np.any(chosen >= CHANNELS) or len(set(chosen.tolist())) != len(chosen):
        raise ValueError(f"channels must be distinct channel numbers among 0..{CHANNELS - 1}, got {list(chosen)}")
    if not 0 < len(chosen) < CHANNELS:
        raise ValueError(f"channels must keep some channels and transform others: 1 to 3 of 4, got {list(chosen)}")
    return np.isin(squeeze_channel(shape), chosen)


def coupling_masks(
    num_checkerboard: int = 4, num_channel: int = 4, shape: Sequence[int] = IMAGE_SHAPE
) -> list[tuple[str, np.ndarray]]:
    """Return RealNVP's order of masks, named: alternating checkerboards, then channel masks.

    The channel masks alternate between rows ((0, 1) keeps even rows, (2, 3) odd ones) and, for the
    next pair, columns ((0, 2), (1, 3)), so that both directions of the image get mixed.
    """
    num_checkerboard = _checks.non_negative_int("num_checkerboard", num_checkerboard, maximum=_checks.MAX_LAYERS)
    num_channel = _checks.non_negative_int("num_channel", num_channel, maximum=_checks.MAX_LAYERS)
    if num_checkerboard + num_channel == 0:
        raise ValueError("a flow needs at least one coupling layer: num_checkerboard + num_channel must be >= 1")
    masks = [(f"checkerboard {k % 2}", checkerboard_mask(k % 2, shape)) for k in range(num_checkerboard)]
    pairs = [(0, 1), (2, 3), (0, 2), (1, 3)]
    for k in range(num_channel):
        channels = pairs[k % len(pairs)]
        masks.append((f"channels {channels[0]},{channels[1]}", channel_mask(channels, shape)))
    return masks


class MaskedCoupling(tfb.Bijector):
    """A RealNVP coupling layer with a binary mask: keep x where mask is True, scale and shift the rest."""

    def __init__(
        self,
        mask: np.ndarray,
        hidden_units: Sequence[int] = (256,),
        log_scale_clamp: float | None = builders.DEFAULT_LOG_SCALE_CLAMP,
        seed: int | None = None,
        name: str = "masked_coupling",
    ):
        mask = np.asarray(mask)
        if mask.ndim != 1 or mask.dtype != bool or mask.all() or not mask.any():
            raise ValueError(
                f"mask must be a 1-D boolean array that keeps some pixels and transforms others, got {mask!r}"
            )
        units = _checks.hidden_units("hidden_units", hidden_units)
        clamp = None if log_scale_clamp is None else _checks.positive_float("log_scale_clamp", log_scale_clamp)
        super().__init__(forward_min_event_ndims=1, validate_args=False, name=name)
        self.mask = mask
        self.event_size = int(mask.size)
        self.log_scale_clamp = clamp
        self._keep = tf.constant(mask, tf.float32)
        layers = [
            tf_keras.layers.Dense(u, activation="relu", kernel_initializer=builders._initializer(seed)) for u in units
        ]
        # Zeros in the last layer: an untrained layer is the identity (shift 0, log-scale 0).
        layers.append(tf_keras.layers.Dense(2 * self.event_size, kernel_initializer="zeros"))
        self.network = tf_keras.Sequential([tf_keras.Input(shape=(self.event_size,)), *layers])

    def shift_and_log_scale(self, x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """Return (shift, log_scale) computed from the kept pixels, both 0 on the kept pixels themselves."""
        shift, log_scale = tf.split(self.network(x * self._keep), 2, axis=-1)
        if self.log_scale_clamp is not None:
            log_scale = builders.soft_clamp(log_scale, self.log_scale_clamp)
        return shift * (1.0 - self._keep), log_scale * (1.0 - self._keep)

    def _forward(self, x: tf.Tensor) -> tf.Tensor:
        shift, log_scale = self.shift_and_log_scale(x)
        return x * tf.exp(log_scale) + shift

    def _inverse(self, y: tf.Tensor) -> tf.Tensor:
        shift, log_scale = self.shift_and_log_scale(y)  # the kept pixels are the same in x and y
        return (y - shift) * tf.exp(-log_scale)

    def _forward_log_det_jacobian(self, x: tf.Tensor) -> tf.Tensor:
        return tf.reduce_sum(self.shift_and_log_scale(x)[1], axis=-1)

    def _inverse_log_det_jacobian(self, y: tf.Tensor) -> tf.Tensor:
        return -tf.reduce_sum(self.shift_and_log_scale(y)[1], axis=-1)


def make_image_real_nvp(
    masks: Sequence[tuple[str, np.ndarray]] | None = None,
    hidden_units: Sequence[int] = (256,),
    log_scale_clamp: float | None = builders.DEFAULT_LOG_SCALE_CLAMP,
    seed: int | None = 0,
) -> tfb.Chain:
    """Return a chain of masked coupling layers, one per (name, mask); the first mask acts first on z."""
    pairs = _checks.named_pairs("masks", coupling_masks() if masks is None else masks, "mask")
    seed = _checks.seed("seed", seed, optional=True)
    layers = [
        MaskedCoupling(mask, hidden_units, log_scale_clamp, None if seed is None else seed + k, name=f"coupling_{k}")
        for k, (_, mask) in enumerate(pairs)
    ]
    return tfb.Chain(list(reversed(layers)), name="image_real_nvp")


def standardization(train_y: np.ndarray, alpha: float = DEFAULT_ALPHA) -> tfb.Bijector:
    """Return the fixed per-pixel affine map s = mean + std * x, with the logit-space statistics of train_y."""
    s = logit(train_y, alpha)
    mean, std = s.mean(axis=0), s.std(axis=0)
    if np.any(std <= 0):
        raise ValueError("train_y has a pixel with no spread: dequantize it (dequantization.dequantize) first")
    return tfb.Chain([tfb.Shift(mean.astype(np.float32)), tfb.Scale(std.astype(np.float32))], name="standardization")


def make_digits_model(
    flow: tfb.Bijector, train_y: np.ndarray, alpha: float = DEFAULT_ALPHA
) -> tfd.TransformedDistribution:
    """Return the density on the unit cube: z ~ N(0, I) -> flow -> standardization -> inverse logit -> y.

    Its `log_prob(y)` counts every log-det: the flow's, the standardization's and the logit transform's.
    """
    _checks.bijector("flow", flow)
    train_y = _checks.points("train_y", train_y, EVENT_SIZE, min_rows=2)
    chain = tfb.Chain([logit_bijector(alpha), standardization(train_y, alpha), flow], name="digits_model")
    return tfd.TransformedDistribution(distribution=builders.make_base(EVENT_SIZE), bijector=chain)


def make_digits_maf(num_layers: int = 5, hidden_units: Sequence[int] = (128, 128), seed: int | None = 0) -> tfb.Chain:
    """Return a stack of clamped MAFs for the 64 pixels, with the pixel order reversed between layers."""
    return builders.make_stack("maf", num_layers, EVENT_SIZE, hidden_units=hidden_units, seed=seed)
