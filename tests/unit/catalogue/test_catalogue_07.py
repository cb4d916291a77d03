"""Notebook 07: right answers written in other ways pass; learners' mistakes fail on the case that catches them."""

import numpy as np
import pytest
from _catalogue import assert_fails, assert_passes, right, wrong

from course_utils import builders, exercises, training
from course_utils._tf import tf, tf_keras, tfb, tfd
from course_utils.exercises import composing

ONE, THREE_2D, THREE_3D = (
    "one layer: nothing to permute",
    "three layers in 2-D",
    "three layers in 3-D, permutation [1, 2, 0]",
)
ONE_UNITS, THREE_UNITS_2D, THREE_UNITS_3D = (
    "one layer: no Permute",
    "three layers in 2-D",
    "three layers in 3-D, permutation [1, 2, 0]",
)
CHECKERBOARD = "1000 checkerboard points, at most 400 steps"

# ---------------------------------------------------------------- 07.1 the bijector list for tfb.Chain


def _acting_order(layers, permutation, ends=False):
    out = [tfb.Permute(permutation)] if ends else []
    for layer in layers:
        out += [layer, tfb.Permute(permutation)]
    return out if ends else out[:-1]


def _chain_directly(layers, permutation):
    out = [layers[-1]]
    for layer in reversed(layers[:-1]):
        out += [tfb.Permute(np.asarray(permutation)), layer]
    return tfb.Chain(out)


def _one_permute_object(layers, permutation):
    swap = tfb.Permute(permutation)  # the same Permute object between every two layers
    return tuple(b for layer in reversed(layers) for b in (swap, layer))[1:]


def _insert_into_reversed(layers, permutation):
    out = list(reversed(layers))
    for position in range(len(layers) - 1, 0, -1):
        out.insert(position, tfb.Permute(permutation=list(permutation)))
    return out


RIGHT_07_1 = [
    right("07.1", "chain-object", _chain_directly),
    right("07.1", "tuple-one-permute", _one_permute_object),
    right("07.1", "insert-into-reversed", _insert_into_reversed),
]

WRONG_07_1 = [
    wrong(
        "07.1",
        "not-reversed",
        lambda layers, permutation: _acting_order(layers, permutation),
        THREE_2D,
        "applies the LAST bijector",
    ),
    wrong(
        "07.1",
        "permutes-at-the-ends",
        lambda layers, permutation: _acting_order(layers, permutation, ends=True)[::-1],
        ONE,
        "only BETWEEN two layers",
    ),
    wrong(
        "07.1",
        "inverse-permutation",
        lambda layers, permutation: _acting_order(layers, list(np.argsort(permutation)))[::-1],
        THREE_3D,
        "use the permutation you were given, [1, 2, 0]",
    ),
    wrong(
        "07.1", "no-permutes", lambda layers, permutation: list(reversed(layers)), THREE_2D, "3 layers need 5 bijectors"
    ),
    wrong(
        "07.1",
        "new-layers",
        lambda layers, permutation: _acting_order([tfb.Identity(name=lay.name) for lay in layers], permutation)[::-1],
        ONE,
        "a new bijector named layer_1",
    ),
    wrong("07.1", "odd-string", lambda layers, permutation: "layers", ONE, "return a list of bijectors"),
    wrong(
        "07.1",
        "odd-names",
        lambda layers, permutation: [lay.name for lay in reversed(layers)],
        ONE,
        "must be a bijector",
    ),
    wrong("07.1", "odd-nested", lambda layers, permutation: [list(reversed(layers))], ONE, "must be a bijector"),
    wrong("07.1", "odd-none", lambda layers, permutation: None, ONE, "returned None"),
]


# ---------------------------------------------------------------- 07.4 debug: the flow in the data's units


def _layers_with_permutes(layers, permutation, ends=False):
    """The layers in the order they act, a Permute between two (and at both ends when `ends`)."""
    acting = [tfb.Permute(permutation)] if ends else []
    for i, layer in enumerate(layers):
        acting.append(layer)
        if ends or i < len(layers) - 1:
            acting.append(tfb.Permute(permutation))
    return acting


def _units(layers_first=True, scale_first=True, standardize=False, other_permutation=None, ends=False, wrap=tfb.Chain):
    """An answer to 07.4: the un-standardizing pair acting after (or before) the layers, in one order or the other."""

    def answer(layers, permutation, mean, scale):
        mean, scale = np.asarray(mean, np.float32), np.asarray(scale, np.float32)
        if standardize:  # the inverse map: (x - mean) / scale
            mean, scale = -mean / scale, 1.0 / scale
        pair = [tfb.Scale(scale), tfb.Shift(mean)] if scale_first else [tfb.Shift(mean), tfb.Scale(scale)]
        flow = _layers_with_permutes(layers, other_permutation or permutation, ends)
        acting = flow + pair if layers_first else pair + flow
        return wrap(acting[::-1])

    return answer


def _nested(layers, permutation, mean, scale):
    flow = tfb.Chain(_layers_with_permutes(layers, permutation)[::-1])
    return tfb.Chain([tfb.Chain([tfb.Shift(mean), tfb.Scale(scale)]), flow])


def _diag_matvec(layers, permutation, mean, scale):
    flow = _layers_with_permutes(layers, permutation)[::-1]
    return tfb.Chain([tfb.Shift(np.float32(mean)), tfb.ScaleMatvecDiag(np.float32(scale)), *flow])


def _planted_bug_fixed_in_place(layers, permutation, mean, scale):
    bijectors = composing.buggy_chain(layers, permutation, mean, scale).bijectors
    return tfb.Chain([*bijectors[:2], *bijectors[2:][::-1]])  # reverse only the layers and their Permutes


RIGHT_07_4 = [
    right("07.4", "nested-chains", _nested),
    right("07.4", "scale-matvec-diag", _diag_matvec),
    right("07.4", "bug-fixed-in-place", _planted_bug_fixed_in_place),
]

WRONG_07_4 = [
    wrong("07.4", "the-planted-bug", composing.buggy_chain, THREE_UNITS_2D, "the layers act in the order layer_3"),
    wrong("07.4", "unstandardize-first", _units(layers_first=False), ONE_UNITS, "undone BEFORE the layers act"),
    wrong("07.4", "shift-before-scale", _units(scale_first=False), ONE_UNITS, "Shift acts before Scale"),
    wrong("07.4", "standardizes-instead", _units(standardize=True), ONE_UNITS, "check the values given to tfb.Scale"),
    wrong("07.4", "permutes-at-the-ends", _units(ends=True), ONE_UNITS, "only BETWEEN two layers"),
    wrong(
        "07.4",
        "inverse-permutation",
        lambda layers, permutation, mean, scale: _units(other_permutation=list(np.argsort(permutation)))(
            layers, permutation, mean, scale
        ),
        THREE_UNITS_3D,
        "use the permutation you were given, [1, 2, 0]",
    ),
    wrong(
        "07.4",
        "layers-only",
        lambda layers, permutation, mean, scale: tfb.Chain(_layers_with_permutes(layers, permutation)[::-1]),
        ONE_UNITS,
        "needs a tfb.Scale(scale) and a tfb.Shift(mean)",
    ),
    wrong("07.4", "odd-list", _units(wrap=list), ONE_UNITS, "wrap it, return tfb.Chain"),
    wrong("07.4", "odd-none", lambda layers, permutation, mean, scale: None, ONE_UNITS, "returned None"),
]


# ---------------------------------------------------------------- 07.5 design: your own flow for the checkerboard


def _real_nvp_stack(layers, width=32, permute=True):
    """A flow of `layers` RealNVP couplings (hidden (width, width)), with or without a Permute between them."""
    if permute:
        return builders.make_flow(builders.make_stack("real_nvp", layers, 2, hidden_units=(width, width), seed=0), 2)
    couplings = [builders.make_real_nvp(2, (width, width), seed=k) for k in range(layers)]
    return builders.make_flow(tfb.Chain(couplings), 2)


def _trained(layers=4, steps=300, permute=True, width=32):
    def answer(x, max_steps):
        flow = _real_nvp_stack(layers, width, permute)
        history = training.train(flow, x, epochs=steps, learning_rate=5e-3, schedule="cosine", noise_std=0.05, seed=0)
        return flow, history

    return answer


def _own_loop(x, max_steps):
    """A hand-written full-batch loop on every point, six couplings of 24 units; the history is a list of losses."""
    flow = _real_nvp_stack(6, width=24)
    optimizer = tf_keras.optimizers.Adam(5e-3)
    x = tf.constant(x)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(flow.log_prob(x))
        gradients = tape.gradient(loss, flow.trainable_variables)
        optimizer.apply_gradients(zip(gradients, flow.trainable_variables, strict=True))
        return loss

    return flow, [float(step()) for _ in range(max_steps)]


def _memorises(x, max_steps):
    """A 'design' that puts a narrow bump on every training point (a kernel density estimate): no training at all."""
    bumps = tfd.MultivariateNormalDiag(loc=tf.constant(x), scale_diag=tf.fill(x.shape, 0.02))
    mixture = tfd.MixtureSameFamily(tfd.Categorical(logits=tf.zeros(len(x))), bumps)
    return mixture, []


RIGHT_07_5 = [
    right("07.5", "real-nvp-300-steps", _trained()),
    right("07.5", "own-loop-list-history", _own_loop),
]

WRONG_07_5 = [
    wrong("07.5", "one-layer", _trained(layers=1, steps=150), CHECKERBOARD, "one layer cannot bend"),
    wrong("07.5", "no-permutation", _trained(steps=150, permute=False), CHECKERBOARD, "without a tfb.Permute"),
    wrong("07.5", "too-few-steps", _trained(steps=30), CHECKERBOARD, "only 30 of the 400 steps"),
    wrong("07.5", "over-budget", _trained(layers=1, steps=450, width=8), CHECKERBOARD, "450 training steps"),
    wrong("07.5", "judged-on-training-points", _memorises, CHECKERBOARD, "the model memorised them"),
    wrong("07.5", "odd-flow-only", lambda x, max_steps: _real_nvp_stack(1), CHECKERBOARD, "(flow, history)"),
    wrong(
        "07.5",
        "odd-bijector",
        lambda x, max_steps: (tfb.Identity(), []),
        CHECKERBOARD,
        "return the trained flow",
    ),
    wrong("07.5", "odd-none", lambda x, max_steps: None, CHECKERBOARD, "returned None"),
]

RIGHT = RIGHT_07_1 + RIGHT_07_4 + RIGHT_07_5
WRONG = WRONG_07_1 + WRONG_07_4 + WRONG_07_5


@pytest.mark.parametrize("answer", RIGHT)
def test_a_right_answer_passes(answer, capsys):
    assert_passes(answer, capsys)


@pytest.mark.parametrize("answer", WRONG)
def test_a_wrong_answer_fails_on_the_case_that_catches_it(answer):
    assert_fails(answer)


def test_the_planted_bug_of_07_4_is_right_for_one_layer_and_wrong_for_three():
    one, three = exercises.get("07.4").cases()[:2]
    z = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    for case, same in [(one, True), (three, False)]:
        fixed, buggy = composing.fixed_chain(**case.kwargs), composing.buggy_chain(**case.kwargs)
        assert np.allclose(fixed.forward(z), buggy.forward(z), atol=1e-5) is same
