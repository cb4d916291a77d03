"""Exercises 06.x and 07.x: what the catalogue cannot show, the reference step compiled, cases that matter.

Right and wrong answers are in the catalogue, tests/unit/catalogue/test_catalogue_06.py and test_catalogue_07.py.
"""

import numpy as np
import tf_keras

from course_utils import builders, exercises
from course_utils._tf import tf


def test_06_4_one_case_is_normal_and_each_other_fails_one_part_of_the_check():
    cases = exercises.get("06.4").cases()
    results = [exercises.get("06.4").reference(**case.kwargs) for case in cases]
    assert [verdict for _, _, verdict in results] == [True, False, False, False]
    _, cov, _ = results[2]  # correlated columns: unit variances, large off-diagonal
    assert np.allclose(np.diag(cov), 1.0, atol=0.1) and abs(cov[0, 1]) > 0.3
    mean, _, _ = results[3]  # a negative mean: caught only with abs()
    assert mean.min() < -0.3 and mean.max() <= 0.1


def test_06_2_reference_compiles_with_tf_function_and_trains():
    flow = builders.make_flow(builders.make_maf(2, (8, 8), seed=0), 2)
    optimizer = tf_keras.optimizers.Adam(0.01)
    x = np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32)
    step = tf.function(exercises.get("06.2").reference)
    losses = [float(step(flow, optimizer, x)) for _ in range(30)]
    assert losses[-1] < losses[0]
    assert float(-tf.reduce_mean(flow.log_prob(x))) < losses[0]


def test_06_2_cases_record_the_weights_before_any_step():
    for case in exercises.get("06.2").cases():
        now = [v.numpy() for v in case.kwargs["dist"].trainable_variables]
        assert len(case.start) == len(now) > 0
        assert all(np.array_equal(a, b) for a, b in zip(case.start, now, strict=True))
