"""Exercises 02.x (autoregressive flows and MADE): the cases' networks and counters, and the references against TFP.

Right and wrong answers are in the catalogue, tests/unit/catalogue/test_catalogue_02.py.
"""

import copy

import numpy as np
import pytest

from course_utils import exercises, pass_costs
from course_utils._tf import tfb
from course_utils.exercises import autoregressive
from course_utils.exercises.autoregressive import CoupledConditioner, MadeConditioner


def test_the_cases_use_networks_whose_every_output_matters():
    fn = MadeConditioner(3, seed=2)
    shift, log_scale = fn(np.zeros((1, 3), np.float32))
    assert np.all(np.abs(shift) > 1e-3) and np.all(np.abs(log_scale) > 1e-3)  # even the constant first outputs
    float64_input = fn(np.zeros((1, 3)))  # NumPy float64 and tensors are accepted alike
    np.testing.assert_allclose(float64_input[0], shift)


def test_the_coupled_conditioner_is_autoregressive():
    fn, x = CoupledConditioner(6, seed=4), np.random.default_rng(0).normal(size=(3, 6)).astype(np.float32)
    for i in range(6):
        changed = x.copy()
        changed[:, i:] += 1.0  # output i must not see x_i or anything after it
        for before, after in zip(fn(x), fn(changed), strict=True):
            np.testing.assert_allclose(before.numpy()[:, : i + 1], after.numpy()[:, : i + 1], rtol=1e-6)


def test_in_the_coupled_case_every_pass_changes_the_sample_a_lot():
    case = exercises.get("02.1").cases()[-1]
    fn, z = case.kwargs["shift_and_log_scale"], case.kwargs["z"]
    assert z.shape[0] < z.shape[1]  # fewer rows than dimensions: a loop over the rows is too short
    full = autoregressive.sample_autoregressive(fn, z)
    for passes in range(1, z.shape[1]):
        assert np.abs(autoregressive._passes(fn, z, passes) - full).max() > 0.5, passes


@pytest.mark.parametrize("exercise_id", ["02.1", "02.2"])
def test_the_references_agree_with_tfp_and_do_not_count_as_the_answers_calls(exercise_id):
    for case in exercises.get(exercise_id).cases():
        fn, z = case.kwargs["shift_and_log_scale"], case.kwargs["z"]
        maf = tfb.MaskedAutoregressiveFlow(autoregressive.uncounted(fn))
        expected = maf.forward(z) if exercise_id == "02.1" else maf.forward_log_det_jacobian(z, event_ndims=1)
        got = exercises.get(exercise_id).reference(**case.kwargs)
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
        assert fn.calls == 0, case.description


def test_a_case_counter_is_shared_not_copied_and_a_plain_counter_still_counts_the_reference():
    counter = autoregressive.counted(MadeConditioner(2, seed=1))
    assert copy.deepcopy(counter) is counter and copy.copy(counter) is counter
    plain = pass_costs.CallCounter(MadeConditioner(2, seed=1))  # as a notebook passes it to exercises.answer("02.1")
    autoregressive.sample_autoregressive(plain, np.zeros((3, 2), np.float32))
    assert plain.calls == 2
