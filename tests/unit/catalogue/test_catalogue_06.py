"""Notebook 06: right answers written in other ways pass; learners' mistakes fail on the case that catches them."""

import numpy as np
import pytest
from _catalogue import assert_fails, assert_passes, right, wrong

from course_utils import exercises
from course_utils._tf import tf, tfb

STEP_AFFINE = "an affine flow with trainable shift and scale, SGD learning rate 0.05"

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


# ---------------------------------------------------------------- 06.5 the ablation (an experiment)

EVERY, TOGETHER, REORDERED = (
    "every change, 3 seeds whose whole-recipe scores differ",
    "clamp and noise cost little alone, much together",
    "two of the changes, seeds (2, 0)",
)


def _ablation(effect):
    """A 06.5 answer: {change: [effect(score, change, seed, changes, seeds) for seed in seeds]}."""

    def answer(train_and_score, changes, seeds):
        return {c: [effect(train_and_score, c, s, tuple(changes), tuple(seeds)) for s in seeds] for c in changes}

    return answer


def _right(score, c, s, changes, seeds):
    return score(off=(c,), seed=s) - score(off=(), seed=s)


def _loop_by_change(train_and_score, changes, seeds):
    effects = {}
    for change in changes:
        effects[change] = np.array([train_and_score([change], s) - train_and_score([], s) for s in seeds])
    return effects


def _others_off(c, changes):
    return tuple(x for x in changes if x != c)


RIGHT_06_5 = [
    right("06.5", "dict-comprehension", _ablation(_right)),
    right("06.5", "lists-positional-numpy", _loop_by_change),
    right(
        "06.5",
        "set-off-tuple-values",
        lambda train_and_score, changes, seeds: {
            c: tuple(train_and_score(off={c}, seed=s) - train_and_score(off=set(), seed=s) for s in seeds)
            for c in changes
        },
    ),
]

WRONG_06_5 = [
    wrong("06.5", "upside-down", _ablation(lambda f, c, s, cs, ss: -_right(f, c, s, cs, ss)), EVERY, "upside down"),
    wrong("06.5", "scores-not-effects", _ablation(lambda f, c, s, cs, ss: f(off=(c,), seed=s)), EVERY, "not effects"),
    wrong(
        "06.5",
        "baseline-of-first-seed",
        _ablation(lambda f, c, s, cs, ss: f(off=(c,), seed=s) - f(off=(), seed=ss[0])),
        EVERY,
        "against seed 0's whole recipe",
    ),
    wrong(
        "06.5",
        "mean-baseline",
        _ablation(lambda f, c, s, cs, ss: f(off=(c,), seed=s) - np.mean([f(off=(), seed=t) for t in ss])),
        EVERY,
        "against the mean whole recipe",
    ),
    wrong(
        "06.5",
        "one-change-on",
        _ablation(lambda f, c, s, cs, ss: f(off=cs, seed=s) - f(off=_others_off(c, cs), seed=s)),
        TOGETHER,
        "you kept only one change ON",
    ),
    wrong(
        "06.5",
        "cumulative",
        _ablation(lambda f, c, s, cs, ss: f(off=cs[: cs.index(c) + 1], seed=s) - f(off=(), seed=s)),
        EVERY,
        "switched off cumulatively",
    ),
    wrong(
        "06.5",
        "everything-off-baseline",
        _ablation(lambda f, c, s, cs, ss: f(off=(c,), seed=s) - f(off=cs, seed=s)),
        EVERY,
        "the baseline has every change switched off",
    ),
    wrong(
        "06.5",
        "string-not-tuple",
        _ablation(lambda f, c, s, cs, ss: f(off=c, seed=s) - f(off=(), seed=s)),
        EVERY,
        "not the string 'layers'",
    ),
    wrong(
        "06.5",
        "seed-positions",
        lambda train_and_score, changes, seeds: {
            c: [_right(train_and_score, c, i, changes, seeds) for i in range(len(seeds))] for c in changes
        },
        REORDERED,
        "no run for seed=1",
    ),
    wrong(
        "06.5",
        "hard-coded-changes",
        lambda train_and_score, changes, seeds: {
            c: [_right(train_and_score, c, s, changes, seeds) for s in seeds] for c in ("layers", "clamp", "noise")
        },
        EVERY,
        "expected the changes given",
    ),
    wrong("06.5", "one-seed", _ablation(lambda f, c, s, cs, ss: _right(f, c, 0, cs, ss)), EVERY, "pass seed=seed"),
    wrong(
        "06.5",
        "means-only",
        lambda train_and_score, changes, seeds: {
            c: float(np.mean([_right(train_and_score, c, s, changes, seeds) for s in seeds])) for c in changes
        },
        EVERY,
        "return one effect PER SEED",
    ),
    wrong("06.5", "odd-none", lambda train_and_score, changes, seeds: None, EVERY, "returned None"),
    wrong("06.5", "odd-list", lambda train_and_score, changes, seeds: [0.1, 0.2], EVERY, "return a dict"),
]


# ---------------------------------------------------------------- 06.4 the normalizing direction

FITS, MISFIT = (
    "data drawn from the flow itself: its z is N(0, I)",
    "data the flow does not fit: z is shifted and too wide",
)
CORRELATED, NEGATIVE = (
    "z with unit variances but correlated columns",
    "z with a negative mean and the identity covariance",
)


def _normality(source="inverse", cov="full", verdict="whole"):
    """A 06.4 answer; each argument picks one right or wrong way of doing that part."""

    def answer(dist, x, tolerance):
        if source == "inverse":
            z = np.asarray(dist.bijector.inverse(x))
        elif source == "forward":
            z = np.asarray(dist.bijector.forward(x))
        elif source == "data":
            z = np.asarray(x)
        else:  # samples of the flow, pushed back through the inverse
            z = np.asarray(dist.bijector.inverse(dist.sample(len(x), seed=tf.constant([3, 0], tf.int32))))
        mean = z.mean(axis=0)
        full = np.cov(z, rowvar=False)
        eye = np.eye(z.shape[1])
        returned = {"full": full, "rows": np.cov(z), "variances": z.var(axis=0)}[cov]
        checks = {
            "whole": lambda: np.all(np.abs(mean) <= tolerance) and np.all(np.abs(full - eye) <= tolerance),
            "per-column": lambda: np.all(np.abs(mean) <= tolerance) and np.all(np.abs(z.std(axis=0) - 1) <= tolerance),
            "no-abs": lambda: np.all(mean <= tolerance) and np.all(np.abs(full - eye) <= tolerance),
            "or": lambda: np.all(np.abs(mean) <= tolerance) or np.all(np.abs(full - eye) <= tolerance),
            "rtol": lambda: np.allclose(mean, 0, tolerance) and np.allclose(full, eye, tolerance),
            "cov-to-zero": lambda: np.all(np.abs(mean) <= tolerance) and np.all(np.abs(full) <= tolerance),
        }
        return mean, returned, bool(checks[verdict]())

    return answer


def _with_tf(dist, x, tolerance):
    z = tfb.Invert(dist.bijector).forward(x)
    mean = tf.reduce_mean(z, axis=0)
    centred = z - mean
    cov = tf.matmul(centred, centred, transpose_a=True) / tf.cast(tf.shape(z)[0], z.dtype)  # ddof 0
    eye = tf.eye(tf.shape(z)[1])
    return [mean, cov, tf.reduce_all(tf.abs(mean) <= tolerance) & tf.reduce_all(tf.abs(cov - eye) <= tolerance)]


def _with_allclose(dist, x, tolerance):
    z = dist.bijector.inverse(x).numpy()
    mean, cov = np.mean(z, 0), np.cov(z.T)
    return mean, cov, np.allclose(mean, 0.0, atol=tolerance, rtol=0) and np.allclose(cov, np.eye(2), atol=tolerance)


RIGHT_06_4 = [
    right("06.4", "numpy", _normality()),
    right("06.4", "tensorflow-list-bool-tensor", _with_tf),
    right("06.4", "allclose-atol-transposed-cov", _with_allclose),
]

WRONG_06_4 = [
    wrong("06.4", "forward", _normality(source="forward"), FITS, "forward maps base to data"),
    wrong("06.4", "no-transform", _normality(source="data"), FITS, "moments of the data x itself"),
    wrong("06.4", "samples-not-data", _normality(source="samples"), FITS, "did you use samples of the flow?"),
    wrong("06.4", "np-cov-rows", _normality(cov="rows"), FITS, "np.cov treats each ROW as a variable"),
    wrong("06.4", "variances-only", _normality(cov="variances"), FITS, "one variance per column?"),
    wrong("06.4", "allclose-rtol", _normality(verdict="rtol"), FITS, "pass atol=tolerance"),
    wrong("06.4", "cov-against-zero", _normality(verdict="cov-to-zero"), FITS, "compare cov - I (not cov)"),
    wrong("06.4", "per-column-verdict", _normality(verdict="per-column"), CORRELATED, "the columns are correlated"),
    wrong("06.4", "or-not-and", _normality(verdict="or"), CORRELATED, "off-diagonal entry"),
    wrong("06.4", "no-abs", _normality(verdict="no-abs"), NEGATIVE, "compare the ABSOLUTE value"),
    wrong("06.4", "odd-z-only", lambda dist, x, tolerance: dist.bijector.inverse(x), FITS, "return three things"),
    wrong("06.4", "odd-none", lambda dist, x, tolerance: None, FITS, "returned None"),
    wrong(
        "06.4",
        "odd-verdict-string",
        lambda dist, x, tolerance: (*_normality()(dist, x, tolerance)[:2], "yes"),
        FITS,
        "return True or False",
    ),
]

RIGHT = RIGHT_06_2 + RIGHT_06_4 + RIGHT_06_5
WRONG = WRONG_06_2 + WRONG_06_4 + WRONG_06_5


@pytest.mark.parametrize("answer", RIGHT)
def test_a_right_answer_passes(answer, capsys):
    assert_passes(answer, capsys)


@pytest.mark.parametrize("answer", WRONG)
def test_a_wrong_answer_fails_on_the_case_that_catches_it(answer):
    assert_fails(answer)
