"""Notebook 08: learners' mistakes fail on the case that catches them; right answers written in other ways pass."""

import numpy as np
import pytest
from _catalogue import assert_fails, assert_passes, right, wrong
from scipy.spatial.distance import cdist
from scipy.special import logit

from course_utils import conditional
from course_utils._tf import tf

FIVE_D = "6 points in 5-D, alpha = 0.05"
PLAIN = "4 images of 64 pixels, alpha = 0 (the plain logit)"
UNIFORM = "the uniform model of the unit cube (log p_Y = 0), 64 pixels of 17 levels"
DIGITS = "5 digit images: log p_S about -80, log-det about 120"
RANDOM = "6 samples and 40 training images of 64 pixels"
COPY = "4 samples, the third a copy of training image 17"
TINY = "3 samples, 3 training images of 4 pixels"
SMALL = "2 conditional MAFs in 6-D, 3 classes, 5 points"

# ---------------------------------------------------------------- 08.1 the log-det of the logit transform


def _q(y, alpha):
    return alpha + (1 - 2 * alpha) * y


WRONG_08_1 = [
    wrong(
        "08.1",
        "sign-flipped",
        lambda y, alpha: np.sum(np.log(_q(y, alpha)) + np.log(1 - _q(y, alpha)) - np.log(1 - 2 * alpha), axis=1),
        FIVE_D,
        "the sign is flipped",
    ),
    wrong(
        "08.1",
        "no-alpha-factor",
        lambda y, alpha: np.sum(-np.log(_q(y, alpha)) - np.log(1 - _q(y, alpha)), axis=1),
        FIVE_D,
        "the factor (1 - 2 alpha) is missing",
    ),
    wrong(
        "08.1",
        "y-instead-of-q",
        lambda y, alpha: np.sum(np.log(1 - 2 * alpha) - np.log(y) - np.log(1 - y), axis=1),
        FIVE_D,
        "this uses y(1 - y)",
    ),
    wrong(
        "08.1",
        "mean-over-pixels",
        lambda y, alpha: np.mean(np.log(1 - 2 * alpha) - np.log(_q(y, alpha)) - np.log(1 - _q(y, alpha)), axis=1),
        FIVE_D,
        "the mean over the pixels",
    ),
    wrong(
        "08.1",
        "alpha-term-once",
        lambda y, alpha: np.log(1 - 2 * alpha) + np.sum(-np.log(_q(y, alpha)) - np.log(1 - _q(y, alpha)), axis=1),
        FIVE_D,
        "counted once per image",
    ),
    wrong(
        "08.1",
        "per-pixel",
        lambda y, alpha: np.log(1 - 2 * alpha) - np.log(_q(y, alpha)) - np.log(1 - _q(y, alpha)),
        FIVE_D,
        "one value per row, so reduce over the last axis",
    ),
    wrong("08.1", "log-of-logit", lambda y, alpha: np.sum(logit(_q(y, alpha)), axis=1), FIVE_D, "values differ"),
    wrong("08.1", "odd-none", lambda y, alpha: None, FIVE_D, "did you forget `return`"),
    wrong("08.1", "odd-function", lambda y, alpha: np.log, FIVE_D, "not numbers: call it"),
]


def _log_det_by_autodiff(y, alpha):
    """The diagonal of the Jacobian by TensorFlow, in float64."""
    y = tf.constant(y, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(y)
        q = alpha + (1 - 2 * alpha) * y
        s = tf.math.log(q) - tf.math.log1p(-q)
    return tf.reduce_sum(tf.math.log(tape.gradient(s, y)), axis=1)


RIGHT_08_1 = [
    right("08.1", "autodiff-tensor", _log_det_by_autodiff),
    right(
        "08.1",
        "sum-of-logs-separately",
        lambda y, alpha: y.shape[1] * np.log(1 - 2 * alpha) - np.log(_q(y, alpha) * (1 - _q(y, alpha))).sum(axis=1),
    ),
    right(
        "08.1",
        "loop-over-rows-list",
        lambda y, alpha: [
            sum(np.log((1 - 2 * alpha) / (q * (1 - q))) for q in alpha + (1 - 2 * alpha) * row) for row in y
        ],
    ),
]


# ---------------------------------------------------------------- 08.2 bits per dimension


LN2 = np.log(2)


def _bits(sign_det=1.0, scaling=1.0, log=LN2, per_dim=True, reduce=np.mean):
    def answer(log_prob_s, log_det, num_dims, levels):
        nll = -reduce(np.asarray(log_prob_s) + sign_det * np.asarray(log_det)) + scaling * num_dims * np.log(levels)
        return nll / ((num_dims if per_dim else 1) * log)

    return answer


WRONG_08_2 = [
    wrong("08.2", "no-scaling", _bits(scaling=0.0), UNIFORM, "the scaling y = v / L is missing"),
    wrong("08.2", "scaling-subtracted", _bits(scaling=-1.0), UNIFORM, "D log L has the wrong sign"),
    wrong("08.2", "no-log-det", _bits(sign_det=0.0), UNIFORM, "the logit's log-det is missing"),
    wrong("08.2", "log-det-subtracted", _bits(sign_det=-1.0), UNIFORM, "the log-det has the wrong sign"),
    wrong("08.2", "nats", _bits(log=1.0), UNIFORM, "this is in nats per dimension"),
    wrong("08.2", "bits-per-image", _bits(per_dim=False), UNIFORM, "this is in bits per image"),
    wrong("08.2", "log10", _bits(log=np.log(10)), UNIFORM, "this uses log base 10"),
    wrong("08.2", "sum-over-images", _bits(reduce=np.sum), DIGITS, "values differ"),
    wrong(
        "08.2",
        "per-image",
        lambda log_prob_s, log_det, num_dims, levels: (
            (-(log_prob_s + log_det) + num_dims * np.log(levels)) / (num_dims * np.log(2))
        ),
        UNIFORM,
        "one value per image",
    ),
    wrong("08.2", "odd-string", lambda log_prob_s, log_det, num_dims, levels: "4.09 bits", UNIFORM, "not numbers"),
]

RIGHT_08_2 = [
    right(
        "08.2",
        "log2-form",
        lambda log_prob_s, log_det, num_dims, levels: (
            np.log2(levels) - np.mean(log_prob_s + log_det) / (num_dims * np.log(2))
        ),
    ),  # fmt: skip
    right(
        "08.2",
        "tensor",
        lambda log_prob_s, log_det, num_dims, levels: (
            (
                -tf.reduce_mean(tf.constant(log_prob_s, tf.float32) + tf.constant(log_det, tf.float32)) / num_dims
                + tf.math.log(float(levels))
            )
            / tf.math.log(2.0)
        ),
    ),
    right(
        "08.2",
        "python-loop",
        lambda log_prob_s, log_det, num_dims, levels: float(
            sum(-(a + b) for a, b in zip(log_prob_s, log_det, strict=True)) / len(log_prob_s) / num_dims / np.log(2)
            + np.log(levels) / np.log(2)
        ),
    ),
]


# ---------------------------------------------------------------- 08.3 the nearest training images


def _neighbours(metric="euclidean", pick=np.argmin, square=False, against_samples=False):
    def answer(samples, train):
        reference = samples if against_samples else train
        distances = cdist(samples, reference, metric="cityblock" if metric == "manhattan" else "euclidean")
        index = pick(distances, axis=1)
        found = distances[np.arange(len(samples)), index]
        return index, found**2 if square else found

    return answer


WRONG_08_3 = [
    wrong("08.3", "squared", _neighbours(square=True), RANDOM, "SQUARED distances"),
    wrong("08.3", "farthest", _neighbours(pick=np.argmax), RANDOM, "FARTHEST training images"),
    wrong("08.3", "manhattan", _neighbours(metric="manhattan"), RANDOM, "sum of absolute differences"),
    wrong("08.3", "against-the-samples", _neighbours(against_samples=True), RANDOM, "not those of the nearest"),
    wrong(
        "08.3",
        "index-over-the-wrong-axis",
        lambda samples, train: (np.argmin(cdist(samples, train), axis=0), np.min(cdist(samples, train), axis=0)),
        RANDOM,
        "one per sample",
    ),
    wrong(
        "08.3",
        "off-by-one-index",
        lambda samples, train: (np.argmin(cdist(samples, train), axis=1) + 1, np.min(cdist(samples, train), axis=1)),
        RANDOM,
        "one too high",
    ),
    wrong(
        "08.3",
        "negative-index",
        lambda samples, train: (
            np.argmin(cdist(samples, train), axis=1) - len(train),
            np.min(cdist(samples, train), 1),
        ),
        RANDOM,
        "whole numbers from 0 to 39",
    ),
    wrong("08.3", "odd-only-indices", lambda samples, train: np.argmin(cdist(samples, train), axis=1), RANDOM, "pair"),
    wrong("08.3", "odd-dict", lambda samples, train: {"index": 0, "distance": 0.0}, RANDOM, "pair"),
]


def _with_a_loop(samples, train):
    indices, distances = [], []
    for sample in samples:
        gaps = np.linalg.norm(train - sample, axis=1)
        indices.append(int(np.argmin(gaps)))
        distances.append(float(gaps.min()))
    return indices, distances


def _with_tensorflow(samples, train):
    a, b = tf.constant(samples), tf.constant(train)
    squared = tf.reduce_sum(a**2, 1)[:, None] + tf.reduce_sum(b**2, 1)[None, :] - 2 * tf.matmul(a, b, transpose_b=True)
    return tf.argmin(squared, axis=1), tf.sqrt(tf.maximum(tf.reduce_min(squared, axis=1), 0.0))


RIGHT_08_3 = [
    right("08.3", "cdist", _neighbours()),
    right("08.3", "loop-lists", _with_a_loop),
    right("08.3", "tensorflow-expansion", _with_tensorflow),
]


# ---------------------------------------------------------------- 08.4 the log-likelihood of every class


def _table(transform=lambda table: table, same_label=False, transpose=False):
    def answer(model, y, num_classes):
        columns = []
        for c in range(num_classes):
            label = 0 if same_label else c
            kwargs = conditional.condition_on(model, np.full(len(y), label), num_classes)
            columns.append(np.asarray(model.log_prob(y, bijector_kwargs=kwargs)))
        table = transform(np.stack(columns, axis=1))
        return table.T if transpose else table

    return answer


def _without_kwargs(model, y, num_classes):
    return np.stack([model.log_prob(y) for _ in range(num_classes)], axis=1)


WRONG_08_4 = [
    wrong("08.4", "probabilities", _table(np.exp), SMALL, "these are probabilities"),
    wrong(
        "08.4",
        "posterior",
        _table(lambda t: t - np.logaddexp.reduce(t, axis=1, keepdims=True)),
        SMALL,
        "these are log p(c | y)",
    ),
    wrong("08.4", "same-label-everywhere", _table(same_label=True), SMALL, "every column is the same"),
    wrong("08.4", "transposed", _table(transpose=True), SMALL, "(transposed?)"),
    wrong("08.4", "no-bijector-kwargs", _without_kwargs, SMALL, "this flow is class-conditional: pass the labels"),
    wrong("08.4", "odd-model", lambda model, y, num_classes: model, SMALL, "returned a distribution"),
]


def _by_hand_kwargs(model, y, num_classes):
    """The nested dict written out: the outer chain's conditional stack, then its conditional MAFs."""
    table = np.zeros((len(y), num_classes))
    for c in range(num_classes):
        one_hot = tf.one_hot(tf.fill([len(y)], c), num_classes)
        inner = {"conditional_maf": {"conditional_input": one_hot}}
        kwargs = {"conditional_stack": inner} if model.bijector.name == "outer" else {"conditional_input": one_hot}
        table[:, c] = model.log_prob(y, bijector_kwargs=kwargs)
    return table


RIGHT_08_4 = [
    right(
        "08.4",
        "stack-of-tensors",
        lambda model, y, num_classes: tf.stack(
            [
                model.log_prob(y, bijector_kwargs=conditional.condition_on(model, [c] * len(y), num_classes))
                for c in range(num_classes)
            ],
            axis=1,
        ),
    ),  # fmt: skip
    right("08.4", "nested-dict-by-hand", _by_hand_kwargs),
    right(
        "08.4",
        "all-classes-in-one-batch",
        lambda model, y, num_classes: (
            np.asarray(
                model.log_prob(
                    np.tile(y, (num_classes, 1)),
                    bijector_kwargs=conditional.condition_on(
                        model, np.repeat(np.arange(num_classes), len(y)), num_classes
                    ),
                )
            )
            .reshape(num_classes, len(y))
            .T
        ),
    ),
]

RIGHT = RIGHT_08_1 + RIGHT_08_2 + RIGHT_08_3 + RIGHT_08_4
WRONG = WRONG_08_1 + WRONG_08_2 + WRONG_08_3 + WRONG_08_4


@pytest.mark.parametrize("answer", RIGHT)
def test_a_right_answer_passes(answer, capsys):
    assert_passes(answer, capsys)


@pytest.mark.parametrize("answer", WRONG)
def test_a_wrong_answer_fails_on_the_case_that_catches_it(answer):
    assert_fails(answer)
