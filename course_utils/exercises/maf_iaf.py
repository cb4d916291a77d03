"""Exercises of notebooks 03 (MAF) and 04 (IAF).

As in notebook 02 the learner gets an autoregressive `shift_and_log_scale(x) -> (shift, log_scale)`
(a perturbed MADE, see `autoregressive.MadeConditioner`). Where an exercise asks for "one pass"
(or D passes), the function handed over is wrapped in a `pass_costs.CallCounter`. The check runs the
reference first and the answer second on the same counter; the references are written out with a
known number of calls (1 for one pass, D for the IAF's loop), so the answer's calls are the total
minus those. The tests check that each reference agrees with TFP.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils import builders, pass_costs
from course_utils._tf import tf, tfb
from course_utils.exercises import Case, Exercise, close_arrays, register
from course_utils.exercises.autoregressive import MadeConditioner, standard_points

_close = close_arrays(rtol=1e-4, atol=1e-4)


def _counted(event_size: int, seed: int, clamp: float = 2.0) -> pass_costs.CallCounter:
    """A perturbed MADE conditioner wrapped in a call counter named after it."""
    conditioner = MadeConditioner(event_size, seed=seed, log_scale_clamp=clamp)
    return pass_costs.CallCounter(conditioner, name=conditioner.name)


def _calls(case: Case, reference_calls: int) -> int:
    """How often the answer called the case's counted function: the count minus the reference's own calls."""
    return case.kwargs["shift_and_log_scale"].calls - reference_calls


def _log_normal(z: tf.Tensor) -> tf.Tensor:
    """log N(z; 0, I) summed over the last axis."""
    return tf.reduce_sum(-0.5 * tf.square(z) - 0.5 * np.log(2.0 * np.pi).astype(np.float32), axis=-1)


# ---------------------------------------------------------------- 03.1 the MAF inverse in one pass


def maf_inverse(shift_and_log_scale: Any, x: np.ndarray) -> np.ndarray:
    """Reference: z = (x - shift(x)) * exp(-log_scale(x)), every dimension from one call."""
    shift, log_scale = shift_and_log_scale(x)
    return ((x - shift) * tf.exp(-log_scale)).numpy()


def _inverse_cases() -> list[Case]:
    """x of 2, 3 and 5 dimensions, each case with a fresh counted MADE."""
    return [
        Case(dict(shift_and_log_scale=_counted(2, seed=21), x=standard_points(5, 2, seed=31, scale=1.5)), "D = 2"),
        Case(dict(shift_and_log_scale=_counted(3, seed=22), x=standard_points(6, 3, seed=32, scale=1.5)), "D = 3"),
        Case(
            dict(shift_and_log_scale=_counted(5, seed=23, clamp=1.0), x=standard_points(4, 5, seed=33, scale=1.5)),
            "D = 5",
        ),
    ]


def _close_in_one_call(got: Any, expected: Any, case: Case) -> str | None:
    """Values within tolerance, from a single network call (the reference made one before the answer ran)."""
    reason = _close(got, expected, case)
    if reason is None and _calls(case, reference_calls=1) > 1:
        return (
            f"the values are right, but your function called shift_and_log_scale {_calls(case, 1)} times; "
            "one call gives every shift and log-scale at once, because the input is known in full"
        )
    return reason


register(
    Exercise(
        id="03.1",
        title="the MAF inverse in one pass",
        reference=maf_inverse,
        cases=_inverse_cases,
        hint="x is given, so every shift_i(x_<i) and log_scale_i(x_<i) can be computed at once: "
        "shift, log_scale = shift_and_log_scale(x) (one call), then z = (x - shift) * exp(-log_scale). No loop.",
        compare=_close_in_one_call,
    )
)


# ---------------------------------------------------------------- 03.2 the log-density of a MAF by hand


def maf_log_prob(shift_and_log_scale: Any, x: np.ndarray) -> np.ndarray:
    """Reference: log p(x) of the flow x = MAF(z), z ~ N(0, I), as TFP computes it."""
    maf = tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=shift_and_log_scale)
    return builders.make_flow(maf, x.shape[-1]).log_prob(x).numpy()


def _log_prob_cases() -> list[Case]:
    """The same MADEs as 03.1, other points, some far from the origin."""
    return [
        Case(
            dict(shift_and_log_scale=MadeConditioner(2, seed=21), x=standard_points(5, 2, seed=41, scale=2.0)), "D = 2"
        ),
        Case(
            dict(shift_and_log_scale=MadeConditioner(3, seed=22), x=standard_points(6, 3, seed=42, scale=2.0)), "D = 3"
        ),
        Case(
            dict(
                shift_and_log_scale=MadeConditioner(5, seed=23, log_scale_clamp=1.0),
                x=standard_points(4, 5, seed=43, scale=2.0),
            ),
            "D = 5",
        ),
    ]


register(
    Exercise(
        id="03.2",
        title="the log-density of a MAF by hand",
        reference=maf_log_prob,
        cases=_log_prob_cases,
        hint="invert in one pass: shift, log_scale = shift_and_log_scale(x), z = (x - shift) * exp(-log_scale). "
        "Then log p(x) = sum_i log N(z_i; 0, 1) - sum_i log_scale_i, with log N(z; 0, 1) = -z^2/2 - log(2 pi)/2; "
        "both sums run over the last axis (one number per row). The log-det enters with a minus sign: "
        "where the flow stretches space the density is lower.",
    )
)


# ---------------------------------------------------------------- 03.3 how many passes?


MAF_OPERATIONS = ("inverse", "forward", "log_prob", "sample")


def maf_network_passes(operation: str, event_size: int) -> int:
    """Reference: the calls a MAF's network gets for one batch, counted on a real TFP MAF in eager mode."""
    flow, counter = pass_costs.make_counted_flow("maf", event_size, hidden_units=(8, 8), seed=0)
    points = tf.constant(standard_points(4, event_size, seed=0))
    run = {
        "inverse": lambda: flow.bijector.inverse(points),
        "forward": lambda: flow.bijector.forward(points),
        "log_prob": lambda: flow.log_prob(points),
        "sample": lambda: flow.sample(4, seed=tf.constant([0, 0], tf.int32)),
    }[operation]
    return counter.count(run)


def _passes_cases() -> list[Case]:
    """Every operation at D = 3, then at D = 7 so that a constant answer for D fails."""
    return [
        Case(dict(operation=op, event_size=size), f"{op} with D = {size}") for size in (3, 7) for op in MAF_OPERATIONS
    ]


def _same_count(got: Any, expected: int, case: Case) -> str | None:
    """An integer equal to the counted number of calls."""
    if isinstance(got, bool) or not isinstance(got, (int, np.integer, float, np.floating)) or got != int(got):
        return f"the answer must be a whole number of calls, got {got!r}"
    if int(got) != expected:
        op, size = case.kwargs["operation"], case.kwargs["event_size"]
        return f"a TFP MAF with D = {size} calls its network {expected} time(s) for {op}, not {int(got)}"
    return None


register(
    Exercise(
        id="03.3",
        title="counting network passes of a MAF",
        reference=maf_network_passes,
        cases=_passes_cases,
        hint="inverse: 1 call (x is known in full). forward: D calls (x is built one dimension per pass). "
        "sample = base sample + forward: D. log_prob = inverse + inverse_log_det_jacobian, and TFP computes "
        "each with its own call: 2, whatever D is.",
        compare=_same_count,
    )
)


# ---------------------------------------------------------------- 04.1 the density of an IAF sample in one pass


def iaf_sample_log_prob(shift_and_log_scale: Any, z: np.ndarray) -> np.ndarray:
    """Reference: log q(x) of the sample x = IAF(z), for TFP's IAF = Invert(MAF), from one call at z."""
    z = tf.convert_to_tensor(z, dtype=tf.float32)
    _, log_scale = shift_and_log_scale(z)  # the forward log-det of x = (z - shift) * exp(-log_scale) is -sum
    return (_log_normal(z) + tf.reduce_sum(log_scale, axis=-1)).numpy()


def _iaf_cases() -> list[Case]:
    """z of 2, 3 and 5 dimensions, each case with a fresh counted MADE."""
    return [
        Case(dict(shift_and_log_scale=_counted(2, seed=51), z=standard_points(5, 2, seed=61)), "D = 2"),
        Case(dict(shift_and_log_scale=_counted(3, seed=52), z=standard_points(6, 3, seed=62)), "D = 3"),
        Case(dict(shift_and_log_scale=_counted(5, seed=53, clamp=1.0), z=standard_points(4, 5, seed=63)), "D = 5"),
    ]


register(
    Exercise(
        id="04.1",
        title="the density of an IAF sample in one pass",
        reference=iaf_sample_log_prob,
        cases=_iaf_cases,
        hint="z is known in full: shift, log_scale = shift_and_log_scale(z) (one call). The sample is "
        "x = (z - shift) * exp(-log_scale), so its forward log-det is -sum(log_scale), and "
        "log q(x) = sum_i log N(z_i; 0, 1) - log_det = sum_i log N(z_i; 0, 1) + sum_i log_scale_i "
        "(sums over the last axis). x itself is not needed.",
        compare=_close_in_one_call,
    )
)


# ---------------------------------------------------------------- 04.2 the IAF log-density of a given point


def iaf_log_prob(shift_and_log_scale: Any, x: np.ndarray) -> np.ndarray:
    """Reference: log q(x) of a given x under TFP's IAF = Invert(MAF), in D calls of the network."""
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    z = tf.zeros_like(x)
    for _ in range(x.shape[-1]):  # pass D reads z_<i, final for every i: its log-scales are the ones at z
        shift, log_scale = shift_and_log_scale(z)
        z = x * tf.exp(log_scale) + shift
    return (_log_normal(z) + tf.reduce_sum(log_scale, axis=-1)).numpy()


def _iaf_log_prob_cases() -> list[Case]:
    """Points of 2, 3 and 5 dimensions, each case with a fresh counted MADE."""
    return [
        Case(dict(shift_and_log_scale=_counted(2, seed=51), x=standard_points(5, 2, seed=71)), "D = 2"),
        Case(dict(shift_and_log_scale=_counted(3, seed=52), x=standard_points(6, 3, seed=72)), "D = 3"),
        Case(dict(shift_and_log_scale=_counted(5, seed=53, clamp=1.0), x=standard_points(4, 5, seed=73)), "D = 5"),
    ]


def _close_in_d_passes(got: Any, expected: Any, case: Case) -> str | None:
    """Values within tolerance, from at most D + 1 network calls (the reference made D before the answer ran)."""
    reason = _close(got, expected, case)
    size = case.kwargs["x"].shape[-1]
    if reason is None and _calls(case, reference_calls=size) > size + 1:
        return (
            f"the values are right, but your function called shift_and_log_scale {_calls(case, size)} times; "
            f"D = {size} passes recover z, and at most one more gives the log-scales at z"
        )
    return reason


register(
    Exercise(
        id="04.2",
        title="the log-density of a given point under an IAF",
        reference=iaf_log_prob,
        cases=_iaf_log_prob_cases,
        hint="x = (z - shift(z)) * exp(-log_scale(z)) must be solved for z: z = x * exp(log_scale(z)) + shift(z), "
        "and z_i needs z_<i. Start from z = zeros and repeat D times: shift, log_scale = shift_and_log_scale(z); "
        "z = x * exp(log_scale) + shift. Then log q(x) = sum log N(z_i; 0, 1) + sum log_scale(z) "
        "(minus the forward log-det, which is -sum log_scale).",
        compare=_close_in_d_passes,
    )
)


# ---------------------------------------------------------------- 04.3 MAF or IAF?


PASSES = {  # network calls per call of each operation, as counted in notebooks 03 and 04
    "maf": {"log_prob": lambda d: 2, "sample": lambda d: d, "sample_and_log_prob": lambda d: d + 1},
    "iaf": {"log_prob": lambda d: d + 1, "sample": lambda d: 1, "sample_and_log_prob": lambda d: 2},
}


def choose_flow(event_size: int, n_log_prob: int, n_sample: int, n_sample_and_log_prob: int) -> str:
    """Reference: 'maf' or 'iaf', whichever needs fewer network passes for the job, or 'either' on a tie."""
    counts = {"log_prob": n_log_prob, "sample": n_sample, "sample_and_log_prob": n_sample_and_log_prob}
    cost = {kind: sum(n * PASSES[kind][op](event_size) for op, n in counts.items()) for kind in PASSES}
    if cost["maf"] == cost["iaf"]:
        return "either"
    return "maf" if cost["maf"] < cost["iaf"] else "iaf"


def _choice_cases() -> list[Case]:
    """Typical jobs: density estimation, variational inference, generation, a mix, and a tie."""

    def job(d: int, lp: int, s: int, slp: int, about: str) -> Case:
        return Case(dict(event_size=d, n_log_prob=lp, n_sample=s, n_sample_and_log_prob=slp), about)

    return [
        job(2, 1000, 0, 0, "density estimation: 1000 training steps of log_prob on data"),
        job(2, 0, 0, 1000, "variational inference: 1000 steps on samples and their own log_prob"),
        job(8, 1, 100, 0, "generation: a trained model draws 100 batches"),
        job(8, 100, 10, 0, "mostly scoring data, a little sampling"),
        job(16, 20, 0, 200, "variational inference, checked now and then on data"),
        job(3, 1, 1, 0, "one log_prob and one sample at D = 3"),
    ]


def _same_choice(got: Any, expected: str, case: Case) -> str | None:
    """'maf', 'iaf' or 'either', in any letter case."""
    if not isinstance(got, str):
        return f"the answer must be the string 'maf', 'iaf' or 'either', got {got!r}"
    if got.strip().lower() != expected:
        d = case.kwargs["event_size"]
        counts = {
            "log_prob": case.kwargs["n_log_prob"],
            "sample": case.kwargs["n_sample"],
            "sample_and_log_prob": case.kwargs["n_sample_and_log_prob"],
        }
        cost = {kind: sum(n * PASSES[kind][op](d) for op, n in counts.items()) for kind in PASSES}
        costs = f"this job costs {cost['maf']} passes with a MAF, {cost['iaf']} with an IAF"
        return f"expected {expected!r}, got {got!r}: {costs}"
    return None


register(
    Exercise(
        id="04.3",
        title="choosing MAF or IAF for a job",
        reference=choose_flow,
        cases=_choice_cases,
        hint="total the passes of each flow: MAF log_prob 2, sample D, sample_and_log_prob D + 1; IAF log_prob D + 1, "
        "sample 1, sample_and_log_prob 2 (each times how often the job calls it). Return the cheaper one, "
        "'either' on a tie.",
        compare=_same_choice,
    )
)
