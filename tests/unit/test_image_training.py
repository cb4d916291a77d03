"""Tests of course_utils.image_training: fresh dequantization, best weights kept, averaging, conditional labels."""

import numpy as np
import pytest

from course_utils import conditional, dequantization, digits, image_flows, image_training
from course_utils._tf import tf
from course_utils.training import TrainingHistory


@pytest.fixture(scope="module")
def data() -> digits.Digits:
    return digits.load()


def _model(data, seed=0):
    train_y = dequantization.dequantized_part(data, "train")
    flow = image_flows.make_image_real_nvp(image_flows.coupling_masks(1, 1), hidden_units=(16,), seed=seed)
    return image_flows.make_digits_model(flow, train_y)


def _validation_bits(model, data, **kwargs):
    return dequantization.model_bits_per_dim(model, dequantization.dequantized_part(data, "validation"), **kwargs)


def test_training_lowers_bits_per_dim_and_keeps_the_best_validation_epoch(data, capsys):
    model = _model(data)
    before = _validation_bits(model, data)
    history = image_training.train_dequantized(
        model, data.train[:300], data.validation, epochs=4, learning_rate=3e-3, progress=False
    )
    assert isinstance(history, TrainingHistory) and history.epochs == [1, 2, 3, 4]
    assert len(history.train_loss) == len(history.val_loss) == 4
    assert min(history.val_loss) < before - 0.03  # from the standardized Gaussian's 2.9 bits/dim
    assert history.val_loss[history.best_epoch - 1] == min(history.val_loss)
    assert _validation_bits(model, data) == pytest.approx(min(history.val_loss), abs=1e-3)  # the kept weights
    assert capsys.readouterr().out == ""


def test_averaged_weights_are_the_ones_validated_and_kept(data, capsys):
    model = _model(data, seed=1)
    history = image_training.train_dequantized(
        model, data.train[:300], data.validation, epochs=3, learning_rate=3e-3, averaging=0.9, label="run"
    )
    assert _validation_bits(model, data) == pytest.approx(min(history.val_loss), abs=1e-3)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("run: 3 epochs in ") and "best validation" in out


def test_swapping_twice_gives_back_the_weights(data):
    model = _model(data, seed=2)
    optimizer = image_training._adam(1e-3, "cosine", total_steps=10)
    steps = image_training._Steps(model, optimizer, 17, seed=0, averaging=0.5, num_classes=None)
    pixels = tf.constant(data.train[:64].astype(np.float32))
    for _ in range(3):
        steps.train_step(pixels, tf.zeros([64, 0]))
    before = [v.numpy() for v in steps.variables]
    steps.swap()
    swapped = [v.numpy() for v in steps.variables]
    steps.swap()
    assert any(not np.allclose(a, b) for a, b in zip(before, swapped, strict=True))
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(before, [v.numpy() for v in steps.variables], strict=True))


def test_every_step_draws_new_noise(data):
    model = _model(data, seed=3)
    optimizer = image_training._adam(1e-9, "constant", total_steps=10)  # a step that hardly moves the weights
    steps = image_training._Steps(model, optimizer, 17, seed=0, averaging=0.0, num_classes=None)
    pixels = tf.constant(data.train[:32].astype(np.float32))
    losses = [float(steps.train_step(pixels, tf.zeros([32, 0]))) for _ in range(3)]
    assert len(set(losses)) == 3  # same pixels, same weights: only the noise differs


def test_a_conditional_model_trains_on_its_labels(data):
    train_y = dequantization.dequantized_part(data, "train")
    model = image_flows.make_digits_model(conditional.make_conditional_stack(1, 64, 10, (16,), seed=0), train_y)
    history = image_training.train_dequantized(
        model, data.train[:200], data.validation, data.train_labels[:200], data.validation_labels, num_classes=10,
        epochs=2, progress=False,
    )  # fmt: skip
    kwargs = dict(bijector_kwargs=conditional.condition_on(model, data.validation_labels, 10))
    assert _validation_bits(model, data, **kwargs) == pytest.approx(min(history.val_loss), abs=1e-3)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(train_pixels=np.full((10, 64), 0.5)), "pixels"),
        (dict(validation_pixels=np.full((5, 64), 17)), "pixels"),
        (dict(epochs=0), "epochs"),
        (dict(batch_size=1.5), "batch_size"),
        (dict(averaging=1.0), "averaging"),
        (dict(seed=-1), "seed"),
        (dict(train_labels=np.zeros(10, int)), "num_classes"),
        (dict(train_labels=np.zeros(10, int), num_classes=10), "labels"),
        (dict(train_labels=np.zeros(9, int), validation_labels=np.zeros(5, int), num_classes=10), "train_labels"),
        (dict(model="model"), "model"),
    ],
)
def test_a_bad_argument_is_named(data, kwargs, name):
    good = dict(model=_model(data), train_pixels=data.train[:10], validation_pixels=data.validation[:5], epochs=1)
    with pytest.raises((TypeError, ValueError), match=name):
        image_training.train_dequantized(**{**good, **kwargs}, progress=False)
