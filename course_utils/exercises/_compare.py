"""How every notebook's checks read a learner's answer: numbers in any form (lists, NumPy scalars, 0-d arrays,
tensors, float64), whole counts, and known wrong answers named by what went wrong. A comparison returns a reason
and never raises.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from course_utils._tf import tfb, tfd
from course_utils.exercises import Case

Compare = Callable[[Any, Any, Case], "str | None"]


def describe(value: Any) -> str:
    """Return 'None', 'a dict' or 'a ndarray of shape (3, 2)': what came back, for a message."""
    if value is None:
        return "None"
    shape = getattr(value, "shape", None)
    shown = f" of shape {tuple(shape)}" if shape is not None and len(tuple(shape)) > 0 else ""
    return f"a {type(value).__name__}{shown}"


def odd_answer(got: Any) -> str | None:
    """A reason when `got` holds no numbers at all: None, a distribution, a bijector, a function, a dict, a string."""
    if got is None:
        return "your function returned None: did you forget `return`?"
    if isinstance(got, tfd.Distribution):
        return f"your function returned a distribution ({type(got).__name__}), not numbers: sample or evaluate it"
    if isinstance(got, tfb.Bijector) or callable(got):
        return f"your function returned {describe(got)}, not numbers: call it"
    if isinstance(got, (str, bytes, dict, set)):
        return f"your function returned {describe(got)}, not numbers"
    return None


def read_numbers(got: Any) -> tuple[np.ndarray | None, str | None]:
    """Return (float64 array, None) for any array-like answer, or (None, reason)."""
    reason = odd_answer(got)
    if reason is not None:
        return None, reason
    try:
        with np.errstate(all="ignore"):
            return np.asarray(got, dtype=np.float64), None
    except (TypeError, ValueError, OverflowError):
        return None, f"your function returned {describe(got)}, not an array of numbers"


def read_count(got: Any) -> tuple[int | None, str | None]:
    """Return (int, None) for a whole number (int, 2.0, NumPy scalar, 0-d array, tensor), or (None, reason)."""
    if got is None or isinstance(got, (bool, np.bool_, str, bytes, dict)):
        return None, f"your function returned {describe(got)}, expected one whole number"
    try:
        array = np.asarray(got)
    except (TypeError, ValueError):
        return None, f"your function returned {describe(got)}, expected one whole number"
    if array.ndim != 0 or array.dtype.kind not in "iuf":
        return None, f"your function returned {describe(got)}, expected one whole number"
    value = float(array)
    if not np.isfinite(value) or value != round(value):
        return None, f"{value:g} is not a whole number: expected a count"
    return int(value), None


def shape_reason(got: tuple, expected: tuple) -> str:
    """Say that the shapes differ, with the likely cause where the shapes show it."""
    reason = f"the shape is {got}, expected {expected}"
    if got == expected + (1,):
        return f"{reason}: drop the trailing axis of length 1 (keepdims?)"
    if len(got) == len(expected) + 1 and got[: len(expected)] == expected:
        return f"{reason}: one value per row, so reduce over the last axis"
    if got == expected[::-1] and len(got) > 1:
        return f"{reason} (transposed?)"
    if len(got) == 0 and len(expected) > 0:
        return f"{reason}: one number came back where {int(np.prod(expected))} are expected"
    return reason


def _broadcasts(got: tuple, expected: tuple) -> bool:
    """True when an array of shape `got` broadcasts to exactly `expected` (a scalar for a constant, for example)."""
    try:
        return np.broadcast_shapes(got, expected) == expected
    except ValueError:
        return False


def compare_numbers(
    got: Any, expected: Any, rtol: float = 1e-4, atol: float = 1e-4, broadcast: bool = False
) -> str | None:
    """None when `got` equals `expected` within tolerances (shapes equal, or broadcasting when allowed), else why."""
    got_array, reason = read_numbers(got)
    if reason is not None:
        return reason
    want = np.asarray(expected, dtype=np.float64)
    note = ""
    if got_array.shape != want.shape:
        if not (broadcast and _broadcasts(got_array.shape, want.shape)):
            return shape_reason(got_array.shape, want.shape)
        note = f" (your shape {got_array.shape} was broadcast to {want.shape}: one value per row is expected)"
        got_array = np.broadcast_to(got_array, want.shape)
    bad = ~np.isfinite(got_array) & np.isfinite(want)
    if bad.any():
        kind = "NaN" if np.isnan(got_array[bad]).any() else "inf"
        return f"the result holds {kind} ({int(bad.sum())} of {want.size} values)"
    if not np.allclose(got_array, want, rtol=rtol, atol=atol, equal_nan=True):
        worst = float(np.nanmax(np.abs(got_array - want))) if want.size else 0.0
        return f"the values differ (largest difference {worst:.3g}, tolerance {atol:g} + {rtol:g}*|expected|){note}"
    return None


def name_mistake(
    got: Any, candidates: Mapping[str, Callable[[], Any]], rtol: float = 1e-4, atol: float = 1e-4
) -> str | None:
    """The reason of the first known wrong answer (computed lazily) that `got` equals, else None."""
    got_array, reason = read_numbers(got)
    if reason is not None:
        return None
    for why, wrong in candidates.items():
        try:
            want = np.asarray(wrong(), dtype=np.float64)
        except Exception:  # a candidate that cannot be computed names nothing
            continue
        if want.shape == got_array.shape and np.all(np.isfinite(want)):
            if np.allclose(got_array, want, rtol=rtol, atol=atol):
                return why
    return None


def never_raises(compare: Compare) -> Compare:
    """Wrap a comparison so that a value it did not foresee gives a reason instead of an exception."""

    @functools.wraps(compare)
    def safe(got: Any, expected: Any, case: Case) -> str | None:
        try:
            return compare(got, expected, case)
        except Exception as error:  # the learner must get a message, not a traceback
            return f"your function returned {describe(got)}, which could not be checked ({type(error).__name__})"

    return safe


def numbers_compare(
    candidates: Callable[[Case], Mapping[str, Callable[[], Any]]] | None = None,
    broadcast: bool = False,
    rtol: float = 1e-4,
    atol: float = 1e-4,
) -> Compare:
    """A comparison of numbers within tolerances that names a known mistake (from `candidates(case)`) when it can."""

    @never_raises
    def compare(got: Any, expected: Any, case: Case) -> str | None:
        reason = compare_numbers(got, expected, rtol, atol, broadcast)
        if reason is None or candidates is None or reason.startswith("your function returned"):
            return reason
        return name_mistake(got, candidates(case), rtol, atol) or reason

    return compare
