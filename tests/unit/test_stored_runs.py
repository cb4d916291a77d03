"""A stored run comes back as it was saved: the flow's log_prob, the history (non-finite losses and snapshots
included), found where stored results are looked for; a missing or wrong file is refused with a message that
names it."""

import json
import math

import numpy as np
import pytest

from course_utils import builders, plotting, stored_runs, training
from course_utils.authoring import markers

X = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)


def _flow(seed=0):
    return builders.make_flow(builders.make_stack("maf", 2, 2, hidden_units=(4, 4), seed=seed), 2)


def _trained(tmp_path, name="tiny"):
    """Train a tiny flow a few epochs with snapshots, and save it under tmp_path/benchmarks/results/."""
    flow = _flow()
    history = training.train(flow, X, epochs=4, snapshot_epochs=[2, 4], snapshot_fn=lambda f: np.array([1.0, 2.0]))
    out = tmp_path / "benchmarks" / "results"
    path = stored_runs.save_run(flow, history, name, out, {"meta": {"wall": 1.5, "loss": math.inf}})
    return flow, history, path


def test_a_saved_run_comes_back_with_its_log_prob_and_history(tmp_path):
    flow, history, path = _trained(tmp_path)
    assert path == tmp_path / "benchmarks" / "results" / "tiny.json"
    restored, back = stored_runs.load_run("tiny", lambda: _flow(seed=3), "some_section", root=tmp_path)
    np.testing.assert_allclose(restored.log_prob(X).numpy(), flow.log_prob(X).numpy(), rtol=1e-6, atol=1e-6)
    assert not np.allclose(_flow(seed=3).log_prob(X).numpy(), flow.log_prob(X).numpy(), atol=1e-4)
    assert back.epochs == history.epochs and back.best_epoch == history.best_epoch
    np.testing.assert_allclose(back.train_loss, history.train_loss)
    np.testing.assert_allclose(back.val_loss, history.val_loss)
    assert back.stop_reason == history.stop_reason and back.wall_time_s == pytest.approx(history.wall_time_s)
    assert sorted(back.snapshots) == [2, 4] and back.snapshots[4].tolist() == [1.0, 2.0]
    assert plotting.plot_loss(back, heldout={e: v[1] for e, v in back.snapshots.items()}).axes


def test_what_the_benchmark_adds_is_kept_and_non_finite_numbers_survive_json(tmp_path):
    _, _, path = _trained(tmp_path)
    record = stored_runs.load_record("tiny", "some_section", root=tmp_path)
    assert record["meta"] == {"wall": 1.5, "loss": "inf"}  # valid JSON: inf as a string
    json.loads(path.read_text(), parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    history = training.TrainingHistory(method="m", epochs=[1, 2], train_loss=[1.0, math.nan], val_loss=[1.0, -math.inf])
    back = stored_runs.history_from_dict(json.loads(json.dumps(stored_runs.history_to_dict(history))))
    assert math.isnan(back.train_loss[1]) and back.val_loss[1] == -math.inf and back.best_epoch is None


def test_the_run_is_found_from_the_notebooks_folder_and_colabs_clone(tmp_path, monkeypatch):
    _trained(tmp_path / markers.CLONE_FOLDER, name="not_in_the_package")
    monkeypatch.chdir(tmp_path)
    assert stored_runs.find_run("not_in_the_package", "sec").parent.parent.parent == tmp_path / markers.CLONE_FOLDER
    _trained(tmp_path / "course", name="also_not_in_the_package")
    (tmp_path / "course" / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "course" / "notebooks")
    flow, _ = stored_runs.load_run("also_not_in_the_package", _flow, "sec")
    assert flow.log_prob(X).shape == (20,)


def test_a_missing_run_says_which_file_and_the_command_that_makes_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"benchmarks/results/nothing.json .*--only tutorial_stack"):
        stored_runs.load_run("nothing", _flow, "tutorial_stack", root=tmp_path)


def test_a_missing_checkpoint_is_named(tmp_path):
    _, _, path = _trained(tmp_path)
    for file in (path.parent / "tiny_checkpoint").iterdir():
        file.unlink()
    with pytest.raises(FileNotFoundError, match=r"tiny_checkpoint/flow.*holds no checkpoint"):
        stored_runs.load_run("tiny", _flow, "sec", root=tmp_path)


def test_bad_arguments_are_named(tmp_path):
    _trained(tmp_path)
    with pytest.raises(ValueError, match="name must be the run's name"):
        stored_runs.load_run("tiny.json", _flow, "sec", root=tmp_path)
    with pytest.raises(TypeError, match="build_flow must be a function"):
        stored_runs.load_run("tiny", _flow(), "sec", root=tmp_path)
    with pytest.raises(ValueError, match="does not fit the flow"):
        stored_runs.load_run("tiny", lambda: builders.make_flow(builders.make_maf(2, (4, 4)), 2), "sec", root=tmp_path)
    with pytest.raises(TypeError, match="history"):
        stored_runs.history_to_dict({"epochs": []})
    with pytest.raises(ValueError, match="lacks the fields"):
        stored_runs.history_from_dict({"epochs": []})
    with pytest.raises(ValueError, match="info must not have the keys"):
        stored_runs.save_run(_flow(), training.TrainingHistory(method="m"), "x", tmp_path, {"history": 1})


def test_a_json_without_history_is_refused(tmp_path):
    folder = tmp_path / "benchmarks" / "results"
    folder.mkdir(parents=True)
    (folder / "other.json").write_text('{"meta": {}}')
    with pytest.raises(ValueError, match=r"other.json has no 'history'.*--only sec"):
        stored_runs.load_record("other", "sec", root=tmp_path)


def test_snapshots_of_points_come_back_with_their_shape(tmp_path):
    flow = _flow()
    history = training.train(flow, X, epochs=2, snapshot_epochs=[0, 2], snapshot_fn=training.default_snapshot_fn(n=5))
    out = tmp_path / "benchmarks" / "results"
    stored_runs.save_run(flow, history, "points", out, {})
    _, back = stored_runs.load_run("points", _flow, "test", tmp_path)
    assert back.snapshots[2].shape == (5, 2)
    np.testing.assert_allclose(back.snapshots[2], history.snapshots[2], rtol=1e-6)
