"""What every benchmark section shares: the repository root, the section names and the measurement settings.

Sections: speed, quality (bench_training), notebooks, cost, leaderboard, digits, tutorial_stack (notebook
07's tutorial recipe, stored: bench_tutorial_stack) and ablation (notebook 06's experiment: bench_ablation),
each in its own module; run.py runs them.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import os
import statistics
import time
from pathlib import Path
from typing import Any

from course_utils import data, leaderboard, training

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("speed", "quality", "notebooks", "cost", "leaderboard", "digits", "tutorial_stack", "ablation")

# The recipe for 10,000 points (training.LARGE_DATA_RECIPE): 6 of the default flow's layers instead
# of 4, minibatches of 512 (about 3000 Adam steps) and no added noise.
LARGE_RECIPE: dict[str, Any] = dict(training.LARGE_DATA_RECIPE)


@dataclasses.dataclass(frozen=True)
class Settings:
    """Sizes of every measurement; `QUICK` shrinks them for a smoke run."""

    speed_epochs: int = 600
    heldout_points: int = 20_000
    small_n: int = 1000
    large_n: int = 10_000
    quality_seeds: int = 5
    divergence_seeds: int = 20
    recipe_overrides: dict[str, Any] = dataclasses.field(default_factory=dict)
    large_recipe: dict[str, Any] = dataclasses.field(default_factory=lambda: dict(LARGE_RECIPE))
    max_notebooks: int | None = None
    cost_dims: tuple[int, ...] = (2, 4, 8, 16, 32, 64)
    cost_hidden: tuple[int, ...] = (64, 64)
    cost_batch: int = 1000
    cost_repeats: int = 15
    leaderboard_steps: int = leaderboard.STEPS
    leaderboard_datasets: tuple[str, ...] = data.DATASETS
    leaderboard_spread_seeds: tuple[int, ...] = (1,)
    leaderboard_checkpoint_datasets: tuple[str, ...] = ("two_moons", "checkerboard")
    digits_quick: bool = False  # 2 epochs per flow and a quarter of each baseline's grid
    tutorial_stack_epochs: int = 600  # notebook 07's tutorial recipe, snapshots every tutorial_stack_snapshot_every
    tutorial_stack_snapshot_every: int = 100
    ablation_seeds: tuple[int, ...] = (0, 1, 2)  # ablation.SEEDS; each runs the whole recipe and each change off


FULL = Settings()
QUICK = Settings(
    speed_epochs=20,
    heldout_points=2000,
    quality_seeds=2,
    divergence_seeds=3,
    recipe_overrides=dict(epochs=30),
    large_recipe=dict(LARGE_RECIPE, epochs=2),
    max_notebooks=1,
    cost_dims=(2, 4, 8),
    cost_repeats=3,
    leaderboard_steps=20,
    leaderboard_datasets=("two_moons", "pinwheel"),
    leaderboard_spread_seeds=(1,),
    digits_quick=True,
    tutorial_stack_epochs=4,
    tutorial_stack_snapshot_every=2,
    ablation_seeds=(0,),
)


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages: above the core count, others were using the CPUs."""
    return [round(v, 2) for v in os.getloadavg()]


def cpu_seconds() -> float:
    """CPU seconds (user + system) used so far by this process and its finished children (kernels)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


@dataclasses.dataclass
class RunClock:
    """When a run started, with the load and the CPU seconds then; `meta` adds how it ended."""

    date: str = dataclasses.field(
        default_factory=lambda: datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    )
    start: float = dataclasses.field(default_factory=time.perf_counter)
    load_start: list[float] = dataclasses.field(default_factory=load_average)
    cpu_start: float = dataclasses.field(default_factory=cpu_seconds)

    def meta(self, machine: dict[str, Any], quick: bool) -> dict[str, Any]:
        """The run's date, machine, mode, load at start and end, wall and CPU seconds: a results file's "meta"."""
        return {
            "date": self.date,
            "machine": machine,
            "quick": quick,
            "load_start": self.load_start,
            "load_end": load_average(),
            "total_time_s": time.perf_counter() - self.start,
            "cpu_time_s": cpu_seconds() - self.cpu_start,
        }


def shared(meta: dict[str, Any]) -> bool:
    """True when the 1-minute load at the start or end of a run was above the core count: wall times inflated."""
    return max(meta["load_start"][0], meta["load_end"][0]) > meta["machine"]["cores"]


def median(values: list[float]) -> float:
    """Median that stays NaN/inf-aware: any NaN gives NaN."""
    if any(math.isnan(v) for v in values):
        return float("nan")
    return float(statistics.median(values))
