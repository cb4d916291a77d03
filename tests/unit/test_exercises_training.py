"""Exercises 06.x and 07.x: what the catalogue cannot show, the reference step compiled, cases that matter.

Right and wrong answers are in the catalogue, tests/unit/catalogue/test_catalogue_06.py and test_catalogue_07.py.
"""

import numpy as np
import tf_keras

from course_utils import builders, exercises
from course_utils._tf import tf


def test_06_1_the_affine_case_is_not_volume_preserving():
    case = exercises.get("06.1").cases()[1]
    dist, x = case.kwargs["dist"], case.kwargs["x"]
    log_det = dist.bijector.inverse_log_det_jacobian(x, event_ndims=1).numpy()
    assert abs(np.mean(log_det)) > 0.1, case.description  # forgetting the log-det changes the loss


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


def test_07_3_cases_put_the_best_epoch_first_last_and_after_nan():
    epochs = [exercises.get("07.3").reference(**case.kwargs) for case in exercises.get("07.3").cases()]
    lengths = [len(case.kwargs["val_loss"]) for case in exercises.get("07.3").cases()]
    assert 1 in epochs and any(e == n for e, n in zip(epochs, lengths, strict=True))
