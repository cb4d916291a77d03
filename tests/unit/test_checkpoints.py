"""Saving and restoring flows: a restored flow has the saved log_prob, a fresh one does not, and a checkpoint that
does not fit the flow built for it is refused with a message that says so."""

import numpy as np
import pytest

from course_utils import builders, checkpoints, mixing, splines
from course_utils._tf import tf

X = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)


def _maf(seed=0, width=8):
    return builders.make_flow(builders.make_stack("maf", 2, 2, hidden_units=(width, width), seed=seed), 2)


def _spline(seed=0):
    return builders.make_flow(splines.make_spline_stack(2, 2, hidden_units=(6,), bins=4, seed=seed), 2)


def _real_nvp_lu(seed=0):
    return builders.make_flow(
        mixing.make_mixed_stack(lambda s: builders.make_real_nvp(2, (6,), seed=s), 2, 2, mixing="lu", seed=seed), 2
    )


def _trained_like(flow, seed=1):
    """Move every variable, as training would: a fresh build can no longer match it."""
    rng = np.random.default_rng(seed)
    for variable in flow.trainable_variables:
        variable.assign_add(0.3 * rng.normal(size=variable.shape).astype(np.float32))
    return flow


@pytest.mark.parametrize("build", [_maf, _spline, _real_nvp_lu], ids=["maf", "spline", "real_nvp_lu"])
def test_a_restored_flow_has_the_saved_log_prob_and_a_fresh_one_does_not(build, tmp_path):
    saved = _trained_like(build(seed=0))
    path = checkpoints.save_flow(saved, tmp_path / "flow")
    restored = checkpoints.restore_flow(lambda: build(seed=5), path)
    np.testing.assert_allclose(restored.log_prob(X).numpy(), saved.log_prob(X).numpy(), rtol=1e-6, atol=1e-6)
    assert not np.allclose(build(seed=5).log_prob(X).numpy(), saved.log_prob(X).numpy(), atol=1e-3)


def test_the_checkpoint_lists_every_variable_of_the_flow(tmp_path):
    flow = _maf()
    path = checkpoints.save_flow(flow, tmp_path / "sub" / "flow")  # missing folders are made
    stored = checkpoints.saved_variables(path)
    assert len(stored) == len(flow.trainable_variables)
    assert sorted(shape for _, shape in stored) == sorted(tuple(v.shape) for v in flow.trainable_variables)
    assert all(name.startswith("flow/_bijector/") for name, _ in stored)


def test_a_checkpoint_of_another_width_is_refused(tmp_path):
    path = checkpoints.save_flow(_maf(width=8), tmp_path / "flow")
    with pytest.raises(ValueError, match="does not fit the flow build_flow\\(\\) built"):
        checkpoints.restore_flow(lambda: _maf(width=9), path)


def test_a_checkpoint_of_another_kind_is_refused(tmp_path):
    path = checkpoints.save_flow(_maf(), tmp_path / "flow")
    with pytest.raises(ValueError, match="some of its variables got no value"):
        checkpoints.restore_flow(_spline, path)


def test_a_flow_saved_under_another_name_is_refused(tmp_path):
    path = tf.train.Checkpoint(model=_maf()).write(str(tmp_path / "flow"))
    with pytest.raises(ValueError, match="some of its variables got no value"):
        checkpoints.restore_flow(_maf, path)


def test_state_saved_along_with_the_flow_does_not_get_in_the_way(tmp_path):
    flow = _trained_like(_maf())
    path = tf.train.Checkpoint(flow=flow, step=tf.Variable(3)).write(str(tmp_path / "flow"))  # a training step count
    restored = checkpoints.restore_flow(_maf, path)
    np.testing.assert_allclose(restored.log_prob(X).numpy(), flow.log_prob(X).numpy(), atol=1e-6)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda p: checkpoints.save_flow("flow", p / "f"), TypeError, "flow must be a tfp distribution"),
        (lambda p: checkpoints.save_flow(builders.make_base(2), p / "f"), ValueError, "flow has no trainable"),
        (lambda p: checkpoints.save_flow(_maf(), 3), TypeError, "prefix must be a path"),
        (lambda p: checkpoints.restore_flow(_maf(), p / "f"), TypeError, "build_flow must be a function"),
        (lambda p: checkpoints.restore_flow(_maf, p / "missing"), FileNotFoundError, "path .* holds no checkpoint"),
        (lambda p: checkpoints.saved_variables(None), TypeError, "path must be a path"),
    ],
)
def test_bad_arguments_are_named(call, error, match, tmp_path):
    with pytest.raises(error, match=match):
        call(tmp_path)


def test_build_flow_must_build_a_flow(tmp_path):
    path = checkpoints.save_flow(_maf(), tmp_path / "flow")
    with pytest.raises(TypeError, match=r"build_flow\(\) must be a tfp distribution"):
        checkpoints.restore_flow(lambda: "a flow", path)
