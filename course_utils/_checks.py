"""Argument checks shared by every public function: fail early, name the argument."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

MAX_SEED = 2**31 - 1  # the largest seed every generator of the course (NumPy, TF, Keras) takes
# Upper bounds on sizes, far above what the course uses, where a slip (10**6 for 10) would hang or exhaust memory.
MAX_EVENT_SIZE = 4096
MAX_UNITS = 4096  # width of one hidden layer
MAX_LAYERS = 100  # flow layers in a stack
MAX_POINTS = 10_000_000  # rows of data drawn at once
MAX_DRAWN = 100_000  # points drawn in one figure


def positive_int(name: str, value: Any, *, minimum: int = 1, maximum: int | None = None) -> int:
    """Return `value` as an int, or raise if it is not an integer >= 1 (and within [minimum, maximum])."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer, got {value!r} of type {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return _at_most(name, int(value), maximum)


def seed(name: str, value: Any, *, optional: bool = False) -> int | None:
    """Return `value` as an int seed in [0, 2**31 - 1] (or None when `optional`), or raise."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        allowed = "an integer seed such as 0, or None" if optional else "an integer seed such as 0"
        raise TypeError(f"{name} must be {allowed}, got {value!r} of type {type(value).__name__}")
    if not 0 <= value <= MAX_SEED:
        raise ValueError(f"{name} must be an integer between 0 and {MAX_SEED}, got {value}")
    return int(value)


def non_negative_int(name: str, value: Any, *, maximum: int | None = None) -> int:
    """Return `value` as an int, or raise if it is not an integer >= 0 (and <= `maximum`)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a non-negative integer, got {value!r} of type {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer (>= 0), got {value}")
    return _at_most(name, int(value), maximum)


def _at_most(name: str, value: int, maximum: int | None) -> int:
    """Return `value`, or raise if it is above `maximum` (where a slip would hang or exhaust memory)."""
    if maximum is not None and value > maximum:
        raise ValueError(
            f"{name} must be at most {maximum:,}, got {value:,}: more would take too long or too much memory"
        )
    return value


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
    return [positive_int(f"{name}[{i}]", width, maximum=MAX_UNITS) for i, width in enumerate(value)]


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
        raise ValueError(f"{name} must be a permutation of 0..{size - 1} (each index once), got {as_list}")
    return as_list


def points(
    name: str, value: Any, event_size: int | None = None, *, min_rows: int = 1, finite: bool = True
) -> np.ndarray:
    """Return `value` as a float32 array of shape (n, event_size), finite unless `finite=False`, or raise."""
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
    if finite and not np.all(np.isfinite(array)):
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


def finite_float(name: str, value: Any) -> float:
    """Return `value` as a float, or raise if it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r} of type {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def sequence(name: str, value: Any, what: str = "values") -> list[Any]:
    """Return `value` as a list if it is a non-empty list, tuple or 1-D array, or raise naming `what` it holds."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)) or len(value) == 0:
        raise TypeError(f"{name} must be a non-empty list of {what}, got {value!r}")
    return list(value)


def event_size(name: str, value: Any, *, minimum: int = 1) -> int:
    """Return `value` as an event size D (a positive integer, at most MAX_EVENT_SIZE), or raise."""
    return positive_int(name, value, minimum=minimum, maximum=MAX_EVENT_SIZE)


def event_size_of(model: Any) -> int | None:
    """Return the event size D a distribution or bijector of the course works on, or None if it cannot tell."""
    from course_utils._tf import ChainBase, tfb, tfd  # imported here: the rest of this module stays TF-free

    if isinstance(model, tfd.Distribution):
        shape = model.event_shape
        return int(shape[-1]) if shape.rank == 1 and shape[-1] is not None else None
    if isinstance(model, ChainBase):
        sizes = [event_size_of(b) for b in model.bijectors]
        return next((size for size in sizes if size is not None), None)
    if isinstance(model, tfb.Invert):
        return event_size_of(model.bijector)
    if isinstance(model, tfb.Permute):
        return int(model.permutation.shape[-1])
    network = getattr(model, "_shift_and_log_scale_fn", None)  # MAF and RealNVP layers
    while network is not None and not isinstance(network, tfb.AutoregressiveNetwork):
        if getattr(network, "event_size", None) is not None:  # builders.CouplingNetwork
            return int(network.event_size)
        network = getattr(network, "made", None) or getattr(network, "network", None)  # the course's wrappers
    return None if network is None else int(network._event_size)


def event_points(name: str, value: Any, model_name: str, model: Any, **kwargs: Any) -> np.ndarray:
    """Return `value` as points (see `points`), or raise naming both sizes if the model works on another D."""
    array = points(name, value, **kwargs)
    size = event_size_of(model)
    if size is not None and array.shape[1] != size:
        raise ValueError(
            f"{name} has {array.shape[1]} columns but {model_name} works on {size}-dimensional points "
            f"(its event size is {size}): give {name} the shape (n_points, {size})"
        )
    return array


def event_size_is(model_name: str, model: Any, size: int, what: str) -> None:
    """Raise if the model's event size is known and is not `size`; `what` says what needs that size."""
    found = event_size_of(model)
    if found is not None and found != size:
        raise ValueError(f"{what} needs a {size}-dimensional {model_name}, got one with event size {found}")


def bijector(name: str, value: Any) -> Any:
    """Return `value` if it is a tfp bijector, or raise."""
    from course_utils._tf import tfb  # imported here: the rest of this module stays free of TensorFlow

    if not isinstance(value, tfb.Bijector):
        raise TypeError(f"{name} must be a tfp.bijectors.Bijector, got {type(value).__name__}")
    return value


def boolean(name: str, value: Any) -> bool:
    """Return `value` if it is True or False, or raise."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def in_interval(name: str, value: Any, low: float, high: float, note: str = "") -> float:
    """Return `value` as a finite float in [low, high], or raise (`note` says where the interval comes from)."""
    number = finite_float(name, value)
    if not low <= number <= high:
        raise ValueError(f"{name} must lie in [{low}, {high}]{note}, got {number}")
    return number


def point(name: str, value: Any) -> np.ndarray:
    """Return `value` as one 2-D point: a finite float64 array of shape (2,), or raise."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a pair of numbers (z1, z2), got {value!r}") from error
    if array.shape != (2,) or not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be a pair of finite numbers (z1, z2), got {value!r}")
    return array


def numbers(name: str, value: Any) -> np.ndarray:
    """Return `value` as a float64 array (NaN and inf kept), or raise if it does not hold numbers."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a list of numbers, got {value!r}") from error


def finite_rows(name: str, array: np.ndarray) -> np.ndarray:
    """Return the mask of the rows of a 2-D `array` without NaN or inf, or raise if no row is finite."""
    rows = np.isfinite(array).all(axis=1)
    if not rows.any():
        raise ValueError(f"{name} must have a finite row: all {len(array)} rows hold NaN or inf")
    return rows


def per_row(name: str, value: Any, n_rows: int, rows_of: str) -> np.ndarray:
    """Return `value` as a 1-D array with one entry per row of the array named `rows_of`, or raise."""
    array = np.asarray(value)
    if array.shape != (n_rows,):
        raise ValueError(f"{name} must have shape ({n_rows},), one entry per row of {rows_of}, got shape {array.shape}")
    return array


def int_vectors(name: str, value: Any, what: str) -> list[np.ndarray]:
    """Return `value` as a non-empty list of non-empty 1-D integer arrays, or raise naming `what` it holds."""
    arrays = []
    for index, item in enumerate(sequence(name, value, what)):
        array = np.asarray(item)
        if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"{name}[{index}] must be a non-empty 1-D array of integers, got {item!r}")
        arrays.append(array)
    return arrays


def square_matrices(name: str, value: Any) -> np.ndarray:
    """Return `value` as a finite (n, D, D) float64 array (one (D, D) matrix gives n = 1), or raise."""
    try:
        matrices = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must hold an array of numbers") from error
    if matrices.ndim == 2:
        matrices = matrices[None]
    if matrices.ndim != 3 or matrices.shape[1] != matrices.shape[2] or matrices.shape[0] == 0:
        raise ValueError(f"{name} must be a (D, D) matrix or an (n, D, D) batch of them, got shape {np.shape(value)}")
    if not np.all(np.isfinite(matrices)):
        raise ValueError(f"{name} holds NaN or inf")
    return matrices


def one_per(name: str, values: Sequence[Any], count: int, what: str) -> Sequence[Any]:
    """Return `values` if it holds exactly `count` items, one per `what`, or raise."""
    if len(values) != count:
        raise ValueError(f"{name} must have one value per {what} ({count}), got {len(values)}")
    return values


def one_or_more(name: str, value: Any) -> list[Any]:
    """Return `value` as a non-empty list: a list or tuple as given, anything else as a one-item list."""
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise ValueError(f"{name} must not be empty: give one item or a non-empty list")
    return items


def titles(name: str, value: Any, n_panels: int) -> list[str]:
    """Return one title per panel ("" for each when `value` is None); one string is allowed for one panel."""
    if value is None:
        return [""] * n_panels
    if isinstance(value, str) and n_panels == 1:
        return [value]
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != n_panels:
        raise ValueError(f"{name} must be a list of one title per panel ({n_panels}), got {value!r}")
    return [str(title) for title in value]


def named_pairs(name: str, value: Any, what: str) -> list[tuple[str, Any]]:
    """Return `value` as a non-empty list of (name, `what`) pairs with string names, or raise."""
    items = sequence(name, value, f"(name, {what}) pairs")
    for index, item in enumerate(items):
        if not (isinstance(item, Sequence) and len(item) == 2 and isinstance(item[0], str)):
            raise TypeError(f"{name}[{index}] must be a (name, {what}) pair with a string name, got {item!r}")
    return [(label, item) for label, item in items]


def mapping(name: str, value: Any, what: str) -> Mapping[Any, Any]:
    """Return `value` if it is a non-empty dict, or raise naming `what` it should map."""
    if not isinstance(value, Mapping) or not value:
        raise TypeError(f"{name} must be a non-empty dict {what}, got {value!r}")
    return value


def has_method(name: str, value: Any, method: str, example: str) -> Any:
    """Return `value` if it has a callable `method`, or raise naming an `example` of what has one."""
    if not callable(getattr(value, method, None)):
        raise TypeError(f"{name} must have a {method} method (e.g. {example}), got {type(value).__name__}")
    return value


def instance(name: str, value: Any, kind: type, what: str) -> Any:
    """Return `value` if it is an instance of `kind`, or raise saying it must be `what`."""
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__}")
    return value
