"""A check cell's outputs -> the exercise's outcome, and what the sheet keeps of one notebook."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from course_utils.authoring.markers import NOT_ATTEMPTED_PREFIX

PASSED, FAILED, NOT_ATTEMPTED, ERROR, TIMED_OUT = "passed", "failed", "not attempted", "error", "timed out"
STATUSES = (PASSED, FAILED, NOT_ATTEMPTED, ERROR, TIMED_OUT)
FAILED_ENAME = "ExerciseFailed"  # the checker's exception for a wrong answer (course_utils.exercises)


@dataclass(frozen=True)
class Outcome:
    """One exercise of one notebook: a status of `STATUSES` and, for failed and error, its first line."""

    status: str
    detail: str = ""

    def text(self) -> str:
        """The sheet's cell: the status, then the detail after a colon."""
        return f"{self.status}: {self.detail}" if self.detail else self.status


@dataclass
class NotebookResult:
    """One row of the sheet: who, which file, which course notebook, each exercise's outcome and any remark."""

    student: str
    notebook: str
    course: str = ""  # the matched course notebook's name, empty when none matched
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)  # exercise id -> a remark (e.g. answered with the reference)
    note: str = ""  # why a notebook was not graded, or what went wrong around the checks
    seconds: float = 0.0

    def passed(self) -> int:
        """Return the number of exercises passed."""
        return sum(outcome.status == PASSED for outcome in self.outcomes.values())


def first_line(text: str, limit: int = 200) -> str:
    """Return the first non-empty line of `text`, cut to `limit` characters."""
    line = next((line.strip() for line in str(text).splitlines() if line.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _stream_lines(outputs: Sequence[dict]) -> list[str]:
    """Return the lines the cell printed on stdout."""
    text = "".join(
        "".join(out.get("text", ""))
        for out in outputs
        if out.get("output_type") == "stream" and out.get("name") == "stdout"
    )
    return text.splitlines()


def _error(outputs: Sequence[dict]) -> dict | None:
    """Return the cell's first `error` output, if any."""
    return next((out for out in outputs if out.get("output_type") == "error"), None)


def _printed(lines: list[str], exercise_id: str) -> Outcome | None:
    """The checker's line for `exercise_id` among the printed lines: not attempted or passed."""
    if any(line.startswith(f"{NOT_ATTEMPTED_PREFIX} exercise {exercise_id} ") for line in lines):
        return Outcome(NOT_ATTEMPTED)
    if any(line.startswith(f"Passed: exercise {exercise_id} ") for line in lines):
        return Outcome(PASSED)
    return None


def read_check(outputs: Sequence[dict], exercise_id: str, alone: bool = True) -> Outcome:
    """Read the outcome of `exercise_id` from its check cell's outputs.

    In a cell checking one exercise an error outweighs any printed line (an answer may print "Passed:");
    in a cell checking several, an exercise whose own line was printed is read from that line.
    """
    error = _error(outputs)
    printed = _printed(_stream_lines(outputs), exercise_id)
    if printed is not None and (error is None or not alone):
        return printed
    if error is not None and error.get("ename") == FAILED_ENAME:
        return Outcome(FAILED, first_line(error.get("evalue", "")))
    if error is not None:
        return Outcome(ERROR, first_line(f"{error.get('ename', 'Error')}: {error.get('evalue', '')}"))
    return Outcome(ERROR, "the check printed no result")
