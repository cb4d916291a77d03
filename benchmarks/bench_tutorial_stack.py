"""Section `tutorial_stack`: the tutorial's recipe for notebook 07, too slow for class, trained once and stored.

The model: six MAFs, each a MADE of (256, 256) ReLU units with unbounded log-scales, a swap between layers
(`builders.make_stack("maf", 6, 2, hidden_units=(256, 256), activation="relu", log_scale_clamp=None, seed=0)`).
The recipe: the compiled trainer (`training.train`), Adam at 1e-3, 600 full-batch epochs on two moons
(1000 points, 800 to train, 200 to validate), seed 0; every 100 epochs a snapshot of the NLL on the training
points, the validation points and 20,000 fresh points (`reports.nll_report`), as notebook 07's cell did live.

Writes OUT/tutorial_stack.json (per-epoch losses, snapshots, best epoch, stop reason, wall and CPU time, load,
machine) and the restored (best-validation) weights in OUT/tutorial_stack_checkpoint/, with
`course_utils.stored_runs.save_run`; notebook 07 reads them back with `stored_runs.load_run`. OUT/tutorial_stack.md
says the same for people. A --quick run writes OUT/tutorial_stack_quick.*, so a smoke run never replaces the run
notebook 07 shows.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
from bench_common import FULL, RunClock, Settings, shared
from bench_report import fmt

from course_utils import builders, data, inspection, progress, reports, stored_runs, training

NAME = "tutorial_stack"  # notebook 07: stored_runs.load_run(NAME, ..., section=NAME)
MODEL: dict[str, Any] = dict(
    kind="maf", num_layers=6, event_size=2, hidden_units=(256, 256), activation="relu", log_scale_clamp=None, seed=0
)
RECIPE: dict[str, Any] = dict(learning_rate=1e-3, validation_split=0.2, seed=0)
DATA: dict[str, Any] = dict(name="two_moons", n=1000, seed=0)


def build_flow() -> Any:
    """The tutorial's model, exactly as notebook 07 builds it."""
    return builders.make_flow(builders.make_stack(**MODEL), event_size=MODEL["event_size"])


def _snapshot_fn(moons: data.ToyData, heldout_points: int) -> training.SnapshotFn:
    """NLL on the training points, the validation points and `heldout_points` fresh points, as notebook 07's cell."""

    def snapshot(flow: Any) -> np.ndarray:
        return np.array(list(reports.nll_report(flow, moons, n_fresh=heldout_points).values()))

    return snapshot


def _train(settings: Settings, moons: data.ToyData) -> tuple[Any, training.TrainingHistory]:
    """Train the tutorial's model with the tutorial's recipe, with a live progress line."""
    flow = build_flow()
    every = settings.tutorial_stack_snapshot_every
    with progress.live_line() as line:
        history = training.train(
            flow, moons.x, epochs=settings.tutorial_stack_epochs, **RECIPE, report_every=every // 2 or 1,
            snapshot_epochs=range(every, settings.tutorial_stack_epochs + 1, every),
            snapshot_fn=_snapshot_fn(moons, settings.heldout_points),
        )  # fmt: skip
        line.finish(
            f"[tutorial_stack] {len(history.epochs)} epochs in {history.wall_time_s:.1f} s; best epoch "
            f"{history.best_epoch}; {history.stop_reason}"
        )
    return flow, history


def bench_tutorial_stack(settings: Settings, out: Path, machine: dict[str, Any]) -> dict[str, Any]:
    """Train and store the tutorial stack; return a summary for latest.json."""
    quick = settings.tutorial_stack_epochs < FULL.tutorial_stack_epochs
    name = NAME + ("_quick" if quick else "")
    shutil.rmtree(out / f"{name}{stored_runs.CHECKPOINT_SUFFIX}", ignore_errors=True)
    clock = RunClock()
    moons = data.two_moons(n=DATA["n"], seed=DATA["seed"])
    flow, history = _train(settings, moons)
    restored = reports.nll_report(flow, moons, n_fresh=settings.heldout_points)
    meta = clock.meta(machine, quick)
    settings_used = {
        "model": MODEL,
        "recipe": {**RECIPE, "epochs": settings.tutorial_stack_epochs, "trainer": "training.train"},
        "data": DATA,
        "heldout_points": settings.heldout_points,
        "snapshot_columns": ["train", "validation", "held-out"],
        "parameters": inspection.count_parameters(flow),
        "command": f"python benchmarks/run.py --only {NAME}" + (" --quick" if quick else ""),
    }
    info = {"meta": meta, "settings": settings_used, "restored": restored}
    stored_runs.save_run(flow, history, name, out, info)
    (out / f"{name}.md").write_text("\n".join(tutorial_stack_report(meta, settings_used, history, restored)) + "\n")
    return {
        "file": f"{name}.json",
        "wall_time_s": history.wall_time_s,
        "best_epoch": history.best_epoch,
        "stop_reason": history.stop_reason,
        "snapshots": {
            epoch: dict(zip(settings_used["snapshot_columns"], values, strict=True))
            for epoch, values in history.snapshots.items()
        },
        "restored": restored,
    }


def tutorial_stack_report(
    meta: dict[str, Any], settings: dict[str, Any], history: training.TrainingHistory, restored: dict[str, float]
) -> list[str]:
    """The whole tutorial_stack.md: how it was measured, the snapshots and the restored weights."""
    m, recipe = meta["machine"], settings["recipe"]
    lines = [
        "# The tutorial's recipe of notebook 07, stored",
        "",
        f"- date: {meta['date']}; {'QUICK smoke run (tiny settings: not comparable)' if meta['quick'] else 'full run'}",
        f"- machine: {m['cpu']}, {m['cores']} cores; load average (1/5/15 min) at start {meta['load_start']}, "
        f"at end {meta['load_end']}" + (" (shared machine: times inflated)" if shared(meta) else ""),
        f"- Python {m['python']}, TensorFlow {m['tensorflow']}, TFP {m['tensorflow_probability']}",
        f"- model: 6 MAF (256, 256), ReLU, unbounded log-scales, {settings['parameters']:,} parameters; "
        f"{recipe['epochs']} full-batch epochs, Adam {recipe['learning_rate']:g}, seed {recipe['seed']}",
        f"- training {fmt(history.wall_time_s, 1)} s wall; whole section {fmt(meta['total_time_s'], 1)} s wall, "
        f"{fmt(meta['cpu_time_s'], 1)} s CPU; {history.stop_reason}; best validation epoch {history.best_epoch}",
        f"- recompute: `{settings['command']}`",
        "",
        f"| epoch | train | validation | held-out ({settings['heldout_points']:,} fresh points) |",
        "|---|---|---|---|",
    ]
    for epoch, (train, val, heldout) in history.snapshots.items():
        lines.append(f"| {epoch} | {fmt(float(train))} | {fmt(float(val))} | {fmt(float(heldout))} |")
    lines.append(
        f"| restored ({history.best_epoch}) | {fmt(restored['train'])} | {fmt(restored['validation'])} | "
        f"{fmt(restored['held-out'])} |"
    )
    return lines
