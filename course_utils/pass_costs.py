"""Counting and timing network passes: why MAF evaluates densities fast and IAF samples fast.

`CallCounter` wraps a network and counts its calls; `measure_pass_costs` counts the calls of a
MAF's or an IAF's operations and times them compiled, for several event sizes (notebooks 03-05).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from course_utils import _checks
from course_utils._tf import tf, tfb, tfd
from course_utils.builders import DEFAULT_LOG_SCALE_CLAMP, ClampedShiftAndLogScale, make_flow, make_made

AUTOREGRESSIVE_KINDS = ("maf", "iaf")
FLOW_OPERATIONS = ("log_prob", "sample", "sample_and_log_prob")


class CallCounter(tf.Module):
    """Wrap a network (or any function) and count its calls; exact in eager mode (a tf.function counts traces).

    With `record_inputs=True` it also keeps a NumPy copy of the first argument of every eager call
    in `inputs`, which shows what a bijector fed its network pass by pass.
    """

    def __init__(self, network: Callable[..., Any], name: str = "call_counter", record_inputs: bool = False):
        if not callable(network):
            raise TypeError(f"network must be callable (a network or a function), got {type(network).__name__}")
        if not isinstance(record_inputs, bool):
            raise TypeError(f"record_inputs must be True or False, got {record_inputs!r}")
        super().__init__(name=name)
        self.network = network
        self.record_inputs = record_inputs
        self.calls = 0
        self._inputs: list[np.ndarray] = []

    @property
    def inputs(self) -> list[np.ndarray]:
        """The first argument of each eager call since the last reset (only with record_inputs=True)."""
        return list(self._inputs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Count one call (recording its input if asked) and return network(*args, **kwargs)."""
        self.calls += 1
        if self.record_inputs and args and tf.executing_eagerly():
            self._inputs.append(np.array(args[0]))
        return self.network(*args, **kwargs)

    def reset(self) -> None:
        """Set the count back to zero and forget the recorded inputs."""
        self.calls = 0
        self._inputs = []

    def count(self, operation: Callable[[], Any]) -> int:
        """Run operation() from a count of zero and return how many calls it made to the network."""
        if not callable(operation):
            raise TypeError(f"operation must be a function of no arguments, got {type(operation).__name__}")
        self.reset()
        operation()
        return self.calls


def make_counted_flow(
    kind: str,
    event_size: int,
    hidden_units: Sequence[int] = (16, 16),
    log_scale_clamp: float | None = DEFAULT_LOG_SCALE_CLAMP,
    seed: int | None = None,
) -> tuple[tfd.TransformedDistribution, CallCounter]:
    """Return a MAF or IAF flow (`kind` 'maf' or 'iaf') whose network counts its calls, and the counter."""
    _checks.one_of("kind", kind, AUTOREGRESSIVE_KINDS)
    clamp = None if log_scale_clamp is None else _checks.positive_float("log_scale_clamp", log_scale_clamp)
    made = make_made(event_size, hidden_units, params=2, seed=seed)
    counter = CallCounter(made if clamp is None else ClampedShiftAndLogScale(made, clamp))
    bijector = tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=counter)
    if kind == "iaf":
        bijector = tfb.Invert(bijector, name="iaf")
    return make_flow(bijector, event_size), counter


@dataclass
class PassCosts:
    """Network calls (counted) and seconds (measured) of a flow's operations, one entry per event size."""

    kind: str
    event_sizes: list[int]
    n: int
    calls: dict[str, list[int]] = field(default_factory=dict)
    seconds: dict[str, list[float]] = field(default_factory=dict)

    def table(self, what: str = "calls") -> str:
        """Return the calls ('calls') or the times in ms ('seconds') as a text table, one row per event size."""
        _checks.one_of("what", what, ("calls", "seconds"))
        values = self.calls if what == "calls" else self.seconds
        if not values:
            raise ValueError(f"no operation was {'counted' if what == 'calls' else 'timed'}, so there is no table")
        heading = "network calls" if what == "calls" else f"milliseconds for {self.n} points (compiled)"
        lines = [f"{self.kind.upper()}: {heading}", f"{'D':>4}" + "".join(f"{op:>21}" for op in values)]
        for row, size in enumerate(self.event_sizes):
            cells = [f"{v[row]:>21d}" if what == "calls" else f"{1e3 * v[row]:>21.1f}" for v in values.values()]
            lines.append(f"{size:>4}" + "".join(cells))
        return "\n".join(lines)


def _run_operation(flow: tfd.TransformedDistribution, operation: str, x: tf.Tensor, n: int, seed: tf.Tensor) -> Any:
    """Run one of FLOW_OPERATIONS on the flow: log_prob of x, or n samples (with their log_prob)."""
    if operation == "log_prob":
        return flow.log_prob(x)
    if operation == "sample":
        return flow.sample(n, seed=seed)
    return flow.experimental_sample_and_log_prob(n, seed=seed)


def measure_pass_costs(
    kind: str,
    event_sizes: Sequence[int] = (2, 4, 8, 16, 32),
    n: int = 1000,
    operations: Sequence[str] = ("log_prob", "sample"),
    timed: Sequence[str] | None = None,
    hidden_units: Sequence[int] = (32, 32),
    repeats: int = 7,
    seed: int = 0,
) -> PassCosts:
    """Count the network calls of each operation of a MAF or IAF (eager) and time the `timed` ones compiled.

    Calls do not depend on the batch size, so they are counted on 4 points. Times (best of
    `repeats`) are for `n` points, run in a `tf.function` after one warm-up call (eager overhead
    would hide the network); `timed=None` times every operation, `timed=()` none.
    """
    _checks.one_of("kind", kind, AUTOREGRESSIVE_KINDS)
    event_sizes = _checks.sequence("event_sizes", event_sizes, "integers >= 2")
    sizes = [_checks.event_size(f"event_sizes[{i}]", size) for i, size in enumerate(event_sizes)]
    if min(sizes) < 2:
        raise ValueError(f"event_sizes must all be at least 2 (an autoregressive flow needs D >= 2), got {sizes}")
    n = _checks.positive_int("n", n, maximum=_checks.MAX_POINTS)
    operations = _checks.sequence("operations", operations, f"operations drawn from {list(FLOW_OPERATIONS)}")
    operations = [_checks.one_of(f"operations[{i}]", op, FLOW_OPERATIONS) for i, op in enumerate(operations)]
    if timed is None:
        timed = operations
    if isinstance(timed, str):
        raise TypeError(f"timed must be a list of operations, got {timed!r}")
    timed = [_checks.one_of(f"timed[{i}]", op, operations) for i, op in enumerate(timed)]
    repeats = _checks.positive_int("repeats", repeats, maximum=1000)
    seed = _checks.seed("seed", seed)
    costs = PassCosts(kind, sizes, n, {op: [] for op in operations}, {op: [] for op in timed})
    stateless_seed = tf.constant([seed, 0], tf.int32)
    rng = np.random.default_rng(seed)
    for size in sizes:
        flow, counter = make_counted_flow(kind, size, hidden_units, seed=seed)
        x = tf.constant(rng.standard_normal((n, size)).astype(np.float32))
        for op in operations:
            costs.calls[op].append(counter.count(partial(_run_operation, flow, op, x[:4], 4, stateless_seed)))
            if op in timed:
                costs.seconds[op].append(_best_time(flow, op, x, stateless_seed, repeats))
    return costs


def _best_time(flow: tfd.TransformedDistribution, operation: str, x: tf.Tensor, seed: tf.Tensor, repeats: int) -> float:
    """Return the best of `repeats` wall times of `operation` on len(x) points, compiled and warmed up."""
    n = int(x.shape[0])
    compiled = tf.function(partial(_run_operation, flow, operation, n=n, seed=seed))
    compiled(x)  # trace and warm up
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        compiled(x)
        best = min(best, time.perf_counter() - start)
    return best
