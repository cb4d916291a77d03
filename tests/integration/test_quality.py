"""Quality of the library's numbers against independent estimates: entropies by Monte Carlo, the default recipe's fit.

Slower than the unit tier (hundreds of thousands of density evaluations, a full training run).
"""

import numpy as np
import pytest

from course_utils import data, metrics, training


@pytest.fixture(scope="module")
def moons() -> data.ToyData:
    """The tutorial's data set: 1000 standardized two-moons points."""
    return data.two_moons()


def monte_carlo_entropy(toy: data.ToyData, n: int, seed: int) -> tuple[float, float]:
    """Return -mean(log p) over n fresh draws and its standard error."""
    log_p = toy.log_prob(toy.sample(n, seed))
    return float(-log_p.mean()), float(log_p.std() / np.sqrt(n))


def test_two_moons_entropy_matches_monte_carlo_and_the_reference_value(moons):
    estimate, standard_error = monte_carlo_entropy(moons, 200_000, seed=11)
    assert abs(metrics.entropy(moons) - estimate) < 3 * standard_error + 0.005
    assert metrics.entropy(moons) == pytest.approx(1.133, abs=0.02)


@pytest.mark.parametrize("name", ["circles", "eight_gaussians"])
def test_entropy_matches_monte_carlo(name):
    toy = data.load(name)
    estimate, standard_error = monte_carlo_entropy(toy, 100_000, seed=11)
    assert abs(metrics.entropy(toy) - estimate) < 3 * standard_error + 0.005


def test_the_default_recipe_fits_two_moons_to_within_a_fraction_of_a_nat(moons):
    dist, history = training.fit_default_flow(moons.x, seed=0)
    assert len(history.epochs) == training.DEFAULT_RECIPE["epochs"] and not history.diverged
    held_out = metrics.heldout_nll(dist, moons, n=20000)
    assert held_out <= 1.35
    assert held_out >= metrics.entropy(moons) - 0.05  # no model beats the entropy (up to sampling error)
