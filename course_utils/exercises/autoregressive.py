"""Exercises of notebook 02 (autoregressive flows and MADE).

The flow exercises hand the learner a shift-and-log-scale function `fn(x) -> (shift, log_scale)`,
each of shape (n, D), that is autoregressive: output i depends only on x[:, :i]. In the cases it
is a small MADE whose weights were moved off their starting values (so no output is trivially
0), and it accepts NumPy arrays or tensors of any float type, so NumPy and TF answers both pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils import builders, made
from course_utils._tf import tf, tfb
from course_utils.exercises import Case, Exercise, register


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


def standard_points(n: int, event_size: int, seed: int, scale: float = 1.0) -> np.ndarray:
    """n standard-normal points (times `scale`) of dimension event_size, float32."""
    return (scale * np.random.default_rng(seed).standard_normal((n, event_size))).astype(np.float32)


def _flow_cases() -> list[Case]:
    """Inputs shared by 02.1 and 02.2: MADEs of 2, 3 and 5 dimensions, a few points each."""
    return [
        Case(dict(shift_and_log_scale=MadeConditioner(2, seed=1), z=standard_points(5, 2, seed=11)), "D = 2"),
        Case(dict(shift_and_log_scale=MadeConditioner(3, seed=2), z=standard_points(6, 3, seed=12)), "D = 3"),
        Case(
            dict(shift_and_log_scale=MadeConditioner(5, seed=3, log_scale_clamp=1.0), z=standard_points(4, 5, seed=13)),
            "D = 5",
        ),
    ]


# ---------------------------------------------------------------- 02.1 sampling one dimension at a time


def sample_autoregressive(shift_and_log_scale: Any, z: np.ndarray) -> np.ndarray:
    """Reference: x from z by D passes, x_i = shift_i(x_<i) + exp(log_scale_i(x_<i)) z_i."""
    z = tf.convert_to_tensor(z, dtype=tf.float32)
    x = tf.zeros_like(z)
    for _ in range(z.shape[-1]):  # after pass k the first k entries of x are final
        shift, log_scale = shift_and_log_scale(x)
        x = shift + tf.exp(log_scale) * z
    return x.numpy()


register(
    Exercise(
        id="02.1",
        title="sampling an autoregressive flow one dimension at a time",
        reference=sample_autoregressive,
        cases=_flow_cases,
        hint="start from x = zeros like z and repeat D times (D = z.shape[-1]): shift, log_scale = "
        "shift_and_log_scale(x), then x = shift + exp(log_scale) * z. Pass k fixes x_k, because x_k only "
        "needs x_1..x_{k-1}, which earlier passes fixed; fewer than D passes leave the last entries wrong.",
    )
)


# ---------------------------------------------------------------- 02.2 the log-determinant


def autoregressive_log_det(shift_and_log_scale: Any, z: np.ndarray) -> np.ndarray:
    """Reference: log|det dx/dz| = sum_i log_scale_i(x_<i), with x = forward(z)."""
    x = tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=shift_and_log_scale).forward(z)
    _, log_scale = shift_and_log_scale(x)
    return tf.reduce_sum(log_scale, axis=-1).numpy()


register(
    Exercise(
        id="02.2",
        title="the log-determinant of an autoregressive flow",
        reference=autoregressive_log_det,
        cases=_flow_cases,
        hint="the Jacobian dx/dz is triangular with diagonal exp(log_scale_i), so log|det| = sum_i log_scale_i. "
        "The log-scales must be the ones the forward map used, computed from x (the output), not from z: "
        "first x = sample_autoregressive(...) (or the MAF bijector's forward), then "
        "_, log_scale = shift_and_log_scale(x) and sum over the last axis: one number per row.",
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
    three = made.made_degrees(3, [8, 8])
    reversed_four = made.made_degrees(4, [6], input_order="right-to-left")
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


def _same_mask(got: Any, expected: np.ndarray, case: Case) -> str | None:
    """Accept any array of booleans or 0/1 equal to the expected mask; name the first wrong connection."""
    try:
        got = np.asarray(got)
    except (TypeError, ValueError):
        return f"the answer returned {type(got).__name__}, not an array"
    if got.shape != expected.shape:
        hint = (
            " (transposed? rows are the units in, columns the units out)" if got.shape == expected.shape[::-1] else ""
        )
        return f"the shape is {got.shape}, expected {expected.shape}: (len(in_degrees), len(out_degrees)){hint}"
    if not np.all(np.isin(got, [0, 1])):
        return "the mask must hold only True/False (or 1/0)"
    wrong = np.argwhere(got.astype(bool) != expected)
    if len(wrong) == 0:
        return None
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
        hint="compare every in-degree with every out-degree by broadcasting: in_degrees[:, None] against "
        "out_degrees[None, :]. Hidden layers allow d_in <= d_out; the output layer allows only d_in < d_out, "
        "so that output i never sees x_i itself.",
        compare=_same_mask,
    )
)
