"""Exercises 02.x (autoregressive flows and MADE): right answers pass however written, wrong ones fail helpfully."""

import numpy as np
import pytest

from course_utils import exercises
from course_utils._tf import tf, tfp
from course_utils.exercises.autoregressive import MadeConditioner

tfb = tfp.bijectors


def test_the_cases_use_networks_whose_every_output_matters():
    fn = MadeConditioner(3, seed=2)
    shift, log_scale = fn(np.zeros((1, 3), np.float32))
    assert np.all(np.abs(shift) > 1e-3) and np.all(np.abs(log_scale) > 1e-3)  # even the constant first outputs
    float64_input = fn(np.zeros((1, 3)))  # NumPy float64 and tensors are accepted alike
    np.testing.assert_allclose(float64_input[0], shift)


# --- 02.1 sampling one dimension at a time ---------------------------------------------------------


def test_sampling_written_in_numpy_one_column_per_pass_passes(capsys):
    def column_by_column(shift_and_log_scale, z):
        z = np.asarray(z)
        x = np.zeros_like(z)
        for i in range(z.shape[1]):
            shift, log_scale = (np.asarray(t) for t in shift_and_log_scale(x))
            x[:, i] = shift[:, i] + np.exp(log_scale[:, i]) * z[:, i]
        return x

    exercises.check("02.1", column_by_column)
    assert capsys.readouterr().out.startswith("Passed")


def test_sampling_with_the_maf_bijector_passes(capsys):
    exercises.check("02.1", lambda shift_and_log_scale, z: tfb.MaskedAutoregressiveFlow(shift_and_log_scale).forward(z))
    assert capsys.readouterr().out.startswith("Passed")


@pytest.mark.parametrize("passes", [1, "D-1"])
def test_too_few_passes_fail_with_the_reason(passes):
    def short_loop(shift_and_log_scale, z):
        x = tf.zeros_like(z)
        for _ in range(1 if passes == 1 else z.shape[-1] - 1):
            shift, log_scale = shift_and_log_scale(x)
            x = shift + tf.exp(log_scale) * z
        return x

    with pytest.raises(exercises.ExerciseFailed) as failure:
        exercises.check("02.1", short_loop)
    message = str(failure.value)
    assert "case 1 of 3 (D = 2)" in message and "the values differ" in message
    assert "fewer than D passes leave the last entries wrong" in message


def test_sampling_with_the_inverse_formula_fails():
    def inverse_instead(shift_and_log_scale, z):
        shift, log_scale = shift_and_log_scale(z)
        return (z - shift) * tf.exp(-log_scale)

    with pytest.raises(exercises.ExerciseFailed, match="expected:.*\n.*"):
        exercises.check("02.1", inverse_instead)


# --- 02.2 the log-determinant ----------------------------------------------------------------------


def test_log_det_from_an_autodiff_jacobian_passes(capsys):
    def by_autodiff(shift_and_log_scale, z):
        z = tf.constant(z)
        with tf.GradientTape() as tape:
            tape.watch(z)
            x = tfb.MaskedAutoregressiveFlow(shift_and_log_scale).forward(z)
        return np.linalg.slogdet(tape.batch_jacobian(x, z).numpy())[1]

    exercises.check("02.2", by_autodiff)
    assert capsys.readouterr().out.startswith("Passed")


def test_log_scales_taken_at_z_instead_of_x_fail_and_the_hint_says_so():
    def at_z(shift_and_log_scale, z):
        _, log_scale = shift_and_log_scale(z)
        return np.sum(log_scale, axis=-1)

    with pytest.raises(exercises.ExerciseFailed) as failure:
        exercises.check("02.2", at_z)
    assert "computed from x (the output), not from z" in str(failure.value)


def test_a_log_det_that_is_not_summed_fails_on_its_shape():
    def per_dimension(shift_and_log_scale, z):
        x = tfb.MaskedAutoregressiveFlow(shift_and_log_scale).forward(z)
        return shift_and_log_scale(x)[1]

    with pytest.raises(exercises.ExerciseFailed, match=r"shape is \(5, 2\), expected \(5,\)"):
        exercises.check("02.2", per_dimension)


# --- 02.3 the MADE mask rule -----------------------------------------------------------------------


def test_a_mask_built_with_loops_and_integers_passes(capsys):
    def loops(in_degrees, out_degrees, is_output):
        mask = np.zeros((len(in_degrees), len(out_degrees)), dtype=int)
        for a, d_in in enumerate(in_degrees):
            for b, d_out in enumerate(out_degrees):
                mask[a, b] = int(d_out > d_in if is_output else d_out >= d_in)
        return mask

    exercises.check("02.3", loops)
    assert capsys.readouterr().out.startswith("Passed")


def test_the_hidden_rule_used_for_the_output_fails_naming_the_connection():
    with pytest.raises(exercises.ExerciseFailed) as failure:
        exercises.check("02.3", lambda in_degrees, out_degrees, is_output: in_degrees[:, None] <= out_degrees[None, :])
    message = str(failure.value)
    assert "case 3 of 6 (hidden 2 -> outputs)" in message
    assert "a unit of degree 1 feeding an output of degree 1 must be blocked" in message


def test_the_strict_rule_everywhere_fails_on_the_first_hidden_layer():
    with pytest.raises(exercises.ExerciseFailed) as failure:
        exercises.check("02.3", lambda in_degrees, out_degrees, is_output: in_degrees[:, None] < out_degrees[None, :])
    assert "case 1 of 6" in str(failure.value) and "must be allowed" in str(failure.value)


def test_a_transposed_mask_is_recognised():
    def transposed(in_degrees, out_degrees, is_output):
        d_in, d_out = np.asarray(in_degrees), np.asarray(out_degrees)
        return (d_in[None, :] < d_out[:, None]) if is_output else (d_in[None, :] <= d_out[:, None])

    with pytest.raises(exercises.ExerciseFailed, match=r"transposed\? rows are the units in"):
        exercises.check("02.3", transposed)


def test_a_mask_that_is_not_boolean_fails():
    with pytest.raises(exercises.ExerciseFailed, match="only True/False"):
        exercises.check(
            "02.3",
            lambda in_degrees, out_degrees, is_output: np.subtract.outer(out_degrees, in_degrees).T.astype(float),
        )
