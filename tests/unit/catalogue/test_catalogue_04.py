"""Notebook 04: right answers written in other ways pass; learners' mistakes fail on the case that catches them."""

import numpy as np
import pytest
from _catalogue import assert_fails, assert_passes, right, wrong

from course_utils import builders
from course_utils._tf import tf, tfb, tfd

D2 = "a MADE, D = 2, 5 points"
HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)


def _log_normal(z):
    return np.sum(-0.5 * np.asarray(z, np.float64) ** 2 - HALF_LOG_2PI, axis=-1)


def _iaf(fn):
    return tfb.Invert(tfb.MaskedAutoregressiveFlow(fn))


# ---------------------------------------------------------------- 04.1 the density of an IAF sample in one pass


def _sample_log_prob(base_at="z", log_det_sign=1.0, base=True, summed=True):
    def answer(shift_and_log_scale, z):
        shift, log_scale = (np.asarray(t, np.float64) for t in shift_and_log_scale(z))
        point = z if base_at == "z" else (z - shift) * np.exp(-log_scale)
        per_dim = (-0.5 * point**2 - HALF_LOG_2PI if base else 0.0) + log_det_sign * log_scale
        return per_dim.sum(axis=-1) if summed else per_dim

    return answer


def _the_slow_way(shift_and_log_scale, z):
    x = _iaf(shift_and_log_scale).forward(z).numpy()
    return builders.make_flow(_iaf(shift_and_log_scale), z.shape[-1]).log_prob(x)


RIGHT_04_1 = [
    right("04.1", "numpy-float64", _sample_log_prob()),
    right(
        "04.1",
        "bijector-fldj",
        lambda shift_and_log_scale, z: (
            builders.make_base(z.shape[-1]).log_prob(z)
            - _iaf(shift_and_log_scale).forward_log_det_jacobian(z, event_ndims=1)
        ),
    ),
    right(
        "04.1",
        "tfd-normal-per-dim",
        lambda shift_and_log_scale, z: tf.reduce_sum(
            tfd.Normal(0.0, 1.0).log_prob(z) + shift_and_log_scale(z)[1], axis=-1
        ),
    ),
]

WRONG_04_1 = [
    wrong("04.1", "log-det-sign", _sample_log_prob(log_det_sign=-1.0), D2, "the sign of the log-det"),
    wrong("04.1", "no-log-det", _sample_log_prob(log_det_sign=0.0), D2, "the log-det term is missing"),
    wrong("04.1", "no-base", _sample_log_prob(base=False), D2, "log N(z; 0, I) is missing"),
    wrong("04.1", "base-at-x", _sample_log_prob(base_at="x"), D2, "evaluated at the sample x"),
    wrong("04.1", "not-summed", _sample_log_prob(summed=False), D2, "the shape is (5, 2), expected (5,)"),
    wrong("04.1", "log-prob-of-the-sample", _the_slow_way, D2, "called shift_and_log_scale 4 times"),
    wrong("04.1", "odd-none", lambda shift_and_log_scale, z: None, D2, "returned None"),
    wrong("04.1", "odd-dict", lambda shift_and_log_scale, z: {"log_prob": z}, D2, "returned a dict"),
]


# ---------------------------------------------------------------- 04.2 the IAF log-density of a given point


def _solve(passes, extra_call=False, log_det_sign=1.0, first_log_scales=False):
    """log q(x) from z found by `passes(n, D)` passes of z = x exp(log_scale(z)) + shift(z)."""

    def answer(shift_and_log_scale, x):
        z, first = tf.zeros_like(x), None
        for k in range(passes(*x.shape)):
            shift, log_scale = shift_and_log_scale(z)
            first = log_scale if k == 0 else first
            z = x * tf.exp(log_scale) + shift
        if extra_call:
            _, log_scale = shift_and_log_scale(z)
        used = first if first_log_scales else log_scale
        return tf.reduce_sum(tfd.Normal(0.0, 1.0).log_prob(z) + log_det_sign * used, axis=-1)

    return answer


def _column_by_column(shift_and_log_scale, x):
    z = np.zeros_like(x, dtype=np.float64)
    for i in range(x.shape[-1]):
        shift, log_scale = (np.asarray(t, np.float64) for t in shift_and_log_scale(z))
        z[:, i] = x[:, i] * np.exp(log_scale[:, i]) + shift[:, i]
    return _log_normal(z) + np.sum(np.asarray(shift_and_log_scale(z)[1], np.float64), axis=-1)


def _maf_one_pass(shift_and_log_scale, x):
    shift, log_scale = shift_and_log_scale(x)
    z = (x - shift) * tf.exp(-log_scale)
    return tf.reduce_sum(tfd.Normal(0.0, 1.0).log_prob(z) - log_scale, axis=-1)


RIGHT_04_2 = [
    right("04.2", "d-passes", _solve(lambda n, d: d)),
    right("04.2", "d-plus-one-passes", _solve(lambda n, d: d, extra_call=True)),
    right("04.2", "numpy-column-by-column", _column_by_column),
    right(
        "04.2",
        "tfp-invert-maf",
        lambda shift_and_log_scale, x: builders.make_flow(_iaf(shift_and_log_scale), x.shape[-1]).log_prob(x),
    ),
]

WRONG_04_2 = [
    wrong("04.2", "loop-over-rows", _solve(lambda n, d: n), D2, "5 times (one per row of the input?)"),
    wrong("04.2", "d-minus-one-passes", _solve(lambda n, d: d - 1), D2, "z after only 1 pass (D = 2 are needed)"),
    wrong("04.2", "maf-one-pass-formula", _maf_one_pass, D2, "this is the MAF's one-pass density"),
    wrong("04.2", "log-det-sign", _solve(lambda n, d: d, log_det_sign=-1.0), D2, "the sign of the log-det"),
    wrong(
        "04.2", "first-pass-log-scales", _solve(lambda n, d: d, first_log_scales=True), D2, "the first pass (at z = 0)"
    ),
    wrong("04.2", "twice-d-passes", _solve(lambda n, d: 2 * d), D2, "called shift_and_log_scale 4 times"),
    wrong("04.2", "odd-none", lambda shift_and_log_scale, x: None, D2, "returned None"),
    wrong("04.2", "odd-nan", lambda shift_and_log_scale, x: np.full(len(x), np.nan), D2, "holds NaN"),
]


# ---------------------------------------------------------------- 04.3 MAF or IAF?

DENSITY, VI, TIE, D1, MIX = (
    "density estimation: 1000 training steps of log_prob on data",
    "variational inference: 1000 steps on samples and their own log_prob",
    "one log_prob and one sample at D = 3",
    "D = 1: each operation costs a MAF and an IAF the same",
    "a mix at D = 3 where the totals tie",
)


def _chooser(maf=(2, "D", "D+1"), iaf=("D+1", 1, 2), tie="either", kind=str):
    """Choose by totals from a pass table (log_prob, sample, sample_and_log_prob) that may be wrong."""

    def answer(event_size, n_log_prob, n_sample, n_sample_and_log_prob):
        def cost(table):
            passes = [{"D": event_size, "D+1": event_size + 1}.get(p, p) for p in table]
            return np.dot(passes, [n_log_prob, n_sample, n_sample_and_log_prob])

        if cost(maf) == cost(iaf):
            return kind(tie)
        return kind("maf" if cost(maf) < cost(iaf) else "iaf")

    return answer


def _by_the_algebra(event_size, n_log_prob, n_sample, n_sample_and_log_prob):
    # MAF - IAF = (D - 1) (n_sample + n_sample_and_log_prob - n_log_prob): only that sign matters
    difference = (event_size - 1) * (n_sample + n_sample_and_log_prob - n_log_prob)
    return "either" if difference == 0 else ("MAF" if difference < 0 else "IAF")


RIGHT_04_3 = [
    right("04.3", "pass-table", _chooser()),
    right("04.3", "capitals-and-spaces", _chooser(kind=lambda s: f"  {s.upper()} ")),
    right("04.3", "numpy-str", _chooser(kind=np.str_)),
    right("04.3", "by-the-algebra", _by_the_algebra),
]

WRONG_04_3 = [
    wrong(
        "04.3", "tables-swapped", _chooser(maf=("D+1", 1, 2), iaf=(2, "D", "D+1")), DENSITY, "expected 'maf', got 'iaf'"
    ),
    wrong("04.3", "never-either", _chooser(tie="maf"), TIE, "expected 'either', got 'maf'"),
    wrong("04.3", "maf-log-prob-d-passes", _chooser(maf=("D", "D", "D+1")), TIE, "expected 'either'"),
    wrong("04.3", "iaf-sample-and-log-prob-one-pass", _chooser(iaf=("D+1", 1, 1)), D1, "expected 'either', got 'iaf'"),
    wrong("04.3", "maf-sample-and-log-prob-d-passes", _chooser(maf=(2, "D", "D")), VI, "expected 'iaf', got 'either'"),
    wrong(
        "04.3",
        "ignores-how-often",
        lambda event_size, n_log_prob, n_sample, n_sample_and_log_prob: _chooser()(
            event_size, min(n_log_prob, 1), min(n_sample, 1), min(n_sample_and_log_prob, 1)
        ),
        "generation: a trained model draws 100 batches",
        "this job costs",
    ),
    wrong(
        "04.3",
        "most-called-without-ties",
        lambda event_size, n_log_prob, n_sample, n_sample_and_log_prob: (
            "maf" if n_log_prob >= n_sample + n_sample_and_log_prob else "iaf"
        ),
        TIE,
        "expected 'either', got 'maf'",
    ),
    wrong(
        "04.3",
        "odd-none",
        lambda event_size, n_log_prob, n_sample, n_sample_and_log_prob: None,
        DENSITY,
        "returned None",
    ),
    wrong(
        "04.3",
        "odd-number",
        lambda event_size, n_log_prob, n_sample, n_sample_and_log_prob: 0,
        DENSITY,
        "return the string",
    ),
    wrong(
        "04.3",
        "odd-other-word",
        lambda event_size, n_log_prob, n_sample, n_sample_and_log_prob: "maf flow",
        DENSITY,
        "got 'maf flow'",
    ),
]

RIGHT = RIGHT_04_1 + RIGHT_04_2 + RIGHT_04_3
WRONG = WRONG_04_1 + WRONG_04_2 + WRONG_04_3


@pytest.mark.parametrize("answer", RIGHT)
def test_a_right_answer_passes(answer, capsys):
    assert_passes(answer, capsys)


@pytest.mark.parametrize("answer", WRONG)
def test_a_wrong_answer_fails_on_the_case_that_catches_it(answer):
    assert_fails(answer)
