"""CHANGELOG.md's exercise lists match the course: ids added minus ids retired are the registered ones, and no id
is reused."""

import re
from pathlib import Path

from course_utils import exercises

CHANGELOG = Path(__file__).resolve().parents[2] / "CHANGELOG.md"
ID = re.compile(r"\b\d\d\.\d+\b")


def _listed(kind: str) -> list[str]:
    """Every id on the changelog's "- Added:" or "- Retired:" items (an item may continue on indented lines)."""
    items = re.findall(rf"^- {kind}:(.*(?:\n  .*)*)", CHANGELOG.read_text(), flags=re.MULTILINE)
    return [found for item in items for found in ID.findall(item)]


def test_added_minus_retired_is_what_the_course_registers():
    live = set(_listed("Added")) - set(_listed("Retired"))
    assert sorted(live) == sorted(exercises.exercise_ids())


def test_no_id_is_added_twice_or_retired_without_being_added():
    added, retired = _listed("Added"), _listed("Retired")
    assert len(added) == len(set(added)), "an id was reused"
    assert set(retired) <= set(added) and len(retired) == len(set(retired))
