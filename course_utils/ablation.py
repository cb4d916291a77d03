"""Ablating the default recipe: switch its changes off one at a time and see which ones matter.

The recipe is the leaderboard's MAF row on two moons (`leaderboard.run_entry("maf", "two_moons")`): a
stack of 4 MAF layers (32, 32) with swaps between them, a soft clamp on every log-scale, Adam at 3e-3
with a cosine decay over 1000 full-batch steps, fresh noise of 0.05 on the training points at every
step, and the best validation epoch's weights kept. Each change it makes to the tutorial's recipe has
a switched-off form (`OFF`), and `train_and_score(off=("noise",), seed=s)` trains the recipe without
that change and returns its held-out NLL. Everything else, the parameter budget included, stays put.

`benchmarks/bench_ablation.py` runs every change switched off on its own, and nothing switched off,
for each of SEEDS, and stores the held-out NLLs in `benchmarks/results/ablation.json`; notebook 06
reads them with `stored_score`, which answers like `train_and_score` in no time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from course_utils import _checks, builders, data, leaderboard, metrics, stored_results, training
from course_utils._tf import tfd

CHANGES = ("layers", "clamp", "schedule", "noise")
SINGLE_LAYER_WIDTH = 68  # one MADE 2 -> 68 -> 68 -> 4: 5,172 parameters, against the stack's 5,136
OFF = {
    "layers": f"one MAF layer ({SINGLE_LAYER_WIDTH}, {SINGLE_LAYER_WIDTH}), the same parameter budget, instead of "
    "4 layers (32, 32) with swaps",
    "clamp": "unbounded log-scales instead of the soft clamp 3 tanh(alpha / 3)",
    "schedule": "Adam at 1e-3, constant (the tutorial's), instead of 3e-3 with a cosine decay to 0",
    "noise": "the training points as they are, instead of fresh noise of 0.05 at every step",
}
SEEDS = (0, 1, 2)
RESULTS_NAME = "ablation.json"
DEFAULT_RUN_NAME = "default_recipe"  # the stored run of the whole recipe, seed 0 (`stored_runs.load_run`)


def check_off(off: Any) -> tuple[str, ...]:
    """Return `off` as a tuple of change names, or raise naming what was expected."""
    if isinstance(off, str):
        raise TypeError(f"off must be a collection of change names such as ({off!r},), not the string {off!r}")
    try:
        names = tuple(off)
    except TypeError:
        raise TypeError(f"off must be a collection of change names from {CHANGES}, got {off!r}") from None
    unknown = [name for name in names if name not in CHANGES]
    if unknown:
        raise ValueError(f"off names unknown changes {unknown}: the changes are {CHANGES}")
    return names


def build_variant(off: Iterable[str] = (), seed: int = 0) -> tfd.TransformedDistribution:
    """Return the recipe's flow, or its switched-off form for 'layers' and 'clamp' when they are in `off`."""
    off = check_off(off)
    clamp = None if "clamp" in off else builders.DEFAULT_LOG_SCALE_CLAMP
    if "layers" in off:
        stack = builders.make_stack("maf", 1, 2, (SINGLE_LAYER_WIDTH,) * 2, seed=seed, log_scale_clamp=clamp)
    else:
        width = leaderboard.matched_width("maf")
        stack = builders.make_stack("maf", leaderboard.NUM_LAYERS, 2, (width, width), seed=seed, log_scale_clamp=clamp)
    return builders.make_flow(stack, 2)


def recipe(off: Iterable[str] = ()) -> dict[str, Any]:
    """Return the keyword arguments of `training.train` for the recipe with the changes in `off` switched off."""
    off = check_off(off)
    settings = dict(leaderboard.RECIPE)
    if "schedule" in off:
        settings.update(learning_rate=1e-3, schedule="constant")
    if "noise" in off:
        settings.update(noise_std=0.0)
    return settings


def train_variant(
    off: Iterable[str] = (), seed: int = 0, steps: int = leaderboard.STEPS, **train_kwargs
) -> tuple[tfd.TransformedDistribution, training.TrainingHistory, float]:
    """Train the recipe without the changes in `off` on two moons (data seed = weights seed).

    Returns the flow, its `TrainingHistory` and its held-out NLL.

    `train_kwargs` go to `training.train` (e.g. `report_every`, `snapshot_epochs`).
    """
    off, seed = check_off(off), _checks.seed("seed", seed)
    steps = _checks.positive_int("steps", steps, maximum=10**6)
    toy = data.two_moons(n=leaderboard.N_POINTS, seed=seed)
    flow = build_variant(off, seed)
    history = training.train(flow, toy.x, epochs=steps, seed=seed, **recipe(off), **train_kwargs)
    return flow, history, metrics.heldout_nll(flow, toy, n=leaderboard.HELDOUT_POINTS)


def train_and_score(off: Iterable[str] = (), seed: int = 0) -> float:
    """Train the recipe without the changes in `off` (10 s or more on 2 cores); return its held-out NLL (nats)."""
    return train_variant(off, seed)[2]


def load_results(root: str | Path | None = None) -> dict[str, Any]:
    """Return the stored ablation (found as `stored_results.find` looks): its settings and one record per run."""
    path = stored_results.find(RESULTS_NAME, "ablation", root)
    record = json.loads(path.read_text())
    if "runs" not in record:
        raise ValueError(f"{path} has no 'runs': write it with `python benchmarks/run.py --only ablation`")
    return record


def stored_score(off: Iterable[str] = (), seed: int = 0, root: str | Path | None = None) -> float:
    """The stored held-out NLL of the recipe without the changes in `off`: what `train_and_score` returned."""
    off, seed = check_off(off), _checks.seed("seed", seed)
    runs = load_results(root)["runs"]
    for run in runs:
        if sorted(run["off"]) == sorted(off) and run["seed"] == seed:
            return float(run["heldout_nll"])
    stored = sorted({(tuple(run["off"]), run["seed"]) for run in runs})
    raise ValueError(f"no stored run with off={off} and seed={seed}; stored (off, seed): {stored}")
