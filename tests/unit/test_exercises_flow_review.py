"""Exercises 01.x and the helpers every exercise module reads answers with: numbers and counts in any form,
broadcasting only where allowed, known mistakes named, and comparisons that never raise.

Right and wrong answers are in the catalogue, tests/unit/catalogue/test_catalogue_01.py.
"""

import numpy as np
import pytest

from course_utils import exercises
from course_utils._tf import tf, tfd
from course_utils.exercises import flow_review
from course_utils.exercises._compare import compare_numbers, name_mistake, never_raises, read_count

CASE = exercises.Case({}, "a case")


@pytest.mark.parametrize("value", [3, 3.0, np.int64(3), np.float32(3.0), np.array(3), tf.constant(3), tf.constant(3.0)])
def test_a_count_is_read_in_any_whole_number_form(value):
    assert read_count(value) == (3, None)


@pytest.mark.parametrize(
    "value, words",
    [
        (None, "returned None"),
        (True, "returned a bool"),
        ("3", "returned a str"),
        ([3], "returned a list"),
        (np.array([3]), "of shape (1,)"),
        (float("inf"), "inf is not a whole number"),
        (float("nan"), "nan is not a whole number"),
        (2.5, "2.5 is not a whole number"),
    ],
)
def test_what_is_not_a_count_is_said(value, words):
    count, reason = read_count(value)
    assert count is None and words in reason


def test_numbers_broadcast_only_where_allowed():
    expected = np.zeros(4)
    assert compare_numbers(0.0, expected, broadcast=True) is None
    assert compare_numbers(tf.constant(0.0), expected, broadcast=True) is None
    assert "the shape is (), expected (4,)" in compare_numbers(0.0, expected)
    assert "one value per row" in compare_numbers(1.0, expected, broadcast=True)
    assert "keepdims" in compare_numbers(np.zeros((4, 1)), expected, broadcast=True)


@pytest.mark.parametrize(
    "value, words",
    [
        (None, "did you forget `return`"),
        ({"a": 1}, "returned a dict"),
        (tfd.Normal(0.0, 1.0), "returned a distribution"),
        (lambda x: x, "not numbers: call it"),
        ([np.zeros(2), np.zeros(3)], "not an array of numbers"),
        (np.array([1.0, np.nan]), "holds NaN"),
    ],
)
def test_odd_values_get_a_reason(value, words):
    assert words in compare_numbers(value, np.zeros(2))


def test_a_known_mistake_is_named_and_a_broken_candidate_names_nothing():
    candidates = {"broken": lambda: 1 / 0, "doubled": lambda: np.array([2.0, 4.0])}
    assert name_mistake([2.0, 4.0], candidates) == "doubled"
    assert name_mistake([2.0, 5.0], candidates) is None


def test_a_comparison_that_would_raise_gives_a_reason_instead():
    compare = never_raises(lambda got, expected, case: got["missing"])
    assert "could not be checked (TypeError)" in compare(3.0, 1.0, CASE)


def test_the_log_det_cases_hold_negative_and_non_triangular_jacobians():
    negative, full = False, False
    for case in exercises.get("01.2").cases():
        jacobians = flow_review._jacobians(**case.kwargs).numpy()
        negative |= bool((np.linalg.det(jacobians) < 0).any())
        full |= bool((np.abs(np.triu(jacobians, 1)) > 1e-3).any() and (np.abs(np.tril(jacobians, -1)) > 1e-3).any())
        np.testing.assert_allclose(
            flow_review.log_det_jacobian(**case.kwargs),
            case.kwargs["bijector"].forward_log_det_jacobian(case.kwargs["x"], event_ndims=1) * np.ones(3),
            rtol=1e-5,
            atol=1e-5,
        )
    assert negative and full
