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


# ---------------------------------------------------------------- 03.4 predict, then run: the passes of a MAF

RUN = "your prediction against the run, D = 4 and D = 32, 1000 points"


def _prediction(log_prob=lambda d: 2, sample=lambda d: d, sample_and_log_prob=lambda d: d + 1, kind=int, keys=int):
    """A prediction whose counts are functions of D, each value made by `kind` and each key by `keys`."""

    def answer():
        formulas = {"log_prob": log_prob, "sample": sample, "sample_and_log_prob": sample_and_log_prob}
        return {op: {keys(d): kind(formula(d)) for d in (4, 32)} for op, formula in formulas.items()}

    return answer


RIGHT_03_4 = [
    right("03.4", "dict-of-ints", _prediction()),
    right(
        "03.4",
        "written-out",
        lambda: {"sample": {32: 32, 4: 4}, "log_prob": {4: 2, 32: 2}, "sample_and_log_prob": {4: 5, 32: 33}},
    ),
    right("03.4", "string-keys", _prediction(keys=str)),
    right("03.4", "numpy-int64", _prediction(kind=np.int64)),
    right("03.4", "whole-floats", _prediction(kind=float)),
    right("03.4", "tensors", _prediction(kind=tf.constant)),
]

WRONG_03_4 = [
    wrong("03.4", "log-prob-one-pass", _prediction(log_prob=lambda d: 1), RUN, "inverse AND inverse_log_det_jacobian"),
    wrong(
        "03.4",
        "log-prob-d-passes",
        _prediction(log_prob=lambda d: d),
        RUN,
        "x is given in full, so the density needs no loop",
    ),
    wrong("03.4", "iaf-counts", _prediction(lambda d: d + 1, lambda d: 1, lambda d: 2), RUN, "that is the IAF's count"),
    wrong(
        "03.4",
        "sample-one-pass",
        _prediction(sample=lambda d: 1),
        RUN,
        "sample at D = 4: you predicted 1, the run counted 4",
    ),
    wrong(
        "03.4",
        "sample-counts-the-base",
        _prediction(sample=lambda d: d + 1),
        RUN,
        "drawing z from N(0, I) is no network pass",
    ),
    wrong("03.4", "sample-constant-in-d", _prediction(sample=lambda d: 4), RUN, "sample at D = 32: you predicted 4"),
    wrong("03.4", "sample-then-log-prob", _prediction(sample_and_log_prob=lambda d: d + 2), RUN, "no inverse pass"),
    wrong(
        "03.4",
        "reuses-the-loop",
        _prediction(sample_and_log_prob=lambda d: d),
        RUN,
        "does not keep the loop's log-scales",
    ),
    wrong(
        "03.4", "one-pass-per-point", _prediction(log_prob=lambda d: 2 * 1000), RUN, "every row of the batch at once"
    ),
    wrong(
        "03.4",
        "all-off",
        _prediction(lambda d: 1, lambda d: 1, lambda d: 2),
        RUN,
        "Also off: log_prob at D = 32, sample, sample_and_log_prob",
    ),
    wrong("03.4", "odd-none", lambda: None, RUN, "returned None"),
    wrong("03.4", "odd-string", lambda: "D passes", RUN, "return a dict"),
    wrong(
        "03.4",
        "odd-flat-dict",
        lambda: {"log_prob": 2, "sample": 4, "sample_and_log_prob": 5},
        RUN,
        "prediction['log_prob'] is 2: give a count for each D",
    ),
    wrong("03.4", "odd-missing-entry", lambda: {"log_prob": {4: 2, 32: 2}}, RUN, "no entry 'sample'"),
    wrong(
        "03.4",
        "odd-missing-d",
        lambda: {op: {4: 2} for op in ("log_prob", "sample", "sample_and_log_prob")},
        RUN,
        "no count for D = 32",
    ),
    wrong("03.4", "odd-half", _prediction(log_prob=lambda d: 1.5, kind=float), RUN, "1.5 is not a whole number"),
    wrong("03.4", "odd-nan", _prediction(log_prob=lambda d: np.nan, kind=float), RUN, "nan is not a whole number"),
    wrong("03.4", "odd-bool", _prediction(log_prob=lambda d: True, kind=bool), RUN, "expected one whole number"),
]

RIGHT = RIGHT_03_1 + RIGHT_03_2 + RIGHT_03_4
WRONG = WRONG_03_1 + WRONG_03_2 + WRONG_03_4


@pytest.mark.parametrize("answer", RIGHT)
def test_a_right_answer_passes(answer, capsys):
    assert_passes(answer, capsys)


@pytest.mark.parametrize("answer", WRONG)
def test_a_wrong_answer_fails_on_the_case_that_catches_it(answer):
    assert_fails(answer)
