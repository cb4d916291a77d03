"""Exercises 09.1 and 09.2 of notebook 09 (the modern toolbox): the log-det of an LU mixing, and Glow's squeeze.

09.3 (a bijector of your own) and 09.4 (restoring a checkpoint) are in `toolbox_bijectors`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils._tf import tf
from course_utils.exercises import Case, Exercise, register
from course_utils.exercises._compare import compare_numbers, describe, name_mistake, never_raises, read_numbers

# ------------------------------------------------------------------ 09.1 the log-det of W = P L U


def lu_log_det(lower_upper: np.ndarray) -> float:
    """Reference: log|det W| for W = P L U packed as `lower_upper` (L below the diagonal, U on and above)."""
    return float(np.sum(np.log(np.abs(np.diag(np.asarray(lower_upper, dtype=np.float64))))))


def _packed(matrix: np.ndarray) -> np.ndarray:
    """The packed LU factors of `matrix`, as tf.linalg.lu gives them (float32)."""
    lower_upper, _ = tf.linalg.lu(tf.constant(matrix, tf.float32))
    return lower_upper.numpy()


def _lu_cases() -> list[Case]:
    """Inputs for 09.1: a rotation (log-det 0), a 3x3 whose U has negative entries, a 4x4 that stretches."""
    angle = 0.6
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    signed = np.array([[0.5, 2.0, -1.0], [-1.5, 0.3, 0.8], [0.4, -0.7, -2.2]])
    stretch = np.random.default_rng(9).normal(size=(4, 4)) + 3.0 * np.eye(4)
    return [
        Case(dict(lower_upper=_packed(rotation)), "a 2x2 rotation (|det W| = 1)"),
        Case(dict(lower_upper=_packed(signed)), "a 3x3 W whose U has negative diagonal entries"),
        Case(dict(lower_upper=_packed(stretch)), "a 4x4 W that stretches space"),
    ]


def _lu_mistakes(case: Case) -> dict[str, Any]:
    """Wrong answers to 09.1, each computed lazily from the case."""
    packed = np.asarray(case.kwargs["lower_upper"], np.float64)
    diagonal = np.diag(packed)
    return {
        "that is det W itself (the product of the U_ii), not its log: take np.log of |det W|, or sum log|U_ii|": (
            lambda: np.prod(diagonal)
        ),
        "that is -log|det W|: the log-det of W is +sum log|U_ii|": lambda: -np.sum(np.log(np.abs(diagonal))),
        "that is log|det| of the packed matrix itself, which is not W: it holds L below the diagonal and U on and "
        "above it, so only its diagonal (the U_ii) is needed": lambda: np.linalg.slogdet(packed)[1],
        "you took the log of every entry: the entries below the diagonal belong to L, whose own diagonal is ones; "
        "use only the diagonal U_ii": lambda: np.sum(np.log(np.abs(packed))),
        "you summed the U_ii themselves: sum their logs, log|U_ii|": lambda: np.sum(diagonal),
    }


@never_raises
def _same_log_det(got: Any, expected: float, case: Case) -> str | None:
    """Accept the number in any form (tensor, 0-d array); name NaN from a negative U_ii and the other mistakes."""
    got_array, reason = read_numbers(got)
    if reason is not None:
        return reason
    diagonal = np.diag(np.asarray(case.kwargs["lower_upper"], np.float64))
    if got_array.size == 1 and np.isnan(got_array).all() and (diagonal < 0).any():
        return "the log of a negative number is NaN: some U_ii are negative, take log|U_ii| (np.abs)"
    if got_array.size == 1:
        got_array = got_array.reshape(())  # one number, however it is wrapped
    reason = compare_numbers(got_array, expected)
    if reason is None:
        return None
    return name_mistake(got_array, _lu_mistakes(case)) or reason


register(
    Exercise(
        id="09.1",
        title="the log-det of an LU mixing",
        reference=lu_log_det,
        cases=_lu_cases,
        hint=(
            "W = P L U: the permutation has |det P| = 1, L has ones on its diagonal, and the determinant of a "
            "triangular matrix is the product of its diagonal."
        ),
        hints=(
            "log|det W| = sum_i log|U_ii|, and the U_ii are the diagonal of the packed matrix: "
            "np.sum(np.log(np.abs(np.diag(lower_upper)))).",
        ),
        compare=_same_log_det,
    )
)


# ------------------------------------------------------------------ 09.2 Glow's squeeze


def squeeze(images: np.ndarray) -> np.ndarray:
    """Reference: (n, H, W, C) -> (n, H/2, W/2, 4C); output channel 4c + 2i + j holds pixel (2h + i, 2w + j) of c."""
    x = np.asarray(images)
    n, height, width, channels = x.shape
    tiles = x.reshape(n, height // 2, 2, width // 2, 2, channels)  # (n, h, i, w, j, c)
    return tiles.transpose(0, 1, 3, 5, 2, 4).reshape(n, height // 2, width // 2, 4 * channels)


def _squeeze_cases() -> list[Case]:
    """Inputs for 09.2: two digits, a 4x6 image with 2 channels, one 2x2 image with 3 channels."""
    from sklearn.datasets import load_digits

    digits = (load_digits().images[:2, :, :, None] / 16.0).astype(np.float32)
    rng = np.random.default_rng(12)
    return [
        Case(dict(images=digits), "two 8x8 digits, 1 channel"),
        Case(dict(images=rng.normal(size=(3, 4, 6, 2)).astype(np.float32)), "three 4x6 images with 2 channels"),
        Case(dict(images=np.arange(12, dtype=np.float32).reshape(1, 2, 2, 3)), "one 2x2 image with 3 channels"),
    ]


def _squeeze_mistakes(case: Case) -> dict[str, Any]:
    """Wrong answers to 09.2, computed lazily."""
    x = np.asarray(case.kwargs["images"])
    n, height, width, channels = x.shape
    tiles = x.reshape(n, height // 2, 2, width // 2, 2, channels)
    out = (n, height // 2, width // 2, 4 * channels)
    return {
        "a plain reshape keeps the row-major order, so one output pixel gets pixels from one image row, not a 2x2 "
        "tile: reshape to (n, H/2, 2, W/2, 2, C) first, then transpose": lambda: x.reshape(out),
        "the channels are in the order (i, j, c), as tf.nn.space_to_depth puts them; this squeeze puts the "
        "input channel first: output channel 4c + 2i + j": lambda: tiles.transpose(0, 1, 3, 2, 4, 5).reshape(out),
        "the tile positions are swapped: channel 4c + 2i + j must hold row offset i and column offset j, you "
        "put the column offset first": lambda: tiles.transpose(0, 1, 3, 5, 4, 2).reshape(out),
    }


@never_raises
def _same_squeeze(got: Any, expected: np.ndarray, case: Case) -> str | None:
    """Accept any array of the reference's values (NumPy or TF); name the reshape and channel-order mistakes."""
    got_array, reason = read_numbers(got)
    if reason is not None:
        return reason
    n, height, width, channels = np.shape(case.kwargs["images"])
    if got_array.shape == (n, 2 * height, 2 * width, channels // 4) or got_array.shape[1:3] == (2 * height, 2 * width):
        return "the images got bigger: that is Glow's Expand; a squeeze halves the height and width"
    if got_array.shape != expected.shape:
        return (
            f"the shape is {got_array.shape}, expected {expected.shape}: (n, H/2, W/2, 4C), 4 times the channels "
            f"at half the height and width (got {describe(got)})"
        )
    reason = compare_numbers(got_array, expected)
    if reason is None:
        return None
    return name_mistake(got_array, _squeeze_mistakes(case)) or reason


register(
    Exercise(
        id="09.2",
        title="Glow's squeeze",
        reference=squeeze,
        cases=_squeeze_cases,
        hint=(
            "cut every image into 2x2 tiles: reshape (n, H, W, C) to (n, H/2, 2, W/2, 2, C), so that the axes are "
            "(n, h, i, w, j, c); then bring i and j next to c in the right order and merge them."
        ),
        hints=(
            "channel 4c + 2i + j means the merged axes are ordered (c, i, j): "
            "x.reshape(n, H // 2, 2, W // 2, 2, C).transpose(0, 1, 3, 5, 2, 4).reshape(n, H // 2, W // 2, 4 * C).",
        ),
        compare=_same_squeeze,
    )
)
