"""binder/: what repo2docker reads to build the course's image for Binder or a class's JupyterHub (TEACHING.md).

The image build needs Docker and the internet, so it is checked by hand (TEACHING.md says how);
this test keeps the files in step with the course: the README's first Python version, the
learner's requirements, a pinned nbgitpuller, and a non-editable install of `course_utils`.
"""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"


def test_the_runtime_is_the_first_python_of_the_readme():
    versions = re.findall(r"for v in ([\d. ]+); do", (ROOT / "README.md").read_text())
    assert versions and BINDER.joinpath("runtime.txt").read_text().strip() == f"python-{versions[0].split()[0]}"


def test_the_image_gets_the_learners_requirements_and_a_pinned_nbgitpuller():
    lines = [line for line in BINDER.joinpath("requirements.txt").read_text().splitlines() if line[:1] not in "#"]
    assert "-r ../requirements.txt" in lines
    assert any(re.fullmatch(r"nbgitpuller==[\d.]+", line) for line in lines)


def test_post_build_replaces_the_editable_install():
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK)
    commands = [line for line in post_build.read_text().splitlines() if line.startswith("pip install")]
    assert commands == ["pip install --no-cache-dir --no-deps ."]
