"""Tests of course_utils.baselines: scikit-learn estimators scored in the flows' bits per dimension."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from course_utils import baselines, dequantization, digits


@pytest.fixture(scope="module")
def data() -> digits.Digits:
    return digits.load()


def test_in_logit_space_the_log_density_gets_the_logit_log_det(data):
    train_y = dequantization.dequantized_part(data, "train")
    test_y = dequantization.dequantized_part(data, "test")[:20]
    kde = baselines.fit("kernel_density", train_y, space="logit", bandwidth=0.5)
    expected = kde.score_samples(dequantization.logit(test_y)) + dequantization.logit_log_det(test_y)
    assert np.allclose(baselines.log_prob_y(kde, test_y, "logit"), expected)


def test_a_one_component_mixture_is_a_gaussian_of_the_unit_cube(data):
    train_y = dequantization.dequantized_part(data, "train")
    gmm = baselines.fit("gaussian_mixture", train_y, space="unit cube", n_components=1, reg_covar=1e-3)
    y = dequantization.dequantized_part(data, "test")[:5]
    gaussian = multivariate_normal(gmm.means_[0], gmm.covariances_[0])
    assert np.allclose(baselines.log_prob_y(gmm, y, "unit cube"), gaussian.logpdf(y), atol=1e-6)


def test_tuning_ranks_by_validation_and_scores_only_the_best_on_test(data):
    grids = {"logit": (dict(bandwidth=0.1), dict(bandwidth=0.5)), "unit cube": (dict(bandwidth=0.1),)}
    results = baselines.tune("kernel_density", data, grids=grids)
    assert len(results) == 3
    assert [r.validation_bits for r in results] == sorted(r.validation_bits for r in results)
    best = results[0]
    assert (best.space, best.params) == ("logit", {"bandwidth": 0.5})
    assert 2.0 < best.test_bits < np.log2(17) and all(r.test_bits is None for r in results[1:])
    assert best.describe() == "KernelDensity(bandwidth=0.5) in logit space"


def test_the_training_points_are_independent_dequantized_copies(data):
    points = baselines.training_points(data, copies=3)
    assert points.shape == (3 * len(data.train), 64)
    first, second = np.split(points[: 2 * len(data.train)], 2)
    assert np.array_equal(dequantization.quantize(first), data.train) and not np.allclose(first, second)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda d: baselines.fit("gmm", np.full((4, 2), 0.5)), "kind"),
        (lambda d: baselines.fit("kernel_density", np.full((4, 2), 0.5), space="pixels"), "space"),
        (lambda d: baselines.fit("kernel_density", np.full((1, 2), 0.5)), "train_y"),
        (lambda d: baselines.log_prob_y("estimator", np.full((4, 2), 0.5), "logit"), "estimator"),
        (lambda d: baselines.training_points(d, copies=0), "copies"),
        (lambda d: baselines.training_points("digits"), "data"),
        (lambda d: baselines.tune("kernel_density", d, grids={"logits": (dict(bandwidth=0.5),)}), "space"),
        (lambda d: baselines.tune("kernel_density", d, grids={"logit": ()}), "grids"),
    ],
)
def test_a_bad_argument_is_named(data, call, name):
    with pytest.raises((TypeError, ValueError), match=name):
        call(data)
