"""Notebook 06: right answers written in other ways pass; learners' mistakes fail on the case that catches them."""

import numpy as np
import pytest
from _catalogue import assert_fails, assert_passes, right, wrong

from course_utils import exercises
from course_utils._tf import tf

BASE, AFFINE = "the base N(0, I), 5 points", "an affine flow (its log-det matters), 50 points"
STEP_AFFINE = "an affine flow with trainable shift and scale, SGD learning rate 0.05"
NARROW = "a too-narrow model that fits its 30 training points better than fresh data"

# ---------------------------------------------------------------- 06.1 the NLL of a batch


def _base_only(dist, x):
    """Forgets the log-det: the base density of the inverse image (the base itself has no bijector)."""
    if not hasattr(dist, "bijector"):
        return -tf.reduce_mean(dist.log_prob(x))
    return -tf.reduce_mean(dist.distribution.log_prob(dist.bijector.inverse(x)))


RIGHT_06_1 = [
    right("06.1", "sum-over-n", lambda dist, x: tf.reduce_sum(-dist.log_prob(x)) / len(x)),
    right("06.1", "numpy-mean", lambda dist, x: -np.mean(np.asarray(dist.log_prob(x)))),
    right("06.1", "python-float", lambda dist, x: float(-tf.reduce_mean(dist.log_prob(x)))),
    right("06.1", "log-of-prob-float64", lambda dist, x: -np.mean(np.log(np.asarray(dist.prob(x), np.float64)))),
]

WRONG_06_1 = [
    wrong("06.1", "sum", lambda dist, x: -tf.reduce_sum(dist.log_prob(x)), BASE, "this is the sum over the 5 points"),
    wrong("06.1", "sign", lambda dist, x: tf.reduce_mean(dist.log_prob(x)), BASE, "the sign is flipped"),
    wrong("06.1", "prob", lambda dist, x: -tf.reduce_mean(dist.prob(x)), BASE, "uses prob, not log_prob"),
    wrong(
        "06.1",
        "log-of-mean-prob",
        lambda dist, x: -tf.math.log(tf.reduce_mean(dist.prob(x))),
        BASE,
        "average the log-densities",
    ),
    wrong("06.1", "per-point", lambda dist, x: -dist.log_prob(x), BASE, "one loss per point"),
    wrong("06.1", "base-only-no-log-det", _base_only, AFFINE, "values differ"),
    wrong("06.1", "odd-missing-return", lambda dist, x: None, BASE, "did you forget `return`"),
    wrong("06.1", "odd-distribution", lambda dist, x: dist, BASE, "returned a distribution"),
    wrong("06.1", "odd-nan", lambda dist, x: float("nan"), BASE, "holds NaN"),
]


# ---------------------------------------------------------------- 06.2 one training step


def _step(sign=1.0, reduce=tf.reduce_mean, apply=True, returned=lambda loss, grads: loss, times=1):
    def train_step(dist, optimizer, x):
        with tf.GradientTape() as tape:
            loss = -sign * reduce(dist.log_prob(x))
        gradients = tape.gradient(loss, dist.trainable_variables)
        for _ in range(times if apply else 0):
            optimizer.apply_gradients(zip(gradients, dist.trainable_variables, strict=True))
        return returned(sign * loss, gradients)

    return train_step


def _with_minimize(dist, optimizer, x):
    def loss_fn():
        return -tf.reduce_mean(dist.log_prob(x))

    loss = loss_fn()
    optimizer.minimize(loss_fn, var_list=dist.trainable_variables)
    return loss


def _loss_outside_the_tape(dist, optimizer, x):
    loss = -tf.reduce_mean(dist.log_prob(x))
    with tf.GradientTape() as tape:
        pass
    optimizer.apply_gradients(zip(tape.gradient(loss, dist.trainable_variables), dist.trainable_variables, strict=True))
    return loss


def _loss_after_the_step(dist, optimizer, x):
    exercises.get("06.2").reference(dist, optimizer, x)
    return -tf.reduce_mean(dist.log_prob(x))


RIGHT_06_2 = [
    right("06.2", "minimize", _with_minimize),
    right("06.2", "manual-mean-list-of-pairs", _step(reduce=lambda v: tf.reduce_sum(v) / v.shape[0])),
    right("06.2", "float64-tensor-loss", _step(returned=lambda loss, grads: tf.cast(loss, tf.float64))),
]

WRONG_06_2 = [
    wrong("06.2", "sign", _step(sign=-1.0), STEP_AFFINE, "moved uphill"),
    wrong("06.2", "sum", _step(reduce=tf.reduce_sum), STEP_AFFINE, "64 times too large"),
    wrong("06.2", "no-apply", _step(apply=False), STEP_AFFINE, "the weights did not change"),
    wrong("06.2", "two-steps", _step(times=2), STEP_AFFINE, "not one optimizer step down"),
    wrong(
        "06.2",
        "float-return",
        _step(returned=lambda loss, grads: float(loss)),
        STEP_AFFINE,
        "return the loss tensor itself",
    ),
    wrong("06.2", "loss-outside-tape", _loss_outside_the_tape, STEP_AFFINE, "No gradients"),
    wrong("06.2", "loss-after-step", _loss_after_the_step, STEP_AFFINE, "is not the mean NLL before the step"),
    wrong("06.2", "odd-none", _step(returned=lambda loss, grads: None), STEP_AFFINE, "returned None"),
    wrong("06.2", "odd-tuple", _step(returned=lambda loss, grads: (loss, grads)), STEP_AFFINE, "returned a tuple"),
]


# ---------------------------------------------------------------- 06.3 the held-out gap


def _gaps(reduce=np.mean, sign=-1.0, kl_from="fresh", order=(0, 1), gap_sign=1.0):
    def answer(dist, train_x, fresh_x, entropy):
        train_nll = sign * reduce(np.asarray(dist.log_prob(train_x)))
        heldout_nll = sign * reduce(np.asarray(dist.log_prob(fresh_x)))
        gaps = (gap_sign * (heldout_nll - train_nll), (heldout_nll if kl_from == "fresh" else train_nll) - entropy)
        return tuple(gaps[i] for i in order)

    return answer


def _with_tf(dist, train_x, fresh_x, entropy):
    heldout = -tf.reduce_mean(dist.log_prob(fresh_x))
    return [heldout + tf.reduce_mean(dist.log_prob(train_x)), heldout - entropy]


RIGHT_06_3 = [
    right("06.3", "numpy-tuple", _gaps()),
    right("06.3", "list-of-tensors", _with_tf),
    right(
        "06.3",
        "numpy-array-float64",
        lambda dist, train_x, fresh_x, entropy: np.array(_gaps()(dist, train_x, fresh_x, entropy)),
    ),
]

WRONG_06_3 = [
    wrong("06.3", "swapped", _gaps(order=(1, 0)), NARROW, "the two gaps are swapped"),
    wrong("06.3", "train-for-kl", _gaps(kl_from="train"), NARROW, "the second gap uses the train NLL"),
    wrong("06.3", "upside-down", _gaps(gap_sign=-1.0), NARROW, "the first gap is upside down"),
    wrong("06.3", "sums", _gaps(reduce=np.sum), NARROW, "a MEAN over its points"),
    wrong("06.3", "log-likelihoods", _gaps(sign=1.0), NARROW, "MINUS the mean log_prob"),
    wrong(
        "06.3", "odd-dict", lambda dist, train_x, fresh_x, entropy: {"gap": 0.0, "kl": 0.0}, NARROW, "returned a dict"
    ),
    wrong("06.3", "odd-none", lambda dist, train_x, fresh_x, entropy: None, NARROW, "returned None"),
    wrong(
        "06.3", "odd-one-number", lambda dist, train_x, fresh_x, entropy: 0.5, NARROW, "the shape is (), expected (2,)"
    ),
]

RIGHT = RIGHT_06_1 + RIGHT_06_2 + RIGHT_06_3
WRONG = WRONG_06_1 + WRONG_06_2 + WRONG_06_3


@pytest.mark.parametrize("answer", RIGHT)
def test_a_right_answer_passes(answer, capsys):
    assert_passes(answer, capsys)


@pytest.mark.parametrize("answer", WRONG)
def test_a_wrong_answer_fails_on_the_case_that_catches_it(answer):
    assert_fails(answer)
