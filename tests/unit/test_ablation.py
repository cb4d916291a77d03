"""The ablation of the default recipe: each change switched off alone, the same budget, the stored scores."""

import json

import numpy as np
import pytest

from course_utils import ablation, builders, inspection, leaderboard
from course_utils._tf import tfb


@pytest.mark.parametrize(
    "off, error, words",
    [
        ("noise", TypeError, "not the string 'noise'"),
        (3, TypeError, "a collection of change names"),
        (("noise", "dropout"), ValueError, "unknown changes ['dropout']"),
    ],
)
def test_off_that_is_not_a_collection_of_change_names_is_refused(off, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace("[", r"\[")):
        ablation.check_off(off)


def test_switching_off_the_layers_keeps_the_parameter_budget():
    whole = inspection.count_parameters(ablation.build_variant(()))
    single = inspection.count_parameters(ablation.build_variant(("layers",)))
    assert whole == leaderboard.parameter_count("maf", leaderboard.matched_width("maf"))
    assert abs(single - whole) / whole < 0.01
    assert len(ablation.build_variant(("layers",)).bijector.bijectors) == 1


def test_switching_off_the_clamp_leaves_every_log_scale_unbounded():
    def clamped_layers(flow):
        mafs = [b for b in flow.bijector.bijectors if isinstance(b, tfb.MaskedAutoregressiveFlow)]
        return [isinstance(m._shift_and_log_scale_fn, builders.ClampedShiftAndLogScale) for m in mafs]

    assert clamped_layers(ablation.build_variant(())) == [True] * leaderboard.NUM_LAYERS
    assert clamped_layers(ablation.build_variant(("clamp",))) == [False] * leaderboard.NUM_LAYERS
    assert clamped_layers(ablation.build_variant(("clamp", "layers"))) == [False]


def test_the_recipe_switches_off_only_what_it_is_told():
    assert ablation.recipe() == leaderboard.RECIPE
    assert ablation.recipe(("noise",)) == {**leaderboard.RECIPE, "noise_std": 0.0}
    assert ablation.recipe(("schedule",)) == {**leaderboard.RECIPE, "learning_rate": 1e-3, "schedule": "constant"}
    assert ablation.recipe(("layers", "clamp")) == leaderboard.RECIPE


def test_a_short_variant_trains_and_scores(monkeypatch):
    monkeypatch.setattr(leaderboard, "HELDOUT_POINTS", 500)
    flow, history, heldout = ablation.train_variant(("noise",), seed=1, steps=3)
    assert len(history.epochs) == 3 and np.isfinite(heldout)


def _store(tmp_path, runs):
    folder = tmp_path / "benchmarks" / "results"
    folder.mkdir(parents=True)
    (folder / ablation.RESULTS_NAME).write_text(json.dumps({"runs": runs}))
    return tmp_path


def test_stored_scores_are_found_by_changes_and_seed(tmp_path):
    root = _store(
        tmp_path, [{"off": [], "seed": 0, "heldout_nll": 1.5}, {"off": ["clamp"], "seed": 0, "heldout_nll": 1.8}]
    )
    assert ablation.stored_score((), 0, root) == 1.5
    assert ablation.stored_score(["clamp"], 0, root) == 1.8
    with pytest.raises(ValueError, match="no stored run with off=\\('noise',\\) and seed=0"):
        ablation.stored_score(("noise",), 0, root)


def test_a_missing_stored_ablation_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="--only ablation"):
        ablation.load_results(tmp_path)


def test_the_stored_whole_recipe_is_the_stored_leaderboard_maf_row():
    _, entries = leaderboard.load_results()
    maf = next(e for e in entries if (e.kind, e.dataset, e.seed) == ("maf", "two_moons", 0))
    assert ablation.stored_score((), 0) == pytest.approx(maf.heldout_nll, abs=0.01)
    assert set(ablation.load_results()["settings"]["seeds"]) == set(ablation.SEEDS)
