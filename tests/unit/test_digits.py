"""Tests of course_utils.digits: the split of scikit-learn's 8x8 digits, nearest neighbours, the benchmark table."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

import course_utils._tf  # noqa: F401  (first: it imports TensorFlow quietly)
from course_utils import digits


@pytest.fixture(scope="module")
def data() -> digits.Digits:
    return digits.load()


def _rows(array: np.ndarray) -> list[bytes]:
    return sorted(row.tobytes() for row in np.asarray(array, np.int64))


def test_the_split_holds_every_image_once_in_the_documented_sizes(data):
    assert (len(data.train), len(data.validation), len(data.test)) == (1077, 270, 450)
    everything = load_digits().data.astype(np.int64)
    assert _rows(np.concatenate([data.train, data.validation, data.test])) == _rows(everything)
    assert data.train.dtype == np.int64 and data.train.shape[1] == digits.EVENT_SIZE


def test_pixels_are_whole_grey_levels_0_to_16(data):
    for part in digits.PARTS:
        pixels = data.pixels(part)
        assert pixels.min() == 0 and pixels.max() == digits.LEVELS - 1
        assert np.array_equal(pixels, np.round(pixels))


def test_the_split_is_stratified_and_fixed_by_the_seed(data):
    for part in digits.PARTS:
        shares = np.bincount(data.labels(part), minlength=10) / len(data.labels(part))
        assert np.allclose(shares, 0.1, atol=0.012), (part, shares)
    again, other = digits.load(), digits.load(seed=1)
    assert np.array_equal(again.test, data.test) and np.array_equal(again.train_labels, data.train_labels)
    assert not np.array_equal(other.test, data.test)


def test_class_prior_is_the_share_of_each_class_in_training(data):
    prior = data.class_prior()
    assert prior.shape == (10,) and np.isclose(prior.sum(), 1.0)
    assert np.isclose(prior[3], np.mean(data.train_labels == 3))
    assert "1077 train" in data.summary()


def test_images_reshapes_rows_to_8x8_and_names_a_bad_argument(data):
    pictures = digits.images(data.train[:3])
    assert pictures.shape == (3, 8, 8) and np.array_equal(pictures[1].ravel(), data.train[1])
    assert digits.images(data.train[0]).shape == (1, 8, 8)
    with pytest.raises(ValueError, match="pixels must have shape"):
        digits.images(np.zeros((2, 63)))


def test_nearest_neighbours_agrees_with_brute_force_and_finds_copies(data):
    rng = np.random.default_rng(0)
    samples = np.concatenate([rng.uniform(0, 16, size=(4, 64)), data.train[[5]]])
    index, distance = digits.nearest_neighbours(samples, data.train)
    brute = np.linalg.norm(samples[:, None, :] - data.train[None, :, :], axis=-1)
    assert np.array_equal(index, brute.argmin(axis=1))
    assert np.allclose(distance, brute.min(axis=1), atol=1e-6)
    assert distance[-1] == 0.0 and np.array_equal(data.train[index[-1]], data.train[5])


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(samples=np.zeros((2, 63)), reference=np.zeros((3, 64))), "samples"),
        (dict(samples=np.zeros((2, 64)), reference=np.full((3, 64), np.nan)), "reference"),
    ],
)
def test_nearest_neighbours_names_a_bad_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        digits.nearest_neighbours(**kwargs)


@pytest.mark.parametrize(
    "kwargs, name",
    [(dict(test_fraction=0.0), "test_fraction"), (dict(validation_fraction=1.5), "validation_fraction"),
     (dict(seed=-1), "seed"), (dict(seed="0"), "seed")],
)  # fmt: skip
def test_load_names_a_bad_argument(kwargs, name):
    with pytest.raises((TypeError, ValueError), match=name):
        digits.load(**kwargs)


def test_a_bad_part_is_named(data):
    with pytest.raises(ValueError, match="part must be one of"):
        data.pixels("training")


def test_benchmark_table_reads_the_results_file_or_says_how_to_make_it(tmp_path):
    assert "run.py --only digits" in digits.benchmark_table(tmp_path)
    (tmp_path / "benchmarks" / "results").mkdir(parents=True)
    (tmp_path / "benchmarks" / "results" / digits.BENCHMARK_NAME).write_text("| model | bits/dim |\n")
    assert digits.benchmark_table(tmp_path) == "| model | bits/dim |\n"
