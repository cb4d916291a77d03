"""Exercises of notebook 05 (RealNVP and NICE: coupling layers).

The coupling exercises hand the learner a shift-and-log-scale function with TFP's signature,
`fn(z_masked, output_units) -> (shift, log_scale)`, where `log_scale` is None for NICE. The
functions of the cases below are plain NumPy, keep float32 and also accept TF tensors, so an
answer written with NumPy or with TensorFlow passes alike.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_utils.exercises import Case, Exercise, register

ShiftAndLogScaleFn = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray | None]]


def _named(name: str, fn: ShiftAndLogScaleFn) -> ShiftAndLogScaleFn:
    """Give `fn` a readable name for the checker's messages."""
    fn.__name__ = name
    return fn


def _wave_2d() -> ShiftAndLogScaleFn:
    """D = 2, d = 1: shift 0.8 sin(1.5 z0), log-scale 0.6 tanh(z0)."""

    def fn(z_masked, output_units):
        s = np.asarray(z_masked)
        return 0.8 * np.sin(1.5 * s), 0.6 * np.tanh(s)

    return _named("wave(z0): shift 0.8 sin(1.5 z0), log_scale 0.6 tanh(z0)", fn)


def _linear(d: int, out: int, seed: int) -> ShiftAndLogScaleFn:
    """A fixed linear 'network' from d masked dims to `out` shifts and `out` log-scales."""
    rng = np.random.default_rng(seed)
    w_shift = rng.normal(size=(d, out)).astype(np.float32)
    w_log_scale = (0.5 * rng.normal(size=(d, out))).astype(np.float32)
    bias = np.linspace(-0.4, 0.4, out, dtype=np.float32)

    def fn(z_masked, output_units):
        s = np.asarray(z_masked)
        return s @ w_shift + 0.3, np.tanh(s @ w_log_scale + bias)

    return _named(f"linear net: {d} masked dims -> {out} shifts and log-scales", fn)


def _product_3d() -> ShiftAndLogScaleFn:
    """D = 3, d = 2: shift z0 z1, log-scale 0.5 tanh(z0 - z1)."""

    def fn(z_masked, output_units):
        s = np.asarray(z_masked)
        return s[..., :1] * s[..., 1:2], 0.5 * np.tanh(s[..., :1] - s[..., 1:2])

    return _named("product(z0, z1): shift z0*z1, log_scale 0.5 tanh(z0 - z1)", fn)


def _shift_only(d: int, out: int) -> ShiftAndLogScaleFn:
    """NICE: a shift from the masked dims and no log-scale (None)."""

    def fn(z_masked, output_units):
        s = np.asarray(z_masked)
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


register(
    Exercise(
        id="05.1",
        title="the forward pass of a coupling layer",
        reference=coupling_forward,
        cases=lambda: _coupling_cases("forward"),
        hint="split z into z[..., :num_masked] (passed through unchanged) and z[..., num_masked:]; call "
        "shift, log_scale = shift_and_log_scale_fn(z_masked, number_of_other_dims) on the masked part only; "
        "transform only the other part, shift + exp(log_scale) * z_other (exp: it is a LOG-scale), and "
        "concatenate the two parts back in order. When log_scale is None (NICE) the scale is 1.",
    )
)

register(
    Exercise(
        id="05.2",
        title="the inverse pass of a coupling layer",
        reference=coupling_inverse,
        cases=lambda: _coupling_cases("inverse"),
        hint="x[..., :num_masked] equals z[..., :num_masked], so the network can be called on x's masked part "
        "to get the very same shift and log_scale; undo the affine map in reverse order: first subtract "
        "the shift, then divide by exp(log_scale), i.e. (x_other - shift) * exp(-log_scale). "
        "When log_scale is None (NICE) only subtract the shift.",
    )
)

register(
    Exercise(
        id="05.3",
        title="the log-determinant of a coupling layer",
        reference=coupling_log_det,
        cases=lambda: _coupling_cases("forward"),
        hint="the Jacobian is block-triangular: identity for the masked dims, diag(exp(log_scale)) for the others, "
        "so log|det J| = sum of log_scale over the last axis, one number per row (shape (n,)). Do not take exp, "
        "do not average. For NICE (log_scale is None) it is 0 for every row: np.zeros(n).",
    )
)


def masked_count(event_size: int, fraction_masked: float) -> int:
    """Reference: how many leading dims tfb.RealNVP(fraction_masked=...) passes through: round(D * fraction)."""
    return int(np.round(event_size * fraction_masked))


def _masked_count_cases() -> list[Case]:
    """Inputs for 05.4: exact halves (where floor, ceil and round-half-up disagree with TFP) and non-halves."""
    cases = [
        (2, 0.5, "D * fraction = 1"),
        (3, 0.5, "D * fraction = 1.5"),
        (5, 0.5, "D * fraction = 2.5"),
        (7, 0.5, "D * fraction = 3.5"),
        (6, 0.25, "D * fraction = 1.5"),
        (10, 0.25, "D * fraction = 2.5"),
        (4, 0.3, "D * fraction = 1.2"),
        (6, 2 / 3, "D * fraction = 4"),
        (8, 0.7, "D * fraction = 5.6"),
    ]
    return [Case(dict(event_size=d, fraction_masked=f), about) for d, f, about in cases]


def _describe(value: object) -> str:
    """Return 'a TYPE' or 'a TYPE of shape S' for an error message."""
    shape = np.shape(value) if hasattr(value, "shape") or isinstance(value, (list, tuple)) else None
    return f"a {type(value).__name__}" + (f" of shape {shape}" if shape else "")


def _same_count(got: object, expected: int, case: Case) -> str | None:
    """Accept any number equal to the expected count; name the rounding rule a wrong count follows."""
    array = np.asarray(got)
    if isinstance(got, bool) or array.ndim != 0 or array.dtype.kind not in "iuf":
        return f"the answer returned {_describe(got)}, expected one whole number"
    value = float(array)
    if value == expected:
        return None
    product = case.kwargs["event_size"] * case.kwargs["fraction_masked"]
    if value == np.floor(product):
        return f"{value:g} is D * fraction = {product:g} rounded down; TFP rounds to the nearest count"
    if value == np.ceil(product):
        return (
            f"{value:g} is D * fraction = {product:g} rounded up; TFP rounds to the nearest count, "
            "and an exact half to the even neighbour"
        )
    return f"got {value:g} dims, expected {expected}"


register(
    Exercise(
        id="05.4",
        title="how many dimensions fraction_masked masks",
        reference=masked_count,
        cases=_masked_count_cases,
        hint="tfb.RealNVP computes int(np.round(D * fraction_masked)). np.round (and Python's round) send an exact "
        "half to the even neighbour: 1.5 -> 2 but 2.5 -> 2. int() alone rounds down, math.ceil up, "
        "int(x + 0.5) sends 2.5 to 3: none of them matches.",
        compare=_same_count,
    )
)
