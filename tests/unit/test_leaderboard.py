"""The leaderboard: parameter counts agree with built models, budgets are matched within 10 %, one entry trains and
scores, the table reads right, and the stored results and checkpoints are in step with the code."""

import math

import numpy as np
import pytest

from course_utils import data, inspection, leaderboard


@pytest.mark.parametrize("kind", leaderboard.KINDS)
def test_the_parameter_count_formula_is_the_built_models_count(kind):
    for width in (3, leaderboard.matched_width(kind)):
        built = inspection.count_parameters(leaderboard.build(kind, width))
        assert leaderboard.parameter_count(kind, width) == built, (kind, width)


def test_the_budgets_are_matched_within_ten_percent():
    counts = {kind: leaderboard.parameter_count(kind, leaderboard.matched_width(kind)) for kind in leaderboard.KINDS}
    target = leaderboard.TARGET_PARAMETERS
    assert all(abs(count - target) <= 0.1 * target for count in counts.values()), counts
    assert max(counts.values()) <= 1.1 * min(counts.values()), counts
    assert leaderboard.matched_width("spline") < leaderboard.matched_width("real_nvp")  # 23 outputs per unit, not 2


def test_an_unreachable_budget_is_refused():
    with pytest.raises(ValueError, match="target=10 cannot be met within 10%"):
        leaderboard.matched_width("maf", target=10)


def test_real_nvp_with_and_without_lu_mixing_start_from_the_same_coupling_layers():
    plain, mixed = leaderboard.build("real_nvp", 5), leaderboard.build("real_nvp_lu", 5)
    couplings = [[b for b in flow.bijector.bijectors if type(b).__name__ == "RealNVP"] for flow in (plain, mixed)]
    for a, b in zip(*couplings, strict=True):
        for va, vb in zip(a.trainable_variables, b.trainable_variables, strict=True):
            np.testing.assert_array_equal(va.numpy(), vb.numpy())
    assert [type(b).__name__ for b in mixed.bijector.bijectors][1] == "ScaleMatvecLU"


def test_one_entry_trains_and_is_scored_against_the_entropy():
    flow, history, entry = leaderboard.run_entry("maf", "eight_gaussians", steps=3, heldout_points=500)
    assert len(history.epochs) == 3 and entry.steps == 3 and entry.seed == 0
    assert entry.width == leaderboard.matched_width("maf") and entry.parameters == inspection.count_parameters(flow)
    assert entry.entropy is not None and math.isclose(entry.gap, entry.heldout_nll - entry.entropy)
    assert entry.heldout_nll > entry.entropy  # three steps are far from the best possible


def test_an_entry_without_a_known_entropy_has_no_gap():
    _, _, entry = leaderboard.run_entry("real_nvp", "pinwheel", steps=2, heldout_points=200)
    assert entry.entropy is None and entry.gap is None and math.isfinite(entry.heldout_nll)


def test_patience_reaches_the_trainer_with_the_whole_budgets_schedule_and_the_entropy_can_be_skipped(monkeypatch):
    from course_utils import training

    calls, real_train = [], training.train

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(leaderboard.training, "train", spy)
    _, history, entry = leaderboard.run_entry(
        "real_nvp", "two_moons", steps=4, patience=7, heldout_points=200, compute_entropy=False
    )
    assert calls[0]["patience"] == 7 and calls[0]["epochs"] == 4  # the learning-rate schedule spans the budget
    assert entry.steps == 4 and len(history.epochs) <= 4
    assert entry.entropy is None and entry.gap is None and math.isfinite(entry.heldout_nll)
    leaderboard.run_entry("real_nvp", "two_moons", steps=1, heldout_points=200, compute_entropy=False)
    assert calls[1]["patience"] is None  # the leaderboard's own runs never stop early


def _entry(kind, dataset, nll, entropy, seed=0, time_s=1.0):
    return leaderboard.Entry(kind, dataset, 8, 100, 10, seed, nll, entropy, time_s, 5, "completed")


def test_the_table_shows_gaps_and_pinwheels_nll_one_row_per_model():
    entries = [
        _entry("maf", "two_moons", 1.5, 1.1, time_s=2.0),
        _entry("maf", "pinwheel", 2.25, None, time_s=4.0),
        _entry("spline", "two_moons", 1.2, 1.1),
        _entry("spline", "two_moons", 9.9, 1.1, seed=1),  # another seed: not in the seed-0 table
    ]
    lines = leaderboard.format_table(entries).splitlines()
    assert lines[0].split()[:4] == ["model", "two_moons", "pinwheel", "(NLL)"]
    assert lines[2].split() == ["MAF", "0.400", "2.250", "3.0", "100", "8"]
    assert lines[3].split() == ["spline", "coupling", "0.100", "-", "1.0", "100", "8"]
    with pytest.raises(ValueError, match="no run with seed 3"):
        leaderboard.format_table(entries, seed=3)


def test_entries_survive_the_json_round_trip_with_nan_kept():
    entry = _entry("iaf", "circles", float("nan"), 1.0)
    record = {**leaderboard.entry_to_dict(entry), "heldout_nll": "nan"}  # how the benchmark writes NaN
    back = leaderboard.entry_from_dict(record)
    assert math.isnan(back.heldout_nll) and back.kind == "iaf" and back.entropy == 1.0
    with pytest.raises(ValueError, match="record lacks the fields"):
        leaderboard.entry_from_dict({"kind": "maf"})


@pytest.fixture(scope="module")
def stored():
    return leaderboard.load_results()


def test_the_stored_leaderboard_is_complete_and_in_step_with_the_code(stored):
    meta, entries = stored
    assert meta["settings"]["steps"] == leaderboard.STEPS and not meta["quick"]
    assert meta["settings"]["target_parameters"] == leaderboard.TARGET_PARAMETERS
    table = leaderboard.pivot(entries)
    assert list(table) == list(leaderboard.KINDS)
    for kind, row in table.items():
        assert list(row) == list(data.DATASETS), kind
        for entry in row.values():
            assert entry.width == leaderboard.matched_width(kind) and entry.steps == leaderboard.STEPS
            assert entry.parameters == leaderboard.parameter_count(kind, entry.width)
            assert math.isfinite(entry.heldout_nll) and (entry.gap is None) == (entry.dataset == "pinwheel")


def test_a_stored_flow_restores_to_its_stored_score(stored):
    _, entries = stored
    entry = next(e for e in entries if e.kind == "real_nvp_lu" and e.dataset == "two_moons" and e.seed == 0)
    flow = leaderboard.load_trained("real_nvp_lu", "two_moons")
    toy = data.two_moons(n=leaderboard.N_POINTS, seed=0)
    from course_utils import metrics

    assert abs(metrics.heldout_nll(flow, toy, n=leaderboard.HELDOUT_POINTS) - entry.heldout_nll) < 1e-3


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: leaderboard.parameter_count("glow", 8), ValueError, "kind must be one of"),
        (lambda: leaderboard.parameter_count("maf", 0), ValueError, "width must be a positive integer"),
        (lambda: leaderboard.build("maf", 10**6), ValueError, "width must be at most"),
        (lambda: leaderboard.run_entry("maf", "moons"), ValueError, "dataset must be one of"),
        (lambda: leaderboard.run_entry("maf", "two_moons", steps=0), ValueError, "steps must be a positive"),
        (lambda: leaderboard.run_entry("maf", "two_moons", patience=0), ValueError, "patience must be a positive"),
        (lambda: leaderboard.run_entry("maf", "two_moons", compute_entropy=1), TypeError, "compute_entropy must be"),
        (lambda: leaderboard.find_results("no/such/file.json"), FileNotFoundError, "path 'no/such/file.json'"),
        (lambda: leaderboard.load_trained("maf", "circles"), FileNotFoundError, "no stored flow for kind='maf'"),
        (lambda: leaderboard.format_table([]), TypeError, "entries must be a non-empty list"),
    ],
)
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
