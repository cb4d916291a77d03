"""Exercises 03.x (MAF) and 04.x (IAF): right answers pass however written, wrong ones fail helpfully."""

import numpy as np
import pytest

from course_utils import builders, exercises, pass_costs
from course_utils._tf import tf, tfp
from course_utils.exercises import maf_iaf

tfb = tfp.bijectors
tfd = tfp.distributions


def passes(exercise_id, answer, capsys) -> bool:
    exercises.check(exercise_id, answer)
    return capsys.readouterr().out.startswith(f"Passed: exercise {exercise_id}")


def failure(exercise_id, answer) -> str:
    with pytest.raises(exercises.ExerciseFailed) as caught:
        exercises.check(exercise_id, answer)
    return str(caught.value)


# --- 03.1 the MAF inverse in one pass --------------------------------------------------------------


def test_inverse_in_numpy_passes(capsys):
    def numpy_inverse(shift_and_log_scale, x):
        shift, log_scale = (np.asarray(t) for t in shift_and_log_scale(x))
        return (x - shift) / np.exp(log_scale)

    assert passes("03.1", numpy_inverse, capsys)


def test_inverse_with_the_tfp_bijector_passes(capsys):
    assert passes(
        "03.1", lambda shift_and_log_scale, x: tfb.MaskedAutoregressiveFlow(shift_and_log_scale).inverse(x), capsys
    )


def test_an_inverse_that_calls_the_network_twice_fails_on_the_count():
    def twice(shift_and_log_scale, x):
        shift, _ = shift_and_log_scale(x)
        _, log_scale = shift_and_log_scale(x)
        return (x - shift) * tf.exp(-log_scale)

    message = failure("03.1", twice)
    assert "the values are right, but your function called shift_and_log_scale 2 times" in message


def test_an_inverse_that_multiplies_by_the_scale_fails_on_the_values():
    def wrong_sign(shift_and_log_scale, x):
        shift, log_scale = shift_and_log_scale(x)
        return (x - shift) * tf.exp(log_scale)

    message = failure("03.1", wrong_sign)
    assert "the values differ" in message and "Hint: x is given" in message


# --- 03.2 the log-density by hand ------------------------------------------------------------------


def test_log_prob_with_tfd_normal_passes(capsys):
    def with_tfd(shift_and_log_scale, x):
        shift, log_scale = shift_and_log_scale(x)
        z = (x - shift) * tf.exp(-log_scale)
        return tf.reduce_sum(tfd.Normal(0.0, 1.0).log_prob(z) - log_scale, axis=-1)

    assert passes("03.2", with_tfd, capsys)


def test_log_prob_with_the_log_det_added_fails_with_the_sign_hint():
    def plus_log_det(shift_and_log_scale, x):
        shift, log_scale = shift_and_log_scale(x)
        z = (x - shift) * tf.exp(-log_scale)
        return tf.reduce_sum(tfd.Normal(0.0, 1.0).log_prob(z) + log_scale, axis=-1)

    message = failure("03.2", plus_log_det)
    assert "the values differ" in message and "enters with a minus sign" in message


def test_log_prob_without_the_normalising_constant_fails():
    def no_constant(shift_and_log_scale, x):
        shift, log_scale = shift_and_log_scale(x)
        z = (x - shift) * tf.exp(-log_scale)
        return tf.reduce_sum(-0.5 * z**2 - log_scale, axis=-1)

    assert "case 1 of 3" in failure("03.2", no_constant)


# --- 03.3 counting passes --------------------------------------------------------------------------


def test_pass_counts_written_as_conditions_pass(capsys):
    def counts(operation, event_size):
        if operation in ("forward", "sample"):
            return event_size
        return 2.0 if operation == "log_prob" else 1  # a float that is a whole number is fine

    assert passes("03.3", counts, capsys)


def test_believing_log_prob_takes_one_pass_fails_with_the_count():
    def one_pass_density(operation, event_size):
        return event_size if operation in ("forward", "sample") else 1

    message = failure("03.3", one_pass_density)
    assert "log_prob with D = 3" in message
    assert "calls its network 2 time(s) for log_prob, not 1" in message


def test_a_constant_count_for_sampling_fails_at_the_second_dimension():
    def fixed(operation, event_size):
        return {"inverse": 1, "forward": 3, "log_prob": 2, "sample": 3}[operation]

    assert "forward with D = 7" in failure("03.3", fixed)


def test_a_non_integer_count_is_refused():
    assert "whole number of calls" in failure("03.3", lambda operation, event_size: "two")


# --- 04.1 the density of an IAF sample in one pass -------------------------------------------------


def test_sample_log_prob_in_numpy_passes(capsys):
    def numpy_version(shift_and_log_scale, z):
        _, log_scale = (np.asarray(t) for t in shift_and_log_scale(z))
        return np.sum(-0.5 * z**2 - 0.5 * np.log(2 * np.pi) + log_scale, axis=1)

    assert passes("04.1", numpy_version, capsys)


def test_sample_log_prob_with_the_bijectors_log_det_passes(capsys):
    def with_bijector(shift_and_log_scale, z):
        iaf = tfb.Invert(tfb.MaskedAutoregressiveFlow(shift_and_log_scale))
        return builders.make_base(z.shape[-1]).log_prob(z) - iaf.forward_log_det_jacobian(z, event_ndims=1)

    assert passes("04.1", with_bijector, capsys)


def test_evaluating_the_sample_with_log_prob_is_right_but_fails_on_the_count():
    def the_slow_way(shift_and_log_scale, z):
        iaf = tfb.Invert(tfb.MaskedAutoregressiveFlow(shift_and_log_scale))
        x = iaf.forward(z).numpy()
        return builders.make_flow(iaf, z.shape[-1]).log_prob(x)

    message = failure("04.1", the_slow_way)
    assert "the values are right, but your function called shift_and_log_scale 4 times" in message


def test_a_log_det_with_the_wrong_sign_fails_with_the_hint():
    def wrong_sign(shift_and_log_scale, z):
        _, log_scale = shift_and_log_scale(z)
        return tf.reduce_sum(tfd.Normal(0.0, 1.0).log_prob(z) - log_scale, axis=-1)

    message = failure("04.1", wrong_sign)
    assert "the values differ" in message and "forward log-det is -sum(log_scale)" in message


def test_returning_per_dimension_values_fails_on_the_shape():
    def not_summed(shift_and_log_scale, z):
        _, log_scale = shift_and_log_scale(z)
        return tfd.Normal(0.0, 1.0).log_prob(z) + log_scale

    assert "shape is (5, 2), expected (5,)" in failure("04.1", not_summed)


# --- 04.2 the IAF density of a given point ---------------------------------------------------------


def test_iaf_log_prob_with_an_extra_pass_for_the_log_scales_passes(capsys):
    def d_plus_one(shift_and_log_scale, x):
        z = np.zeros_like(x)
        for _ in range(x.shape[-1]):
            shift, log_scale = shift_and_log_scale(z)
            z = (x * tf.exp(log_scale) + shift).numpy()
        _, log_scale = shift_and_log_scale(z)
        return tf.reduce_sum(tfd.Normal(0.0, 1.0).log_prob(z) + log_scale, axis=-1)

    assert passes("04.2", d_plus_one, capsys)


def test_iaf_log_prob_through_tfp_passes(capsys):
    def through_tfp(shift_and_log_scale, x):
        iaf = tfb.Invert(tfb.MaskedAutoregressiveFlow(shift_and_log_scale))
        return builders.make_flow(iaf, x.shape[-1]).log_prob(x)

    assert passes("04.2", through_tfp, capsys)


def test_a_wasteful_loop_fails_on_the_count():
    def twice_as_many(shift_and_log_scale, x):
        z = tf.zeros_like(x)
        for _ in range(2 * x.shape[-1]):
            shift, log_scale = shift_and_log_scale(z)
            z = x * tf.exp(log_scale) + shift
        return tf.reduce_sum(tfd.Normal(0.0, 1.0).log_prob(z) + log_scale, axis=-1)

    assert "called shift_and_log_scale 4 times; D = 2 passes recover z" in failure("04.2", twice_as_many)


def test_using_the_one_pass_inverse_of_a_maf_fails():
    def maf_inverse(shift_and_log_scale, x):
        shift, log_scale = shift_and_log_scale(x)
        z = (x - shift) * tf.exp(-log_scale)
        return tf.reduce_sum(tfd.Normal(0.0, 1.0).log_prob(z) - log_scale, axis=-1)

    assert "must be solved for z" in failure("04.2", maf_inverse)


# --- 04.3 choosing a flow --------------------------------------------------------------------------


def test_the_pass_table_matches_counts_on_real_flows():
    for kind in ("maf", "iaf"):
        costs = pass_costs.measure_pass_costs(
            kind, [3, 6], n=4, operations=pass_costs.FLOW_OPERATIONS, timed=(), hidden_units=(8, 8)
        )
        for op, counts in costs.calls.items():
            assert counts == [maf_iaf.PASSES[kind][op](d) for d in (3, 6)], (kind, op)


def test_a_choice_in_capitals_with_spaces_passes(capsys):
    def shouting(event_size, n_log_prob, n_sample, n_sample_and_log_prob):
        return f"  {maf_iaf.choose_flow(event_size, n_log_prob, n_sample, n_sample_and_log_prob).upper()} "

    assert passes("04.3", shouting, capsys)


def test_swapping_the_flows_fails_and_shows_both_costs():
    def swapped(event_size, n_log_prob, n_sample, n_sample_and_log_prob):
        return "iaf" if n_log_prob > 0 else "maf"

    message = failure("04.3", swapped)
    assert "density estimation" in message
    assert "expected 'maf', got 'iaf': this job costs 2000 passes with a MAF, 3000 with an IAF" in message


def test_ignoring_ties_fails_on_the_tie():
    def never_either(event_size, n_log_prob, n_sample, n_sample_and_log_prob):
        choice = maf_iaf.choose_flow(event_size, n_log_prob, n_sample, n_sample_and_log_prob)
        return "maf" if choice == "either" else choice

    assert "case 6 of 6" in failure("04.3", never_either)


def test_a_choice_that_is_not_a_string_is_refused():
    assert "the string 'maf', 'iaf' or 'either'" in failure("04.3", lambda **kwargs: 1)


# --- the references agree with TFP ------------------------------------------------------------------


def test_the_written_out_references_agree_with_tfp_on_every_case():
    for case in exercises.get("03.1").cases():
        fn, x = case.kwargs["shift_and_log_scale"], case.kwargs["x"]
        np.testing.assert_allclose(
            maf_iaf.maf_inverse(fn, x), tfb.MaskedAutoregressiveFlow(fn).inverse(x), rtol=1e-5, atol=1e-5
        )
    for case in exercises.get("04.1").cases():
        fn, z = case.kwargs["shift_and_log_scale"], case.kwargs["z"]
        iaf = builders.make_flow(tfb.Invert(tfb.MaskedAutoregressiveFlow(fn)), z.shape[-1])
        x = iaf.bijector.forward(z).numpy()  # a new array: log_prob must not take z from the cache
        np.testing.assert_allclose(maf_iaf.iaf_sample_log_prob(fn, z), iaf.log_prob(x), rtol=1e-4, atol=1e-4)
    for case in exercises.get("04.2").cases():
        fn, x = case.kwargs["shift_and_log_scale"], case.kwargs["x"]
        iaf = builders.make_flow(tfb.Invert(tfb.MaskedAutoregressiveFlow(fn)), x.shape[-1])
        np.testing.assert_allclose(maf_iaf.iaf_log_prob(fn, x), iaf.log_prob(x), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("exercise_id, calls", [("03.1", 1), ("04.1", 1), ("04.2", None)])
def test_the_counted_references_make_the_number_of_calls_the_checks_subtract(exercise_id, calls):
    for case in exercises.get(exercise_id).cases():
        counter = case.kwargs["shift_and_log_scale"]
        exercises.get(exercise_id).reference(**case.kwargs)
        expected = calls if calls is not None else case.kwargs["x"].shape[-1]
        assert counter.calls == expected
