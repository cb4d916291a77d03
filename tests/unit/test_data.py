"""Tests of course_utils.data: the toy datasets, their fresh draws and their true densities."""

import numpy as np
import pytest
from scipy.special import i0e, logsumexp
from scipy.stats import multivariate_normal
from sklearn.datasets import make_circles, make_moons
from sklearn.preprocessing import StandardScaler

import course_utils._tf  # noqa: F401  (first: it imports TensorFlow quietly)
from course_utils import data

TRACTABLE = ("two_moons", "circles", "eight_gaussians", "checkerboard")


def grid(half_width: float, size: int) -> tuple[np.ndarray, float]:
    """Return the points of a size x size grid on [-half_width, half_width]^2 and its cell area."""
    axis = np.linspace(-half_width, half_width, size)
    points = np.stack(np.meshgrid(axis, axis, indexing="ij"), axis=-1).reshape(-1, 2)
    return points, (axis[1] - axis[0]) ** 2


def test_two_moons_reproduces_the_tutorial_standardization_exactly():
    raw, labels = make_moons(n_samples=1000, noise=0.05, random_state=0)
    scaler = StandardScaler().fit(raw)
    moons = data.two_moons()
    np.testing.assert_array_equal(moons.x, StandardScaler().fit_transform(raw).astype(np.float32))
    np.testing.assert_array_equal(moons.labels, labels)
    np.testing.assert_array_equal(moons.mean, scaler.mean_)
    np.testing.assert_array_equal(moons.scale, scaler.scale_)
    assert moons.x.dtype == np.float32 and moons.x.shape == (1000, 2)
    assert (moons.name, moons.noise, moons.seed) == ("two_moons", 0.05, 0)


def test_circles_reproduce_make_circles_with_factor_one_half():
    raw, labels = make_circles(n_samples=500, noise=0.1, random_state=3, factor=0.5)
    rings = data.circles(n=500, noise=0.1, seed=3)
    np.testing.assert_array_equal(rings.x, StandardScaler().fit_transform(raw).astype(np.float32))
    np.testing.assert_array_equal(rings.labels, labels)


def test_labels_count_the_points_of_each_class():
    assert np.bincount(data.two_moons(n=1001).labels).tolist() == [500, 501]
    eight = data.eight_gaussians(n=8000)
    assert eight.labels.min() == 0 and eight.labels.max() == 7
    assert np.all(np.abs(np.bincount(eight.labels) - 1000) < 150)
    assert data.checkerboard().labels is None
    assert set(data.pinwheel().labels.tolist()) == {0, 1, 2, 3, 4}


def test_standardize_false_keeps_the_raw_coordinates():
    raw, _ = make_moons(n_samples=300, noise=0.05, random_state=1)
    moons = data.two_moons(n=300, seed=1, standardize=False)
    np.testing.assert_array_equal(moons.x, raw.astype(np.float32))
    np.testing.assert_array_equal(moons.mean, [0.0, 0.0])
    np.testing.assert_array_equal(moons.scale, [1.0, 1.0])


@pytest.mark.parametrize("name", data.DATASETS)
def test_fresh_draws_are_in_the_same_standardized_coordinates(name):
    toy = data.load(name)
    fresh = toy.sample(20000, seed=1)
    assert fresh.dtype == np.float32 and fresh.shape == (20000, 2)
    np.testing.assert_allclose(fresh.mean(axis=0), [0.0, 0.0], atol=0.1)
    np.testing.assert_allclose(fresh.std(axis=0), [1.0, 1.0], atol=0.1)


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("two_moons", lambda n: make_moons(n_samples=n, noise=0.05, random_state=7)[0]),
        ("circles", lambda n: make_circles(n_samples=n, noise=0.05, random_state=7, factor=0.5)[0]),
    ],
)
def test_fresh_draws_follow_sklearns_generative_process(name, reference):
    toy = data.load(name, standardize=False)
    fresh, drawn = toy.sample(40000, seed=2), reference(40000)
    np.testing.assert_allclose(fresh.mean(axis=0), drawn.mean(axis=0), atol=0.02)
    np.testing.assert_allclose(np.cov(fresh.T), np.cov(drawn.T), atol=0.01)
    # Same shape, not just the same moments: compare the 2-D histograms.
    edges = np.linspace(-2.0, 2.5, 19)
    ours = np.histogram2d(*fresh.T, bins=[edges, edges])[0] / len(fresh)
    theirs = np.histogram2d(*drawn.T, bins=[edges, edges])[0] / len(drawn)
    assert np.abs(ours - theirs).max() < 0.006


def test_sample_is_reproducible_and_depends_on_the_seed():
    moons = data.two_moons()
    np.testing.assert_array_equal(moons.sample(100, seed=5), moons.sample(100, seed=5))
    assert not np.array_equal(moons.sample(100, seed=5), moons.sample(100, seed=6))


@pytest.mark.parametrize("name", TRACTABLE)
def test_log_prob_integrates_to_one(name):
    points, cell_area = grid(3.5, 281)
    assert np.exp(data.load(name).log_prob(points)).sum() * cell_area == pytest.approx(1.0, abs=1e-2)


def test_circles_quadrature_matches_the_bessel_closed_form():
    points = np.random.default_rng(0).uniform(-1.5, 1.5, size=(5000, 2))
    radius, noise = np.linalg.norm(points, axis=1), 0.05

    def ring_log_prob(ring_radius: float) -> np.ndarray:
        """Exact log density of a uniform point on a circle plus N(0, noise^2 I)."""
        bessel = np.log(i0e(radius * ring_radius / noise**2))
        return -np.log(2 * np.pi * noise**2) - (radius - ring_radius) ** 2 / (2 * noise**2) + bessel

    exact = np.logaddexp(ring_log_prob(1.0), ring_log_prob(0.5)) - np.log(2)
    computed = data.circles(standardize=False).log_prob(points)
    np.testing.assert_allclose(computed, exact, rtol=0, atol=1e-6)


def test_eight_gaussians_log_prob_is_the_mixture_in_standardized_coordinates():
    toy = data.eight_gaussians()
    points = toy.sample(500, seed=3)
    raw = points * toy.scale + toy.mean
    angles = np.arange(8) * np.pi / 4
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    components = [multivariate_normal(centre, 0.1**2 * np.eye(2)).logpdf(raw) for centre in centres]
    expected = logsumexp(components, axis=0) - np.log(8) + np.sum(np.log(toy.scale))
    np.testing.assert_allclose(toy.log_prob(points), expected, rtol=0, atol=1e-4)  # points are float32


def test_checkerboard_is_uniform_on_the_black_squares():
    board = data.checkerboard(standardize=False)
    np.testing.assert_array_equal(board.log_prob(board.sample(1000, seed=0)), np.full(1000, -np.log(8)))
    white_and_outside = np.array([[0.5, -0.5], [-1.5, -0.5], [1.5, 0.5], [2.5, 0.5], [0.5, -2.5]])
    assert np.all(np.isneginf(board.log_prob(white_and_outside)))
    black = np.array([[0.5, 0.5], [-0.5, -0.5], [1.5, -0.5], [-1.5, -1.5]])
    np.testing.assert_array_equal(board.log_prob(black), np.full(4, -np.log(8)))


def test_pinwheel_has_no_tractable_log_prob():
    wheel = data.pinwheel()
    assert wheel.x.shape == (1000, 2)
    with pytest.raises(NotImplementedError, match="pinwheel"):
        wheel.log_prob(wheel.x)


def test_split_keeps_the_last_rows_for_validation_as_keras_does():
    moons = data.two_moons()
    train, validation = moons.split()
    assert len(train) == 800 and len(validation) == 200
    np.testing.assert_array_equal(np.concatenate([train, validation]), moons.x)
    # Keras splits at floor(n * (1 - fraction)): 71 rows here, where int(n * fraction) would give 72.
    train, validation = data.two_moons(n=100).split(0.29)
    assert len(train) == 71 and len(validation) == 29


@pytest.mark.parametrize("name", data.DATASETS)
def test_load_builds_the_named_dataset(name):
    assert data.load(name, n=200, seed=4) == getattr(data, name)(n=200, seed=4)


def test_equality_compares_the_drawn_data():
    assert data.two_moons() == data.two_moons()
    assert data.two_moons() != data.two_moons(seed=1)
    assert data.two_moons() != data.circles()
    assert "_sample_raw" not in repr(data.two_moons())


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: data.two_moons(n=0), ValueError, "^n must"),
        (lambda: data.circles(n=2.5), TypeError, "^n must"),
        (lambda: data.eight_gaussians(noise=0.0), ValueError, "^noise must"),
        (lambda: data.pinwheel(noise=-0.1), ValueError, "^noise must"),
        (lambda: data.two_moons(seed=-1), ValueError, "^seed must"),
        (lambda: data.checkerboard(noise=0.1), ValueError, "^noise must be 0"),
        (lambda: data.load("spiral"), ValueError, r"^name must be one of \['two_moons', 'circles'"),
        (lambda: data.two_moons().sample(0, seed=1), ValueError, "^n must"),
        (lambda: data.two_moons().sample(10, seed=-1), ValueError, "^seed must"),
        (lambda: data.two_moons().log_prob(np.zeros((3, 3))), ValueError, "^x must have 2 columns"),
        (lambda: data.two_moons().log_prob([[0.0, np.nan]]), ValueError, "^x must be finite"),
        (lambda: data.two_moons().split(1.0), ValueError, "^validation_fraction must"),
        (lambda: data.two_moons(n=1).split(0.5), ValueError, "^validation_fraction=0.5 leaves"),
    ],
)
def test_bad_arguments_raise_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
