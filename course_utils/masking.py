"""MADE's degrees and masks, computed as `tfb.AutoregressiveNetwork` sets them (notebook 02)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from course_utils import _checks

MADE_INPUT_ORDERS = ("left-to-right", "right-to-left")


def made_degrees(
    event_size: int, hidden_units: Sequence[int], input_order: str | Sequence[int] = "left-to-right"
) -> list[np.ndarray]:
    """Return the degrees of MADE's inputs and of each hidden layer's units, as tfb.AutoregressiveNetwork sets them.

    Input degrees are 1..D in `input_order`; hidden units get degrees 1..D-1 spread evenly
    (TFP's 'equal' rule). A unit of degree d may only depend on the inputs of degree <= d.
    """
    event_size = _checks.positive_int("event_size", event_size)
    if event_size < 2:
        raise ValueError(f"event_size must be at least 2 for an autoregressive network, got {event_size}")
    units = _checks.hidden_units("hidden_units", hidden_units)
    if isinstance(input_order, str):
        _checks.one_of("input_order", input_order, MADE_INPUT_ORDERS)
        order = np.arange(1, event_size + 1)
        degrees = [order if input_order == "left-to-right" else order[::-1].copy()]
    else:
        as_list = [int(v) for v in input_order] if isinstance(input_order, (Sequence, np.ndarray)) else None
        if as_list is None or sorted(as_list) != list(range(1, event_size + 1)):
            raise ValueError(
                f"input_order must be {list(MADE_INPUT_ORDERS)} or a permutation of 1..{event_size}, "
                f"got {input_order!r}"
            )
        degrees = [np.array(as_list)]
    for width in units:
        lowest = min(int(degrees[-1].min()), event_size - 1)
        evenly = np.ceil(np.arange(1, width + 1) * (event_size - 1) / (width + 1)).astype(int)
        degrees.append(np.maximum(lowest, evenly))
    return degrees


def made_masks(degrees: Sequence[np.ndarray], params: int = 1) -> list[np.ndarray]:
    """Return MADE's boolean masks, shaped (units in, units out) like Keras kernels, from the degrees of each layer.

    Hidden layers: a connection is allowed when degree in <= degree out. Output layer: output i
    (degree of input i) may see hidden units of degree < its own; its `params` columns are adjacent.
    """
    arrays = _checks.int_vectors("degrees", degrees, "1-D integer arrays (inputs first)")
    params = _checks.positive_int("params", params)
    masks = [d_in[:, None] <= d_out[None, :] for d_in, d_out in zip(arrays[:-1], arrays[1:], strict=True)]
    masks.append(np.repeat(arrays[-1][:, None] < arrays[0][None, :], params, axis=1))
    return masks
