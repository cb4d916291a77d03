"""Exercise checks: try a learner's answer on several inputs and say clearly what went wrong.

A notebook's check cell calls `check("01.1", my_function)`. The answer is run on every case of
the exercise and compared with the reference (`compare`, by default `close_arrays()`):

- right: one line says the exercise passed;
- wrong: `ExerciseFailed` says which case, its inputs, what was expected, what came back (or what the
  function raised, at which of its own lines), and a hint. Whatever the answer returns or raises,
  the learner gets this message, never a traceback of the course's code; in Jupyter it shows as
  `ExerciseFailed: <message>` alone (see `_display`), at most 15 lines and 1,000 characters;
- not attempted: the untouched stub (`raise NotImplementedError()` with no message, raised by the
  answer function itself on the first case) prints one line and the reference takes the answer's
  place (see `answer`), so later cells still run. Under `pytest --nbval` the course's plugin reports
  that cell as skipped, keyed on `NOT_ATTEMPTED_PREFIX`. A NotImplementedError with a message, from
  deeper code (TensorFlow, a helper) or on a later case is a failure that says so.

Running an answer (`_running`): each case's inputs are copied (NumPy arrays and plain containers;
tf.Variables, bijectors, distributions and other objects are shared) separately for the reference
(always called first) and the answer, so an answer that edits its inputs in place changes neither
the reference's result nor later cases. What the answer prints is capped at `MAX_PRINTED_LINES`
lines, plus one line counting the rest. A case still running after `NOTICE_AFTER_S` seconds prints
one "still checking" line; after `TIME_LIMIT_S` seconds (or the exercise's `time_limit_s`) it fails
as too slow, while the answer's thread finishes in the background.

Hints come in levels: `Exercise.hint` is level 1 (the idea), `Exercise.hints` the deeper levels in
order, code-like ones last. The first failure of an exercise shows level 1, the second level 2, and
so on up to the last; each failure says how to ask for the next level, `hint("01.2", level=2)`,
which prints it at any time. Failures are counted per exercise id in this module (`_FAILURES`).

Later cells that build on an exercise call `answer("01.1")`: the learner's function once it
has passed, otherwise the reference.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import CodeType
from typing import Any

import numpy as np

from course_utils.authoring.markers import NOT_ATTEMPTED_PREFIX, not_attempted_message  # noqa: F401 (re-exported)
from course_utils.exercises import _display, _messages, _running

TIME_LIMIT_S = 60.0  # seconds one case of an answer may run before it fails as too slow
NOTICE_AFTER_S = 5.0  # seconds after which the learner is told which case is still running
MAX_PRINTED_LINES = 20  # lines an answer may print during one check; the rest are counted


class ExerciseFailed(Exception):
    """A learner's answer gave a wrong result; the message says what and how to fix it."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows for this error: the message alone, without the course's traceback."""
        return _display.render(self)


@dataclass(frozen=True)
class Case:
    """One input an answer is tried on: keyword arguments and a short description."""

    kwargs: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class Exercise:
    """An exercise: its reference answer, the cases to try and how to compare the results.

    `compare(got, expected, case)` returns None when they agree, else a short reason. `hint` is the
    first hint level (a string; a sequence of levels is accepted too), `hints` the deeper levels.
    `time_limit_s` overrides the module's `TIME_LIMIT_S` for one case of this exercise. `expected_text` is for an
    exercise whose comparison judges the answer on its own (a design met against a target, no result to match):
    the check then never runs the reference, passes `expected=None` to `compare`, and shows this text as expected.
    """

    id: str
    title: str
    reference: Callable[..., Any]
    cases: Callable[[], Sequence[Case]]
    hint: str | Sequence[str]
    compare: Callable[[Any, Any, Case], str | None] | None = None
    hints: Sequence[str] = ()
    time_limit_s: float | None = None
    expected_text: str | None = None

    @property
    def hint_levels(self) -> list[str]:
        """Every hint level in order: `hint` first, then `hints`."""
        first = [self.hint] if isinstance(self.hint, str) else list(self.hint)
        return [*first, *self.hints]


_REGISTRY: dict[str, Exercise] = {}
_PASSED: dict[str, Callable[..., Any]] = {}
_FAILURES: dict[str, int] = {}
_NOT_ATTEMPTED = ["not attempted"]  # the verdict of an untouched stub (compared by identity)


def register(exercise: Exercise) -> Exercise:
    """Add `exercise` to the registry under its id (ids are unique)."""
    if exercise.id in _REGISTRY:
        raise ValueError(f"exercise id {exercise.id!r} is registered twice")
    _REGISTRY[exercise.id] = exercise
    return exercise


def _load_all() -> None:
    """Import every public module of this package: each registers the exercises of one notebook."""
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
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


def hint(exercise_id: str, level: int = 1) -> None:
    """Print hint `level` of an exercise: 1 is the idea, the last level is closest to code."""
    levels = get(exercise_id).hint_levels
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= len(levels):
        raise ValueError(
            f"level must be a whole number from 1 to {len(levels)} for exercise {exercise_id}, got {level!r}"
        )
    print(f"Hint {level} of {len(levels)} for exercise {exercise_id}: {levels[level - 1]}")


def _hint_lines(exercise: Exercise) -> list[str]:
    """Count one more failure of the exercise and return the hint of the level it has reached."""
    _FAILURES[exercise.id] = _FAILURES.get(exercise.id, 0) + 1
    levels = exercise.hint_levels
    level = min(_FAILURES[exercise.id], len(levels))
    lines = [f"Hint: {' '.join(levels[level - 1].split())}"]
    if level < len(levels):
        lines.append(
            f'More help (hint {level + 1} of {len(levels)}): exercises.hint("{exercise.id}", level={level + 1})'
        )
    return lines


def _case_label(case: Case, number: int, total: int) -> str:
    """Return 'case k of n (description)'."""
    return f"case {number} of {total}" + (f" ({case.description})" if case.description else "")


def _inputs_line(case: Case) -> str:
    """Return '  inputs:   name=summary, ...' for a message."""
    arguments = ", ".join(f"{name}={_messages.summarize(value, 80)}" for name, value in case.kwargs.items())
    return _messages.shorten(f"  inputs:   {arguments}", 300)


def _code_of(function: Callable[..., Any]) -> CodeType | None:
    """The code object a call of `function` runs (through decorators, partials, bound methods, a class's __init__)."""
    try:
        target = inspect.unwrap(function)
    except ValueError:  # a cycle of __wrapped__
        target = function
    while isinstance(target, functools.partial):
        target = target.func
    if isinstance(target, type):  # a class: calling it runs its own __init__
        target = vars(target).get("__init__", target)
    code = getattr(target, "__code__", None)
    if code is None:  # a callable object: its class's __call__
        code = getattr(inspect.getattr_static(type(target), "__call__", None), "__code__", None)
    return code


def _is_stub(error: BaseException, answer: Callable[..., Any], number: int) -> bool:
    """True for the untouched stub: a bare NotImplementedError() on case 1, raised by the answer function itself."""
    if number != 1 or type(error) is not NotImplementedError or error.args:
        return False
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code is _code_of(answer)


def _raised_lines(error: BaseException, number: int) -> list[str]:
    """Say what the answer raised, at which of the learner's lines, and why a NotImplementedError is no stub here."""
    name, text, where = type(error).__name__, _messages.error_text(error), _messages.learner_line(error)
    lines = [f"  your function raised {name}" + (f": {text}" if text else "")]
    if where:
        lines.append(f"  at {where}")
    if isinstance(error, NotImplementedError) and number > 1 and not error.args:
        passed = "case 1 passed" if number == 2 else f"cases 1 to {number - 1} passed"
        lines.append(f"  {passed}, so part of your function is unfinished: a `raise NotImplementedError()` is left")
    elif isinstance(error, NotImplementedError) and not text.startswith("Cannot convert a symbolic"):
        lines.append("  (only the untouched stub counts as not attempted: this is reported as a failure)")
    return lines


def _reference(exercise: Exercise, case: Case, label: str) -> Any:
    """The reference's result on a copy of the case's inputs; a failure here is the course's bug, said so."""
    try:
        return exercise.reference(**_running.copy_arguments(case.kwargs))
    except Exception as error:
        raise RuntimeError(
            f"The reference answer of exercise {exercise.id} failed on {label}: a bug in the course, not in "
            "your answer. Please report it."
        ) from error


def _compared(exercise: Exercise, got: Any, expected: Any, case: Case) -> str | None:
    """The comparison's reason for rejecting `got` (None if right); a comparison that crashes on `got` rejects it."""
    compare = exercise.compare or close_arrays()
    try:
        reason = compare(got, expected, case)
    except Exception:  # an unexpected kind of value: say what came back instead of the comparison's error
        return f"the answer returned {_messages.kind(got)}, expected {_messages.kind(expected)}"
    return None if reason is None else _messages.shorten(" ".join(str(reason).split()), 240)


def _verdict(
    exercise: Exercise, answer: Callable[..., Any], case: Case, where: tuple[int, int], capture: _running.Capture
) -> list[str]:
    """Check one case; return [] if right, `_NOT_ATTEMPTED` for the stub, else the failure's lines (no hint)."""
    number, total = where
    label = _case_label(case, number, total)
    expected = None if exercise.expected_text else _reference(exercise, case, label)
    shown = exercise.expected_text or _messages.summarize(expected)
    limit_s = exercise.time_limit_s if exercise.time_limit_s is not None else TIME_LIMIT_S
    notice = (NOTICE_AFTER_S, f"Still checking {label} after {NOTICE_AFTER_S:g} s (limit {limit_s:g} s)...")
    outcome = _running.call(answer, _running.copy_arguments(case.kwargs), capture, limit_s, notice)
    head = [f"Exercise {exercise.id} ({exercise.title}) failed on {label}", _inputs_line(case)]
    if outcome.timed_out:
        return [
            *head,
            f"  too slow: your function was still running after {limit_s:g} s, the limit for one case.",
            "  It goes on in the background until its current operation ends; its result will be ignored.",
            "  Look for a Python loop over points or a long training loop: use whole-array operations.",
        ]
    if outcome.error is not None:
        if _is_stub(outcome.error, answer, number):
            return _NOT_ATTEMPTED
        return [*head, *_raised_lines(outcome.error, number), f"  expected: {shown}"]
    reason = _compared(exercise, outcome.value, expected, case)
    if reason is None:
        return []
    got = _messages.summarize(outcome.value)
    return [*head, f"  expected: {shown}", f"  got:      {got}", f"  problem:  {reason}"]


def check(exercise_id: str, answer: Callable[..., Any]) -> None:
    """Try `answer` on every case of the exercise; print a line if right, raise `ExerciseFailed` if wrong."""
    __tracebackhide__ = True  # pytest hides this frame: the message is what matters
    exercise = get(exercise_id)
    if not callable(answer):
        raise ExerciseFailed(
            f"Exercise {exercise_id} ({exercise.title}): expected a function, got {_messages.summarize(answer, 80)}.\n"
            f"Hint: pass the function itself, without calling it: check({exercise_id!r}, my_function)."
        )
    _PASSED.pop(exercise_id, None)
    cases = list(exercise.cases())
    verdict: list[str] = []
    with _running.captured_stdout(MAX_PRINTED_LINES) as capture:
        for number, case in enumerate(cases, start=1):
            verdict = _verdict(exercise, answer, case, (number, len(cases)), capture)
            if verdict:
                break
    if verdict is _NOT_ATTEMPTED:
        print(not_attempted_message(exercise_id))
    elif verdict:
        raise ExerciseFailed(_messages.fit([*verdict, *_hint_lines(exercise)])) from None
    else:
        print(f"Passed: exercise {exercise_id} ({exercise.title}), {len(cases)} cases checked.")
        _PASSED[exercise_id] = answer


def answer(exercise_id: str) -> Callable[..., Any]:
    """Return the learner's answer to `exercise_id` if it passed its check, else the reference."""
    return _PASSED.get(exercise_id) or get(exercise_id).reference


_display.install(ExerciseFailed)
