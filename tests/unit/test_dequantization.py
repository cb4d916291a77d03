"""Tests of course_utils.dequantization: noise, the logit transform and its log-det, bits per dimension, the bound."""

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.stats import norm

from course_utils import builders, dequantization, digits
from course_utils._tf import tf


@pytest.fixture(scope="module")
def data() -> digits.Digits:
    return digits.load()


def test_dequantized_pixels_fill_their_own_cell_and_quantize_back(data):
    y = dequantization.dequantize(data.train, seed=0)
    assert y.dtype == np.float32 and y.shape == data.train.shape
    assert np.all(y > data.train / 17 - 1e-6) and np.all(y < (data.train + 1) / 17 + 1e-6)
    assert np.all((y > 0) & (y < 1))
    assert np.array_equal(dequantization.quantize(y), data.train)


def test_fresh_noise_per_seed_and_a_fixed_draw_per_part(data):
    a, b = dequantization.dequantize(data.test, seed=0), dequantization.dequantize(data.test, seed=1)
    assert not np.allclose(a, b) and np.array_equal(a, dequantization.dequantize(data.test, seed=0))
    first, second = (dequantization.dequantized_part(data, "validation") for _ in range(2))
    assert np.array_equal(first, second)
    u = np.concatenate([dequantization.dequantized_part(data, part) * 17 - data.pixels(part) for part in digits.PARTS])
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.01  # u ~ U(0, 1)


def test_logit_log_det_agrees_with_autodiff_and_with_tfp():
    y = np.random.default_rng(0).uniform(0.01, 0.99, size=(6, 5))
    for alpha in (0.0, 0.05, 0.3):
        y_tensor = tf.constant(y)
        with tf.GradientTape() as tape:
            tape.watch(y_tensor)
            q = alpha + (1 - 2 * alpha) * y_tensor
            s = tf.math.log(q) - tf.math.log1p(-q)
        by_autodiff = tf.reduce_sum(tf.math.log(tape.gradient(s, y_tensor)), axis=1).numpy()
        assert np.allclose(dequantization.logit_log_det(y, alpha), by_autodiff, atol=1e-9)
        assert np.allclose(dequantization.logit(y, alpha), s.numpy())
    bijector = dequantization.logit_bijector(0.05)
    y32 = y.astype(np.float32)
    assert np.allclose(
        bijector.inverse_log_det_jacobian(y32, event_ndims=1), dequantization.logit_log_det(y), atol=1e-3
    )
    assert np.allclose(bijector.forward(dequantization.logit(y).astype(np.float32)), y, atol=1e-6)


def test_a_uniform_model_scores_exactly_log2_of_the_levels(data):
    y = dequantization.dequantized_part(data, "test")
    assert dequantization.model_bits_per_dim(dequantization.uniform_model(64), y) == pytest.approx(
        np.log2(17), abs=1e-9
    )
    assert dequantization.bits_per_dim(np.zeros(5), num_dims=16, levels=2) == pytest.approx(1.0)
    assert np.log2(17) == pytest.approx(4.087, abs=5e-4)


def test_bits_per_dim_is_the_discrete_nll_in_bits_per_pixel():
    log_prob_y = np.array([10.0, 20.0])  # mean 15 nats above the uniform model
    expected = (-15.0 + 4 * np.log(17)) / (4 * np.log(2))
    assert dequantization.bits_per_dim(log_prob_y, num_dims=4) == pytest.approx(expected)
    assert np.isnan(dequantization.bits_per_dim(np.array([np.nan, 1.0]), 4))


def test_the_unit_cube_model_adds_the_logit_log_det_to_the_flow():
    flow = builders.make_flow(builders.make_maf(3, (8,), seed=0), 3)
    model = dequantization.unit_cube_model(flow)
    y = np.random.default_rng(1).uniform(0.05, 0.95, size=(4, 3))
    by_hand = flow.log_prob(dequantization.logit(y).astype(np.float32)) + dequantization.logit_log_det(y)
    assert np.allclose(model.log_prob(y.astype(np.float32)), by_hand, atol=1e-4)


def test_the_dequantization_bound_never_exceeds_the_exact_log_probability():
    for loc, scale in [(6.3, 0.4), (0.0, 1.0), (8.0, 3.0), (16.5, 0.2)]:
        exact, bound = dequantization.gaussian_level_bound(loc, scale)
        assert exact.shape == bound.shape == (17,)
        assert np.all(np.isfinite(exact)) and np.all(exact >= bound - 1e-9)
    mass, _ = quad(lambda v: norm.pdf(v, 6.3, 0.4), 6, 7)
    exact, bound = dequantization.gaussian_level_bound(6.3, 0.4)
    assert exact[6] == pytest.approx(np.log(mass), rel=1e-8)
    u = np.random.default_rng(0).uniform(size=400_000)
    assert bound[6] == pytest.approx(np.mean(norm.logpdf(6 + u, 6.3, 0.4)), abs=2e-3)


def test_a_flat_density_makes_the_bound_tight():
    exact, bound = dequantization.gaussian_level_bound(8.0, 50.0)
    assert np.max(exact - bound) < 1e-4


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: dequantization.dequantize(np.array([[0.5, 1.0]]), seed=0), "pixels"),
        (lambda: dequantization.dequantize(np.array([[0, 17]]), seed=0), "pixels"),
        (lambda: dequantization.dequantize(np.array([1, 2]), seed=0), "pixels"),
        (lambda: dequantization.dequantize(np.array([[1, 2]]), seed=-3), "seed"),
        (lambda: dequantization.dequantize(np.array([[1, 2]]), seed=0, levels=1), "levels"),
        (lambda: dequantization.logit(np.array([[0.0, 0.5]])), "y"),
        (lambda: dequantization.logit(np.array([[0.2, 0.5]]), alpha=0.5), "alpha"),
        (lambda: dequantization.logit_log_det(np.array([[0.2, 1.5]])), "y"),
        (lambda: dequantization.bits_per_dim(np.zeros((2, 2)), 4), "log_prob_y"),
        (lambda: dequantization.bits_per_dim(np.zeros(2), 0), "num_dims"),
        (lambda: dequantization.uniform_model(0), "num_dims"),
        (lambda: dequantization.unit_cube_model("flow"), "flow"),
        (lambda: dequantization.gaussian_level_bound(0.0, -1.0), "scale"),
        (lambda: dequantization.quantize(np.array([np.nan])), "y"),
        (lambda: dequantization.dequantized_part("digits", "train"), "data"),
    ],
)
def test_a_bad_argument_is_named(call, name):
    with pytest.raises((TypeError, ValueError), match=rf"\b{name}\b"):
        call()
