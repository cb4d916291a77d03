"""What a submission holds: who sent it, its exercise ids, its course notebook, and the cells grading runs."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_utils.authoring.markers import SETUP_TAG

EXERCISE, CHECK, GRADE = "exercise", "exercise-check", "grade"
_CHECK_CALL = re.compile(r"""exercises\s*\.\s*check\(\s*["']([^"']+)["']""")
# How an exercise cell that does not parse can hand in the reference instead of an answer.
_REFERENCE_CALL = re.compile(r"""\bexercises\s*\.\s*answer\s*\(|\.\s*reference\b""")


@dataclass(frozen=True)
class Submission:
    """One notebook handed in: the student's name and where the file is."""

    student: str
    path: Path
    label: str  # the path inside the submissions folder, as shown on the sheet


@dataclass(frozen=True)
class Solution:
    """A course notebook of solutions/: its exercise ids in order, each cell's tags and each check's source."""

    name: str
    ids: tuple[str, ...]
    roles: dict[str, frozenset[str]] = field(default_factory=dict)  # cell id -> its grading tags
    checks: dict[str, str] = field(default_factory=dict)  # exercise id -> the source of its check cell


@dataclass(frozen=True)
class Step:
    """A cell grading runs: its index in the notebook, its role and the exercise ids it belongs to."""

    index: int
    role: str  # "setup", EXERCISE, CHECK or GRADE
    ids: tuple[str, ...]
    source: str


class Unreadable(Exception):
    """A submission that is not a notebook nbformat can read."""


def cell_tags(cell: dict) -> set[str]:
    """Return a cell's tags (none when its metadata is malformed)."""
    found = cell.get("metadata", {}).get("tags", [])
    return {tag for tag in found if isinstance(tag, str)} if isinstance(found, list) else set()


def check_ids(source: str) -> list[str]:
    """Return the exercise ids of the `exercises.check("ID", ...)` calls in a cell's source."""
    return _CHECK_CALL.findall(source)


def find_submissions(folder: Path, skip: tuple[Path, ...] = ()) -> list[Submission]:
    """Every notebook in `folder`: a file's student is its stem, a sub-folder's notebooks belong to the sub-folder."""
    found = []
    for path in sorted(folder.rglob("*.ipynb")):
        parts = path.relative_to(folder).parts
        if any(part.startswith(".") for part in parts) or any(path.resolve().is_relative_to(s) for s in skip):
            continue  # .ipynb_checkpoints and other hidden folders
        student = parts[0] if len(parts) > 1 else path.stem
        found.append(Submission(student, path, "/".join(parts)))
    return found


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a notebook as nbformat 4, or raise `Unreadable` with the reason in one line."""
    try:
        notebook = nbformat.read(path, as_version=4)
        if not isinstance(notebook.get("cells"), list):
            raise ValueError("no list of cells")
    except Exception as error:  # nbformat raises JSON, validation and version errors of many kinds
        first = (str(error).strip().splitlines() or [""])[0]
        raise Unreadable(f"{type(error).__name__}: {first[:100]}") from None
    return notebook


def _code_cells(notebook: nbformat.NotebookNode) -> list[tuple[int, dict]]:
    """Return (index, cell) of every code cell."""
    return [(i, cell) for i, cell in enumerate(notebook.cells) if cell.get("cell_type") == "code"]


def exercise_ids(notebook: nbformat.NotebookNode) -> list[str]:
    """Return the exercise ids checked in the cells tagged `exercise-check`, in order, each once."""
    ids: list[str] = []
    for _, cell in _code_cells(notebook):
        if CHECK in cell_tags(cell):
            ids += [i for i in check_ids(cell.get("source", "")) if i not in ids]
    return ids


def exercise_cells(notebook: nbformat.NotebookNode) -> dict[str, list[int]]:
    """Return {exercise id: indexes of the cells tagged `exercise` since the previous check}, in the checks' order."""
    found: dict[str, list[int]] = {}
    waiting: list[int] = []  # exercise cells whose check cell comes later
    for index, cell in _code_cells(notebook):
        tags = cell_tags(cell)
        if CHECK in tags:
            for exercise_id in check_ids(cell.get("source", "")):
                if waiting and exercise_id not in found:
                    found[exercise_id] = list(waiting)
            waiting = []
        elif EXERCISE in tags:
            waiting.append(index)
    return found


def load_solution(path: Path) -> Solution:
    """Read one course notebook of solutions/."""
    notebook = read_notebook(path)
    roles, checks = {}, {}
    for _, cell in _code_cells(notebook):
        wanted = frozenset(cell_tags(cell) & {EXERCISE, CHECK, GRADE})
        if wanted and cell.get("id"):
            roles[cell["id"]] = wanted
        if CHECK in wanted:
            checks.update(dict.fromkeys(check_ids(cell.source), cell.source))
    return Solution(path.stem, tuple(exercise_ids(notebook)), roles, checks)


def load_course(root: Path) -> list[Solution]:
    """Read every course notebook `solutions/NN_*.ipynb` under `root`."""
    return [load_solution(path) for path in sorted((root / "solutions").glob("[0-9][0-9]_*.ipynb"))]


def match_solution(ids: list[str], course: list[Solution]) -> Solution | None:
    """The course notebook sharing the most exercise ids with a submission; None when it shares none."""
    best = max(course, key=lambda solution: len(set(solution.ids) & set(ids)), default=None)
    return best if best is not None and set(best.ids) & set(ids) else None


def _role(index: int, cell: dict, solution: Solution, first: int) -> str | None:
    """The role of a code cell in grading: its own tags or, by cell id, its course notebook's; None to skip it."""
    found = cell_tags(cell) | solution.roles.get(cell.get("id", ""), frozenset())
    for role in (CHECK, EXERCISE, GRADE):
        if role in found:
            return role
    return "setup" if index == first else None


def plan(notebook: nbformat.NotebookNode, solution: Solution) -> list[Step]:
    """The cells to run, in order: set-up, exercises, checks and `grade` cells; exercises get their check's ids."""
    code = _code_cells(notebook)
    first = next((i for i, cell in code if SETUP_TAG not in cell_tags(cell)), -1)  # the imports, after the set-up cell
    chosen = [(i, cell, _role(i, cell, solution, first)) for i, cell in code]
    steps: list[Step] = []
    waiting: list[Step] = []  # exercise cells whose check cell comes later
    for index, cell, role in chosen:
        if role is None:
            continue
        ids = tuple(check_ids(cell.source)) if role == CHECK else ()
        step = Step(index, role, ids, cell.source)
        if role == EXERCISE:
            waiting.append(step)
        elif role == CHECK:
            steps += [Step(w.index, w.role, ids, w.source) for w in waiting]
            waiting = []
        if role != EXERCISE:
            steps.append(step)
    steps += waiting  # exercise cells after the last check belong to no exercise
    return sorted(steps, key=lambda step: step.index)


def _dotted(node: ast.AST) -> str:
    """Return the dotted name of `a.b.c` (empty for anything else)."""
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _hands_in_reference(node: ast.AST) -> bool:
    """True for `x.reference`, `exercises.answer(...)` and `from course_utils.exercises import answer`."""
    if isinstance(node, ast.Attribute) and node.attr == "reference":
        return True
    if isinstance(node, ast.Call) and _dotted(node.func).endswith("exercises.answer"):
        return True
    return (
        isinstance(node, ast.ImportFrom)
        and (node.module or "").endswith("exercises")
        and any(alias.name in ("answer", "get", "*") for alias in node.names)
    )


def calls_reference(source: str) -> bool:
    """True when an exercise cell hands in the course's reference (`exercises.answer`, `.reference`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics or a learner's typo: fall back to the words themselves
        return bool(_REFERENCE_CALL.search(source))
    return any(_hands_in_reference(node) for node in ast.walk(tree))


def edited_check(step: Step, solution: Solution) -> bool:
    """True when a check cell's code differs from the course's check of the same exercise."""
    course = [solution.checks[i] for i in step.ids if i in solution.checks]
    return bool(course) and _normalized(step.source) != _normalized(course[0])


def _normalized(source: str) -> str:
    """A source's code without comments and spacing, to compare two versions of a cell."""
    try:
        return ast.dump(ast.parse(source))
    except SyntaxError:
        return "".join(source.split())
