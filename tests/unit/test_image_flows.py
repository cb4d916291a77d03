"""Tests of course_utils.image_flows: RealNVP's image masks, the masked coupling layer, the digits model."""

import numpy as np
import pytest

from course_utils import builders, dequantization, digits, image_flows, inspection
from course_utils._tf import tf, tfd


def _random_layer(mask: np.ndarray, seed: int = 0) -> image_flows.MaskedCoupling:
    """A masked coupling layer whose last layer has random weights (an untrained one is the identity)."""
    layer = image_flows.MaskedCoupling(mask, hidden_units=(16,), seed=seed)
    last = layer.network.layers[-1]
    last.kernel.assign(0.2 * tf.random.stateless_normal(last.kernel.shape, seed=[seed, 1]))
    return layer


def test_checkerboard_masks_alternate_between_neighbours_and_complement_each_other():
    even, odd = (image_flows.checkerboard_mask(p).reshape(8, 8) for p in (0, 1))
    assert np.array_equal(even, ~odd) and even.sum() == 32
    assert np.all(even[:, 1:] != even[:, :-1]) and np.all(even[1:, :] != even[:-1, :])
    assert even[0, 0]


def test_channel_masks_keep_the_pixels_of_their_squeeze_channels():
    channel = image_flows.squeeze_channel().reshape(8, 8)
    assert np.bincount(channel.ravel()).tolist() == [16, 16, 16, 16]
    assert channel[0, :2].tolist() == [0, 1] and channel[1, :2].tolist() == [2, 3]
    rows = image_flows.channel_mask((0, 1)).reshape(8, 8)
    assert np.all(rows[0::2]) and not np.any(rows[1::2])  # channels 0 and 1: the even rows
    columns = image_flows.channel_mask((0, 2)).reshape(8, 8)
    assert np.all(columns[:, 0::2]) and not np.any(columns[:, 1::2])
    assert np.array_equal(image_flows.channel_mask((2, 3)), ~image_flows.channel_mask((0, 1)))


def test_coupling_masks_alternate_so_that_every_pixel_is_transformed():
    masks = image_flows.coupling_masks(4, 4)
    names = [name for name, _ in masks]
    assert names[:2] == ["checkerboard 0", "checkerboard 1"] and names[4:6] == ["channels 0,1", "channels 2,3"]
    for (_, a), (_, b) in zip(masks[0::2], masks[1::2], strict=True):
        assert np.array_equal(a, ~b)  # each pair: complementary masks
    transformed = np.any([~mask for _, mask in masks], axis=0)
    assert transformed.all()


def test_a_masked_coupling_layer_keeps_its_masked_pixels_and_inverts():
    mask = image_flows.checkerboard_mask(0)
    layer = _random_layer(mask)
    x = np.random.default_rng(0).normal(size=(5, 64)).astype(np.float32)
    y = layer.forward(x).numpy()
    assert np.array_equal(y[:, mask], x[:, mask]) and not np.allclose(y[:, ~mask], x[:, ~mask])
    assert np.allclose(layer.inverse(tf.constant(y)), x, atol=1e-5)


def test_the_log_det_is_the_sum_of_the_log_scales_and_agrees_with_autodiff():
    layer = _random_layer(image_flows.channel_mask((0, 2)), seed=3)
    x = np.random.default_rng(1).normal(size=(2, 64)).astype(np.float32)
    jacobian = inspection.jacobian(layer, x)
    by_autodiff = np.linalg.slogdet(jacobian.astype(np.float64))[1]
    assert np.allclose(layer.forward_log_det_jacobian(x, event_ndims=1), by_autodiff, atol=1e-4)
    _, log_scale = layer.shift_and_log_scale(tf.constant(x))
    assert np.allclose(tf.reduce_sum(log_scale, axis=1), by_autodiff, atol=1e-4)
    kept = layer.mask
    assert np.allclose(jacobian[:, kept][:, :, kept], np.eye(kept.sum()))  # kept pixels: the identity
    assert np.allclose(jacobian[:, kept][:, :, ~kept], 0.0)  # and they depend on nothing transformed


def test_an_untrained_layer_is_the_identity():
    layer = image_flows.MaskedCoupling(image_flows.checkerboard_mask(1), hidden_units=(8,), seed=0)
    x = np.random.default_rng(2).normal(size=(3, 64)).astype(np.float32)
    assert np.allclose(layer.forward(x), x) and np.allclose(layer.forward_log_det_jacobian(x, event_ndims=1), 0.0)


def test_the_real_nvp_chain_has_one_layer_per_mask_and_trainable_variables():
    masks = image_flows.coupling_masks(2, 2)
    chain = image_flows.make_image_real_nvp(masks, hidden_units=(8,), seed=0)
    layers = list(reversed(chain.bijectors))  # in the order they act
    assert [layer.name for layer in layers] == [f"coupling_{k}" for k in range(4)]
    assert all(np.array_equal(layer.mask, mask) for layer, (_, mask) in zip(layers, masks, strict=True))
    assert inspection.count_parameters(chain) == 4 * (64 * 8 + 8 + 8 * 128 + 128)


def test_the_digits_model_counts_every_log_det():
    data = digits.load()
    train_y = dequantization.dequantized_part(data, "train")
    flow = image_flows.make_image_real_nvp(image_flows.coupling_masks(1, 1), hidden_units=(8,), seed=0)
    for layer in flow.bijectors:
        layer.network.layers[-1].kernel.assign(0.1 * tf.random.stateless_normal([8, 128], seed=[4, 0]))
    model = image_flows.make_digits_model(flow, train_y)
    y = dequantization.dequantized_part(data, "test")[:6]
    s = dequantization.logit(y)
    mean, std = dequantization.logit(train_y).mean(0), dequantization.logit(train_y).std(0)
    x = (s - mean) / std  # the flow's output, before the standardization
    z = flow.inverse(x.astype(np.float32))
    by_hand = (
        builders.make_base(64).log_prob(z)
        + flow.inverse_log_det_jacobian(x.astype(np.float32), event_ndims=1)
        - np.sum(np.log(std))
        + dequantization.logit_log_det(y)
    )
    assert np.allclose(model.log_prob(y), by_hand, atol=2e-3)
    assert isinstance(model, tfd.Distribution) and model.event_shape == [64]


def test_the_digits_maf_is_a_stack_of_clamped_mafs():
    chain = image_flows.make_digits_maf(num_layers=2, hidden_units=(8,), seed=0)
    assert [b.name for b in chain.bijectors].count("permute") == 1
    assert isinstance(chain.bijectors[0]._shift_and_log_scale_fn, builders.ClampedShiftAndLogScale)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: image_flows.checkerboard_mask(2), "parity"),
        (lambda: image_flows.checkerboard_mask(0, shape=(7, 8)), "shape"),
        (lambda: image_flows.checkerboard_mask(0, shape="8x8"), "shape"),
        (lambda: image_flows.channel_mask((0, 4)), "channels"),
        (lambda: image_flows.channel_mask((0, 1, 2, 3)), "channels"),
        (lambda: image_flows.channel_mask((1, 1)), "channels"),
        (lambda: image_flows.coupling_masks(0, 0), "num_checkerboard"),
        (lambda: image_flows.coupling_masks(-1, 2), "num_checkerboard"),
        (lambda: image_flows.MaskedCoupling(np.ones(64)), "mask"),
        (lambda: image_flows.MaskedCoupling(np.ones(64, bool)), "mask"),
        (lambda: image_flows.MaskedCoupling(image_flows.checkerboard_mask(0), hidden_units=()), "hidden_units"),
        (lambda: image_flows.make_image_real_nvp([("a", image_flows.checkerboard_mask(0))], seed=-1), "seed"),
        (lambda: image_flows.make_digits_model("flow", np.full((3, 64), 0.5)), "flow"),
        (lambda: image_flows.make_digits_model(tf_identity(), np.full((3, 63), 0.5)), "train_y"),
        (lambda: image_flows.standardization(np.full((3, 64), 0.5)), "train_y"),
    ],
)
def test_a_bad_argument_is_named(call, name):
    with pytest.raises((TypeError, ValueError), match=rf"\b{name}\b"):
        call()


def tf_identity():
    """A bijector that changes nothing."""
    from course_utils._tf import tfb

    return tfb.Identity()
