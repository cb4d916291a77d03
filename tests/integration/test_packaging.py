"""The course installs from a wheel: every subpackage ships, pins match requirements.txt, nbval runs outside the repo.

Cheap by design: the wheel is installed with `--no-deps` into a target folder on top of this
venv's packages (no second TensorFlow), and one notebook runs under nbval from a folder that has
no conftest.py, so the course's pytest plugin must come from the wheel's entry point.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)")


def _pins(lines: list[str]) -> dict[str, str]:
    """Return {normalised name: version} of the `name==version` lines."""
    pins = {}
    for line in lines:
        found = PIN.match(line.strip())
        if found:
            pins[re.sub(r"[-_.]+", "-", found.group(1)).lower()] = found.group(2)
    return pins


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the course's wheel from a copy of the sources (the repo gets no build/ or egg-info)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE", "LICENSE-CONTENT"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "course_utils", source / "course_utils", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("course_utils-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Install the wheel alone (no dependencies) into a target folder and return it."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    return target


def test_the_wheel_holds_every_subpackage_and_both_licences(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    for package in sorted(p.parent for p in (ROOT / "course_utils").rglob("__init__.py")):
        assert f"{package.relative_to(ROOT).as_posix()}/__init__.py" in names
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "course_utils").rglob("*.py")}
    assert modules <= set(names), modules - set(names)
    assert any(n.endswith("licenses/LICENSE") for n in names) and any(n.endswith("LICENSE-CONTENT") for n in names)


def test_the_wheel_requires_exactly_the_pins_of_the_requirements_files(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        message = Parser().parsestr(archive.read(metadata).decode())
    required = message.get_all("Requires-Dist")
    runtime = _pins([r for r in required if "extra ==" not in r])
    learner = _pins((ROOT / "requirements.txt").read_text().splitlines())
    maintainer = _pins((ROOT / "requirements-dev.txt").read_text().splitlines())
    assert runtime == learner, "requirements.txt and pyproject.toml's dependencies pin different packages or versions"
    assert _pins(required) == {**learner, **maintainer}, "requirements-dev.txt and pyproject.toml's extras differ"
    for learner_needs in ("tensorflow", "tf-keras", "tensorflow-probability", "nbval", "pytest", "jupyterlab"):
        assert learner_needs in runtime
    for maintainer_only in ("playwright", "ruff", "pytest-xdist", "setuptools", "jupyterlab-slideshow"):
        assert maintainer_only not in runtime and maintainer_only in maintainer


def test_a_notebook_passes_nbval_from_the_wheel_outside_the_source_tree(installed: Path, tmp_path: Path):
    notebook = tmp_path / "01_flow_review.ipynb"
    shutil.copy(ROOT / "notebooks" / notebook.name, notebook)
    env = {**os.environ, "PYTHONPATH": str(installed)}
    where = subprocess.run(
        [sys.executable, "-c", "import course_utils, course_utils.exercises; print(course_utils.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(installed)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider", notebook.name],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, result.stdout[-3000:]
    # The three exercise checks are "skipped" only through the course's plugin, loaded by its entry point.
    assert re.search(r"\b3 skipped\b", summary) and "failed" not in summary, summary
