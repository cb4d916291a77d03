"""Builders for the flows of the course: MADE, MAF, IAF, RealNVP, NICE, stacks and distributions.

Every builder checks its arguments before it creates a variable. Networks are tf.Modules
(or Keras layers), so a distribution built from them lists its `trainable_variables`.
"""
from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
import tf_keras
from tensorflow_probability.python.bijectors import chain as _chain_lib

from course_utils import _checks

tfb = tfp.bijectors
tfd = tfp.distributions

KINDS = ("maf", "iaf", "real_nvp", "nice")
DEFAULT_LOG_SCALE_CLAMP = 3.0


def make_base(event_size: int) -> tfd.Distribution:
    """Return the D-dimensional standard normal N(0, I) with `event_shape` [D]."""
    event_size = _checks.positive_int("event_size", event_size)
    return tfd.Sample(tfd.Normal(loc=0.0, scale=1.0), sample_shape=[event_size], name="base")


def make_flow(bijector: tfb.Bijector, event_size: int) -> tfd.TransformedDistribution:
    """Return the flow x = bijector(z), z ~ N(0, I_D), as a `tfd.TransformedDistribution`."""
    if not isinstance(bijector, tfb.Bijector):
        raise TypeError(f"bijector must be a tfp.bijectors.Bijector, got {type(bijector).__name__}")
    return tfd.TransformedDistribution(distribution=make_base(event_size), bijector=bijector)


def _initializer(seed: int | None) -> tf_keras.initializers.Initializer | str:
    """Glorot-uniform kernels, seeded when `seed` is given."""
    return "glorot_uniform" if seed is None else tf_keras.initializers.GlorotUniform(seed=seed)


def make_made(
    event_size: int,
    hidden_units: Sequence[int] = (16, 16),
    activation: str = "relu",
    params: int = 2,
    seed: int | None = None,
) -> tfb.AutoregressiveNetwork:
    """Return a MADE: output (batch, event_size, params), output i sees only inputs < i."""
    event_size = _checks.positive_int("event_size", event_size)
    if event_size < 2:
        raise ValueError(f"event_size must be at least 2 for an autoregressive network, got {event_size}")
    units = _checks.hidden_units("hidden_units", hidden_units)
    params = _checks.positive_int("params", params)
    made = tfb.AutoregressiveNetwork(
        params=params,
        event_shape=[event_size],
        hidden_units=units,
        activation=activation,
        kernel_initializer=_initializer(seed),
    )
    made.build((None, event_size))
    return made


class ClampedShiftAndLogScale(tf.Module):
    """Wrap a MADE so its log-scale is soft-clamped: log_scale -> c * tanh(log_scale / c)."""

    def __init__(self, made: tfb.AutoregressiveNetwork, log_scale_clamp: float):
        super().__init__(name="clamped_shift_and_log_scale")
        self.made = made
        self.log_scale_clamp = log_scale_clamp

    def __call__(self, x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """Return (shift, clamped log_scale), each shaped like `x`."""
        shift, log_scale = tf.unstack(self.made(x), num=2, axis=-1)
        return shift, self.log_scale_clamp * tf.tanh(log_scale / self.log_scale_clamp)


def make_maf(
    event_size: int,
    hidden_units: Sequence[int] = (16, 16),
    activation: str = "relu",
    log_scale_clamp: float | None = DEFAULT_LOG_SCALE_CLAMP,
    seed: int | None = None,
) -> tfb.MaskedAutoregressiveFlow:
    """Return a MAF bijector driven by a MADE; `log_scale_clamp=None` is the tutorial's unbounded form."""
    # Check the clamp before make_made creates the network's variables.
    clamp = None if log_scale_clamp is None else _checks.positive_float("log_scale_clamp", log_scale_clamp)
    made = make_made(event_size, hidden_units, activation, params=2, seed=seed)
    if clamp is None:
        return tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=made)
    return tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=ClampedShiftAndLogScale(made, clamp))


def make_iaf(
    event_size: int,
    hidden_units: Sequence[int] = (16, 16),
    activation: str = "relu",
    log_scale_clamp: float | None = DEFAULT_LOG_SCALE_CLAMP,
    seed: int | None = None,
) -> tfb.Invert:
    """Return an IAF bijector: the inverse of a MAF, so sampling takes one network pass."""
    return tfb.Invert(make_maf(event_size, hidden_units, activation, log_scale_clamp, seed), name="iaf")


def _num_masked(event_size: int, num_masked: int | None, fraction_masked: float | None) -> int:
    """Return how many leading dimensions a coupling layer passes through unchanged."""
    if (num_masked is None) == (fraction_masked is None):
        raise ValueError(
            "give exactly one of num_masked and fraction_masked, "
            f"got num_masked={num_masked!r}, fraction_masked={fraction_masked!r}"
        )
    if fraction_masked is not None:
        fraction = _checks.fraction("fraction_masked", fraction_masked)
        count = int(np.round(event_size * fraction))  # the rounding tfb.RealNVP uses
        name, given = "fraction_masked", fraction
    else:
        count = _checks.positive_int("num_masked", num_masked)
        name, given = "num_masked", count
    if not 1 <= count < event_size:
        raise ValueError(
            f"{name}={given} masks {count} of {event_size} dimensions; "
            f"a coupling layer needs between 1 and {event_size - 1} masked dimensions"
        )
    return count


class CouplingNetwork(tf.Module):
    """The shift-and-log-scale network of a coupling layer: an MLP from x[:d] to (shift, log_scale)."""

    def __init__(
        self,
        num_masked: int,
        output_units: int,
        hidden_units: Sequence[int],
        activation: str = "relu",
        shift_only: bool = False,
        log_scale_clamp: float | None = DEFAULT_LOG_SCALE_CLAMP,
        seed: int | None = None,
    ):
        super().__init__(name="coupling_network")
        self.shift_only = shift_only
        self.log_scale_clamp = log_scale_clamp
        layers = [tf_keras.layers.Dense(u, activation=activation, kernel_initializer=_initializer(seed))
                  for u in hidden_units]
        outputs = output_units if shift_only else 2 * output_units
        layers.append(tf_keras.layers.Dense(outputs, kernel_initializer=_initializer(seed)))
        self.mlp = tf_keras.Sequential([tf_keras.Input(shape=(num_masked,)), *layers])

    def __call__(self, x0: tf.Tensor, output_units: int) -> tuple[tf.Tensor, tf.Tensor | None]:
        """Return (shift, log_scale) for the transformed dimensions; log_scale is None for NICE."""
        out = self.mlp(x0)
        if self.shift_only:
            return out, None
        shift, log_scale = tf.split(out, 2, axis=-1)
        if self.log_scale_clamp is not None:
            log_scale = self.log_scale_clamp * tf.tanh(log_scale / self.log_scale_clamp)
        return shift, log_scale


def make_real_nvp(
    event_size: int,
    hidden_units: Sequence[int] = (16, 16),
    num_masked: int | None = None,
    fraction_masked: float | None = None,
    activation: str = "relu",
    shift_only: bool = False,
    log_scale_clamp: float | None = DEFAULT_LOG_SCALE_CLAMP,
    seed: int | None = None,
) -> tfb.RealNVP:
    """Return a trainable RealNVP coupling layer (NICE when `shift_only`); default masks half."""
    event_size = _checks.positive_int("event_size", event_size)
    units = _checks.hidden_units("hidden_units", hidden_units)
    if num_masked is None and fraction_masked is None:
        fraction_masked = 0.5
    masked = _num_masked(event_size, num_masked, fraction_masked)
    if log_scale_clamp is not None:
        log_scale_clamp = _checks.positive_float("log_scale_clamp", log_scale_clamp)
    network = CouplingNetwork(masked, event_size - masked, units, activation, shift_only, log_scale_clamp, seed)
    # Pass the masking argument through as given, so both of tfb.RealNVP's forms are exercised.
    if num_masked is not None:
        return tfb.RealNVP(num_masked=masked, shift_and_log_scale_fn=network)
    return tfb.RealNVP(fraction_masked=float(fraction_masked), shift_and_log_scale_fn=network)


def make_nice(
    event_size: int,
    hidden_units: Sequence[int] = (16, 16),
    num_masked: int | None = None,
    fraction_masked: float | None = None,
    activation: str = "relu",
    seed: int | None = None,
) -> tfb.RealNVP:
    """Return a trainable NICE (additive) coupling layer: shift only, log-det exactly 0."""
    return make_real_nvp(event_size, hidden_units, num_masked, fraction_masked, activation,
                         shift_only=True, log_scale_clamp=None, seed=seed)


_TF1_DENSE_WARNING = r"`tf\.layers\.dense` is deprecated"  # what the template's TF1 layers warn on every call


class QuietTemplate:
    """Call a `tfb.real_nvp_default_template` with its `tf.layers.dense` deprecation warning silenced.

    Deliberately not a tf.Module: like the template itself, it keeps the template's variables
    out of `trainable_variables`, which is what the tutorial's route shows. `template` is the
    wrapped template, whose own `trainable_variables` do list them (after the first call).
    """

    def __init__(self, template):
        self.template = template

    def __call__(self, x0: tf.Tensor, output_units: int, **condition_kwargs) -> tuple[tf.Tensor, tf.Tensor | None]:
        """Return the template's (shift, log_scale), without the warning on stderr."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_TF1_DENSE_WARNING, category=UserWarning)
            return self.template(x0, output_units, **condition_kwargs)


def make_real_nvp_template(
    hidden_units: Sequence[int] = (16, 16),
    num_masked: int | None = None,
    fraction_masked: float | None = 0.5,
    shift_only: bool = False,
) -> tfb.RealNVP:
    """Return the tutorial's RealNVP on `tfb.real_nvp_default_template` (its variables are invisible to TF2)."""
    units = _checks.hidden_units("hidden_units", hidden_units)
    if num_masked is not None:
        fraction_masked = None
    template = tfb.real_nvp_default_template(hidden_layers=units, activation=tf.nn.relu, shift_only=shift_only)
    return tfb.RealNVP(num_masked=num_masked, fraction_masked=fraction_masked,
                       shift_and_log_scale_fn=QuietTemplate(template))


def template_variables(bijector: tfb.Bijector) -> list[tf.Variable]:
    """Return the variables inside a `make_real_nvp_template` layer (none before its first call)."""
    network = getattr(bijector, "_shift_and_log_scale_fn", None)
    if not isinstance(network, QuietTemplate):
        raise TypeError(
            f"bijector must be a RealNVP from builders.make_real_nvp_template, got {type(bijector).__name__}"
            + (f" whose network is a {type(network).__name__}" if network is not None else "")
        )
    return list(network.template.trainable_variables)


def make_layer(kind: str, event_size: int, hidden_units: Sequence[int] = (16, 16), **kwargs) -> tfb.Bijector:
    """Return one flow layer of `kind` ('maf', 'iaf', 'real_nvp' or 'nice')."""
    builders = {"maf": make_maf, "iaf": make_iaf, "real_nvp": make_real_nvp, "nice": make_nice}
    _checks.one_of("kind", kind, KINDS)
    return builders[kind](event_size, hidden_units, **kwargs)


def make_stack(
    kind: str,
    num_layers: int,
    event_size: int,
    hidden_units: Sequence[int] = (16, 16),
    permutation: Sequence[int] | None = None,
    seed: int | None = None,
    **kwargs,
) -> tfb.Chain:
    """Return K layers of `kind` with `tfb.Permute` between them; layer 1 acts on z first.

    The default permutation reverses the dimensions. Extra keyword arguments go to each
    layer's builder (for example `activation`, `log_scale_clamp`, `num_masked`).
    """
    _checks.one_of("kind", kind, KINDS)
    num_layers = _checks.positive_int("num_layers", num_layers)
    event_size = _checks.positive_int("event_size", event_size)
    if permutation is None:
        permutation = list(reversed(range(event_size)))
    permutation = _checks.permutation("permutation", permutation, event_size)
    applied_in_order: list[tfb.Bijector] = []
    for i in range(num_layers):
        layer_seed = None if seed is None else seed + i
        applied_in_order.append(make_layer(kind, event_size, hidden_units, seed=layer_seed, **kwargs))
        if i < num_layers - 1:
            applied_in_order.append(tfb.Permute(permutation=permutation))
    # tfb.Chain applies its list from last to first.
    return tfb.Chain(list(reversed(applied_in_order)))


def make_default_flow(event_size: int = 2, seed: int | None = 0) -> tfd.TransformedDistribution:
    """Return the course's default density model: 4 clamped MAF (64, 64) layers with Permute."""
    return make_flow(make_stack("maf", 4, event_size, hidden_units=(64, 64), seed=seed), event_size)


def forward_stages(chain: tfb.Chain, z: tf.Tensor | np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Return [(name, samples)] after each bijector of `chain`, starting with the input `z`."""
    # tfb.Chain(...) returns a plain `_Chain` (the base class of tfb.Chain) when any bijector is
    # not a CompositeTensor, as every layer with a Keras/tf.Module network is: accept both.
    if not isinstance(chain, _chain_lib._Chain):
        raise TypeError(f"chain must be a tfp.bijectors.Chain, got {type(chain).__name__}")
    x = tf.convert_to_tensor(z, dtype=tf.float32)
    stages = [("base", x.numpy())]
    for bijector in reversed(chain.bijectors):  # the last listed acts first
        x = bijector.forward(x)
        stages.append((bijector.name, x.numpy()))
    return stages


def _bijector(name: str, value: object) -> tfb.Bijector:
    """Return `value` if it is a tfp bijector, or raise."""
    if not isinstance(value, tfb.Bijector):
        raise TypeError(f"{name} must be a tfp.bijectors.Bijector, got {type(value).__name__}")
    return value


def unchanged_dims(bijector: tfb.Bijector, x: tf.Tensor | np.ndarray) -> np.ndarray:
    """Return one bool per dimension: True where `bijector.forward` leaves that column of x exactly as it was."""
    _bijector("bijector", bijector)
    x = _checks.points("x", x)
    y = np.asarray(bijector.forward(tf.constant(x)))
    if y.shape != x.shape:
        raise ValueError(f"bijector.forward must keep the shape of x {x.shape}, got {y.shape}")
    return np.all(y == x, axis=0)


def jacobian(bijector: tfb.Bijector, x: tf.Tensor | np.ndarray) -> np.ndarray:
    """Return the (n, D, D) Jacobians d forward(x)_i / d x_j at each row of x, by automatic differentiation."""
    _bijector("bijector", bijector)
    x = tf.constant(_checks.points("x", x))
    with tf.GradientTape(persistent=True) as tape:  # persistent + no pfor: a loop over D outputs, fast for small D
        tape.watch(x)
        y = bijector.forward(x)
    if y.shape != x.shape:
        raise ValueError(f"bijector.forward must keep the shape of x {tuple(x.shape)}, got {tuple(y.shape)}")
    return tape.batch_jacobian(y, x, experimental_use_pfor=False).numpy()


def stage_jacobians(chain: tfb.Chain, z: tf.Tensor | np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Return [(name, (n, D, D) Jacobians)] of each bijector of `chain` at its own input, in the order they act."""
    if not isinstance(chain, _chain_lib._Chain):
        raise TypeError(f"chain must be a tfp.bijectors.Chain, got {type(chain).__name__}")
    x = _checks.points("z", z)
    jacobians = []
    for bijector in reversed(chain.bijectors):  # the last listed acts first
        jacobians.append((bijector.name, jacobian(bijector, x)))
        x = np.asarray(bijector.forward(tf.constant(x)))
    return jacobians


def count_parameters(model: tf.Module) -> int:
    """Return the number of trainable scalars of a distribution, bijector or network."""
    if not hasattr(model, "trainable_variables"):
        raise TypeError(
            f"model must be a tfp distribution, bijector or tf.Module with trainable_variables, got {type(model).__name__}"
        )
    return int(sum(np.prod(variable.shape) for variable in model.trainable_variables))


# ---------------------------------------------------------------- MADE degrees and masks; counting network passes

MADE_INPUT_ORDERS = ("left-to-right", "right-to-left")
AUTOREGRESSIVE_KINDS = ("maf", "iaf")
FLOW_OPERATIONS = ("log_prob", "sample", "sample_and_log_prob")


def made_degrees(
    event_size: int, hidden_units: Sequence[int], input_order: str | Sequence[int] = "left-to-right"
) -> list[np.ndarray]:
    """Return the degrees of MADE's inputs and of each hidden layer's units, as tfb.AutoregressiveNetwork sets them.

    Input degrees are 1..D in `input_order`; hidden units get degrees 1..D-1 spread evenly
    (TFP's 'equal' rule). A unit of degree d may only depend on the inputs of degree <= d.
    """
    event_size = _checks.positive_int("event_size", event_size)
    if event_size < 2:
        raise ValueError(f"event_size must be at least 2 for an autoregressive network, got {event_size}")
    units = _checks.hidden_units("hidden_units", hidden_units)
    if isinstance(input_order, str):
        _checks.one_of("input_order", input_order, MADE_INPUT_ORDERS)
        order = np.arange(1, event_size + 1)
        degrees = [order if input_order == "left-to-right" else order[::-1].copy()]
    else:
        as_list = [int(v) for v in input_order] if isinstance(input_order, (Sequence, np.ndarray)) else None
        if as_list is None or sorted(as_list) != list(range(1, event_size + 1)):
            raise ValueError(f"input_order must be {list(MADE_INPUT_ORDERS)} or a permutation of 1..{event_size}, "
                             f"got {input_order!r}")
        degrees = [np.array(as_list)]
    for width in units:
        lowest = min(int(degrees[-1].min()), event_size - 1)
        evenly = np.ceil(np.arange(1, width + 1) * (event_size - 1) / (width + 1)).astype(int)
        degrees.append(np.maximum(lowest, evenly))
    return degrees


def made_masks(degrees: Sequence[np.ndarray], params: int = 1) -> list[np.ndarray]:
    """Return MADE's boolean masks, shaped (units in, units out) like Keras kernels, from the degrees of each layer.

    Hidden layers: a connection is allowed when degree in <= degree out. Output layer: output i
    (degree of input i) may see hidden units of degree < its own; its `params` columns are adjacent.
    """
    if isinstance(degrees, (str, bytes)) or not isinstance(degrees, Sequence) or len(degrees) == 0:
        raise TypeError(f"degrees must be a non-empty list of 1-D integer arrays (inputs first), got {degrees!r}")
    arrays = []
    for index, value in enumerate(degrees):
        array = np.asarray(value)
        if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"degrees[{index}] must be a non-empty 1-D array of integers, got {value!r}")
        arrays.append(array)
    params = _checks.positive_int("params", params)
    masks = [d_in[:, None] <= d_out[None, :] for d_in, d_out in zip(arrays[:-1], arrays[1:])]
    masks.append(np.repeat(arrays[-1][:, None] < arrays[0][None, :], params, axis=1))
    return masks


class CallCounter(tf.Module):
    """Wrap a network (or any function) and count its calls; exact in eager mode (a tf.function counts traces).

    With `record_inputs=True` it also keeps a NumPy copy of the first argument of every eager call
    in `inputs`, which shows what a bijector fed its network pass by pass.
    """

    def __init__(self, network: Callable[..., Any], name: str = "call_counter", record_inputs: bool = False):
        if not callable(network):
            raise TypeError(f"network must be callable (a network or a function), got {type(network).__name__}")
        if not isinstance(record_inputs, bool):
            raise TypeError(f"record_inputs must be True or False, got {record_inputs!r}")
        super().__init__(name=name)
        self.network = network
        self.record_inputs = record_inputs
        self.calls = 0
        self._inputs: list[np.ndarray] = []

    @property
    def inputs(self) -> list[np.ndarray]:
        """The first argument of each eager call since the last reset (only with record_inputs=True)."""
        return list(self._inputs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Count one call (recording its input if asked) and return network(*args, **kwargs)."""
        self.calls += 1
        if self.record_inputs and args and tf.executing_eagerly():
            self._inputs.append(np.array(args[0]))
        return self.network(*args, **kwargs)

    def reset(self) -> None:
        """Set the count back to zero and forget the recorded inputs."""
        self.calls = 0
        self._inputs = []

    def count(self, operation: Callable[[], Any]) -> int:
        """Run operation() from a count of zero and return how many calls it made to the network."""
        if not callable(operation):
            raise TypeError(f"operation must be a function of no arguments, got {type(operation).__name__}")
        self.reset()
        operation()
        return self.calls


def make_counted_flow(
    kind: str,
    event_size: int,
    hidden_units: Sequence[int] = (16, 16),
    log_scale_clamp: float | None = DEFAULT_LOG_SCALE_CLAMP,
    seed: int | None = None,
) -> tuple[tfd.TransformedDistribution, CallCounter]:
    """Return a MAF or IAF flow (`kind` 'maf' or 'iaf') whose shift-and-log-scale network counts its calls, and the counter."""
    _checks.one_of("kind", kind, AUTOREGRESSIVE_KINDS)
    clamp = None if log_scale_clamp is None else _checks.positive_float("log_scale_clamp", log_scale_clamp)
    made = make_made(event_size, hidden_units, params=2, seed=seed)
    counter = CallCounter(made if clamp is None else ClampedShiftAndLogScale(made, clamp))
    bijector = tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=counter)
    if kind == "iaf":
        bijector = tfb.Invert(bijector, name="iaf")
    return make_flow(bijector, event_size), counter


@dataclass
class PassCosts:
    """Network calls (counted) and seconds (measured) of a flow's operations, one entry per event size."""

    kind: str
    event_sizes: list[int]
    n: int
    calls: dict[str, list[int]] = field(default_factory=dict)
    seconds: dict[str, list[float]] = field(default_factory=dict)

    def table(self, what: str = "calls") -> str:
        """Return the calls ('calls') or the times in ms ('seconds') as a text table, one row per event size."""
        _checks.one_of("what", what, ("calls", "seconds"))
        values = self.calls if what == "calls" else self.seconds
        if not values:
            raise ValueError(f"no operation was {'counted' if what == 'calls' else 'timed'}, so there is no table")
        heading = "network calls" if what == "calls" else f"milliseconds for {self.n} points (compiled)"
        lines = [f"{self.kind.upper()}: {heading}", f"{'D':>4}" + "".join(f"{op:>21}" for op in values)]
        for row, size in enumerate(self.event_sizes):
            cells = [f"{v[row]:>21d}" if what == "calls" else f"{1e3 * v[row]:>21.1f}" for v in values.values()]
            lines.append(f"{size:>4}" + "".join(cells))
        return "\n".join(lines)


def _run_operation(flow: tfd.TransformedDistribution, operation: str, x: tf.Tensor, n: int, seed: tf.Tensor) -> Any:
    """Run one of FLOW_OPERATIONS on the flow: log_prob of x, or n samples (with their log_prob)."""
    if operation == "log_prob":
        return flow.log_prob(x)
    if operation == "sample":
        return flow.sample(n, seed=seed)
    return flow.experimental_sample_and_log_prob(n, seed=seed)


def measure_pass_costs(
    kind: str,
    event_sizes: Sequence[int] = (2, 4, 8, 16, 32),
    n: int = 1000,
    operations: Sequence[str] = ("log_prob", "sample"),
    timed: Sequence[str] | None = None,
    hidden_units: Sequence[int] = (32, 32),
    repeats: int = 7,
    seed: int = 0,
) -> PassCosts:
    """Count the network calls of each operation of a MAF or IAF (eager) and time the `timed` ones compiled.

    Calls do not depend on the batch size, so they are counted on 4 points. Times (best of
    `repeats`) are for `n` points, run in a `tf.function` after one warm-up call (eager overhead
    would hide the network); `timed=None` times every operation, `timed=()` none.
    """
    _checks.one_of("kind", kind, AUTOREGRESSIVE_KINDS)
    if isinstance(event_sizes, (str, bytes)) or not isinstance(event_sizes, Sequence) or len(event_sizes) == 0:
        raise TypeError(f"event_sizes must be a non-empty list of integers >= 2, got {event_sizes!r}")
    sizes = [_checks.positive_int(f"event_sizes[{i}]", size) for i, size in enumerate(event_sizes)]
    if min(sizes) < 2:
        raise ValueError(f"event_sizes must all be at least 2 (an autoregressive flow needs D >= 2), got {sizes}")
    n = _checks.positive_int("n", n)
    if isinstance(operations, str) or not operations:
        raise TypeError(f"operations must be a non-empty list drawn from {list(FLOW_OPERATIONS)}, got {operations!r}")
    operations = [_checks.one_of(f"operations[{i}]", op, FLOW_OPERATIONS) for i, op in enumerate(operations)]
    if timed is None:
        timed = operations
    if isinstance(timed, str):
        raise TypeError(f"timed must be a list of operations, got {timed!r}")
    timed = [_checks.one_of(f"timed[{i}]", op, operations) for i, op in enumerate(timed)]
    repeats = _checks.positive_int("repeats", repeats)
    seed = _checks.non_negative_int("seed", seed)
    costs = PassCosts(kind, sizes, n, {op: [] for op in operations}, {op: [] for op in timed})
    stateless_seed = tf.constant([seed, 0], tf.int32)
    rng = np.random.default_rng(seed)
    for size in sizes:
        flow, counter = make_counted_flow(kind, size, hidden_units, seed=seed)
        x = rng.standard_normal((n, size)).astype(np.float32)
        for op in operations:
            costs.calls[op].append(counter.count(
                lambda: _run_operation(flow, op, tf.constant(x[:4]), 4, stateless_seed)))
            if op not in timed:
                continue
            compiled = tf.function(lambda points: _run_operation(flow, op, points, n, stateless_seed))
            points = tf.constant(x)
            compiled(points)  # trace and warm up
            best = math.inf
            for _ in range(repeats):
                start = time.perf_counter()
                compiled(points)
                best = min(best, time.perf_counter() - start)
            costs.seconds[op].append(best)
    return costs
