"""Builders for the flows of the course: MADE, MAF, IAF, RealNVP, NICE, stacks and distributions.

Every builder checks its arguments before it creates a variable. Networks are tf.Modules
(or Keras layers), so a distribution built from them lists its `trainable_variables`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from course_utils import _checks
from course_utils._tf import tf, tf_keras, tfb, tfd

KINDS = ("maf", "iaf", "real_nvp", "nice")
DEFAULT_LOG_SCALE_CLAMP = 3.0


def soft_clamp(log_scale: tf.Tensor, log_scale_clamp: float) -> tf.Tensor:
    """Return c * tanh(log_scale / c): close to log_scale near 0, never beyond +-c."""
    return log_scale_clamp * tf.tanh(log_scale / log_scale_clamp)


def make_base(event_size: int) -> tfd.Distribution:
    """Return the D-dimensional standard normal N(0, I) with `event_shape` [D]."""
    event_size = _checks.event_size("event_size", event_size)
    return tfd.Sample(tfd.Normal(loc=0.0, scale=1.0), sample_shape=[event_size], name="base")


def make_flow(bijector: tfb.Bijector, event_size: int) -> tfd.TransformedDistribution:
    """Return the flow x = bijector(z), z ~ N(0, I_D), as a `tfd.TransformedDistribution`."""
    _checks.bijector("bijector", bijector)
    event_size = _checks.event_size("event_size", event_size)
    _checks.event_size_is("bijector", bijector, event_size, f"make_flow(..., event_size={event_size})")
    return tfd.TransformedDistribution(distribution=make_base(event_size), bijector=bijector)


def _initializer(seed: int | None) -> tf_keras.initializers.Initializer | str:
    """Glorot-uniform kernels, seeded when `seed` is given."""
    seed = _checks.seed("seed", seed, optional=True)
    return "glorot_uniform" if seed is None else tf_keras.initializers.GlorotUniform(seed=seed)


def make_made(
    event_size: int,
    hidden_units: Sequence[int] = (16, 16),
    activation: str = "relu",
    params: int = 2,
    seed: int | None = None,
) -> tfb.AutoregressiveNetwork:
    """Return a MADE: output (batch, event_size, params), output i sees only inputs < i."""
    event_size = _checks.event_size("event_size", event_size)
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
        return shift, soft_clamp(log_scale, self.log_scale_clamp)


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
        self.event_size = num_masked + output_units
        self.shift_only = shift_only
        self.log_scale_clamp = log_scale_clamp
        layers = [
            tf_keras.layers.Dense(u, activation=activation, kernel_initializer=_initializer(seed)) for u in hidden_units
        ]
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
            log_scale = soft_clamp(log_scale, self.log_scale_clamp)
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
    event_size = _checks.event_size("event_size", event_size)
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
    return make_real_nvp(
        event_size,
        hidden_units,
        num_masked,
        fraction_masked,
        activation,
        shift_only=True,
        log_scale_clamp=None,
        seed=seed,
    )


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
    return tfb.RealNVP(
        num_masked=num_masked, fraction_masked=fraction_masked, shift_and_log_scale_fn=QuietTemplate(template)
    )


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
    num_layers = _checks.positive_int("num_layers", num_layers, maximum=_checks.MAX_LAYERS)
    event_size = _checks.event_size("event_size", event_size)
    seed = _checks.seed("seed", seed, optional=True)
    if permutation is None:
        permutation = list(reversed(range(event_size)))
    permutation = _checks.permutation("permutation", permutation, event_size)
    applied_in_order: list[tfb.Bijector] = []
    for i in range(num_layers):
        layer_seed = None if seed is None else (seed + i) % (_checks.MAX_SEED + 1)
        applied_in_order.append(make_layer(kind, event_size, hidden_units, seed=layer_seed, **kwargs))
        if i < num_layers - 1:
            applied_in_order.append(tfb.Permute(permutation=permutation))
    # tfb.Chain applies its list from last to first.
    return tfb.Chain(list(reversed(applied_in_order)))


def make_default_flow(event_size: int = 2, seed: int | None = 0) -> tfd.TransformedDistribution:
    """Return the course's default density model: 4 clamped MAF (64, 64) layers with Permute."""
    return make_flow(make_stack("maf", 4, event_size, hidden_units=(64, 64), seed=seed), event_size)
