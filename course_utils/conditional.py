"""Class-conditional flows: a MAF whose MADE also reads a one-hot class label, and the `bijector_kwargs` that pass it.

`tfb.AutoregressiveNetwork(..., conditional=True, conditional_event_shape=[C])` takes the label as the
keyword argument `conditional_input`; `tfb.MaskedAutoregressiveFlow` hands its own keyword arguments to
the network, and a `TransformedDistribution` hands `bijector_kwargs` to its bijector. Inside a
`tfb.Chain`, each bijector gets the entry of `bijector_kwargs` under its own *name*, so every
conditional MAF here is named `CONDITIONAL_NAME` and one entry reaches them all:

    model.log_prob(y, bijector_kwargs=condition_on(model, labels, num_classes))
    model.sample(n, bijector_kwargs=condition_on(model, [3] * n, num_classes))

`condition_on` builds that nested dict for a model of the course, whatever chains it nests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from course_utils import _checks, builders
from course_utils._tf import ChainBase, tf, tfb, tfd

CONDITIONAL_NAME = "conditional_maf"


class ConditionalShiftAndLogScale(tf.Module):
    """Wrap a conditional MADE so that its log-scale is soft-clamped; the label goes in as `conditional_input`."""

    def __init__(self, made: tfb.AutoregressiveNetwork, log_scale_clamp: float | None):
        super().__init__(name="conditional_shift_and_log_scale")
        self.made = made
        self.log_scale_clamp = log_scale_clamp

    def __call__(self, x: tf.Tensor, conditional_input: tf.Tensor | None = None) -> tuple[tf.Tensor, tf.Tensor]:
        """Return (shift, log_scale) for x given the one-hot labels; without labels, say how to pass them."""
        if conditional_input is None:
            raise ValueError(
                "this flow is class-conditional: pass the labels, e.g. "
                "model.log_prob(y, bijector_kwargs=conditional.condition_on(model, labels, num_classes))"
            )
        shift, log_scale = tf.unstack(self.made(x, conditional_input=conditional_input), num=2, axis=-1)
        if self.log_scale_clamp is not None:
            log_scale = builders.soft_clamp(log_scale, self.log_scale_clamp)
        return shift, log_scale


def make_conditional_maf(
    event_size: int,
    num_classes: int,
    hidden_units: Sequence[int] = (128,),
    log_scale_clamp: float | None = builders.DEFAULT_LOG_SCALE_CLAMP,
    seed: int | None = None,
) -> tfb.MaskedAutoregressiveFlow:
    """Return one MAF layer whose MADE reads a one-hot label of `num_classes` classes in every hidden layer."""
    event_size = _checks.event_size("event_size", event_size, minimum=2)
    num_classes = _checks.positive_int("num_classes", num_classes, minimum=2)
    units = _checks.hidden_units("hidden_units", hidden_units)
    clamp = None if log_scale_clamp is None else _checks.positive_float("log_scale_clamp", log_scale_clamp)
    made = tfb.AutoregressiveNetwork(
        params=2,
        event_shape=[event_size],
        conditional=True,
        conditional_event_shape=[num_classes],
        conditional_input_layers="all_layers",
        hidden_units=units,
        kernel_initializer=builders._initializer(seed),
    )
    made.build((None, event_size))
    return tfb.MaskedAutoregressiveFlow(
        shift_and_log_scale_fn=ConditionalShiftAndLogScale(made, clamp), name=CONDITIONAL_NAME
    )


def make_conditional_stack(
    num_layers: int,
    event_size: int,
    num_classes: int,
    hidden_units: Sequence[int] = (128,),
    seed: int | None = 0,
    **kwargs: Any,
) -> tfb.Chain:
    """Return `num_layers` conditional MAFs with the dimensions reversed between them; layer 1 acts first."""
    num_layers = _checks.positive_int("num_layers", num_layers, maximum=_checks.MAX_LAYERS)
    event_size = _checks.event_size("event_size", event_size, minimum=2)
    seed = _checks.seed("seed", seed, optional=True)
    acting: list[tfb.Bijector] = []
    for k in range(num_layers):
        layer_seed = None if seed is None else seed + k
        acting.append(make_conditional_maf(event_size, num_classes, hidden_units, seed=layer_seed, **kwargs))
        if k < num_layers - 1:
            acting.append(tfb.Permute(permutation=list(reversed(range(event_size)))))
    return tfb.Chain(list(reversed(acting)), name="conditional_stack")


def one_hot(labels: Any, num_classes: int) -> np.ndarray:
    """Return the labels (integers 0..num_classes-1) as float32 one-hot rows."""
    num_classes = _checks.positive_int("num_classes", num_classes, minimum=2)
    array = np.asarray(labels)
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"labels must be a non-empty 1-D array of class numbers, got {labels!r}")
    if array.min() < 0 or array.max() >= num_classes:
        raise ValueError(f"labels must lie in 0..{num_classes - 1}, got {array.min()}..{array.max()}")
    return np.eye(num_classes, dtype=np.float32)[array]


def _nested_kwargs(bijector: tfb.Bijector, kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """The kwargs a bijector needs to reach every conditional MAF inside it (None when it holds none)."""
    if isinstance(bijector, tfb.MaskedAutoregressiveFlow) and bijector.name == CONDITIONAL_NAME:
        return kwargs
    if isinstance(bijector, ChainBase):
        inner = {}
        for part in bijector.bijectors:
            found = _nested_kwargs(part, kwargs)
            if found is not None:
                inner[part.name] = found
        return inner or None
    return None


def bijector_kwargs(model: tfd.TransformedDistribution | tfb.Bijector, conditional_input: Any) -> dict[str, Any]:
    """Return the `bijector_kwargs` that give every conditional MAF of `model` the rows of `conditional_input`."""
    # tfd.TransformedDistribution(...) may build a _TransformedDistribution, its base class: test for a distribution.
    bijector = model.bijector if isinstance(model, tfd.Distribution) and hasattr(model, "bijector") else model
    _checks.bijector("model's bijector", bijector)
    found = _nested_kwargs(bijector, {"conditional_input": conditional_input})
    if found is None:
        raise ValueError(f"model holds no conditional MAF (a MAF named {CONDITIONAL_NAME!r}): nothing to condition")
    return found


def condition_on(model: tfd.TransformedDistribution | tfb.Bijector, labels: Any, num_classes: int) -> dict[str, Any]:
    """Return the `bijector_kwargs` that give every conditional MAF of `model` the one-hot `labels`."""
    return bijector_kwargs(model, one_hot(labels, num_classes))


def class_log_likelihoods(model: tfd.TransformedDistribution, y: np.ndarray, num_classes: int) -> np.ndarray:
    """Return log p(y | c) for every row of y and every class c, shape (n, num_classes)."""
    y = _checks.points("y", y)
    columns = [
        np.asarray(model.log_prob(y, bijector_kwargs=condition_on(model, np.full(len(y), c), num_classes)))
        for c in range(_checks.positive_int("num_classes", num_classes, minimum=2))
    ]
    return np.stack(columns, axis=1)
