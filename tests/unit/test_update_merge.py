"""The merge of `python -m course_utils.update`: answers found against the stubs and put back by exercise id.

Pure notebook logic (course_utils.authoring.answers); the command, with git, is tested in
tests/integration/test_update.py.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from course_utils.authoring.answers import Answer, choose_answers, find_answers, merge, other_edits
from course_utils.authoring.grading.notebooks import exercise_cells
from course_utils.authoring.update import render

ROOT = Path(__file__).resolve().parents[2]
STUB = "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"


def _exercise(source: str = STUB) -> nbformat.NotebookNode:
    """Return an exercise cell."""
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["exercise"]})


def _check(exercise_id: str) -> nbformat.NotebookNode:
    """Return the check cell of `exercise_id`."""
    return nbformat.v4.new_code_cell(f'exercises.check("{exercise_id}", f)', metadata={"tags": ["exercise-check"]})


def _notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a notebook of `cells`, with the generator's digests in its metadata."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = list(cells)
    notebook.metadata["course_generated"] = {"notebook_sha256": "1" * 64, "sources_sha256": "2" * 64}
    return notebook


def test_exercise_cells_are_the_tagged_cells_before_each_check():
    notebook = _notebook(
        nbformat.v4.new_markdown_cell("# text"),
        _exercise(),
        _exercise("def g(x):\n    raise NotImplementedError()"),
        _check("01.1"),
        _check("01.1"),  # a second check of the same id: no cells of its own
        nbformat.v4.new_code_cell("x = 1"),
        _check("01.2"),  # no exercise cell before it
        _exercise(),
        _check("01.3"),
    )
    assert exercise_cells(notebook) == {"01.1": [1, 2], "01.3": [7]}


def test_an_untouched_stub_of_either_edition_is_no_answer():
    old_stub = "def f(x):\n    raise NotImplementedError()"
    learner = _notebook(
        _exercise(STUB + "  \n\n"),
        _check("01.1"),
        _exercise(old_stub),
        _check("01.2"),
        _exercise("def f(x):\n    return x"),
        _check("01.3"),
    )
    stubs = {"01.1": [(STUB,)], "01.2": [(STUB,)], "01.3": [(STUB,)]}
    found = find_answers(learner, "01.ipynb", stubs, old={"01.2": (old_stub,), "01.3": (STUB,)})
    assert list(found) == ["01.3"]  # 01.1 differs from its stub in spacing only, 01.2 is the old edition's stub
    assert found["01.3"] == Answer("01.3", ("def f(x):\n    return x",), "01.ipynb", (STUB,))


def _with_answers(notebook: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """Return a copy of `notebook` with `answers` in its exercise cells, and outputs of a run."""
    answered = copy.deepcopy(notebook)
    for exercise_id, source in answers.items():
        cell = answered.cells[exercise_cells(answered)[exercise_id][0]]
        cell.source, cell.execution_count = source, 7
        cell.outputs = [nbformat.v4.new_output("stream", text="ran\n")]
    return answered


def _move(notebook: nbformat.NotebookNode, exercise_id: str, where: int) -> None:
    """Move an exercise's cells and its check cell (the cell after them) to index `where`."""
    cells = exercise_cells(notebook)[exercise_id]
    block = [notebook.cells[i] for i in [*cells, cells[-1] + 1]]
    for cell in block:
        notebook.cells.remove(cell)
    notebook.cells[where:where] = block


def test_answers_go_back_by_id_into_a_notebook_whose_cells_were_reordered():
    edition_1 = nbformat.read(ROOT / "notebooks" / "03_maf.ipynb", as_version=4)
    answers = {
        "03.1": "def maf_inverse(shift_and_log_scale, x):\n    return x  # 1",
        "03.2": "def maf_log_prob(shift_and_log_scale, x):\n    return x  # 2",
    }
    learner = _with_answers(edition_1, answers)
    edition_2 = copy.deepcopy(edition_1)
    _move(edition_2, "03.2", 1)  # 03.2 first, 03.1 last, and the title after them
    _move(edition_2, "03.1", len(edition_2.cells))
    edition_2.cells.append(edition_2.cells.pop(0))
    stubs = {i: [tuple(edition_2.cells[j].source for j in js)] for i, js in exercise_cells(edition_2).items()}
    found = find_answers(learner, "03_maf.ipynb", stubs)
    assert sorted(found) == ["03.1", "03.2"]
    merged = merge(edition_2, "03_maf.ipynb", found, learner)
    cells = exercise_cells(merged.notebook)
    assert cells != exercise_cells(learner) and merged.kept == ["03.2", "03.1"]
    for exercise_id, source in answers.items():
        cell = merged.notebook.cells[cells[exercise_id][0]]
        assert (cell.source, cell.outputs, cell.execution_count) == (source, [], None)
    answer_cells = {cells["03.1"][0], cells["03.2"][0]}
    for index, (got, want) in enumerate(zip(merged.notebook.cells, edition_2.cells, strict=True)):
        assert index in answer_cells or got == want
    assert merged.notebook.metadata == edition_2.metadata and merged.updated == 0  # the same cells, moved


def test_no_answer_leaves_the_new_edition_as_it_is():
    edition = _notebook(nbformat.v4.new_markdown_cell("new text"), _exercise(), _check("01.1"))
    learner = _notebook(nbformat.v4.new_markdown_cell("old text"), _exercise(), _check("01.1"))
    merged = merge(edition, "01.ipynb", find_answers(learner, "01.ipynb", {"01.1": [(STUB,)]}), learner)
    assert merged.kept == [] and merged.updated == 1 and render(merged.notebook) == render(edition)


def test_a_changed_stub_keeps_the_answer_and_says_what_changed():
    new_stub = "def f(x, y):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    edition = _notebook(_exercise(new_stub), _check("01.1"), _exercise(new_stub), _check("01.2"))
    answers = {
        "01.1": Answer("01.1", ("def f(x):\n    return x",), "01.ipynb", (STUB,)),
        "01.2": Answer("01.2", (STUB + "\n# started",), "01.ipynb"),  # --from: the learner's edition unknown
    }
    merged = merge(edition, "01.ipynb", answers)
    assert [cell.source for cell in merged.notebook.cells[::2]] == ["def f(x):\n    return x", STUB + "\n# started"]
    notes = "\n".join(merged.notes)
    assert "01.1: the new edition changed this exercise's stub; your answer is kept" in notes
    assert "-def f(x):" in notes and "+def f(x, y):" in notes
    assert "01.2: your cell still raises NotImplementedError" in notes and "def f(x, y):" in notes


def test_an_answer_of_two_cells_into_an_exercise_of_one_goes_whole_into_it():
    edition = _notebook(_exercise(), _check("01.1"))
    merged = merge(edition, "01.ipynb", {"01.1": Answer("01.1", ("a = 1", "b = 2"), "01.ipynb")})
    assert merged.notebook.cells[0].source == "a = 1\n\nb = 2" and "you had 2" in merged.notes[0]


def test_the_answer_from_the_notebook_that_holds_the_exercise_wins():
    mine = {"01.1": Answer("01.1", ("a = 1",), "01.ipynb")}
    copied = {"01.1": Answer("01.1", ("a = 2",), "01-Copy1.ipynb"), "02.1": Answer("02.1", ("c",), "01-Copy1.ipynb")}
    chosen, left_out = choose_answers({"01.ipynb": mine, "01-Copy1.ipynb": copied}, {"01.1": "01.ipynb"})
    assert chosen == {"01.1": mine["01.1"], "02.1": copied["02.1"]} and left_out == [copied["01.1"]]
    edition = _notebook(_exercise(), _check("02.1"))
    assert merge(edition, "01.ipynb", chosen).notes == ["02.1: your answer comes from 01-Copy1.ipynb"]


def test_other_edits_counts_the_cells_the_learner_added_or_changed_outside_the_exercises():
    old = _notebook(nbformat.v4.new_markdown_cell("text"), _exercise(), _check("01.1"))
    learner = _notebook(
        nbformat.v4.new_markdown_cell("text, with my note"),
        _exercise("def f(x):\n    return x"),
        _check("01.1"),
        nbformat.v4.new_code_cell("print('mine')"),
    )
    assert other_edits(learner, old) == 2
