"""Tests of course_utils.builders: invertibility, log-determinants, MADE masking, clamping, stacks, seeding."""

import functools

import numpy as np
import pytest

from course_utils import builders, inspection
from course_utils._tf import tf, tfp

tfb = tfp.bijectors

# (kind, builder keyword arguments): every kind, and RealNVP/NICE with both ways of masking.
LAYER_CASES = [
    ("maf", {}),
    ("iaf", {}),
    ("real_nvp", {"num_masked": 1}),
    ("real_nvp", {"fraction_masked": 0.5}),
    ("nice", {}),  # NICE's other masking forms: see test_real_nvp_passes_the_masked_dimensions_through_unchanged
]
CASES = [
    pytest.param(
        kind,
        kwargs,
        event_size,
        stacked,
        id=f"{kind}{''.join(f'-{k}={v}' for k, v in kwargs.items())}-D{event_size}-{'stack3' if stacked else 'layer'}",
    )
    for kind, kwargs in LAYER_CASES
    for event_size in (2, 3)
    for stacked in (False, True)
]


def perturb(bijector: tfb.Bijector, seed: int) -> None:
    """Move every weight away from its initial value, keeping MADE's masked (zero) kernel entries zero."""
    rng = np.random.default_rng(seed)
    for v in bijector.trainable_variables:
        noise = rng.normal(size=v.shape).astype(np.float32)
        if "kernel" in v.name:
            v.assign(v * (1.0 + 0.5 * noise))  # multiplicative: zeros of the autoregressive masks stay zero
        else:
            v.assign(v + 0.2 * noise)


def build(kind: str, kwargs: dict, event_size: int, stacked: bool) -> tfb.Bijector:
    """The perturbed layer or 3-layer stack of a case, built once and shared by the tests that only read it."""
    return _built(kind, tuple(sorted(kwargs.items())), event_size, stacked)


@functools.cache
def _built(kind: str, kwargs: tuple, event_size: int, stacked: bool, seed: int = 1) -> tfb.Bijector:
    if stacked:
        bijector = builders.make_stack(kind, 3, event_size, hidden_units=(8, 8), seed=seed, **dict(kwargs))
    else:
        bijector = builders.make_layer(kind, event_size, (8, 8), seed=seed, **dict(kwargs))
    perturb(bijector, seed)
    return bijector


def points(n: int, event_size: int, seed: int = 0, scale: float = 1.5) -> np.ndarray:
    return (scale * np.random.default_rng(seed).normal(size=(n, event_size))).astype(np.float32)


def fresh(t) -> tf.Tensor:
    """A new tensor with the same values: defeats the bijector cache, which keys on tensor identity."""
    return tf.constant(np.array(t, dtype=np.float32))


def autodiff_log_det(fn, x: np.ndarray) -> np.ndarray:
    """log |det J| of fn at each row of x, with J from tf.GradientTape.batch_jacobian (float64 slogdet)."""
    x = tf.constant(x)
    with tf.GradientTape(persistent=True) as tape:  # persistent: a loop over outputs beats pfor's tracing
        tape.watch(x)
        y = fn(x)
    jacobian = tape.batch_jacobian(y, x, experimental_use_pfor=False).numpy().astype(np.float64)
    assert np.all(np.isfinite(jacobian))
    return np.linalg.slogdet(jacobian)[1]


# --- invertibility, log-determinants, log_prob ----------------------------------------------------


@pytest.mark.parametrize("kind, kwargs, event_size, stacked", CASES)
def test_forward_then_inverse_returns_the_input_and_is_not_the_identity(kind, kwargs, event_size, stacked):
    bijector = build(kind, kwargs, event_size, stacked)
    x = points(64, event_size)
    y = bijector.forward(fresh(x)).numpy()
    assert np.max(np.abs(y - x)) > 1e-2, "the layer is (nearly) the identity: the test would prove nothing"
    np.testing.assert_allclose(bijector.inverse(fresh(y)).numpy(), x, atol=1e-5, rtol=0)
    # and the other way round
    z = bijector.inverse(fresh(x)).numpy()
    np.testing.assert_allclose(bijector.forward(fresh(z)).numpy(), x, atol=1e-5, rtol=0)


@pytest.mark.parametrize("kind, kwargs, event_size, stacked", CASES)
def test_forward_log_det_jacobian_matches_autodiff(kind, kwargs, event_size, stacked):
    bijector = build(kind, kwargs, event_size, stacked)
    x = points(32, event_size)
    expected = autodiff_log_det(bijector.forward, x)
    assert np.max(np.abs(expected)) > 1e-3 or kind == "nice", "log-det trivially 0: the check would prove nothing"
    log_det = np.broadcast_to(bijector.forward_log_det_jacobian(fresh(x), event_ndims=1).numpy(), expected.shape)
    np.testing.assert_allclose(log_det, expected, atol=1e-4, rtol=0)
    inverse_expected = autodiff_log_det(bijector.inverse, x)
    inverse_log_det = np.broadcast_to(
        bijector.inverse_log_det_jacobian(fresh(x), event_ndims=1).numpy(), expected.shape
    )
    np.testing.assert_allclose(inverse_log_det, inverse_expected, atol=1e-4, rtol=0)


@pytest.mark.parametrize("kind, kwargs, event_size, stacked", CASES)
def test_flow_log_prob_is_base_log_prob_of_inverse_plus_inverse_log_det(kind, kwargs, event_size, stacked):
    bijector = build(kind, kwargs, event_size, stacked)
    dist = builders.make_flow(bijector, event_size)
    x = points(32, event_size)
    z = bijector.inverse(fresh(x)).numpy()
    base = builders.make_base(event_size)
    expected = base.log_prob(z).numpy() + bijector.inverse_log_det_jacobian(fresh(x), event_ndims=1).numpy()
    log_prob = dist.log_prob(fresh(x)).numpy()
    assert log_prob.shape == (32,)
    np.testing.assert_allclose(log_prob, expected, atol=1e-4, rtol=1e-6)
    assert not np.allclose(log_prob, base.log_prob(x).numpy(), atol=1e-2)  # the flow is not the base


def test_base_is_a_standard_normal_with_event_shape_d():
    base = builders.make_base(3)
    assert base.event_shape == [3] and base.batch_shape == []
    x = points(5, 3)
    expected = -0.5 * np.sum(x.astype(np.float64) ** 2, axis=1) - 1.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(base.log_prob(x).numpy(), expected, rtol=1e-5)


# --- MADE ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("event_size", [2, 3, 5])
@pytest.mark.parametrize("params", [1, 2])
def test_made_output_i_depends_only_on_inputs_before_i(event_size, params):
    made = builders.make_made(event_size, hidden_units=(16, 16), params=params, seed=0)
    x = tf.constant(points(16, event_size))
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = made(x)
        assert out.shape == (16, event_size, params)
        flat = tf.reshape(out, (16, event_size * params))  # inside the tape, or the Jacobian is all zeros
    jacobian = tape.batch_jacobian(flat, x).numpy().reshape(16, event_size, params, event_size)
    for p in range(params):
        d_out_d_in = np.abs(jacobian[:, :, p, :]).max(axis=0)  # [i, j] = max over the batch of |d out_i / d x_j|
        upper = np.triu(np.ones((event_size, event_size), bool))  # j >= i, diagonal included
        assert np.all(d_out_d_in[upper] == 0.0), f"param {p}: an output sees its own or a later input"
        assert np.any(d_out_d_in[~upper] > 1e-6), f"param {p}: the network ignores its inputs"


# --- NICE and RealNVP specifics ---------------------------------------------------------------------


@pytest.mark.parametrize("event_size", [2, 3, 4])
def test_nice_log_det_is_exactly_zero(event_size):
    nice = builders.make_nice(event_size, (8, 8), seed=2)
    perturb(nice, 2)
    x = points(50, event_size, scale=10.0)
    assert np.max(np.abs(nice.forward(fresh(x)).numpy() - x)) > 1e-2
    assert np.all(nice.forward_log_det_jacobian(fresh(x), event_ndims=1).numpy() == 0.0)
    assert np.all(nice.inverse_log_det_jacobian(fresh(x), event_ndims=1).numpy() == 0.0)


@pytest.mark.parametrize(
    "event_size, kwargs, masked",
    [
        (2, {}, 1),
        (3, {"num_masked": 1}, 1),
        (3, {"num_masked": 2}, 2),
        (3, {"fraction_masked": 0.5}, 2),  # round(1.5) = 2, tfb.RealNVP's rounding
        (4, {"fraction_masked": 0.25}, 1),
    ],
)
@pytest.mark.parametrize("shift_only", [False, True])
def test_real_nvp_passes_the_masked_dimensions_through_unchanged(event_size, kwargs, masked, shift_only):
    layer = builders.make_real_nvp(event_size, (8,), shift_only=shift_only, seed=4, **kwargs)
    perturb(layer, 4)
    x = points(40, event_size)
    y = layer.forward(fresh(x)).numpy()
    np.testing.assert_array_equal(y[:, :masked], x[:, :masked])
    assert np.all(np.max(np.abs(y[:, masked:] - x[:, masked:]), axis=0) > 1e-3), "a transformed dim is unchanged"
    np.testing.assert_array_equal(layer.inverse(fresh(x)).numpy()[:, :masked], x[:, :masked])


@pytest.mark.filterwarnings("ignore:.*tf.layers.dense")  # the template uses the deprecated tf1 layers
def test_real_nvp_builder_has_trainable_variables_but_the_template_has_none():
    dist = builders.make_flow(builders.make_real_nvp(2, (8, 8), seed=0), 2)
    assert len(dist.trainable_variables) == 6  # kernel and bias of 3 dense layers
    template = builders.make_flow(builders.make_real_nvp_template(hidden_units=(8, 8)), 2)
    assert np.all(np.isfinite(template.log_prob(points(4, 2)).numpy()))  # creates the template's variables
    assert len(template.trainable_variables) == 0


# --- log-scale clamp --------------------------------------------------------------------------------


def far_points(event_size: int) -> np.ndarray:
    x = np.full((4, event_size), 1e3, np.float32)
    x[1] *= -1
    x[2, 0] = -1e3
    x[3] = 1e3 * np.random.default_rng(0).normal(size=event_size)
    return x


def big_weight_maf(event_size: int, clamp):
    maf = builders.make_maf(event_size, (16, 16), log_scale_clamp=clamp, seed=3)
    for v in maf.trainable_variables:
        if "kernel" in v.name:
            v.assign(10.0 * v)  # scaling keeps the autoregressive masks
    return maf


@pytest.mark.parametrize("event_size", [2, 3])
@pytest.mark.parametrize("clamp", [0.5, 1.0])
def test_log_scale_clamp_bounds_the_log_det_per_dimension_even_far_away(event_size, clamp):
    maf = big_weight_maf(event_size, clamp)
    dist = builders.make_flow(maf, event_size)
    x = far_points(event_size)
    # Per dimension: the inverse Jacobian is triangular with diagonal exp(-log_scale_i).
    x_t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_t)
        z = maf.inverse(x_t)
    diagonal = np.diagonal(tape.batch_jacobian(z, x_t).numpy(), axis1=1, axis2=2)
    log_scales = -np.log(np.abs(diagonal.astype(np.float64)))
    assert np.all(np.abs(log_scales) <= clamp + 1e-5)
    assert np.max(np.abs(log_scales)) > 0.9 * clamp  # far away the clamp is reached: the check is not vacuous
    for log_det in (
        maf.inverse_log_det_jacobian(fresh(x), event_ndims=1).numpy(),
        maf.forward_log_det_jacobian(fresh(x), event_ndims=1).numpy(),
    ):
        assert np.all(np.isfinite(log_det))
        assert np.all(np.abs(log_det) <= event_size * clamp + 1e-5)
    assert np.all(np.isfinite(dist.log_prob(fresh(x)).numpy()))
    assert np.all(np.isfinite(maf.forward(fresh(x)).numpy()))


@pytest.mark.parametrize("event_size", [2, 3])
def test_without_the_clamp_the_same_weights_give_unbounded_or_non_finite_log_dets(event_size):
    """Documents why the clamp exists: the tutorial's unbounded MAF, same seed and weights as above.

    Far from the data its log-scale is about |W| * |x|: the inverse log-det is in the tens of thousands
    (any clamp c would bound it by D * c) and the forward pass overflows exp() to NaN.
    """
    maf = big_weight_maf(event_size, None)
    x = far_points(event_size)
    inverse_log_det = maf.inverse_log_det_jacobian(fresh(x), event_ndims=1).numpy()
    forward_log_det = maf.forward_log_det_jacobian(fresh(x), event_ndims=1).numpy()
    assert np.max(np.abs(inverse_log_det)) > 1e3
    assert not np.all(np.isfinite(forward_log_det))


# --- stacks and forward_stages ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", builders.KINDS)
def test_make_stack_puts_a_reversing_permute_between_layers_and_applies_layer_1_first(kind):
    chain = builders.make_stack(kind, 3, 3, hidden_units=(8,), seed=10)
    listed = chain.bijectors  # tfb.Chain lists the last-applied first
    assert len(listed) == 5
    for i, bijector in enumerate(listed):
        assert isinstance(bijector, tfb.Permute) == (i % 2 == 1)
    for permute in listed[1::2]:
        np.testing.assert_array_equal(permute.permutation.numpy(), [2, 1, 0])
    # Layer 1 (seed 10) acts on z first, then Permute, layer 2 (seed 11), Permute, layer 3 (seed 12).
    layers = [builders.make_layer(kind, 3, (8,), seed=10 + i) for i in range(3)]
    z = points(10, 3)
    expected = layers[0].forward(fresh(z)).numpy()
    for layer in layers[1:]:
        expected = layer.forward(fresh(expected[:, ::-1])).numpy()
    np.testing.assert_allclose(chain.forward(fresh(z)).numpy(), expected, atol=1e-5)


def test_make_stack_uses_a_given_permutation_and_one_layer_has_no_permute():
    chain = builders.make_stack("real_nvp", 2, 3, hidden_units=(8,), permutation=[1, 2, 0], seed=0)
    np.testing.assert_array_equal(chain.bijectors[1].permutation.numpy(), [1, 2, 0])
    single = builders.make_stack("maf", 1, 2, hidden_units=(8,), seed=0)
    assert len(single.bijectors) == 1 and not isinstance(single.bijectors[0], tfb.Permute)


@pytest.mark.parametrize("permutation", [[0, 0], [0, 2], [1], [0, 1, 2]])
def test_make_stack_rejects_a_bad_permutation(permutation):
    with pytest.raises(ValueError, match="permutation"):
        builders.make_stack("maf", 2, 2, permutation=permutation)


@pytest.mark.parametrize("kind", ["maf", "real_nvp"])
def test_forward_stages_starts_with_the_input_and_ends_with_the_chain_forward(kind):
    chain = builders.make_stack(kind, 3, 2, hidden_units=(8,), seed=5)
    perturb(chain, 5)
    z = points(20, 2)
    stages = inspection.forward_stages(chain, z)
    assert len(stages) == 1 + len(chain.bijectors) == 6
    assert stages[0][0] == "base"
    np.testing.assert_array_equal(stages[0][1], z)
    applied = list(reversed(chain.bijectors))
    for (_, before), (next_name, after), bijector in zip(stages, stages[1:], applied, strict=False):
        assert next_name == bijector.name
        np.testing.assert_allclose(after, bijector.forward(fresh(before)).numpy(), atol=1e-6)
    assert isinstance(stages[2][0], str) and stages[2][0] == applied[1].name == "permute"
    np.testing.assert_allclose(stages[-1][1], chain.forward(fresh(z)).numpy(), atol=1e-5)
    assert not np.allclose(stages[-1][1], z, atol=1e-2)


def test_forward_stages_accepts_a_hand_made_chain_and_rejects_a_bare_bijector():
    stages = inspection.forward_stages(tfb.Chain([tfb.Shift(1.0), tfb.Scale(2.0)]), np.ones((3, 2), np.float32))
    np.testing.assert_array_equal(stages[-1][1], np.full((3, 2), 3.0, np.float32))
    with pytest.raises(TypeError, match="chain"):
        inspection.forward_stages(builders.make_maf(2, (8,)), np.zeros((3, 2), np.float32))


def test_default_flow_is_four_clamped_mafs_with_permutes():
    dist = builders.make_default_flow(2, seed=0)
    listed = dist.bijector.bijectors
    assert [type(b).__name__ for b in listed] == ["MaskedAutoregressiveFlow", "Permute"] * 3 + [
        "MaskedAutoregressiveFlow"
    ]
    assert dist.event_shape == [2]
    assert len(dist.trainable_variables) == 4 * 6


# --- seeding ---------------------------------------------------------------------------------------


def weights(bijector) -> list[np.ndarray]:
    return [v.numpy() for v in bijector.trainable_variables]


@pytest.mark.parametrize("kind", builders.KINDS)
def test_the_same_seed_gives_the_same_weights_and_outputs_and_other_seeds_differ(kind):
    a = builders.make_stack(kind, 2, 3, hidden_units=(8, 8), seed=7)
    b = builders.make_stack(kind, 2, 3, hidden_units=(8, 8), seed=7)
    c = builders.make_stack(kind, 2, 3, hidden_units=(8, 8), seed=8)
    assert len(weights(a)) == len(weights(b)) == len(weights(c)) > 0
    for wa, wb in zip(weights(a), weights(b), strict=True):
        np.testing.assert_array_equal(wa, wb)
    kernels_differ = [
        not np.array_equal(wa, wc)
        for wa, wc, v in zip(weights(a), weights(c), a.trainable_variables, strict=True)
        if "kernel" in v.name
    ]
    assert all(kernels_differ)
    x = points(10, 3)
    np.testing.assert_array_equal(a.forward(fresh(x)).numpy(), b.forward(fresh(x)).numpy())
    assert not np.allclose(a.forward(fresh(x)).numpy(), c.forward(fresh(x)).numpy())


def test_the_same_seed_gives_the_same_made():
    x = tf.constant(points(6, 3))
    np.testing.assert_array_equal(builders.make_made(3, seed=1)(x).numpy(), builders.make_made(3, seed=1)(x).numpy())
    assert not np.allclose(builders.make_made(3, seed=1)(x).numpy(), builders.make_made(3, seed=2)(x).numpy())


# --- bad arguments ---------------------------------------------------------------------------------


@pytest.fixture
def no_networks(monkeypatch):
    """Make building any network fail loudly, so a test sees that arguments are checked first."""

    def boom(*args, **kwargs):
        raise AssertionError("a network was built before the arguments were checked")

    monkeypatch.setattr(builders.tfb, "AutoregressiveNetwork", boom)
    monkeypatch.setattr(builders, "CouplingNetwork", boom)
    monkeypatch.setattr(builders.tfb, "real_nvp_default_template", boom)


BAD_EVENT_SIZES = [0, -2, 1.5, True, "2", None]
BAD_HIDDEN_UNITS = [[], [0], [16, -1], "16", 16, [16.0]]


def _bad_calls():
    """(id, function, kwargs, argument name the message must contain)."""
    calls = []
    for value in BAD_EVENT_SIZES:
        calls += [
            (f"make_base-event_size={value!r}", builders.make_base, dict(event_size=value), "event_size"),
            (f"make_made-event_size={value!r}", builders.make_made, dict(event_size=value), "event_size"),
            (f"make_maf-event_size={value!r}", builders.make_maf, dict(event_size=value), "event_size"),
            (f"make_iaf-event_size={value!r}", builders.make_iaf, dict(event_size=value), "event_size"),
            (f"make_real_nvp-event_size={value!r}", builders.make_real_nvp, dict(event_size=value), "event_size"),
            (f"make_nice-event_size={value!r}", builders.make_nice, dict(event_size=value), "event_size"),
            (f"make_layer-event_size={value!r}", builders.make_layer, dict(kind="maf", event_size=value), "event_size"),
            (
                f"make_stack-event_size={value!r}",
                builders.make_stack,
                dict(kind="real_nvp", num_layers=2, event_size=value),
                "event_size",
            ),
            (
                f"make_default_flow-event_size={value!r}",
                builders.make_default_flow,
                dict(event_size=value),
                "event_size",
            ),
        ]
    calls += [
        ("make_made-event_size=1", builders.make_made, dict(event_size=1), "event_size"),
        ("make_default_flow-event_size=1", builders.make_default_flow, dict(event_size=1), "event_size"),
        ("make_made-params=0", builders.make_made, dict(event_size=2, params=0), "params"),
        ("make_flow-bijector", builders.make_flow, dict(bijector="maf", event_size=2), "bijector"),
        ("make_flow-event_size", builders.make_flow, dict(bijector=tfb.Identity(), event_size=0), "event_size"),
    ]
    for value in BAD_HIDDEN_UNITS:
        for fn in (
            builders.make_made,
            builders.make_maf,
            builders.make_iaf,
            builders.make_real_nvp,
            builders.make_nice,
        ):
            calls.append(
                (f"{fn.__name__}-hidden_units={value!r}", fn, dict(event_size=2, hidden_units=value), "hidden_units")
            )
        calls += [
            (
                f"make_real_nvp_template-hidden_units={value!r}",
                builders.make_real_nvp_template,
                dict(hidden_units=value),
                "hidden_units",
            ),
            (
                f"make_layer-hidden_units={value!r}",
                builders.make_layer,
                dict(kind="nice", event_size=2, hidden_units=value),
                "hidden_units",
            ),
            (
                f"make_stack-hidden_units={value!r}",
                builders.make_stack,
                dict(kind="iaf", num_layers=2, event_size=2, hidden_units=value),
                "hidden_units",
            ),
        ]
    for fn in (builders.make_layer, builders.make_stack):
        for kind in ("glow", "MAF", None):
            calls.append(
                (
                    f"{fn.__name__}-kind={kind!r}",
                    fn,
                    dict(kind=kind, num_layers=2, event_size=2)
                    if fn is builders.make_stack
                    else dict(kind=kind, event_size=2),
                    "kind",
                )
            )
    for value in (0, -1, 2.0, True):
        calls.append(
            (
                f"make_stack-num_layers={value!r}",
                builders.make_stack,
                dict(kind="maf", num_layers=value, event_size=2),
                "num_layers",
            )
        )
    for fn in (builders.make_real_nvp, builders.make_nice):
        name = fn.__name__
        calls += [
            (f"{name}-num_masked=2-of-2", fn, dict(event_size=2, num_masked=2), "num_masked"),
            (f"{name}-num_masked=5-of-3", fn, dict(event_size=3, num_masked=5), "num_masked"),
            (f"{name}-num_masked=0", fn, dict(event_size=3, num_masked=0), "num_masked"),
            (f"{name}-num_masked=1.5", fn, dict(event_size=3, num_masked=1.5), "num_masked"),
            (f"{name}-both", fn, dict(event_size=3, num_masked=1, fraction_masked=0.5), "num_masked"),
            (f"{name}-both-fraction", fn, dict(event_size=3, num_masked=1, fraction_masked=0.5), "fraction_masked"),
            (f"{name}-fraction_masked=1.2", fn, dict(event_size=3, fraction_masked=1.2), "fraction_masked"),
            (f"{name}-fraction_masked=-0.5", fn, dict(event_size=3, fraction_masked=-0.5), "fraction_masked"),
            (f"{name}-fraction_masked=0.1-masks-none", fn, dict(event_size=3, fraction_masked=0.1), "fraction_masked"),
            (f"{name}-fraction_masked=0.9-masks-all", fn, dict(event_size=3, fraction_masked=0.9), "fraction_masked"),
        ]
    calls.append(
        (
            "make_stack-num_masked=2-of-2",
            builders.make_stack,
            dict(kind="real_nvp", num_layers=2, event_size=2, num_masked=2),
            "num_masked",
        )
    )
    for value in (-1, 0, float("inf"), float("nan"), True, "3"):
        for fn in (builders.make_maf, builders.make_iaf, builders.make_real_nvp):
            calls.append(
                (
                    f"{fn.__name__}-log_scale_clamp={value!r}",
                    fn,
                    dict(event_size=2, log_scale_clamp=value),
                    "log_scale_clamp",
                )
            )
    calls.append(
        (
            "make_stack-log_scale_clamp=-1",
            builders.make_stack,
            dict(kind="maf", num_layers=2, event_size=2, log_scale_clamp=-1),
            "log_scale_clamp",
        )
    )
    return calls


@pytest.mark.parametrize("fn, kwargs, argument", [pytest.param(*c[1:], id=c[0]) for c in _bad_calls()])
def test_builders_reject_bad_arguments_naming_them_before_building_anything(no_networks, fn, kwargs, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        fn(**kwargs)


def test_the_no_networks_fixture_would_catch_a_network_built_before_the_checks(no_networks):
    with pytest.raises(AssertionError, match="network was built"):
        builders.make_maf(2)
    with pytest.raises(AssertionError, match="network was built"):
        builders.make_real_nvp(2)
