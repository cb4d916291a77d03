"""Grade one submission: read it, match its course notebook, run the cells its checks need, read the outcomes."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from time import monotonic

from course_utils.authoring.grading.kernel import DEAD, DEADLINE, DONE, STUCK, CellRun, Isolation, KernelRun, Limits
from course_utils.authoring.grading.notebooks import (
    CHECK,
    EXERCISE,
    Solution,
    Step,
    Submission,
    Unreadable,
    calls_reference,
    edited_check,
    exercise_ids,
    match_solution,
    plan,
    read_notebook,
)
from course_utils.authoring.grading.results import ERROR, TIMED_OUT, NotebookResult, Outcome, first_line, read_check

REFERENCE_FLAG = "handed in the course's reference, not an answer"
EDITED_CHECK_FLAG = "check cell edited"


def flags(steps: Sequence[Step], solution: Solution) -> dict[str, str]:
    """Remarks on how exercises were answered: the reference handed in, a check cell changed."""
    found: dict[str, str] = {}
    for step in steps:
        keys = step.ids or (f"cell {step.index}",)
        if step.role == EXERCISE and calls_reference(step.source):
            found.update(dict.fromkeys(keys, REFERENCE_FLAG))
        elif step.role == CHECK and edited_check(step, solution):
            found.update({key: EDITED_CHECK_FLAG for key in keys if key not in found})
    return found


def _stopped(state: str, index: int, limits: Limits) -> tuple[Outcome, Outcome, str]:
    """When a run stops at cell `index`: the outcome of its exercises, of those not run yet, and the note."""
    if state == DEADLINE:
        past = Outcome(TIMED_OUT, f"the notebook ran past its {limits.notebook_s} s")
        return past, past, f"stopped at cell {index}: the notebook's time limit ({limits.notebook_s} s) was reached"
    if state == STUCK:
        return (
            Outcome(TIMED_OUT, f"cell {index} ran past {limits.cell_s} s"),
            Outcome(TIMED_OUT, f"not run: the kernel stopped answering after cell {index}"),
            f"cell {index} ran past its limit and the kernel did not answer an interrupt: grading stopped",
        )
    died = Outcome(ERROR, f"the kernel died in cell {index}")
    return died, Outcome(ERROR, f"not run: the kernel died in cell {index}"), f"the kernel died in cell {index}"


def _cell_error(step: Step, run: CellRun) -> str:
    """A note for a set-up or `grade` cell that raised or timed out; empty when it ran cleanly."""
    what = "the set-up cell" if step.role == "setup" else f"grade cell {step.index}"
    if run.state != DONE:
        return f"{what} ran past its time limit"
    error = next((out for out in run.outputs if out.get("output_type") == "error"), None)
    return f"{what} raised {first_line(error.get('ename', '') + ': ' + error.get('evalue', ''))}" if error else ""


def _record(step: Step, run: CellRun, limit: int, outcomes: dict[str, Outcome], notes: list[str]) -> None:
    """Keep what one finished (or timed-out) cell says about its exercises."""
    if step.role in ("setup", "grade"):
        notes += [note for note in [_cell_error(step, run)] if note]
    elif run.state != DONE:  # an exercise or check cell past its limit: its exercises timed out
        for exercise_id in step.ids:
            outcomes.setdefault(exercise_id, Outcome(TIMED_OUT, f"cell {step.index} ran past {limit} s"))
    elif step.role == CHECK:
        for exercise_id in step.ids:
            outcomes.setdefault(exercise_id, read_check(run.outputs, exercise_id, alone=len(step.ids) == 1))


def run_steps(run: KernelRun, steps: Sequence[Step], solution: Solution) -> tuple[dict[str, Outcome], str]:
    """Run the planned cells one by one; return each exercise's outcome and a note on what went wrong."""
    outcomes: dict[str, Outcome] = {}
    notes: list[str] = []
    left: Outcome | None = None
    for step in steps:
        if step.role == CHECK and step.ids and all(i in outcomes for i in step.ids):
            continue  # its exercise cell already timed out
        limit = run.limits.setup_s if step.role == "setup" else run.limits.cell_s
        cell = run.run(step.source, limit)
        if cell.state in (DEADLINE, STUCK, DEAD):
            here, left, note = _stopped(cell.state, step.index, run.limits)
            outcomes.update({i: here for i in step.ids if i not in outcomes})
            notes.append(note)
            break
        _record(step, cell, limit, outcomes, notes)
    missing = left or Outcome(ERROR, "no check cell for this exercise in the notebook")
    return {i: outcomes.get(i, missing) for i in solution.ids}, "; ".join(notes)


def _run_isolated(
    submission: Submission, steps: Sequence[Step], solution: Solution, limits: Limits, isolation: Isolation
) -> tuple[dict[str, Outcome], str]:
    """Copy the notebook into a fresh temporary folder and grade it there in a fresh kernel."""
    with tempfile.TemporaryDirectory(prefix="grade-", ignore_cleanup_errors=True) as tmp, ExitStack() as stack:
        work = Path(tmp) / "work"
        work.mkdir()
        shutil.copyfile(submission.path, work / submission.path.name)
        try:
            kernel = stack.enter_context(KernelRun(work, Path(tmp), isolation, limits))
        except Exception as error:  # a kernel that does not start is one row's problem
            note = f"the kernel did not start: {first_line(f'{type(error).__name__}: {error}')}"
            return {i: Outcome(ERROR, "not run: the kernel did not start") for i in solution.ids}, note
        return run_steps(kernel, steps, solution)


def _grade_into(
    result: NotebookResult, submission: Submission, course: Sequence[Solution], limits: Limits, isolation: Isolation
) -> None:
    """Fill `result`: why it was not graded, or its course notebook, flags, outcomes and note."""
    try:
        notebook = read_notebook(submission.path)
    except Unreadable as error:
        result.note = f"corrupt notebook, not graded ({error})"
        return
    solution = match_solution(exercise_ids(notebook), course)
    if solution is None:
        result.note = "no exercise of this course in it (another course's notebook?): not graded"
        return
    steps = plan(notebook, solution)
    result.course, result.flags = solution.name, flags(steps, solution)
    result.outcomes, result.note = _run_isolated(submission, steps, solution, limits, isolation)


def grade_notebook(
    submission: Submission, course: Sequence[Solution], limits: Limits, isolation: Isolation
) -> NotebookResult:
    """Grade one submission; whatever goes wrong ends up in its row's note, never in an exception."""
    start = monotonic()
    result = NotebookResult(submission.student, submission.label)
    try:
        _grade_into(result, submission, course, limits, isolation)
    except Exception as error:  # one notebook never stops the run
        result.note = f"the grader failed on this notebook: {first_line(f'{type(error).__name__}: {error}')}"
    result.seconds = monotonic() - start
    return result
