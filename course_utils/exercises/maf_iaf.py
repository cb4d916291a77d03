"""Exercises of notebooks 03 (MAF) and 04 (IAF).

As in notebook 02 the learner gets an autoregressive `shift_and_log_scale(x) -> (shift, log_scale)`
(a perturbed MADE or a strongly coupled conditioner, see `autoregressive`). Where an exercise asks for
"one pass" (or D passes), the function handed over is a `CaseCounter`: the references and the
comparisons call around it (`uncounted`), so its count is the answer's own. The tests check that each
reference agrees with TFP. 03.4 is predict-then-run: the answer returns the learner's prediction, the reference
is the run (notebook 03's counting), and a gap is explained.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from course_utils import builders, pass_costs
from course_utils._tf import tf, tfb
from course_utils.exercises import Case, Exercise, _messages, register
from course_utils.exercises._compare import describe, never_raises, numbers_compare, read_count
from course_utils.exercises.autoregressive import (
    CoupledConditioner,
    counted,
    made_conditioner,
    standard_points,
    too_many_calls,
    uncounted,
)

_HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)


def _log_normal(z: Any) -> np.ndarray:
    """log N(z; 0, I) summed over the last axis, float64."""
    z = np.asarray(z, np.float64)
    return np.sum(-0.5 * z**2 - _HALF_LOG_2PI, axis=-1)


def _sum(values: Any) -> np.ndarray:
    """Sum over the last axis, float64."""
    return np.sum(np.asarray(values, np.float64), axis=-1)


def _three_sizes(
    seeds: tuple[int, int, int], point_seed: int, argument: str = "x", scale: float = 1.0, count: bool = True
) -> list[Case]:
    """Cases with MADEs of 2, 3 and 5 dimensions (counted or not) and a few points each, passed as `argument`."""
    sizes = ((2, 5, 2.0), (3, 6, 2.0), (5, 4, 1.0))
    cases = []
    for (size, n, clamp), seed in zip(sizes, seeds, strict=True):
        fn = made_conditioner(size, seed, clamp)
        points = standard_points(n, size, seed=point_seed + size, scale=scale)
        kwargs = {"shift_and_log_scale": counted(fn) if count else fn, argument: points}
        cases.append(Case(kwargs, f"a MADE, D = {size}, {n} points"))
    return cases


def _one_call(compare: Callable[[Any, Any, Case], str | None]) -> Callable[[Any, Any, Case], str | None]:
    """Wrap a comparison: right values must also come from a single call of the counted network."""

    @never_raises
    def in_one_call(got: Any, expected: Any, case: Case) -> str | None:
        why = "one call gives every shift and log-scale at once, because its input is known in full"
        return compare(got, expected, case) or too_many_calls(case, 1, why)

    return in_one_call


# ---------------------------------------------------------------- 03.1 the MAF inverse in one pass


def maf_inverse(shift_and_log_scale: Any, x: np.ndarray) -> np.ndarray:
    """Reference: z = (x - shift(x)) * exp(-log_scale(x)), every dimension from one call."""
    shift, log_scale = uncounted(shift_and_log_scale)(x)
    return ((x - shift) * tf.exp(-log_scale)).numpy()


def _inverse_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong answers of 03.1."""
    x = np.asarray(case.kwargs["x"], np.float64)
    shift, log_scale = (np.asarray(t, np.float64) for t in uncounted(case.kwargs["shift_and_log_scale"])(x))
    return {
        "this multiplies by exp(+log_scale): the inverse divides by the scale, exp(-log_scale)": lambda: (
            (x - shift) * np.exp(log_scale)
        ),
        "subtract the shift first: z = (x - shift) * exp(-log_scale)": lambda: x * np.exp(-log_scale) - shift,
        "the scale is missing: z = (x - shift) * exp(-log_scale)": lambda: x - shift,
        "this is the forward map shift + exp(log_scale) * x: undo it": lambda: shift + np.exp(log_scale) * x,
    }


register(
    Exercise(
        id="03.1",
        title="the MAF inverse in one pass",
        reference=maf_inverse,
        cases=lambda: _three_sizes((21, 22, 23), 31, scale=1.5),
        hint=(
            "when x is known in full, every conditioner value the MAF needs can be computed at once: no loop is "
            "needed to go from x back to z."
        ),
        hints=(
            "x is given, so every shift_i(x_<i) and log_scale_i(x_<i) can be computed at once: "
            "shift, log_scale = shift_and_log_scale(x) (one call), then z = (x - shift) * exp(-log_scale). No loop.",
        ),
        compare=_one_call(numbers_compare(_inverse_mistakes)),
    )
)


# ---------------------------------------------------------------- 03.2 the log-density of a MAF by hand


def maf_log_prob(shift_and_log_scale: Any, x: np.ndarray) -> np.ndarray:
    """Reference: log p(x) of the flow x = MAF(z), z ~ N(0, I), as TFP computes it."""
    maf = tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=uncounted(shift_and_log_scale))
    return builders.make_flow(maf, x.shape[-1]).log_prob(x).numpy()


def _maf_log_prob_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong answers of 03.2."""
    x = np.asarray(case.kwargs["x"], np.float64)
    shift, log_scale = (np.asarray(t, np.float64) for t in uncounted(case.kwargs["shift_and_log_scale"])(x))
    z = (x - shift) * np.exp(-log_scale)
    return {
        "the log-det enters with a minus sign: - sum(log_scale)": lambda: _log_normal(z) + _sum(log_scale),
        "the log-det term - sum(log_scale) is missing": lambda: _log_normal(z),
        "the base log-density sum log N(z_i; 0, 1) is missing": lambda: -_sum(log_scale),
        "the constant -log(2 pi)/2 per dimension is missing": lambda: _sum(-0.5 * z**2) - _sum(log_scale),
        "the base density is evaluated at x: evaluate it at z = f^-1(x)": lambda: _log_normal(x) - _sum(log_scale),
    }


register(
    Exercise(
        id="03.2",
        title="the log-density of a MAF by hand",
        reference=maf_log_prob,
        cases=lambda: _three_sizes((21, 22, 23), 41, scale=2.0, count=False),
        hint=(
            "the density of x is the base density of the z it came from, corrected by the log-det of the map; "
            "which sign does the correction take when you go from x back to z?"
        ),
        hints=(
            "invert in one pass: shift, log_scale = shift_and_log_scale(x), z = (x - shift) * exp(-log_scale). "
            "Then log p(x) = sum_i log N(z_i; 0, 1) - sum_i log_scale_i, with log N(z; 0, 1) = -z^2/2 - log(2 pi)/2; "
            "both sums run over the last axis (one number per row). The log-det enters with a minus sign: "
            "where the flow stretches space the density is lower.",
        ),
        compare=numbers_compare(_maf_log_prob_mistakes),
    )
)


# ---------------------------------------------------------------- 03.4 predict, then run: the passes of a MAF

PREDICTED_OPERATIONS, PREDICTED_SIZES, PREDICTED_POINTS = ("log_prob", "sample", "sample_and_log_prob"), (4, 32), 1000
_FORM = '{"log_prob": {4: ..., 32: ...}, "sample": {4: ..., 32: ...}, "sample_and_log_prob": {4: ..., 32: ...}}'


@functools.cache
def _run_maf_passes() -> dict[str, tuple[int, ...]]:
    """The run: network calls of real TFP MAFs, counted as notebook 03's table is (a count is the same at any batch)."""
    run = pass_costs.measure_pass_costs("maf", PREDICTED_SIZES, n=4, operations=PREDICTED_OPERATIONS, timed=())
    return {op: tuple(counts) for op, counts in run.calls.items()}


def maf_passes_prediction() -> dict[str, dict[int, int]]:
    """Reference: what the run counts, {operation: {D: network calls}}."""
    return {op: dict(zip(PREDICTED_SIZES, counts, strict=True)) for op, counts in _run_maf_passes().items()}


def _why_off(op: str, size: int, predicted: int) -> str:
    """The cause of a gap between a prediction of `predicted` calls for `op` at D = `size` and the run."""
    if predicted > 0 and predicted % PREDICTED_POINTS == 0:
        return ": one pass handles every row of the batch at once"
    known = {
        ("log_prob", 1): ": TFP's log_prob calls inverse AND inverse_log_det_jacobian, one pass each",
        ("log_prob", size): ": x is given in full, so the density needs no loop",
        ("log_prob", size + 1): ": that is the IAF's count; for a MAF x is given in full, no loop",
        ("sample", 1): ": x_i needs x_<i, made by the pass before: one pass per dimension",
        ("sample", size + 1): ": drawing z from N(0, I) is no network pass",
        ("sample", size - 1): ": TFP's loop makes D passes, the first dimension's included",
        ("sample_and_log_prob", size + 2): ": z comes from the draw, no inverse pass; the log-det costs one more",
        ("sample_and_log_prob", size): ": TFP does not keep the loop's log-scales; the log-det costs one more pass",
    }
    usual = {
        "log_prob": ": one pass for z, one for the log-det (inverse and inverse_log_det_jacobian), at any D",
        "sample": ": one pass per dimension, since x_i needs x_<i",
        "sample_and_log_prob": ": D passes for the samples, one more for the log-det at the new x",
    }
    return known.get((op, predicted), usual[op])


def _read_prediction(got: Any) -> tuple[dict[str, dict[int, int]], str | None]:
    """Return ({operation: {D: count}}, None) from a learner's prediction, or ({}, what is wrong with it)."""
    if not isinstance(got, Mapping):
        return {}, f"your function returned {describe(got)}: return a dict {_FORM}"
    missing = [op for op in PREDICTED_OPERATIONS if op not in got]
    if missing:
        return {}, f"the prediction has no entry {missing[0]!r}: return a dict {_FORM}"
    prediction: dict[str, dict[int, int]] = {op: {} for op in PREDICTED_OPERATIONS}
    for op, size in ((op, size) for op in PREDICTED_OPERATIONS for size in PREDICTED_SIZES):
        by_size = {str(key).strip(): value for key, value in got[op].items()} if isinstance(got[op], Mapping) else {}
        if str(size) not in by_size:
            what = f"has no count for D = {size}" if by_size else f"is {_messages.summarize(got[op], 60)}"
            return {}, f"prediction[{op!r}] {what}: give a count for each D, {{4: ..., 32: ...}}"
        prediction[op][size], reason = read_count(by_size[str(size)])
        if reason is not None:
            return {}, f"prediction[{op!r}][{size}]: {reason.replace('your function returned', 'it is')}"
    return prediction, None


@never_raises
def _prediction_against_run(got: Any, expected: dict[str, dict[int, int]], case: Case) -> str | None:
    """None when every predicted count is the run's; else the first gap with its cause, and where the others are."""
    prediction, reason = _read_prediction(got)
    if reason is not None:
        return reason
    gaps = [(op, d) for op in PREDICTED_OPERATIONS for d in PREDICTED_SIZES if prediction[op][d] != expected[op][d]]
    if not gaps:
        return None
    (op, size), rest = gaps[0], [[d for o, d in gaps[1:] if o == other] for other in PREDICTED_OPERATIONS]
    others = ", ".join(
        o if len(ds) == len(PREDICTED_SIZES) else f"{o} at D = {ds[0]}"
        for o, ds in zip(PREDICTED_OPERATIONS, rest, strict=True)
        if ds
    )
    predicted = prediction[op][size]
    text = f"{op} at D = {size}: you predicted {predicted}, the run counted {expected[op][size]}"
    return text + _why_off(op, size, predicted) + (f". Also off: {others}" if others else "")


register(
    Exercise(
        id="03.4",
        title="predict, then run: the network passes of a MAF",
        reference=maf_passes_prediction,
        cases=lambda: [Case({}, "your prediction against the run, D = 4 and D = 32, 1000 points")],
        hint=(
            "for each operation ask whether the network's input is known in full before the first call (one call "
            "then gives every shift and log-scale) or is built one dimension at a time; then count the separate "
            "steps TFP runs: log_prob needs z AND a log-determinant."
        ),
        hints=(
            "density of a given x: x is known in full, so z takes one pass, but TFP's log_prob calls inverse and "
            "inverse_log_det_jacobian separately, one pass each. sample: x_i needs x_<i, one pass per dimension; "
            "the draw from N(0, I) is no pass. One pass handles every row, whatever the batch size.",
            "log_prob: 2 at any D. sample: D. sample_and_log_prob: the D sampling passes, then one more for the "
            "log-det at the new x (z is known from the draw): D + 1.",
        ),
        compare=_prediction_against_run,
    )
)


# ---------------------------------------------------------------- 04.1 the density of an IAF sample in one pass


def iaf_sample_log_prob(shift_and_log_scale: Any, z: np.ndarray) -> np.ndarray:
    """Reference: log q(x) of the sample x = IAF(z), for TFP's IAF = Invert(MAF), from one call at z."""
    _, log_scale = uncounted(shift_and_log_scale)(z)  # the forward log-det of x = (z - shift) * exp(-log_scale) is -sum
    return _log_normal(z) + _sum(log_scale)


def _sample_log_prob_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong answers of 04.1."""
    z = np.asarray(case.kwargs["z"], np.float64)
    shift, log_scale = (np.asarray(t, np.float64) for t in uncounted(case.kwargs["shift_and_log_scale"])(z))
    x = (z - shift) * np.exp(-log_scale)
    return {
        "the sign of the log-det: the sample's forward log-det is -sum(log_scale), so add +sum(log_scale)": lambda: (
            _log_normal(z) - _sum(log_scale)
        ),
        "the log-det term is missing": lambda: _log_normal(z),
        "the base log-density log N(z; 0, I) is missing": lambda: _sum(log_scale),
        "the base density is evaluated at the sample x: evaluate it at z": lambda: _log_normal(x) + _sum(log_scale),
    }


register(
    Exercise(
        id="04.1",
        title="the density of an IAF sample in one pass",
        reference=iaf_sample_log_prob,
        cases=lambda: _three_sizes((51, 52, 53), 61, argument="z"),
        hint=(
            "for a sample you drew yourself, you already know the z it came from: one call of the network gives "
            "everything the density needs."
        ),
        hints=(
            "z is known in full: shift, log_scale = shift_and_log_scale(z) (one call). Under tfb.Invert the "
            "IAF's forward is the MAF's inverse, x = (z - shift) * exp(-log_scale): the log-scale enters with a "
            "minus sign, so the forward log-det is -sum(log_scale), and "
            "log q(x) = sum_i log N(z_i; 0, 1) - log_det = sum_i log N(z_i; 0, 1) + sum_i log_scale_i "
            "(sums over the last axis). x itself is not needed.",
        ),
        compare=_one_call(numbers_compare(_sample_log_prob_mistakes)),
    )
)


# ---------------------------------------------------------------- 04.2 the IAF log-density of a given point


def _solve_iaf(fn: Any, x: Any, count: int) -> tuple[np.ndarray, np.ndarray]:
    """z after `count` passes of z = x * exp(log_scale(z)) + shift(z) from z = 0, and the last pass's log-scales."""
    fn, x = uncounted(fn), tf.convert_to_tensor(x, dtype=tf.float32)
    z, log_scale = tf.zeros_like(x), tf.zeros_like(x)
    for _ in range(count):  # pass D reads z_<i, final for every i: its log-scales are the ones at z
        shift, log_scale = fn(z)
        z = x * tf.exp(log_scale) + shift
    return z.numpy(), log_scale.numpy()


def iaf_log_prob(shift_and_log_scale: Any, x: np.ndarray) -> np.ndarray:
    """Reference: log q(x) of a given x under TFP's IAF = Invert(MAF), from D passes that recover z."""
    z, log_scale = _solve_iaf(shift_and_log_scale, x, np.shape(x)[-1])
    return _log_normal(z) + _sum(log_scale)


def _iaf_log_prob_cases() -> list[Case]:
    """Points of 2, 3 and 5 dimensions (MADEs), and of 6 strongly coupled dimensions in only 2 rows."""
    coupled = dict(shift_and_log_scale=counted(CoupledConditioner(6, seed=5)), x=standard_points(2, 6, seed=76))
    return [
        *_three_sizes((51, 52, 53), 71),
        Case(coupled, "D = 6 dimensions but only 2 rows, each dimension strongly coupled to the one before"),
    ]


def _iaf_log_prob_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong answers of 04.2: too few passes, the MAF's one-pass formula, the sign, the first pass's scales."""
    fn, x = case.kwargs["shift_and_log_scale"], np.asarray(case.kwargs["x"], np.float64)
    n, size = x.shape
    z, log_scale = _solve_iaf(fn, x, size)
    mistakes = {}
    for count, why in ((n, "one per ROW of x: loop over the D dimensions"), (size - 1, f"D = {size} are needed")):
        if 0 < count < size:
            reason = f"z after only {count} pass{'es' if count > 1 else ''} ({why}), so log q(x) is off"
            mistakes[reason] = functools.partial(_log_q_after, fn, x, count)
    shift_x, log_scale_x = (np.asarray(t, np.float64) for t in uncounted(fn)(x))
    return mistakes | {
        "this is the MAF's one-pass density: for the IAF, x = (z - shift(z)) * exp(-log_scale(z)) must be solved "
        "for z, one dimension per pass": lambda: _log_normal((x - shift_x) * np.exp(-log_scale_x)) - _sum(log_scale_x),
        "the sign of the log-det: log q(x) = log N(z) + sum(log_scale(z))": lambda: _log_normal(z) - _sum(log_scale),
        "the log-scales of the first pass (at z = 0) were used: take those at the final z": lambda: (
            _log_normal(z) + _sum(uncounted(fn)(np.zeros_like(x, np.float32))[1])
        ),
    }


def _log_q_after(fn: Any, x: np.ndarray, count: int) -> np.ndarray:
    """log N(z) + sum(log_scale) with z and the log-scales after `count` passes (a too-short loop)."""
    z, log_scale = _solve_iaf(fn, x, count)
    return _log_normal(z) + _sum(log_scale)


@never_raises
def _close_in_d_passes(got: Any, expected: Any, case: Case) -> str | None:
    """Values within tolerance, from at most D + 1 network calls."""
    size = case.kwargs["x"].shape[-1]
    why = f"D = {size} passes recover z, and at most one more gives the log-scales at z"
    return numbers_compare(_iaf_log_prob_mistakes)(got, expected, case) or too_many_calls(case, size + 1, why)


register(
    Exercise(
        id="04.2",
        title="the log-density of a given point under an IAF",
        reference=iaf_log_prob,
        cases=_iaf_log_prob_cases,
        hint=(
            "for a point you did not draw, the IAF has to recover z first, and z_i depends on z_<i: the same one-"
            "dimension-per-pass idea as MAF sampling."
        ),
        hints=(
            "x = (z - shift(z)) * exp(-log_scale(z)) must be solved for z: z = x * exp(log_scale(z)) + shift(z), "
            "and z_i needs z_<i. Start from z = zeros and repeat D times (D = x.shape[-1]): shift, log_scale = "
            "shift_and_log_scale(z); z = x * exp(log_scale) + shift. Then log q(x) = sum log N(z_i; 0, 1) + "
            "sum log_scale(z) (minus the forward log-det, which is -sum log_scale).",
        ),
        compare=_close_in_d_passes,
    )
)


# ---------------------------------------------------------------- 04.3 MAF or IAF?
