"""Exercises of notebook 05 (RealNVP and NICE: coupling layers).

05.5 (one coupling layer) hands the learner shift-and-log-scale functions with TFP's signature,
`fn(z_masked, output_units) -> (shift, log_scale)`, where `log_scale` (the notebook's alpha, a log-scale)
is None for NICE. The functions of the cases below are plain NumPy, keep float32 and
also accept TF tensors, so an answer written with NumPy or with TensorFlow passes alike. 05.6 and 05.7,
about stacks of coupling layers, are in `coupling_stacks`. Retired: 05.1-05.3 (merged into 05.5) and 05.4.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.exercises import Case, Exercise, register
from course_utils.exercises._compare import (
    compare_numbers,
    describe,
    never_raises,
    numbers_compare,
    odd_answer,
    read_numbers,
)

ShiftAndLogScaleFn = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray | None]]


def _named(name: str, fn: ShiftAndLogScaleFn) -> ShiftAndLogScaleFn:
    """Give `fn` a readable name for the checker's messages."""
    fn.__name__ = name
    return fn


def _masked_input(z_masked: Any, output_units: Any, num_masked: int, out: int) -> np.ndarray:
    """The masked part as an array, once checked: num_masked columns in, output_units = the transformed count."""
    s = np.asarray(z_masked)
    if s.shape[-1] != num_masked:
        raise ValueError(f"this network takes the num_masked = {num_masked} copied columns, got {s.shape[-1]}")
    if int(output_units) != out:
        raise ValueError(f"output_units must be the number of transformed columns, {out}, got {output_units}")
    return s


def _wave_2d() -> ShiftAndLogScaleFn:
    """D = 2, d = 1: shift 0.8 sin(1.5 z0), log-scale 0.6 tanh(z0)."""

    def fn(z_masked, output_units):
        s = _masked_input(z_masked, output_units, 1, 1)
        return 0.8 * np.sin(1.5 * s), 0.6 * np.tanh(s)

    return _named("wave(z0): shift 0.8 sin(1.5 z0), log_scale 0.6 tanh(z0)", fn)


def _linear(d: int, out: int, seed: int) -> ShiftAndLogScaleFn:
    """A fixed linear 'network' from d masked dims to `out` shifts and `out` log-scales."""
    rng = np.random.default_rng(seed)
    w_shift = rng.normal(size=(d, out)).astype(np.float32)
    w_log_scale = (0.5 * rng.normal(size=(d, out))).astype(np.float32)
    bias = np.linspace(-0.4, 0.4, out, dtype=np.float32)

    def fn(z_masked, output_units):
        s = _masked_input(z_masked, output_units, d, out)
        return s @ w_shift + 0.3, np.tanh(s @ w_log_scale + bias)

    return _named(f"linear net: {d} masked dims -> {out} shifts and log-scales", fn)


def _product_3d() -> ShiftAndLogScaleFn:
    """D = 3, d = 2: shift z0 z1, log-scale 0.5 tanh(z0 - z1)."""

    def fn(z_masked, output_units):
        s = _masked_input(z_masked, output_units, 2, 1)
        return s[..., :1] * s[..., 1:2], 0.5 * np.tanh(s[..., :1] - s[..., 1:2])

    return _named("product(z0, z1): shift z0*z1, log_scale 0.5 tanh(z0 - z1)", fn)


def _shift_only(d: int, out: int) -> ShiftAndLogScaleFn:
    """NICE: a shift from the masked dims and no log-scale (None)."""

    def fn(z_masked, output_units):
        s = _masked_input(z_masked, output_units, d, out)
        return np.repeat(np.sin(np.sum(s, axis=-1, keepdims=True)), out, axis=-1), None

    return _named(f"NICE net: shift sin(sum of {d} masked dims), log_scale None", fn)


def _points(n: int, event_size: int, seed: int) -> np.ndarray:
    """n float32 points of dimension event_size, spread wide enough that the log-scales matter."""
    return (1.3 * np.random.default_rng(seed).normal(size=(n, event_size))).astype(np.float32)


def _split(values: np.ndarray, num_masked: int, fn: ShiftAndLogScaleFn):
    """Return (masked part, other part, shift, log_scale) of the rows of `values`."""
    values = np.asarray(values, dtype=np.float32)
    masked, other = values[..., :num_masked], values[..., num_masked:]
    shift, log_scale = fn(masked, other.shape[-1])
    return masked, other, np.asarray(shift, dtype=np.float32), log_scale


def _coupling_parts(values: np.ndarray, num_masked: int, shift_and_log_scale_fn: ShiftAndLogScaleFn):
    """(masked part, other part, shift, log_scale or None) of the rows of `values`, in float32."""
    masked, other, shift, log_scale = _split(values, num_masked, shift_and_log_scale_fn)
    return masked, other, shift, None if log_scale is None else np.asarray(log_scale, dtype=np.float32)


def coupling_layer(
    points: np.ndarray, num_masked: int, shift_and_log_scale_fn: ShiftAndLogScaleFn
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reference: (forward, log-det of the forward, inverse) of one coupling layer at the rows of `points`.

    forward: x[:d] = v[:d], x[d:] = shift(v[:d]) + exp(alpha(v[:d])) * v[d:];
    log-det: the sum of alpha(v[:d]) over the transformed columns (0 for NICE, alpha None);
    inverse: z[:d] = v[:d], z[d:] = (v[d:] - shift(v[:d])) * exp(-alpha(v[:d])).
    """
    masked, other, shift, log_scale = _coupling_parts(points, num_masked, shift_and_log_scale_fn)
    if log_scale is None:
        log_scale = np.zeros_like(other)
    forward = np.concatenate([masked, shift + np.exp(log_scale) * other], axis=-1)
    inverse = np.concatenate([masked, (other - shift) * np.exp(-log_scale)], axis=-1)
    return forward, np.sum(log_scale, axis=-1), inverse


def _coupling_cases() -> list[Case]:
    """Several D, d and networks, including NICE's shift-only one."""
    cases = [
        (2, 1, _wave_2d(), "D = 2, d = 1"),
        (3, 1, _linear(1, 2, seed=1), "D = 3, d = 1: two dims transformed"),
        (3, 2, _product_3d(), "D = 3, d = 2: one dim transformed, by a function of two"),
        (4, 2, _linear(2, 2, seed=2), "D = 4, d = 2"),
        (4, 1, _shift_only(1, 3), "NICE, D = 4, d = 1: the function returns log_scale = None"),
    ]
    return [
        Case(
            {"points": _points(4, event_size, seed=10 + i), "num_masked": num_masked, "shift_and_log_scale_fn": fn},
            description,
        )
        for i, (event_size, num_masked, fn, description) in enumerate(cases)
    ]


def _parts(case: Case) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(d, masked part, other part, shift, log_scale or zeros) of the case's points, in float64."""
    d, fn = case.kwargs["num_masked"], case.kwargs["shift_and_log_scale_fn"]
    values = np.asarray(case.kwargs["points"], np.float64)
    masked, other = values[..., :d], values[..., d:]
    shift, log_scale = fn(masked.astype(np.float32), other.shape[-1])
    log_scale = np.zeros_like(other) if log_scale is None else np.asarray(log_scale, np.float64)
    return d, masked, other, np.asarray(shift, np.float64), log_scale


def _forward_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong forward passes (the transformed columns only differ)."""
    _, masked, other, shift, log_scale = _parts(case)
    return {
        "exp is missing: alpha is a LOG-scale, so the scale is exp(log_scale)": lambda: shift + log_scale * other,
        "the shift is added before scaling: the forward pass is shift + exp(log_scale) * v_other": lambda: (
            np.exp(log_scale) * (other + shift)
        ),
        "this is the inverse map: the forward pass is shift + exp(log_scale) * v_other": lambda: (
            (other - shift) * np.exp(-log_scale)
        ),
        "the forward pass multiplies by exp(+log_scale); exp(-log_scale) belongs to the inverse": lambda: (
            shift + np.exp(-log_scale) * other
        ),
    }


def _inverse_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong inverse passes (the transformed columns only differ)."""
    _, masked, other, shift, log_scale = _parts(case)
    return {
        "undo in reverse order: first subtract the shift, then divide by the scale": lambda: (
            other * np.exp(-log_scale) - shift
        ),
        "this multiplies by exp(+log_scale): divide by the scale, i.e. multiply by exp(-log_scale)": lambda: (
            (other - shift) * np.exp(log_scale)
        ),
        "this is the forward map shift + exp(log_scale) * v_other: undo it": lambda: shift + np.exp(log_scale) * other,
        "the shift must be subtracted, not added": lambda: (other + shift) * np.exp(-log_scale),
    }


def _with_copied_columns(case: Case, mistakes: dict[str, Callable[[], Any]]) -> dict[str, Callable[[], Any]]:
    """The known wrong transformed columns, each put back behind the copied columns."""
    masked = _parts(case)[1]
    return {why: (lambda wrong=wrong: np.concatenate([masked, wrong()], axis=-1)) for why, wrong in mistakes.items()}


def _pass_compare(mistakes: Callable[[Case], dict[str, Callable[[], Any]]]):
    """A comparison of one pass: the copied columns first, then the transformed ones, naming known mistakes."""

    def compare(got: Any, expected: Any, case: Case) -> str | None:
        got_array, reason = read_numbers(got)
        if reason is None and got_array.shape == np.shape(expected):
            d, masked = _parts(case)[:2]
            if not np.allclose(got_array[..., :d], masked, rtol=1e-4, atol=1e-4):
                return (
                    f"the first num_masked = {d} column(s) must pass through unchanged, in their place "
                    "(is the wrong half kept?)"
                )
        return numbers_compare(lambda case: _with_copied_columns(case, mistakes(case)))(got, expected, case)

    return compare


def _log_det_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong log-determinants."""
    log_scale = _parts(case)[4]
    return {
        "the sign is flipped: the forward map's log-det is +sum(log_scale)": lambda: -np.sum(log_scale, axis=-1),
        "this sums the scales exp(log_scale): sum the log-scales themselves": lambda: np.sum(np.exp(log_scale), -1),
        "this is a mean: log|det J| is the SUM of the log-scales": lambda: np.mean(log_scale, axis=-1),
        "one number for the whole batch: sum over the last axis only, one log-det per row": lambda: np.sum(log_scale),
        "this sums over the rows (the batch): sum over the last axis, one log-det per row": lambda: np.sum(
            log_scale, axis=0
        ),
    }


def _log_det_compare(got: Any, expected: Any, case: Case) -> str | None:
    """One log-det per row (one number for all rows where they are equal, as for NICE); name known mistakes."""
    points, d, fn = case.kwargs["points"], case.kwargs["num_masked"], case.kwargs["shift_and_log_scale_fn"]
    if got is None and fn(points[..., :d], points.shape[-1] - d)[1] is None:
        return "it is None: with log_scale None (NICE) the scale is 1, so the log-det is 0"
    reason = numbers_compare(_log_det_mistakes, broadcast=True)(got, expected, case)
    got_array, odd = read_numbers(got)
    if reason is not None and odd is None and got_array.shape == () and np.ndim(expected) == 1:
        if numbers_compare()(got, np.sum(_parts(case)[4]), case) is None:
            return "one number for the whole batch: sum over the last axis only, one log-det per row"
    return reason


_PARTS = ("x, the forward pass (first result)", "the log-det (second result)", "z, the inverse pass (third result)")


@never_raises
def _same_layer(got: Any, expected: Any, case: Case) -> str | None:
    """Three results, (forward, log-det, inverse); say which one is wrong and why."""
    reason = odd_answer(got)
    if reason is not None:
        return reason
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return f"your function returned {describe(got)}: return three results, (x, log_det, z)"
    forward, log_det, inverse = got
    want_forward, want_log_det, want_inverse = expected
    if (
        compare_numbers(forward, want_inverse) is None
        and compare_numbers(inverse, want_forward) is None
        and not np.allclose(want_forward, want_inverse, atol=1e-4)
    ):
        return "the forward and inverse results are swapped: return (forward, log_det, inverse) in this order"
    comparisons = (
        (forward, want_forward, _pass_compare(_forward_mistakes)),
        (log_det, want_log_det, _log_det_compare),
        (inverse, want_inverse, _pass_compare(_inverse_mistakes)),
    )
    for name, (part, want, compare) in zip(_PARTS, comparisons, strict=True):
        reason = compare(part, want, case)
        if reason is not None:
            return f"{name}: {reason}"
    return None


register(
    Exercise(
        id="05.5",
        title="one coupling layer: forward, log-det and inverse",
        reference=coupling_layer,
        cases=_coupling_cases,
        hint=(
            "a coupling layer leaves the first num_masked columns untouched and uses them to compute an affine "
            "map of the rest; the network only ever sees the untouched part, in both directions. Its Jacobian "
            "is block-triangular: which blocks are the identity?"
        ),
        hints=(
            "split v into v[..., :num_masked] (copied) and v[..., num_masked:]; call "
            "shift, log_scale = shift_and_log_scale_fn(v_masked, number_of_other_columns) once. log_scale is "
            "alpha, a LOG-scale: the scale is exp(alpha). Forward: shift + exp(alpha) * v_other. Inverse: undo "
            "in reverse order, (v_other - shift) * exp(-alpha). log-det: diag(exp(alpha)) is the only block "
            "that is not the identity, so it is +sum(alpha) over the last axis, one number per row.",
            "x = concat([v_masked, shift + exp(alpha) * v_other]); log_det = sum(alpha, axis=-1); "
            "z = concat([v_masked, (v_other - shift) * exp(-alpha)]). When log_scale is None (NICE) use "
            "alpha = 0: the scale is 1 and the log-det is 0 for every row.",
        ),
        compare=_same_layer,
    )
)
