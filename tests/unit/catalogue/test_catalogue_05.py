"""Notebook 05: right answers written in other ways pass; learners' mistakes fail on the case that catches them."""

import math

import numpy as np
import pytest
from _catalogue import assert_fails, assert_passes, right, wrong

from course_utils._tf import tf, tfb

FIRST, THREE_ONE, NICE = (
    "D = 2, d = 1",
    "D = 3, d = 1: two dims transformed",
    "NICE, D = 4, d = 1: the function returns log_scale = None",
)


def _real_nvp(num_masked, fn):
    return tfb.RealNVP(num_masked=num_masked, shift_and_log_scale_fn=fn)


def _coupling(formula, masked_first=True, units=lambda d, other: other.shape[-1], net_on="masked"):
    """A coupling pass: the copied part, and `formula(other, shift, log_scale)` (log_scale None kept as None)."""

    def answer(num_masked, shift_and_log_scale_fn, **points):
        (values,) = points.values()
        masked, other = values[:, :num_masked], values[:, num_masked:]
        source = masked if net_on == "masked" else other[:, :num_masked]
        shift, log_scale = shift_and_log_scale_fn(source, units(num_masked, other))
        parts = [masked, formula(other, shift, log_scale)]
        return np.concatenate(parts if masked_first else parts[::-1], axis=1)

    return answer


def _forward(formula, **options):
    inner = _coupling(formula, **options)
    return lambda z, num_masked, shift_and_log_scale_fn: inner(num_masked, shift_and_log_scale_fn, z=z)


def _inverse(formula, **options):
    inner = _coupling(formula, **options)
    return lambda x, num_masked, shift_and_log_scale_fn: inner(num_masked, shift_and_log_scale_fn, x=x)


def _scale(log_scale, sign=1.0):
    return 1.0 if log_scale is None else np.exp(sign * np.asarray(log_scale))


# ---------------------------------------------------------------- 05.1 the forward pass


def _forward_tf(z, num_masked, shift_and_log_scale_fn):
    z = tf.convert_to_tensor(z)
    z_masked, z_other = z[:, :num_masked], z[:, num_masked:]
    shift, log_scale = shift_and_log_scale_fn(z_masked, z_other.shape[-1])
    log_scale = tf.zeros_like(z_other) if log_scale is None else log_scale
    return tf.concat([z_masked, shift + tf.exp(log_scale) * z_other], axis=1)


def _forward_rows_float64(z, num_masked, shift_and_log_scale_fn):
    rows = []
    for row in np.asarray(z, np.float64):
        shift, log_scale = shift_and_log_scale_fn(row[None, :num_masked], len(row) - num_masked)
        rows.append(np.hstack([row[:num_masked], (shift + _scale(log_scale) * row[num_masked:])[0]]))
    return rows


def _wrong_half(z, num_masked, shift_and_log_scale_fn):
    """Transforms the first columns with a network of the last ones, and copies the last ones."""
    shift, log_scale = shift_and_log_scale_fn(z[:, -num_masked:], z.shape[1] - num_masked)
    return np.concatenate([shift + _scale(log_scale) * z[:, :num_masked], z[:, num_masked:]], axis=1)


RIGHT_05_1 = [
    right("05.1", "tensorflow", _forward_tf),
    right(
        "05.1",
        "tfb-real-nvp",
        lambda z, num_masked, shift_and_log_scale_fn: _real_nvp(num_masked, shift_and_log_scale_fn).forward(z),
    ),
    right("05.1", "rows-float64-list", _forward_rows_float64),
]

WRONG_05_1 = [
    wrong("05.1", "no-exp", _forward(lambda o, s, ls: s + (1.0 if ls is None else ls) * o), FIRST, "exp is missing"),
    wrong("05.1", "wrong-half-transformed", _wrong_half, FIRST, "must pass through unchanged"),
    wrong(
        "05.1",
        "network-on-other-half",
        _forward(lambda o, s, ls: s + _scale(ls) * o, net_on="other"),
        FIRST,
        "values differ",
    ),
    wrong(
        "05.1",
        "parts-swapped",
        _forward(lambda o, s, ls: s + _scale(ls) * o, masked_first=False),
        FIRST,
        "must pass through unchanged",
    ),
    wrong(
        "05.1",
        "shift-inside",
        _forward(lambda o, s, ls: _scale(ls) * (o + s)),
        FIRST,
        "the shift is added after scaling",
    ),
    wrong(
        "05.1", "inverse-map", _forward(lambda o, s, ls: (o - s) * _scale(ls, -1.0)), FIRST, "this is the inverse map"
    ),
    wrong(
        "05.1",
        "output-units-num-masked",
        _forward(lambda o, s, ls: s + _scale(ls) * o, units=lambda d, o: d),
        THREE_ONE,
        "output_units must be the number of transformed columns",
    ),
    wrong("05.1", "ignores-nice", _forward(lambda o, s, ls: s + np.exp(ls) * o), NICE, "NoneType"),
    wrong("05.1", "odd-none", lambda z, num_masked, shift_and_log_scale_fn: None, FIRST, "returned None"),
    wrong(
        "05.1",
        "odd-bijector",
        lambda z, num_masked, shift_and_log_scale_fn: _real_nvp(num_masked, shift_and_log_scale_fn),
        FIRST,
        "not numbers",
    ),
]


# ---------------------------------------------------------------- 05.2 the inverse pass

RIGHT_05_2 = [
    right(
        "05.2",
        "tfb-real-nvp",
        lambda x, num_masked, shift_and_log_scale_fn: _real_nvp(num_masked, shift_and_log_scale_fn).inverse(x),
    ),
    right("05.2", "divide-by-scale", _inverse(lambda o, s, ls: (o - s) / _scale(ls))),
    right(
        "05.2",
        "float64",
        lambda x, num_masked, shift_and_log_scale_fn: _inverse(lambda o, s, ls: (o - s) * _scale(ls, -1.0))(
            np.asarray(x, np.float64), num_masked, shift_and_log_scale_fn
        ),
    ),
]

WRONG_05_2 = [
    wrong(
        "05.2",
        "shift-after-dividing",
        _inverse(lambda o, s, ls: o * _scale(ls, -1.0) - s),
        FIRST,
        "undo in reverse order",
    ),
    wrong(
        "05.2",
        "multiplies-by-exp",
        _inverse(lambda o, s, ls: (o - s) * _scale(ls)),
        FIRST,
        "multiplies by exp(+log_scale)",
    ),
    wrong("05.2", "forward-map", _inverse(lambda o, s, ls: s + _scale(ls) * o), FIRST, "this is the forward map"),
    wrong("05.2", "adds-shift", _inverse(lambda o, s, ls: (o + s) * _scale(ls, -1.0)), FIRST, "subtracted, not added"),
    wrong(
        "05.2",
        "network-on-other-half",
        _inverse(lambda o, s, ls: (o - s) * _scale(ls, -1.0), net_on="other"),
        FIRST,
        "values differ",
    ),
    wrong("05.2", "ignores-nice", _inverse(lambda o, s, ls: (o - s) * np.exp(-ls)), NICE, "NoneType"),
    wrong("05.2", "odd-none", lambda x, num_masked, shift_and_log_scale_fn: None, FIRST, "returned None"),
]


# ---------------------------------------------------------------- 05.3 the log-determinant


def _log_det(reduce, nice=lambda n: np.zeros(n), net_on="masked"):
    def answer(z, num_masked, shift_and_log_scale_fn):
        source = z[:, :num_masked] if net_on == "masked" else z[:, -num_masked:]
        _, log_scale = shift_and_log_scale_fn(source, z.shape[1] - num_masked)
        return nice(len(z)) if log_scale is None else reduce(np.asarray(log_scale))

    return answer


def _log_det_rows(z, num_masked, shift_and_log_scale_fn):
    out = []
    for row in z:
        _, log_scale = shift_and_log_scale_fn(row[None, :num_masked], len(row) - num_masked)
        out.append(0.0 if log_scale is None else float(np.sum(log_scale)))
    return out


RIGHT_05_3 = [
    right(
        "05.3",
        "tfb-fldj-scalar-for-nice",
        lambda z, num_masked, shift_and_log_scale_fn: _real_nvp(
            num_masked, shift_and_log_scale_fn
        ).forward_log_det_jacobian(z, event_ndims=1),
    ),
    right("05.3", "scalar-zero-for-nice", _log_det(lambda ls: tf.reduce_sum(ls, axis=-1), nice=lambda n: 0.0)),
    right("05.3", "rows-python-floats", _log_det_rows),
]

WRONG_05_3 = [
    wrong("05.3", "not-summed", _log_det(lambda ls: ls), FIRST, "the shape is (4, 1), expected (4,)"),
    wrong("05.3", "sums-scales", _log_det(lambda ls: np.exp(ls).sum(-1)), FIRST, "sums the scales exp(log_scale)"),
    wrong("05.3", "mean", _log_det(lambda ls: ls.mean(-1)), THREE_ONE, "this is a mean"),
    wrong("05.3", "sign", _log_det(lambda ls: -ls.sum(-1)), FIRST, "the sign is flipped"),
    wrong("05.3", "summed-over-rows", _log_det(lambda ls: ls.sum(0)), FIRST, "values differ"),
    wrong("05.3", "none-for-nice", _log_det(lambda ls: ls.sum(-1), nice=lambda n: None), NICE, "the log-det is 0"),
    wrong("05.3", "one-for-nice", _log_det(lambda ls: ls.sum(-1), nice=lambda n: np.ones(n)), NICE, "values differ"),
    wrong(
        "05.3", "always-zero", lambda z, num_masked, shift_and_log_scale_fn: np.zeros(len(z)), FIRST, "values differ"
    ),
    wrong("05.3", "odd-inf", lambda z, num_masked, shift_and_log_scale_fn: np.full(len(z), np.inf), FIRST, "holds inf"),
]


# ---------------------------------------------------------------- 05.4 how many dimensions fraction_masked copies

HALF_3, POINT_3 = "D = 3, fraction 0.5: D * fraction = 1.5", "D = 4, fraction 0.3: D * fraction = 1.2"
HALF_5 = "D = 5, fraction 0.5: D * fraction = 2.5"

RIGHT_05_4 = [
    right("05.4", "python-round", lambda event_size, fraction_masked: round(event_size * fraction_masked)),
    right("05.4", "np-rint-float", lambda event_size, fraction_masked: np.rint(event_size * fraction_masked)),
    right("05.4", "tf-round-tensor", lambda event_size, fraction_masked: tf.round(event_size * fraction_masked)),
    right(
        "05.4",
        "numpy-0d-int",
        lambda event_size, fraction_masked: np.array(np.round(event_size * fraction_masked), int),
    ),
]

WRONG_05_4 = [
    wrong(
        "05.4", "floor", lambda event_size, fraction_masked: int(event_size * fraction_masked), HALF_3, "rounded down"
    ),
    wrong(
        "05.4",
        "ceil",
        lambda event_size, fraction_masked: math.ceil(event_size * fraction_masked),
        POINT_3,
        "rounded up",
    ),
    wrong(
        "05.4",
        "half-up",
        lambda event_size, fraction_masked: int(event_size * fraction_masked + 0.5),
        HALF_5,
        "even neighbour",
    ),
    wrong(
        "05.4",
        "transformed-count",
        lambda event_size, fraction_masked: event_size - round(event_size * fraction_masked),
        POINT_3,
        "the number of transformed dims",
    ),
    wrong(
        "05.4",
        "not-rounded",
        lambda event_size, fraction_masked: event_size * fraction_masked,
        POINT_3,
        "1.2 is not a whole number",
    ),
    wrong(
        "05.4",
        "odd-list",
        lambda event_size, fraction_masked: [round(event_size * fraction_masked)],
        "D = 2, fraction 0.5: D * fraction = 1",
        "expected one whole number",
    ),
    wrong(
        "05.4",
        "odd-none",
        lambda event_size, fraction_masked: None,
        "D = 2, fraction 0.5: D * fraction = 1",
        "returned None",
    ),
]

RIGHT = RIGHT_05_1 + RIGHT_05_2 + RIGHT_05_3 + RIGHT_05_4
WRONG = WRONG_05_1 + WRONG_05_2 + WRONG_05_3 + WRONG_05_4


@pytest.mark.parametrize("answer", RIGHT)
def test_a_right_answer_passes(answer, capsys):
    assert_passes(answer, capsys)


@pytest.mark.parametrize("answer", WRONG)
def test_a_wrong_answer_fails_on_the_case_that_catches_it(answer):
    assert_fails(answer)
