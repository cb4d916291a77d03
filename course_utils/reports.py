"""NLL reports: a model's mean NLL on the training, validation and fresh points, their text table, and a
tolerance check for trained numbers (which differ a little between machines)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from course_utils import _checks, metrics
from course_utils._tf import tfd
from course_utils.data import ToyData


def nll_report(
    dist: tfd.Distribution, data: ToyData, validation_split: float = 0.2, n_fresh: int = 20000, seed: int = 12345
) -> dict[str, float]:
    """Return the mean NLL (nats) of `dist` on the training part, the validation part and n_fresh fresh points.

    The split is the one `train` and Keras make (the last `validation_split` of the rows is
    validation); the fresh points are `metrics.heldout_nll`'s, drawn with `seed`.
    """
    if not isinstance(data, ToyData):
        raise TypeError(f"data must be a course_utils.data.ToyData (e.g. data.two_moons()), got {type(data).__name__}")
    train_x, val_x = data.split(validation_split)
    return {
        "train": metrics.nll(dist, train_x),
        "validation": metrics.nll(dist, val_x),
        "held-out": metrics.heldout_nll(dist, data, n=n_fresh, seed=seed),
    }


def _table_cell(value: object, digits: int) -> str:
    """Format one table value: integers as they are, other numbers with `digits` decimals, None as '-'."""
    if value is None:
        return "-"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{digits}f}"
    raise TypeError(f"table values must be numbers or None, got {value!r} of type {type(value).__name__}")


def _row_digits(rows: Mapping[str, Mapping[str, float]], digits: int | Mapping[str, int]) -> dict[str, int]:
    """Return the decimals of each row: `digits` for all, or {model name: decimals} with 3 for the rest."""
    if not isinstance(digits, Mapping):
        digits = _checks.non_negative_int("digits", digits)
        return {name: digits for name in rows}
    unknown = [name for name in digits if name not in rows]
    if unknown:
        raise ValueError(f"digits names rows that are not in the table: {unknown}; rows are {list(rows)}")
    return {name: _checks.non_negative_int(f"digits[{name!r}]", digits.get(name, 3)) for name in rows}


def _columns(rows: Mapping[str, Mapping[str, float]], columns: Sequence[str] | None) -> list[str]:
    """Return the columns to show: those of the rows in the order first met, or the chosen ones."""
    found: list[str] = []
    for name, row in rows.items():
        _checks.instance(f"rows[{name!r}]", row, Mapping, "a dict {column: value}")
        found += [column for column in row if column not in found]
    if columns is None:
        return found
    columns = _checks.sequence("columns", columns, "column names")
    missing = [column for column in columns if column not in found]
    if missing:
        raise ValueError(f"columns {missing} are in no row; the rows have {found}")
    return columns


def _aligned(header: list[str], body: list[list[str]]) -> list[str]:
    """Return the header, a rule and the body as text lines: the first column left-aligned, the others right."""
    widths = [max(len(cells[i]) for cells in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        right = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([cells[0].ljust(widths[0]), *right]).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(cells) for cells in body)]


def format_nll_table(
    rows: Mapping[str, Mapping[str, float]],
    entropy: float | None = None,
    digits: int | Mapping[str, int] = 3,
    columns: Sequence[str] | None = None,
) -> str:
    """Return {model: {column: value}} as a text table; with `entropy`, add the column held-out - entropy.

    Columns appear in the order they are first met, or as listed in `columns` (only those); a
    row without a column shows '-'. The extra column is the KL divergence the model has left to
    the data (in nats), when the rows have a 'held-out' NLL. `digits` is the number of decimals,
    or {model name: decimals} for rows that need fewer (say, numbers that vary in the last
    decimal from run to run); 3 otherwise.
    """
    if not isinstance(rows, Mapping) or not rows:
        raise TypeError(f"rows must be a non-empty dict {{model name: {{column: value}}}}, got {rows!r}")
    row_digits = _row_digits(rows, digits)
    columns = _columns(rows, columns)
    if entropy is not None:
        entropy = _checks.finite_float("entropy", entropy)
        if "held-out" not in columns:
            raise ValueError(f"entropy needs a 'held-out' column to compare with, got columns {columns}")
    header = ["model", *columns] + (["held-out - entropy"] if entropy is not None else [])
    body = []
    for name, row in rows.items():
        cells = [str(name)] + [_table_cell(row.get(column), row_digits[name]) for column in columns]
        if entropy is not None:
            heldout = row.get("held-out")
            cells.append(_table_cell(None if heldout is None else float(heldout) - entropy, row_digits[name]))
        body.append(cells)
    text = _aligned(header, body)
    if entropy is not None:
        overall = digits if isinstance(digits, int) else 3
        text.append(f"best possible NLL (the entropy of the data): {entropy:.{overall}f}")
    return "\n".join(text)


class OutsideToleranceError(AssertionError):
    """A measured number lies further from its expected value than the tolerance allows."""


def expect_near(name: str, value: float, expected: float, tolerance: float) -> None:
    """Raise OutsideToleranceError unless |value - expected| <= tolerance (NaN never is); print nothing."""
    _checks.instance("name", name, str, "a string naming the quantity, such as 'held-out NLL'")
    if not name.strip():
        raise ValueError("name must name the quantity, such as 'held-out NLL', got an empty string")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"value must be a number, got {value!r} of type {type(value).__name__}")
    expected = _checks.finite_float("expected", expected)
    tolerance = _checks.positive_float("tolerance", tolerance)
    deviation = abs(float(value) - expected)  # NaN for a NaN value: both comparisons below are then False
    if not (deviation <= tolerance or math.isclose(deviation, tolerance)):  # the edges count as inside
        raise OutsideToleranceError(
            f"{name} is {float(value):.6g}, outside the expected {expected:g} ± {tolerance:g} "
            f"(the range [{expected - tolerance:g}, {expected + tolerance:g}])"
        )
