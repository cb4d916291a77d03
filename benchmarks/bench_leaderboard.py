"""Section `leaderboard`: MAF, RealNVP (with Permute or learned LU mixing), spline coupling and IAF on the five toy
datasets, at equal parameter budgets and a fixed budget of Adam steps (`course_utils.leaderboard`).

Writes OUT/leaderboard.json and OUT/leaderboard.md (OUT/leaderboard_quick.* for a --quick run, so a smoke run
never replaces the table notebook 09 shows), and the trained flows of some datasets as checkpoints in
OUT/leaderboard_checkpoints/ (notebook 09 restores them). A few extra seeds on two moons give the
seed-to-seed spread, the yardstick for reading differences in the table.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bench_common import RunClock, Settings, median, shared
from bench_report import fmt, write_json

from course_utils import checkpoints, data, leaderboard, progress, splines


def _run_one(kind: str, dataset: str, seed: int, settings: Settings, save_to: Path | None) -> dict[str, Any]:
    """Train one entry with a live progress line; save its flow when `save_to` is given; return the entry's dict."""
    with progress.live_line() as line:
        flow, _, entry = leaderboard.run_entry(
            kind, dataset, steps=settings.leaderboard_steps, seed=seed,
            heldout_points=settings.heldout_points, report_every=100,
        )  # fmt: skip
        line.finish(
            f"[leaderboard] {kind:<11} {dataset:<15} seed {seed}: held-out {entry.heldout_nll:.3f}"
            + ("" if entry.gap is None else f", gap {entry.gap:.3f}")
            + f", {entry.train_time_s:.1f} s"
        )
    if save_to is not None:
        checkpoints.save_flow(flow, leaderboard.checkpoint_prefix(save_to, kind, dataset, seed))
    return leaderboard.entry_to_dict(entry)


def spread(entries: list[dict[str, Any]], dataset: str) -> dict[str, dict[str, Any]]:
    """Per model: the seeds run on `dataset` and the min, median and max of their gap (or held-out NLL)."""
    out: dict[str, dict[str, Any]] = {}
    for kind in leaderboard.KINDS:
        runs = [e for e in entries if e["kind"] == kind and e["dataset"] == dataset]
        if len(runs) > 1:
            values = [e["heldout_nll"] if e["gap"] is None else e["gap"] for e in runs]
            out[kind] = {"seeds": [e["seed"] for e in runs], "min": min(values), "median": median(values)}
            out[kind]["max"] = max(values)
    return out


def bench_leaderboard(settings: Settings, out: Path, machine: dict[str, Any]) -> dict[str, Any]:
    """Run every (model, dataset) entry with seed 0, then the spread seeds on two moons; write the results."""
    quick = settings.leaderboard_steps < leaderboard.STEPS
    suffix = "_quick" if quick else ""
    save_to = out / (Path(leaderboard.CHECKPOINTS_NAME).stem + suffix)
    shutil.rmtree(save_to, ignore_errors=True)
    clock = RunClock()
    entries = []
    for dataset in settings.leaderboard_datasets:
        for kind in leaderboard.KINDS:
            saved = save_to if dataset in settings.leaderboard_checkpoint_datasets else None
            entries.append(_run_one(kind, dataset, 0, settings, saved))
    for seed in settings.leaderboard_spread_seeds:
        for kind in leaderboard.KINDS:
            entries.append(_run_one(kind, "two_moons", seed, settings, None))
    result = {
        "settings": {
            "steps": settings.leaderboard_steps,
            "points": leaderboard.N_POINTS,
            "heldout_points": settings.heldout_points,
            "num_layers": leaderboard.NUM_LAYERS,
            "target_parameters": leaderboard.TARGET_PARAMETERS,
            "recipe": leaderboard.RECIPE,
            "spline_bins": splines.DEFAULT_BINS,
            "spline_bound": splines.DEFAULT_BOUND,
        },
        "entries": entries,
        "spread": spread(entries, "two_moons"),
        "checkpoints": save_to.name,
    }
    meta = clock.meta(machine, quick)
    write_json({"meta": meta, "leaderboard": result}, out / f"leaderboard{suffix}.json")
    (out / f"leaderboard{suffix}.md").write_text("\n".join(leaderboard_report(meta, result)) + "\n")
    return result


def _entries(result: dict[str, Any]) -> list[leaderboard.Entry]:
    """The stored entries as leaderboard.Entry objects."""
    return [leaderboard.entry_from_dict(record) for record in result["entries"]]


def markdown_leaderboard(result: dict[str, Any]) -> list[str]:
    """The leaderboard's tables, for leaderboard.md and the section of latest.md."""
    s = result["settings"]
    lines = [
        "## Leaderboard: MAF, RealNVP, spline coupling and IAF at equal budgets",
        "",
        f"Every model: {s['num_layers']} layers, two hidden layers of one width chosen so that it has about "
        f"{s['target_parameters']:,} parameters; {s['steps']} full-batch Adam steps on {s['points']} points "
        f"(recipe {s['recipe']}); data seed = weights seed = 0. Cells: held-out NLL on "
        f"{s['heldout_points']:,} fresh points minus the entropy of the data (nats, lower is better; 0 is a "
        "perfect model); pinwheel, whose entropy is unknown, shows the held-out NLL. Time: training only, "
        "the mean over the datasets.",
        "",
        "```",
        leaderboard.format_table(_entries(result)),
        "```",
        "",
    ]
    if result["spread"]:
        lines += ["Seed-to-seed spread on two moons (gap; differences smaller than this mean little):", ""]
        lines += ["| model | seeds | min | median | max |", "|---|---|---|---|---|"]
        for kind, row in result["spread"].items():
            seeds = ", ".join(map(str, row["seeds"]))
            lines.append(
                f"| {leaderboard.LABELS[kind]} | {seeds} | {fmt(row['min'])} | {fmt(row['median'])} | "
                f"{fmt(row['max'])} |"
            )
        lines.append("")
    return lines


def _entry_rows(result: dict[str, Any]) -> list[str]:
    """Every run, one table row each."""
    lines = ["| model | dataset | seed | width | parameters | held-out NLL | entropy | gap | time (s) | best epoch |"]
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    for e in result["entries"]:
        entropy = "-" if e["entropy"] is None else fmt(e["entropy"])
        gap = "-" if e["gap"] is None else fmt(e["gap"])
        lines.append(
            f"| {leaderboard.LABELS[e['kind']]} | {e['dataset']} | {e['seed']} | {e['width']} | {e['parameters']} | "
            f"{fmt(e['heldout_nll'])} | {entropy} | {gap} | {fmt(e['train_time_s'], 1)} | {e['best_epoch']} |"
        )
    return lines


def leaderboard_report(meta: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """The whole leaderboard.md: how it was measured, the tables and every run."""
    m = meta["machine"]
    return [
        "# Leaderboard of notebook 09",
        "",
        f"- date: {meta['date']}; {'QUICK smoke run (tiny settings: not comparable)' if meta['quick'] else 'full run'}",
        f"- machine: {m['cpu']}, {m['cores']} cores; load average (1/5/15 min) at start {meta['load_start']}, "
        f"at end {meta['load_end']}" + (" (shared machine: times inflated)" if shared(meta) else ""),
        f"- Python {m['python']}, TensorFlow {m['tensorflow']}, TFP {m['tensorflow_probability']}; "
        f"whole section {fmt(meta['total_time_s'], 0)} s wall"
        + (
            f", {fmt(meta['cpu_time_s'], 0)} s CPU (on 2 free cores the wall time lies between CPU / 2 and CPU)"
            if "cpu_time_s" in meta
            else ""
        ),
        f"- datasets: {', '.join(data.DATASETS)}; trained flows of some datasets in `{result['checkpoints']}/`",
        "",
        *markdown_leaderboard(result),
        "## Every run",
        "",
        *_entry_rows(result),
        "",
    ]
