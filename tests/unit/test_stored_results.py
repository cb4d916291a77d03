"""Stored benchmark results are found from the course's folder, from notebooks/ below it and in Colab's clone."""

import json

import numpy as np
import pytest

from course_utils import stored_results
from course_utils.authoring import markers, setup_cell


def _results(root, name="table.md"):
    folder = root / "benchmarks" / "results"
    folder.mkdir(parents=True)
    (folder / name).write_text("| a |\n")
    return folder / name


def test_an_explicit_root_is_the_only_place_looked_in(tmp_path):
    path = _results(tmp_path)
    assert stored_results.find("table.md", "digits", tmp_path) == path
    with pytest.raises(FileNotFoundError, match=r"no benchmarks/results/other.md found under .*--only leaderboard"):
        stored_results.find("other.md", "leaderboard", tmp_path)


def test_from_notebooks_the_parent_folder_is_found(tmp_path, monkeypatch):
    path = _results(tmp_path, "not-in-the-package.md")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    assert stored_results.find("not-in-the-package.md", "digits") == path


def test_colabs_clone_is_found_where_the_set_up_cell_puts_it(tmp_path, monkeypatch):
    path = _results(tmp_path / markers.CLONE_FOLDER, "not-in-the-package.md")
    monkeypatch.chdir(tmp_path)
    assert stored_results.find("not-in-the-package.md", "digits") == path
    assert f'os.path.abspath("{markers.CLONE_FOLDER}")' in setup_cell.setup_cell_source()


def test_the_courses_own_results_are_found_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert (
        stored_results.find("leaderboard.json", "leaderboard").parent
        == stored_results.roots()[0] / "benchmarks" / "results"
    )


def test_json_safe_turns_arrays_numpy_scalars_and_non_finite_numbers_into_json():
    value = {1: np.float32("nan"), "a": np.array([1.5, np.inf]), "b": (np.int64(2), -np.inf), "c": [True, "x"]}
    safe = stored_results.json_safe(value)
    assert safe == {"1": "nan", "a": [1.5, "inf"], "b": [2, "-inf"], "c": [True, "x"]}
    assert json.loads(json.dumps(safe, allow_nan=False)) == safe
