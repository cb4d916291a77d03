"""Exercises of notebook 08: flows on real data, the 8x8 digits.

08.1 the log-det of the logit pre-transform, 08.2 bits per dimension with every term of the bookkeeping,
08.3 the nearest training images of samples, 08.4 a conditional flow's log-likelihood of every class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils import builders, conditional
from course_utils._tf import tfb, tfd
from course_utils.exercises import Case, Exercise, register
from course_utils.exercises._compare import compare_numbers, describe, never_raises, numbers_compare, read_numbers


def _unit_points(n: int, d: int, seed: int) -> np.ndarray:
    """n points of the open unit cube in d dimensions, many near 0 as pixels are."""
    rng = np.random.default_rng(seed)
    return np.clip(rng.beta(0.5, 1.2, size=(n, d)), 0.01, 0.99)


# ------------------------------------------------------------------ 08.1 the logit transform's log-det


def logit_log_det(y: np.ndarray, alpha: float) -> np.ndarray:
    """Reference: sum over each row of log |ds/dy| for s = logit(alpha + (1 - 2 alpha) y)."""
    q = alpha + (1 - 2 * alpha) * y
    return np.sum(np.log(1 - 2 * alpha) - np.log(q) - np.log(1 - q), axis=1)


def _log_det_cases() -> list[Case]:
    """alpha = 0.05 (the notebook's), alpha = 0 (the plain logit) and a large alpha, in several dimensions."""
    return [
        Case(dict(y=_unit_points(6, 5, seed=1), alpha=0.05), "6 points in 5-D, alpha = 0.05"),
        Case(dict(y=_unit_points(4, 64, seed=2), alpha=0.0), "4 images of 64 pixels, alpha = 0 (the plain logit)"),
        Case(dict(y=_unit_points(3, 2, seed=3), alpha=0.3), "3 points in 2-D, alpha = 0.3"),
    ]


def _log_det_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong answers of 08.1."""
    y, alpha = case.kwargs["y"], case.kwargs["alpha"]
    q = alpha + (1 - 2 * alpha) * y
    right = logit_log_det(y, alpha)
    return {
        "the sign is flipped: this is log |dy/ds|, the sigmoid's log-det; s = logit(q) stretches, so log |ds/dy| > 0": (
            lambda: -right
        ),
        "the factor (1 - 2 alpha) is missing: q = alpha + (1 - 2 alpha) y, so each pixel also gets log(1 - 2 alpha)": (
            lambda: np.sum(-np.log(q) - np.log(1 - q), axis=1)
        ),
        "this uses y(1 - y): the logit acts on q = alpha + (1 - 2 alpha) y, so use q(1 - q)": lambda: np.sum(
            np.log(1 - 2 * alpha) - np.log(y) - np.log(1 - y), axis=1
        ),
        "this is the mean over the pixels: the log-det of a map acting on each pixel is the SUM": lambda: np.mean(
            np.log(1 - 2 * alpha) - np.log(q) - np.log(1 - q), axis=1
        ),
        "log(1 - 2 alpha) is counted once per image: it belongs to every pixel": lambda: (
            np.log(1 - 2 * alpha) + np.sum(-np.log(q) - np.log(1 - q), axis=1)
        ),
    }


register(
    Exercise(
        id="08.1",
        title="the log-det of the logit pre-transform",
        reference=logit_log_det,
        cases=_log_det_cases,
        hint=(
            "the transform acts on each pixel alone, so its Jacobian is diagonal: the log-det is the sum over the "
            "pixels of log |ds/dy|. Differentiate s = logit(q) and q = alpha + (1 - 2 alpha) y by the chain rule."
        ),
        hints=(
            "d logit(q)/dq = 1 / (q (1 - q)) and dq/dy = 1 - 2 alpha, so per pixel log |ds/dy| = log(1 - 2 alpha) "
            "- log(q) - log(1 - q). Sum it over the pixels: "
            "np.sum(np.log(1 - 2 * alpha) - np.log(q) - np.log(1 - q), axis=1).",
        ),
        compare=numbers_compare(_log_det_mistakes),
    )
)


# ------------------------------------------------------------------ 08.2 bits per dimension


def bits_per_dim(log_prob_s: np.ndarray, log_det: np.ndarray, num_dims: int, levels: int) -> float:
    """Reference: the mean bits/dim of the discrete images, from the flow's log p_S(s) and the logit's log-det."""
    log_prob_y = np.asarray(log_prob_s, np.float64) + np.asarray(log_det, np.float64)
    nll_discrete = -np.mean(log_prob_y) + num_dims * np.log(levels)
    return float(nll_discrete / (num_dims * np.log(2)))


def _bits_cases() -> list[Case]:
    """The uniform model (the answer is log2(17)), made-up numbers of a few sizes, and binary pixels."""
    rng = np.random.default_rng(8)
    uniform_log_det = rng.normal(60.0, 5.0, size=4)  # log p_Y = 0: the flow's log p_S is minus the log-det
    return [
        Case(
            dict(log_prob_s=-uniform_log_det, log_det=uniform_log_det, num_dims=64, levels=17),
            "the uniform model of the unit cube (log p_Y = 0), 64 pixels of 17 levels",
        ),
        Case(
            dict(log_prob_s=rng.normal(-80, 10, 5), log_det=rng.normal(120, 8, 5), num_dims=64, levels=17),
            "5 digit images: log p_S about -80, log-det about 120",
        ),
        Case(
            dict(log_prob_s=rng.normal(-3, 1, 7), log_det=rng.normal(2, 0.5, 7), num_dims=3, levels=4),
            "7 points of 3 pixels with 4 grey levels",
        ),
        Case(
            dict(log_prob_s=rng.normal(-20, 3, 6), log_det=rng.normal(10, 1, 6), num_dims=16, levels=2),
            "6 binary images of 16 pixels",
        ),
    ]


def _bits_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong answers of 08.2."""
    s, det = np.asarray(case.kwargs["log_prob_s"]), np.asarray(case.kwargs["log_det"])
    d, levels, ln2 = case.kwargs["num_dims"], case.kwargs["levels"], np.log(2)
    return {
        "the scaling y = v / L is missing: the density of v = k + u is L^-D times that of y, add D log L to the NLL": (
            lambda: -np.mean(s + det) / (d * ln2)
        ),
        "D log L has the wrong sign: the density on [0, L)^D is LOWER than on the unit cube, so the NLL grows": (
            lambda: (-np.mean(s + det) - d * np.log(levels)) / (d * ln2)
        ),
        "the logit's log-det is missing: log p_Y(y) = log p_S(s) + log |ds/dy|": lambda: (
            (-np.mean(s) + d * np.log(levels)) / (d * ln2)
        ),
        "the log-det has the wrong sign: log p_Y(y) = log p_S(s) PLUS the log-det": lambda: (
            (-np.mean(s - det) + d * np.log(levels)) / (d * ln2)
        ),
        "this is in nats per dimension: divide by ln 2 for bits": lambda: (-np.mean(s + det) + d * np.log(levels)) / d,
        "this is in bits per image: divide by the number of dimensions D": lambda: (
            (-np.mean(s + det) + d * np.log(levels)) / ln2
        ),
        "this uses log base 10: bits need ln 2": lambda: (-np.mean(s + det) + d * np.log(levels)) / (d * np.log(10)),
    }


@never_raises
def _same_bits(got: Any, expected: Any, case: Case) -> str | None:
    """One number, the mean over the images; name the usual mistakes."""
    if np.shape(got) == np.shape(case.kwargs["log_prob_s"]):
        return f"one value per image (shape {np.shape(got)}): bits/dim is their mean, one number"
    return numbers_compare(_bits_mistakes)(got, expected, case)


register(
    Exercise(
        id="08.2",
        title="bits per dimension, every term counted",
        reference=bits_per_dim,
        cases=_bits_cases,
        hint=(
            "go back from the flow's space to the discrete pixels one step at a time: log p_Y(y) = log p_S(s) + "
            "log-det; the unit cube y = v / L changes the density by L^D; then the mean NLL, per dimension, in bits."
        ),
        hints=(
            "nll = -mean(log_prob_s + log_det) + num_dims * log(levels) is the NLL of the discrete images in nats; "
            "bits per dimension = nll / (num_dims * log(2)). A uniform model of the unit cube (log p_Y = 0) must give "
            "log2(levels).",
        ),
        compare=_same_bits,
    )
)


# ------------------------------------------------------------------ 08.3 nearest training images


def nearest_neighbours(samples: np.ndarray, train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reference: for each sample, the index of the nearest training image and the Euclidean distance to it."""
    squared = np.sum((samples[:, None, :] - train[None, :, :]) ** 2, axis=-1)
    index = np.argmin(squared, axis=1)
    return index, np.sqrt(squared[np.arange(len(samples)), index])


def _neighbour_cases() -> list[Case]:
    """Random images, a sample that copies a training image, and a tiny case that can be checked by hand."""
    rng = np.random.default_rng(11)
    train = rng.integers(0, 17, size=(40, 64)).astype(np.float64)
    samples = rng.uniform(0, 16, size=(6, 64))
    copies = np.concatenate([rng.uniform(0, 16, size=(2, 64)), train[[17]], rng.uniform(0, 16, size=(1, 64))])
    tiny_train = np.array([[0.0, 0, 0, 0], [4, 0, 0, 0], [0, 0, 3, 4]])
    tiny_samples = np.array([[1.0, 0, 0, 0], [0, 0, 3, 3], [4, 1, 0, 0]])
    return [
        Case(dict(samples=samples, train=train), "6 samples and 40 training images of 64 pixels"),
        Case(dict(samples=copies, train=train), "4 samples, the third a copy of training image 17"),
        Case(dict(samples=tiny_samples, train=tiny_train), "3 samples, 3 training images of 4 pixels"),
    ]


def _neighbour_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong answers of 08.3 (indices and distances together)."""
    samples, train = case.kwargs["samples"], case.kwargs["train"]
    squared = np.sum((samples[:, None, :] - train[None, :, :]) ** 2, axis=-1)
    rows = np.arange(len(samples))
    near, far = np.argmin(squared, axis=1), np.argmax(squared, axis=1)
    manhattan = np.sum(np.abs(samples[:, None, :] - train[None, :, :]), axis=-1)
    return {
        "these are SQUARED distances: take the square root": lambda: (near, squared[rows, near]),
        "these are the FARTHEST training images: the nearest has the smallest distance (argmin)": lambda: (
            far,
            np.sqrt(squared[rows, far]),
        ),
        "this is the sum of absolute differences: use the Euclidean distance": lambda: (
            np.argmin(manhattan, axis=1),
            np.min(manhattan, axis=1),
        ),
        "the indices are one too high: the first training image is row 0": lambda: (
            near + 1,
            squared[rows, near] ** 0.5,
        ),
    }


def _pair(got: Any, n: int) -> tuple[np.ndarray | None, np.ndarray | None, str | None]:
    """Read (indices, distances) from the answer, or say what is wrong with its form."""
    if isinstance(got, dict) or not isinstance(got, (tuple, list)) or len(got) != 2:
        return None, None, f"your function returned {describe(got)}: return a pair (indices, distances)"
    indices, reason = read_numbers(got[0])
    if reason is not None:
        return None, None, f"the indices: {reason}"
    distances, reason = read_numbers(got[1])
    if reason is not None:
        return None, None, f"the distances: {reason}"
    for what, values in (("indices", indices), ("distances", distances)):
        if values.shape != (n,):
            return None, None, f"the {what} have shape {values.shape}: one per sample, shape ({n},)"
    return indices, distances, None


@never_raises
def _same_neighbours(got: Any, expected: Any, case: Case) -> str | None:
    """Indices equal (a tie with the same distance counts as equal) and distances close; name the usual mistakes."""
    samples, train = case.kwargs["samples"], case.kwargs["train"]
    indices, distances, reason = _pair(got, len(samples))
    if reason is not None:
        return reason
    for why, wrong in _neighbour_mistakes(case).items():
        wrong_indices, wrong_distances = wrong()
        is_wrong = not (np.array_equal(wrong_indices, expected[0]) and np.allclose(wrong_distances, expected[1]))
        if is_wrong and np.array_equal(indices, wrong_indices) and np.allclose(distances, wrong_distances, 1e-4, 1e-4):
            return why
    if np.any(indices != np.round(indices)) or np.any(indices < 0) or np.any(indices >= len(train)):
        return f"the indices must be whole numbers from 0 to {len(train) - 1}: rows of the training images"
    truth = np.sqrt(np.sum((samples - train[indices.astype(int)]) ** 2, axis=1))
    if not np.allclose(truth, expected[1], rtol=1e-6, atol=1e-6):
        return "some indices are not those of the nearest training images"
    return compare_numbers(distances, expected[1])


register(
    Exercise(
        id="08.3",
        title="the nearest training images of samples",
        reference=nearest_neighbours,
        cases=_neighbour_cases,
        hint=(
            "compute the distance from every sample to every training image (a (n_samples, n_train) table), "
            "then take, for each sample, the smallest one and where it is."
        ),
        hints=(
            "squared = ((samples[:, None, :] - train[None, :, :]) ** 2).sum(axis=-1); index = squared.argmin(axis=1); "
            "return index, np.sqrt(squared[np.arange(len(samples)), index]): the Euclidean distance, not its square.",
        ),
        compare=_same_neighbours,
    )
)


# ------------------------------------------------------------------ 08.4 the log-likelihood of every class


def class_log_likelihoods(model: tfd.TransformedDistribution, y: np.ndarray, num_classes: int) -> np.ndarray:
    """Reference: log p(y | c) of every row of y for every class c, shape (n, num_classes)."""
    columns = []
    for label in range(num_classes):
        kwargs = conditional.condition_on(model, np.full(len(y), label), num_classes)
        columns.append(np.asarray(model.log_prob(y, bijector_kwargs=kwargs)))
    return np.stack(columns, axis=1)


def _conditional_model(event_size: int, num_classes: int, num_layers: int, seed: int) -> tfd.TransformedDistribution:
    """An untrained conditional flow N(0, I) -> conditional MAFs (whose log_prob depends on the label)."""
    chain = conditional.make_conditional_stack(num_layers, event_size, num_classes, hidden_units=(16,), seed=seed)
    return tfd.TransformedDistribution(builders.make_base(event_size), tfb.Chain([chain], name="outer"))


def _class_cases() -> list[Case]:
    """A small conditional flow, one with many classes, and a single conditional MAF with no chain around it."""
    rng = np.random.default_rng(12)
    single = tfd.TransformedDistribution(
        builders.make_base(3), conditional.make_conditional_maf(3, 2, hidden_units=(8,), seed=5)
    )
    return [
        Case(
            dict(
                model=_conditional_model(6, 3, 2, seed=3), y=rng.normal(size=(5, 6)).astype(np.float32), num_classes=3
            ),
            "2 conditional MAFs in 6-D, 3 classes, 5 points",
        ),
        Case(
            dict(
                model=_conditional_model(4, 5, 1, seed=4), y=rng.normal(size=(4, 4)).astype(np.float32), num_classes=5
            ),
            "1 conditional MAF in 4-D, 5 classes, 4 points",
        ),
        Case(dict(model=single, y=rng.normal(size=(3, 3)).astype(np.float32), num_classes=2), "a bare conditional MAF"),
    ]


def _class_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong answers of 08.4."""
    table = class_log_likelihoods(**case.kwargs)
    return {
        "these are probabilities: return log p(y | c), the log_prob": lambda: np.exp(table),
        "these are log p(c | y), normalised over the classes: return the likelihoods log p(y | c) themselves": (
            lambda: table - np.logaddexp.reduce(table, axis=1, keepdims=True)
        ),
    }


@never_raises
def _same_table(got: Any, expected: Any, case: Case) -> str | None:
    """The (n, C) table within tolerance; a table whose columns do not depend on the label is named."""
    values, reason = read_numbers(got)
    if reason is None and values.shape == expected.shape and values.shape[1] > 1:
        if np.allclose(values, values[:, :1], rtol=1e-5, atol=1e-5) and not np.allclose(expected, expected[:, :1]):
            return (
                "every column is the same: the label never reached the flow. Column c needs every point labelled c, "
                "bijector_kwargs=conditional.condition_on(model, np.full(len(y), c), num_classes)"
            )
    return numbers_compare(_class_mistakes, rtol=1e-3, atol=1e-3)(got, expected, case)


register(
    Exercise(
        id="08.4",
        title="a conditional flow's log-likelihood of every class",
        reference=class_log_likelihoods,
        cases=_class_cases,
        hint=(
            "evaluate model.log_prob(y, ...) once per class c, with every point labelled c, and put the results "
            "side by side as columns."
        ),
        hints=(
            "for c in range(num_classes): kwargs = conditional.condition_on(model, np.full(len(y), c), num_classes); "
            "column c is model.log_prob(y, bijector_kwargs=kwargs). Return np.stack(columns, axis=1), shape "
            "(n, num_classes).",
        ),
        compare=_same_table,
    )
)
