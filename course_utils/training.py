"""Training flows by maximum likelihood: a fast compiled trainer and the tutorial's Keras route.

Both return a `TrainingHistory` in the same format, so the two can be compared side by side.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
import tf_keras

from course_utils import _checks, metrics
from course_utils.builders import make_default_flow, make_flow, make_stack
from course_utils.data import ToyData

tfd = tfp.distributions

SCHEDULES = ("constant", "cosine")
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
    """Check that `dist` has variables to train and that `x` fits its event size."""
    if not hasattr(dist, "log_prob") or not hasattr(dist, "trainable_variables"):
        raise TypeError(f"dist must be a tfp distribution, got {type(dist).__name__}")
    if not dist.trainable_variables:
        raise ValueError(
            "dist has no trainable variables, so training would change nothing. A bijector built on "
            "tfb.real_nvp_default_template hides its variables from TF2: use builders.make_real_nvp."
        )
    event_size = int(dist.event_shape[-1]) if dist.event_shape.rank else None
    return _checks.points(name, x, event_size, min_rows=2)


def _split(x: np.ndarray, validation_split: float) -> tuple[np.ndarray, np.ndarray | None]:
    """Split off the last `validation_split` of the rows as validation, as Keras does."""
    n_train = int(math.floor(len(x) * (1.0 - validation_split)))  # Keras's own formula
    if n_train == len(x):
        return x, None
    return x[:n_train], x[n_train:]


def default_snapshot_fn(n: int = 1000, seed: int = 0) -> SnapshotFn:
    """Return a snapshot function that pushes the same n base points through the flow each time."""
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
    print(f"epoch {history.epochs[-1]:>5}/{epochs}  train {history.train_loss[-1]:.4f}{val}"
          f"  ({time.perf_counter() - start:.1f} s)")


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

    `batch_size=None` trains full batch (one step per epoch). The last `validation_split` of
    the rows is held out; the weights of the best validation epoch are restored at the end.
    `patience` stops early after that many epochs without a better validation loss. Epoch 0
    in `snapshot_epochs` means before training. A NaN or infinite loss stops training, restores
    the best weights and says so in `stop_reason` and on stdout. `noise_std` > 0 adds fresh
    Gaussian noise of that scale to every training batch, a regulariser for small data sets.
    """
    x = _check_trainable(dist, x)
    epochs = _checks.positive_int("epochs", epochs)
    validation_split = _checks.fraction("validation_split", validation_split, closed=True)
    learning_rate = _checks.positive_float("learning_rate", learning_rate)
    _checks.one_of("schedule", schedule, SCHEDULES)
    report_every = _checks.non_negative_int("report_every", report_every)
    snapshot_epochs = {_checks.non_negative_int("snapshot_epochs[i]", e) for e in snapshot_epochs}
    if patience is not None:
        patience = _checks.positive_int("patience", patience)
    noise_std = 0.0 if noise_std == 0 else _checks.positive_float("noise_std", noise_std)
    train_x, val_x = _split(x, validation_split)
    batch_size = len(train_x) if batch_size is None else _checks.positive_int("batch_size", batch_size)
    steps_per_epoch = math.ceil(len(train_x) / batch_size)
    snapshot_fn = snapshot_fn or default_snapshot_fn()

    lr = learning_rate
    if schedule == "cosine":
        lr = tf_keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=epochs * steps_per_epoch)
    optimizer = tf_keras.optimizers.Adam(learning_rate=lr)
    variables = dist.trainable_variables

    step_seed = tf.Variable([seed, 0], dtype=tf.int64, trainable=False)

    @tf.function(reduce_retracing=True)
    def train_step(batch: tf.Tensor) -> tf.Tensor:
        if noise_std:
            step_seed.assign_add([0, 1])
            batch = batch + noise_std * tf.random.stateless_normal(tf.shape(batch), seed=step_seed)
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(dist.log_prob(batch))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    @tf.function(reduce_retracing=True)
    def eval_loss(batch: tf.Tensor) -> tf.Tensor:
        return -tf.reduce_mean(dist.log_prob(batch))

    history = TrainingHistory(method="tf.function step")
    rng = np.random.default_rng(seed)
    train_t = tf.constant(train_x)
    val_t = None if val_x is None else tf.constant(val_x)
    best_loss, best_weights = math.inf, [v.numpy() for v in variables]
    start = time.perf_counter()
    if 0 in snapshot_epochs:
        history.snapshots[0] = snapshot_fn(dist)
    for epoch in range(1, epochs + 1):
        if steps_per_epoch == 1:
            train_loss = float(train_step(train_t))
        else:
            order = rng.permutation(len(train_x))
            losses = [train_step(tf.gather(train_t, order[i:i + batch_size]))
                      for i in range(0, len(train_x), batch_size)]
            train_loss = float(np.mean(losses))
        val_loss = float(eval_loss(val_t)) if val_t is not None else None
        history.epochs.append(epoch)
        history.train_loss.append(train_loss)
        if val_loss is not None:
            history.val_loss.append(val_loss)
        # The loss the best-weights bookkeeping watches must belong to the weights as they are now,
        # after this epoch's steps: train_loss was computed before them (during the steps).
        watched = val_loss if val_loss is not None else float(eval_loss(train_t))
        if not (math.isfinite(train_loss) and math.isfinite(watched)):
            history.stop_reason = (f"diverged at epoch {epoch}: the loss became {train_loss if not math.isfinite(train_loss) else watched}; "
                                   f"restored the weights of epoch {history.best_epoch}")
            print(f"Training stopped: {history.stop_reason}.")
            break
        if watched < best_loss:
            best_loss, history.best_epoch = watched, epoch
            best_weights = [v.numpy() for v in variables]
        if report_every and (epoch % report_every == 0 or epoch == 1):
            _report(history, epochs, start)
        if epoch in snapshot_epochs:
            history.snapshots[epoch] = snapshot_fn(dist)
        if patience is not None and epoch - history.best_epoch >= patience:
            history.stop_reason = f"early stop at epoch {epoch}: no better validation loss for {patience} epochs"
            break
    for variable, value in zip(variables, best_weights):
        variable.assign(value)
    history.wall_time_s = time.perf_counter() - start
    if report_every and not history.diverged:
        print(f"done in {history.wall_time_s:.1f} s; best epoch {history.best_epoch} "
              f"(NLL {best_loss:.4f}); {history.stop_reason}")
    return history


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

    Works for MAFs and chains of MAFs; an IAF or a `real_nvp_default_template` RealNVP cannot
    be traced through a Keras Input (use `train` for those).
    """
    x = _check_trainable(dist, x)
    epochs = _checks.positive_int("epochs", epochs)
    validation_split = _checks.fraction("validation_split", validation_split, closed=True)
    learning_rate = _checks.positive_float("learning_rate", learning_rate)
    report_every = _checks.non_negative_int("report_every", report_every)
    n_train = len(_split(x, validation_split)[0])
    batch_size = n_train if batch_size is None else _checks.positive_int("batch_size", batch_size)

    x_in = tf_keras.layers.Input(shape=(x.shape[1],), dtype=tf.float32)
    model = tf_keras.Model(x_in, dist.log_prob(x_in))
    model.compile(optimizer=tf_keras.optimizers.Adam(learning_rate=learning_rate),
                  loss=lambda _, log_prob: -log_prob)
    history = TrainingHistory(method="Keras fit")
    start = time.perf_counter()

    def on_epoch_end(epoch: int, logs: dict) -> None:
        history.epochs.append(epoch + 1)
        history.train_loss.append(float(logs["loss"]))
        if "val_loss" in logs:
            history.val_loss.append(float(logs["val_loss"]))
        if report_every and (epoch == 0 or (epoch + 1) % report_every == 0):
            _report(history, epochs, start)

    model.fit(x, np.zeros((len(x), 0), dtype=np.float32), batch_size=batch_size, epochs=epochs,
              validation_split=validation_split, shuffle=True, verbose=0,
              callbacks=[tf_keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end),
                         tf_keras.callbacks.TerminateOnNaN()])
    history.wall_time_s = time.perf_counter() - start
    watched = history.val_loss or history.train_loss
    finite = [(loss, epoch) for loss, epoch in zip(watched, history.epochs) if math.isfinite(loss)]
    history.best_epoch = min(finite)[1] if finite else None
    if len(finite) < len(watched):
        history.stop_reason = f"diverged at epoch {history.epochs[-1]}: the loss became {watched[-1]}"
        print(f"Training stopped: {history.stop_reason}.")
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
    if num_layers is None:
        dist = make_default_flow(event_size=x.shape[1], seed=seed)
    else:
        num_layers = _checks.positive_int("num_layers", num_layers)
        dist = make_flow(make_stack("maf", num_layers, x.shape[1], hidden_units=(64, 64), seed=seed), x.shape[1])
    recipe = {**DEFAULT_RECIPE, **overrides}
    return dist, train(dist, x, seed=seed, report_every=report_every, **recipe)


def nll_report(
    dist: tfd.Distribution, data: ToyData, validation_split: float = 0.2, n_fresh: int = 20000, seed: int = 12345
) -> dict[str, float]:
    """Return the mean NLL (nats) of `dist` on the training part, the validation part and n_fresh fresh points.

    The split is the one `train` and Keras make (the last `validation_split` of the rows is
    validation); the fresh points are `metrics.heldout_nll`'s, drawn with `seed`.
    """
    if not isinstance(data, ToyData):
        raise TypeError(f"data must be a course_utils.data.ToyData (e.g. data.two_moons()), got {type(data).__name__}")
    train_x, val_x = data.split(validation_split)
    return {
        "train": metrics.nll(dist, train_x),
        "validation": metrics.nll(dist, val_x),
        "held-out": metrics.heldout_nll(dist, data, n=n_fresh, seed=seed),
    }


def _table_cell(value: object, digits: int) -> str:
    """Format one table value: integers as they are, other numbers with `digits` decimals, None as '-'."""
    if value is None:
        return "-"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{digits}f}"
    raise TypeError(f"table values must be numbers or None, got {value!r} of type {type(value).__name__}")


def format_nll_table(
    rows: Mapping[str, Mapping[str, float]],
    entropy: float | None = None,
    digits: int | Mapping[str, int] = 3,
    columns: Sequence[str] | None = None,
) -> str:
    """Return {model: {column: value}} as a text table; with `entropy`, add the column held-out - entropy.

    Columns appear in the order they are first met, or as listed in `columns` (only those); a
    row without a column shows '-'. The
    extra column is the KL divergence the model has left to the data (in nats), when the rows
    have a 'held-out' NLL. `digits` is the number of decimals, or {model name: decimals} for
    rows that need fewer (say, numbers that vary in the last decimal from run to run); 3 otherwise.
    """
    if not isinstance(rows, Mapping) or not rows:
        raise TypeError(f"rows must be a non-empty dict {{model name: {{column: value}}}}, got {rows!r}")
    if isinstance(digits, Mapping):
        unknown = [name for name in digits if name not in rows]
        if unknown:
            raise ValueError(f"digits names rows that are not in the table: {unknown}; rows are {list(rows)}")
        row_digits = {name: _checks.non_negative_int(f"digits[{name!r}]", digits.get(name, 3)) for name in rows}
        digits = 3
    else:
        digits = _checks.non_negative_int("digits", digits)
        row_digits = {name: digits for name in rows}
    found: list[str] = []
    for name, row in rows.items():
        if not isinstance(row, Mapping):
            raise TypeError(f"rows[{name!r}] must be a dict {{column: value}}, got {type(row).__name__}")
        found += [column for column in row if column not in found]
    if columns is None:
        columns = found
    else:
        if isinstance(columns, (str, bytes)) or not isinstance(columns, Sequence) or not columns:
            raise TypeError(f"columns must be a non-empty list of column names, got {columns!r}")
        missing = [column for column in columns if column not in found]
        if missing:
            raise ValueError(f"columns {missing} are in no row; the rows have {found}")
        columns = list(columns)
    gap_column = "held-out - entropy"
    if entropy is not None:
        entropy = float(entropy)
        if not math.isfinite(entropy):
            raise ValueError(f"entropy must be a finite number, got {entropy}")
        if "held-out" not in columns:
            raise ValueError(f"entropy needs a 'held-out' column to compare with, got columns {columns}")
    header = ["model", *columns] + ([gap_column] if entropy is not None else [])
    body = []
    for name, row in rows.items():
        cells = [str(name)] + [_table_cell(row.get(column), row_digits[name]) for column in columns]
        if entropy is not None:
            heldout = row.get("held-out")
            cells.append(_table_cell(None if heldout is None else float(heldout) - entropy, row_digits[name]))
        body.append(cells)
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join([cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]).rstrip()

    text = [line(header), line(["-" * w for w in widths]), *(line(cells) for cells in body)]
    if entropy is not None:
        text.append(f"best possible NLL (the entropy of the data): {entropy:.{digits}f}")
    return "\n".join(text)
