"""Notebook 02: right answers written in other ways pass; learners' mistakes fail on the case that catches them."""

import numpy as np
import pytest
from _catalogue import assert_fails, assert_passes, right, wrong

from course_utils._tf import tf, tfb

D2 = "a MADE, D = 2, 5 rows"
COUPLED = "D = 6 dimensions but only 2 rows, each dimension strongly coupled to the one before"

# ---------------------------------------------------------------- 02.1 sampling one dimension at a time


def _loop(passes, start_at_z=False, forward=True):
    """Sampling by repeated passes; `passes(n, D)` says how many."""

    def answer(shift_and_log_scale, z):
        x = tf.convert_to_tensor(z) if start_at_z else tf.zeros_like(z)
        for _ in range(passes(*z.shape)):
            shift, log_scale = shift_and_log_scale(z if start_at_z else x)
            x = shift + tf.exp(log_scale) * z if forward else (z - shift) * tf.exp(-log_scale)
        return x

    return answer


def _column_by_column(shift_and_log_scale, z):
    x = np.zeros_like(z, dtype=np.float64)
    for i in range(z.shape[1]):
        shift, log_scale = (np.asarray(t, np.float64) for t in shift_and_log_scale(x))
        x[:, i] = shift[:, i] + np.exp(log_scale[:, i]) * z[:, i]
    return x


def _until_nothing_changes(shift_and_log_scale, z):
    x = np.zeros(z.shape, np.float32)
    while True:  # D passes fix x, one more sees no change: D + 1 calls
        shift, log_scale = shift_and_log_scale(x)
        new = (shift + tf.exp(log_scale) * z).numpy()
        if np.array_equal(new, x):
            return new
        x = new


RIGHT_02_1 = [
    right("02.1", "maf-bijector", lambda shift_and_log_scale, z: tfb.MaskedAutoregressiveFlow(shift_and_log_scale)(z)),
    right("02.1", "numpy-one-column-per-pass-float64", _column_by_column),
    right("02.1", "until-nothing-changes", _until_nothing_changes),
    right("02.1", "tensor-loop-over-last-axis", _loop(lambda n, d: d)),
]

WRONG_02_1 = [
    wrong("02.1", "loop-over-rows", _loop(lambda n, d: n), D2, "5 times (one per row of the input?)"),
    wrong("02.1", "d-minus-one-passes", _loop(lambda n, d: d - 1), D2, "x after only 1 pass: D = 2 are needed"),
    wrong("02.1", "one-pass-at-z", _loop(lambda n, d: 1, start_at_z=True), D2, "the network was called on z"),
    wrong(
        "02.1", "inverse-formula", _loop(lambda n, d: 1, start_at_z=True, forward=False), D2, "this is the inverse map"
    ),
    wrong("02.1", "twice-d-passes", _loop(lambda n, d: 2 * d), D2, "called shift_and_log_scale 4 times"),
    wrong("02.1", "odd-none", lambda shift_and_log_scale, z: None, D2, "returned None"),
    wrong("02.1", "odd-dict", lambda shift_and_log_scale, z: {"x": z}, D2, "returned a dict"),
    wrong("02.1", "odd-nan", lambda shift_and_log_scale, z: np.full(z.shape, np.nan), D2, "holds NaN"),
]


def _rows_but_no_more_than_d_plus_one(shift_and_log_scale, z):
    """A loop over the rows that happens to stop early enough for the call count: only the values can catch it."""
    return _loop(lambda n, d: min(n, d + 1))(shift_and_log_scale, z)


WRONG_02_1.append(
    wrong("02.1", "rows-loop-values", _rows_but_no_more_than_d_plus_one, COUPLED, "one per ROW of z"),
)


# ---------------------------------------------------------------- 02.2 the log-determinant


def _log_scales_at(where):
    def answer(shift_and_log_scale, z):
        x = tfb.MaskedAutoregressiveFlow(shift_and_log_scale).forward(z) if where == "x" else z
        return shift_and_log_scale(x)[1]

    return answer


def _last_pass_log_scales(shift_and_log_scale, z):
    x = tf.zeros_like(z)
    for _ in range(z.shape[-1]):  # the last pass reads x_<i final for every i: its log-scales are the right ones
        shift, log_scale = shift_and_log_scale(x)
        x = shift + tf.exp(log_scale) * z
    return tf.reduce_sum(log_scale, axis=-1)


def _by_autodiff(shift_and_log_scale, z):
    z = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(z)
        x = tfb.MaskedAutoregressiveFlow(shift_and_log_scale).forward(z)
    return np.linalg.slogdet(tape.batch_jacobian(x, z).numpy())[1]


def _maf(fn):
    return tfb.MaskedAutoregressiveFlow(fn)


RIGHT_02_2 = [
    right("02.2", "maf-fldj", lambda shift_and_log_scale, z: _maf(shift_and_log_scale).forward_log_det_jacobian(z, 1)),
    right(
        "02.2",
        "minus-ildj-at-x",
        lambda shift_and_log_scale, z: (
            -_maf(shift_and_log_scale).inverse_log_det_jacobian(
                _maf(shift_and_log_scale).forward(z).numpy(), event_ndims=1
            )
        ),
    ),
    right("02.2", "last-pass-log-scales", _last_pass_log_scales),
    right("02.2", "autodiff-slogdet", _by_autodiff),
]

WRONG_02_2 = [
    wrong(
        "02.2",
        "log-scales-at-z",
        lambda shift_and_log_scale, z: np.sum(_log_scales_at("z")(shift_and_log_scale, z), -1),
        D2,
        "computed at z",
    ),
    wrong("02.2", "not-summed", _log_scales_at("x"), D2, "the shape is (5, 2), expected (5,)"),
    wrong(
        "02.2",
        "sign",
        lambda shift_and_log_scale, z: -np.sum(_log_scales_at("x")(shift_and_log_scale, z), -1),
        D2,
        "the sign is flipped",
    ),
    wrong(
        "02.2",
        "mean",
        lambda shift_and_log_scale, z: np.mean(_log_scales_at("x")(shift_and_log_scale, z), -1),
        D2,
        "this is a mean",
    ),
    wrong(
        "02.2",
        "exp",
        lambda shift_and_log_scale, z: np.sum(np.exp(_log_scales_at("x")(shift_and_log_scale, z)), -1),
        D2,
        "sums the scales",
    ),
    wrong(
        "02.2",
        "one-number",
        lambda shift_and_log_scale, z: np.sum(_log_scales_at("x")(shift_and_log_scale, z)),
        D2,
        "one value per row",
    ),
    wrong(
        "02.2",
        "ildj-at-z",
        lambda shift_and_log_scale, z: _maf(shift_and_log_scale).inverse_log_det_jacobian(z, 1),
        D2,
        "values differ",
    ),
    wrong("02.2", "odd-none", lambda shift_and_log_scale, z: None, D2, "returned None"),
]


# ---------------------------------------------------------------- 02.3 the MADE mask rule

HIDDEN_1, OUTPUTS = "inputs -> hidden 1, D = 3", "hidden 2 -> outputs"


def _loops(in_degrees, out_degrees, is_output):
    mask = np.zeros((len(in_degrees), len(out_degrees)), dtype=int)
    for a, d_in in enumerate(in_degrees):
        for b, d_out in enumerate(out_degrees):
            mask[a, b] = int(d_out > d_in if is_output else d_out >= d_in)
    return mask


def _rule(compare, transpose=False):
    def answer(in_degrees, out_degrees, is_output):
        mask = compare(np.asarray(in_degrees)[:, None], np.asarray(out_degrees)[None, :], is_output)
        return mask.T if transpose else mask

    return answer


RIGHT_02_3 = [
    right("02.3", "loops-of-ints", _loops),
    right(
        "02.3",
        "subtract-outer",
        lambda in_degrees, out_degrees, is_output: np.subtract.outer(in_degrees, out_degrees) < (0 if is_output else 1),
    ),
    right(
        "02.3",
        "tf-bool-tensor",
        lambda in_degrees, out_degrees, is_output: (tf.less if is_output else tf.less_equal)(
            tf.constant(in_degrees)[:, None], tf.constant(out_degrees)[None, :]
        ),
    ),
    right(
        "02.3",
        "list-of-lists",
        lambda in_degrees, out_degrees, is_output: [
            [(i < o) if is_output else (i <= o) for o in out_degrees] for i in in_degrees
        ],
    ),
    right(
        "02.3",
        "floats-0-1",
        lambda in_degrees, out_degrees, is_output: _loops(in_degrees, out_degrees, is_output).astype(float),
    ),
]

WRONG_02_3 = [
    wrong("02.3", "hidden-rule-for-outputs", _rule(lambda i, o, out: i <= o), OUTPUTS, "of degree 1 must be blocked"),
    wrong("02.3", "strict-everywhere", _rule(lambda i, o, out: i < o), HIDDEN_1, "must be allowed"),
    wrong(
        "02.3", "transposed", _rule(lambda i, o, out: i < o if out else i <= o, transpose=True), HIDDEN_1, "transposed?"
    ),
    wrong("02.3", "reversed-comparison", _rule(lambda i, o, out: i > o if out else i >= o), HIDDEN_1, "entries differ"),
    wrong("02.3", "rules-swapped", _rule(lambda i, o, out: i <= o if out else i < o), HIDDEN_1, "must be allowed"),
    wrong("02.3", "degree-differences", _rule(lambda i, o, out: (o - i).astype(float)), HIDDEN_1, "only True/False"),
    wrong("02.3", "odd-none", lambda in_degrees, out_degrees, is_output: None, HIDDEN_1, "not an array of True/False"),
]

RIGHT = RIGHT_02_1 + RIGHT_02_2 + RIGHT_02_3
WRONG = WRONG_02_1 + WRONG_02_2 + WRONG_02_3


@pytest.mark.parametrize("answer", RIGHT)
def test_a_right_answer_passes(answer, capsys):
    assert_passes(answer, capsys)


@pytest.mark.parametrize("answer", WRONG)
def test_a_wrong_answer_fails_on_the_case_that_catches_it(answer):
    assert_fails(answer)
