"""The set-up cell that opens every notebook: a no-op where the course is installed, an installer where it is not.

The second case is Colab's. It is tested in a fresh venv that sees this venv's packages (TensorFlow
and the rest, through a .pth line, which does not run this venv's editable hook; setuptools' distutils
shim is copied, as Python 3.12+ needs it for TFP) but not
`course_utils`; the cell then clones the course from this repository (a `file://` URL in place of
`COURSE_REPOSITORY`), finds its pins already satisfied, installs `course_utils` and says so.
"""

import json
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import nbformat
import pytest

from course_utils.authoring import setup_cell
from course_utils.authoring.markers import SETUP_TAG

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "solutions").glob("*.ipynb")) + sorted((ROOT / "notebooks").glob("*.ipynb"))


def _requirement_pins() -> dict[str, str]:
    """Return {package: pin line} of requirements.txt."""
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return {line.split("==")[0]: line for line in lines if "==" in line and not line.startswith("#")}


def test_the_colab_pins_are_the_requirements_pins():
    pins = _requirement_pins()
    assert list(setup_cell.COLAB_PINS) == [pins[pin.split("==")[0]] for pin in setup_cell.COLAB_PINS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_notebook_opens_with_the_current_set_up_cell(path: Path):
    code = [cell for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"]
    first, imports = code[0], code[1]
    assert first["metadata"]["tags"] == [SETUP_TAG] and first["outputs"] == []
    assert "".join(first["source"]) == setup_cell.setup_cell_source()
    assert "from course_utils import" in "".join(imports["source"])  # the imports come right after it


def test_the_cell_goes_before_the_imports_once_and_a_stored_run_stays():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell("import course_utils")]
    once = setup_cell.with_setup_cell(notebook)
    assert [cell.get("id") for cell in once.cells][1] == setup_cell.CELL_ID and len(once.cells) == 3
    once.cells[1].execution_count, once.cells[1].source = 1, "an old edition of the cell"  # as after a run
    twice = setup_cell.with_setup_cell(once)
    assert len(twice.cells) == 3 and twice.cells[1].execution_count == 1  # still a stored run, for nbval
    assert twice.cells[1].source == setup_cell.setup_cell_source() and twice.cells[1].outputs == []
    assert len(notebook.cells) == 2  # the input is left alone


def test_a_repository_with_a_quote_is_refused():
    with pytest.raises(ValueError, match="repository must be a URL"):
        setup_cell.setup_cell_source('https://example.org/a".git')


def _run_cell(python: str, source: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the cell's source as a script, then report where `course_utils` comes from and whether TF was imported."""
    probe = (
        "\nimport importlib.util, sys\n"
        "spec = importlib.util.find_spec('course_utils')\n"
        "print('FOUND', spec.origin if spec else None, 'tensorflow' in sys.modules)\n"
    )
    return subprocess.run(
        [python, "-c", source + probe], cwd=cwd, capture_output=True, text=True, timeout=900, check=False
    )


def test_where_the_course_is_installed_the_cell_does_nothing(tmp_path: Path):
    result = _run_cell(sys.executable, setup_cell.setup_cell_source(), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:-1] == [] and result.stderr == ""  # no output: nbval's stored output is empty
    assert result.stdout.split()[-1] == "False"  # and it imported nothing heavy
    assert list(tmp_path.iterdir()) == []  # nor cloned anything


def test_without_the_course_the_cell_installs_it_from_the_repository(tmp_path: Path):
    fresh = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(fresh)
    site = next((fresh / "lib").glob("python3.*/site-packages"))
    packages = Path(sysconfig.get_paths()["purelib"])
    (site / "course_packages.pth").write_text(f"{packages}\n")
    # Python 3.12+ has no distutils, which TFP imports: setuptools' shim is switched on by its own .pth.
    for shim in packages.glob("distutils-precedence.pth"):
        shutil.copy(shim, site)
    python, work = str(fresh / "bin" / "python"), tmp_path / "content"
    work.mkdir()
    source = setup_cell.setup_cell_source(repository=ROOT.as_uri())
    assert _run_cell(python, "", work).stdout.split()[1] == "None"  # the course is missing there at first

    first = _run_cell(python, source, work)
    assert first.returncode == 0, first.stdout + first.stderr
    said, found = first.stdout.splitlines()[0], first.stdout.splitlines()[-1].split()
    assert said.startswith(f"Set-up: cloned {ROOT.as_uri()} into {work / 'normalizing-flows-course'}; installed ")
    assert all(pin in said for pin in setup_cell.COLAB_PINS)
    assert found[1] == str(site / "course_utils" / "__init__.py")  # installed in the fresh venv, not the clone

    again = _run_cell(python, source + "\nfrom course_utils import builders\nprint(builders.__name__)", work)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == "course_utils.builders"  # a second run says nothing, and the course works
