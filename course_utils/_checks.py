"""Argument checks shared by every public function: fail early, name the argument."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def positive_int(name: str, value: Any) -> int:
    """Return `value` as an int, or raise if it is not an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer, got {value!r} of type {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value}")
    return int(value)


def non_negative_int(name: str, value: Any) -> int:
    """Return `value` as an int, or raise if it is not an integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a non-negative integer, got {value!r} of type {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer (>= 0), got {value}")
    return int(value)


def positive_float(name: str, value: Any) -> float:
    """Return `value` as a float, or raise if it is not a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a positive number, got {value!r} of type {type(value).__name__}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return float(value)


def fraction(name: str, value: Any, *, closed: bool = False) -> float:
    """Return `value` as a float in (0, 1) (or [0, 1) when `closed`), or raise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number between 0 and 1, got {value!r} of type {type(value).__name__}")
    low_ok = value >= 0 if closed else value > 0
    if not (low_ok and value < 1):
        interval = "[0, 1)" if closed else "(0, 1)"
        raise ValueError(f"{name} must lie in {interval}, got {value}")
    return float(value)


def hidden_units(name: str, value: Any) -> list[int]:
    """Return `value` as a non-empty list of positive layer widths, or raise."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) == 0:
        raise TypeError(f"{name} must be a non-empty list of positive integers such as [16, 16], got {value!r}")
    return [positive_int(f"{name}[{i}]", width) for i, width in enumerate(value)]


def one_of(name: str, value: Any, choices: Sequence[str]) -> str:
    """Return `value` if it is one of `choices`, or raise naming the allowed ones."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def permutation(name: str, value: Any, size: int) -> list[int]:
    """Return `value` as a list if it is a permutation of 0..size-1, or raise."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a list of integers, got {value!r}")
    as_list = [int(v) for v in value]
    if sorted(as_list) != list(range(size)):
        raise ValueError(
            f"{name} must be a permutation of 0..{size - 1} (each index once), got {as_list}"
        )
    return as_list


def points(name: str, value: Any, event_size: int | None = None, *, min_rows: int = 1) -> np.ndarray:
    """Return `value` as a finite float32 array of shape (n, event_size), or raise."""
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}") from error
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D with shape (n_points, event_size), got shape {array.shape}")
    if event_size is not None and array.shape[1] != event_size:
        raise ValueError(f"{name} must have {event_size} columns (the event size), got shape {array.shape}")
    if array.shape[0] < min_rows:
        raise ValueError(f"{name} must have at least {min_rows} rows, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        bad = int(np.sum(~np.isfinite(array).all(axis=1)))
        raise ValueError(f"{name} must be finite: {bad} of {array.shape[0]} rows hold NaN or inf")
    return array


def limits(name: str, value: Any) -> tuple[float, float]:
    """Return `value` as a (low, high) pair of finite floats with low < high, or raise."""
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a pair (low, high) of numbers, got {value!r}") from error
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"{name} must be finite with low < high, got {value!r}")
    return low, high
