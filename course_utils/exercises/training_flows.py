"""Exercises of notebooks 06 (training a MAF on two moons) and 07 (composing bijectors).

06.2 asks for a training *step*, which changes the flow it is given. The checker calls the
reference first and the learner's answer second, on the same flow and optimizer, so a case
records the flow's starting weights and the comparison replays both steps from there with
plain SGD arithmetic: it checks where the learner's step left the weights, not just the loss.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
import tf_keras

from course_utils import builders
from course_utils.exercises import Case, Exercise, close_arrays, register

tfb = tfp.bijectors
tfd = tfp.distributions


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


# ------------------------------------------------------------------ 06.1 the NLL of a batch


def nll_loss(dist: tfd.Distribution, x: np.ndarray) -> tf.Tensor:
    """Reference: the mean negative log-likelihood of the rows of x under dist, in nats."""
    return -tf.reduce_mean(dist.log_prob(x))


def _nll_cases() -> list[Case]:
    """Inputs for 06.1: several batch sizes (so a sum is caught) and flows with a log-det term."""
    x = _moons_like(50, seed=3)
    return [
        Case(dict(dist=builders.make_base(2), x=x[:5]), "the base N(0, I), 5 points"),
        Case(dict(dist=_affine_flow([0.5, -1.0], [2.0, 0.5]), x=x), "an affine flow (its log-det matters), 50 points"),
        Case(dict(dist=builders.make_flow(builders.make_maf(2, (16, 16), seed=4), 2), x=x[:20]),
             "an untrained MAF, 20 points"),
    ]


def _same_nll(got: Any, expected: Any, case: Case) -> str | None:
    """Accept the mean NLL within tolerance; name the sign, sum and prob mistakes."""
    reason = close_arrays(rtol=1e-4, atol=1e-4)(got, expected, case)
    if reason is None or np.shape(got) != ():
        return reason
    value, want, n = float(np.asarray(got)), float(expected), len(case.kwargs["x"])
    if np.isclose(value, -want, rtol=1e-4, atol=1e-4):
        return "the sign is flipped: the loss is the NEGATIVE log-likelihood (lower is better)"
    if np.isclose(value, n * want, rtol=1e-4, atol=1e-4):
        return f"this is the sum over the {n} points: take the mean"
    return reason


register(Exercise(
    id="06.1",
    title="the NLL loss of a batch",
    reference=nll_loss,
    cases=_nll_cases,
    hint="the loss is the MEAN of -log p(x) over the rows: -tf.reduce_mean(dist.log_prob(x)). Use log_prob, "
         "not prob; keep the minus sign (we minimise); take the mean, not the sum, so the loss is in nats per "
         "point and does not grow with the batch.",
    compare=_same_nll,
))


# ------------------------------------------------------------------ 06.2 one training step


def train_step(dist: tfd.Distribution, optimizer: Any, x: np.ndarray) -> tf.Tensor:
    """Reference: one gradient step on the mean NLL of x; returns the loss before the step (a tensor)."""
    with tf.GradientTape() as tape:
        loss = -tf.reduce_mean(dist.log_prob(x))
    gradients = tape.gradient(loss, dist.trainable_variables)
    optimizer.apply_gradients(zip(gradients, dist.trainable_variables))
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
    return _StepCase(dict(dist=dist, optimizer=optimizer, x=x), description,
                     start=tuple(v.numpy() for v in dist.trainable_variables), learning_rate=learning_rate)


def _step_cases() -> list[Case]:
    """Inputs for 06.2: a trainable affine flow and a MAF, each with plain SGD so a step is exact arithmetic."""
    x = _moons_like(64, seed=5)
    return [
        _step_case(_affine_flow([0.3, -0.2], [1.5, 0.7], trainable=True), x, 0.05,
                   "an affine flow with trainable shift and scale, SGD learning rate 0.05"),
        _step_case(builders.make_flow(builders.make_maf(2, (16, 16), seed=6), 2), x, 0.02,
                   "an untrained MAF (16, 16), SGD learning rate 0.02"),
    ]


def _loss_and_gradients(dist: tfd.Distribution, x: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """The mean NLL and its gradients with respect to dist's trainable variables, at their current values."""
    with tf.GradientTape() as tape:
        loss = -tf.reduce_mean(dist.log_prob(x))
    return float(loss), [g.numpy() for g in tape.gradient(loss, dist.trainable_variables)]


def _assign(variables: Sequence[tf.Variable], values: Sequence[np.ndarray]) -> None:
    """Set each variable to its value."""
    for variable, value in zip(variables, values):
        variable.assign(value)


def _sgd(variables: Sequence[tf.Variable], weights: Sequence[np.ndarray], gradients: Sequence[np.ndarray],
         rate: float) -> list[np.ndarray]:
    """Weights after w <- w - rate * g, with each variable's constraint applied as Keras optimizers do (MADE masks)."""
    out = []
    for variable, w, g in zip(variables, weights, gradients):
        new = w - rate * g
        if getattr(variable, "constraint", None) is not None:
            new = np.asarray(variable.constraint(tf.constant(new)))
        out.append(new)
    return out


def _close(a: Sequence[np.ndarray], b: Sequence[np.ndarray], tol: float = 1e-4) -> bool:
    """True when two lists of weights agree within tol (relative to their size)."""
    return all(np.allclose(u, v, rtol=tol, atol=tol) for u, v in zip(a, b))


def _same_step(got: Any, expected: Any, case: _StepCase) -> str | None:
    """Replay the reference's step and a correct learner's step from the recorded start; compare with the weights now."""
    if not tf.is_tensor(got):
        return (f"the answer returned {type(got).__name__}; return the loss tensor itself (not float(loss) or "
                "loss.numpy()), so the step can be compiled with tf.function later")
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
            return ("the weights did not change: apply the gradients with optimizer.apply_gradients(zip(gradients, "
                    "dist.trainable_variables)); are the gradients None because the loss was computed outside the tape?")
        if _close(now, _sgd(variables, after_reference, grads1, -lr)):
            return "the weights moved uphill: the loss increased. Minimise the NEGATIVE log-likelihood."
        if _close(now, _sgd(variables, after_reference, grads1, n * lr)):
            return f"the step was {n} times too large: the loss must be the mean over the batch, not the sum"
        return "the weights after your step are not one optimizer step down the gradient of the mean NLL"
    if not np.isclose(float(got), loss1, rtol=1e-4, atol=1e-4):
        return (f"the weights moved correctly, but the returned loss {float(got):.4f} is not the mean NLL before "
                f"the step ({loss1:.4f}): return the loss computed inside the tape")
    return None


register(Exercise(
    id="06.2",
    title="one training step with GradientTape",
    reference=train_step,
    cases=_step_cases,
    hint="inside `with tf.GradientTape() as tape:` compute loss = -tf.reduce_mean(dist.log_prob(x)); then "
         "gradients = tape.gradient(loss, dist.trainable_variables); then "
         "optimizer.apply_gradients(zip(gradients, dist.trainable_variables)); return loss (the tensor).",
    compare=_same_step,
))


# ------------------------------------------------------------------ 06.3 the held-out gap


def nll_gaps(dist: tfd.Distribution, train_x: np.ndarray, fresh_x: np.ndarray, entropy: float) -> tuple[float, float]:
    """Reference: (held-out NLL - train NLL, held-out NLL - entropy), each NLL a mean over its points."""
    train_nll = -float(np.mean(dist.log_prob(train_x)))
    heldout_nll = -float(np.mean(dist.log_prob(fresh_x)))
    return heldout_nll - train_nll, heldout_nll - entropy


def _gap_cases() -> list[Case]:
    """Inputs for 06.3: sets of different sizes (a sum is caught) and models that fit the train set better or worse."""
    rng = np.random.default_rng(7)
    fresh = rng.normal(size=(400, 2)).astype(np.float32)
    tight = (0.6 * rng.normal(size=(30, 2))).astype(np.float32)  # training points that happen to be close to 0
    entropy_n01 = float(np.log(2 * np.pi) + 1.0)  # entropy of N(0, I_2), in nats
    narrow = _affine_flow([0.0, 0.0], [0.7, 0.7])
    return [
        Case(dict(dist=narrow, train_x=tight, fresh_x=fresh, entropy=entropy_n01),
             "a too-narrow model that fits its 30 training points better than fresh data"),
        Case(dict(dist=builders.make_base(2), train_x=tight, fresh_x=fresh, entropy=entropy_n01),
             "the true model N(0, I): the KL part is near 0"),
        Case(dict(dist=_affine_flow([0.3, 0.0], [1.2, 1.0]), train_x=fresh[:100], fresh_x=fresh[100:], entropy=entropy_n01),
             "a slightly wrong model, 100 training and 300 fresh points"),
    ]


register(Exercise(
    id="06.3",
    title="the held-out gap",
    reference=nll_gaps,
    cases=_gap_cases,
    hint="compute the MEAN NLL on each set, train_nll = -mean(log_prob(train_x)) and heldout_nll = "
         "-mean(log_prob(fresh_x)); return (heldout_nll - train_nll, heldout_nll - entropy). Both gaps use the "
         "held-out NLL: only fresh points measure the model, the training points flatter it.",
    compare=close_arrays(rtol=1e-4, atol=1e-4),
))


# ------------------------------------------------------------------ 07.1 the chain list


def chain_list(layers: Sequence[tfb.Bijector], permutation: Sequence[int]) -> list[tfb.Bijector]:
    """Reference: the list for tfb.Chain so that layers[0] acts first, with a Permute between consecutive layers."""
    applied_in_order = []
    for i, layer in enumerate(layers):
        applied_in_order.append(layer)
        if i < len(layers) - 1:
            applied_in_order.append(tfb.Permute(permutation=list(permutation)))
    return list(reversed(applied_in_order))  # tfb.Chain applies the last of its list first


def _named_layers(count: int, event_size: int) -> list[tfb.Bijector]:
    """`count` distinct cheap bijectors named layer_1, layer_2, ... (stand-ins for MAF layers)."""
    return [tfb.Shift(np.linspace(0.1 * k, 0.2 * k, event_size).astype(np.float32), name=f"layer_{k}")
            for k in range(1, count + 1)]


def _chain_cases() -> list[Case]:
    """Inputs for 07.1: one layer (no Permute at all), three layers in 2-D, three layers in 3-D with a cyclic permutation."""
    return [
        Case(dict(layers=_named_layers(1, 2), permutation=[1, 0]), "one layer: nothing to permute"),
        Case(dict(layers=_named_layers(3, 2), permutation=[1, 0]), "three layers in 2-D"),
        Case(dict(layers=_named_layers(3, 3), permutation=[1, 2, 0]), "three layers in 3-D, permutation [1, 2, 0]"),
    ]


def _describe(bijector: Any) -> str:
    """A short name for a bijector in a message: its name, and a Permute's permutation."""
    if isinstance(bijector, tfb.Permute):
        return f"permute{np.asarray(bijector.permutation).tolist()}"
    return getattr(bijector, "name", type(bijector).__name__)


def _same_chain(got: Any, expected: list[tfb.Bijector], case: Case) -> str | None:
    """Accept a list (or a tfb.Chain) holding the given layers and Permutes in the order tfb.Chain needs."""
    if hasattr(got, "bijectors") and not isinstance(got, (list, tuple)):
        got = list(got.bijectors)
    if not isinstance(got, (list, tuple)):
        return f"the answer returned {type(got).__name__}; return a list of bijectors for tfb.Chain"
    got_names = [_describe(b) for b in got]
    want_names = [_describe(b) for b in expected]
    summary = f"expected the order {want_names}, got {got_names}"
    if len(got) != len(expected):
        if len(got) == len(expected) + 2 or len(got) == len(expected) + 1:
            return f"{summary}: a Permute goes only BETWEEN two layers, not before the first or after the last"
        return f"{summary}: {len(case.kwargs['layers'])} layers need {len(expected)} bijectors"
    for position, (g, e) in enumerate(zip(got, expected)):
        if isinstance(e, tfb.Permute):
            if not isinstance(g, tfb.Permute):
                return f"{summary}: position {position} should be a tfb.Permute"
            if np.asarray(g.permutation).tolist() != np.asarray(e.permutation).tolist():
                return f"{summary}: use the permutation you were given, {list(case.kwargs['permutation'])}"
        elif g is not e:
            if want_names == list(reversed(got_names)):
                return f"{summary}: tfb.Chain applies the LAST bijector of its list first, so reverse the list"
            return f"{summary}: position {position} should be the layer {e.name}"
    return None


register(Exercise(
    id="07.1",
    title="the bijector list for tfb.Chain",
    reference=chain_list,
    cases=_chain_cases,
    hint="build the list in the order the bijectors act (layer 1, Permute, layer 2, Permute, ..., last layer, "
         "no Permute at the ends), then reverse it: tfb.Chain([f2, f1]) computes f2(f1(z)).",
    compare=_same_chain,
))


# ------------------------------------------------------------------ 07.2 the per-stage forward loop


def stage_samples(chain: tfb.Chain, z: np.ndarray) -> list[np.ndarray]:
    """Reference: [z, after the first bijector to act, ..., after the last] for the bijectors of `chain`."""
    x = tf.convert_to_tensor(z, dtype=tf.float32)
    stages = [x.numpy()]
    for bijector in reversed(chain.bijectors):
        x = bijector.forward(x)
        stages.append(x.numpy())
    return stages


def _stage_cases() -> list[Case]:
    """Inputs for 07.2: chains whose bijectors do not commute, so the order shows."""
    z = np.random.default_rng(8).normal(size=(6, 2)).astype(np.float32)
    scale_then_shift = tfb.Chain([tfb.Shift([1.0, -2.0]), tfb.Scale([2.0, 0.5])])
    with_permute = tfb.Chain([tfb.Scale([3.0, 1.0]), tfb.Permute([1, 0]), tfb.Shift([1.0, 0.0])])
    return [
        Case(dict(chain=scale_then_shift, z=z), "scale first, then shift (2 stages)"),
        Case(dict(chain=with_permute, z=z), "shift, permute, scale (3 stages)"),
        Case(dict(chain=builders.make_stack("maf", 2, 2, hidden_units=(8, 8), seed=9), z=z),
             "two untrained MAFs with a Permute"),
    ]


def _same_stages(got: Any, expected: list[np.ndarray], case: Case) -> str | None:
    """Accept a list of K + 1 arrays equal to the reference's stages; name the usual mistakes."""
    try:
        got_array = np.asarray([np.asarray(stage, dtype=np.float64) for stage in got])
    except (TypeError, ValueError):
        return f"the answer returned {type(got).__name__}; return a list of arrays, one per stage, each shaped like z"
    expected_array = np.asarray(expected, dtype=np.float64)
    n_bijectors = len(case.kwargs["chain"].bijectors)
    if got_array.shape[0] == n_bijectors and got_array.shape[1:] == expected_array.shape[1:]:
        return f"{n_bijectors} stages returned, expected {n_bijectors + 1}: start the list with z itself"
    if got_array.shape != expected_array.shape:
        return f"the stages have shape {got_array.shape}, expected {expected_array.shape} (K + 1 arrays shaped like z)"
    if np.allclose(got_array, expected_array, atol=1e-4, rtol=1e-4):
        return None
    wrong_order = stage_samples(tfb.Chain(list(reversed(case.kwargs["chain"].bijectors))), case.kwargs["z"])
    if np.allclose(got_array, np.asarray(wrong_order), atol=1e-4, rtol=1e-4):
        return "the bijectors were applied in list order: tfb.Chain applies the LAST one first, loop over reversed(...)"
    first_bad = int(np.argmax([not np.allclose(g, e, atol=1e-4, rtol=1e-4) for g, e in zip(got_array, expected_array)]))
    return f"stage {first_bad} differs (stage 0 is z, stage k the output of the k-th bijector to act)"


register(Exercise(
    id="07.2",
    title="the samples after every stage",
    reference=stage_samples,
    cases=_stage_cases,
    hint="start with [z]; then for bijector in reversed(chain.bijectors): x = bijector.forward(x) and append it. "
         "The last stage must equal chain.forward(z).",
    compare=_same_stages,
))


# ------------------------------------------------------------------ 07.3 the epoch to restore


def best_epoch(val_loss: Sequence[float]) -> int:
    """Reference: the epoch (counted from 1) with the lowest finite validation loss; the earliest if tied."""
    losses = np.asarray(val_loss, dtype=np.float64)
    losses = np.where(np.isfinite(losses), losses, np.inf)
    return int(np.argmin(losses)) + 1


def _best_epoch_cases() -> list[Case]:
    """Inputs for 07.3: a plain U shape, a tie, NaN and inf from a diverged run, a long noisy curve."""
    rng = np.random.default_rng(10)
    epochs = np.arange(1, 301)
    noisy = 1.2 + 1.5 * np.exp(-epochs / 40) + 0.0004 * np.maximum(epochs - 150, 0) + 0.01 * rng.normal(size=300)
    return [
        Case(dict(val_loss=[2.9, 2.4, 2.1, 2.2, 2.6]), "a U-shaped curve"),
        Case(dict(val_loss=[2.0, 1.5, 1.5, 1.7]), "a tie: restore the earlier epoch"),
        Case(dict(val_loss=[2.5, 2.2, float("nan"), 1.9, float("inf"), 2.0]), "a run with NaN and inf losses"),
        Case(dict(val_loss=noisy.tolist()), "300 noisy epochs that overfit after about 150"),
    ]


def _same_epoch(got: Any, expected: int, case: Case) -> str | None:
    """Accept the same epoch number; name the off-by-one and the NaN mistakes."""
    try:
        got_int = int(got)
    except (TypeError, ValueError):
        return f"the answer returned {type(got).__name__}; return one epoch number (an int)"
    if got_int != got:
        return f"{got!r} is not a whole epoch number"
    if got_int == expected:
        return None
    losses = np.asarray(case.kwargs["val_loss"], dtype=np.float64)
    if 1 <= got_int <= len(losses) and not np.isfinite(losses[got_int - 1]):
        return f"epoch {got_int} has a loss of {losses[got_int - 1]}: skip NaN and inf (np.argmin picks a NaN)"
    if got_int == expected - 1:
        return "off by one: epochs are counted from 1, so the epoch is the index + 1"
    return f"epoch {got_int} has a validation loss of {losses[got_int - 1] if 1 <= got_int <= len(losses) else '?'}, " \
           f"epoch {expected} a lower one ({losses[expected - 1]:.4f})"


register(Exercise(
    id="07.3",
    title="the epoch to restore",
    reference=best_epoch,
    cases=_best_epoch_cases,
    hint="replace NaN and inf by +inf (np.where(np.isfinite(v), v, np.inf)) or use np.nanargmin, take the index of "
         "the minimum (np.argmin returns the first one, the earliest epoch), and add 1: epochs count from 1.",
    compare=_same_epoch,
))
