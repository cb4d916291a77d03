"""Notebook 01: right answers written in other ways pass; learners' mistakes fail on the case that catches them."""

import math

import numpy as np
import pytest
from _catalogue import assert_fails, assert_passes, right, wrong
from scipy import stats

from course_utils._tf import tf, tfb, tfd

# ---------------------------------------------------------------- 01.1 the log-density of an affine flow

STRETCH, SQUEEZE_SHIFT, SHIFT = "a stretch by 2", "a squeeze and a shift", "a pure shift"
IDENTITY = "identity: the standard normal"


def _affine(transform, log_det_sign=-1.0, constant=True):
    """An affine log-density with z = transform(x, shift, scale) and the log-det added with `log_det_sign`."""

    def answer(x, shift, log_scale):
        z = transform(np.asarray(x), shift, np.exp(log_scale))
        return -0.5 * z**2 - (0.5 * np.log(2 * np.pi) if constant else 0.0) + log_det_sign * log_scale

    return answer


def _affine_in_a_loop(x, shift, log_scale):
    return [-0.5 * ((v - shift) / math.exp(log_scale)) ** 2 - 0.5 * math.log(2 * math.pi) - log_scale for v in x]


def _affine_with_tfp(x, shift, log_scale):
    flow = tfd.TransformedDistribution(
        tfd.Normal(0.0, 1.0), tfb.Chain([tfb.Shift(np.float32(shift)), tfb.Scale(np.float32(np.exp(log_scale)))])
    )
    return flow.log_prob(np.asarray(x, np.float32))


RIGHT_01_1 = [
    right("01.1", "scipy-norm", lambda x, shift, log_scale: stats.norm(shift, np.exp(log_scale)).logpdf(x)),
    right("01.1", "tfd-normal-float64", lambda x, shift, log_scale: tfd.Normal(shift, np.exp(log_scale)).log_prob(x)),
    right("01.1", "transformed-distribution-float32", _affine_with_tfp),
    right("01.1", "python-loop-list", _affine_in_a_loop),
]

WRONG_01_1 = [
    wrong("01.1", "no-log-det", _affine(lambda x, s, a: (x - s) / a, 0.0), STRETCH, "the -log_scale term is missing"),
    wrong("01.1", "plus-log-det", _affine(lambda x, s, a: (x - s) / a, 1.0), STRETCH, "enters with a minus sign"),
    wrong("01.1", "multiplies-by-scale", _affine(lambda x, s, a: (x - s) * a), STRETCH, "divide by the scale"),
    wrong("01.1", "shift-after-scaling", _affine(lambda x, s, a: x / a - s), SQUEEZE_SHIFT, "undo the shift first"),
    wrong(
        "01.1", "no-constant", _affine(lambda x, s, a: (x - s) / a, constant=False), IDENTITY, "normalising constant"
    ),
    wrong("01.1", "shift-sign", _affine(lambda x, s, a: (x + s) / a), SHIFT, "the values differ"),
    wrong(
        "01.1",
        "density-not-log",
        lambda x, shift, log_scale: stats.norm(shift, np.exp(log_scale)).pdf(x),
        IDENTITY,
        "not its log",
    ),
    wrong(
        "01.1",
        "log-scale-as-log-variance",
        lambda x, shift, log_scale: stats.norm(shift, np.exp(log_scale / 2)).logpdf(x),
        STRETCH,
        "values differ",
    ),
    wrong(
        "01.1",
        "sums-the-points",
        lambda x, shift, log_scale: np.sum(stats.norm(shift, np.exp(log_scale)).logpdf(x)),
        IDENTITY,
        "the shape is (), expected (5,)",
    ),
    wrong("01.1", "odd-none", lambda x, shift, log_scale: None, IDENTITY, "returned None"),
    wrong("01.1", "odd-dict", lambda x, shift, log_scale: {"log_prob": x}, IDENTITY, "returned a dict"),
    wrong(
        "01.1",
        "odd-distribution",
        lambda x, shift, log_scale: tfd.Normal(shift, np.exp(log_scale)),
        IDENTITY,
        "returned a distribution",
    ),
]


# ---------------------------------------------------------------- 01.2 log|det J| by autodiff

FULL, FULL_TANH, DIAGONAL = (
    "a full matrix, not triangular, det < 0",
    "a full matrix, then tanh: not triangular, det < 0, another det per row",
    "a diagonal scaling",
)


def _jacobian(bijector, x, inverse=False):
    x = tf.convert_to_tensor(x, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = bijector.inverse(x) if inverse else bijector(x)
    return tape.batch_jacobian(y, x)


def _row_by_row(bijector, x):
    out = []
    for row in np.asarray(x, np.float32):
        row = tf.constant(row)
        with tf.GradientTape() as tape:
            tape.watch(row)
            y = bijector.forward(row)
        out.append(float(np.log(abs(np.linalg.det(tape.jacobian(y, row).numpy())))))
    return out


def _two_by_two(bijector, x):
    j = _jacobian(bijector, x).numpy().astype(np.float64)
    return np.log(np.abs(j[:, 0, 0] * j[:, 1, 1] - j[:, 0, 1] * j[:, 1, 0]))


def _per_output_gradients(bijector, x):
    x = tf.constant(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y0, y1 = tf.unstack(bijector.forward(x), axis=-1)
    jacobian = tf.stack([tape.gradient(y0, x), tape.gradient(y1, x)], axis=1)
    return tf.math.log(tf.abs(tf.linalg.det(jacobian)))


RIGHT_01_2 = [
    right("01.2", "per-output-gradients", _per_output_gradients),
    right("01.2", "numpy-slogdet", lambda bijector, x: np.linalg.slogdet(_jacobian(bijector, x).numpy())[1]),
    right("01.2", "tf-slogdet", lambda bijector, x: tf.linalg.slogdet(_jacobian(bijector, x))[1]),
    right("01.2", "2x2-formula-float64", _two_by_two),
    right("01.2", "row-by-row-python-list", _row_by_row),
    right("01.2", "fldj-scalar-for-linear", lambda bijector, x: bijector.forward_log_det_jacobian(x, event_ndims=1)),
]


def _log_diag(bijector, x, use_abs):
    diagonal = tf.linalg.diag_part(_jacobian(bijector, x))
    return tf.reduce_sum(tf.math.log(tf.abs(diagonal) if use_abs else diagonal), axis=-1)


WRONG_01_2 = [
    wrong(
        "01.2",
        "no-abs",
        lambda bijector, x: tf.math.log(tf.linalg.det(_jacobian(bijector, x))),
        FULL,
        "absolute value (tf.abs)",
    ),
    wrong(
        "01.2",
        "log-of-diagonal",
        lambda bijector, x: _log_diag(bijector, x, use_abs=False),
        FULL,
        "NaN: det J is negative",
    ),
    wrong("01.2", "abs-diagonal-only", lambda bijector, x: _log_diag(bijector, x, use_abs=True), FULL, "diagonal only"),
    wrong(
        "01.2",
        "inverse-jacobian",
        lambda bijector, x: np.linalg.slogdet(_jacobian(bijector, x, inverse=True))[1],
        DIAGONAL,
        "not of its inverse",
    ),
    wrong(
        "01.2", "no-log", lambda bijector, x: tf.abs(tf.linalg.det(_jacobian(bijector, x))), DIAGONAL, "take its log"
    ),
    wrong(
        "01.2",
        "summed-over-rows",
        lambda bijector, x: tf.reduce_sum(tf.linalg.slogdet(_jacobian(bijector, x))[1]),
        DIAGONAL,
        "one value per row",
    ),
    wrong(
        "01.2",
        "elementwise-fldj",
        lambda bijector, x: bijector.forward_log_det_jacobian(x, event_ndims=0),
        DIAGONAL,
        "the shape is",
    ),
    wrong("01.2", "odd-none", lambda bijector, x: None, DIAGONAL, "returned None"),
    wrong(
        "01.2",
        "odd-jacobian-not-det",
        lambda bijector, x: _jacobian(bijector, x),
        DIAGONAL,
        "the shape is (3, 2, 2), expected (3,)",
    ),
    wrong("01.2", "odd-bijector", lambda bijector, x: bijector, DIAGONAL, "not numbers"),
]


# ---------------------------------------------------------------- 01.3 sampling a flow

AFFINE, SOFTPLUS = "x = 1 + 2 z, so x ~ N(1, 2^2)", "x = softplus(z), only 5000 samples"


def _numpy_normal(base, bijector, n, seed):
    return bijector.forward(np.random.default_rng(seed).standard_normal(n).astype(np.float32))


RIGHT_01_3 = [
    right(
        "01.3",
        "transformed-distribution",
        lambda base, bijector, n, seed: tfd.TransformedDistribution(base, bijector).sample(n, seed=seed),
    ),
    right("01.3", "numpy-random-generator", _numpy_normal),
    right(
        "01.3",
        "stateless-seed-float64-list",
        lambda base, bijector, n, seed: bijector(base.sample(n, seed=[seed, 7])).numpy().astype(float).tolist(),
    ),
]

WRONG_01_3 = [
    wrong(
        "01.3",
        "inverse-direction",
        lambda base, bijector, n, seed: bijector.inverse(base.sample(n, seed=seed)),
        AFFINE,
        "do not follow the flow's distribution",
    ),
    wrong(
        "01.3",
        "not-pushed-forward",
        lambda base, bijector, n, seed: base.sample(n, seed=seed),
        AFFINE,
        "do not follow the flow's distribution",
    ),
    wrong(
        "01.3",
        "hard-coded-n",
        lambda base, bijector, n, seed: bijector.forward(base.sample(20_000, seed=seed)),
        SOFTPLUS,
        "the shape is (20000,), expected (5000,)",
    ),
    wrong(
        "01.3",
        "one-sample-repeated",
        lambda base, bijector, n, seed: np.full(n, float(bijector.forward(base.sample(seed=seed)))),
        AFFINE,
        "most samples are repeats",
    ),
    wrong(
        "01.3",
        "trailing-axis",
        lambda base, bijector, n, seed: bijector.forward(base.sample((n, 1), seed=seed)),
        AFFINE,
        "drop the trailing axis",
    ),
    wrong(
        "01.3",
        "wrong-base",
        lambda base, bijector, n, seed: bijector.forward(tfd.Uniform(-1.0, 1.0).sample(n, seed=seed)),
        AFFINE,
        "do not follow",
    ),
    wrong(
        "01.3",
        "odd-distribution",
        lambda base, bijector, n, seed: tfd.TransformedDistribution(base, bijector),
        AFFINE,
        "returned the flow's distribution",
    ),
    wrong("01.3", "odd-none", lambda base, bijector, n, seed: None, AFFINE, "returned None"),
]

RIGHT = RIGHT_01_1 + RIGHT_01_2 + RIGHT_01_3
WRONG = WRONG_01_1 + WRONG_01_2 + WRONG_01_3


@pytest.mark.parametrize("answer", RIGHT)
def test_a_right_answer_passes(answer, capsys):
    assert_passes(answer, capsys)


@pytest.mark.parametrize("answer", WRONG)
def test_a_wrong_answer_fails_on_the_case_that_catches_it(answer):
    assert_fails(answer)
