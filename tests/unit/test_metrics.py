"""Tests of course_utils.metrics: the entropy of the toy densities and held-out NLL."""

import numpy as np
import pytest

from course_utils import data, metrics
from course_utils._tf import tfp

tfd = tfp.distributions
GAUSSIAN = tfd.MultivariateNormalDiag(loc=[0.0, 0.0])
PER_DIMENSION = tfd.Normal(loc=[0.0, 0.0], scale=1.0)  # log_prob has shape (n, 2): not a 2-D density


class FixedLogProb:
    """A stand-in model whose log_prob is the given function."""

    def __init__(self, log_prob):
        self.log_prob = log_prob


def test_eight_gaussians_entropy_matches_the_separated_components_formula():
    # Components 15 stds apart barely overlap: H = log 8 + log(2 pi e sigma^2) in raw coordinates.
    toy = data.eight_gaussians(noise=0.1)
    raw_entropy = np.log(8) + np.log(2 * np.pi * np.e * 0.1**2)
    assert metrics.entropy(toy) == pytest.approx(raw_entropy - np.sum(np.log(toy.scale)), abs=1e-6)


def test_entropy_shifts_by_the_log_scale_under_standardization():
    raw, standardized = data.eight_gaussians(standardize=False), data.eight_gaussians()
    expected = metrics.entropy(raw) - np.sum(np.log(standardized.scale))
    assert metrics.entropy(standardized) == pytest.approx(expected, abs=1e-6)


def test_checkerboard_entropy_is_exact():
    board = data.checkerboard()
    assert metrics.entropy(board) == pytest.approx(np.log(8) - np.sum(np.log(board.scale)), abs=1e-12)


def test_pinwheel_entropy_is_not_available():
    with pytest.raises(NotImplementedError, match="pinwheel"):
        metrics.entropy(data.pinwheel())


def test_entropy_refuses_a_grid_too_coarse_for_the_noise():
    with pytest.raises(ValueError, match="^grid_size=20 is too coarse .* use grid_size >= "):
        metrics.entropy(data.two_moons(), grid_size=20)


def test_heldout_nll_of_the_true_density_is_its_mean_on_fresh_draws():
    moons = data.two_moons()
    expected = -np.mean(moons.log_prob(moons.sample(5000, seed=3)))
    heldout = metrics.heldout_nll(FixedLogProb(moons.log_prob), moons, n=5000, seed=3)
    assert heldout == pytest.approx(expected, rel=1e-12)


def test_heldout_nll_of_a_tfp_gaussian_matches_its_expected_value():
    # For N(0, I): E[-log q(x)] = log(2 pi) + E|x|^2 / 2, and E|x_raw - mean|^2 is known per axis.
    toy = data.eight_gaussians(noise=0.1)
    second_moments = 2.0 + 0.1**2 + toy.mean**2  # raw: E[(2 cos a)^2] = E[(2 sin a)^2] = 2
    expected = np.log(2 * np.pi) + 0.5 * np.sum(second_moments / toy.scale**2)
    assert metrics.heldout_nll(GAUSSIAN, toy) == pytest.approx(expected, abs=0.01)


def test_nll_keeps_non_finite_values_visible():
    x = data.two_moons().x[:10]
    with_nan = FixedLogProb(lambda points: np.where(np.arange(len(points)) == 3, np.nan, -1.0))
    with_minus_inf = FixedLogProb(lambda points: np.where(np.arange(len(points)) == 3, -np.inf, -1.0))
    assert np.isnan(metrics.nll(with_nan, x))
    assert metrics.nll(with_minus_inf, x) == np.inf
    assert np.isnan(metrics.heldout_nll(with_nan, data.two_moons(), n=100))


def test_nll_of_a_tfp_gaussian_on_given_points():
    x = np.array([[0.0, 0.0], [1.0, -1.0]], dtype=np.float32)
    assert metrics.nll(GAUSSIAN, x) == pytest.approx(np.log(2 * np.pi) + 0.5, rel=1e-6)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: metrics.entropy(data.two_moons(), grid_size=0), ValueError, "^grid_size must"),
        (lambda: metrics.heldout_nll(GAUSSIAN, data.two_moons(), n=0), ValueError, "^n must"),
        (lambda: metrics.heldout_nll(GAUSSIAN, data.two_moons(), seed=-2), ValueError, "^seed must"),
        (lambda: metrics.nll(object(), np.zeros((3, 2))), TypeError, "^dist must have a log_prob"),
        (lambda: metrics.nll(GAUSSIAN, [[0.0, np.inf]]), ValueError, "^x must be finite"),
        (lambda: metrics.nll(PER_DIMENSION, np.zeros((3, 2))), ValueError, r"per row of x, shape \(3,\)"),
    ],
)
def test_bad_arguments_raise_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("name", ["two_moons", "circles"])
def test_the_default_grid_is_as_accurate_as_a_fine_one(name):
    toy = data.load(name)
    assert metrics.entropy(toy) == pytest.approx(metrics.entropy(toy, grid_size=300), abs=1e-7)
