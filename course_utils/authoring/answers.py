"""A learner's exercise answers carried into a new edition of the notebooks, matched by exercise id.

Pure notebook logic, no files and no git (`course_utils.authoring.update` is the command around it).
An exercise's cells are the cells tagged `exercise` before the check cell that calls
`exercises.check("ID", ...)` (`grading.notebooks.exercise_cells`). An exercise was answered when its
cells differ from every stub known for its id: the learner's edition's stub (when known) and the new
edition's. The merged notebook is the new edition's, cell for cell, with each answer's source put in
its exercise's cells (their outputs cleared: they belong to a run of the old edition). The new
edition's metadata, `course_generated` digests included, stays: a notebook that received an answer
is then "edited" for `python -m course_utils.generate`, one that received none is as generated.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass, field

import nbformat

from course_utils.authoring.grading.notebooks import exercise_cells

Group = tuple[str, ...]  # the sources of one exercise's cells, in order


@dataclass(frozen=True)
class Answer:
    """A learner's answer to one exercise: its cells' sources, the notebook they came from, the stub they replaced."""

    exercise_id: str
    sources: Group
    notebook: str  # the file name of the learner's notebook that holds it
    stub: Group | None = None  # the learner's edition's stub, when known


@dataclass
class Merged:
    """A new edition's notebook with a learner's answers in it, and what to tell the learner about it."""

    notebook: nbformat.NotebookNode
    kept: list[str] = field(default_factory=list)  # the ids whose answers went in
    notes: list[str] = field(default_factory=list)  # a changed stub, an answer from another notebook, ...
    updated: int = 0  # cells of the new edition that the learner's copy did not hold


def normalized(source: str) -> str:
    """Return a cell's source without trailing spaces and surrounding blank lines, to compare two versions."""
    return "\n".join(line.rstrip() for line in source.strip("\n").splitlines()).strip()


def _same(first: Group, second: Group) -> bool:
    """True when two groups of sources hold the same code, spacing at line ends aside."""
    return [normalized(s) for s in first] == [normalized(s) for s in second]


def exercise_sources(notebook: nbformat.NotebookNode) -> dict[str, Group]:
    """Return {exercise id: the sources of its exercise cells} of a notebook."""
    return {
        exercise_id: tuple(notebook.cells[i].source for i in indexes)
        for exercise_id, indexes in exercise_cells(notebook).items()
    }


def find_answers(
    learner: nbformat.NotebookNode, name: str, stubs: dict[str, list[Group]], old: dict[str, Group] | None = None
) -> dict[str, Answer]:
    """Return {id: Answer} of the exercises of `learner` whose cells differ from every stub known for the id.

    `stubs`: the stubs to compare with, for each id (the new edition's); `old`: the learner's edition's stubs,
    when known (they count as stubs too, and each answer records its own).
    """
    old = old or {}
    found = {}
    for exercise_id, sources in exercise_sources(learner).items():
        known = [*stubs.get(exercise_id, []), *([old[exercise_id]] if exercise_id in old else [])]
        if not any(_same(sources, stub) for stub in known):
            found[exercise_id] = Answer(exercise_id, sources, name, old.get(exercise_id))
    return found


def _indented(lines: list[str]) -> list[str]:
    """Return the lines indented for the report."""
    return ["      " + line for line in lines]


def _stub_notes(answer: Answer, stub: Group) -> list[str]:
    """Return the lines that tell the learner the new edition changed the stub of an exercise they answered."""
    if answer.stub is not None:
        if _same(answer.stub, stub):
            return []
        change = difflib.unified_diff(
            "\n".join(answer.stub).splitlines(), "\n".join(stub).splitlines(), lineterm="", n=0
        )
        lines = [line for line in change if not line.startswith(("---", "+++", "@@"))]
        said = f"{answer.exercise_id}: the new edition changed this exercise's stub; your answer is kept. The change:"
        return [said, *_indented(lines)]
    if any("NotImplementedError" in source for source in answer.sources):
        return [
            f"{answer.exercise_id}: your cell still raises NotImplementedError and differs from the new edition's "
            "stub; it is kept. The new stub:",
            *_indented("\n".join(stub).splitlines()),
        ]
    return []


def _place(merged: Merged, indexes: list[int], answer: Answer) -> None:
    """Put an answer's sources in the cells at `indexes` of the merged notebook, clearing their outputs."""
    cells = [merged.notebook.cells[i] for i in indexes]
    sources = list(answer.sources)
    if len(sources) != len(cells):
        merged.notes.append(
            f"{answer.exercise_id}: the new edition has {len(cells)} cell(s) for this exercise and you had "
            f"{len(sources)}: your answer is all in the first one"
        )
        sources = ["\n\n".join(answer.sources)] + [cell.source for cell in cells[1:]]
    for cell, source in zip(cells, sources, strict=True):
        cell.source = source
        cell.outputs = []
        cell.execution_count = None


def _cell_keys(notebook: nbformat.NotebookNode) -> set[tuple[str, str]]:
    """Return the (type, normalized source) of every cell."""
    return {(cell.cell_type, normalized(cell.source)) for cell in notebook.cells}


def merge(
    edition: nbformat.NotebookNode,
    name: str,
    answers: dict[str, Answer],
    learner: nbformat.NotebookNode | None = None,
) -> Merged:
    """Return the new edition's notebook `name` with the `answers` to its exercises put in, by exercise id.

    `learner`: the learner's copy of this notebook, when they had one (to count the cells the edition updates).
    """
    merged = Merged(copy.deepcopy(edition))
    placed: set[int] = set()
    for exercise_id, indexes in exercise_cells(merged.notebook).items():
        answer = answers.get(exercise_id)
        if answer is None or placed & set(indexes):  # unanswered, or a check of several ids already filled
            continue
        merged.notes += _stub_notes(answer, tuple(merged.notebook.cells[i].source for i in indexes))
        if answer.notebook != name:
            merged.notes.append(f"{exercise_id}: your answer comes from {answer.notebook}")
        _place(merged, indexes, answer)
        placed |= set(indexes)
        merged.kept.append(exercise_id)
    if learner is not None:
        keys = _cell_keys(learner)
        fresh = [i for i, c in enumerate(merged.notebook.cells) if (c.cell_type, normalized(c.source)) not in keys]
        merged.updated = len(set(fresh) - placed)
    return merged


def choose_answers(
    found: dict[str, dict[str, Answer]], homes: dict[str, str]
) -> tuple[dict[str, Answer], list[Answer]]:
    """Return one Answer per id from {learner notebook: its answers}, and the other, different answers left out.

    `homes`: {id: the new edition's notebook that holds it}; the answer from the notebook of that name wins,
    else the one from the first notebook by name.
    """
    chosen: dict[str, Answer] = {}
    for notebook in sorted(found):
        for exercise_id, answer in found[notebook].items():
            current = chosen.get(exercise_id)
            if current is None or (notebook == homes.get(exercise_id) != current.notebook):
                chosen[exercise_id] = answer
    left_out = [
        answer
        for answers in found.values()
        for answer in answers.values()
        if chosen[answer.exercise_id] is not answer and not _same(chosen[answer.exercise_id].sources, answer.sources)
    ]
    return chosen, left_out


def homes_of(editions: dict[str, nbformat.NotebookNode]) -> dict[str, str]:
    """Return {exercise id: the name of the first notebook of `editions` that holds it}."""
    homes: dict[str, str] = {}
    for name in sorted(editions):
        for exercise_id in exercise_cells(editions[name]):
            homes.setdefault(exercise_id, name)
    return homes


def other_edits(learner: nbformat.NotebookNode, old: nbformat.NotebookNode) -> int:
    """Return how many cells of `learner` outside its exercises are not in `old`: cells the learner added or edited."""
    answer_cells = {i for indexes in exercise_cells(learner).values() for i in indexes}
    keys = _cell_keys(old)
    return sum(
        1
        for i, cell in enumerate(learner.cells)
        if i not in answer_cells and (cell.cell_type, normalized(cell.source)) not in keys
    )
