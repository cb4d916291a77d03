"""Exercises of notebook 02 (autoregressive flows and MADE).

The flow exercises hand the learner a shift-and-log-scale function `fn(x) -> (shift, log_scale)`,
each of shape (n, D), that is autoregressive: output i depends only on x[:, :i]. In the cases it
is a small MADE whose weights were moved off their starting values (so no output is trivially
0), or a `CoupledConditioner` whose every output leans hard on the dimension before it (so that
one pass too few shows); both accept NumPy arrays or tensors of any float type. A case wraps it
in a `CaseCounter`, so a check can count the answer's network calls (the references call around it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils import builders, masking, pass_costs
from course_utils._tf import tf, tfb
from course_utils.exercises import Case, Exercise, register
from course_utils.exercises._compare import describe, never_raises, numbers_compare


class MadeConditioner(tf.Module):
    """A MADE seen as x -> (shift, log_scale), log-scale soft-clamped, weights perturbed so every output matters."""

    def __init__(self, event_size: int, seed: int, log_scale_clamp: float = 2.0, hidden_units: tuple = (16, 16)):
        super().__init__(name=f"made_D{event_size}_seed{seed}")
        made = builders.make_made(event_size, hidden_units, params=2, seed=seed)
        rng = np.random.default_rng(seed)
        for variable in made.trainable_variables:
            noise = rng.normal(size=variable.shape).astype(np.float32)
            if "kernel" in variable.name:  # multiplicative: the masked (zero) entries stay zero
                variable.assign(variable * (1.0 + 0.5 * noise))
            else:
                variable.assign(variable + 0.3 * noise)
        self.event_size = event_size
        self.fn = builders.ClampedShiftAndLogScale(made, log_scale_clamp)

    def __call__(self, x: Any) -> tuple[tf.Tensor, tf.Tensor]:
        """Return (shift, log_scale) for the rows of x (a NumPy array or a tensor)."""
        return self.fn(tf.cast(x, tf.float32))


class CoupledConditioner(tf.Module):
    """An autoregressive x -> (x W + b, 0.8 tanh(x V + c)) with W, V strictly upper triangular and W's superdiagonal
    large: every output leans hard on the dimension just before it (linearly, so nothing saturates), and a pass too
    few leaves a large error in the last entries."""

    def __init__(self, event_size: int, seed: int):
        super().__init__(name=f"coupled_D{event_size}_seed{seed}")
        rng = np.random.default_rng(seed)
        w = np.triu(rng.normal(scale=0.3, size=(event_size, event_size)), k=1)
        w[np.arange(event_size - 1), np.arange(1, event_size)] = rng.choice([-1.2, 1.2], size=event_size - 1)
        self.event_size = event_size
        self.w = tf.constant(w, tf.float32)
        self.v = tf.constant(np.triu(rng.normal(scale=0.4, size=(event_size, event_size)), k=1), tf.float32)
        self.b = tf.constant(rng.normal(scale=0.5, size=event_size), tf.float32)
        self.c = tf.constant(rng.normal(scale=0.3, size=event_size), tf.float32)

    def __call__(self, x: Any) -> tuple[tf.Tensor, tf.Tensor]:
        """Return (shift, log_scale) for the rows of x (a NumPy array or a tensor)."""
        x = tf.cast(x, tf.float32)
        return x @ self.w + self.b, 0.8 * tf.tanh(x @ self.v + self.c)


@functools.cache
def made_conditioner(event_size: int, seed: int, log_scale_clamp: float = 2.0) -> MadeConditioner:
    """A MadeConditioner built once per (size, seed, clamp): checks never train it, so cases can share it."""
    return MadeConditioner(event_size, seed=seed, log_scale_clamp=log_scale_clamp)


class CaseCounter(pass_costs.CallCounter):
    """A CallCounter for one case of a check: it counts the answer's calls only (references call `uncounted`), and
    it is shared, never copied, so that the count the comparison reads is the one the answer made."""

    def __deepcopy__(self, memo: dict) -> CaseCounter:
        """Return self: a copy would count calls the comparison never sees."""
        return self

    def __copy__(self) -> CaseCounter:
        """Return self (see __deepcopy__)."""
        return self


def counted(conditioner: Callable[..., Any]) -> CaseCounter:
    """Wrap a conditioner in a fresh CaseCounter named after it."""
    return CaseCounter(conditioner, name=getattr(conditioner, "name", "shift_and_log_scale"))


def uncounted(fn: Any) -> Any:
    """The function behind a case's counter, so a reference or a comparison does not add to the answer's count."""
    return fn.network if isinstance(fn, CaseCounter) else fn


def answer_calls(case: Case) -> int:
    """How often the answer called the case's counted shift_and_log_scale."""
    fn = case.kwargs["shift_and_log_scale"]
    return fn.calls if isinstance(fn, CaseCounter) else 0


def too_many_calls(case: Case, allowed: int, why: str) -> str | None:
    """A reason when right values took more than `allowed` calls of the counted network (naming a loop over rows)."""
    calls, rows = answer_calls(case), len(next(v for k, v in case.kwargs.items() if k in ("x", "z")))
    if calls <= allowed:
        return None
    per_row = " (one per row of the input?)" if calls == rows else ""
    return f"the values are right, but your function called shift_and_log_scale {calls} times{per_row}; {why}"


def standard_points(n: int, event_size: int, seed: int, scale: float = 1.0) -> np.ndarray:
    """n standard-normal points (times `scale`) of dimension event_size, float32."""
    return (scale * np.random.default_rng(seed).standard_normal((n, event_size))).astype(np.float32)


def _flow_cases() -> list[Case]:
    """Inputs shared by 02.1 and 02.2: MADEs of 2, 3 and 5 dimensions, and 6 strongly coupled ones in only 2 rows."""
    made_cases = [(2, 1, 2.0, 5), (3, 2, 2.0, 6), (5, 3, 1.0, 4)]
    return [
        *(
            Case(
                dict(
                    shift_and_log_scale=counted(made_conditioner(size, seed, clamp)),
                    z=standard_points(n, size, 10 + seed),
                ),
                f"a MADE, D = {size}, {n} rows",
            )
            for size, seed, clamp, n in made_cases
        ),
        Case(
            dict(shift_and_log_scale=counted(CoupledConditioner(6, seed=4)), z=standard_points(2, 6, seed=14)),
            "D = 6 dimensions but only 2 rows, each dimension strongly coupled to the one before",
        ),
    ]


# ---------------------------------------------------------------- 02.1 sampling one dimension at a time


def _passes(fn: Any, z: Any, count: int, at_z: bool = False) -> np.ndarray:
    """x after `count` passes of x = shift(x) + exp(log_scale(x)) * z from x = 0 (or one pass with the network at z)."""
    fn, z = uncounted(fn), tf.convert_to_tensor(z, dtype=tf.float32)
    x = z if at_z else tf.zeros_like(z)
    for _ in range(count):
        shift, log_scale = fn(x)
        x = shift + tf.exp(log_scale) * z
    return x.numpy()


def sample_autoregressive(shift_and_log_scale: Any, z: np.ndarray) -> np.ndarray:
    """Reference: x from z by D passes, x_i = shift_i(x_<i) + exp(log_scale_i(x_<i)) z_i."""
    return _passes(shift_and_log_scale, z, np.shape(z)[-1])  # after pass k the first k entries of x are final


def _sampling_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong answers of 02.1: too few passes (the rows of z, D - 1, one), the network at z, the inverse map."""
    fn, z = case.kwargs["shift_and_log_scale"], case.kwargs["z"]
    n, size = z.shape
    mistakes = {}
    if n < size:
        rows = f"x after {n} passes, one per ROW of z: loop over the D = {size} dimensions, range(z.shape[-1])"
        mistakes[rows] = lambda: _passes(fn, z, n)
    short = f"x after only {size - 1} pass{'es' if size > 2 else ''}: D = {size} are needed, the last entry waits"
    mistakes |= {
        short: lambda: _passes(fn, z, size - 1),
        "x after one pass: call the network on the current x, D times": lambda: _passes(fn, z, 1),
        "the network was called on z: its shifts and log-scales must come from x, built pass by pass": (
            lambda: _passes(fn, z, 1, at_z=True)
        ),
    }
    shift, log_scale = (np.asarray(t, np.float64) for t in uncounted(fn)(z))
    mistakes["this is the inverse map (z - shift) * exp(-log_scale): sampling runs forward"] = lambda: (
        (z - shift) * np.exp(-log_scale)
    )
    return mistakes


@never_raises
def _sampled_in_d_passes(got: Any, expected: Any, case: Case) -> str | None:
    """Values within tolerance, from at most D + 1 network calls; name too few passes, rows for dimensions."""
    reason = numbers_compare(_sampling_mistakes)(got, expected, case)
    size = case.kwargs["z"].shape[-1]
    return reason or too_many_calls(case, size + 1, f"D = {size} passes suffice, one per dimension")


register(
    Exercise(
        id="02.1",
        title="sampling an autoregressive flow one dimension at a time",
        reference=sample_autoregressive,
        cases=_flow_cases,
        hint=(
            "each output dimension needs only the dimensions before it, so one call of the network can fix one "
            "more dimension. How many calls does it take to fix all D of them (D counts dimensions, not rows)?"
        ),
        hints=(
            "start from x = zeros like z and repeat D times (D = z.shape[-1], the dimensions, not the rows): "
            "shift, log_scale = shift_and_log_scale(x), then x = shift + exp(log_scale) * z. "
            "Pass k fixes x_k, because x_k only needs x_1..x_{k-1}, which earlier passes fixed; "
            "fewer than D passes leave the last entries wrong.",
        ),
        compare=_sampled_in_d_passes,
    )
)


# ---------------------------------------------------------------- 02.2 the log-determinant


def autoregressive_log_det(shift_and_log_scale: Any, z: np.ndarray) -> np.ndarray:
    """Reference: log|det dx/dz| = sum_i log_scale_i(x_<i), with x = forward(z)."""
    fn = uncounted(shift_and_log_scale)
    x = tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=fn).forward(z)
    _, log_scale = fn(x)
    return tf.reduce_sum(log_scale, axis=-1).numpy()


def _log_det_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong answers of 02.2: log-scales at z, the sign, a mean, the scales instead of their logs."""
    fn, z = uncounted(case.kwargs["shift_and_log_scale"]), case.kwargs["z"]
    log_scale = np.asarray(fn(_passes(fn, z, z.shape[-1]))[1], np.float64)
    return {
        "the log-scales were computed at z: they belong to x = forward(z), the output": lambda: np.sum(
            np.asarray(fn(z)[1], np.float64), axis=-1
        ),
        "the sign is flipped: the forward map's log-det is +sum(log_scale)": lambda: -np.sum(log_scale, axis=-1),
        "this is a mean: log|det| is the SUM of the log-scales": lambda: np.mean(log_scale, axis=-1),
        "this sums the scales exp(log_scale): sum the log-scales themselves": lambda: np.sum(
            np.exp(log_scale), axis=-1
        ),
    }


register(
    Exercise(
        id="02.2",
        title="the log-determinant of an autoregressive flow",
        reference=autoregressive_log_det,
        cases=_flow_cases,
        hint=(
            "the Jacobian of an autoregressive map is triangular: what is on its diagonal, and at which input "
            "were those values computed when x was built?"
        ),
        hints=(
            "the Jacobian dx/dz is triangular with diagonal exp(log_scale_i), so log|det| = sum_i log_scale_i. "
            "The log-scales must be the ones the forward map used, computed from x (the output), not from z: "
            "first x = sample_autoregressive(...) (or the MAF bijector's forward), then "
            "_, log_scale = shift_and_log_scale(x) and sum over the last axis: one number per row.",
        ),
        compare=numbers_compare(_log_det_mistakes, broadcast=True),
    )
)


# ---------------------------------------------------------------- 02.3 the MADE mask rule


def made_mask(in_degrees: np.ndarray, out_degrees: np.ndarray, is_output: bool) -> np.ndarray:
    """Reference: mask[a, b] is True when unit a (in) may feed unit b (out): d_in <= d_out, or < for outputs."""
    d_in = np.asarray(in_degrees)[:, None]
    d_out = np.asarray(out_degrees)[None, :]
    return d_in < d_out if is_output else d_in <= d_out


def _mask_cases() -> list[Case]:
    """Hidden and output layers, orders left-to-right and not, square and not (so a transposed mask fails)."""
    three = masking.made_degrees(3, [8, 8])
    reversed_four = masking.made_degrees(4, [6], input_order="right-to-left")
    return [
        Case(dict(in_degrees=three[0], out_degrees=three[1], is_output=False), "inputs -> hidden 1, D = 3"),
        Case(dict(in_degrees=three[1], out_degrees=three[2], is_output=False), "hidden 1 -> hidden 2"),
        Case(dict(in_degrees=three[2], out_degrees=three[0], is_output=True), "hidden 2 -> outputs"),
        Case(
            dict(in_degrees=np.array([1, 2, 2, 3]), out_degrees=np.array([3, 1, 2, 2]), is_output=False),
            "a square hidden layer, degrees out of order",
        ),
        Case(
            dict(in_degrees=reversed_four[1], out_degrees=reversed_four[0], is_output=True),
            "hidden -> outputs, inputs ordered right to left",
        ),
        Case(
            dict(in_degrees=np.array([1, 2, 3, 1]), out_degrees=np.array([3, 1, 2, 4]), is_output=True),
            "a square output layer",
        ),
    ]


@never_raises
def _same_mask(got: Any, expected: np.ndarray, case: Case) -> str | None:
    """Accept any array of booleans or 0/1 equal to the expected mask; name the first wrong connection."""
    try:
        array = np.asarray(got)
    except (TypeError, ValueError):
        array = np.asarray(None)
    if got is None or array.dtype.kind not in "biuf":
        return f"your function returned {describe(got)}, not an array of True/False"
    if array.shape != expected.shape:
        hint = (
            " (transposed? rows are the units in, columns the units out)" if array.shape == expected.shape[::-1] else ""
        )
        return f"the shape is {array.shape}, expected {expected.shape}: (len(in_degrees), len(out_degrees)){hint}"
    if not np.all(np.isin(array, [0, 1])):
        return "the mask must hold only True/False (or 1/0)"
    wrong = np.argwhere(array.astype(bool) != expected)
    if len(wrong) == 0:
        return None
    if np.array_equal(array.astype(bool).T, expected):
        return "the mask is transposed: rows are the units in (in_degrees), columns the units out"
    a, b = wrong[0]
    d_in, d_out = case.kwargs["in_degrees"][a], case.kwargs["out_degrees"][b]
    allowed = "allowed" if expected[a, b] else "blocked"
    return (
        f"{len(wrong)} entries differ; e.g. [{a}, {b}]: a unit of degree {d_in} feeding "
        f"{'an output' if case.kwargs['is_output'] else 'a hidden unit'} of degree {d_out} must be {allowed}"
    )


register(
    Exercise(
        id="02.3",
        title="the MADE mask rule",
        reference=made_mask,
        cases=_mask_cases,
        hint=(
            "a MADE connection is allowed when the unit it comes from does not carry information the unit it goes"
            " to must not see; compare degrees, all pairs at once, and remember the output layer is stricter than"
            " the hidden ones."
        ),
        hints=(
            "compare every in-degree with every out-degree by broadcasting: in_degrees[:, None] against "
            "out_degrees[None, :]. Hidden layers allow d_in <= d_out; the output layer allows only d_in < d_out, "
            "so that output i never sees x_i itself.",
        ),
        compare=_same_mask,
    )
)
