"""Training flows by maximum likelihood: a fast compiled trainer and the tutorial's Keras route.

Both return a `TrainingHistory` in the same format, so the two can be compared side by side.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from course_utils import _checks
from course_utils._tf import tf, tf_keras, tfd
from course_utils.builders import make_default_flow, make_flow, make_stack
from course_utils.data import split_rows

SCHEDULES = ("constant", "cosine")
OUTLIER_SCALES = 10.0  # rows farther than this many robust standard deviations get a warning
SnapshotFn = Callable[[tfd.Distribution], np.ndarray]


@dataclass
class TrainingHistory:
    """Per-epoch train and validation NLL (nats) and what happened during training."""

    method: str
    epochs: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    wall_time_s: float = 0.0
    stop_reason: str = "completed"
    snapshots: dict[int, np.ndarray] = field(default_factory=dict)

    @property
    def diverged(self) -> bool:
        """True when training stopped because a loss became NaN or infinite."""
        return self.stop_reason.startswith("diverged")


def _check_trainable(dist: tfd.Distribution, x: np.ndarray, name: str = "x") -> np.ndarray:
    """Check that `dist` has variables to train and that `x` fits its event size; warn about far outliers."""
    _checks.instance("dist", dist, tfd.Distribution, "a tfp distribution (e.g. builders.make_flow(...))")
    if not dist.trainable_variables:
        raise ValueError(
            "dist has no trainable variables, so training would change nothing. A bijector built on "
            "tfb.real_nvp_default_template hides its variables from TF2: use builders.make_real_nvp."
        )
    x = _checks.event_points(name, x, "dist", dist, min_rows=2)
    _warn_far_points(name, x)
    return x


def _warn_far_points(name: str, x: np.ndarray) -> None:
    """Warn when rows of x lie more than OUTLIER_SCALES robust standard deviations from the median."""
    median = np.median(x, axis=0)
    spread = 1.4826 * np.median(np.abs(x - median), axis=0)  # the median absolute deviation, scaled to a std
    spread = np.where(spread > 0, spread, np.std(x, axis=0))
    if not np.all(spread > 0):
        return
    far = np.any(np.abs(x - median) > OUTLIER_SCALES * spread, axis=1)
    if far.any():
        warnings.warn(
            f"{int(far.sum())} of {len(x)} rows of {name} lie more than {OUTLIER_SCALES:g} standard deviations "
            "from the median: such outliers can dominate the NLL and its gradients. Check the data "
            "(a unit mix-up, a corrupt row?) and standardize it before training.",
            UserWarning,
            stacklevel=3,
        )


def default_snapshot_fn(n: int = 1000, seed: int = 0) -> SnapshotFn:
    """Return a snapshot function that pushes the same n base points through the flow each time."""
    n = _checks.positive_int("n", n, maximum=_checks.MAX_POINTS)
    seed = _checks.seed("seed", seed)
    z = None

    def snapshot(dist: tfd.Distribution) -> np.ndarray:
        nonlocal z
        if z is None:
            z = dist.distribution.sample(n, seed=tf.constant([seed, 0], tf.int32))
        return dist.bijector.forward(z).numpy()

    return snapshot


def _report(history: TrainingHistory, epochs: int, start: float) -> None:
    """Print one progress line for the last epoch of `history`."""
    val = f"  val {history.val_loss[-1]:.4f}" if history.val_loss else ""
    print(
        f"epoch {history.epochs[-1]:>5}/{epochs}  train {history.train_loss[-1]:.4f}{val}"
        f"  ({time.perf_counter() - start:.1f} s)"
    )


@dataclass
class _BestWeights:
    """The lowest finite loss seen so far, its epoch, and a copy of the weights that gave it."""

    variables: list[tf.Variable]
    loss: float = math.inf
    epoch: int | None = None
    weights: list[np.ndarray] = field(init=False)

    def __post_init__(self) -> None:
        self.weights = [v.numpy() for v in self.variables]  # the initial weights, until an epoch beats them

    def update(self, loss: float, epoch: int) -> int | None:
        """Keep the current weights if `loss` is finite and the best so far; return the best epoch."""
        if math.isfinite(loss) and loss < self.loss:
            self.loss, self.epoch = loss, epoch
            self.weights = [v.numpy() for v in self.variables]
        return self.epoch

    def restore(self) -> str:
        """Put the kept weights back and return which they are, in words."""
        for variable, value in zip(self.variables, self.weights, strict=True):
            variable.assign(value)
        return "the initial weights" if self.epoch is None else f"the weights of epoch {self.epoch}"


def _compiled_steps(
    dist: tfd.Distribution, optimizer: tf_keras.optimizers.Optimizer, noise_std: float, seed: int
) -> tuple[Callable[[tf.Tensor], tf.Tensor], Callable[[tf.Tensor], tf.Tensor]]:
    """Return (train_step, eval_loss): one Adam step on the NLL of a batch, and the NLL alone, both compiled."""
    variables = dist.trainable_variables
    optimizer.build(variables)  # Adam's slots now, not inside the first call: the step is traced once, not twice
    step_seed = tf.Variable([seed, 0], dtype=tf.int64, trainable=False)

    @tf.function(reduce_retracing=True)
    def train_step(batch: tf.Tensor) -> tf.Tensor:
        if noise_std:
            step_seed.assign_add([0, 1])
            batch = batch + noise_std * tf.random.stateless_normal(tf.shape(batch), seed=step_seed)
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(dist.log_prob(batch))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
        return loss

    @tf.function(reduce_retracing=True)
    def eval_loss(batch: tf.Tensor) -> tf.Tensor:
        return -tf.reduce_mean(dist.log_prob(batch))

    return train_step, eval_loss


def _adam(learning_rate: float, schedule: str, total_steps: int) -> tf_keras.optimizers.Optimizer:
    """Return Adam at `learning_rate`, constant or decayed to 0 along a cosine over `total_steps`."""
    lr = learning_rate = _checks.positive_float("learning_rate", learning_rate)
    _checks.one_of("schedule", schedule, SCHEDULES)
    if schedule == "cosine":
        lr = tf_keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=total_steps)
    return tf_keras.optimizers.Adam(learning_rate=lr)


def _epoch(train_step: Callable, train_t: tf.Tensor, batch_size: int, rng: np.random.Generator) -> float:
    """Run one epoch of steps (one full batch, or shuffled minibatches) and return the mean training loss."""
    n = int(train_t.shape[0])
    if batch_size >= n:
        return float(train_step(train_t))
    order = rng.permutation(n)
    losses = [train_step(tf.gather(train_t, order[i : i + batch_size])) for i in range(0, n, batch_size)]
    return float(np.mean(losses))


def _diverged(history: TrainingHistory, epoch: int, loss: float, best: _BestWeights) -> None:
    """Restore the best weights after a NaN or infinite loss, and say so in `history` and on stdout."""
    restored = best.restore()
    history.best_epoch = best.epoch
    history.stop_reason = f"diverged at epoch {epoch}: the loss became {loss}; restored {restored}"
    print(f"Training stopped: {history.stop_reason}.")


def train(
    dist: tfd.Distribution,
    x: np.ndarray,
    epochs: int = 600,
    batch_size: int | None = None,
    validation_split: float = 0.2,
    learning_rate: float = 1e-3,
    schedule: str = "constant",
    patience: int | None = None,
    report_every: int = 0,
    snapshot_epochs: Iterable[int] = (),
    snapshot_fn: SnapshotFn | None = None,
    noise_std: float = 0.0,
    seed: int = 0,
) -> TrainingHistory:
    """Fit `dist` to `x` by minimising the NLL with Adam in a compiled `tf.function` step.

    `batch_size=None` trains full batch (one step per epoch). The last `validation_split` of the rows is held out;
    the weights of the best validation epoch are restored at the end. `patience` stops early after that many epochs
    without a better validation loss. Epoch 0 in `snapshot_epochs` means before training. A NaN or infinite loss
    stops training, restores the best weights and says so in `stop_reason` and on stdout. `noise_std` > 0 adds
    fresh Gaussian noise of that scale to every training batch, a regulariser for small data sets.
    """
    x = _check_trainable(dist, x)
    epochs = _checks.positive_int("epochs", epochs)
    train_x, val_x = split_rows(x, _checks.fraction("validation_split", validation_split, closed=True))
    batch_size = len(train_x) if batch_size is None else _checks.positive_int("batch_size", batch_size)
    snapshot_epochs = {_checks.non_negative_int("snapshot_epochs[i]", e) for e in snapshot_epochs}
    patience = None if patience is None else _checks.positive_int("patience", patience)
    noise_std = 0.0 if noise_std == 0 else _checks.positive_float("noise_std", noise_std)
    report_every = _checks.non_negative_int("report_every", report_every)
    optimizer = _adam(learning_rate, schedule, total_steps=epochs * math.ceil(len(train_x) / batch_size))
    train_step, eval_loss = _compiled_steps(dist, optimizer, noise_std, _checks.seed("seed", seed))
    snapshot_fn = snapshot_fn or default_snapshot_fn()
    history, best = TrainingHistory(method="tf.function step"), _BestWeights(dist.trainable_variables)
    rng, train_t, val_t = (
        np.random.default_rng(seed),
        tf.constant(train_x),
        None if val_x is None else tf.constant(val_x),
    )
    start = time.perf_counter()
    _snapshot(history, 0, snapshot_epochs, snapshot_fn, dist)
    for epoch in range(1, epochs + 1):
        train_loss = _epoch(train_step, train_t, batch_size, rng)
        watched = _record_epoch(history, epoch, train_loss, eval_loss, train_t, val_t)
        if not (math.isfinite(train_loss) and math.isfinite(watched)):
            _diverged(history, epoch, train_loss if not math.isfinite(train_loss) else watched, best)
            break
        history.best_epoch = best.update(watched, epoch)
        if report_every and (epoch % report_every == 0 or epoch == 1):
            _report(history, epochs, start)
        _snapshot(history, epoch, snapshot_epochs, snapshot_fn, dist)
        if patience is not None and epoch - best.epoch >= patience:
            history.stop_reason = f"early stop at epoch {epoch}: no better validation loss for {patience} epochs"
            break
    _finish(history, best, start, report_every)
    return history


def _snapshot(
    history: TrainingHistory, epoch: int, snapshot_epochs: set[int], snapshot_fn: SnapshotFn, dist: tfd.Distribution
) -> None:
    """Store snapshot_fn(dist) in `history` if `epoch` is one of `snapshot_epochs`."""
    if epoch in snapshot_epochs:
        history.snapshots[epoch] = snapshot_fn(dist)


def _record_epoch(
    history: TrainingHistory,
    epoch: int,
    train_loss: float,
    eval_loss: Callable[[tf.Tensor], tf.Tensor],
    train_t: tf.Tensor,
    val_t: tf.Tensor | None,
) -> float:
    """Append the epoch's losses to `history`; return the loss that picks the best weights."""
    history.epochs.append(epoch)
    history.train_loss.append(train_loss)
    if val_t is not None:
        history.val_loss.append(float(eval_loss(val_t)))
        return history.val_loss[-1]
    # Without validation, the training loss of the weights as they are now, after this epoch's steps
    # (train_loss was computed during them, before the last update).
    return float(eval_loss(train_t))


def _finish(history: TrainingHistory, best: _BestWeights, start: float, report_every: int) -> None:
    """Restore the best weights (after a divergence they already are), time the run and report it."""
    if not history.diverged:
        best.restore()
    history.wall_time_s = time.perf_counter() - start
    if report_every and not history.diverged:
        print(
            f"done in {history.wall_time_s:.1f} s; best epoch {history.best_epoch} "
            f"(NLL {best.loss:.4f}); {history.stop_reason}"
        )


def train_keras(
    dist: tfd.Distribution,
    x: np.ndarray,
    epochs: int = 600,
    batch_size: int | None = None,
    validation_split: float = 0.2,
    learning_rate: float = 1e-3,
    report_every: int = 0,
) -> TrainingHistory:
    """Fit `dist` the tutorial's way: a tf_keras `Model(Input -> log_prob)` and `fit` on the NLL.

    Works for MAFs and chains of MAFs. An IAF built on TFP's default `tf.while_loop` cannot be traced
    through a Keras Input (one built with `unroll_loop=True` can, at a Keras model that grows with D),
    and a `real_nvp_default_template` RealNVP has no trainable variables: use `train`. As Keras does, it keeps the last
    epoch's weights; if the loss becomes NaN or infinite it stops, restores the best finite
    weights (or the initial ones) and says so.
    """
    x = _check_trainable(dist, x)
    epochs = _checks.positive_int("epochs", epochs)
    validation_split = _checks.fraction("validation_split", validation_split, closed=True)
    n_train = len(split_rows(x, validation_split)[0])
    batch_size = n_train if batch_size is None else _checks.positive_int("batch_size", batch_size)
    learning_rate = _checks.positive_float("learning_rate", learning_rate)
    report_every = _checks.non_negative_int("report_every", report_every)

    x_in = tf_keras.layers.Input(shape=(x.shape[1],), dtype=tf.float32)
    model = tf_keras.Model(x_in, dist.log_prob(x_in))
    model.compile(optimizer=tf_keras.optimizers.Adam(learning_rate=learning_rate), loss=lambda _, log_prob: -log_prob)
    history, best = TrainingHistory(method="Keras fit"), _BestWeights(dist.trainable_variables)
    start = time.perf_counter()

    def on_epoch_end(epoch: int, logs: dict) -> None:
        history.epochs.append(epoch + 1)
        history.train_loss.append(float(logs["loss"]))
        if "val_loss" in logs:
            history.val_loss.append(float(logs["val_loss"]))
        best.update((history.val_loss or history.train_loss)[-1], epoch + 1)
        if report_every and (epoch == 0 or (epoch + 1) % report_every == 0):
            _report(history, epochs, start)

    callbacks = [tf_keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end), tf_keras.callbacks.TerminateOnNaN()]
    model.fit(
        x,
        np.zeros((len(x), 0), dtype=np.float32),
        batch_size=batch_size,
        epochs=epochs,
        validation_split=validation_split,
        shuffle=True,
        verbose=0,
        callbacks=callbacks,
    )
    history.wall_time_s = time.perf_counter() - start
    history.best_epoch = best.epoch
    last = [history.train_loss[-1], *history.val_loss[-1:]] if history.train_loss else []
    bad = [loss for loss in last if not math.isfinite(loss)]
    if bad:
        _diverged(history, history.epochs[-1], bad[0], best)
    return history


DEFAULT_RECIPE = dict(epochs=1500, learning_rate=3e-3, schedule="cosine", validation_split=0.2, noise_std=0.05)
# For 10,000 points and more: 6 layers instead of 4, minibatches of 512 (188 epochs of 8000
# training points are about 3000 Adam steps) and no added noise (the small set's regulariser).
LARGE_DATA_RECIPE = dict(num_layers=6, batch_size=512, epochs=188, noise_std=0.0)


def fit_default_flow(
    x: np.ndarray, seed: int = 0, report_every: int = 0, num_layers: int | None = None, **overrides
) -> tuple[tfd.Distribution, TrainingHistory]:
    """Build the course's default flow and train it with the default recipe; return both.

    `num_layers` stacks that many of the default flow's MAF (64, 64) layers instead of 4;
    `overrides` replace entries of DEFAULT_RECIPE. `fit_default_flow(x, **LARGE_DATA_RECIPE)`
    is the recipe for 10,000 points and more.
    """
    x = _checks.points("x", x, min_rows=2)
    seed = _checks.seed("seed", seed)
    if num_layers is None:
        dist = make_default_flow(event_size=x.shape[1], seed=seed)
    else:
        num_layers = _checks.positive_int("num_layers", num_layers)
        dist = make_flow(make_stack("maf", num_layers, x.shape[1], hidden_units=(64, 64), seed=seed), x.shape[1])
    recipe = {**DEFAULT_RECIPE, **overrides}
    return dist, train(dist, x, seed=seed, report_every=report_every, **recipe)
