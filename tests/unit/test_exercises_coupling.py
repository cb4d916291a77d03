"""Exercises 05.x (coupling layers): the references agree with TFP and autodiff, the debug exercise's bug is real,
and the predict-then-run counts are what the stacks do. Right and wrong answers are in the catalogue,
tests/unit/catalogue/test_catalogue_05.py."""

import numpy as np
import pytest

from course_utils import exercises, inspection
from course_utils._tf import tf, tfp
from course_utils.exercises import coupling, coupling_stacks

tfb = tfp.bijectors


def tfp_layer(case: exercises.Case) -> tfb.RealNVP:
    """The tfb.RealNVP layer a 05.5 case describes."""
    return tfb.RealNVP(
        num_masked=case.kwargs["num_masked"], shift_and_log_scale_fn=case.kwargs["shift_and_log_scale_fn"]
    )


def test_the_coupling_layer_reference_agrees_with_tfb_real_nvp_and_autodiff():
    for case in exercises.get("05.5").cases():
        layer, points = tfp_layer(case), case.kwargs["points"]
        x, log_det, z = coupling.coupling_layer(**case.kwargs)
        assert not np.allclose(x, points), case.description  # the case really transforms something
        np.testing.assert_allclose(x, layer.forward(tf.constant(points)).numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(z, layer.inverse(tf.constant(points)).numpy(), rtol=1e-5, atol=1e-5)
        jacobians = inspection.jacobian(layer, points).astype(np.float64)
        np.testing.assert_allclose(log_det * np.ones(len(points)), np.linalg.slogdet(jacobians)[1], atol=1e-5)


def test_the_planted_bug_changes_log_prob_on_every_debug_case_and_the_fix_round_trips():
    points = coupling_stacks.DEBUG_POINTS
    for case in exercises.get("05.6").cases():
        buggy, fixed = coupling_stacks.make_buggy_flow(**case.kwargs), coupling_stacks.make_fixed_flow(**case.kwargs)
        assert not np.allclose(buggy.log_prob(points), fixed.log_prob(points), atol=1e-3), case.description
        x = fixed.bijector.forward(points)
        np.testing.assert_allclose(fixed.bijector.inverse(tf.identity(x)).numpy(), points, atol=1e-4)


def test_the_predict_then_run_counts_follow_from_which_coordinates_each_layer_copies():
    assert coupling_stacks.unchanged_counts() == {"A": 2, "B": 2, "C": 0, "D": 1, "E": 0}


@pytest.mark.parametrize(
    "columns, output_units, words",
    [(2, 2, "takes the num_masked = 1 copied columns, got 2"), (1, 1, "output_units must be the number")],
)
def test_the_case_networks_refuse_the_wrong_part_or_output_units(columns, output_units, words):
    fn = exercises.get("05.5").cases()[1].kwargs["shift_and_log_scale_fn"]  # D = 3, d = 1: 2 transformed dims
    fn(np.zeros((4, 1), np.float32), 2)
    with pytest.raises(ValueError, match=words):
        fn(np.zeros((4, columns), np.float32), output_units)
