"""`python -m course_utils.grade`: a class's notebooks graded into grades.csv and grades.html.

Two course folders, both copies in a temporary folder (a notebook that deletes files never reaches
this working tree): a synthetic course whose kernel needs no TensorFlow (the `grade` tag, every
outcome, a stuck kernel, the notebook's time limit), and the real notebook 01 with a class of
submissions made from its learner copy and its solutions (graded once, through the command line).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from chromium import launch_chromium, require_browser

from course_utils.authoring.grade import grade_all
from course_utils.authoring.grading.kernel import Isolation, Limits, network_isolation
from course_utils.authoring.grading.marking import EDITED_CHECK_FLAG, REFERENCE_FLAG, flags
from course_utils.authoring.grading.notebooks import (
    calls_reference,
    find_submissions,
    load_course,
    match_solution,
    plan,
)
from course_utils.authoring.grading.results import Outcome, read_check
from course_utils.authoring.grading.sheet import csv_text, html_text
from course_utils.authoring.markers import NOT_ATTEMPTED_PREFIX, not_attempted_message

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"  # grades.png: the sheet of the class of notebook 01, as a lecturer sees it
EVE = '<b>eve&"co"'  # a folder's name cannot hold "/": still a tag, an ampersand and quotes to escape

# ---------------------------------------------------------------- the synthetic course (no TensorFlow)

DEMO_SETUP = f'''
class ExerciseFailed(Exception):
    pass

class exercises:
    expected = {{"D.1": 6, "D.2": 2, "D.3": 3, "D.4": 4}}

    @staticmethod
    def check(exercise_id, answer):
        try:
            got = answer()
        except NotImplementedError:
            print("{NOT_ATTEMPTED_PREFIX} exercise " + exercise_id + " still raises NotImplementedError.")
            return
        if got != exercises.expected[exercise_id]:
            expected = exercises.expected[exercise_id]
            raise ExerciseFailed(f"Exercise {{exercise_id}}: expected {{expected}}, got {{got}}.\\nHint: look again.")
        print(f"Passed: exercise {{exercise_id}} (demo), 1 cases checked.")
'''
DEMO_ANSWERS = {"D.1": "sum(data)", "D.2": "2", "D.3": "3", "D.4": "4"}


def _cell(source: str, cell_id: str, tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """A code cell with a fixed id and tags."""
    cell = nbformat.v4.new_code_cell(source, id=cell_id)
    cell.metadata["tags"] = list(tags)
    return cell


def demo_notebook(answers: dict[str, str], data_tags: tuple[str, ...] = ("grade",), data_id: str = "data"):
    """The synthetic course notebook: set-up, a `grade` cell, a training cell that must not run, four exercises."""
    cells = [
        nbformat.v4.new_markdown_cell("# Demo"),
        _cell(DEMO_SETUP, "setup"),
        _cell("data = [1, 2, 3]", data_id, data_tags),
        _cell('data = "overwritten by training"\nopen("training-ran", "w").close()', "training"),
    ]
    for number, exercise_id in enumerate(answers, start=1):
        cells.append(_cell(f"def answer{number}():\n    {answers[exercise_id]}", f"ex{number}", ("exercise",)))
        cells.append(_cell(f'exercises.check("{exercise_id}", answer{number})', f"chk{number}", ("exercise-check",)))
    return nbformat.v4.new_notebook(cells=cells)


def _returns(answers: dict[str, str]) -> dict[str, str]:
    """Each answer as a function body (`return ...` unless it is a statement already)."""
    return {k: v if v.startswith(("raise", "import", "while")) else f"return {v}" for k, v in answers.items()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A synthetic course folder (solutions/01_demo.ipynb) and a folder of submissions."""
    root = tmp_path_factory.mktemp("demo-course")
    (root / "solutions").mkdir()
    nbformat.write(demo_notebook(_returns(DEMO_ANSWERS)), root / "solutions" / "01_demo.ipynb")
    subs = root / "submissions"
    subs.mkdir()
    # the `grade` tag only in the course notebook: the submission's cell gets it by its id
    nbformat.write(demo_notebook(_returns(DEMO_ANSWERS), data_tags=()), subs / "right.ipynb")
    mixed = {"D.1": "sum(data)", "D.2": "raise NotImplementedError()", "D.3": "4", "D.4": "1 / 0"}
    # a data cell of the learner's own (new id), untagged: it does not run, so D.1 cannot see `data`
    nbformat.write(demo_notebook(_returns(mixed), data_tags=(), data_id="mine"), subs / "mixed.ipynb")
    # the learner's own `grade` tag on a cell of their own counts too
    nbformat.write(demo_notebook(_returns(DEMO_ANSWERS), data_id="mine"), subs / "own_tag.ipynb")
    stuck = dict(
        DEMO_ANSWERS, **{"D.2": "import signal; signal.signal(signal.SIGINT, signal.SIG_IGN)\n    while True: pass"}
    )
    nbformat.write(demo_notebook(_returns(stuck)), subs / "stuck.ipynb")
    return root, subs


def _graded(root: Path, subs: Path, names: list[str], limits: Limits) -> dict[str, dict]:
    """Grade the named submissions of `subs` without network isolation; return each row by student."""
    course = load_course(root)
    chosen = [s for s in find_submissions(subs) if s.student in names]
    results = grade_all(chosen, course, limits, Isolation((), "network: test"), jobs=2)
    return {r.student: r for r in results}


def test_the_plan_runs_setup_exercises_checks_and_grade_cells_only(demo):
    root, subs = demo
    solution = load_course(root)[0]
    steps = plan(nbformat.read(subs / "right.ipynb", 4), solution)
    assert [(s.index, s.role) for s in steps][:3] == [(1, "setup"), (2, "grade"), (4, "exercise")]
    assert 3 not in [s.index for s in steps]  # the training cell
    assert [s.ids for s in steps if s.role == "exercise"] == [("D.1",), ("D.2",), ("D.3",), ("D.4",)]
    mixed = plan(nbformat.read(subs / "mixed.ipynb", 4), solution)
    assert [s.role for s in mixed].count("grade") == 0


def test_every_outcome_and_the_grade_tag_in_a_kernel(demo):
    root, subs = demo
    rows = _graded(
        root, subs, ["right", "mixed", "own_tag", "stuck"], Limits(cell_s=3, notebook_s=120, setup_s=60, probe_s=3)
    )
    assert {k: o.status for k, o in rows["right"].outcomes.items()} == dict.fromkeys(DEMO_ANSWERS, "passed")
    assert rows["own_tag"].passed() == 4 and rows["right"].note == ""
    mixed = rows["mixed"].outcomes
    assert mixed["D.1"] == Outcome("error", "NameError: name 'data' is not defined")
    assert mixed["D.2"] == Outcome("not attempted")
    assert mixed["D.3"] == Outcome("failed", "Exercise D.3: expected 3, got 4.")
    assert mixed["D.4"] == Outcome("error", "ZeroDivisionError: division by zero")
    stuck = rows["stuck"]
    assert stuck.outcomes["D.1"].status == "passed"
    assert stuck.outcomes["D.2"] == Outcome("timed out", "cell 7 ran past 3 s")  # its check cell loops
    assert stuck.outcomes["D.3"] == Outcome("timed out", "not run: the kernel stopped answering after cell 7")
    assert "did not answer an interrupt" in stuck.note


def test_a_notebook_that_never_finishes_is_stopped_at_its_time_limit(demo):
    root, subs = demo
    forever = _returns(dict(DEMO_ANSWERS, **{"D.1": "import time\n    while True: time.sleep(0.1)"}))
    nbformat.write(demo_notebook(forever), subs / "forever.ipynb")
    rows = _graded(root, subs, ["forever"], Limits(cell_s=300, notebook_s=10, setup_s=300))
    assert rows["forever"].outcomes["D.1"].status == "timed out"
    assert "time limit (10 s)" in rows["forever"].note
    assert rows["forever"].seconds < 40


# ---------------------------------------------------------------- pure parts: no kernel


def test_a_changed_check_cell_and_a_handed_in_reference_are_flagged(demo):
    solution = load_course(demo[0])[0]
    notebook = demo_notebook(_returns(DEMO_ANSWERS))
    notebook.cells[5].source = 'exercises.check("D.1", answer1)  # a comment changes nothing'
    notebook.cells[7].source = 'exercises.check("D.2", lambda: 2)'
    notebook.cells[8].source = "answer3 = exercises.answer('D.3')"
    assert flags(plan(notebook, solution), solution) == {"D.2": EDITED_CHECK_FLAG, "D.3": REFERENCE_FLAG}


def test_a_check_cells_outputs_read_as_outcomes():
    printed = [{"output_type": "stream", "name": "stdout", "text": "Passed: exercise 01.1 (x), 4 cases checked.\n"}]
    assert read_check(printed, "01.1") == Outcome("passed")
    attempted = [{"output_type": "stream", "name": "stdout", "text": not_attempted_message("01.1") + "\n"}]
    assert read_check(attempted, "01.1") == Outcome("not attempted")
    failed = [*printed, {"output_type": "error", "ename": "ExerciseFailed", "evalue": "Exercise 01.1: wrong\nhint"}]
    assert read_check(failed, "01.1") == Outcome("failed", "Exercise 01.1: wrong")  # a printed "Passed:" is no pass
    assert read_check(failed, "01.1", alone=False) == Outcome("passed")
    assert read_check([], "01.1") == Outcome("error", "the check printed no result")


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ('affine_log_prob = exercises.answer("01.1")', True),
        ('affine_log_prob = exercises.get("01.1").reference', True),
        ("from course_utils.exercises import answer\nf = answer('01.1')", True),
        ("%time x = 1\nf = exercises.answer('01.1')", True),  # does not parse: the words still count
        ("def f(x):\n    # not exercises.answer('01.1')\n    return x", False),
        ("def f(answer):\n    return answer", False),
    ],
)
def test_an_exercise_cell_handing_in_the_reference_is_recognised(source: str, flagged: bool):
    assert calls_reference(source) is flagged


def test_students_are_sub_folders_or_file_names(tmp_path: Path):
    for name in [
        "alice.ipynb",
        "bob/a.ipynb",
        "bob/deep/b.ipynb",
        ".ipynb_checkpoints/x.ipynb",
        "carol/.hidden/y.ipynb",
    ]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    found = [(s.student, s.label) for s in find_submissions(tmp_path)]
    assert found == [("alice", "alice.ipynb"), ("bob", "bob/a.ipynb"), ("bob", "bob/deep/b.ipynb")]


def test_the_sheet_escapes_what_comes_from_a_notebook(demo):
    from course_utils.authoring.grading.results import NotebookResult

    course = load_course(demo[0])
    row = NotebookResult("<b>eve</b>", "<i>x</i>.ipynb", "01_demo", {"D.1": Outcome("failed", "got <script>")})
    row.flags["D.1"] = "<img>"
    page = html_text([row], ["D.1"], "subs", "network")
    assert "<b>eve</b>" not in page and "&lt;b&gt;eve&lt;/b&gt;" in page
    assert "<script>" not in page and "<img>" not in page and "<i>x" not in page
    assert match_solution(["D.3", "Z.9"], course).name == "01_demo" and match_solution(["Z.9"], course) is None
    rows = list(csv.reader(csv_text([row], ["D.1"]).splitlines()))
    assert rows[1][:4] == ["<b>eve</b>", "<i>x</i>.ipynb", "01_demo", "failed: got <script>"]


# ---------------------------------------------------------------- notebook 01: a class, through the command line

WRONG_01_1 = "def affine_log_prob(x, shift, log_scale):\n    return -0.5 * (x - shift) ** 2"
LOOP = "while True:\n    pass"
DELETER = """import os
for name in os.listdir("."):
    os.remove(name)  # the copy in the working folder
for path in ["alice.ipynb", "submissions/alice.ipynb", "solutions/01_flow_review.ipynb"]:
    try:
        os.remove(path)
    except OSError:
        pass
"""


def _answers_01() -> dict[str, str]:
    """The reference answers: the source of each exercise cell of solutions/01, by cell id."""
    solution = nbformat.read(ROOT / "solutions" / "01_flow_review.ipynb", 4)
    return {c.id: c.source for c in solution.cells if "exercise" in c.metadata.get("tags", [])}


def _learner_01(edits: dict[int, str] | None = None) -> nbformat.NotebookNode:
    """The learner's notebook 01; `edits` replaces the source of its exercise cells by number (0, 1, 2)."""
    notebook = nbformat.read(ROOT / "notebooks" / "01_flow_review.ipynb", 4)
    exercise = [c for c in notebook.cells if "exercise" in c.metadata.get("tags", [])]
    for number, source in (edits or {}).items():
        exercise[number].source = source
    return notebook


def _class_of_01(subs: Path) -> None:
    """Write the class's submissions: right, wrong, untouched, corrupt, loop + deleter, renamed + reference, other."""
    answers = list(_answers_01().values())
    right = _learner_01(dict(enumerate(answers)))
    nbformat.write(right, subs / "alice.ipynb")
    (subs / "bob").mkdir()
    nbformat.write(_learner_01({0: WRONG_01_1}), subs / "bob" / "01_flow_review.ipynb")
    shutil.copy(ROOT / "notebooks" / "01_flow_review.ipynb", subs / "carol.ipynb")
    (subs / "dave.ipynb").write_text('{"cells": [ {"cell_type": "code", "source": "x = 1"')
    nbformat.write(_learner_01({0: DELETER + answers[0], 1: LOOP}), subs / "erin.ipynb")
    (subs / EVE).mkdir()
    eve = _learner_01({0: 'affine_log_prob = exercises.answer("01.1")', 2: answers[2]})
    nbformat.write(eve, subs / EVE / "my homework.ipynb")
    other = copy.deepcopy(right)
    for cell in other.cells:
        cell.source = cell.source.replace('check("01.', 'check("99.')
    nbformat.write(other, subs / "grace.ipynb")


def _digests(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def class_01(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Grade a class of notebook 01 once, from a copy of the course, through `python -m course_utils.grade`."""
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "solutions", course / "solutions", ignore=shutil.ignore_patterns(".*"))
    subs = course / "submissions"
    subs.mkdir()
    _class_of_01(subs)
    before = _digests(course)
    command = [sys.executable, "-m", "course_utils.grade", "submissions", "--jobs", "2", "--cell-timeout", "20"]
    done = subprocess.run(command, cwd=course, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with open(subs / "grades.csv", newline="", encoding="utf-8") as sheet:
        rows = list(csv.DictReader(sheet))
    return {"course": course, "before": before, "rows": {r["student"]: r for r in rows}, "stdout": done.stdout}


def test_each_submission_of_01_gets_its_row(class_01: dict):
    rows = class_01["rows"]
    assert sorted(rows) == sorted(["alice", "bob", "carol", "dave", "erin", EVE, "grace"])
    assert [rows["alice"][k] for k in ("01.1", "01.2", "01.3", "passed", "exercises")] == ["passed"] * 3 + ["3", "3"]
    assert rows["bob"]["01.1"].startswith("failed: ") and len(rows["bob"]["01.1"].splitlines()) == 1
    assert [rows["bob"][k] for k in ("01.2", "01.3")] == ["not attempted"] * 2
    assert [rows["carol"][k] for k in ("01.1", "01.2", "01.3", "passed")] == ["not attempted"] * 3 + ["0"]
    assert rows["dave"]["note"].startswith("corrupt notebook") and rows["dave"]["01.1"] == ""
    assert "another course" in rows["grace"]["note"] and rows["grace"]["01.1"] == ""


def test_a_loop_times_out_and_the_reference_is_flagged(class_01: dict):
    rows = class_01["rows"]
    erin = rows["erin"]
    learner = nbformat.read(ROOT / "notebooks" / "01_flow_review.ipynb", 4)
    loop_cell = [i for i, c in enumerate(learner.cells) if "exercise" in c.metadata.get("tags", [])][1]
    expected = ["passed", f"timed out: cell {loop_cell} ran past 20 s"]
    assert [erin["01.1"], erin["01.2"]] == expected, erin
    # After the interrupt the kernel goes on to 01.3's stub; on a loaded machine it may not answer in time.
    assert erin["01.3"] == "not attempted" or erin["01.3"].startswith("timed out: not run"), erin
    eve = rows[EVE]
    assert eve["notebook"] == f"{EVE}/my homework.ipynb" and eve["course notebook"] == "01_flow_review"
    assert [eve["01.1"], eve["01.2"], eve["01.3"]] == ["passed", "not attempted", "passed"]
    assert eve["flags"] == f"01.1: {REFERENCE_FLAG}"


def test_a_notebook_deleting_files_reaches_neither_the_course_nor_other_submissions(class_01: dict):
    after = _digests(class_01["course"])
    grades = {"submissions/grades.csv", "submissions/grades.html"}
    assert set(after) - set(class_01["before"]) == grades
    assert {k: v for k, v in after.items() if k not in grades} == class_01["before"]


def test_the_html_sheet_is_written_and_escaped(class_01: dict):
    page = (class_01["course"] / "submissions" / "grades.html").read_text(encoding="utf-8")
    assert "<b>eve" not in page and "&lt;b&gt;eve&amp;&quot;co&quot;" in page
    assert page.count("<tr>") == 1 + 7 + 1  # header, a row per notebook, totals
    assert "network:" in class_01["stdout"]


def test_the_html_sheet_shows_every_row_in_a_browser(class_01: dict):
    require_browser()
    from playwright.sync_api import sync_playwright

    page_path = class_01["course"] / "submissions" / "grades.html"
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 700})
            page.goto(page_path.as_uri())
            rows = page.locator("tr")
            assert rows.count() == 9 and all(rows.nth(i).is_visible() for i in range(rows.count()))
            assert page.locator("td", has_text="passed").count() >= 3  # alice's three exercises
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "grades.png"), full_page=True)
        finally:
            browser.close()


def test_network_isolation_is_probed_and_said_once():
    isolation = network_isolation()
    assert isolation.message.startswith("network: ")
    assert bool(isolation.prefix) == ("unshare -rn" in isolation.message)
    assert network_isolation(allow_network=True).prefix == ()


def test_the_help_lists_the_options():
    done = subprocess.run([sys.executable, "-m", "course_utils.grade", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    for option in ("--root", "--out", "--jobs", "--cell-timeout", "--timeout", "--allow-network"):
        assert option in done.stdout
