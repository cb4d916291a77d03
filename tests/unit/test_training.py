"""Tests of course_utils.training: the compiled trainer, the Keras route, the default recipe, bad arguments."""

import math
import warnings

import numpy as np
import pytest

from course_utils import builders, data, metrics, training
from course_utils._tf import tf


@pytest.fixture(scope="module")
def moons() -> data.ToyData:
    return data.two_moons(1000, 0.05, seed=0)


@pytest.fixture(scope="module")
def overfitting_x(moons) -> np.ndarray:
    """Train rows from the outer moon only; validation rows (the last third) half outer, half inner.

    Fitting the outer moon first helps the validation NLL, then hurts it as the flow leaves no mass
    on the inner moon: the best validation epoch lies well inside the run.
    """
    outer, inner = moons.x[moons.labels == 0], moons.x[moons.labels == 1]
    return np.concatenate([outer[:400], outer[400:], inner[:100]])


def small_flow(kind: str = "maf", seed: int = 0, **kwargs):
    return builders.make_flow(builders.make_layer(kind, 2, (16, 16), seed=seed, **kwargs), 2)


def nll(dist, x: np.ndarray) -> float:
    return float(-np.mean(dist.log_prob(x).numpy().astype(np.float64)))


def weights(dist) -> list[np.ndarray]:
    return [v.numpy() for v in dist.trainable_variables]


# --- history format, best weights, early stopping ---------------------------------------------------


def test_train_returns_one_history_entry_per_epoch_and_lowers_the_loss(moons, capsys):
    dist = small_flow("maf")
    history = training.train(dist, moons.x, epochs=30, learning_rate=1e-2, report_every=10)
    assert isinstance(history, training.TrainingHistory)
    assert history.epochs == list(range(1, 31))
    assert len(history.train_loss) == len(history.val_loss) == 30
    assert all(math.isfinite(v) for v in history.train_loss + history.val_loss)
    assert history.stop_reason == "completed" and not history.diverged
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1
    assert history.train_loss[-1] < history.train_loss[0] - 0.1
    assert history.val_loss[-1] < history.val_loss[0] - 0.1
    assert history.wall_time_s > 0
    out = capsys.readouterr().out
    assert "epoch     1/30" in out and "epoch    10/30" in out and "epoch    30/30" in out
    assert "done in" in out


def test_train_restores_the_weights_of_the_best_validation_epoch(overfitting_x):
    dist = small_flow("real_nvp", fraction_masked=0.5)
    history = training.train(dist, overfitting_x, epochs=60, learning_rate=3e-3, validation_split=1 / 3)
    best = min(history.val_loss)
    assert len(history.epochs) == 60 and history.stop_reason == "completed"
    # preconditions that make the check meaningful: the best epoch is not the last, and is much better
    assert 1 < history.best_epoch < 60 and history.val_loss[-1] > best + 1.0
    assert history.val_loss[history.best_epoch - 1] == best
    val_x = overfitting_x[-200:]
    assert nll(dist, val_x) == pytest.approx(best, abs=1e-5)


def test_patience_stops_early_after_that_many_epochs_without_improvement(overfitting_x):
    dist = small_flow("real_nvp", fraction_masked=0.5)
    history = training.train(dist, overfitting_x, epochs=500, learning_rate=3e-3, validation_split=1 / 3, patience=5)
    assert history.stop_reason.startswith("early stop")
    assert f"epoch {history.epochs[-1]}" in history.stop_reason
    assert len(history.epochs) == len(history.train_loss) == len(history.val_loss) < 500
    assert history.epochs[-1] == history.best_epoch + 5
    assert min(history.val_loss[history.best_epoch :]) >= history.val_loss[history.best_epoch - 1]
    assert nll(dist, overfitting_x[-200:]) == pytest.approx(min(history.val_loss), abs=1e-5)


def test_no_validation_split_watches_the_train_loss(moons):
    dist = small_flow("maf")
    history = training.train(dist, moons.x, epochs=20, learning_rate=1e-2, validation_split=0.0)
    assert history.val_loss == [] and len(history.train_loss) == len(history.epochs) == 20
    assert history.best_epoch is not None and not history.diverged
    # train_loss of epoch e is measured during its step, before the update; the weights kept are the
    # best ones after an epoch, so they are at least as good as the best recorded epoch.
    assert nll(dist, moons.x) <= min(history.train_loss) + 1e-4


# --- RealNVP trains; the template cannot ------------------------------------------------------------


def test_real_nvp_builder_trains_and_lowers_its_held_out_nll(moons):
    dist = small_flow("real_nvp")
    assert len(dist.trainable_variables) > 0
    before = metrics.heldout_nll(dist, moons, n=5000)
    initial = weights(dist)
    training.train(dist, moons.x, epochs=300, learning_rate=1e-2)
    after = metrics.heldout_nll(dist, moons, n=5000)
    assert after < before - 0.5 and after < 2.4
    assert any(not np.array_equal(a, b) for a, b in zip(initial, weights(dist), strict=True))


@pytest.mark.filterwarnings("ignore:.*tf.layers.dense")
def test_the_real_nvp_template_has_no_trainable_variables_and_training_it_is_refused(moons):
    dist = builders.make_flow(builders.make_real_nvp_template(hidden_units=(8, 8)), 2)
    dist.log_prob(moons.x[:5])  # even once its variables exist, TF2 cannot see them
    assert len(dist.trainable_variables) == 0
    with pytest.raises(ValueError, match="trainable variables"):
        training.train(dist, moons.x, epochs=2)
    with pytest.raises(ValueError, match="trainable variables"):
        training.train_keras(dist, moons.x, epochs=2)


# --- snapshots, minibatches, schedules --------------------------------------------------------------


def test_snapshots_are_stored_at_the_requested_epochs(moons):
    dist = small_flow("maf")
    before = training.default_snapshot_fn()(dist)  # same base points, the untrained flow
    history = training.train(dist, moons.x, epochs=10, learning_rate=1e-2, snapshot_epochs=[0, 5, 10])
    assert sorted(history.snapshots) == [0, 5, 10]
    for snapshot in history.snapshots.values():
        assert isinstance(snapshot, np.ndarray) and snapshot.shape == (1000, 2)
        assert np.all(np.isfinite(snapshot))
    np.testing.assert_array_equal(history.snapshots[0], before)
    assert np.max(np.abs(history.snapshots[10] - history.snapshots[0])) > 1e-2
    assert not np.array_equal(history.snapshots[5], history.snapshots[10])


def test_minibatch_training_takes_more_steps_per_epoch(moons):
    full = small_flow("maf", seed=1)
    mini = small_flow("maf", seed=1)
    np.testing.assert_array_equal(nll(full, moons.x), nll(mini, moons.x))
    full_history = training.train(full, moons.x, epochs=10, learning_rate=1e-2)
    mini_history = training.train(mini, moons.x, epochs=10, learning_rate=1e-2, batch_size=100, seed=3)
    assert mini_history.epochs == list(range(1, 11)) and len(mini_history.val_loss) == 10
    assert mini_history.val_loss[-1] < mini_history.val_loss[0] - 0.1
    # 8 steps an epoch against 1: the minibatch flow is further along from the first epoch on
    assert mini_history.val_loss[0] < full_history.val_loss[0] - 0.05
    assert mini_history.val_loss[-1] < full_history.val_loss[-1] - 0.1


def test_cosine_schedule_and_input_noise_run_and_train(moons):
    dist = small_flow("maf")
    history = training.train(dist, moons.x, epochs=20, learning_rate=1e-2, schedule="cosine", noise_std=0.05)
    assert len(history.epochs) == 20 and history.val_loss[-1] < history.val_loss[0] - 0.05


# --- divergence --------------------------------------------------------------------------------------


def test_a_nan_loss_stops_training_and_restores_the_best_finite_weights(moons, capsys):
    dist = small_flow("maf")
    saved = {}

    def poison(d):
        """At epoch 5, after its bookkeeping, set one weight to NaN: epoch 6's loss is NaN."""
        saved["weights"] = weights(d)
        kernel = d.trainable_variables[0]
        kernel.assign(tf.fill(kernel.shape, float("nan")))
        return np.zeros((1, 2), np.float32)

    history = training.train(dist, moons.x, epochs=50, learning_rate=1e-2, snapshot_epochs=[5], snapshot_fn=poison)
    assert history.diverged
    assert history.stop_reason.startswith("diverged at epoch 6")
    assert history.epochs == [1, 2, 3, 4, 5, 6]
    assert len(history.train_loss) == len(history.val_loss) == 6
    assert not math.isfinite(history.train_loss[-1])
    assert history.best_epoch == int(np.argmin(history.val_loss[:5])) + 1
    out = capsys.readouterr().out
    assert "stopped" in out and "epoch 6" in out
    restored = weights(dist)
    assert all(np.all(np.isfinite(w)) for w in restored)
    assert np.all(np.isfinite(dist.log_prob(moons.x).numpy()))
    assert nll(dist, moons.x[-200:]) == pytest.approx(min(history.val_loss[:5]), abs=1e-5)
    if history.best_epoch == 5:
        for w, s in zip(restored, saved["weights"], strict=True):
            np.testing.assert_array_equal(w, s)


@pytest.mark.parametrize("validation_split", [0.2, 0.0])
def test_a_diverging_learning_rate_is_caught_and_leaves_a_usable_flow(moons, validation_split, capsys):
    """The tutorial's unclamped MAF with a huge learning rate: the loss overflows within an epoch or two.

    Whatever epoch it happens at, the flow left behind must give finite log-probabilities (with no
    validation set, the weights kept must be those whose loss was watched, not the ones after the step).
    """
    dist = small_flow("maf", log_scale_clamp=None)
    initial_nll = nll(dist, moons.x)
    history = training.train(dist, moons.x, epochs=50, learning_rate=10.0, validation_split=validation_split)
    assert history.diverged and len(history.epochs) < 50
    assert "stopped" in capsys.readouterr().out
    assert all(np.all(np.isfinite(w)) for w in weights(dist))
    assert np.all(np.isfinite(dist.log_prob(moons.x).numpy()))
    if history.best_epoch is None:  # no finite epoch: the initial weights are back
        assert nll(dist, moons.x) == pytest.approx(initial_nll, abs=1e-6)


def test_the_divergence_message_names_the_restored_weights_exactly(moons, capsys):
    dist = small_flow("maf", log_scale_clamp=None)
    history = training.train(dist, moons.x, epochs=50, learning_rate=10.0)
    assert history.diverged
    restored = "the initial weights" if history.best_epoch is None else f"the weights of epoch {history.best_epoch}"
    assert history.stop_reason.endswith(f"; restored {restored}")
    assert "None" not in history.stop_reason
    assert capsys.readouterr().out.strip() == f"Training stopped: {history.stop_reason}."


def test_far_outliers_in_the_data_give_a_warning_and_clean_data_none(moons):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # clean, standardized data: no warning at all
        training.train(small_flow("maf"), moons.x, epochs=1)
    x = moons.x.copy()
    x[:5] = 1e4
    with pytest.warns(UserWarning, match=r"5 of 1000 rows of x lie more than 10 standard deviations"):
        training.train(small_flow("maf"), x, epochs=1)
    with pytest.warns(UserWarning, match="5 of 1000 rows of x"):
        training.train_keras(small_flow("maf"), x, epochs=1)


def test_a_validation_split_that_leaves_no_training_rows_is_named():
    with pytest.raises(ValueError, match=r"validation_split=0.6 leaves no training rows of 2"):
        training.train(small_flow("maf"), np.zeros((2, 2), np.float32), epochs=1, validation_split=0.6)


# --- the Keras route ---------------------------------------------------------------------------------


def test_train_keras_returns_the_same_history_format_and_lowers_the_loss(moons):
    dist = small_flow("maf")
    history = training.train_keras(dist, moons.x, epochs=20, learning_rate=1e-2)
    assert isinstance(history, training.TrainingHistory)
    assert history.method == "Keras fit"
    assert history.epochs == list(range(1, 21))
    assert len(history.train_loss) == len(history.val_loss) == 20
    assert history.stop_reason == "completed" and not history.diverged
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1
    assert history.train_loss[-1] < history.train_loss[0] - 0.1
    assert history.val_loss[-1] < history.val_loss[0] - 0.05
    # Keras' val_loss is the NLL of the last 20% rows with the final weights (Keras keeps the last ones)
    assert nll(dist, moons.x[-200:]) == pytest.approx(history.val_loss[-1], abs=1e-4)


# --- bad arguments -----------------------------------------------------------------------------------


@pytest.fixture
def spied_flow(monkeypatch):
    """A trainable flow whose log_prob fails loudly: a bad argument must be refused before any training."""
    dist = small_flow("maf")

    def log_prob(*args, **kwargs):
        raise AssertionError("log_prob was called: training started before the arguments were checked")

    monkeypatch.setattr(dist, "log_prob", log_prob)
    return dist


GOOD_X = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
NAN_X = GOOD_X.copy()
NAN_X[7, 1] = np.nan
BAD_X = [
    pytest.param(np.zeros((50, 3), np.float32), id="x-3-columns"),
    pytest.param(NAN_X, id="x-nan"),
    pytest.param(np.where(np.arange(100).reshape(50, 2) == 3, np.inf, GOOD_X), id="x-inf"),
    pytest.param(GOOD_X[:, 0], id="x-1d"),
    pytest.param(GOOD_X[None], id="x-3d"),
    pytest.param(GOOD_X[:1], id="x-one-row"),
    pytest.param("points", id="x-string"),
]
COMMON_BAD = [
    ("epochs", 0),
    ("epochs", -3),
    ("epochs", 2.5),
    ("epochs", True),
    ("batch_size", 0),
    ("batch_size", -1),
    ("batch_size", 8.0),
    ("learning_rate", -1),
    ("learning_rate", 0),
    ("learning_rate", float("nan")),
    ("learning_rate", "0.1"),
    ("validation_split", 1.0),
    ("validation_split", -0.1),
    ("validation_split", 1.5),
    ("report_every", -1),
]
TRAIN_ONLY_BAD = [
    ("schedule", "linear"),
    ("schedule", None),
    ("patience", 0),
    ("patience", 1.5),
    ("snapshot_epochs", [-1]),
    ("snapshot_epochs", [0, 2.5]),
    ("noise_std", -0.1),
]


@pytest.mark.parametrize("x", BAD_X)
@pytest.mark.parametrize("trainer", [training.train, training.train_keras])
def test_trainers_reject_bad_data_naming_x(spied_flow, trainer, x):
    with pytest.raises((ValueError, TypeError), match="^x "):
        trainer(spied_flow, x, epochs=2)


@pytest.mark.parametrize("argument, value", COMMON_BAD + TRAIN_ONLY_BAD)
def test_train_rejects_bad_arguments_naming_them_before_training(spied_flow, argument, value):
    before = weights(spied_flow)
    with pytest.raises((ValueError, TypeError), match=argument):
        training.train(spied_flow, GOOD_X, **{"epochs": 2, argument: value})
    for w, b in zip(weights(spied_flow), before, strict=True):
        np.testing.assert_array_equal(w, b)


@pytest.mark.parametrize("argument, value", COMMON_BAD)
def test_train_keras_rejects_bad_arguments_naming_them_before_training(spied_flow, argument, value):
    with pytest.raises((ValueError, TypeError), match=argument):
        training.train_keras(spied_flow, GOOD_X, **{"epochs": 2, argument: value})


@pytest.mark.parametrize("trainer", [training.train, training.train_keras])
def test_trainers_reject_something_that_is_not_a_distribution(trainer):
    with pytest.raises(TypeError, match="dist"):
        trainer(builders.make_maf(2, (8,)), GOOD_X)


@pytest.mark.parametrize("x", BAD_X[1:])  # any column count is fine for the default flow, but not 1
def test_fit_default_flow_rejects_bad_data_naming_x(x):
    with pytest.raises((ValueError, TypeError), match="x"):
        training.fit_default_flow(x)


@pytest.mark.parametrize("argument, value", [("epochs", 0), ("schedule", "linear")])
def test_fit_default_flow_passes_overrides_through_the_checks(argument, value):
    with pytest.raises((ValueError, TypeError), match=argument):
        training.fit_default_flow(GOOD_X, **{argument: value})


def test_train_keras_after_a_divergence_restores_finite_weights_and_says_so(moons, capsys):
    dist = small_flow("maf", log_scale_clamp=None)
    initial = weights(dist)
    history = training.train_keras(dist, moons.x, epochs=50, learning_rate=10.0)
    assert history.diverged and len(history.epochs) < 50
    assert all(np.all(np.isfinite(w)) for w in weights(dist))
    assert np.all(np.isfinite(dist.log_prob(moons.x).numpy()))
    restored = "the initial weights" if history.best_epoch is None else f"the weights of epoch {history.best_epoch}"
    assert history.stop_reason.endswith(f"; restored {restored}")
    assert capsys.readouterr().out.strip().endswith(f"restored {restored}.")
    if history.best_epoch is None:
        for w, w0 in zip(weights(dist), initial, strict=True):
            np.testing.assert_array_equal(w, w0)
    else:
        watched = history.val_loss or history.train_loss
        assert nll(dist, moons.x[-200:]) == pytest.approx(watched[history.best_epoch - 1], abs=1e-4)


def test_the_compiled_step_is_traced_once_because_adams_slots_exist_before_the_first_call():
    flow = builders.make_flow(builders.make_maf(2, hidden_units=(4,), seed=0), 2)
    train_step, _ = training._compiled_steps(flow, training._adam(1e-3, "constant", 10), noise_std=0.0, seed=0)
    batch = tf.constant(np.random.default_rng(0).normal(size=(8, 2)), tf.float32)
    for _ in range(3):
        train_step(batch)
    assert train_step.experimental_get_tracing_count() == 1
