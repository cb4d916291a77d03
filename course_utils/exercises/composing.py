"""Exercises of notebook 07: composing bijectors with Chain and Permute (07.1, 07.4); 07.5 is in `flow_design`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from course_utils._tf import ChainBase, tf, tfb, tfd
from course_utils.exercises import Case, Exercise, register
from course_utils.exercises._compare import describe, never_raises


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
    return [
        tfb.Shift(np.linspace(0.1 * k, 0.2 * k, event_size).astype(np.float32), name=f"layer_{k}")
        for k in range(1, count + 1)
    ]


def _chain_cases() -> list[Case]:
    """Inputs for 07.1: one layer (no Permute), three layers in 2-D, three in 3-D with a cyclic permutation."""
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


def _same_bijector(got: Any, expected: tfb.Bijector, event_size: int) -> bool:
    """True when `got` is the given layer (or a Permute with the same permutation): same name, same forward map."""
    if isinstance(expected, tfb.Permute):
        return (
            isinstance(got, tfb.Permute)
            and np.asarray(got.permutation).tolist() == np.asarray(expected.permutation).tolist()
        )
    if got is expected:
        return True
    if not isinstance(got, tfb.Bijector) or got.name != expected.name:
        return False
    probe = np.linspace(-1.0, 1.0, event_size, dtype=np.float32)[None]
    return np.allclose(got.forward(probe), expected.forward(probe))


def _order_reason(got: list, expected: list[tfb.Bijector], case: Case) -> str | None:
    """Why a list of the right length is in the wrong order, or None if it is right."""
    size = len(case.kwargs["permutation"])
    got_names, want_names = [_describe(b) for b in got], [_describe(b) for b in expected]
    for position, (g, e) in enumerate(zip(got, expected, strict=True)):
        if _same_bijector(g, e, size):
            continue
        if isinstance(e, tfb.Permute) and not isinstance(g, tfb.Permute):
            why = f"position {position} should be a tfb.Permute"
        elif isinstance(e, tfb.Permute):
            why = f"use the permutation you were given, {list(case.kwargs['permutation'])}"
        elif all(_same_bijector(a, b, size) for a, b in zip(reversed(got), expected, strict=True)):
            why = "tfb.Chain applies the LAST bijector of its list first, so reverse the list"
        elif getattr(g, "name", None) == e.name:
            why = f"position {position} is a new bijector named {e.name}: put the given layer objects in the list"
        else:
            why = f"position {position} should be the layer {e.name}"
        return f"{why}; expected {want_names}, got {got_names}"
    return None


@never_raises
def _same_chain(got: Any, expected: list[tfb.Bijector], case: Case) -> str | None:
    """Accept a list or tuple (or a tfb.Chain) of the given layers and Permutes in the order tfb.Chain needs."""
    if isinstance(got, ChainBase):
        got = list(got.bijectors)
    if not isinstance(got, (list, tuple)):
        return f"your function returned {describe(got)}; return a list of bijectors for tfb.Chain"
    if not all(isinstance(b, tfb.Bijector) for b in got):
        return "every item of the list must be a bijector (the layers and tfb.Permute objects), not a list or name"
    if len(got) != len(expected):
        summary = f"expected {[_describe(b) for b in expected]}, got {[_describe(b) for b in got]}"
        if len(got) in (len(expected) + 1, len(expected) + 2):
            return f"a Permute goes only BETWEEN two layers, not before the first or after the last; {summary}"
        return f"{len(case.kwargs['layers'])} layers need {len(expected)} bijectors; {summary}"
    return _order_reason(list(got), expected, case)


register(
    Exercise(
        id="07.1",
        title="the bijector list for tfb.Chain",
        reference=chain_list,
        cases=_chain_cases,
        hint=(
            "tfb.Chain applies the bijector listed LAST first; build the list in the order the layers act, with a"
            " Permute between two layers, then think about the order Chain wants."
        ),
        hints=(
            "build the list in the order the bijectors act (layer 1, Permute, layer 2, Permute, ..., last layer, "
            "no Permute at the ends), then reverse it: tfb.Chain([f2, f1]) computes f2(f1(z)).",
        ),
        compare=_same_chain,
    )
)


# ------------------------------------------------------------------ 07.4 debug: a flow in the data's own units


def fixed_chain(layers: Sequence[tfb.Bijector], permutation: Sequence[int], mean: Any, scale: Any) -> tfb.Chain:
    """Reference: z -> layers[0] -> Permute -> ... -> layers[-1] -> times scale -> plus mean, as one tfb.Chain."""
    acting = []
    for i, layer in enumerate(layers):
        acting.append(layer)
        if i < len(layers) - 1:
            acting.append(tfb.Permute(permutation=list(permutation)))
    acting += [tfb.Scale(np.asarray(scale, np.float32)), tfb.Shift(np.asarray(mean, np.float32))]
    return tfb.Chain(acting[::-1])  # tfb.Chain applies the last of its list first


def buggy_chain(layers: Sequence[tfb.Bijector], permutation: Sequence[int], mean: Any, scale: Any) -> tfb.Chain:
    """The planted bug of 07.4: the layers and Permutes listed in the order they act (so the last layer acts first)."""
    bijectors = [tfb.Shift(np.asarray(mean, np.float32)), tfb.Scale(np.asarray(scale, np.float32))]
    for i, layer in enumerate(layers):
        bijectors.append(layer)
        if i < len(layers) - 1:
            bijectors.append(tfb.Permute(permutation=list(permutation)))
    return tfb.Chain(bijectors)


class _Bent(tf.Module):
    """An autoregressive x -> (shift, log_scale) that bends hard (so that the order of the layers shows)."""

    def __init__(self, event_size: int, seed: int):
        super().__init__(name=f"bent_D{event_size}_seed{seed}")
        rng = np.random.default_rng(seed)
        self.w = tf.constant(np.triu(rng.choice([-1.5, 1.5], size=(event_size, event_size)), k=1), tf.float32)
        self.v = tf.constant(np.triu(rng.normal(scale=0.8, size=(event_size, event_size)), k=1), tf.float32)
        self.b = tf.constant(rng.normal(scale=0.5, size=event_size), tf.float32)

    def __call__(self, x: Any) -> tuple[tf.Tensor, tf.Tensor]:
        """Return (shift, log_scale): output i depends on x[:, :i] only."""
        x = tf.cast(x, tf.float32)
        return tf.sin(x @ self.w) + self.b, 0.6 * tf.tanh(x @ self.v)


def _bent_layers(count: int, event_size: int) -> list[tfb.Bijector]:
    """`count` MAF layers named layer_1, layer_2, ... whose order matters."""
    return [
        tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=_Bent(event_size, seed=20 + k), name=f"layer_{k}")
        for k in range(1, count + 1)
    ]


def _units_cases() -> list[Case]:
    """Inputs for 07.4: one layer, three layers in 2-D, three layers in 3-D with a cyclic permutation."""
    return [
        Case(
            dict(layers=_bent_layers(1, 2), permutation=[1, 0], mean=[0.5, 0.25], scale=[0.9, 0.5]),
            "one layer: no Permute",
        ),
        Case(
            dict(layers=_bent_layers(3, 2), permutation=[1, 0], mean=[0.5, 0.25], scale=[0.9, 0.5]),
            "three layers in 2-D",
        ),
        Case(
            dict(layers=_bent_layers(3, 3), permutation=[1, 2, 0], mean=[1.0, -2.0, 0.5], scale=[2.0, 0.5, 1.5]),
            "three layers in 3-D, permutation [1, 2, 0]",
        ),
    ]


def _acting_order(bijector: tfb.Bijector) -> list[tfb.Bijector]:
    """The bijectors of a (possibly nested) tfb.Chain in the order they act; any other bijector alone."""
    if isinstance(bijector, ChainBase):
        return [b for inner in reversed(bijector.bijectors) for b in _acting_order(inner)]
    return [bijector]


def _label(bijector: Any, layers: Sequence[tfb.Bijector]) -> str:
    """A short name: layer_k for a given layer, permute[...] for a Permute, shift, scale, or the bijector's name."""
    if any(bijector is layer for layer in layers):
        return bijector.name
    if isinstance(bijector, tfb.Permute):
        return f"permute{np.asarray(bijector.permutation).tolist()}"
    if isinstance(bijector, tfb.Shift):
        return "shift"
    if isinstance(bijector, tfb.Scale):
        return "scale"
    return getattr(bijector, "name", type(bijector).__name__)


def _probe_points(event_size: int) -> np.ndarray:
    """Base points spread over the plane (or space), away from the origin, where a wrong order shows."""
    return np.random.default_rng(7).normal(scale=1.3, size=(12, event_size)).astype(np.float32)


def _same_map(got: tfb.Bijector, expected: tfb.Bijector, event_size: int) -> str | None:
    """None when `got` maps the probe points as `expected` does and gives the same log_prob there, else what differs."""
    z = _probe_points(event_size)
    want_x = expected.forward(z).numpy()
    got_x = np.asarray(got.forward(z), dtype=np.float64)
    if got_x.shape != want_x.shape or not np.allclose(got_x, want_x, rtol=1e-4, atol=1e-4):
        return "forward"
    base = tfd.MultivariateNormalDiag(loc=tf.zeros(event_size))
    x = tf.constant(want_x + 0.0)  # a new tensor: no cached inverse
    got_lp = tfd.TransformedDistribution(base, got).log_prob(x).numpy()
    want_lp = tfd.TransformedDistribution(base, expected).log_prob(tf.constant(want_x + 0.0)).numpy()
    if not np.allclose(got_lp, want_lp, rtol=1e-4, atol=1e-3):
        return "log_prob"
    return None


def _structure_reason(acting: list[str], case: Case) -> str | None:
    """What is wrong with the acting order of the answer's bijectors, read from their names, or None."""
    layers = case.kwargs["layers"]
    names = [layer.name for layer in layers]
    present = [name for name in acting if name in names]
    missing = [name for name in names if name not in present]
    if missing:
        return f"{', '.join(missing)} never acts: put every given layer object in the chain"
    if present == names[::-1] and len(names) > 1:
        return (
            f"the layers act in the order {', '.join(present)}: tfb.Chain applies the LAST bijector of its list "
            "first, so layers[0] must come last among the layers in the list"
        )
    if present != names:
        return f"the layers act in the order {', '.join(present)}, expected {', '.join(names)}"
    first, last = acting.index(names[0]), acting.index(names[-1])
    permutes = [name for name in acting if name.startswith("permute")]
    if any(name.startswith("permute") for name in acting[:first] + acting[last + 1 :]):
        return "a Permute goes only BETWEEN two layers, not before the first layer or after the last"
    if len(permutes) != len(names) - 1:
        return f"{len(names)} layers need {len(names) - 1} Permutes, one between each two; found {len(permutes)}"
    wanted = f"permute{list(case.kwargs['permutation'])}"
    if any(name != wanted for name in permutes):
        return f"use the permutation you were given, {list(case.kwargs['permutation'])}"
    if "shift" not in acting or "scale" not in acting:
        return "the chain needs a tfb.Scale(scale) and a tfb.Shift(mean) to undo the standardization"
    if acting.index("shift") < last or acting.index("scale") < last:
        return (
            "the standardization is undone BEFORE the layers act: Scale and Shift must act last, on the layers' "
            "output, so they come first in the list"
        )
    if acting.index("shift") < acting.index("scale"):
        return "Shift acts before Scale, which gives x = scale * (y + mean); x = mean + scale * y needs Scale first"
    return None


@never_raises
def _same_flow(got: Any, expected: tfb.Chain, case: Case) -> str | None:
    """Accept any bijector that maps base points and scores data points as the reference does; else say what is off."""
    if isinstance(got, (list, tuple)):
        return "your function returned a list: wrap it, return tfb.Chain([...])"
    if not isinstance(got, tfb.Bijector):
        return f"your function returned {describe(got)}; return the fixed tfb.Chain"
    event_size = len(case.kwargs["permutation"])
    differs = _same_map(got, expected, event_size)
    if differs is None:
        return None
    acting = [_label(b, case.kwargs["layers"]) for b in _acting_order(got)]
    shown = f"your chain acts as {' -> '.join(['z', *acting])}"
    reason = _structure_reason(acting, case)
    if reason is not None:
        return f"{reason}; {shown}"
    if differs == "log_prob":
        return f"the samples are right but log_prob differs: is one bijector's log-det wrong?; {shown}"
    return f"the order is right but the points differ: check the values given to tfb.Scale and tfb.Shift; {shown}"


register(
    Exercise(
        id="07.4",
        title="debug: the flow in the data's units",
        reference=fixed_chain,
        cases=_units_cases,
        hint=(
            "write down the order in which the bijectors must act on z, then remember in which order tfb.Chain "
            "applies the bijectors of its list."
        ),
        hints=(
            "the layers act first (layers[0] first, a Permute between two layers), then Scale, then Shift: "
            "x = mean + scale * y. tfb.Chain([f2, f1]) computes f2(f1(z)), so list them in the reverse of that order.",
            "acting = [layers[0], Permute, layers[1], ..., layers[-1], tfb.Scale(scale), tfb.Shift(mean)]; "
            "return tfb.Chain(acting[::-1]).",
        ),
        compare=_same_flow,
    )
)
