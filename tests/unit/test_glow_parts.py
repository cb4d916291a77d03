"""Glow's pieces on 8x8 digits: the squeeze moves pixels (log-det 0), ActNorm normalises the first batch it sees,
the 1x1 convolution's log-det is H W log|det W|, each agrees with autodiff, and a small Glow round-trips."""

import numpy as np
import pytest

from course_utils import dequantization, glow_parts, mixing
from course_utils import digits as digits_data
from course_utils._tf import tf


@pytest.fixture(scope="module")
def digits():
    """32 training digits, dequantized, as (32, 8, 8, 1) images in (0, 1): how notebook 09 makes them."""
    return digits_data.images(dequantization.dequantize(digits_data.load().train[:32], seed=0))[..., None]


def test_the_squeeze_puts_each_2x2_tile_into_channels_channel_first():
    x = np.random.default_rng(0).normal(size=(2, 4, 6, 3)).astype(np.float32)
    y = glow_parts.squeeze((4, 6, 3)).forward(x).numpy()
    assert y.shape == (2, 2, 3, 12)
    for c in range(3):
        for i in range(2):
            for j in range(2):
                np.testing.assert_array_equal(y[..., 4 * c + 2 * i + j], x[:, i::2, j::2, c])


def test_the_squeeze_is_a_permutation(digits):
    squeeze = glow_parts.squeeze((8, 8, 1))
    y = squeeze.forward(digits)
    np.testing.assert_array_equal(squeeze.inverse(tf.identity(y)).numpy(), digits)
    assert float(squeeze.forward_log_det_jacobian(digits, event_ndims=3)) == 0.0
    np.testing.assert_allclose(glow_parts.log_det_by_autodiff(squeeze, digits[:2]), 0.0, atol=1e-6)


def test_actnorm_normalises_the_first_batch_per_channel_and_its_log_det_matches_autodiff(digits):
    squeezed = glow_parts.squeeze((8, 8, 1)).forward(digits).numpy()
    actnorm = glow_parts.actnorm(4)
    z = actnorm.forward(squeezed).numpy()
    np.testing.assert_allclose(z.mean(axis=(0, 1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=(0, 1, 2)), 1.0, atol=1e-4)
    expected = -16 * np.sum(np.log(squeezed.std(axis=(0, 1, 2))))  # H W = 16 pixels, one scale per channel
    log_det = float(np.ravel(actnorm.forward_log_det_jacobian(squeezed, event_ndims=3))[0])
    np.testing.assert_allclose(log_det, expected, rtol=1e-4)
    np.testing.assert_allclose(glow_parts.log_det_by_autodiff(actnorm, squeezed[:2]), log_det, rtol=1e-4)
    other = squeezed[:4] * 3.0  # a later batch does not re-initialise it: the first batch's shift and scale stay
    mean, std = squeezed.mean(axis=(0, 1, 2)), squeezed.std(axis=(0, 1, 2))
    np.testing.assert_allclose(actnorm.forward(other).numpy(), (other - mean) / std, atol=1e-4)


def test_the_1x1_convolution_log_det_is_h_w_log_det_w(digits):
    squeezed = glow_parts.squeeze((8, 8, 1)).forward(digits[:2]).numpy()
    conv = glow_parts.one_by_one_conv(4, seed=2)
    packed = conv.lower_upper.numpy()
    packed[np.diag_indices(4)] *= np.array([1.5, 0.5, 2.0, -1.0], np.float32)
    conv.lower_upper.assign(packed)
    log_det_w = np.linalg.slogdet(mixing.weight_matrix(conv).astype(np.float64))[1]
    assert abs(log_det_w) > 0.1
    log_det = conv.forward_log_det_jacobian(squeezed, event_ndims=3).numpy()
    np.testing.assert_allclose(log_det, 16 * log_det_w, rtol=1e-4)
    np.testing.assert_allclose(glow_parts.log_det_by_autodiff(conv, squeezed), 16 * log_det_w, rtol=1e-4)
    np.testing.assert_allclose(conv.inverse(conv.forward(squeezed)).numpy(), squeezed, atol=1e-5)


def test_a_small_glow_maps_images_to_a_vector_round_trips_and_is_reproducible(digits):
    glow = glow_parts.make_small_glow(seed=3)
    dist = glow_parts.glow_distribution(glow)
    z = glow.inverse(digits[:8])
    assert z.shape == (8, 64) and dist.event_shape == (8, 8, 1)
    np.testing.assert_allclose(glow.forward(tf.identity(z)).numpy(), digits[:8], atol=1e-4)
    log_prob = dist.log_prob(digits[:8]).numpy()
    assert np.all(np.isfinite(log_prob))
    again = glow_parts.glow_distribution(glow_parts.make_small_glow(seed=3)).log_prob(digits[:8]).numpy()
    np.testing.assert_allclose(again, log_prob, rtol=1e-5)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: glow_parts.squeeze((7, 8, 1)), "image_shape must have an even height"),
        (lambda: glow_parts.squeeze((8, 8)), r"image_shape must be \(height, width, channels\)"),
        (lambda: glow_parts.actnorm(0), "channels"),
        (lambda: glow_parts.make_small_glow((4, 4, 1), num_glow_blocks=3), "num_glow_blocks=3 squeezes 3 times"),
        (lambda: glow_parts.make_small_glow(hidden=0), "hidden"),
        (lambda: glow_parts.glow_distribution("glow"), "glow must be a tfb.Glow"),
        (lambda: glow_parts.log_det_by_autodiff(glow_parts.squeeze((2, 2, 1)), np.zeros((2, 2))), "images must"),
    ],
)
def test_bad_arguments_are_named(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()
