"""Exercises 05.x (coupling layers): references agree with TFP, right answers pass, typical mistakes fail helpfully."""

import math

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


# --- the references are what TFP computes -----------------------------------------------------


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


# --- right answers pass, however written ---------------------------------------------------------


def test_answers_written_with_tensorflow_or_tfp_pass(capsys):
    def forward_tf(z, num_masked, shift_and_log_scale_fn):
        z = tf.convert_to_tensor(z)
        z_masked, z_other = z[:, :num_masked], z[:, num_masked:]
        shift, log_scale = shift_and_log_scale_fn(z_masked, z_other.shape[-1])
        if log_scale is None:
            log_scale = tf.zeros_like(z_other)
        return tf.concat([z_masked, shift + tf.exp(log_scale) * z_other], axis=1)

    def inverse_with_tfp(x, num_masked, shift_and_log_scale_fn):
        return tfb.RealNVP(num_masked=num_masked, shift_and_log_scale_fn=shift_and_log_scale_fn).inverse(x)

    def log_det_loop(z, num_masked, shift_and_log_scale_fn):
        out = []
        for row in z:  # one row at a time, in Python floats
            _, log_scale = shift_and_log_scale_fn(row[None, :num_masked], len(row) - num_masked)
            out.append(0.0 if log_scale is None else float(np.sum(log_scale)))
        return out

    exercises.check("05.1", forward_tf)
    exercises.check("05.2", inverse_with_tfp)
    exercises.check("05.3", log_det_loop)
    exercises.check("05.4", lambda event_size, fraction_masked: round(event_size * fraction_masked))
    assert capsys.readouterr().out.count("Passed:") == 4


# --- typical mistakes fail with a message that says what and how -----------------------------------


def _failure(exercise_id: str, answer) -> str:
    with pytest.raises(exercises.ExerciseFailed) as failure:
        exercises.check(exercise_id, answer)
    message = str(failure.value)
    assert "Hint:" in message and "expected" in message
    return message


def test_forgetting_exp_in_the_forward_pass_fails():
    def no_exp(z, num_masked, shift_and_log_scale_fn):
        shift, log_scale = shift_and_log_scale_fn(z[:, :num_masked], z.shape[1] - num_masked)
        return np.concatenate([z[:, :num_masked], shift + log_scale * z[:, num_masked:]], axis=1)

    message = _failure("05.1", no_exp)
    assert "case 1 of 5 (D = 2, d = 1)" in message and "got:" in message and "exp" in message


def test_transforming_the_masked_half_fails():
    def wrong_half(z, num_masked, shift_and_log_scale_fn):
        shift, log_scale = shift_and_log_scale_fn(z[:, num_masked:], num_masked)
        return np.concatenate([shift + np.exp(log_scale) * z[:, :num_masked], z[:, num_masked:]], axis=1)

    message = _failure("05.1", wrong_half)
    assert "values differ" in message and "passed through unchanged" in message


def test_a_forward_pass_that_ignores_nice_fails_on_the_nice_case_only():
    def ignores_none(z, num_masked, shift_and_log_scale_fn):
        shift, log_scale = shift_and_log_scale_fn(z[:, :num_masked], z.shape[1] - num_masked)
        return np.concatenate([z[:, :num_masked], shift + np.exp(log_scale) * z[:, num_masked:]], axis=1)

    message = _failure("05.1", ignores_none)
    assert "case 5 of 5 (NICE" in message and "your function raised TypeError" in message and "None" in message


@pytest.mark.parametrize("mistake", ["shift after dividing", "multiplies by exp", "network on the other half"])
def test_typical_inverse_mistakes_fail(mistake):
    def wrong_inverse(x, num_masked, shift_and_log_scale_fn):
        masked, other = x[:, :num_masked], x[:, num_masked:]
        source = other if mistake == "network on the other half" else masked
        shift, log_scale = shift_and_log_scale_fn(source[:, :num_masked] if source is other else source, other.shape[1])
        log_scale = np.zeros_like(other) if log_scale is None else log_scale
        if mistake == "shift after dividing":
            other = other * np.exp(-log_scale) - shift
        elif mistake == "multiplies by exp":
            other = (other - shift) * np.exp(log_scale)
        else:
            other = (other - shift) * np.exp(-log_scale)
        return np.concatenate([masked, other], axis=1)

    message = _failure("05.2", wrong_inverse)
    assert "got:" in message and "subtract" in message


def test_log_det_mistakes_fail_with_the_reason():
    def per_dimension(z, num_masked, shift_and_log_scale_fn):  # forgot to sum over the last axis
        return shift_and_log_scale_fn(z[:, :num_masked], z.shape[1] - num_masked)[1]

    def sums_scales(z, num_masked, shift_and_log_scale_fn):  # exp: the sum of the scales, not log-scales
        return np.sum(np.exp(shift_and_log_scale_fn(z[:, :num_masked], z.shape[1] - num_masked)[1]), axis=-1)

    assert "shape is (4, 1), expected (4,)" in _failure("05.3", per_dimension)
    assert "values differ" in _failure("05.3", sums_scales)


@pytest.mark.parametrize(
    "answer, words",
    [
        (lambda event_size, fraction_masked: int(event_size * fraction_masked), "rounded down"),
        (lambda event_size, fraction_masked: math.ceil(event_size * fraction_masked), "rounded up"),
        (lambda event_size, fraction_masked: int(event_size * fraction_masked + 0.5), "even neighbour"),
        (lambda event_size, fraction_masked: [round(event_size * fraction_masked)], "expected one whole number"),
    ],
)
def test_wrong_rounding_rules_fail_naming_the_rule(answer, words):
    message = _failure("05.4", answer)
    assert words in message and "np.round" in message
