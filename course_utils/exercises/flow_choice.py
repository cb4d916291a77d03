"""Exercise 04.3 of notebook 04: choosing MAF or IAF for a job by counting network passes."""

from __future__ import annotations

from typing import Any

from course_utils.exercises import Case, Exercise, register
from course_utils.exercises._compare import describe, never_raises

PASSES = {  # network calls per call of each operation, as counted in notebooks 03 and 04
    "maf": {"log_prob": lambda d: 2, "sample": lambda d: d, "sample_and_log_prob": lambda d: d + 1},
    "iaf": {"log_prob": lambda d: d + 1, "sample": lambda d: 1, "sample_and_log_prob": lambda d: 2},
}


def _costs(event_size: int, n_log_prob: int, n_sample: int, n_sample_and_log_prob: int) -> dict[str, int]:
    """The total network passes of the job with a MAF and with an IAF."""
    counts = {"log_prob": n_log_prob, "sample": n_sample, "sample_and_log_prob": n_sample_and_log_prob}
    return {kind: sum(n * PASSES[kind][op](event_size) for op, n in counts.items()) for kind in PASSES}


def choose_flow(event_size: int, n_log_prob: int, n_sample: int, n_sample_and_log_prob: int) -> str:
    """Reference: 'maf' or 'iaf', whichever needs fewer network passes for the job, or 'either' on a tie."""
    cost = _costs(event_size, n_log_prob, n_sample, n_sample_and_log_prob)
    if cost["maf"] == cost["iaf"]:
        return "either"
    return "maf" if cost["maf"] < cost["iaf"] else "iaf"


def _choice_cases() -> list[Case]:
    """Typical jobs, ties (where a wrong pass count tips the balance) and D = 1, where both flows cost the same."""
    jobs = [
        (2, 1000, 0, 0, "density estimation: 1000 training steps of log_prob on data"),
        (2, 0, 0, 1000, "variational inference: 1000 steps on samples and their own log_prob"),
        (8, 1, 100, 0, "generation: a trained model draws 100 batches"),
        (8, 100, 10, 0, "mostly scoring data, a little sampling"),
        (16, 20, 0, 200, "variational inference, checked now and then on data"),
        (3, 1, 1, 0, "one log_prob and one sample at D = 3"),
        (1, 50, 20, 5, "D = 1: each operation costs a MAF and an IAF the same"),
        (3, 2, 1, 1, "a mix at D = 3 where the totals tie"),
        (5, 4, 0, 3, "4 log_prob and 3 sample_and_log_prob at D = 5"),
    ]
    keys = ("event_size", "n_log_prob", "n_sample", "n_sample_and_log_prob")
    return [Case(dict(zip(keys, job[:4], strict=True)), job[4]) for job in jobs]


@never_raises
def _same_choice(got: Any, expected: str, case: Case) -> str | None:
    """'maf', 'iaf' or 'either', in any letter case."""
    if not isinstance(got, str):
        return f"your function returned {describe(got)}: return the string 'maf', 'iaf' or 'either'"
    if got.strip().lower() == expected:
        return None
    cost = _costs(**case.kwargs)
    return (
        f"expected {expected!r}, got {got!r}: this job costs {cost['maf']} passes with a MAF, {cost['iaf']} with an IAF"
    )


register(
    Exercise(
        id="04.3",
        title="choosing MAF or IAF for a job",
        reference=choose_flow,
        cases=_choice_cases,
        hint=(
            "count the network passes the job needs with each flow (how many calls each operation makes, times "
            "how often the job uses it) and pick the smaller total."
        ),
        hints=(
            "total the passes of each flow: MAF log_prob 2, sample D, sample_and_log_prob D + 1; IAF log_prob D + 1, "
            "sample 1, sample_and_log_prob 2 (each times how often the job calls it). Return the cheaper one, "
            "'either' on a tie.",
        ),
        compare=_same_choice,
    )
)
