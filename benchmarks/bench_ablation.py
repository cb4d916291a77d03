"""Section `ablation`: which of the default recipe's changes matter? (`course_utils.ablation`, notebook 06)

For each seed of ablation.SEEDS: the whole recipe, then the recipe with each of its changes switched off
on its own, every run at the leaderboard's budget. Writes OUT/ablation.json and OUT/ablation.md
(OUT/ablation_quick.* for a --quick run), and the whole recipe's run of seed 0, with its history and
snapshots, as the stored run `default_recipe` (`stored_runs`) that notebook 06 restores.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import numpy as np
from bench_common import RunClock, Settings
from bench_report import fmt, write_json

from course_utils import ablation, progress, stored_runs, training

SNAPSHOT_EVERY = 100  # epochs between the snapshots of the stored run (notebook 06's replay slider)
SNAPSHOT_POINTS = 500  # base points pushed through the flow at each snapshot
SNAPSHOT_DECIMALS = 3  # enough for a scatter plot; keeps the stored JSON small


def _run_one(off: tuple[str, ...], seed: int, steps: int, **train_kwargs: Any) -> tuple[Any, Any, dict[str, Any]]:
    """Train one variant with a live progress line; return flow, history and the run's record."""
    with progress.live_line() as line:
        flow, history, heldout = ablation.train_variant(off, seed, steps, report_every=100, **train_kwargs)
        label = "nothing" if not off else "+".join(off)
        line.finish(f"[ablation] off: {label:<9} seed {seed}: held-out {heldout:.3f}, {history.wall_time_s:.1f} s")
    record = {
        "off": list(off),
        "seed": seed,
        "heldout_nll": heldout,
        "best_epoch": history.best_epoch,
        "stop_reason": history.stop_reason,
        "train_time_s": history.wall_time_s,
    }
    return flow, history, record


def effects(runs: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Per change: held-out NLL without it minus the whole recipe's, one value per seed (paired by seed)."""
    whole = {run["seed"]: run["heldout_nll"] for run in runs if not run["off"]}
    out: dict[str, list[float]] = {}
    for change in ablation.CHANGES:
        out[change] = [run["heldout_nll"] - whole[run["seed"]] for run in runs if run["off"] == [change]]
    return out


def bench_ablation(settings: Settings, out: Path, machine: dict[str, Any]) -> dict[str, Any]:
    """Run the whole recipe and each change switched off, for every seed; write the results and the stored run."""
    quick = settings.leaderboard_steps < ablation.leaderboard.STEPS
    suffix = "_quick" if quick else ""
    clock = RunClock()
    steps, runs = settings.leaderboard_steps, []
    for seed in settings.ablation_seeds:
        snapshot = dict(snapshot_epochs=range(0, steps + 1, SNAPSHOT_EVERY),
                        snapshot_fn=training.default_snapshot_fn(n=SNAPSHOT_POINTS)) if seed == 0 else {}  # fmt: skip
        flow, history, record = _run_one((), seed, steps, **snapshot)
        runs.append(record)
        if seed == 0:
            rounded = {e: np.round(np.asarray(v, np.float64), SNAPSHOT_DECIMALS) for e, v in history.snapshots.items()}
            history.snapshots = rounded
            info = {"machine": machine, "date": clock.date, "steps": steps, "heldout_nll": record["heldout_nll"]}
            stored_runs.save_run(flow, history, ablation.DEFAULT_RUN_NAME + suffix, out, info)
        runs += [_run_one((change,), seed, steps)[2] for change in ablation.CHANGES]
    result = {
        "settings": {
            "steps": steps,
            "seeds": list(settings.ablation_seeds),
            "changes": list(ablation.CHANGES),
            "off": ablation.OFF,
            "recipe": ablation.recipe(),
        },  # fmt: skip
        "runs": runs,
        "effects": effects(runs),
    }
    meta = clock.meta(machine, quick)
    write_json({"meta": meta, **result}, out / f"ablation{suffix}.json")
    (out / f"ablation{suffix}.md").write_text("\n".join(ablation_report(meta, result)) + "\n")
    return result


def markdown_ablation(result: dict[str, Any]) -> list[str]:
    """The effects table: per change, the held-out NLL it saves on each seed, and their mean."""
    seeds = result["settings"]["seeds"]
    lines = [
        "## Ablation of the default recipe (two moons, the leaderboard's MAF row)",
        "",
        f"{result['settings']['steps']} full-batch Adam steps per run. Effect of a change: held-out NLL of the "
        "recipe without it minus the whole recipe's, same seed (nats; positive: the change helps).",
        "",
        "| change switched off | replaced by | " + " | ".join(f"seed {s}" for s in seeds) + " | mean |",
        "|---|---|" + "---|" * (len(seeds) + 1),
    ]
    for change, values in result["effects"].items():
        cells = " | ".join(fmt(v) for v in values)
        lines.append(f"| {change} | {ablation.OFF[change]} | {cells} | {fmt(statistics.mean(values))} |")
    whole = [run["heldout_nll"] for run in result["runs"] if not run["off"]]
    lines += ["", f"Whole recipe, held-out NLL per seed: {', '.join(fmt(v) for v in whole)}.", ""]
    return lines


def ablation_report(meta: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """ablation.md: the effects table, then how and where it was measured."""
    return [
        "# Ablation of the default recipe",
        "",
        *markdown_ablation(result),
        f"- date: {meta['date']}; machine: {meta['machine'].get('cpu', '?')}, "
        f"{meta['machine'].get('cores', '?')} cores",
        f"- load average at start {meta['load_start']}, at end {meta['load_end']}",
        f"- whole section: {meta['total_time_s']:.0f} s wall, {meta['cpu_time_s']:.0f} s CPU",
        "- recompute: `python benchmarks/run.py --only ablation`",
    ]
