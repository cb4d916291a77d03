"""Rational-quadratic splines and spline coupling layers: invertible, monotone, identity outside the box, and
their log-det is the log of the derivative automatic differentiation finds."""

import numpy as np
import pytest

from course_utils import builders, inspection, splines
from course_utils._tf import tf, tfb


def _autodiff_log_derivative(bijector, x):
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = bijector.forward(xt)
    return np.log(tape.gradient(y, xt).numpy())


def _perturbed(bijector, scale=0.5, seed=0):
    """Move every variable away from its (identity-giving) start, so the test sees a real spline."""
    rng = np.random.default_rng(seed)
    for variable in bijector.trainable_variables:
        variable.assign(variable + scale * rng.normal(size=variable.shape).astype(np.float32))
    return bijector


def test_a_random_spline_is_invertible_monotone_and_the_identity_outside_its_box():
    spline = splines.random_spline(bins=6, bound=2.0, seed=4)
    x = np.linspace(-3.5, 3.5, 141, dtype=np.float32)
    y = spline.forward(x).numpy()
    np.testing.assert_allclose(spline.inverse(y).numpy(), x, atol=5e-5)  # float32 near the box's edges
    assert np.all(np.diff(y) > 0)
    outside = np.abs(x) >= 2.0
    np.testing.assert_allclose(y[outside], x[outside], atol=1e-6)
    assert not np.allclose(y[~outside], x[~outside], atol=1e-3)


def test_the_spline_log_det_is_the_log_of_the_autodiff_derivative():
    spline = splines.random_spline(bins=8, bound=3.0, scale=1.5, seed=1)
    x = np.linspace(-3.9, 3.9, 97, dtype=np.float32)
    log_det = spline.forward_log_det_jacobian(x, event_ndims=0).numpy()
    np.testing.assert_allclose(log_det, _autodiff_log_derivative(spline, x), atol=2e-4)


def test_zero_parameters_give_the_identity():
    spline = splines.spline_from_parameters(np.zeros(3 * 5 - 1, np.float32), bins=5, bound=2.0)
    x = np.linspace(-2.5, 2.5, 21, dtype=np.float32)
    np.testing.assert_allclose(spline.forward(x).numpy(), x, atol=1e-5)
    np.testing.assert_allclose(np.asarray(spline.knot_slopes), 1.0, atol=1e-6)


def test_knots_span_the_box_and_end_with_slope_one():
    spline = splines.random_spline(bins=7, bound=2.5, seed=2)
    x, y, slopes = splines.knots(spline)
    assert len(x) == len(y) == len(slopes) == 8
    np.testing.assert_allclose([x[0], x[-1], y[0], y[-1]], [-2.5, 2.5, -2.5, 2.5], atol=1e-5)
    assert slopes[0] == slopes[-1] == 1.0 and np.all(slopes > 0)
    np.testing.assert_allclose(spline.forward(x.astype(np.float32)).numpy(), y, atol=1e-5)  # knots lie on the curve


def test_every_bin_keeps_a_minimum_width():
    parameters = np.zeros(3 * 4 - 1, np.float32)
    parameters[0] = 50.0  # softmax puts almost all the width in the first bin
    widths = np.asarray(splines.spline_from_parameters(parameters, bins=4, bound=1.0).bin_widths)
    assert widths.min() >= splines.MIN_BIN * 2.0 * 0.999
    np.testing.assert_allclose(widths.sum(), 2.0, rtol=1e-5)


def test_a_spline_coupling_layer_copies_the_first_half_and_its_log_det_matches_autodiff():
    layer = _perturbed(splines.make_spline_coupling(4, hidden_units=(8,), bins=5, bound=3.0, seed=0))
    x = np.random.default_rng(3).normal(size=(6, 4)).astype(np.float32)
    assert inspection.unchanged_dims(layer, x).tolist() == [True, True, False, False]
    np.testing.assert_allclose(layer.inverse(layer.forward(x)).numpy(), x, atol=1e-4)
    by_autodiff = np.linalg.slogdet(inspection.jacobian(layer, x).astype(np.float64))[1]
    np.testing.assert_allclose(layer.forward_log_det_jacobian(x, event_ndims=1).numpy(), by_autodiff, atol=1e-4)


def test_a_fresh_spline_coupling_layer_is_the_identity():
    layer = splines.make_spline_coupling(2, hidden_units=(8, 8), seed=0)
    x = np.random.default_rng(5).normal(size=(10, 2)).astype(np.float32)
    np.testing.assert_allclose(layer.forward(x).numpy(), x, atol=1e-5)


def test_a_spline_stack_is_a_flow_whose_log_prob_adds_up():
    stack = _perturbed(splines.make_spline_stack(3, 2, hidden_units=(8,), bins=4, seed=1), scale=0.3)
    flow = builders.make_flow(stack, 2)
    assert [type(b).__name__ for b in stack.bijectors] == ["RealNVP", "Permute", "RealNVP", "Permute", "RealNVP"]
    x = np.random.default_rng(6).normal(size=(5, 2)).astype(np.float32)
    z = stack.inverse(x).numpy()
    by_parts = builders.make_base(2).log_prob(z) - np.linalg.slogdet(inspection.jacobian(stack, z))[1]
    np.testing.assert_allclose(flow.log_prob(x).numpy(), by_parts, atol=1e-4)


def test_layers_of_a_stack_get_their_own_seeds():
    def first_kernels(stack):
        couplings = [b for b in reversed(stack.bijectors) if isinstance(b, tfb.RealNVP)]
        return [c._bijector_fn.mlp.layers[0].kernel.numpy() for c in couplings]

    a, b = (first_kernels(splines.make_spline_stack(2, 2, hidden_units=(4,), seed=0)) for _ in range(2))
    np.testing.assert_array_equal(a[0], b[0])  # the same seed, the same weights
    assert not np.array_equal(a[0], a[1])  # layer 2 has seed 1


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: splines.random_spline(bins=1), "bins must be at least 2"),
        (lambda: splines.random_spline(bound=0.0), "bound must be a finite number > 0"),
        (lambda: splines.random_spline(scale=-1.0), "scale"),
        (lambda: splines.spline_from_parameters(np.zeros(10, np.float32), bins=4, bound=1.0), "parameters must have"),
        (lambda: splines.make_spline_coupling(1), "event_size must be at least 2"),
        (lambda: splines.make_spline_coupling(3, num_masked=3), "num_masked must be between 1 and 2"),
        (lambda: splines.make_spline_coupling(2, hidden_units=[]), "hidden_units"),
        (lambda: splines.make_spline_stack(2, 2, mixing_kind="swap"), "mixing must be one of"),
        (lambda: splines.knots(tfb.Exp()), "spline must be a tfb.RationalQuadraticSpline"),
    ],
)
def test_bad_arguments_are_named(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()
