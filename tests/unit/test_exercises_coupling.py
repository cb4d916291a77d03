"""Exercises 05.x (coupling layers): the references agree with TFP, and the cases' networks refuse wrong inputs.

Right and wrong answers are in the catalogue, tests/unit/catalogue/test_catalogue_05.py.
"""

import numpy as np
import pytest

from course_utils import exercises, inspection
from course_utils._tf import tf, tfp
from course_utils.exercises import coupling

tfb = tfp.bijectors


def tfp_layer(case: exercises.Case) -> tfb.RealNVP:
    """The tfb.RealNVP layer a coupling case describes."""
    return tfb.RealNVP(
        num_masked=case.kwargs["num_masked"], shift_and_log_scale_fn=case.kwargs["shift_and_log_scale_fn"]
    )


def test_forward_inverse_and_log_det_references_agree_with_tfb_real_nvp():
    for case in exercises.get("05.1").cases():
        layer, z = tfp_layer(case), case.kwargs["z"]
        x = coupling.coupling_forward(**case.kwargs)
        assert not np.allclose(x, z), case.description  # the case really transforms something
        np.testing.assert_allclose(x, layer.forward(tf.constant(z)).numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(
            coupling.coupling_log_det(**case.kwargs),
            layer.forward_log_det_jacobian(tf.constant(z), event_ndims=1).numpy() * np.ones(len(z)),
            rtol=1e-5,
            atol=1e-5,
        )
        np.testing.assert_allclose(
            coupling.coupling_inverse(x, case.kwargs["num_masked"], case.kwargs["shift_and_log_scale_fn"]),
            z,
            rtol=1e-5,
            atol=1e-5,
        )
    for case in exercises.get("05.2").cases():
        layer, x = tfp_layer(case), case.kwargs["x"]
        np.testing.assert_allclose(
            coupling.coupling_inverse(**case.kwargs), layer.inverse(tf.constant(x)).numpy(), rtol=1e-5, atol=1e-5
        )


def test_the_log_det_reference_agrees_with_autodiff():
    for case in exercises.get("05.3").cases():
        jacobians = inspection.jacobian(tfp_layer(case), case.kwargs["z"]).astype(np.float64)
        np.testing.assert_allclose(coupling.coupling_log_det(**case.kwargs), np.linalg.slogdet(jacobians)[1], atol=1e-5)


def test_masked_count_reference_is_what_tfb_real_nvp_masks():
    for case in exercises.get("05.4").cases():
        size, fraction = case.kwargs["event_size"], case.kwargs["fraction_masked"]
        layer = tfb.RealNVP(
            fraction_masked=fraction,
            shift_and_log_scale_fn=lambda x0, n: (tf.ones_like(x0[..., :1]) + tf.zeros([n]), None),
        )
        unchanged = inspection.unchanged_dims(layer, np.random.default_rng(0).normal(size=(4, size)))
        expected = coupling.masked_count(size, fraction)
        assert unchanged.tolist() == [True] * expected + [False] * (size - expected), case.description


@pytest.mark.parametrize(
    "columns, output_units, words",
    [(2, 2, "takes the num_masked = 1 copied columns, got 2"), (1, 1, "output_units must be the number")],
)
def test_the_case_networks_refuse_the_wrong_part_or_output_units(columns, output_units, words):
    fn = exercises.get("05.1").cases()[1].kwargs["shift_and_log_scale_fn"]  # D = 3, d = 1: 2 transformed dims
    fn(np.zeros((4, 1), np.float32), 2)
    with pytest.raises(ValueError, match=words):
        fn(np.zeros((4, columns), np.float32), output_units)
