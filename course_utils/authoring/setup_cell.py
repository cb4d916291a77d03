"""The set-up cell that opens every notebook: where the course is missing (Google Colab), it installs it.

Where `course_utils` is installed (the README's venv, nbval, a class's JupyterHub image) the cell
does nothing and prints nothing, so its stored output is empty. On Colab, or any Python without the
course, it clones the course from `COURSE_REPOSITORY`, installs the pins that matter there
(`COLAB_PINS`: Colab ships its own TensorFlow and Keras 3, and TFP 0.25 needs TF 2.21 with tf-keras),
installs `course_utils` from the clone without touching Colab's other packages, and says what it did.

`COURSE_REPOSITORY` is the one place the course's address is set: for a fork, change it and run
`python -m course_utils.generate`, which writes the cell into every notebook of solutions/ and notebooks/.
"""

from __future__ import annotations

import nbformat

from course_utils.authoring.markers import CLONE_FOLDER, SETUP_TAG

COURSE_REPOSITORY = "https://github.com/normalizing-flows-course/normalizing-flows-hands-on.git"
# The same pins as requirements.txt (tests/unit/test_setup_cell.py keeps them equal).
COLAB_PINS = ("tensorflow==2.21.0", "tf-keras==2.21.0", "tensorflow-probability==0.25.0")
CELL_ID = "course-setup"

_TEMPLATE = """\
# @title Set-up: installs the course where it is missing (Colab); does nothing where it is installed
import importlib.util

if importlib.util.find_spec("course_utils") is None:
    import os, subprocess, sys

    COURSE = "{repository}"
    PINS = {pins}
    folder = os.path.abspath("{clone_folder}")
    if not os.path.isdir(folder):
        subprocess.run(["git", "clone", "--quiet", "--depth", "1", COURSE, folder], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *PINS], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", folder], check=True)
    os.environ["TF_USE_LEGACY_KERAS"] = "1"  # tf.keras is tf-keras (Keras 2), as TFP needs
    importlib.invalidate_caches()
    print(f"Set-up: cloned {{COURSE}} into {{folder}}; installed {{', '.join(PINS)}} and course_utils.")
    print("If an import below fails, restart the runtime and run all cells again (this one then does nothing).")"""


def setup_cell_source(repository: str = COURSE_REPOSITORY, pins: tuple[str, ...] = COLAB_PINS) -> str:
    """Return the set-up cell's code, installing from `repository` (a URL, or a `file://` path in tests)."""
    if not repository or '"' in repository or "\n" in repository:
        raise ValueError(f"repository must be a URL or path without quotes or newlines, got {repository!r}")
    return _TEMPLATE.format(repository=repository, pins=repr(list(pins)), clone_folder=CLONE_FOLDER)


def setup_cell() -> nbformat.NotebookNode:
    """Return the set-up cell: tagged `SETUP_TAG`, folded into a form on Colab, no outputs."""
    cell = nbformat.v4.new_code_cell(setup_cell_source())
    cell.id = CELL_ID
    cell.metadata = nbformat.from_dict({"cellView": "form", "tags": [SETUP_TAG]})
    return cell


def with_setup_cell(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the notebook with the current set-up cell just before its first other code cell (the input is kept).

    An existing set-up cell keeps its metadata (its slide type among them) and its execution count (so a
    stored run stays a run), and gets the current source; its output is none, as where the course is installed.
    """
    notebook = nbformat.from_dict(notebook)
    is_setup = [SETUP_TAG in cell.get("metadata", {}).get("tags", []) for cell in notebook.cells]
    cell = setup_cell()
    if any(is_setup):
        existing = notebook.cells[is_setup.index(True)]
        cell.metadata = nbformat.from_dict({**existing.metadata, **cell.metadata})
        cell.execution_count = existing.get("execution_count")
    cells = [other for other, setup in zip(notebook.cells, is_setup, strict=True) if not setup]
    first_code = next((i for i, other in enumerate(cells) if other.cell_type == "code"), len(cells))
    notebook.cells = [*cells[:first_code], cell, *cells[first_code:]]
    return notebook
