"""notebooks/ is generated from solutions/: stubs replace answers, a learner's edits are kept."""

from __future__ import annotations

import json
import shutil
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
        "01_x.ipynb: differs from what solutions/01_x.ipynb generates and was not edited: "
        "`python -m course_utils.generate` updates it"
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
        "tidied solutions/01_x.ipynb (set-up cell, slide types by rule, no execution timestamps)",
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


# ---------------------------------------------------------------- a learner's work: digests, manifest, backups


def _edit(target: Path, mine: str = "return 2  # mine") -> str:
    """Answer the exercise in a learner's notebook as a learner would; return the file's new text."""
    text = target.read_text().replace("raise NotImplementedError()", mine)
    target.write_text(text)
    return text


def _teacher_updates(solutions: Path, title: str = "# Updated by the teacher") -> None:
    """Change the title cell of solutions/01_x.ipynb."""
    solution = nbformat.read(solutions / "01_x.ipynb", as_version=4)
    solution.cells[0].source = title
    nbformat.write(solution, solutions / "01_x.ipynb")


def _run_and_save_as_jupyter_does(target: Path) -> None:
    """Store new outputs, counts, timestamps and kernel metadata, as running every cell and saving does."""
    notebook = json.loads(target.read_text())
    for number, cell in enumerate(c for c in notebook["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = number + 7
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["ran again\n"]}]
        cell["metadata"]["execution"] = {"iopub.status.idle": "2026-12-01T10:00:00Z"}
    notebook["metadata"]["language_info"] = {"name": "python", "version": "3.11.9"}
    target.write_text(json.dumps(notebook, indent=2))


def test_generated_notebooks_carry_digests_of_what_was_written(course):
    solutions, notebooks = course
    generate.generate(solutions, notebooks)
    notebook = json.loads((notebooks / "01_x.ipynb").read_text())
    digests = notebook["metadata"][generate.GENERATED_KEY]
    assert digests["sources_sha256"] == generate.sources_digest(notebook)
    assert set(digests) == {"sources_sha256", "notebook_sha256"}
    assert generate.GENERATED_KEY not in nbformat.read(solutions / "01_x.ipynb", as_version=4).metadata


def test_running_and_saving_is_not_an_edit_but_changing_a_source_is(course):
    solutions, notebooks = course
    generate.generate(solutions, notebooks)
    target = notebooks / "01_x.ipynb"
    _run_and_save_as_jupyter_does(target)
    ran = target.read_text()
    assert generate.statuses(solutions, notebooks)["01_x.ipynb"].state == "untouched"
    assert generate.generate(solutions, notebooks) == [] and target.read_text() == ran  # nothing new: outputs stay
    _edit(target)
    assert generate.statuses(solutions, notebooks)["01_x.ipynb"].state == "yours"
    assert generate.generate(solutions, notebooks) == []  # nothing new to deliver: nothing to say


@pytest.mark.parametrize("run_first", [False, True], ids=["as-generated", "run-and-saved"])
def test_an_untouched_notebook_gets_the_update_without_the_manifest(course, run_first):
    solutions, notebooks = course
    generate.generate(solutions, notebooks)
    if run_first:
        _run_and_save_as_jupyter_does(notebooks / "01_x.ipynb")
    (notebooks / generate.MANIFEST).unlink()
    _teacher_updates(solutions)
    assert generate.generate(solutions, notebooks) == [f"wrote {notebooks / '01_x.ipynb'}"]
    assert "Updated by the teacher" in (notebooks / "01_x.ipynb").read_text()
    assert not (notebooks / generate.BACKUPS).exists()
    assert generate.out_of_step(solutions, notebooks) == []


def test_an_edited_notebook_is_kept_without_the_manifest_and_force_backs_it_up(course):
    solutions, notebooks = course
    generate.generate(solutions, notebooks)
    learner_work = _edit(notebooks / "01_x.ipynb")
    (notebooks / generate.MANIFEST).unlink()
    _teacher_updates(solutions)
    report = generate.generate(solutions, notebooks)
    assert report == [
        f"kept {notebooks / '01_x.ipynb'}: edited since it was generated, and solutions/01_x.ipynb changed since: "
        "your edits are kept (run with --force to replace it; a backup copy is kept)"
    ]
    assert (notebooks / "01_x.ipynb").read_text() == learner_work
    report = generate.generate(solutions, notebooks, force=True)
    assert report[0].startswith("backed up") and report[1] == f"wrote {notebooks / '01_x.ipynb'}"
    assert [p.read_text() for p in (notebooks / generate.BACKUPS).iterdir()] == [learner_work]


@pytest.mark.parametrize(
    "manifest, problem",
    [
        ("{not json", "it is not valid JSON (Expecting property name"),
        ("[]", "it should map notebook file names to sha256 digests, got []"),
        ('"a string"', 'it should map notebook file names to sha256 digests, got "a string"'),
        ('{"01_x.ipynb": 1}', 'it should map notebook file names to sha256 digests, got {"01_x.ipynb": 1}'),
    ],
    ids=["invalid-json", "list", "string", "number-values"],
)
def test_a_damaged_manifest_is_reported_and_rewritten_and_edits_are_kept(tmp_path, capsys, manifest, problem):
    (tmp_path / "solutions").mkdir()
    nbformat.write(_solution_notebook(), tmp_path / "solutions" / "01_x.ipynb")
    root, notebooks, path = (
        ["--root", str(tmp_path)],
        tmp_path / "notebooks",
        tmp_path / "notebooks" / generate.MANIFEST,
    )
    assert generate.main(root) == 0
    learner_work = _edit(notebooks / "01_x.ipynb")
    _teacher_updates(tmp_path / "solutions")
    path.write_text(manifest)
    capsys.readouterr()
    assert generate.main(["--check", *root]) == 0  # the learner's edit is reported, not counted
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"ignored {path}: {problem}") and "python -m course_utils.generate" in out[0]
    assert out[1].startswith("01_x.ipynb: edited since it was generated") and "--force" in out[1]
    assert generate.main(root) == 0
    out = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("tidied")]
    assert out[0].startswith(f"ignored {path}: {problem}") and "nothing is lost" in out[0]
    assert (
        out[1].startswith(f"kept {notebooks / '01_x.ipynb'}") and (notebooks / "01_x.ipynb").read_text() == learner_work
    )
    assert json.loads(path.read_text()) == {}  # rewritten: only notebooks as generated are recorded
    assert generate.read_manifest(notebooks) == ({}, [])


def test_a_notebook_without_digests_or_record_is_kept_with_the_way_to_replace_it(course):
    solutions, notebooks = course
    notebooks.mkdir()
    legacy = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# An older copy")])
    nbformat.write(legacy, notebooks / "01_x.ipynb")
    report = generate.generate(solutions, notebooks)
    assert report == [
        f"kept {notebooks / '01_x.ipynb'}: it holds no generator digest and {generate.MANIFEST} has no record of it, "
        "so edits cannot be told apart: it is kept (run with --force to replace it; a backup copy is kept)"
    ]
    assert generate.generate(solutions, notebooks, force=True)[1] == f"wrote {notebooks / '01_x.ipynb'}"


def test_the_manifest_still_tells_an_untouched_notebook_written_before_the_digests(course):
    solutions, notebooks = course
    notebooks.mkdir()
    old_text = generate.render(transforms.learner_notebook(_solution_notebook()))  # as generated before: no digests
    (notebooks / "01_x.ipynb").write_text(old_text)
    (notebooks / generate.MANIFEST).write_text(json.dumps({"01_x.ipynb": generate._digest(old_text)}))
    assert generate.out_of_step(solutions, notebooks)[0].startswith("01_x.ipynb: differs from what solutions/")
    assert generate.generate(solutions, notebooks) == [f"wrote {notebooks / '01_x.ipynb'}"]
    assert generate.GENERATED_KEY in json.loads((notebooks / "01_x.ipynb").read_text())["metadata"]


def test_a_damaged_notebook_is_kept_and_force_backs_it_up(course):
    solutions, notebooks = course
    generate.generate(solutions, notebooks)
    (notebooks / "01_x.ipynb").write_text('{"cells": [')  # cut short, as a full disk leaves it
    report = generate.generate(solutions, notebooks)
    assert report[0].startswith(f"kept {notebooks / '01_x.ipynb'}: it is not a readable notebook (")
    assert (notebooks / "01_x.ipynb").read_text() == '{"cells": ['
    assert generate.generate(solutions, notebooks, force=True)[0].startswith("backed up")
    assert [p.read_text() for p in (notebooks / generate.BACKUPS).iterdir()] == ['{"cells": [']


def test_two_forced_runs_in_one_second_keep_both_backups(course, monkeypatch):
    solutions, notebooks = course
    monkeypatch.setattr(generate, "_timestamp", lambda: "20261201-100000")  # both runs within the same second
    generate.generate(solutions, notebooks)
    first = _edit(notebooks / "01_x.ipynb", "return 1  # first try")
    generate.generate(solutions, notebooks, force=True)
    second = _edit(notebooks / "01_x.ipynb", "return 2  # second try")
    report = generate.generate(solutions, notebooks, force=True)
    backups = sorted((notebooks / generate.BACKUPS).iterdir())
    assert [p.name for p in backups] == ["01_x.20261201-100000-2.ipynb", "01_x.20261201-100000.ipynb"]
    assert {p.read_text() for p in backups} == {first, second}
    assert report[0] == f"backed up your {notebooks / '01_x.ipynb'} to {backups[0]}"


# ---------------------------------------------------------------- the shipped course


def _assert_in_step(found: dict[str, generate.Status], name: str) -> None:
    """Fail when notebooks/name is a stale generator run; skip it when the learner changed it (their edits are kept)."""
    status = found[name]
    if status.state in (*generate.KEPT, "own"):
        pytest.skip(f"notebooks/{name} was changed by you ({status.reason}): not compared with solutions/")
    if status.state in generate.PROBLEMS:
        pytest.fail(
            f"notebooks/{name}: {status.reason}. notebooks/ is out of step with solutions/: "
            "run `python -m course_utils.generate` (notebooks you edited are kept)"
        )


@pytest.fixture(scope="module")
def course_statuses() -> dict[str, generate.Status]:
    """Where each notebook of the shipped course stands, computed once."""
    return generate.statuses(ROOT / "solutions", ROOT / "notebooks")


COURSE_NAMES = sorted({p.name for folder in ("solutions", "notebooks") for p in (ROOT / folder).glob("*.ipynb")})


@pytest.mark.parametrize("name", COURSE_NAMES)
def test_course_notebooks_are_in_step_with_solutions(course_statuses, name):
    _assert_in_step(course_statuses, name)


@pytest.fixture
def copied_course(tmp_path):
    """A temporary copy of the course's first notebook, generated into a temporary notebooks/."""
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    solutions.mkdir()
    shutil.copy(ROOT / "solutions" / "01_flow_review.ipynb", solutions)
    generate.generate(solutions, notebooks)
    return solutions, notebooks


def test_the_in_step_check_skips_a_notebook_the_learner_answered(copied_course):
    solutions, notebooks = copied_course
    target = notebooks / "01_flow_review.ipynb"
    target.write_text(target.read_text().replace("raise NotImplementedError()", "return 0  # my answer", 1))
    with pytest.raises(pytest.skip.Exception, match=r"notebooks/01_flow_review.ipynb was changed by you .*kept"):
        _assert_in_step(generate.statuses(solutions, notebooks), "01_flow_review.ipynb")
    solution = nbformat.read(solutions / "01_flow_review.ipynb", as_version=4)
    solution.cells[0].source += "\n\nA teacher's new line."
    nbformat.write(solution, solutions / "01_flow_review.ipynb")
    with pytest.raises(pytest.skip.Exception, match="your edits are kept"):  # still the learner's, update or not
        _assert_in_step(generate.statuses(solutions, notebooks), "01_flow_review.ipynb")


def test_the_in_step_check_fails_on_an_untouched_notebook_of_a_stale_run(copied_course):
    solutions, notebooks = copied_course
    _assert_in_step(generate.statuses(solutions, notebooks), "01_flow_review.ipynb")  # in step after generating
    _run_and_save_as_jupyter_does(notebooks / "01_flow_review.ipynb")
    _assert_in_step(generate.statuses(solutions, notebooks), "01_flow_review.ipynb")  # a learner's run is no edit
    solution = nbformat.read(solutions / "01_flow_review.ipynb", as_version=4)
    solution.cells[0].source += "\n\nA teacher's new line."
    nbformat.write(solution, solutions / "01_flow_review.ipynb")
    with pytest.raises(pytest.fail.Exception, match=r"01_flow_review.ipynb: differs .* run `python -m course_utils"):
        _assert_in_step(generate.statuses(solutions, notebooks), "01_flow_review.ipynb")


@pytest.mark.parametrize("name", COURSE_NAMES)
def test_course_notebooks_hold_stubs_and_no_answers(course_statuses, name):
    if course_statuses[name].state in (*generate.KEPT, "own"):
        pytest.skip(f"notebooks/{name} was changed by you: your answers are yours to keep")
    notebook = json.loads((ROOT / "notebooks" / name).read_text())
    exercise_cells = [c for c in notebook["cells"] if "exercise" in c["metadata"].get("tags", [])]
    assert len(exercise_cells) >= 3, f"{name} has fewer than three exercises"
    for cell in notebook["cells"]:
        assert transforms.BEGIN not in "".join(cell["source"]), f"{name} still holds an answer"
    assert all("# YOUR CODE HERE" in "".join(c["source"]) for c in exercise_cells)
