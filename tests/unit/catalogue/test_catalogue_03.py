"""Notebook 03: right answers written in other ways pass; learners' mistakes fail on the case that catches them."""

import numpy as np
import pytest
from _catalogue import assert_fails, assert_passes, right, wrong

from course_utils import builders
from course_utils._tf import tf, tfb, tfd

D2 = "a MADE, D = 2, 5 points"
HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)

# ---------------------------------------------------------------- 03.1 the MAF inverse in one pass


def _inverse(formula, calls=1):
    """z from one call (or `calls` identical calls) of the network at x, by `formula(x, shift, log_scale)`."""

    def answer(shift_and_log_scale, x):
        for _ in range(calls):
            shift, log_scale = shift_and_log_scale(x)
        return formula(x, shift, log_scale)

    return answer


def _numpy_inverse(shift_and_log_scale, x):
    shift, log_scale = (np.asarray(t, np.float64) for t in shift_and_log_scale(x))
    return (x - shift) / np.exp(log_scale)


def _unstacked(shift_and_log_scale, x):
    pair = tf.stack(shift_and_log_scale(tf.constant(x)), axis=0)
    return (x - pair[0]) * tf.exp(-pair[1])


def _column_per_pass(shift_and_log_scale, x):
    z = np.zeros_like(x)
    for i in range(x.shape[-1]):  # right values, but D calls where one is enough
        shift, log_scale = shift_and_log_scale(x)
        z[:, i] = (x[:, i] - shift[:, i]) * np.exp(-log_scale[:, i])
    return z


RIGHT_03_1 = [
    right("03.1", "numpy-float64-divide", _numpy_inverse),
    right(
        "03.1",
        "tfp-maf-inverse",
        lambda shift_and_log_scale, x: tfb.MaskedAutoregressiveFlow(shift_and_log_scale).inverse(x),
    ),
    right("03.1", "stacked-tensors", _unstacked),
]

WRONG_03_1 = [
    wrong(
        "03.1",
        "two-calls",
        _inverse(lambda x, s, ls: (x - s) * tf.exp(-ls), calls=2),
        D2,
        "called shift_and_log_scale 2 times",
    ),
    wrong("03.1", "one-column-per-pass", _column_per_pass, D2, "one call gives every shift"),
    wrong(
        "03.1", "plus-log-scale", _inverse(lambda x, s, ls: (x - s) * tf.exp(ls)), D2, "multiplies by exp(+log_scale)"
    ),
    wrong(
        "03.1", "shift-after-scaling", _inverse(lambda x, s, ls: x * tf.exp(-ls) - s), D2, "subtract the shift first"
    ),
    wrong("03.1", "no-scale", _inverse(lambda x, s, ls: x - s), D2, "the scale is missing"),
    wrong("03.1", "forward-map", _inverse(lambda x, s, ls: s + tf.exp(ls) * x), D2, "this is the forward map"),
    wrong("03.1", "odd-none", lambda shift_and_log_scale, x: None, D2, "returned None"),
    wrong(
        "03.1",
        "odd-tuple",
        _inverse(lambda x, s, ls: ((x - s) * tf.exp(-ls), tf.reduce_sum(ls, -1))),
        D2,
        "not an array of numbers",
    ),
]


# ---------------------------------------------------------------- 03.2 the log-density of a MAF by hand


def _log_prob(base_at="z", log_det_sign=-1.0, constant=True, summed=True):
    def answer(shift_and_log_scale, x):
        shift, log_scale = (np.asarray(t, np.float64) for t in shift_and_log_scale(x))
        z = (x - shift) * np.exp(-log_scale) if base_at == "z" else np.asarray(x, np.float64)
        per_dim = -0.5 * z**2 - (HALF_LOG_2PI if constant else 0.0) + log_det_sign * log_scale
        return per_dim.sum(axis=-1) if summed else per_dim

    return answer


def _with_mvn(shift_and_log_scale, x):
    shift, log_scale = shift_and_log_scale(x)
    z = (x - shift) * tf.exp(-log_scale)
    return tfd.MultivariateNormalDiag(tf.zeros(x.shape[-1])).log_prob(z) - tf.reduce_sum(log_scale, axis=-1)


RIGHT_03_2 = [
    right("03.2", "numpy-float64", _log_prob()),
    right("03.2", "mvn-diag", _with_mvn),
    right(
        "03.2",
        "tfp-flow",
        lambda shift_and_log_scale, x: builders.make_flow(
            tfb.MaskedAutoregressiveFlow(shift_and_log_scale), x.shape[-1]
        ).log_prob(x),
    ),
]

WRONG_03_2 = [
    wrong("03.2", "plus-log-det", _log_prob(log_det_sign=1.0), D2, "enters with a minus sign"),
    wrong("03.2", "no-log-det", _log_prob(log_det_sign=0.0), D2, "the log-det term - sum(log_scale) is missing"),
    wrong(
        "03.2",
        "no-base",
        lambda shift_and_log_scale, x: -tf.reduce_sum(shift_and_log_scale(x)[1], -1),
        D2,
        "base log-density",
    ),
    wrong("03.2", "no-constant", _log_prob(constant=False), D2, "the constant -log(2 pi)/2"),
    wrong("03.2", "base-at-x", _log_prob(base_at="x"), D2, "evaluated at x"),
    wrong("03.2", "not-summed", _log_prob(summed=False), D2, "the shape is (5, 2), expected (5,)"),
    wrong(
        "03.2",
        "forward-instead-of-inverse",
        lambda shift_and_log_scale, x: _log_prob()(
            shift_and_log_scale, tfb.MaskedAutoregressiveFlow(shift_and_log_scale).forward(x).numpy()
        ),
        D2,
        "values differ",
    ),
    wrong(
        "03.2",
        "odd-distribution",
        lambda shift_and_log_scale, x: builders.make_flow(tfb.MaskedAutoregressiveFlow(shift_and_log_scale), 2),
        D2,
        "returned a distribution",
    ),
    wrong("03.2", "odd-none", lambda shift_and_log_scale, x: None, D2, "returned None"),
]


# ---------------------------------------------------------------- 03.3 how many passes?


def _table(log_prob=2, inverse=1, forward="D", sample="D", kind=int):
    def answer(operation, event_size):
        value = {"inverse": inverse, "forward": forward, "log_prob": log_prob, "sample": sample}[operation]
        value = {"D": event_size, "D+1": event_size + 1}.get(value, value)
        return kind(value)

    return answer


RIGHT_03_3 = [
    right("03.3", "dict-of-ints", _table()),
    right("03.3", "numpy-0d-array", _table(kind=np.array)),
    right("03.3", "numpy-int64", _table(kind=np.int64)),
    right("03.3", "tensor", _table(kind=tf.constant)),
    right("03.3", "whole-floats", _table(kind=float)),
]

WRONG_03_3 = [
    wrong(
        "03.3", "log-prob-one-pass", _table(log_prob=1), "log_prob with D = 3", "inverse AND inverse_log_det_jacobian"
    ),
    wrong("03.3", "log-prob-d-passes", _table(log_prob="D"), "log_prob with D = 3", "log_prob needs no loop"),
    wrong("03.3", "inverse-d-passes", _table(inverse="D"), "inverse with D = 3", "one pass, x is known in full"),
    wrong("03.3", "forward-one-pass", _table(forward=1), "forward with D = 3", "one dimension per pass"),
    wrong("03.3", "sample-counts-the-base", _table(sample="D+1"), "sample with D = 3", "no network pass"),
    wrong("03.3", "constant-for-d", _table(forward=3, sample=3), "forward with D = 7", "calls its network 7 time(s)"),
    wrong("03.3", "odd-string", lambda operation, event_size: "two", "inverse with D = 3", "expected one whole number"),
    wrong(
        "03.3", "odd-inf", lambda operation, event_size: float("inf"), "inverse with D = 3", "inf is not a whole number"
    ),
    wrong("03.3", "odd-nan", lambda operation, event_size: np.nan, "inverse with D = 3", "nan is not a whole number"),
    wrong("03.3", "odd-none", lambda operation, event_size: None, "inverse with D = 3", "returned None"),
    wrong("03.3", "odd-bool", lambda operation, event_size: True, "inverse with D = 3", "returned a bool"),
    wrong("03.3", "odd-half", lambda operation, event_size: 1.5, "inverse with D = 3", "1.5 is not a whole number"),
]

RIGHT = RIGHT_03_1 + RIGHT_03_2 + RIGHT_03_3
WRONG = WRONG_03_1 + WRONG_03_2 + WRONG_03_3


@pytest.mark.parametrize("answer", RIGHT)
def test_a_right_answer_passes(answer, capsys):
    assert_passes(answer, capsys)


@pytest.mark.parametrize("answer", WRONG)
def test_a_wrong_answer_fails_on_the_case_that_catches_it(answer):
    assert_fails(answer)
