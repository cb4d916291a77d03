"""Exercise 06.5 of notebook 06, an experiment: which of the default recipe's changes matter?

The learner writes the ablation: for each change and each seed, the score of the recipe without that
change minus the whole recipe's score on the same seed. The check runs the answer on scorers that
answer instantly with made-up held-out NLLs, built so that the usual mistakes (the sign, a baseline
from another seed, switching off several changes at once, keeping only one change on) give other numbers.
The notebook then runs the answer on the stored runs of the benchmark (`ablation.stored_score`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from course_utils import ablation
from course_utils.exercises import Case, Exercise, register
from course_utils.exercises._compare import describe, never_raises

Effects = dict[str, list[float]]


def ablation_effects(train_and_score: Callable[..., float], changes: Sequence[str], seeds: Sequence[int]) -> Effects:
    """Reference: {change: [score(off=(change,), seed) - score(off=(), seed) for seed in seeds]}."""
    effects: Effects = {change: [] for change in changes}
    for seed in seeds:
        whole = train_and_score(off=(), seed=seed)
        for change in changes:
            effects[change].append(train_and_score(off=(change,), seed=seed) - whole)
    return effects


class MadeUpScorer:
    """Answers like `ablation.train_and_score`, at once: a baseline per seed plus what each change costs when off."""

    def __init__(self, baseline: dict[int, float], cost: dict[str, float], together: float = 0.0) -> None:
        self.baseline, self.cost, self.together = baseline, cost, together

    def __call__(self, off: Any = (), seed: int = 0) -> float:
        """The made-up held-out NLL of the recipe without the changes in `off`, on `seed`."""
        off = ablation.check_off(off)  # the real function's errors, for a string or an unknown name
        if seed not in self.baseline:
            raise ValueError(f"no run for seed={seed!r}: this experiment's seeds are {tuple(self.baseline)}")
        # Each change costs a little more on later seeds, so a run of one seed cannot stand for another.
        score = self.baseline[seed] + sum(self.cost[name] * (1 + 0.1 * seed) for name in set(off))
        both = {"clamp", "noise"} <= set(off)  # these two only matter together (in the second case)
        return round(score + (self.together if both else 0.0), 6)

    def __repr__(self) -> str:
        return "train_and_score"


def _ablation_cases() -> list[Case]:
    """Inputs for 06.5: additive costs, two changes that only matter together, and fewer changes in another order."""
    additive = MadeUpScorer({0: 1.5, 1: 1.35, 2: 1.42}, {"layers": 0.6, "clamp": 0.0, "schedule": 0.15, "noise": -0.02})
    together = MadeUpScorer(
        {0: 1.5, 1: 1.35, 2: 1.42}, {"layers": 0.3, "clamp": 0.01, "schedule": 0.1, "noise": 0.02}, 0.8
    )
    reordered = MadeUpScorer({2: 1.42, 0: 1.5}, {"layers": 0.6, "clamp": 0.0, "schedule": 0.15, "noise": -0.02})
    return [
        Case(
            dict(train_and_score=additive, changes=ablation.CHANGES, seeds=(0, 1, 2)),
            "every change, 3 seeds whose whole-recipe scores differ",
        ),  # fmt: skip
        Case(
            dict(train_and_score=together, changes=ablation.CHANGES, seeds=(0, 1, 2)),
            "clamp and noise cost little alone, much together",
        ),  # fmt: skip
        Case(
            dict(train_and_score=reordered, changes=("noise", "layers"), seeds=(2, 0)),
            "two of the changes, seeds (2, 0)",
        ),  # fmt: skip
    ]


def _usual_mistakes(case: Case) -> list[tuple[str, Effects]]:
    """What the usual wrong experiments return on this case, each with the reason that names it."""
    score, changes, seeds = (case.kwargs[k] for k in ("train_and_score", "changes", "seeds"))
    all_off, first = tuple(changes), seeds[0]
    mean_whole = float(np.mean([score((), s) for s in seeds]))
    same_seed = "compare with the whole recipe on the SAME seed (same data, same initial weights)"
    alone = (
        "you kept only one change ON (all the others off): that asks what a change does alone. The question is "
        "what the recipe loses without it: switch off that ONE change and keep the others"
    )

    def others_off(c: str) -> tuple[str, ...]:
        return tuple(x for x in all_off if x != c)

    mistakes: list[tuple[str, Callable[[str, int], float]]] = [
        (
            "upside down: an effect is the score WITHOUT the change minus the whole recipe's (a change that helps "
            "has a positive effect: the NLL rises when it is gone)",
            lambda c, s: score((), s) - score((c,), s),
        ),
        (
            "these are the scores without each change, not effects: subtract the whole recipe's score",
            lambda c, s: score((c,), s),
        ),
        (
            f"each effect is measured against seed {first}'s whole recipe: {same_seed}",
            lambda c, s: score((c,), s) - score((), first),
        ),
        (
            f"each effect is measured against the mean whole recipe: {same_seed}",
            lambda c, s: score((c,), s) - mean_whole,
        ),
        (
            f"every seed got seed {first}'s effects: pass seed=seed to train_and_score, so each seed has its own runs",
            lambda c, s: score((c,), first) - score((), first),
        ),
        (alone, lambda c, s: score(all_off, s) - score(others_off(c), s)),
        (alone, lambda c, s: score(others_off(c), s) - score(all_off, s)),
        (
            "the changes were switched off cumulatively (the first, then the first two, ...): switch off ONE change "
            "per run, off=(change,)",
            lambda c, s: score(all_off[: all_off.index(c) + 1], s) - score((), s),
        ),
        (
            "the baseline has every change switched off: the baseline is the whole recipe, off=()",
            lambda c, s: score((c,), s) - score(all_off, s),
        ),
    ]
    return [(reason, {c: [effect(c, s) for s in seeds] for c in changes}) for reason, effect in mistakes]


def _first_difference(got: Effects, expected: Effects, seeds: Sequence[int]) -> str:
    """Where two effect dicts first differ: the change, the seed and both values."""
    for change, values in expected.items():
        for seed, want, value in zip(seeds, values, got[change], strict=True):
            if abs(want - value) > 1e-6:
                return f"{change!r}, seed {seed}: expected {want:+.3f}, got {value:+.3f}"
    return "no difference"


def _read_effects(got: Any, changes: Sequence[str], seeds: Sequence[int]) -> tuple[Effects | None, str | None]:
    """Return the answer as {change: list of floats}, or (None, a reason naming what is wrong with its form)."""
    if got is None:
        return None, "your function returned None: did you forget `return`?"
    if not isinstance(got, dict):
        return None, f"your function returned {describe(got)}: return a dict {{change: [one effect per seed]}}"
    if set(got) != set(changes):
        return None, f"the dict's keys are {sorted(map(str, got))}, expected the changes given, {sorted(changes)}"
    effects: Effects = {}
    for change in changes:
        value = got[change]
        if np.ndim(value) == 0:
            return None, (
                f"the effect of {change!r} is one number: return one effect PER SEED, in the order of `seeds` "
                "(the notebook averages them, and the spread between seeds is part of the answer)"
            )
        try:
            values = [float(v) for v in np.ravel(np.asarray(value, dtype=object))]
        except (TypeError, ValueError):
            return None, f"the effects of {change!r} are {describe(value)}, not numbers"
        if len(values) != len(seeds):
            return (
                None,
                f"{change!r} has {len(values)} effects, expected one per seed: {len(seeds)} for seeds {tuple(seeds)}",
            )
        effects[change] = values
    return effects, None


def _close(a: Effects, b: Effects) -> bool:
    """True when two effect dicts agree to 1e-6 on every change and seed."""
    return all(np.allclose(a[c], b[c], rtol=0, atol=1e-6) for c in b)


@never_raises
def _same_effects(got: Any, expected: Effects, case: Case) -> str | None:
    """Check the effects dict: its form, then its numbers, naming the usual wrong experiments."""
    effects, reason = _read_effects(got, case.kwargs["changes"], case.kwargs["seeds"])
    if reason is not None:
        return reason
    if _close(effects, expected):
        return None
    where = _first_difference(effects, expected, case.kwargs["seeds"])
    for reason, wrong in _usual_mistakes(case):
        if _close(effects, wrong):
            return f"{reason} ({where})"
    return f"{where}; an effect is score(off=(change,), seed) - score(off=(), seed): print both for that seed"


register(
    Exercise(
        id="06.5",
        title="an experiment: which of the recipe's changes matter?",
        reference=ablation_effects,
        cases=_ablation_cases,
        hint=(
            "an ablation changes ONE thing at a time and compares like with like: the recipe without one change "
            "against the whole recipe, both trained on the same seed."
        ),
        hints=(
            "For every seed: score the whole recipe once, train_and_score(off=(), seed=seed); then, for every change, "
            "train_and_score(off=(change,), seed=seed) minus that score. `off` is a tuple of names, so one change is "
            "(change,), with the comma. Keep one list per change, one entry per seed, in the order of `seeds`.",
            "effects = {c: [] for c in changes}; for seed in seeds: whole = train_and_score(off=(), seed=seed); "
            "for c in changes: effects[c].append(train_and_score(off=(c,), seed=seed) - whole); return effects.",
        ),
        compare=_same_effects,
    )
)
