"""Exercises of notebook 05 about stacks of coupling layers: 05.6 (debug a Chain) and 05.7 (predict, then run).

05.6 hands the learner two shift-and-log-scale functions (see `coupling`) and a flow whose `tfb.Chain` lists
its stages in the wrong order; 05.7 compares a learner's predictions of unchanged coordinates with a run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils._tf import tfb, tfd
from course_utils.exercises import Case, Exercise, register
from course_utils.exercises._compare import (
    compare_numbers,
    describe,
    never_raises,
    read_count,
)
from course_utils.exercises.coupling import ShiftAndLogScaleFn, _linear, _points, _shift_only, _wave_2d

# ---------------------------------------------------------------- 05.6 debug: a flow whose swap is in the wrong place

DEBUG_POINTS = np.array(
    [[-2.0, 1.5], [-1.0, -0.5], [-0.3, 2.0], [0.0, 0.0], [0.4, -1.2], [1.0, 0.8], [1.7, -2.2], [2.5, 0.6]],
    dtype=np.float32,
)


def _base_2d() -> Any:
    return tfd.Sample(tfd.Normal(0.0, 1.0), sample_shape=[2])


def _flow(order: str, fn_1: ShiftAndLogScaleFn, fn_2: ShiftAndLogScaleFn) -> Any:
    """A two-layer coupling flow; `order` lists the stages in the order they act on z ('1', 's' swap, '2')."""
    stages = {
        "1": tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=fn_1),
        "2": tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=fn_2),
        "s": tfb.Permute(permutation=[1, 0]),
    }
    return tfd.TransformedDistribution(_base_2d(), tfb.Chain([stages[k] for k in reversed(order)]))


def make_buggy_flow(shift_and_log_scale_fn_1: ShiftAndLogScaleFn, shift_and_log_scale_fn_2: ShiftAndLogScaleFn):
    """The flow of 05.6 with its planted bug: tfb.Chain([layer_2, layer_1, swap]), so the swap acts FIRST."""
    return _flow("s12", shift_and_log_scale_fn_1, shift_and_log_scale_fn_2)


def make_fixed_flow(shift_and_log_scale_fn_1: ShiftAndLogScaleFn, shift_and_log_scale_fn_2: ShiftAndLogScaleFn):
    """Reference of 05.6: layer 1 acts first, then the swap, then layer 2: tfb.Chain([layer_2, swap, layer_1])."""
    return _flow("1s2", shift_and_log_scale_fn_1, shift_and_log_scale_fn_2)


# Flows a learner may hand back, by the order their stages act, and what is wrong with each.
_SAME_COORDINATE = (
    "both layers still transform the same coordinate, so one coordinate of z reaches x unchanged. tfb.Chain "
    "applies its list from the LAST entry to the first: a swap listed last acts first, on the base, where it "
    "changes nothing"
)
_DEBUG_MISTAKES = {
    "s12": _SAME_COORDINATE,  # the planted bug; the same distribution as "12" (the base is symmetric)
    "12": _SAME_COORDINATE,
    "21": _SAME_COORDINATE,
    "12s": (
        "the swap now acts last (tfb.Chain applies its list from the last entry to the first): both layers "
        "still transform the same coordinate"
    ),
    "2s1": (
        "layer 2 now acts first: tfb.Chain applies its list from the last entry to the first, so layer 1 "
        "(shift_and_log_scale_fn_1) must be the LAST entry"
    ),
}


def _debug_cases() -> list[Case]:
    """Pairs of 2-D networks, different enough that any wrong order changes log_prob."""
    pairs = [
        (_wave_2d(), _linear(1, 1, seed=5), "wave, then a linear net"),
        (_linear(1, 1, seed=6), _wave_2d(), "a linear net, then wave"),
        (_shift_only(1, 1), _wave_2d(), "a NICE shift, then wave"),
    ]
    return [
        Case({"shift_and_log_scale_fn_1": fn_1, "shift_and_log_scale_fn_2": fn_2}, description)
        for fn_1, fn_2, description in pairs
    ]


def _unchanged_coordinate(bijector: Any, z: np.ndarray) -> str | None:
    """'z_j reaches x unchanged (as x_i)' when a coordinate of z passes through the bijector untouched."""
    x = np.asarray(bijector.forward(z), np.float64)
    for j in range(z.shape[1]):
        for i in range(x.shape[1]):
            if np.allclose(x[:, i], z[:, j], atol=1e-6):
                return f"z_{j} reaches x unchanged (as x_{i}): one coordinate is never transformed"
    return None


@never_raises
def _same_flow(got: Any, expected: Any, case: Case) -> str | None:
    """The fixed flow's log_prob equals the reference's, and its bijector round-trips; name the bug left."""
    if got is None:
        return "your function returned None: did you forget `return`?"
    if isinstance(got, tfb.Bijector):
        return "your function returned a bijector: wrap it in tfd.TransformedDistribution(base, bijector)"
    if not isinstance(got, tfd.Distribution):
        return f"your function returned {describe(got)}, not a distribution (tfd.TransformedDistribution)"
    try:
        log_prob = np.asarray(got.log_prob(DEBUG_POINTS), np.float64)
    except Exception as error:  # the learner's flow may not take 2-D points
        return f"its log_prob raised {type(error).__name__} on points of shape (8, 2): is it a 2-D flow?"
    bijector = getattr(got, "bijector", None)
    if isinstance(bijector, tfb.Bijector):
        try:
            back = np.asarray(bijector.inverse(bijector.forward(DEBUG_POINTS)), np.float64)
        except Exception as error:
            return f"its bijector's round trip inverse(forward(z)) raised {type(error).__name__}"
        if back.shape != DEBUG_POINTS.shape or not np.allclose(back, DEBUG_POINTS, atol=1e-4):
            return "the round trip fails: bijector.inverse(bijector.forward(z)) does not give z back"
    reason = compare_numbers(log_prob, expected.log_prob(DEBUG_POINTS))
    if reason is None:
        return None
    if reason.startswith("the shape"):
        return f"log_prob of 8 points of shape (8, 2): {reason}"
    fn_1, fn_2 = case.kwargs["shift_and_log_scale_fn_1"], case.kwargs["shift_and_log_scale_fn_2"]
    for order, why in _DEBUG_MISTAKES.items():
        if compare_numbers(log_prob, _flow(order, fn_1, fn_2).log_prob(DEBUG_POINTS)) is None:
            return f"the bug is not fixed: {why}"
    if isinstance(bijector, tfb.Bijector):
        unchanged = _unchanged_coordinate(bijector, DEBUG_POINTS)
        if unchanged is not None:
            return f"log_prob differs from the fixed flow's, and {unchanged}"
    return f"log_prob differs from the fixed flow's: {reason}"


register(
    Exercise(
        id="05.6",
        title="debug: a two-layer coupling flow that never transforms one coordinate",
        reference=make_fixed_flow,
        cases=_debug_cases,
        hint=(
            "sample the buggy flow, or push a few points through its bijector, and compare each coordinate of x "
            "with the z it came from (inspection.forward_stages shows every stage). Which coordinate does each "
            "layer copy, and in which order do the stages act?"
        ),
        hints=(
            "both layers copy position 0 and transform position 1, so the swap must sit BETWEEN them: it moves the "
            "coordinate that layer 1 copied into the place that layer 2 transforms. And tfb.Chain applies its list "
            "from the last entry to the first: the stage that acts first is written last.",
            "tfb.Chain([layer_2, swap, layer_1]): layer_1 acts first, then the swap, then layer_2.",
        ),
        compare=_same_flow,
    )
)


# ---------------------------------------------------------------- 05.7 predict, then run: unchanged coordinates

SETUPS = {
    "A": "one layer, D = 4, num_masked = 2",
    "B": "two layers, D = 4, num_masked = 2, nothing between them",
    "C": "two layers, D = 4, num_masked = 2, tfb.Permute([3, 2, 1, 0]) between them",
    "D": "two layers, D = 3, fraction_masked = 0.5, tfb.Permute([1, 2, 0]) between them",
    "E": "three layers, D = 3, fraction_masked = 0.5, tfb.Permute([1, 2, 0]) between them",
}

_EXPLAIN = {
    "A": "a layer copies num_masked = 2",
    "B": "layer 2 copies the same 2 again",
    "C": "the reversal sends the copied 2 to be transformed",
    "D": "each layer transforms 1 of 3",
    "E": "layer 3 transforms the last one",
}


def coordinates_unchanged(bijector: Any, z: np.ndarray) -> int:
    """How many coordinates of z reach bijector.forward(z) unchanged, at any position."""
    x = np.asarray(bijector.forward(z))
    return sum(any(np.allclose(x[:, i], z[:, j]) for i in range(x.shape[1])) for j in range(z.shape[1]))


def _layers(event_size: int, count: int, between: Any, **split: Any) -> Any:
    """`count` coupling layers with hand-written networks (shift and log-scale from every copied column)."""
    num_masked = split.get("num_masked") or int(np.round(event_size * split["fraction_masked"]))
    layers = [
        tfb.RealNVP(shift_and_log_scale_fn=_linear(num_masked, event_size - num_masked, seed=20 + k), **split)
        for k in range(count)
    ]
    stages = [layers[0]]
    for layer in layers[1:]:
        stages += ([between] if between is not None else []) + [layer]
    return tfb.Chain(stages[::-1])


def unchanged_counts() -> dict[str, int]:
    """Reference of 05.7: the measured count of unchanged coordinates for each setup A-E."""
    z4, z3 = _points(5, 4, seed=30), _points(5, 3, seed=31)
    permute = tfb.Permute(permutation=[1, 2, 0])
    bijectors = {
        "A": (_layers(4, 1, None, num_masked=2), z4),
        "B": (_layers(4, 2, None, num_masked=2), z4),
        "C": (_layers(4, 2, tfb.Permute(permutation=[3, 2, 1, 0]), num_masked=2), z4),
        "D": (_layers(3, 2, permute, fraction_masked=0.5), z3),
        "E": (_layers(3, 3, permute, fraction_masked=0.5), z3),
    }
    return {key: coordinates_unchanged(bijector, z) for key, (bijector, z) in bijectors.items()}


@never_raises
def _same_predictions(got: Any, expected: dict[str, int], case: Case) -> str | None:
    """A whole number per setup A-E; every gap between the prediction and the run, explained."""
    if not isinstance(got, dict):
        return f"your function returned {describe(got)}: return a dict with one whole number for each of A-E"
    keys = {str(key).strip().upper(): value for key, value in got.items()}
    missing = [key for key in expected if key not in keys]
    if missing:
        return f"no prediction for {', '.join(missing)}: give one whole number for each of A-E"
    gaps = []
    for key, measured in expected.items():
        value, reason = read_count(keys[key])
        if reason is not None:
            gaps.append(f"{key}: {reason}")
        elif value != measured:
            gaps.append(f"{key}: predicted {value}, ran {measured} ({_EXPLAIN[key]})")
    return "; ".join(gaps) if gaps else None


register(
    Exercise(
        id="05.7",
        title="predict, then run: how many coordinates of z reach x unchanged?",
        reference=unchanged_counts,
        cases=lambda: [Case({}, "your predictions against the run")],
        hint=(
            "draw the coordinates as boxes and follow each one through the stages: which ones does each layer "
            "copy, and where does the permutation between the layers put them?"
        ),
        hints=(
            "a layer copies its first num_masked positions. With nothing between two layers, the second copies "
            "the same coordinates again. A permutation is useful only if it moves copied coordinates into the "
            "transformed half. tfb.Permute([1, 2, 0]) sends [a, b, c] to [b, c, a].",
        ),
        compare=_same_predictions,
    )
)
