"""Exercise checks: try a learner's answer on several inputs and say clearly what went wrong.

A notebook's check cell calls `check("01.1", my_function)`. The answer is run on every case of
the exercise and compared with the reference within tolerances:

- right: one line says the exercise passed;
- wrong: `ExerciseFailed` says what was tried, what was expected, what came back, and a hint;
- not attempted (the stub still raises NotImplementedError): one line says so, and the
  reference takes the answer's place (see `answer`), so later cells still run. Under `pytest --nbval` the
  project's conftest reports that cell as skipped, keyed on `NOT_ATTEMPTED_PREFIX`.

Later cells that build on an exercise call `answer("01.1")`: the learner's function once it
has passed, otherwise the reference.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_utils.authoring.markers import NOT_ATTEMPTED_PREFIX, not_attempted_message  # noqa: F401 (re-exported)


class ExerciseFailed(Exception):
    """A learner's answer gave a wrong result; the message says what and how to fix it."""


@dataclass(frozen=True)
class Case:
    """One input an answer is tried on: keyword arguments and a short description."""

    kwargs: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class Exercise:
    """An exercise: its reference answer, the cases to try and how to compare the results.

    `compare(got, expected, case)` returns None when they agree, else a short reason.
    """

    id: str
    title: str
    reference: Callable[..., Any]
    cases: Callable[[], Sequence[Case]]
    hint: str
    compare: Callable[[Any, Any, Case], str | None] | None = None


_REGISTRY: dict[str, Exercise] = {}
_PASSED: dict[str, Callable[..., Any]] = {}


def register(exercise: Exercise) -> Exercise:
    """Add `exercise` to the registry under its id (ids are unique)."""
    if exercise.id in _REGISTRY:
        raise ValueError(f"exercise id {exercise.id!r} is registered twice")
    _REGISTRY[exercise.id] = exercise
    return exercise


def _load_all() -> None:
    """Import every module of this package: each registers the exercises of one notebook."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def get(exercise_id: str) -> Exercise:
    """Return the registered exercise `exercise_id`, or raise naming the known ids."""
    _load_all()
    if exercise_id not in _REGISTRY:
        raise ValueError(f"exercise_id must be one of {sorted(_REGISTRY)}, got {exercise_id!r}")
    return _REGISTRY[exercise_id]


def exercise_ids() -> list[str]:
    """Return the ids of every registered exercise, in order."""
    _load_all()
    return sorted(_REGISTRY)


def _show(value: Any) -> str:
    """Return a short, readable rendering of a value for an error message."""
    if callable(value) and not hasattr(value, "shape"):
        return getattr(value, "name", None) or getattr(value, "__name__", type(value).__name__)
    if isinstance(value, tuple):  # e.g. (x, log_det): show each part, whatever their shapes
        return "(" + ", ".join(_show(part) for part in value) + ")"
    try:
        array = np.asarray(value) if not isinstance(value, (str, dict)) else None
    except ValueError:  # a ragged list
        array = None
    if array is None or array.dtype == object:
        return repr(value)
    text = np.array2string(array, precision=4, threshold=8, edgeitems=3, separator=", ")
    return f"{text} (shape {array.shape})" if array.ndim else text


def close_arrays(rtol: float = 1e-4, atol: float = 1e-4) -> Callable[[Any, Any, Case], str | None]:
    """Return a comparison that accepts arrays of the same shape equal within tolerances."""

    def compare(got: Any, expected: Any, case: Case) -> str | None:
        try:
            got_array = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return f"the answer returned {type(got).__name__}, not an array of numbers"
        expected_array = np.asarray(expected, dtype=np.float64)
        if got_array.shape != expected_array.shape:
            return f"the shape is {got_array.shape}, expected {expected_array.shape}"
        if not np.all(np.isfinite(got_array)):
            return "the result holds NaN or inf"
        if not np.allclose(got_array, expected_array, rtol=rtol, atol=atol):
            worst = float(np.max(np.abs(got_array - expected_array)))
            return f"the values differ (largest difference {worst:.3g}, tolerance {atol:g} + {rtol:g}*|expected|)"
        return None

    return compare


def _case_label(case: Case, number: int, total: int) -> str:
    """Return 'case k of n (description): arguments' for an error message."""
    arguments = ", ".join(f"{name}={_show(value)}" for name, value in case.kwargs.items())
    about = f" ({case.description})" if case.description else ""
    return f"case {number} of {total}{about}: {arguments}"


def check(exercise_id: str, answer: Callable[..., Any]) -> None:
    """Try `answer` on every case of the exercise; print a line if right, raise `ExerciseFailed` if wrong."""
    __tracebackhide__ = True  # IPython and pytest hide this frame: the message is what matters
    exercise = get(exercise_id)
    if not callable(answer):
        raise ExerciseFailed(
            f"Exercise {exercise_id} ({exercise.title}): expected a function, got {type(answer).__name__}.\n"
            f"Hint: pass the function itself, without calling it: check({exercise_id!r}, my_function)."
        )
    _PASSED.pop(exercise_id, None)
    compare = exercise.compare or close_arrays()
    cases = list(exercise.cases())
    for number, case in enumerate(cases, start=1):
        expected = exercise.reference(**case.kwargs)
        try:
            got = answer(**case.kwargs)
        except NotImplementedError:
            print(not_attempted_message(exercise_id))
            return
        except Exception as error:  # the learner's code failed: report it, not TF's internals
            raise ExerciseFailed(
                f"Exercise {exercise_id} ({exercise.title}) failed on {_case_label(case, number, len(cases))}\n"
                f"  your function raised {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}\n"
                f"  expected: {_show(expected)}\n"
                f"Hint: {exercise.hint}"
            ) from None
        reason = compare(got, expected, case)
        if reason is not None:
            raise ExerciseFailed(
                f"Exercise {exercise_id} ({exercise.title}) failed on {_case_label(case, number, len(cases))}\n"
                f"  expected: {_show(expected)}\n"
                f"  got:      {_show(got)}\n"
                f"  problem:  {reason}\n"
                f"Hint: {exercise.hint}"
            )
    print(f"Passed: exercise {exercise_id} ({exercise.title}), {len(cases)} cases checked.")
    _PASSED[exercise_id] = answer


def answer(exercise_id: str) -> Callable[..., Any]:
    """Return the learner's answer to `exercise_id` if it passed its check, else the reference."""
    return _PASSED.get(exercise_id) or get(exercise_id).reference
