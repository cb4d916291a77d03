"""Exercises 08.x: the references agree with the library, and the cases hold what their descriptions say.

Right and wrong answers are in the catalogue, tests/unit/catalogue/test_catalogue_08.py.
"""

import numpy as np

from course_utils import conditional, dequantization, digits, exercises


def test_08_1_reference_is_the_librarys_logit_log_det():
    for case in exercises.get("08.1").cases():
        y, alpha = case.kwargs["y"], case.kwargs["alpha"]
        assert np.allclose(exercises.get("08.1").reference(y, alpha), dequantization.logit_log_det(y, alpha))


def test_08_2_the_uniform_case_scores_log2_17_and_the_reference_matches_the_library():
    cases = exercises.get("08.2").cases()
    uniform = cases[0].kwargs
    assert np.allclose(uniform["log_prob_s"] + uniform["log_det"], 0.0)
    assert np.isclose(exercises.get("08.2").reference(**uniform), np.log2(17))
    for case in cases:
        k = case.kwargs
        log_prob_y = np.asarray(k["log_prob_s"]) + np.asarray(k["log_det"])
        expected = dequantization.bits_per_dim(log_prob_y, k["num_dims"], k["levels"])
        assert np.isclose(exercises.get("08.2").reference(**k), expected)


def test_08_3_reference_matches_the_library_and_the_copy_case_holds_a_copy():
    cases = exercises.get("08.3").cases()
    for case in cases[:2]:
        index, distance = exercises.get("08.3").reference(**case.kwargs)
        lib_index, lib_distance = digits.nearest_neighbours(case.kwargs["samples"], case.kwargs["train"])
        assert np.array_equal(index, lib_index) and np.allclose(distance, lib_distance)
    index, distance = exercises.get("08.3").reference(**cases[1].kwargs)
    assert index[2] == 17 and distance[2] == 0.0


def test_08_4_reference_matches_the_library_and_every_case_depends_on_the_label():
    for case in exercises.get("08.4").cases():
        table = exercises.get("08.4").reference(**case.kwargs)
        assert np.allclose(table, conditional.class_log_likelihoods(**case.kwargs), atol=1e-5)
        assert not np.allclose(table, table[:, :1]), case.description  # a label-blind answer must be caught
