"""scikit-learn's 8x8 digits as a density-estimation data set: 64 pixels of 17 grey levels, split once.

`load()` splits the 1797 images of `sklearn.datasets.load_digits` (shipped with scikit-learn, no
download) with a fixed seed, stratified by class: `test_fraction` of them are held out as the test set,
and `validation_fraction` of the rest is the validation set (for tuning and for choosing the epoch to
keep). The pixels stay integers 0..16; `dequantization` turns them into points of the unit cube.
`nearest_neighbours` finds the training images closest to a model's samples, to see whether a model
copies its training set. `benchmark_table` reads the digits section of the benchmark
(`benchmarks/results/digits.md`), which notebook 08 shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from course_utils import _checks, stored_results

LEVELS = 17  # grey levels 0..16
IMAGE_SHAPE = (8, 8)
EVENT_SIZE = 64
NUM_CLASSES = 10
PARTS = ("train", "validation", "test")
BENCHMARK_NAME = "digits.md"  # in benchmarks/results/


@dataclass(frozen=True, eq=False)
class Digits:
    """The digits split in three: integer pixels (n, 64) in 0..16 and class labels (n,) in 0..9 for each part."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray
    train_labels: np.ndarray
    validation_labels: np.ndarray
    test_labels: np.ndarray
    seed: int

    def pixels(self, part: str) -> np.ndarray:
        """The pixels of `part` ('train', 'validation' or 'test')."""
        return getattr(self, _checks.one_of("part", part, PARTS))

    def labels(self, part: str) -> np.ndarray:
        """The class labels of `part` ('train', 'validation' or 'test')."""
        return getattr(self, f"{_checks.one_of('part', part, PARTS)}_labels")

    def class_prior(self) -> np.ndarray:
        """The share of each class 0..9 among the training images."""
        return np.bincount(self.train_labels, minlength=NUM_CLASSES) / len(self.train_labels)

    def summary(self) -> str:
        """One line: the size of each part."""
        sizes = ", ".join(f"{len(self.pixels(part))} {part}" for part in PARTS)
        return f"{sizes} images of {EVENT_SIZE} pixels, grey levels 0..{LEVELS - 1}"


def load(test_fraction: float = 0.25, validation_fraction: float = 0.2, seed: int = 0) -> Digits:
    """Load the 1797 digits and split them, stratified by class: test first, then validation from the rest."""
    test_fraction = _checks.fraction("test_fraction", test_fraction)
    validation_fraction = _checks.fraction("validation_fraction", validation_fraction)
    seed = _checks.seed("seed", seed)
    bunch = load_digits()
    pixels, labels = bunch.data.astype(np.int64), bunch.target.astype(np.int64)
    rest, test, rest_labels, test_labels = train_test_split(
        pixels, labels, test_size=test_fraction, random_state=seed, stratify=labels
    )
    train, validation, train_labels, validation_labels = train_test_split(
        rest, rest_labels, test_size=validation_fraction, random_state=seed, stratify=rest_labels
    )
    return Digits(train, validation, test, train_labels, validation_labels, test_labels, seed)


def images(pixels: np.ndarray, name: str = "pixels") -> np.ndarray:
    """Return rows of 64 values as (n, 8, 8) images; one row of 64 gives one image (1, 8, 8)."""
    array = np.asarray(pixels)
    if array.ndim == 1:
        array = array[None]
    if array.ndim != 2 or array.shape[1] != EVENT_SIZE:
        raise ValueError(f"{name} must have shape (n, {EVENT_SIZE}): rows of 8x8 pixels, got shape {array.shape}")
    return array.reshape(-1, *IMAGE_SHAPE)


def nearest_neighbours(samples: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row of `samples`, the index of the nearest row of `reference` and its Euclidean distance."""
    samples = _checks.points("samples", samples, EVENT_SIZE).astype(np.float64)
    reference = _checks.points("reference", reference, EVENT_SIZE).astype(np.float64)
    squared = np.sum(samples**2, axis=1)[:, None] + np.sum(reference**2, axis=1)[None, :] - 2.0 * samples @ reference.T
    index = np.argmin(squared, axis=1)
    distance = np.sqrt(np.maximum(squared[np.arange(len(samples)), index], 0.0))
    return index, distance


def benchmark_table(root: Path | str | None = None) -> str:
    """The markdown of the benchmark's digits section (`stored_results.find` looks for it), or how to make it."""
    try:
        return stored_results.find(BENCHMARK_NAME, "digits", root).read_text()
    except FileNotFoundError as missing:
        return f"*{missing}.*"
