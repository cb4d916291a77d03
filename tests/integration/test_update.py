"""`python -m course_utils.update`: a new edition taken with git (or from a folder), every answer kept by exercise id.

A temporary origin repository holds a copy of the course's notebooks (edition 1); the learner clones it
and answers some exercises; the origin then commits edition 2 (a text cell changed, the stub of 03.2
changed, 03.4 retired, 03.9 added, README.md changed). No kernel runs and nothing imports TensorFlow.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from course_utils.authoring.grading.notebooks import exercise_cells
from course_utils.authoring.update import main, render

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = {  # notebook -> {exercise id: the learner's answer}
    "01_flow_review.ipynb": {"01.1": "def affine_log_prob(x, shift, log_scale):\n    return -0.5 * x  # mine"},
    "03_maf.ipynb": {
        "03.2": "def maf_log_prob(shift_and_log_scale, x):\n    return x  # my answer to 03.2",
        "03.4": "def my_prediction():\n    return {}  # retired in edition 2",
    },
}
NEW_STUB = "def new_exercise(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"


@dataclass
class Course:
    """The origin repository, the learner's clone and what each edition holds."""

    origin: Path
    learner: Path
    edited: dict[str, bytes]  # the learner's notebooks/ files that differ from edition 1, as saved
    edition_2: dict[str, bytes]  # every notebook of edition 2
    commit_2: str


def _git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` and return its output."""
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def _notebook(path: Path) -> nbformat.NotebookNode:
    """Read a notebook."""
    return nbformat.read(path, as_version=4)


def _answer(path: Path, answers: dict[str, str]) -> None:
    """Write `answers` into the exercise cells of the notebook at `path`, as a learner's Jupyter would save it."""
    notebook = _notebook(path)
    cells = exercise_cells(notebook)
    for exercise_id, source in answers.items():
        notebook.cells[cells[exercise_id][0]].source = source
        notebook.cells[cells[exercise_id][0]].outputs = [nbformat.v4.new_output("stream", text="ran\n")]
    nbformat.write(notebook, path)


def _run_outputs_only(path: Path) -> None:
    """Change a notebook's outputs and nothing else, as running it does."""
    notebook = _notebook(path)
    code = next(cell for cell in notebook.cells if cell.cell_type == "code")
    code.execution_count = 41
    nbformat.write(notebook, path)


def _edition_2(notebooks: Path) -> None:
    """Turn edition 1 at `notebooks` into edition 2: text of 01, stub of 03.2, 03.4 retired, 03.9 added."""
    first = _notebook(notebooks / "01_flow_review.ipynb")
    text = next(cell for cell in first.cells if cell.cell_type == "markdown")
    text.source += "\n\nEdition 2 says more here."
    (notebooks / "01_flow_review.ipynb").write_bytes(render(first))
    maf = _notebook(notebooks / "03_maf.ipynb")
    cells = exercise_cells(maf)
    stub = maf.cells[cells["03.2"][0]]
    stub.source = "# edition 2: a hint for 03.2\n" + stub.source
    check_03_4 = next(i for i in range(cells["03.4"][-1] + 1, len(maf.cells)) if "03.4" in maf.cells[i].source)
    for index in sorted([*cells["03.4"], check_03_4], reverse=True):
        del maf.cells[index]
    maf.cells += [
        nbformat.v4.new_code_cell(NEW_STUB, metadata={"tags": ["exercise"]}),
        nbformat.v4.new_code_cell('exercises.check("03.9", new_exercise)', metadata={"tags": ["exercise-check"]}),
    ]
    (notebooks / "03_maf.ipynb").write_bytes(render(maf))


def _edition_1(folder: Path) -> Path:
    """Fill `folder` with a copy of the course's notebooks (edition 1), a README and a .gitignore; return notebooks/."""
    notebooks = folder / "notebooks"
    notebooks.mkdir(parents=True)
    for path in [*ROOT.glob("notebooks/*.ipynb"), ROOT / "notebooks" / ".generated.json"]:
        shutil.copy2(path, notebooks / path.name)
    (folder / "README.md").write_text("edition 1\n")
    (folder / ".gitignore").write_text("notebooks/.backups/\n.ipynb_checkpoints/\n")
    return notebooks


def _learner_answers(notebooks: Path) -> dict[str, bytes]:
    """Answer some exercises in the learner's notebooks/ and run notebook 02; return the files changed."""
    for name, answers in ANSWERS.items():
        _answer(notebooks / name, answers)
    _run_outputs_only(notebooks / "02_autoregressive_made.ipynb")
    names = [*ANSWERS, "02_autoregressive_made.ipynb"]
    return {name: (notebooks / name).read_bytes() for name in names}


@pytest.fixture
def git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Give git an author and no user or system configuration."""
    for key in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{key}_NAME", "Course")
        monkeypatch.setenv(f"GIT_{key}_EMAIL", "course@example.org")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def _make_course(tmp_path: Path, branch: str = "main") -> Course:
    """Make the origin with edition 1, the learner's clone with answers, then edition 2 on the origin's `branch`."""
    origin = tmp_path / "origin"
    _edition_1(origin)
    _git(origin, "init", "--quiet", "-b", "main")
    _git(origin, "add", "-A")
    _git(origin, "commit", "--quiet", "-m", "edition 1")
    _git(tmp_path, "clone", "--quiet", str(origin), "learner")
    learner = tmp_path / "learner"
    edited = _learner_answers(learner / "notebooks")
    if branch != "main":
        _git(origin, "switch", "--quiet", "-c", branch)
    _edition_2(origin / "notebooks")
    (origin / "README.md").write_text("edition 2\n")
    _git(origin, "commit", "--quiet", "-am", "edition 2")
    edition_2 = {path.name: path.read_bytes() for path in (origin / "notebooks").glob("*.ipynb")}
    return Course(origin, learner, edited, edition_2, _git(origin, "rev-parse", "HEAD"))


def _update(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run the command in-process and return what it printed."""
    assert main(list(args)) == 0
    return capsys.readouterr().out


def _assert_merged(notebooks: Path, edition_2: dict[str, bytes]) -> None:
    """Every notebook is edition 2's, but for the learner's answers (by id) in their exercise cells, outputs cleared."""
    for name, content in edition_2.items():
        answers = {i: a for i, a in ANSWERS.get(name, {}).items() if i != "03.4"}
        if not answers:
            assert (notebooks / name).read_bytes() == content, name
            continue
        merged, expected = _notebook(notebooks / name), nbformat.reads(content.decode(), as_version=4)
        cells = exercise_cells(expected)
        answer_cells = {cells[exercise_id][0]: source for exercise_id, source in answers.items()}
        assert merged.metadata == expected.metadata and len(merged.cells) == len(expected.cells)
        for index, (got, want) in enumerate(zip(merged.cells, expected.cells, strict=True)):
            if index in answer_cells:
                assert (got.source, got.outputs, got.execution_count) == (answer_cells[index], [], None)
                assert got.metadata == want.metadata and got.id == want.id
            else:
                assert got == want, f"{name}: cell {index}"


@pytest.mark.parametrize("how", ["upstream", "ref"])
def test_update_takes_edition_2_and_keeps_every_answer_by_id(git_identity, tmp_path, capsys, how):
    course = _make_course(tmp_path, branch="main" if how == "upstream" else "edition-2")
    (course.learner / "my_notes.txt").write_text("mine\n")  # a local change the new edition does not touch
    args = ["--root", str(course.learner)] + (["--ref", "origin/edition-2"] if how == "ref" else [])
    report = _update(capsys, *args)
    notebooks = course.learner / "notebooks"
    assert _git(course.learner, "rev-parse", "HEAD") == course.commit_2
    assert (course.learner / "README.md").read_text() == "edition 2\n"
    assert (course.learner / "my_notes.txt").read_text() == "mine\n"
    _assert_merged(notebooks, course.edition_2)
    [backup] = (notebooks / ".backups").iterdir()
    assert {path.name: path.read_bytes() for path in backup.iterdir()} == course.edited
    lines = report.splitlines()
    maf = next(line for line in lines if line.startswith("03_maf.ipynb:"))
    assert "answers kept: 03.2;" in maf and "retired: 03.4" in maf and str(backup.name) in maf
    assert any(line.startswith("01_flow_review.ipynb: answers kept: 01.1; cells updated: 1;") for line in lines)
    assert "03.2: the new edition changed this exercise's stub" in report and "+# edition 2: a hint" in report
    status = _git(course.learner, "status", "--porcelain", "--untracked-files=no").splitlines()
    assert sorted(line.strip() for line in status) == ["M notebooks/01_flow_review.ipynb", "M notebooks/03_maf.ipynb"]
    before = {path.name: path.read_bytes() for path in notebooks.glob("*.ipynb")}
    assert _update(capsys, *args).startswith("Nothing to do")  # a second run: nothing new, nothing changed
    assert {path.name: path.read_bytes() for path in notebooks.glob("*.ipynb")} == before
    assert len(list((notebooks / ".backups").iterdir())) == 1
    assert _git(course.learner, "rev-parse", "HEAD") == course.commit_2


def test_dry_run_reports_and_changes_nothing(git_identity, tmp_path, capsys):
    course = _make_course(tmp_path)
    head = _git(course.learner, "rev-parse", "HEAD")
    report = _update(capsys, "--root", str(course.learner), "--dry-run")
    assert report.startswith("Dry run: nothing is written.")
    assert "Would back up 3 file(s)" in report and "Would fast-forward main" in report
    assert "retired: 03.4" in report
    notebooks = course.learner / "notebooks"
    assert {name: (notebooks / name).read_bytes() for name in course.edited} == course.edited
    assert _git(course.learner, "rev-parse", "HEAD") == head and not (notebooks / ".backups").exists()


def _assert_refused(capsys: pytest.CaptureFixture[str], args: list[str], *said: str) -> None:
    """The command exits 2 with an error that holds every piece of `said`."""
    with pytest.raises(SystemExit) as stop:
        main(args)
    error = capsys.readouterr().err
    assert stop.value.code == 2
    for piece in said:
        assert piece in error, error


def test_a_local_change_in_the_way_stops_it_before_anything_changes(git_identity, tmp_path, capsys):
    course = _make_course(tmp_path)
    (course.learner / "README.md").write_text("my notes\n")  # edition 2 changes README.md too
    head = _git(course.learner, "rev-parse", "HEAD")
    _assert_refused(capsys, ["--root", str(course.learner)], "README.md", "git stash")
    notebooks = course.learner / "notebooks"
    assert {name: (notebooks / name).read_bytes() for name in course.edited} == course.edited
    assert _git(course.learner, "rev-parse", "HEAD") == head and not (notebooks / ".backups").exists()


def test_commits_of_the_learners_own_are_refused_with_a_way_out(git_identity, tmp_path, capsys):
    course = _make_course(tmp_path)
    _git(course.learner, "commit", "--quiet", "-am", "my answers")
    _assert_refused(
        capsys, ["--root", str(course.learner)], "1 commit(s)", "git reset $(git merge-base HEAD origin/main)"
    )
    assert not (course.learner / "notebooks" / ".backups").exists()


def test_bad_arguments_are_named(git_identity, tmp_path, capsys):
    course = _make_course(tmp_path)
    _assert_refused(capsys, ["--root", str(course.learner), "--ref", "no-such-edition"], "--ref no-such-edition")
    _assert_refused(capsys, ["--root", str(tmp_path / "nowhere")], "--root", "no notebooks/ folder")
    plain = tmp_path / "plain"
    shutil.copytree(course.learner / "notebooks", plain / "notebooks")
    _assert_refused(capsys, ["--root", str(plain)], "not in a git repository", "--from FOLDER")
    _assert_refused(capsys, ["--root", str(plain), "--from", str(tmp_path / "nowhere")], "--from", "no such folder")
    assert not (course.learner / "notebooks" / ".backups").exists()


def test_from_a_folder_without_git(git_identity, tmp_path, capsys):
    learner = tmp_path / "learner"
    edited = _learner_answers(_edition_1(learner))
    new = tmp_path / "course-edition-2"
    _edition_1(new)
    _edition_2(new / "notebooks")
    edition_2 = {path.name: path.read_bytes() for path in (new / "notebooks").glob("*.ipynb")}
    report = _update(capsys, "--root", str(learner), "--from", str(new))
    assert "retired: 03.4" in report and "answers kept: 01.1" in report
    _assert_merged(learner / "notebooks", edition_2)
    [backup] = (learner / "notebooks" / ".backups").iterdir()
    assert {path.name: path.read_bytes() for path in backup.iterdir()} == edited
    assert _update(capsys, "--root", str(learner), "--from", str(new / "notebooks")).startswith("Nothing to do")


def test_the_command_imports_neither_tensorflow_nor_nbconvert():
    code = (
        "import runpy, sys\nsys.argv = ['course_utils.update', '--help']\n"
        "try:\n    runpy.run_module('course_utils.update', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'nbconvert')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]" and "--from FOLDER" in done.stdout
