"""Exercises of notebook 07: composing bijectors with Chain and Permute."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from course_utils import builders
from course_utils._tf import tf, tfb
from course_utils.exercises import Case, Exercise, register
from course_utils.exercises._compare import describe, never_raises, read_count


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
    if isinstance(got, tfb.Chain):
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
        Case(
            dict(chain=builders.make_stack("maf", 2, 2, hidden_units=(8, 8), seed=9), z=z),
            "two untrained MAFs with a Permute",
        ),
    ]


def _stack_stages(got: Any) -> tuple[np.ndarray | None, str | None]:
    """The stages as one float64 array (K + 1, n, D), or a reason."""
    if got is None or isinstance(got, (str, dict, tfb.Bijector)) or not hasattr(got, "__iter__"):
        return None, f"your function returned {describe(got)}; return a list of arrays, one per stage, shaped like z"
    try:
        return np.asarray([np.asarray(stage, dtype=np.float64) for stage in got]), None
    except (TypeError, ValueError):
        return None, f"your function returned {describe(got)}; return a list of arrays, one per stage, shaped like z"


@never_raises
def _same_stages(got: Any, expected: list[np.ndarray], case: Case) -> str | None:
    """Accept K + 1 arrays (a list, tuple or stacked array) equal to the reference's stages; name the usual mistakes."""
    got_array, reason = _stack_stages(got)
    if reason is not None:
        return reason
    expected_array, z = np.asarray(expected, dtype=np.float64), np.asarray(case.kwargs["z"], np.float64)
    n_bijectors = len(case.kwargs["chain"].bijectors)
    if got_array.shape[0] == n_bijectors and got_array.shape[1:] == expected_array.shape[1:]:
        if np.allclose(got_array[0], z):
            return f"{n_bijectors} stages returned, expected {n_bijectors + 1}: the last bijector's output is missing"
        return f"{n_bijectors} stages returned, expected {n_bijectors + 1}: start the list with z itself"
    if got_array.shape != expected_array.shape:
        return f"the stages have shape {got_array.shape}, expected {expected_array.shape} (K + 1 arrays shaped like z)"
    if np.allclose(got_array, expected_array, atol=1e-4, rtol=1e-4):
        return None
    wrong_order = stage_samples(tfb.Chain(list(reversed(case.kwargs["chain"].bijectors))), z)
    if np.allclose(got_array, np.asarray(wrong_order), atol=1e-4, rtol=1e-4):
        return "the bijectors were applied in list order: tfb.Chain applies the LAST one first, loop over reversed(...)"
    close = [np.allclose(g, e, atol=1e-4, rtol=1e-4) for g, e in zip(got_array, expected_array, strict=True)]
    return f"stage {close.index(False)} differs (stage 0 is z, stage k the output of the k-th bijector to act)"


register(
    Exercise(
        id="07.2",
        title="the samples after every stage",
        reference=stage_samples,
        cases=_stage_cases,
        hint=(
            "walk z through the chain's bijectors in the order they act, keeping every intermediate result, z included."
        ),
        hints=(
            "start with [z]; then for bijector in reversed(chain.bijectors): x = bijector.forward(x) and append it. "
            "The last stage must equal chain.forward(z).",
        ),
        compare=_same_stages,
    )
)


# ------------------------------------------------------------------ 07.3 the epoch to restore


def best_epoch(val_loss: Sequence[float]) -> int:
    """Reference: the epoch (counted from 1) with the lowest finite validation loss; the earliest if tied."""
    losses = np.asarray(val_loss, dtype=np.float64)
    losses = np.where(np.isfinite(losses), losses, np.inf)
    return int(np.argmin(losses)) + 1


def _best_epoch_cases() -> list[Case]:
    """Inputs for 07.3: a U shape, a tie, NaN and inf, NaN first, the best first and last, a long noisy curve."""
    rng = np.random.default_rng(10)
    epochs = np.arange(1, 301)
    noisy = 1.2 + 1.5 * np.exp(-epochs / 40) + 0.0004 * np.maximum(epochs - 150, 0) + 0.01 * rng.normal(size=300)
    nan, inf = float("nan"), float("inf")
    return [
        Case(dict(val_loss=[2.9, 2.4, 2.1, 2.2, 2.6]), "a U-shaped curve"),
        Case(dict(val_loss=[2.0, 1.5, 1.5, 1.7]), "a tie: restore the earlier epoch"),
        Case(dict(val_loss=[2.5, 2.2, nan, 1.9, inf, 2.0]), "a run with NaN and inf losses"),
        Case(dict(val_loss=[nan, 2.4, 2.2, 2.3]), "the first epoch's loss is NaN"),
        Case(dict(val_loss=[1.1, 1.4, 1.6, 1.9]), "the best epoch is the first"),
        Case(dict(val_loss=[3.0, 2.6, inf, 2.1]), "the best epoch is the last, after an inf"),
        Case(dict(val_loss=noisy.tolist()), "300 noisy epochs that overfit after about 150"),
    ]


@never_raises
def _same_epoch(got: Any, expected: int, case: Case) -> str | None:
    """Accept the same epoch number in any whole-number form; name the off-by-one, the NaN and the tie mistakes."""
    got_int, reason = read_count(got)
    if reason is not None:
        return f"{reason} (one epoch number)"
    if got_int == expected:
        return None
    losses = np.asarray(case.kwargs["val_loss"], dtype=np.float64)
    loss = losses[got_int - 1] if 1 <= got_int <= len(losses) else None
    if loss is not None and not np.isfinite(loss):
        return f"epoch {got_int} has a loss of {loss}: skip NaN and inf (np.argmin picks a NaN)"
    if got_int == expected - 1:
        return "off by one: epochs are counted from 1, so the epoch is the index + 1"
    if loss is not None and loss == losses[expected - 1]:
        return f"epochs {expected} and {got_int} tie: restore the earliest"
    shown = "no such epoch" if loss is None else f"a validation loss of {loss:.4f}"
    return f"epoch {got_int} has {shown}, epoch {expected} a lower one ({losses[expected - 1]:.4f})"


register(
    Exercise(
        id="07.3",
        title="the epoch to restore",
        reference=best_epoch,
        cases=_best_epoch_cases,
        hint=(
            "the best epoch is the one with the lowest validation loss, ignoring losses that are not finite; "
            "epochs count from 1."
        ),
        hints=(
            "replace NaN and inf by +inf (np.where(np.isfinite(v), v, np.inf)) or use np.nanargmin, take the index of "
            "the minimum (np.argmin returns the first one, the earliest epoch), and add 1: epochs count from 1.",
        ),
        compare=_same_epoch,
    )
)
