"""Tests of course_utils.conditional: the class-conditional MAF and the bijector_kwargs that reach it."""

import numpy as np
import pytest

from course_utils import builders, conditional, inspection
from course_utils._tf import tf, tfb, tfd

D, C = 5, 3


@pytest.fixture(scope="module")
def model() -> tfd.Distribution:
    """Two conditional MAFs inside a chain inside a chain, as make_digits_model nests them."""
    stack = conditional.make_conditional_stack(2, D, C, hidden_units=(16,), seed=0)
    return tfd.TransformedDistribution(builders.make_base(D), tfb.Chain([tfb.Shift(0.5), stack], name="outer"))


def _x(n: int = 4, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, D)).astype(np.float32)


def test_log_prob_depends_on_the_label(model):
    x = _x()
    per_label = [model.log_prob(x, bijector_kwargs=conditional.condition_on(model, [c] * 4, C)) for c in range(C)]
    assert not np.allclose(per_label[0], per_label[1]) and not np.allclose(per_label[1], per_label[2])
    mixed = model.log_prob(x, bijector_kwargs=conditional.condition_on(model, [0, 1, 2, 0], C)).numpy()
    assert np.allclose(mixed, [per_label[0][0], per_label[1][1], per_label[2][2], per_label[0][3]], atol=1e-5)


def test_condition_on_builds_the_nested_kwargs_by_bijector_name(model):
    kwargs = conditional.condition_on(model, [2, 0], C)
    assert list(kwargs) == ["conditional_stack"] and list(kwargs["conditional_stack"]) == [conditional.CONDITIONAL_NAME]
    one_hot = kwargs["conditional_stack"][conditional.CONDITIONAL_NAME]["conditional_input"]
    assert np.array_equal(one_hot, [[0, 0, 1], [1, 0, 0]]) and one_hot.dtype == np.float32
    bare = conditional.make_conditional_maf(D, C, (8,), seed=1)
    assert list(conditional.condition_on(bare, [1], C)) == ["conditional_input"]


def test_without_labels_the_flow_says_how_to_pass_them(model):
    with pytest.raises(ValueError, match="bijector_kwargs=conditional.condition_on"):
        model.log_prob(_x())


def test_samples_follow_the_label_and_invert_back(model):
    kwargs = conditional.condition_on(model, [1] * 6, C)
    x = model.sample(6, seed=tf.constant([0, 0]), bijector_kwargs=kwargs)
    assert x.shape == (6, D) and np.all(np.isfinite(x))
    z = model.bijector.inverse(tf.identity(x), **kwargs)
    assert np.allclose(model.bijector.forward(z, **kwargs), x, atol=1e-4)
    other = model.sample(6, seed=tf.constant([0, 0]), bijector_kwargs=conditional.condition_on(model, [2] * 6, C))
    assert not np.allclose(x, other)


def test_the_conditional_made_stays_autoregressive_in_x():
    maf = conditional.make_conditional_maf(D, C, (16,), seed=2)
    network = maf._shift_and_log_scale_fn
    x = tf.constant(_x(1))
    label = tf.constant(conditional.one_hot([1], C))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        shift, _ = network(x, conditional_input=label)
        outputs = [shift[0, i] for i in range(D)]
    jacobian = np.stack([tape.gradient(out, x)[0].numpy() for out in outputs])
    assert np.allclose(np.triu(jacobian), 0.0)  # shift i depends only on x_j, j < i
    assert not np.allclose(np.tril(jacobian, -1), 0.0)


def test_class_log_likelihoods_is_one_column_per_class(model):
    x = _x(3, seed=4)
    table = conditional.class_log_likelihoods(model, x, C)
    assert table.shape == (3, C)
    column = model.log_prob(x, bijector_kwargs=conditional.condition_on(model, [2] * 3, C))
    assert np.allclose(table[:, 2], column, atol=1e-5)


def test_the_stack_has_a_permute_between_layers_and_trainable_weights():
    stack = conditional.make_conditional_stack(3, D, C, hidden_units=(8,), seed=0)
    names = [b.name for b in stack.bijectors]
    assert names.count(conditional.CONDITIONAL_NAME) == 3 and names.count("permute") == 2
    assert inspection.count_parameters(stack) > 0


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: conditional.one_hot([0, 3], 3), "labels"),
        (lambda: conditional.one_hot([0.5], 3), "labels"),
        (lambda: conditional.one_hot([], 3), "labels"),
        (lambda: conditional.one_hot([0], 1), "num_classes"),
        (lambda: conditional.make_conditional_maf(1, 3), "event_size"),
        (lambda: conditional.make_conditional_maf(4, 3, hidden_units=[0]), r"hidden_units\[0\]"),
        (lambda: conditional.make_conditional_maf(4, 3, log_scale_clamp=-1.0), "log_scale_clamp"),
        (lambda: conditional.make_conditional_stack(0, 4, 3), "num_layers"),
        (lambda: conditional.condition_on(builders.make_flow(builders.make_maf(3, (4,)), 3), [0], 2), "model"),
        (lambda: conditional.condition_on("model", [0], 2), "model"),
    ],
)
def test_a_bad_argument_is_named(call, name):
    with pytest.raises((TypeError, ValueError), match=name):
        call()
