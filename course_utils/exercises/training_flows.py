"""Exercises of notebook 06: training a MAF on two moons (06.1 and 06.3, the NLL of a batch and the held-out gap,
were retired in the second edition).

06.2 asks for a training *step*, which changes the flow it is given. The checker calls the
reference first and the learner's answer second, on the same flow and optimizer, so a case
records the flow's starting weights and the comparison replays both steps from there with
plain SGD arithmetic: it checks where the learner's step left the weights, not just the loss.
06.4 (the normalizing direction) is in `normalizing_direction`, 06.5 (the ablation) in `recipe_ablation`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course_utils import builders
from course_utils._tf import tf, tf_keras, tfb, tfd
from course_utils.exercises import Case, Exercise, register
from course_utils.exercises._compare import (
    describe,
    never_raises,
)


def _moons_like(n: int, seed: int) -> np.ndarray:
    """n float32 points on two noisy arcs, roughly standardized (cheap stand-in for two moons)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    upper = rng.integers(0, 2, n) == 1
    x = np.where(upper[:, None], np.stack([np.cos(t), np.sin(t)], 1), np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1))
    x = x + 0.05 * rng.normal(size=(n, 2))
    return ((x - x.mean(0)) / x.std(0)).astype(np.float32)


def _affine_flow(shift: Sequence[float], scale: Sequence[float], trainable: bool = False) -> tfd.Distribution:
    """A 2-D flow x = shift + scale * z with z ~ N(0, I); its shift and scale are variables when `trainable`."""
    shift = tf.Variable(shift, dtype=tf.float32, name="shift") if trainable else tf.constant(shift, tf.float32)
    scale = tf.Variable(scale, dtype=tf.float32, name="scale") if trainable else tf.constant(scale, tf.float32)
    return builders.make_flow(tfb.Chain([tfb.Shift(shift), tfb.Scale(scale)]), 2)


# ------------------------------------------------------------------ 06.2 one training step


def train_step(dist: tfd.Distribution, optimizer: Any, x: np.ndarray) -> tf.Tensor:
    """Reference: one gradient step on the mean NLL of x; returns the loss before the step (a tensor)."""
    with tf.GradientTape() as tape:
        loss = -tf.reduce_mean(dist.log_prob(x))
    gradients = tape.gradient(loss, dist.trainable_variables)
    optimizer.apply_gradients(zip(gradients, dist.trainable_variables, strict=True))
    return loss


@dataclass(frozen=True)
class _StepCase(Case):
    """A case of 06.2: also the flow's weights before any step and the SGD learning rate."""

    start: tuple = field(default=(), repr=False)
    learning_rate: float = 0.0


def _step_case(dist: tfd.Distribution, x: np.ndarray, learning_rate: float, description: str) -> _StepCase:
    """Build a 06.2 case: the flow, a fresh SGD optimizer, the batch, and the starting weights."""
    optimizer = tf_keras.optimizers.SGD(learning_rate=learning_rate)
    # x stays a NumPy array: TFP bijectors cache their last inverse per *tensor object*, so reusing one
    # tf.constant across eager calls would hand the second call a stale result without gradients.
    return _StepCase(
        dict(dist=dist, optimizer=optimizer, x=x),
        description,
        start=tuple(v.numpy() for v in dist.trainable_variables),
        learning_rate=learning_rate,
    )


def _step_cases() -> list[Case]:
    """Inputs for 06.2: a trainable affine flow and a MAF, each with plain SGD so a step is exact arithmetic."""
    x = _moons_like(64, seed=5)
    return [
        _step_case(
            _affine_flow([0.3, -0.2], [1.5, 0.7], trainable=True),
            x,
            0.05,
            "an affine flow with trainable shift and scale, SGD learning rate 0.05",
        ),
        _step_case(
            builders.make_flow(builders.make_maf(2, (16, 16), seed=6), 2),
            x,
            0.02,
            "an untrained MAF (16, 16), SGD learning rate 0.02",
        ),
    ]


def _loss_and_gradients(dist: tfd.Distribution, x: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """The mean NLL and its gradients with respect to dist's trainable variables, at their current values."""
    with tf.GradientTape() as tape:
        loss = -tf.reduce_mean(dist.log_prob(x))
    return float(loss), [g.numpy() for g in tape.gradient(loss, dist.trainable_variables)]


def _assign(variables: Sequence[tf.Variable], values: Sequence[np.ndarray]) -> None:
    """Set each variable to its value."""
    for variable, value in zip(variables, values, strict=True):
        variable.assign(value)


def _sgd(
    variables: Sequence[tf.Variable], weights: Sequence[np.ndarray], gradients: Sequence[np.ndarray], rate: float
) -> list[np.ndarray]:
    """Weights after w <- w - rate * g, with each variable's constraint applied as Keras optimizers do (MADE masks)."""
    out = []
    for variable, w, g in zip(variables, weights, gradients, strict=True):
        new = w - rate * g
        if getattr(variable, "constraint", None) is not None:
            new = np.asarray(variable.constraint(tf.constant(new)))
        out.append(new)
    return out


def _close(a: Sequence[np.ndarray], b: Sequence[np.ndarray], tol: float = 1e-4) -> bool:
    """True when two lists of weights agree within tol (relative to their size)."""
    return all(np.allclose(u, v, rtol=tol, atol=tol) for u, v in zip(a, b, strict=True))


@never_raises
def _same_step(got: Any, expected: Any, case: _StepCase) -> str | None:
    """Replay the reference's and a correct learner's step from the recorded start; compare with the weights now."""
    if got is None or isinstance(got, (tuple, list, dict)):
        return f"your function returned {describe(got)}: return the loss tensor (the mean NLL before the step)"
    if not tf.is_tensor(got):
        return (
            f"the answer returned {type(got).__name__}; return the loss tensor itself (not float(loss) or "
            "loss.numpy()), so the step can be compiled with tf.function later"
        )
    if np.shape(got) != ():
        return f"the loss has shape {tuple(np.shape(got))}: return one number, the mean NLL of the batch"
    dist, x, lr = case.kwargs["dist"], case.kwargs["x"], case.learning_rate
    variables = dist.trainable_variables
    now = [v.numpy() for v in variables]
    n = int(x.shape[0])
    try:
        # The reference ran first: start -> after_reference. A correct answer then takes one more SGD step.
        _assign(variables, case.start)
        _, grads0 = _loss_and_gradients(dist, x)
        after_reference = _sgd(variables, case.start, grads0, lr)
        _assign(variables, after_reference)
        loss1, grads1 = _loss_and_gradients(dist, x)
    finally:
        _assign(variables, now)
    descent = _sgd(variables, after_reference, grads1, lr)
    if not _close(now, descent):
        if _close(now, after_reference):
            return (
                "the weights did not change: apply the gradients with optimizer.apply_gradients(zip(gradients, "
                "dist.trainable_variables)); are the gradients None because the loss was computed outside the tape?"
            )
        if _close(now, _sgd(variables, after_reference, grads1, -lr)):
            return "the weights moved uphill: the loss increased. Minimise the NEGATIVE log-likelihood."
        if _close(now, _sgd(variables, after_reference, grads1, n * lr)):
            return f"the step was {n} times too large: the loss must be the mean over the batch, not the sum"
        return "the weights after your step are not one optimizer step down the gradient of the mean NLL"
    if not np.isclose(float(got), loss1, rtol=1e-4, atol=1e-4):
        return (
            f"the weights moved correctly, but the returned loss {float(got):.4f} is not the mean NLL before "
            f"the step ({loss1:.4f}): return the loss computed inside the tape"
        )
    return None


register(
    Exercise(
        id="06.2",
        title="one training step with GradientTape",
        reference=train_step,
        cases=_step_cases,
        hint=(
            "record the loss on a GradientTape, ask the tape for the gradients of the loss with respect to the "
            "flow's trainable variables, and let the optimizer apply them."
        ),
        hints=(
            "inside `with tf.GradientTape() as tape:` compute loss = -tf.reduce_mean(dist.log_prob(x)); then "
            "gradients = tape.gradient(loss, dist.trainable_variables); then "
            "optimizer.apply_gradients(zip(gradients, dist.trainable_variables)); return loss (the tensor).",
        ),
        compare=_same_step,
    )
)
