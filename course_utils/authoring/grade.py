"""Grade a class: run each learner's notebook in a fresh kernel and write a grade sheet.

    python -m course_utils.grade SUBMISSIONS/                 # grades.csv and grades.html in SUBMISSIONS/
    python -m course_utils.grade SUBMISSIONS/ --jobs 2 --out marks/ --root path/to/course

Who: a sub-folder of SUBMISSIONS is a student (every notebook inside is theirs); a notebook directly
in SUBMISSIONS belongs to the student named by its file name. Which exercises: a notebook is matched
to the course notebook (ROOT/solutions/NN_*.ipynb) that shares the most exercise ids with it, read
from its `exercises.check("ID", ...)` calls in cells tagged `exercise-check`; its name does not matter.

What runs: only what the checks need, in order: the set-up cell (the first code cell), the exercise
cells (tag `exercise`), the check cells (tag `exercise-check`) and the cells tagged `grade`, in the
notebook or, by cell id, in its course notebook (cells a check depends on). Training cells do not
run, so a notebook grades in seconds. Each notebook runs in a fresh kernel on this Python, in a
temporary folder holding a copy of it, without network where `unshare -rn` works (said once at
start-up). Not isolated: the kernel runs with the grader's rights and can read or change any file
the grader can by absolute path; grade inside the class's container image.

How a check cell reads: the "not attempted" line -> not attempted; "Passed: exercise ID ..." -> passed;
`ExerciseFailed` -> failed (its first line); any other error -> error; past its time limit -> timed out.
An exercise cell that hands in the reference (`exercises.answer`, `.reference`) is flagged.
A corrupt notebook, one of another course, or one that never finishes gets a row saying so; the
sheet is rewritten after each notebook, so an interrupted run keeps the rows it had.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path

from course_utils.authoring.grading.kernel import Isolation, Limits, network_isolation
from course_utils.authoring.grading.marking import grade_notebook
from course_utils.authoring.grading.notebooks import Solution, Submission, find_submissions, load_course
from course_utils.authoring.grading.results import NotebookResult, first_line
from course_utils.authoring.grading.sheet import write_sheet

_DEFAULTS = Limits()


def _parser() -> argparse.ArgumentParser:
    """Return the command line's parser."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.grade", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("submissions", type=Path, help="the folder of learners' notebooks")
    parser.add_argument("--root", type=Path, default=Path("."), help="the course's folder (default: this one)")
    parser.add_argument("--out", type=Path, help="where grades.csv and grades.html go (default: SUBMISSIONS)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded at a time (default: 1)")
    parser.add_argument(
        "--cell-timeout", type=int, default=_DEFAULTS.cell_s, help=f"seconds per cell (default: {_DEFAULTS.cell_s})"
    )
    parser.add_argument(
        "--setup-timeout",
        type=int,
        default=_DEFAULTS.setup_s,
        help=f"seconds for the set-up cell, which imports TensorFlow (default: {_DEFAULTS.setup_s})",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=_DEFAULTS.notebook_s,
        help=f"seconds per notebook (default: {_DEFAULTS.notebook_s})",
    )
    parser.add_argument("--allow-network", action="store_true", help="do not cut kernels off the network")
    return parser


def _summary(result: NotebookResult) -> str:
    """One line of progress for a graded notebook."""
    score = f"{result.passed()}/{len(result.outcomes)} passed" if result.outcomes else "not graded"
    note = f" ({first_line(result.note, 100)})" if result.note else ""
    return f"{result.student} [{result.notebook}]: {score}, {result.seconds:.1f} s{note}"


def _result(future: Future[NotebookResult], submission: Submission) -> NotebookResult:
    """A finished notebook's row (grade_notebook keeps its own errors: this is a last resort)."""
    try:
        return future.result()
    except Exception as error:
        return NotebookResult(submission.student, submission.label, note=f"the grader failed: {error}")


def grade_all(
    submissions: Sequence[Submission],
    course: Sequence[Solution],
    limits: Limits,
    isolation: Isolation,
    jobs: int = 1,
    on_result: Callable[[NotebookResult, list[NotebookResult]], None] = lambda newest, results: None,
) -> list[NotebookResult]:
    """Grade every submission, `jobs` at a time; after each one call `on_result` with it and the rows so far."""
    results: list[NotebookResult] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="grade") as pool:
        pending = {pool.submit(grade_notebook, s, course, limits, isolation): s for s in submissions}
        try:
            for future in as_completed(pending):
                result = _result(future, pending[future])
                results.append(result)
                results.sort(key=lambda row: (row.student.casefold(), row.notebook))
                on_result(result, results)
        except KeyboardInterrupt:  # Ctrl-C: start no other notebook; those running end within their limits
            for future in pending:
                future.cancel()
            raise
    return results


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder")
    course = load_course(args.root)
    if not course:
        parser.error(f"no course notebooks in {(args.root / 'solutions').absolute()}: name the course with --root")
    if min(args.jobs, args.cell_timeout, args.setup_timeout, args.timeout) < 1:
        parser.error("--jobs and the time limits must be at least 1")
    out = args.out or args.submissions
    inside = out.resolve() != args.submissions.resolve()  # a separate --out folder inside holds no submissions
    submissions = find_submissions(args.submissions, skip=(out.resolve(),) if inside else ())
    isolation = network_isolation(args.allow_network)
    print(isolation.message, flush=True)
    limits = Limits(cell_s=args.cell_timeout, notebook_s=args.timeout, setup_s=args.setup_timeout)

    def write(newest: NotebookResult, results: list[NotebookResult]) -> None:
        """Print the newest row's line and rewrite the sheet."""
        print(_summary(newest), flush=True)
        write_sheet(results, course, out, str(args.submissions), isolation.message)

    results = grade_all(submissions, course, limits, isolation, args.jobs, write)
    csv_path, html_path = write_sheet(results, course, out, str(args.submissions), isolation.message)
    print(f"{len(results)} notebooks graded: {csv_path}, {html_path}")
    return 0
