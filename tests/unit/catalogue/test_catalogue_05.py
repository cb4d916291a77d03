"""Notebook 05: right answers written in other ways pass; learners' mistakes fail on the case that catches them."""

import numpy as np
import pytest
from _catalogue import assert_fails, assert_passes, right, wrong

from course_utils._tf import tf, tfb, tfd

FIRST, THREE_ONE, NICE = (
    "D = 2, d = 1",
    "D = 3, d = 1: two dims transformed",
    "NICE, D = 4, d = 1: the function returns log_scale = None",
)


def _real_nvp(num_masked, fn):
    return tfb.RealNVP(num_masked=num_masked, shift_and_log_scale_fn=fn)


def _scale(log_scale, sign=1.0):
    return 1.0 if log_scale is None else np.exp(sign * np.asarray(log_scale))


# ---------------------------------------------------------------- 05.5 one coupling layer


def _layer(
    forward=lambda o, s, ls: s + _scale(ls) * o,
    inverse=lambda o, s, ls: (o - s) * _scale(ls, -1.0),
    log_det=lambda ls, n: np.zeros(n) if ls is None else np.sum(ls, axis=-1),
    kept="first",
):
    """A learner's coupling layer: each piece replaceable by a mistake; `kept` the half passed through."""

    def answer(points, num_masked, shift_and_log_scale_fn):
        if kept == "first":
            masked, other = points[:, :num_masked], points[:, num_masked:]
        else:  # the last columns are copied and the network reads them
            masked, other = points[:, -num_masked:], points[:, :-num_masked]
        shift, log_scale = shift_and_log_scale_fn(masked, other.shape[1])
        log_scale = None if log_scale is None else np.asarray(log_scale)
        parts = (lambda t: [masked, t]) if kept == "first" else (lambda t: [t, masked])
        x = np.concatenate(parts(forward(other, shift, log_scale)), axis=1)
        z = np.concatenate(parts(inverse(other, shift, log_scale)), axis=1)
        return x, log_det(log_scale, len(points)), z

    return answer


def _layer_tfp(points, num_masked, shift_and_log_scale_fn):
    layer = _real_nvp(num_masked, shift_and_log_scale_fn)
    return layer.forward(points), layer.forward_log_det_jacobian(points, event_ndims=1), layer.inverse(points)


def _layer_tf(points, num_masked, shift_and_log_scale_fn):
    points = tf.convert_to_tensor(points)
    masked, other = points[:, :num_masked], points[:, num_masked:]
    shift, alpha = shift_and_log_scale_fn(masked, other.shape[-1])
    alpha = tf.zeros_like(other) if alpha is None else tf.convert_to_tensor(alpha)
    x = tf.concat([masked, shift + tf.exp(alpha) * other], axis=1)
    z = tf.concat([masked, (other - shift) / tf.exp(alpha)], axis=1)
    return [x, tf.reduce_sum(alpha, axis=-1), z]


def _layer_rows(points, num_masked, shift_and_log_scale_fn):
    xs, log_dets, zs = [], [], []
    for row in np.asarray(points, np.float64):
        shift, alpha = shift_and_log_scale_fn(row[None, :num_masked], len(row) - num_masked)
        alpha = 0.0 if alpha is None else np.asarray(alpha)[0]
        xs.append(np.hstack([row[:num_masked], np.asarray(shift)[0] + np.exp(alpha) * row[num_masked:]]))
        zs.append(np.hstack([row[:num_masked], (row[num_masked:] - np.asarray(shift)[0]) * np.exp(-alpha)]))
        log_dets.append(float(np.sum(alpha)))
    return tuple(xs), log_dets, tuple(zs)


RIGHT_05_5 = [
    right("05.5", "tfp-real-nvp", _layer_tfp),
    right("05.5", "tensorflow-list", _layer_tf),
    right("05.5", "rows-float64", _layer_rows),
    right("05.5", "scalar-zero-for-nice", _layer(log_det=lambda ls, n: 0.0 if ls is None else ls.sum(-1))),
]

WRONG_05_5 = [
    wrong("05.5", "wrong-half-kept", _layer(kept="last"), FIRST, "must pass through unchanged"),
    wrong("05.5", "forward-no-exp", _layer(forward=lambda o, s, ls: s + ls * o), FIRST, "exp is missing"),
    wrong(
        "05.5",
        "forward-exp-minus",
        _layer(forward=lambda o, s, ls: s + _scale(ls, -1.0) * o),
        FIRST,
        "exp(-log_scale) belongs to the inverse",
    ),
    wrong(
        "05.5",
        "forward-shift-inside",
        _layer(forward=lambda o, s, ls: _scale(ls) * (o + s)),
        FIRST,
        "the shift is added before scaling",
    ),
    wrong(
        "05.5",
        "inverse-exp-plus",
        _layer(inverse=lambda o, s, ls: (o - s) * _scale(ls)),
        FIRST,
        "multiplies by exp(+log_scale)",
    ),
    wrong(
        "05.5",
        "inverse-shift-after-scale",
        _layer(inverse=lambda o, s, ls: o * _scale(ls, -1.0) - s),
        FIRST,
        "undo in reverse order",
    ),
    wrong(
        "05.5",
        "inverse-adds-shift",
        _layer(inverse=lambda o, s, ls: (o + s) * _scale(ls, -1.0)),
        FIRST,
        "subtracted, not added",
    ),
    wrong(
        "05.5",
        "swapped-directions",
        _layer(forward=lambda o, s, ls: (o - s) * _scale(ls, -1.0), inverse=lambda o, s, ls: s + _scale(ls) * o),
        FIRST,
        "swapped",
    ),
    wrong(
        "05.5",
        "log-det-sign",
        _layer(log_det=lambda ls, n: np.zeros(n) if ls is None else -ls.sum(-1)),
        FIRST,
        "the sign is flipped",
    ),
    wrong(
        "05.5",
        "log-det-summed-over-rows",
        _layer(log_det=lambda ls, n: np.zeros(n) if ls is None else ls.sum(0)),
        FIRST,
        "this sums over the rows",
    ),
    wrong(
        "05.5",
        "log-det-summed-over-everything",
        _layer(log_det=lambda ls, n: np.zeros(n) if ls is None else ls.sum()),
        FIRST,
        "one number for the whole batch",
    ),
    wrong(
        "05.5",
        "log-det-mean",
        _layer(log_det=lambda ls, n: np.zeros(n) if ls is None else ls.mean(-1)),
        THREE_ONE,
        "this is a mean",
    ),
    wrong(
        "05.5",
        "log-det-of-scales",
        _layer(log_det=lambda ls, n: np.zeros(n) if ls is None else np.exp(ls).sum(-1)),
        FIRST,
        "sums the scales",
    ),
    wrong(
        "05.5",
        "none-log-det-for-nice",
        _layer(log_det=lambda ls, n: None if ls is None else ls.sum(-1)),
        NICE,
        "the log-det is 0",
    ),
    wrong("05.5", "ignores-nice", _layer(forward=lambda o, s, ls: s + np.exp(ls) * o), NICE, "NoneType"),
    wrong(
        "05.5",
        "forward-only",
        lambda points, num_masked, shift_and_log_scale_fn: _layer()(points, num_masked, shift_and_log_scale_fn)[0],
        FIRST,
        "return three results",
    ),
    wrong("05.5", "odd-none", lambda points, num_masked, shift_and_log_scale_fn: None, FIRST, "returned None"),
    wrong(
        "05.5",
        "odd-bijector",
        lambda points, num_masked, shift_and_log_scale_fn: _real_nvp(num_masked, shift_and_log_scale_fn),
        FIRST,
        "not numbers",
    ),
]


# ---------------------------------------------------------------- 05.6 debug: the swap in the wrong place

WAVE_LINEAR, LINEAR_WAVE, NICE_WAVE = "wave, then a linear net", "a linear net, then wave", "a NICE shift, then wave"


def _chain(*order):
    """A learner's flow whose tfb.Chain lists `order` ('1', '2', 's' for the swap, 'r' for tfb.Permute([1, 0]))."""

    def answer(shift_and_log_scale_fn_1, shift_and_log_scale_fn_2):
        stages = {
            "1": tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=shift_and_log_scale_fn_1),
            "2": tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=shift_and_log_scale_fn_2),
            "s": tfb.Permute(permutation=[1, 0]),
        }
        base = tfd.MultivariateNormalDiag(loc=[0.0, 0.0])
        return tfd.TransformedDistribution(distribution=base, bijector=tfb.Chain([stages[k] for k in order]))

    return answer


def _nested(shift_and_log_scale_fn_1, shift_and_log_scale_fn_2):
    inner = tfd.TransformedDistribution(
        tfd.Sample(tfd.Normal(0.0, 1.0), [2]),
        tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=shift_and_log_scale_fn_1),
    )
    layer_2 = tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=shift_and_log_scale_fn_2)
    return tfd.TransformedDistribution(inner, tfb.Chain([layer_2, tfb.Permute([1, 0])]))


def _wide_base_no_swap(shift_and_log_scale_fn_1, shift_and_log_scale_fn_2):
    """No swap, and a base of scale 2: no known flow, but z_0 still reaches x unchanged."""
    layer_1 = tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=shift_and_log_scale_fn_1)
    layer_2 = tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=shift_and_log_scale_fn_2)
    return tfd.TransformedDistribution(tfd.Sample(tfd.Normal(0.0, 2.0), [2]), tfb.Chain([layer_2, layer_1]))


RIGHT_05_6 = [
    right("05.6", "chain-swap-between", _chain("2", "s", "1")),
    right("05.6", "nested-distributions", _nested),
    right(
        "05.6",
        "two-swaps-cancel",
        lambda shift_and_log_scale_fn_1, shift_and_log_scale_fn_2: _chain("2", "s", "s", "s", "1")(
            shift_and_log_scale_fn_1, shift_and_log_scale_fn_2
        ),
    ),
]

WRONG_05_6 = [
    wrong("05.6", "bug-left-in", _chain("2", "1", "s"), WAVE_LINEAR, "both layers still transform the same"),
    wrong("05.6", "swap-moved-last", _chain("s", "2", "1"), WAVE_LINEAR, "the swap now acts last"),
    wrong("05.6", "swap-removed", _chain("2", "1"), WAVE_LINEAR, "a swap listed last acts first"),
    wrong("05.6", "layers-reversed", _chain("1", "s", "2"), WAVE_LINEAR, "layer 2 now acts first"),
    wrong("05.6", "wide-base-no-swap", _wide_base_no_swap, WAVE_LINEAR, "z_0 reaches x unchanged"),
    wrong("05.6", "extra-swap-at-end", _chain("s", "2", "s", "1"), WAVE_LINEAR, "differs from the fixed flow"),
    wrong(
        "05.6",
        "returns-bijector",
        lambda shift_and_log_scale_fn_1, shift_and_log_scale_fn_2: (
            _chain("2", "s", "1")(shift_and_log_scale_fn_1, shift_and_log_scale_fn_2).bijector
        ),
        WAVE_LINEAR,
        "wrap it in tfd.TransformedDistribution",
    ),
    wrong(
        "05.6",
        "one-d-base",
        lambda shift_and_log_scale_fn_1, shift_and_log_scale_fn_2: tfd.TransformedDistribution(
            tfd.Normal(0.0, 1.0), tfb.Chain([])
        ),
        WAVE_LINEAR,
        "log_prob of 8 points",
    ),
    wrong("05.6", "odd-none", lambda shift_and_log_scale_fn_1, shift_and_log_scale_fn_2: None, WAVE_LINEAR, "None"),
    wrong(
        "05.6",
        "odd-string",
        lambda shift_and_log_scale_fn_1, shift_and_log_scale_fn_2: "fixed!",
        WAVE_LINEAR,
        "not a distribution",
    ),
]


# ---------------------------------------------------------------- 05.7 predict, then run

RUN = "your predictions against the run"
MEASURED = {"A": 2, "B": 2, "C": 0, "D": 1, "E": 0}


def _predict(**changes):
    return lambda: {**MEASURED, **changes}


RIGHT_05_7 = [
    right("05.7", "ints", _predict()),
    right("05.7", "floats-lowercase-keys", lambda: {k.lower(): float(v) for k, v in MEASURED.items()}),
    right(
        "05.7", "numpy-and-tensors", lambda: {k: (np.int64(v) if v else tf.constant(v)) for k, v in MEASURED.items()}
    ),
]

WRONG_05_7 = [
    wrong("05.7", "two-layers-change-all", _predict(B=0), RUN, "copies the same 2 again"),
    wrong("05.7", "reverse-changes-nothing", _predict(C=2), RUN, "the copied 2 to be transformed"),
    wrong("05.7", "two-layers-enough-in-3d", _predict(D=0), RUN, "transforms 1 of 3"),
    wrong("05.7", "one-layer-transformed-count", _predict(A=4), RUN, "copies num_masked = 2"),
    wrong("05.7", "three-not-enough", _predict(E=1), RUN, "transforms the last one"),
    wrong("05.7", "missing-key", lambda: {k: v for k, v in MEASURED.items() if k != "E"}, RUN, "no prediction for E"),
    wrong("05.7", "not-whole", _predict(D=0.5), RUN, "not a whole number"),
    wrong("05.7", "odd-list", lambda: list(MEASURED.values()), RUN, "return a dict"),
    wrong("05.7", "odd-none", lambda: None, RUN, "returned None"),
]

RIGHT = RIGHT_05_5 + RIGHT_05_6 + RIGHT_05_7
WRONG = WRONG_05_5 + WRONG_05_6 + WRONG_05_7


@pytest.mark.parametrize("answer", RIGHT)
def test_a_right_answer_passes(answer, capsys):
    assert_passes(answer, capsys)


@pytest.mark.parametrize("answer", WRONG)
def test_a_wrong_answer_fails_on_the_case_that_catches_it(answer):
    assert_fails(answer)
