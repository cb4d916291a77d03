"""The authoring tools never import TensorFlow: generating notebooks, building slides and nbval's plugin stay light.

Each check runs in a fresh interpreter, so that nothing imported by the test session counts.
"""

import json
import pkgutil
import subprocess
import sys

import course_utils.authoring

AUTHORING_MODULES = [
    "course_utils.authoring",
    "course_utils.authoring.markers",
    "course_utils.authoring.setup_cell",
    "course_utils.authoring.slide_rules",
    "course_utils.authoring.transforms",
    "course_utils.authoring.generate",
    "course_utils.authoring.slides",
    "course_utils.authoring.slides.vendor",
    "course_utils.authoring.slides.alt_text",
    "course_utils.authoring.slides.fit",
    "course_utils.authoring.slides.pages",
    "course_utils.authoring.slides.deck",
    "course_utils.authoring.slides.site",
    "course_utils.authoring.slides.cli",
    "course_utils.authoring.pytest_plugin",
    "course_utils.authoring.grading",
    "course_utils.authoring.grading.notebooks",
    "course_utils.authoring.grading.results",
    "course_utils.authoring.grading.kernel",
    "course_utils.authoring.grading.marking",
    "course_utils.authoring.grading.sheet",
    "course_utils.authoring.grade",
    "course_utils.authoring.answers",
    "course_utils.authoring.update_git",
    "course_utils.authoring.update",
]


def _loaded_after(code: str) -> list[str]:
    """Run `code` in a fresh interpreter; return the names in its sys.modules afterwards."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_every_authoring_module_is_listed_here():
    found = pkgutil.walk_packages(course_utils.authoring.__path__, "course_utils.authoring.")
    assert sorted(module.name for module in found) == sorted(AUTHORING_MODULES[1:])


def test_importing_every_authoring_module_imports_no_tensorflow():
    loaded = _loaded_after("\n".join(f"import {name}" for name in AUTHORING_MODULES))
    assert set(AUTHORING_MODULES) <= set(loaded)
    assert "tensorflow" not in loaded and "tensorflow_probability" not in loaded


def test_the_pytest_plugin_imports_only_the_markers():
    loaded = _loaded_after("import course_utils.authoring.pytest_plugin")
    assert "course_utils.authoring.markers" in loaded
    assert [name for name in loaded if name.startswith(("tensorflow", "nbconvert", "nbformat"))] == []


def test_the_command_lines_help_imports_no_tensorflow():
    for module in ("course_utils.generate", "course_utils.slides", "course_utils.grade", "course_utils.update"):
        code = (
            f"import runpy\nsys.argv = ['{module}', '--help']\n"
            f"try:\n    runpy.run_module('{module}', run_name='__main__')\nexcept SystemExit as stop:\n"
            "    assert stop.code == 0, stop.code"
        )
        loaded = _loaded_after(code)
        assert f"course_utils.authoring.{module.split('.')[-1]}" in loaded
        assert "tensorflow" not in loaded, f"python -m {module} --help imported TensorFlow"
