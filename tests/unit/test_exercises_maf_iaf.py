"""Exercises 03.x (MAF) and 04.x (IAF): the references agree with TFP, the pass table with counted flows, and a
case's counter counts the answer's calls only.

Right and wrong answers are in the catalogue, tests/unit/catalogue/test_catalogue_03.py and test_catalogue_04.py.
"""

import numpy as np
import pytest

from course_utils import builders, exercises, pass_costs
from course_utils._tf import tfp
from course_utils.exercises import flow_choice, maf_iaf

tfb = tfp.bijectors


def test_the_pass_table_matches_counts_on_real_flows():
    for kind in ("maf", "iaf"):
        costs = pass_costs.measure_pass_costs(
            kind, [3, 6], n=4, operations=pass_costs.FLOW_OPERATIONS, timed=(), hidden_units=(8, 8)
        )
        for op, counts in costs.calls.items():
            assert counts == [flow_choice.PASSES[kind][op](d) for d in (3, 6)], (kind, op)


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


@pytest.mark.parametrize("exercise_id", ["03.1", "04.1", "04.2"])
def test_the_references_call_around_the_counter_so_it_counts_the_answer_only(exercise_id):
    for case in exercises.get(exercise_id).cases():
        exercises.get(exercise_id).reference(**case.kwargs)
        assert case.kwargs["shift_and_log_scale"].calls == 0, case.description


def test_the_choice_cases_hold_ties_and_both_flows():
    expected = [flow_choice.choose_flow(**case.kwargs) for case in exercises.get("04.3").cases()]
    assert {"maf", "iaf", "either"} == set(expected) and expected.count("either") >= 3
