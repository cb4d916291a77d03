"""`pytest --nbval` on a learner's notebook: not attempted -> skipped, right -> passed, wrong -> that cell fails.

Each case runs pytest in a subprocess on a copy of notebooks/01, as a learner would: the course's
plugin is loaded by its pytest11 entry point, as in any environment where the course is installed.
"""

import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.authoring import markers, transforms

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "01_flow_review.ipynb"
STUB = "    # YOUR CODE HERE\n    raise NotImplementedError()"


def _run_nbval(notebook: dict, folder: Path) -> tuple[int, str, dict[str, int]]:
    """Write the notebook to folder, run pytest --nbval on it; return exit code, output and outcome counts."""
    path = folder / NOTEBOOK.name
    path.write_text(json.dumps(notebook))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval",
            "--nbval-current-env",
            "-p",
            "no:cacheprovider",
            "-rsf",
            "-q",
            str(path),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|skipped)", output.splitlines()[-1])}
    return result.returncode, output, counts


def _answer(notebook: dict, function_name: str, body: str) -> dict:
    """Return a copy of the notebook with the stub of `function_name` replaced by `body`."""
    notebook = json.loads(json.dumps(notebook))
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if f"def {function_name}(" in source and STUB in source:
            cell["source"] = source.replace(STUB, body)
            return notebook
    raise AssertionError(f"no stub for {function_name} in {NOTEBOOK.name}")


@pytest.fixture(scope="module")
def shipped() -> dict:
    return json.loads(NOTEBOOK.read_text())


def _check_cells(notebook: dict) -> int:
    return sum("exercise-check" in c["metadata"].get("tags", []) for c in notebook["cells"])


def test_shipped_notebook_passes_with_every_exercise_skipped(shipped, tmp_path):
    code, output, counts = _run_nbval(shipped, tmp_path)
    assert code == 0, output
    assert counts.get("failed", 0) == 0
    assert counts["skipped"] == _check_cells(shipped) >= 3
    assert output.count(markers.NOT_ATTEMPTED_PREFIX) == counts["skipped"]
    assert counts["passed"] == sum(c["cell_type"] == "code" for c in shipped["cells"]) - counts["skipped"]


def test_a_right_answer_passes_and_the_others_stay_skipped(shipped, tmp_path):
    right = "    z = (x - shift) * np.exp(-log_scale)\n    return -0.5 * (z**2 + np.log(2 * np.pi)) - log_scale"
    code, output, counts = _run_nbval(_answer(shipped, "affine_log_prob", right), tmp_path)
    assert code == 0, output
    assert counts["skipped"] == _check_cells(shipped) - 1
    assert counts.get("failed", 0) == 0


def test_a_wrong_answer_fails_exactly_that_exercise_with_the_checkers_message(shipped, tmp_path):
    wrong = "    z = (x - shift) / np.exp(log_scale)\n    return -0.5 * z**2 - 0.5 * np.log(2 * np.pi)"
    code, output, counts = _run_nbval(_answer(shipped, "affine_log_prob", wrong), tmp_path)
    assert code == 1
    assert counts["failed"] == 1
    assert counts["skipped"] == _check_cells(shipped) - 1
    assert "Exercise answer is wrong" in output
    assert "Exercise 01.1 (log-density of an affine flow) failed on case 3 of 4" in output
    assert "Hint:" in output
    assert "Traceback" not in output  # the checker's message, not a kernel traceback


def test_stored_check_outputs_say_not_attempted(shipped):
    texts = [
        "".join(c["outputs"][0]["text"]) for c in shipped["cells"] if "exercise-check" in c["metadata"].get("tags", [])
    ]
    assert all(t.startswith(markers.NOT_ATTEMPTED_PREFIX) for t in texts)
    assert transforms.STUB[0] in NOTEBOOK.read_text()


def test_the_plugin_is_a_pytest11_entry_point():
    plugins = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="pytest11")}
    assert plugins.get("course_utils") == "course_utils.authoring.pytest_plugin"
