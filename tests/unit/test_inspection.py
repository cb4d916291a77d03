"""Tools for coupling layers (notebook 05): the quiet template route, which dims a layer leaves alone,
autodiff Jacobians per stage, and the coupling-layer and Jacobian pictures."""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import QuadMesh

from course_utils import builders, inspection, plotting, training
from course_utils._tf import tf, tfb


def wave(z_masked, output_units):
    """A fixed 2-D coupling 'network': shift 0.8 sin(1.5 z0), log-scale 0.6 tanh(z0)."""
    return 0.8 * tf.sin(1.5 * z_masked), 0.6 * tf.tanh(z_masked)


def wave_layer(shift_only=False):
    if shift_only:
        return tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=lambda z, n: (wave(z, n)[0], None))
    return tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=wave)


def points(n, d, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


# --- the tutorial's template route -------------------------------------------------------------


def test_the_template_route_warns_nothing_and_its_variables_stay_hidden():
    layer = builders.make_real_nvp_template(hidden_units=(8, 8))
    assert builders.template_variables(layer) == []  # a template creates its variables on the first call
    dist = builders.make_flow(layer, 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert np.all(np.isfinite(dist.log_prob(points(5, 2)).numpy()))
        dist.sample(3, seed=tf.constant([0, 0]))
    assert [str(w.message) for w in caught] == []
    hidden = builders.template_variables(layer)
    assert len(hidden) == 6 and all(isinstance(v, tf.Variable) for v in hidden)  # 3 dense layers: kernel + bias
    assert len(dist.trainable_variables) == 0 and len(layer.trainable_variables) == 0
    with pytest.raises(ValueError, match="no trainable variables.*make_real_nvp"):
        training.train(dist, points(20, 2), epochs=1)


def test_the_quiet_template_silences_only_the_tf_layers_warning():
    def noisy(x0, output_units):
        warnings.warn("`tf.layers.dense` is deprecated and will be removed", UserWarning, stacklevel=2)
        warnings.warn("something else", UserWarning, stacklevel=2)
        return x0, None

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        builders.QuietTemplate(noisy)(tf.zeros([1, 1]), 1)
    assert [str(w.message) for w in caught] == ["something else"]


def test_template_variables_rejects_other_layers():
    with pytest.raises(TypeError, match="make_real_nvp_template.*CouplingNetwork"):
        builders.template_variables(builders.make_real_nvp(2, (4,), seed=0))
    with pytest.raises(TypeError, match="make_real_nvp_template, got Shift"):
        builders.template_variables(tfb.Shift(1.0))


# --- which dimensions a layer changes ----------------------------------------------------------


@pytest.mark.parametrize(
    "event_size, kwargs, masked",
    [
        (3, {"fraction_masked": 0.5}, 2),  # round(1.5) = 2
        (3, {"num_masked": 2}, 2),
        (5, {"fraction_masked": 0.5}, 2),  # round(2.5) = 2: half to even
        (4, {"num_masked": 1}, 1),
    ],
)
def test_unchanged_dims_finds_the_masked_leading_dims(event_size, kwargs, masked):
    layer = builders.make_real_nvp(event_size, (8,), seed=0, **kwargs)
    expected = [True] * masked + [False] * (event_size - masked)
    assert inspection.unchanged_dims(layer, points(16, event_size)).tolist() == expected


def test_unchanged_dims_of_elementwise_and_permuting_bijectors():
    x = points(8, 3)
    assert inspection.unchanged_dims(tfb.Shift([0.0, 1.0, 0.0]), x).tolist() == [True, False, True]
    assert inspection.unchanged_dims(tfb.Permute([1, 2, 0]), x).tolist() == [False, False, False]
    with pytest.raises(TypeError, match="bijector must be a tfp.bijectors.Bijector"):
        inspection.unchanged_dims(lambda v: v, x)
    with pytest.raises(ValueError, match="x must be 2-D"):
        inspection.unchanged_dims(tfb.Shift(1.0), np.zeros(3))


# --- Jacobians by autodiff -----------------------------------------------------------------------


def test_jacobian_of_a_linear_map_is_its_matrix_at_every_point():
    matrix = np.array([[2.0, 0.0], [1.5, 0.5]], dtype=np.float32)
    jacobians = inspection.jacobian(tfb.ScaleMatvecTriL(scale_tril=matrix), points(4, 2))
    assert jacobians.shape == (4, 2, 2)
    np.testing.assert_allclose(jacobians, np.broadcast_to(matrix, (4, 2, 2)), atol=1e-6)


def test_jacobian_of_a_coupling_layer_is_block_triangular_with_exp_log_scale_on_the_diagonal():
    z = points(6, 2, seed=3)
    jacobians = inspection.jacobian(wave_layer(), z)
    np.testing.assert_array_equal(jacobians[:, 0, :], np.broadcast_to([1.0, 0.0], (6, 2)))  # z0 passes through
    np.testing.assert_allclose(jacobians[:, 1, 1], np.exp(0.6 * np.tanh(z[:, 0])), rtol=1e-5)
    np.testing.assert_allclose(
        np.linalg.slogdet(jacobians.astype(np.float64))[1],
        wave_layer().forward_log_det_jacobian(z, event_ndims=1).numpy(),
        atol=1e-5,
    )


def test_stage_jacobians_follow_the_chain_and_multiply_to_the_whole():
    layers = [builders.make_real_nvp(3, (8,), fraction_masked=0.5, seed=s) for s in range(2)]
    chain = tfb.Chain([layers[1], tfb.Permute([1, 2, 0]), layers[0]])
    z = points(5, 3)
    stages = inspection.stage_jacobians(chain, z)
    assert [name for name, _ in stages] == [layers[0].name, "permute", layers[1].name]
    np.testing.assert_allclose(stages[0][1], inspection.jacobian(layers[0], z), atol=1e-6)  # the first acts on z itself
    product = stages[2][1] @ stages[1][1] @ stages[0][1]  # chain rule: later stages on the left
    np.testing.assert_allclose(product, inspection.jacobian(chain, z), atol=1e-5)
    with pytest.raises(TypeError, match="chain must be a tfp.bijectors.Chain"):
        inspection.stage_jacobians(layers[0], z)


# --- pictures ---------------------------------------------------------------------------------------


def middle_panel_log_ratio(fig):
    (mesh,) = [c for c in fig.axes[1].collections if isinstance(c, QuadMesh)]
    return np.asarray(mesh.get_array())


def test_plot_coupling_layer_shows_shift_scale_and_the_area_change_of_real_nvp():
    fig = plotting.plot_coupling_layer(wave_layer(), lim=(-2, 2), n_lines=5, n_samples=10)
    shift_line, scale_line = fig.axes[2].get_lines()[:2]
    z0 = shift_line.get_xdata()
    np.testing.assert_allclose(shift_line.get_ydata(), 0.8 * np.sin(1.5 * z0), atol=1e-5)
    np.testing.assert_allclose(scale_line.get_ydata(), np.exp(0.6 * np.tanh(z0)), rtol=1e-4)
    log_ratio = middle_panel_log_ratio(fig)
    assert log_ratio.size == 16 * 16  # 4 x 4 cells per grid square, 4 x 4 squares
    # each cell's area changes by about exp(log-scale) at its z0: between 0.6 tanh(-2) and 0.6 tanh(2)
    assert log_ratio.min() < -0.5 and log_ratio.max() > 0.5 and np.all(np.abs(log_ratio) <= 0.6 * np.tanh(2) + 1e-3)
    assert "area ratio from 0.5" in fig.axes[1].get_title()


def test_plot_coupling_layer_of_nice_keeps_every_area():
    fig = plotting.plot_coupling_layer(wave_layer(shift_only=True), n_lines=6, n_samples=0, log_ratio_lim=0.5)
    assert np.max(np.abs(middle_panel_log_ratio(fig))) < 1e-5
    assert "from 1.00 to 1.00" in fig.axes[1].get_title()
    np.testing.assert_allclose(fig.axes[2].get_lines()[1].get_ydata(), 1.0, atol=1e-6)  # the scale is 1


@pytest.mark.parametrize(
    "bijector, message",
    [
        (tfb.Scale([2.0, 1.0]), "pass dimension 0 through unchanged.*moved dimension 0 by up to"),
        (tfb.RealNVP(num_masked=1, bijector_fn=lambda x0, n: tfb.Exp()), "affine in dimension 1"),
    ],
)
def test_plot_coupling_layer_rejects_what_is_not_an_affine_coupling_layer(bijector, message):
    with pytest.raises(ValueError, match=message):
        plotting.plot_coupling_layer(bijector)
    assert plt.get_fignums() == []


@pytest.mark.parametrize(
    "kwargs, error, argument",
    [
        (dict(bijector="layer"), TypeError, "bijector"),
        (dict(lim=(2, -2)), ValueError, "lim"),
        (dict(n_lines=1), ValueError, "n_lines"),
        (dict(n_samples=-1), ValueError, "n_samples"),
        (dict(log_ratio_lim=0.0), ValueError, "log_ratio_lim"),
    ],
)
def test_plot_coupling_layer_names_bad_arguments(kwargs, error, argument):
    call = dict(bijector=wave_layer(), **kwargs) if "bijector" not in kwargs else kwargs
    with pytest.raises(error, match=argument):
        plotting.plot_coupling_layer(**call)
    assert plt.get_fignums() == []


def test_plot_jacobians_annotates_mean_absolute_entries_and_exact_zeros():
    batch = np.array([[[1.0, 0.0], [-0.5, 2.0]], [[1.0, 0.0], [0.25, 4.0]]])
    fig = plotting.plot_jacobians([("layer", batch), ("swap", np.array([[0.0, 1.0], [1.0, 0.0]]))])
    assert [ax.get_title() for ax in fig.axes] == ["layer", "swap"]
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), [[1.0, 0.0], [0.375, 3.0]])
    assert [t.get_text() for t in fig.axes[0].texts] == ["1.00", "0", "0.38", "3.00"]
    assert [t.get_text() for t in fig.axes[1].texts] == ["0", "1.00", "1.00", "0"]


@pytest.mark.parametrize(
    "jacobians, error, words",
    [
        ([], TypeError, "non-empty list"),
        ([("a", np.zeros((2, 3)))], ValueError, r"jacobians\[0\] \(a\) must be a \(D, D\) matrix"),
        ([("a", np.eye(2)), ("b", np.full((2, 2), np.nan))], ValueError, r"jacobians\[1\] \(b\) holds NaN"),
        ([(1, np.eye(2))], TypeError, "string name"),
    ],
)
def test_plot_jacobians_names_bad_arguments(jacobians, error, words):
    with pytest.raises(error, match=words):
        plotting.plot_jacobians(jacobians)
    assert plt.get_fignums() == []
