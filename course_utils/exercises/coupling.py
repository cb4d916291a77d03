"""Exercises of notebook 05 (RealNVP and NICE: coupling layers).

The coupling exercises hand the learner a shift-and-log-scale function with TFP's signature,
`fn(z_masked, output_units) -> (shift, log_scale)`, where `log_scale` is None for NICE. The
functions of the cases below are plain NumPy, keep float32 and also accept TF tensors, so an
answer written with NumPy or with TensorFlow passes alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.exercises import Case, Exercise, register
from course_utils.exercises._compare import never_raises, numbers_compare, read_count, read_numbers

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


def coupling_forward(z: np.ndarray, num_masked: int, shift_and_log_scale_fn: ShiftAndLogScaleFn) -> np.ndarray:
    """Reference: x[:d] = z[:d]; x[d:] = shift(z[:d]) + exp(log_scale(z[:d])) * z[d:]."""
    masked, other, shift, log_scale = _split(z, num_masked, shift_and_log_scale_fn)
    scale = 1.0 if log_scale is None else np.exp(np.asarray(log_scale, dtype=np.float32))
    return np.concatenate([masked, shift + scale * other], axis=-1)


def coupling_inverse(x: np.ndarray, num_masked: int, shift_and_log_scale_fn: ShiftAndLogScaleFn) -> np.ndarray:
    """Reference: z[:d] = x[:d]; z[d:] = (x[d:] - shift(x[:d])) * exp(-log_scale(x[:d]))."""
    masked, other, shift, log_scale = _split(x, num_masked, shift_and_log_scale_fn)
    inverse_scale = 1.0 if log_scale is None else np.exp(-np.asarray(log_scale, dtype=np.float32))
    return np.concatenate([masked, (other - shift) * inverse_scale], axis=-1)


def coupling_log_det(z: np.ndarray, num_masked: int, shift_and_log_scale_fn: ShiftAndLogScaleFn) -> np.ndarray:
    """Reference: log|det J| of the forward map at each row of z, the sum of the log-scales (0 for NICE)."""
    masked, other, _, log_scale = _split(z, num_masked, shift_and_log_scale_fn)
    if log_scale is None:
        return np.zeros(other.shape[:-1], dtype=np.float32)
    return np.sum(np.asarray(log_scale, dtype=np.float32), axis=-1)


def _coupling_cases(direction: str) -> list[Case]:
    """Inputs shared by 05.1-05.3: several D, d and networks, including NICE's shift-only one."""
    argument = "z" if direction == "forward" else "x"
    cases = [
        (2, 1, _wave_2d(), "D = 2, d = 1"),
        (3, 1, _linear(1, 2, seed=1), "D = 3, d = 1: two dims transformed"),
        (3, 2, _product_3d(), "D = 3, d = 2: one dim transformed, by a function of two"),
        (4, 2, _linear(2, 2, seed=2), "D = 4, d = 2"),
        (4, 1, _shift_only(1, 3), "NICE, D = 4, d = 1: the function returns log_scale = None"),
    ]
    return [
        Case(
            {argument: _points(4, event_size, seed=10 + i), "num_masked": num_masked, "shift_and_log_scale_fn": fn},
            description,
        )
        for i, (event_size, num_masked, fn, description) in enumerate(cases)
    ]


def _parts(case: Case) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(d, masked part, other part, shift, log_scale or zeros) of the case's input, in float64."""
    d, fn = case.kwargs["num_masked"], case.kwargs["shift_and_log_scale_fn"]
    values = np.asarray(case.kwargs["z"] if "z" in case.kwargs else case.kwargs["x"], np.float64)
    masked, other = values[..., :d], values[..., d:]
    shift, log_scale = fn(masked.astype(np.float32), other.shape[-1])
    log_scale = np.zeros_like(other) if log_scale is None else np.asarray(log_scale, np.float64)
    return d, masked, other, np.asarray(shift, np.float64), log_scale


def _forward_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong answers of 05.1 (the transformed columns only differ)."""
    _, masked, other, shift, log_scale = _parts(case)
    return {
        "exp is missing: it is a LOG-scale, so the scale is exp(log_scale)": lambda: shift + log_scale * other,
        "the shift is added after scaling: shift + exp(log_scale) * z_other": lambda: (
            np.exp(log_scale) * (other + shift)
        ),
        "this is the inverse map: the forward pass is shift + exp(log_scale) * z_other": lambda: (
            (other - shift) * np.exp(-log_scale)
        ),
    }


def _inverse_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong answers of 05.2 (the transformed columns only differ)."""
    _, masked, other, shift, log_scale = _parts(case)
    return {
        "undo in reverse order: first subtract the shift, then divide by the scale": lambda: (
            other * np.exp(-log_scale) - shift
        ),
        "this multiplies by exp(+log_scale): divide by the scale, i.e. multiply by exp(-log_scale)": lambda: (
            (other - shift) * np.exp(log_scale)
        ),
        "this is the forward map shift + exp(log_scale) * x_other: undo it": lambda: shift + np.exp(log_scale) * other,
        "the shift must be subtracted, not added": lambda: (other + shift) * np.exp(-log_scale),
    }


def _with_copied_columns(case: Case, mistakes: dict[str, Callable[[], Any]]) -> dict[str, Callable[[], Any]]:
    """The known wrong transformed columns, each put back behind the copied columns."""
    masked = _parts(case)[1]
    return {why: (lambda wrong=wrong: np.concatenate([masked, wrong()], axis=-1)) for why, wrong in mistakes.items()}


def _coupling_compare(mistakes: Callable[[Case], dict[str, Callable[[], Any]]]):
    """A comparison for 05.1 and 05.2: the copied columns first, then the transformed ones, naming known mistakes."""

    @never_raises
    def compare(got: Any, expected: Any, case: Case) -> str | None:
        got_array, reason = read_numbers(got)
        if reason is None and got_array.shape == np.shape(expected):
            d, masked = _parts(case)[:2]
            if not np.allclose(got_array[..., :d], masked, rtol=1e-4, atol=1e-4):
                return f"the first num_masked = {d} column(s) must pass through unchanged, in their place"
        return numbers_compare(lambda case: _with_copied_columns(case, mistakes(case)))(got, expected, case)

    return compare


register(
    Exercise(
        id="05.1",
        title="the forward pass of a coupling layer",
        reference=coupling_forward,
        cases=lambda: _coupling_cases("forward"),
        hint=(
            "a coupling layer leaves the first part of the vector untouched and uses it to compute an affine map "
            "of the rest; the network only ever sees the untouched part."
        ),
        hints=(
            "split z into z[..., :num_masked] (passed through unchanged) and z[..., num_masked:]; call "
            "shift, log_scale = shift_and_log_scale_fn(z_masked, number_of_other_dims) on the masked part only; "
            "transform only the other part, shift + exp(log_scale) * z_other (exp: it is a LOG-scale), and "
            "concatenate the two parts back in order. When log_scale is None (NICE) the scale is 1.",
        ),
        compare=_coupling_compare(_forward_mistakes),
    )
)

register(
    Exercise(
        id="05.2",
        title="the inverse pass of a coupling layer",
        reference=coupling_inverse,
        cases=lambda: _coupling_cases("inverse"),
        hint=(
            "the untouched part is the same before and after the layer, so the network gives the very same shift "
            "and log-scale from x; then undo the affine map in reverse order."
        ),
        hints=(
            "x[..., :num_masked] equals z[..., :num_masked], so the network can be called on x's masked part "
            "to get the very same shift and log_scale; undo the affine map in reverse order: first subtract "
            "the shift, then divide by exp(log_scale), i.e. (x_other - shift) * exp(-log_scale). "
            "When log_scale is None (NICE) only subtract the shift.",
        ),
        compare=_coupling_compare(_inverse_mistakes),
    )
)


def _log_det_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong answers of 05.3."""
    log_scale = _parts(case)[4]
    return {
        "this sums the scales exp(log_scale): sum the log-scales themselves": lambda: np.sum(np.exp(log_scale), -1),
        "this is a mean: log|det J| is the SUM of the log-scales": lambda: np.mean(log_scale, axis=-1),
        "the sign is flipped: the forward map's log-det is +sum(log_scale)": lambda: -np.sum(log_scale, axis=-1),
    }


@never_raises
def _same_log_det(got: Any, expected: Any, case: Case) -> str | None:
    """One log-det per row (one number for all rows where they are equal, as for NICE); name known mistakes."""
    z, d, fn = case.kwargs["z"], case.kwargs["num_masked"], case.kwargs["shift_and_log_scale_fn"]
    if got is None and fn(z[..., :d], z.shape[-1] - d)[1] is None:
        return "your function returned None: with log_scale None (NICE) the scale is 1, so the log-det is 0"
    return numbers_compare(_log_det_mistakes, broadcast=True)(got, expected, case)


register(
    Exercise(
        id="05.3",
        title="the log-determinant of a coupling layer",
        reference=coupling_log_det,
        cases=lambda: _coupling_cases("forward"),
        hint=(
            "the Jacobian of a coupling layer is block-triangular; which blocks are the identity, and what is the"
            " determinant of the other one?"
        ),
        hints=(
            "the Jacobian is block-triangular: identity for the masked dims, diag(exp(log_scale)) for the others, "
            "so log|det J| = sum of log_scale over the last axis, one number per row (shape (n,)). Do not take exp, "
            "do not average. For NICE (log_scale is None) it is 0 for every row: np.zeros(n).",
        ),
        compare=_same_log_det,
    )
)


def masked_count(event_size: int, fraction_masked: float) -> int:
    """Reference: how many leading dims tfb.RealNVP(fraction_masked=...) passes through: round(D * fraction)."""
    return int(np.round(event_size * fraction_masked))


def _masked_count_cases() -> list[Case]:
    """Inputs for 05.4: exact halves (where floor, ceil and round-half-up disagree with TFP) and non-halves."""
    cases = [(2, 0.5), (4, 0.3), (3, 0.5), (5, 0.5), (7, 0.5), (6, 0.25), (10, 0.25), (6, 2 / 3), (8, 0.7)]
    return [
        Case(dict(event_size=d, fraction_masked=f), f"D = {d}, fraction {f:.3g}: D * fraction = {d * f:.3g}")
        for d, f in cases
    ]


@never_raises
def _same_count(got: Any, expected: int, case: Case) -> str | None:
    """Accept any whole number (in any form) equal to the expected count; name the rule a wrong count follows."""
    value, reason = read_count(got)
    if reason is not None or value == expected:
        return reason
    size, product = case.kwargs["event_size"], case.kwargs["event_size"] * case.kwargs["fraction_masked"]
    if value == np.floor(product):
        return f"{value:g} is D * fraction = {product:g} rounded down; TFP rounds to the nearest count"
    if value == np.ceil(product):
        return (
            f"{value:g} is D * fraction = {product:g} rounded up; TFP rounds to the nearest count, "
            "and an exact half to the even neighbour"
        )
    if value == size - expected:
        return f"{value:g} is the number of transformed dims; the count copied is D minus that, {expected}"
    return f"got {value:g} dims, expected {expected}"


register(
    Exercise(
        id="05.4",
        title="how many dimensions fraction_masked masks",
        reference=masked_count,
        cases=_masked_count_cases,
        hint=(
            "TFP turns the fraction into a count with one particular rounding rule; try a few fractions that land"
            " exactly on .5 and see which rule matches."
        ),
        hints=(
            "tfb.RealNVP computes int(np.round(D * fraction_masked)). np.round (and Python's round) send an exact "
            "half to the even neighbour: 1.5 -> 2 but 2.5 -> 2. int() alone rounds down, math.ceil up, "
            "int(x + 0.5) sends 2.5 to 3: none of them matches.",
        ),
        compare=_same_count,
    )
)
