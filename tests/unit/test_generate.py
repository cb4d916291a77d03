"""notebooks/ is generated from solutions/: stubs replace answers, a learner's edits are kept."""

import json
from pathlib import Path

import nbformat
import pytest

from course_utils.authoring import generate, markers, transforms

ROOT = Path(__file__).resolve().parents[2]


def test_strip_solutions_keeps_indentation_and_everything_outside_the_block():
    source = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n# after"
    assert transforms.strip_solutions(source) == (
        "def f(x):\n    y = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()\n# after"
    )


@pytest.mark.parametrize(
    "source, problem",
    [
        ("### BEGIN SOLUTION\nx = 1", "without"),
        ("x = 1\n### END SOLUTION", "without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
    ],
)
def test_strip_solutions_rejects_unbalanced_markers(source, problem):
    with pytest.raises(ValueError, match=problem):
        transforms.strip_solutions(source)


def _solution_notebook() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell(
            "x = 1\nprint(x)", execution_count=1, outputs=[nbformat.v4.new_output("stream", name="stdout", text="1\n")]
        ),
        nbformat.v4.new_code_cell(
            "def f():\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION",
            execution_count=2,
            metadata={"tags": ["exercise"]},
        ),
        nbformat.v4.new_code_cell(
            'exercises.check("01.1", f)',
            execution_count=3,
            metadata={"tags": ["exercise-check", "nbval-ignore-output"]},
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="Passed: ...\n")],
        ),
    ]
    return notebook


def test_learner_notebook_changes_only_exercise_and_check_cells():
    solution = _solution_notebook()
    learner = transforms.learner_notebook(solution)
    assert learner.cells[:2] == solution.cells[:2]  # sources and stored outputs unchanged
    assert "# YOUR CODE HERE" in learner.cells[2].source and "return 2" not in learner.cells[2].source
    assert learner.cells[3].source == solution.cells[3].source
    assert learner.cells[3].outputs[0].text == markers.not_attempted_message("01.1") + "\n"
    assert "return 2" in solution.cells[2].source  # the solution itself is untouched


def test_an_answer_outside_an_exercise_cell_is_refused():
    solution = _solution_notebook()
    solution.cells[2].metadata = {}
    with pytest.raises(ValueError, match="not tagged 'exercise'"):
        transforms.learner_notebook(solution)


@pytest.fixture
def course(tmp_path):
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    solutions.mkdir()
    nbformat.write(_solution_notebook(), solutions / "01_x.ipynb")
    return solutions, notebooks


def test_generate_writes_then_detects_out_of_step(course):
    solutions, notebooks = course
    assert generate.generate(solutions, notebooks) == [f"wrote {notebooks / '01_x.ipynb'}"]
    assert generate.out_of_step(solutions, notebooks) == []
    assert generate.generate(solutions, notebooks) == []  # nothing to do the second time
    solution = nbformat.read(solutions / "01_x.ipynb", as_version=4)
    solution.cells[0].source = "# A new title"
    nbformat.write(solution, solutions / "01_x.ipynb")
    assert generate.out_of_step(solutions, notebooks) == [
        "01_x.ipynb: differs from what solutions/01_x.ipynb generates"
    ]


def test_a_learners_edits_are_never_overwritten_without_force(course):
    solutions, notebooks = course
    generate.generate(solutions, notebooks)
    target = notebooks / "01_x.ipynb"
    learner_work = target.read_text().replace("raise NotImplementedError()", "return 2  # mine")
    target.write_text(learner_work)
    solution = nbformat.read(solutions / "01_x.ipynb", as_version=4)
    solution.cells[0].source = "# Updated by the teacher"
    nbformat.write(solution, solutions / "01_x.ipynb")

    report = generate.generate(solutions, notebooks)
    assert target.read_text() == learner_work
    assert "kept" in report[0] and "--force" in report[0]

    report = generate.generate(solutions, notebooks, force=True)
    backups = list((notebooks / generate.BACKUPS).glob("01_x.*.ipynb"))
    assert len(backups) == 1 and backups[0].read_text() == learner_work
    assert "Updated by the teacher" in target.read_text()
    assert report[0].startswith("backed up")


def test_an_unedited_notebook_is_updated_when_solutions_change(course):
    solutions, notebooks = course
    generate.generate(solutions, notebooks)
    solution = nbformat.read(solutions / "01_x.ipynb", as_version=4)
    solution.cells[0].source = "# Changed"
    nbformat.write(solution, solutions / "01_x.ipynb")
    generate.generate(solutions, notebooks)
    assert "# Changed" in (notebooks / "01_x.ipynb").read_text()
    assert not (notebooks / generate.BACKUPS).exists()


_TIMING = {"iopub.execute_input": "2026-11-25T18:22:11.416735Z", "shell.execute_reply": "2026-11-25T18:22:23.430732Z"}


def _timed(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Give every cell the execution timestamps JupyterLab and nbclient store."""
    for cell in notebook.cells:
        cell.metadata["execution"] = dict(_TIMING)
    return notebook


def test_clearing_execution_metadata_keeps_the_rest_of_the_cell():
    notebook = _timed(_solution_notebook())
    cleared = transforms.apply(notebook, [transforms.ClearExecutionMetadata()])
    assert all("execution" not in cell.metadata for cell in cleared.cells)
    assert cleared.cells[3].metadata["tags"] == ["exercise-check", "nbval-ignore-output"]
    assert [c.source for c in cleared.cells] == [c.source for c in notebook.cells]
    assert notebook.cells[0].metadata["execution"] == _TIMING  # the input is not modified


def test_written_notebooks_carry_no_execution_metadata(tmp_path, monkeypatch, capsys):
    (tmp_path / "solutions").mkdir()
    nbformat.write(_timed(_solution_notebook()), tmp_path / "solutions" / "01_x.ipynb")
    monkeypatch.chdir(tmp_path)  # the folders default to the current one
    assert generate.main(["--check"]) == 1
    assert "01_x.ipynb: slide types or execution metadata in solutions/ are not as generated" in capsys.readouterr().out
    assert generate.main([]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "tidied solutions/01_x.ipynb (slide types by rule, no execution timestamps)",
        "wrote notebooks/01_x.ipynb",
    ]
    for folder in ("solutions", "notebooks"):
        notebook = json.loads((tmp_path / folder / "01_x.ipynb").read_text())
        assert [c for c in notebook["cells"] if "execution" in c["metadata"]] == [], folder
    assert generate.main(["--check"]) == 0


def test_the_course_folder_can_be_named(tmp_path, capsys):
    (tmp_path / "solutions").mkdir()
    nbformat.write(_solution_notebook(), tmp_path / "solutions" / "01_x.ipynb")
    assert generate.main(["--root", str(tmp_path)]) == 0
    assert f"wrote {tmp_path / 'notebooks' / '01_x.ipynb'}" in capsys.readouterr().out.splitlines()
    assert generate.main(["--check", "--root", str(tmp_path)]) == 0


def test_a_folder_without_solutions_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        generate.main(["--check"])
    assert stopped.value.code == 2
    assert f"{tmp_path / 'solutions'} is not a folder" in capsys.readouterr().err


def test_course_notebooks_are_in_step_with_solutions():
    problems = generate.out_of_step(ROOT / "solutions", ROOT / "notebooks")
    assert problems == [], (
        "notebooks/ is out of step with solutions/; run `python -m course_utils.generate` "
        "(a learner who edited notebooks/ will see this too: it checks the shipped course)"
    )


def test_course_notebooks_hold_stubs_and_no_answers():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        notebook = json.loads(path.read_text())
        exercise_cells = [c for c in notebook["cells"] if "exercise" in c["metadata"].get("tags", [])]
        assert len(exercise_cells) >= 3, f"{path.name} has fewer than three exercises"
        for cell in notebook["cells"]:
            assert transforms.BEGIN not in "".join(cell["source"]), f"{path.name} still holds an answer"
        assert all("# YOUR CODE HERE" in "".join(c["source"]) for c in exercise_cells)
