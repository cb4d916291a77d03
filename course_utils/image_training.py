"""Training a density on discrete pixels: fresh uniform dequantization at every step, scores in bits per dimension.

`train_dequantized(model, train_pixels, validation_pixels)` fits a model of the unit cube (for example
`image_flows.make_digits_model`) by minibatch Adam in a compiled step. Every step draws new noise,
y = (k + u) / L, so the model never sees the same point twice and cannot put its mass on the grid
points. The validation pixels are dequantized once, with a fixed seed, so that validation scores of
different epochs (and models) compare the same points. Both curves are in bits per dimension.

With `averaging` = d > 0 the trainer also keeps an exponential moving average of the weights
(Polyak averaging: a <- d a + (1 - d) w after every step, from a = 0, divided by 1 - d^t after t steps so
that it is a true weighted mean of the weights seen so far, as Adam corrects its moments), validates
those, and keeps them: on a small data set they generalise better than the weights of any single step.
A time constant of 1 / (1 - d) steps should be a fraction of the run: 0.995 (200 steps) for long runs,
0.95 for a run of a few hundred steps. A class-conditional model
(`conditional.make_conditional_stack`) trains on (pixels, labels) pairs: give the labels and the number
of classes. At the end the weights of the best validation epoch are restored, as `training.train` does.
"""

from __future__ import annotations

import math
import time

import numpy as np

from course_utils import _checks, conditional
from course_utils._tf import tf, tfd
from course_utils.dequantization import NOISE_SEEDS, bits_per_dim, dequantize
from course_utils.digits import LEVELS
from course_utils.progress import LiveLine
from course_utils.training import TrainingHistory, _adam, _BestWeights


def _labels_tensor(name: str, labels: np.ndarray | None, n: int, num_classes: int | None) -> tf.Tensor:
    """One-hot labels (n, C) as a tensor, or an (n, 0) tensor for an unconditional model."""
    if labels is None:
        return tf.zeros([n, 0], tf.float32)
    if num_classes is None:
        raise ValueError(f"{name} are given, so num_classes is needed too (10 for the digits)")
    one_hot = conditional.one_hot(np.asarray(labels), num_classes)
    if len(one_hot) != n:
        raise ValueError(f"{name} must have one label per image ({n}), got {len(one_hot)}")
    return tf.constant(one_hot)


class _Steps:
    """The compiled training step and validation loss of a model of the unit cube, with averaged weights."""

    def __init__(
        self, model: tfd.Distribution, optimizer, levels: int, seed: int, averaging: float, num_classes: int | None
    ):
        self.model, self.optimizer, self.levels, self.averaging = model, optimizer, levels, averaging
        self.variables = list(model.trainable_variables)
        self.averages = [tf.Variable(tf.zeros_like(v), trainable=False) for v in self.variables] if averaging else []
        self.noise_seed = tf.Variable([seed, 0], dtype=tf.int64, trainable=False)
        self.updates = tf.Variable(0.0, trainable=False)
        optimizer.build(self.variables)  # Adam's slots made now, eagerly: tracing the step is then twice as fast
        # One trace each, whatever the batch size (an uneven last batch would otherwise trace the step again).
        dims, classes = model.event_shape[-1], num_classes or 0
        spec = [tf.TensorSpec([None, dims], tf.float32), tf.TensorSpec([None, classes], tf.float32)]
        self.train_step = tf.function(self._train_step, input_signature=spec)
        self.loss = tf.function(self._loss, input_signature=spec)

    def _loss(self, y: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
        """Mean -log p(y) in nats (given the labels for a conditional model)."""
        if labels.shape[-1] == 0:
            return -tf.reduce_mean(self.model.log_prob(y))
        kwargs = conditional.bijector_kwargs(self.model, labels)
        return -tf.reduce_mean(self.model.log_prob(y, bijector_kwargs=kwargs))

    def _train_step(self, pixels: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
        self.noise_seed.assign_add([0, 1])
        y = (pixels + tf.random.stateless_uniform(tf.shape(pixels), seed=self.noise_seed)) / self.levels
        with tf.GradientTape() as tape:
            loss = self._loss(y, labels)
        self.optimizer.apply_gradients(zip(tape.gradient(loss, self.variables), self.variables, strict=True))
        self.updates.assign_add(1.0)
        for average, variable in zip(self.averages, self.variables if self.averages else [], strict=True):
            average.assign(self.averaging * average + (1.0 - self.averaging) * variable)
        return loss

    def swap(self) -> None:
        """Exchange the weights and their (bias-corrected) averages; a second call undoes the first."""
        if not self.averages:
            return
        correction = 1.0 - self.averaging ** float(self.updates.numpy())  # the weight the average has gathered
        if correction <= 0.0:  # no step yet: nothing averaged
            return
        for average, variable in zip(self.averages, self.variables, strict=True):
            current = variable.numpy()
            variable.assign(average / correction)
            average.assign(current * correction)


def _bits(nats: float, num_dims: int, levels: int) -> float:
    """Mean NLL of dequantized points (nats) -> bits per dimension of the discrete data."""
    return bits_per_dim(np.array([-nats]), num_dims, levels)


def _epoch(steps: _Steps, pixels: tf.Tensor, labels: tf.Tensor, batch_size: int, rng: np.random.Generator) -> float:
    """Run one epoch of shuffled minibatches; return the mean training loss in nats."""
    order = rng.permutation(int(pixels.shape[0]))
    losses = [
        float(steps.train_step(tf.gather(pixels, batch), tf.gather(labels, batch)))
        for batch in np.array_split(order, max(1, math.ceil(len(order) / batch_size)))
    ]
    return float(np.mean(losses))


def train_dequantized(
    model: tfd.Distribution,
    train_pixels: np.ndarray,
    validation_pixels: np.ndarray,
    train_labels: np.ndarray | None = None,
    validation_labels: np.ndarray | None = None,
    num_classes: int | None = None,
    epochs: int = 30,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    averaging: float = 0.0,
    levels: int = LEVELS,
    seed: int = 0,
    progress: bool = True,
    label: str = "training",
) -> TrainingHistory:
    """Fit a unit-cube model to discrete pixels with fresh dequantization noise; losses in bits per dimension.

    Adam with a cosine decay to 0 over all steps; the best validation epoch's weights are restored.
    `progress` shows one live line (rewritten in place in Jupyter) and leaves a final summary line.
    """
    _checks.instance("model", model, tfd.Distribution, "a tfp distribution on the unit cube")
    if not model.trainable_variables:
        raise ValueError("model has no trainable variables, so training would change nothing")
    epochs, batch_size = _checks.positive_int("epochs", epochs), _checks.positive_int("batch_size", batch_size)
    averaging = 0.0 if averaging == 0 else _checks.in_interval("averaging", averaging, 0.0, 0.9999)
    seed, levels = _checks.seed("seed", seed), _checks.positive_int("levels", levels, minimum=2)
    train_y = dequantize(train_pixels, seed=seed, levels=levels)  # checks the pixels; the step draws its own noise
    val_y = dequantize(validation_pixels, seed=NOISE_SEEDS["validation"], levels=levels)
    pixels = tf.constant(np.asarray(train_pixels, np.float32))
    labels = _labels_tensor("train_labels", train_labels, len(train_y), num_classes)
    val_labels = _labels_tensor("validation_labels", validation_labels, len(val_y), num_classes)
    if (labels.shape[-1] == 0) != (val_labels.shape[-1] == 0):
        raise ValueError("give labels for both the training and the validation pixels, or for neither")
    steps_per_epoch = math.ceil(len(train_y) / batch_size)
    optimizer = _adam(learning_rate, "cosine", total_steps=epochs * steps_per_epoch)
    steps = _Steps(model, optimizer, levels, seed, averaging, None if labels.shape[-1] == 0 else num_classes)
    return _run(steps, (pixels, labels), (tf.constant(val_y), val_labels), epochs, batch_size, seed, progress, label)


def _run(
    steps: _Steps,
    train: tuple[tf.Tensor, tf.Tensor],
    validation: tuple[tf.Tensor, tf.Tensor],
    epochs: int,
    batch_size: int,
    seed: int,
    progress: bool,
    label: str,
) -> TrainingHistory:
    """The epochs: train, validate (the averaged weights, if any), keep the best, report."""
    num_dims, levels = int(train[0].shape[1]), steps.levels
    history, best = TrainingHistory(method=f"{label} (bits/dim)"), _BestWeights(steps.variables)
    rng, start = np.random.default_rng(seed), time.perf_counter()
    line = LiveLine(f"{label}: tracing the training step...") if progress else None
    for epoch in range(1, epochs + 1):
        train_bits = _bits(_epoch(steps, *train, batch_size, rng), num_dims, levels)
        steps.swap()  # validate (and keep) the averaged weights
        val_bits = _bits(float(steps.loss(*validation)), num_dims, levels)
        history.epochs.append(epoch)
        history.train_loss.append(train_bits)
        history.val_loss.append(val_bits)
        if math.isfinite(train_bits) and math.isfinite(val_bits):
            history.best_epoch = best.update(val_bits, epoch)
        steps.swap()
        if not (math.isfinite(train_bits) and math.isfinite(val_bits)):
            bad = train_bits if not math.isfinite(train_bits) else val_bits
            history.stop_reason = f"diverged at epoch {epoch}: the loss became {bad}; restored the best weights"
            break
        if line is not None:
            line.update(_progress_text(label, history, epochs, time.perf_counter() - start))
    best.restore()
    history.wall_time_s = time.perf_counter() - start
    if line is not None:
        line.close(_summary_text(label, history, best.loss))
    return history


def _progress_text(label: str, history: TrainingHistory, epochs: int, elapsed: float) -> str:
    """The live line: epoch, the two curves' last values and the time so far."""
    return (
        f"{label}: epoch {history.epochs[-1]}/{epochs}  train {history.train_loss[-1]:.3f}  "
        f"validation {history.val_loss[-1]:.3f} bits/dim  ({elapsed:.0f} s)"
    )


def _summary_text(label: str, history: TrainingHistory, best_loss: float) -> str:
    """The final line: epochs, time, best validation score."""
    stop = "" if history.stop_reason == "completed" else f"; {history.stop_reason}"
    return (
        f"{label}: {len(history.epochs)} epochs in {history.wall_time_s:.1f} s; best validation "
        f"{best_loss:.3f} bits/dim at epoch {history.best_epoch}{stop}"
    )
