"""Notebook 07: right answers written in other ways pass; learners' mistakes fail on the case that catches them."""

import numpy as np
import pytest
from _catalogue import assert_fails, assert_passes, right, wrong

from course_utils import exercises
from course_utils._tf import tfb

ONE, THREE_2D, THREE_3D = (
    "one layer: nothing to permute",
    "three layers in 2-D",
    "three layers in 3-D, permutation [1, 2, 0]",
)
TWO_STAGES, U_SHAPE = "scale first, then shift (2 stages)", "a U-shaped curve"

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


# ---------------------------------------------------------------- 07.2 the samples after every stage


def _stages(order=reversed, inverse=False, first=True, last=True):
    def answer(chain, z):
        out, x = [z], z
        for bijector in order(chain.bijectors):
            x = bijector.inverse(x) if inverse else bijector.forward(x)
            out.append(x)
        return out[(0 if first else 1) : (None if last else -1)]

    return answer


def _by_sub_chains(chain, z):
    k = len(chain.bijectors)
    return [z] + [tfb.Chain(chain.bijectors[k - i :]).forward(z) for i in range(1, k + 1)]


RIGHT_07_2 = [
    right("07.2", "by-index", lambda chain, z: _stages()(chain, z)),
    right(
        "07.2", "stacked-float64", lambda chain, z: np.stack([np.asarray(s, np.float64) for s in _stages()(chain, z)])
    ),
    right("07.2", "tuple-of-sub-chains", lambda chain, z: tuple(_by_sub_chains(chain, z))),
]

WRONG_07_2 = [
    wrong("07.2", "list-order", _stages(order=list), TWO_STAGES, "applied in list order"),
    wrong("07.2", "without-z", _stages(first=False), TWO_STAGES, "start the list with z itself"),
    wrong("07.2", "without-the-last", _stages(last=False), TWO_STAGES, "the last bijector's output is missing"),
    wrong("07.2", "only-the-last", lambda chain, z: chain.forward(z), TWO_STAGES, "the stages have shape"),
    wrong("07.2", "inverse", _stages(inverse=True), TWO_STAGES, "stage 1 differs"),
    wrong("07.2", "odd-none", lambda chain, z: None, TWO_STAGES, "returned None"),
    wrong("07.2", "odd-dict", lambda chain, z: dict(enumerate(_stages()(chain, z))), TWO_STAGES, "returned a dict"),
]


# ---------------------------------------------------------------- 07.3 the epoch to restore


def _loop(compare, start):
    def answer(val_loss):
        best, best_epoch = start(val_loss)
        for epoch, loss in enumerate(val_loss, start=1):
            if compare(loss, best):
                best, best_epoch = loss, epoch
        return best_epoch

    return answer


RIGHT_07_3 = [
    right("07.3", "nanargmin-plus-one", lambda val_loss: int(np.nanargmin(val_loss)) + 1),
    right(
        "07.3",
        "min-of-finite-pairs",
        lambda val_loss: min((v, e) for e, v in enumerate(val_loss, 1) if np.isfinite(v))[1],
    ),
    right(
        "07.3", "loop-from-inf", _loop(lambda loss, best: np.isfinite(loss) and loss < best, lambda v: (np.inf, None))
    ),
    right("07.3", "numpy-0d-array", lambda val_loss: np.array(np.nanargmin(val_loss) + 1)),
]

WRONG_07_3 = [
    wrong("07.3", "off-by-one", lambda val_loss: int(np.nanargmin(val_loss)), U_SHAPE, "off by one"),
    wrong(
        "07.3",
        "argmin-picks-nan",
        lambda val_loss: int(np.argmin(val_loss)) + 1,
        "a run with NaN and inf losses",
        "skip NaN and inf",
    ),
    wrong(
        "07.3",
        "last-of-a-tie",
        _loop(lambda loss, best: loss <= best, lambda v: (np.inf, None)),
        "a tie: restore the earlier epoch",
        "restore the earliest",
    ),
    wrong(
        "07.3",
        "starts-from-the-first-loss",
        _loop(lambda loss, best: loss < best, lambda v: (v[0], 1)),
        "the first epoch's loss is NaN",
        "skip NaN and inf",
    ),
    wrong(
        "07.3",
        "skips-the-first-epoch",
        lambda val_loss: int(np.nanargmin(val_loss[1:])) + 2,
        "the best epoch is the first",
        "a lower one",
    ),
    wrong(
        "07.3",
        "misses-the-last-epoch",
        lambda val_loss: int(np.nanargmin(val_loss[:-1])) + 1,
        "the best epoch is the last, after an inf",
        "a lower one",
    ),
    wrong("07.3", "argmax", lambda val_loss: int(np.nanargmax(val_loss)) + 1, U_SHAPE, "a lower one"),
    wrong(
        "07.3",
        "the-loss-not-the-epoch",
        lambda val_loss: float(np.nanmin(val_loss)),
        U_SHAPE,
        "2.1 is not a whole number",
    ),
    wrong("07.3", "odd-inf", lambda val_loss: float("inf"), U_SHAPE, "inf is not a whole number"),
    wrong("07.3", "odd-none", lambda val_loss: None, U_SHAPE, "returned None"),
    wrong("07.3", "odd-tuple", lambda val_loss: (3, 2.1), U_SHAPE, "expected one whole number"),
]

RIGHT = RIGHT_07_1 + RIGHT_07_2 + RIGHT_07_3
WRONG = WRONG_07_1 + WRONG_07_2 + WRONG_07_3


@pytest.mark.parametrize("answer", RIGHT)
def test_a_right_answer_passes(answer, capsys):
    assert_passes(answer, capsys)


@pytest.mark.parametrize("answer", WRONG)
def test_a_wrong_answer_fails_on_the_case_that_catches_it(answer):
    assert_fails(answer)


def test_the_reference_of_07_2_ends_with_the_chains_forward():
    case = exercises.get("07.2").cases()[2]
    stages = exercises.get("07.2").reference(**case.kwargs)
    np.testing.assert_allclose(stages[-1], case.kwargs["chain"].forward(case.kwargs["z"]), rtol=1e-5, atol=1e-5)
