"""Writing the benchmark's results: latest.json (machine-readable) and latest.md (tables for people)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from bench_common import SECTIONS, median, shared

from course_utils.stored_results import json_safe


def write_json(results: dict[str, Any], path: Path) -> None:
    """Write the results as JSON, non-finite numbers as strings."""
    path.write_text(json.dumps(json_safe(results), indent=1) + "\n")


def fmt(value: float, digits: int = 3) -> str:
    """Format a number for the tables, keeping NaN and inf (and the JSON's "nan", "inf") visible."""
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}" if isinstance(value, float) and math.isfinite(value) else str(value)


def speedup_cell(case: dict[str, Any]) -> str:
    """The speed-up, or why there is none (a run that stopped early)."""
    if case["speedup"] is not None:
        return f"{fmt(case['speedup'], 1)}x"
    stopped = [
        f"{label} {case[key]['stop_reason'].split(':')[0]}"
        for key, label in (("trainer", "trainer"), ("keras_fit", "Keras fit"))
        if case[key]["epochs_run"] != case["epochs"]
    ]
    return "n/a: " + "; ".join(stopped)


def markdown_speed(speed: dict[str, Any]) -> list[str]:
    """Table of the trainer against Keras fit."""
    lines = [
        "## 1. Training speed: course trainer vs Keras `fit`",
        "",
        speed["data"] + ".",
        "",
        "| model | epochs | same initial weights | trainer (s) | Keras fit (s) | speed-up | "
        "held-out NLL, trainer | held-out NLL, Keras fit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in speed["cases"]:
        lines.append(
            f"| {c['model']} | {c['epochs']} | {c['same_initial_weights']} | "
            f"{fmt(c['trainer']['wall_time_s'], 1)} | {fmt(c['keras_fit']['wall_time_s'], 1)} | "
            f"{speedup_cell(c)} | {fmt(c['trainer']['heldout_nll'])} | {fmt(c['keras_fit']['heldout_nll'])} |"
        )
    return lines + ["", "The trainer restores the best-validation weights at the end; Keras `fit` keeps the last.", ""]


def quality_row(part: dict[str, Any]) -> str:
    """One table row of the quality section: a number of points, its recipe and its medians."""
    recipe = ", ".join(f"{k}={v}" for k, v in part["recipe"].items())
    per_seed = " ".join(fmt(r["heldout_nll"]) for r in part["runs"])
    entropy = median([r["entropy"] for r in part["runs"]])
    return (
        f"| {part['n']:,} | {recipe} | {fmt(part['median']['heldout_nll'])} | {fmt(entropy)} | "
        f"{fmt(part['median']['gap'])} | {fmt(part['median']['train_time_s'], 1)} | {per_seed} |"
    )


def markdown_quality(quality: dict[str, Any]) -> list[str]:
    """Table of held-out NLL against the entropy, and the divergence count."""
    div = quality["divergence"]
    low, high = div["heldout_nll_range"]
    which = f" (seeds {div['diverged_seeds']})" if div["diverged_seeds"] else ""
    return [
        "## 2. Quality vs the limit (`training.fit_default_flow`)",
        "",
        f"Median over seeds 0..{len(quality['small']['runs']) - 1} (data seed = training seed); "
        f"held-out NLL on {quality['heldout_points']:,} fresh points; gap = held-out NLL - entropy "
        "(the KL divergence left, nats).",
        "",
        "| points | recipe | held-out NLL | entropy | gap | training time (s) | per seed NLL |",
        "|---|---|---|---|---|---|---|",
        quality_row(quality["small"]),
        quality_row(quality["large"]),
        "",
        f"Divergence (NaN/inf during training or in the held-out NLL), {div['n']} points: "
        f"**{div['diverged']} of {div['seeds']} seeds**{which}; "
        f"held-out NLL over those seeds {fmt(low)} to {fmt(high)}.",
        "",
    ]


def markdown_notebooks(notebooks: dict[str, Any]) -> list[str]:
    """Table of notebook run times (and nbval's, when timed), resources and slowest cells."""
    lines = [
        "## 3. Course run time and resources (each notebook in a fresh kernel)",
        "",
        "Time: nbclient, as in JupyterLab's Run All, kernel start included; nbval: `pytest --nbval` on the "
        "notebook alone. Peak memory and CPU time are the kernel's (`getrusage`): what one student's notebook needs.",
        "",
        "| notebook | time (s) | nbval (s) | kernel peak memory (MiB) | kernel CPU (s) | slowest cells (s) | status |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in notebooks["runs"]:
        status = r["status"] + (f" (stderr in cells {r['stderr_cells']})" if r["stderr_cells"] else "")
        memory, cpu = fmt(r.get("peak_memory_mib", float("nan")), 0), fmt(r.get("cpu_s", float("nan")), 1)
        nbval = r.get("nbval")
        nbval_cell = (
            "-" if nbval is None else fmt(nbval["wall_time_s"], 1) + ("" if nbval["returncode"] == 0 else " (failed)")
        )
        slow = ", ".join(f"{c['cell']}: {c['seconds']:.1f}" for c in r.get("slowest_cells", []))
        lines.append(
            f"| {r['notebook']} | {fmt(r['wall_time_s'], 1)} | {nbval_cell} | {memory} | {cpu} | {slow} | {status} |"
        )
    lines.append(f"| **total** | **{fmt(notebooks['total_s'], 1)}** | | | | | {len(notebooks['runs'])} notebooks |")
    return lines + [""]


def calls_formula(dims: list[int], counts: list[int]) -> str:
    """Describe counts against D: '2' when constant, 'D', 'D+1' when they grow with D, else a list."""
    if len(set(counts)) == 1:
        return str(counts[0])
    offsets = {c - d for c, d in zip(counts, dims, strict=True)}
    if len(offsets) == 1:
        k = offsets.pop()
        return "D" if k == 0 else f"D{k:+d}"
    return ", ".join(map(str, counts))


def markdown_cost(cost: dict[str, Any]) -> list[str]:
    """Table of MAF and IAF compiled times and network calls against D, and the calls as formulas of D."""
    rows, dims = cost["rows"], [r["D"] for r in cost["rows"]]
    columns = [(kind, op) for kind in ("maf", "iaf") for op in ("log_prob", "sample")]
    formulas = ", ".join(
        f"{kind.upper()} {op} {calls_formula(dims, [r['calls'][f'{kind}_{op}'] for r in rows])}" for kind, op in columns
    )
    lines = [
        "## 4. MAF vs IAF cost (`pass_costs.measure_pass_costs`)",
        "",
        f"One layer, MADE {tuple(cost['hidden_units'])}, {cost['batch']} points; best of {cost['repeats']} "
        "calls after a warm-up, compiled with `tf.function`; network calls, counted in eager mode, in "
        "parentheses after the time.",
        "",
        "| D | MAF log_prob (ms) | MAF sample (ms) | IAF log_prob (ms) | IAF sample (ms) |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [f"{fmt(r[f'{k}_{op}_ms'], 2)} ({r['calls'][f'{k}_{op}']})" for k, op in columns]
        lines.append(f"| {r['D']} | " + " | ".join(cells) + " |")
    return lines + [
        "",
        f"Network calls against D: {formulas}. TFP's log_prob calls the network once for the inverse and "
        "once more for the log-det: a one-pass density shows 2 calls, a D-pass one D+1.",
        "",
        f"![MAF vs IAF cost]({cost['figure']})",
        "",
    ]


def markdown_header(meta: dict[str, Any]) -> list[str]:
    """Date, machine, load, versions and mode of the run, with a warning when the CPUs were shared."""
    m = meta["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"- date: {meta['date']}",
        f"- machine: {m['cpu']}, {m['cores']} cores ({m['platform']})",
        f"- load average (1/5/15 min) at start {meta['load_start']}, at end {meta['load_end']}: "
        "above the core count means other processes shared the CPUs",
        f"- Python {m['python']}, TensorFlow {m['tensorflow']}, tf-keras {m['tf_keras']}, "
        f"TFP {m['tensorflow_probability']}, NumPy {m['numpy']}",
        f"- mode: {'QUICK smoke run (tiny settings: not comparable)' if meta['quick'] else 'full'}; "
        f"sections {', '.join(meta['sections'])}; whole run {fmt(meta['total_time_s'], 0)} s wall, "
        f"{fmt(meta['cpu_time_s'], 0)} s CPU (this process and its kernels)",
        "",
    ]
    if shared(meta):
        lines += [
            f"**The machine was shared** (load above its {m['cores']} cores): wall times are inflated and not final.",
            "",
        ]
    return lines


def markdown_targets(targets: list[dict[str, Any]], quick: bool) -> list[str]:
    """Table of the quality targets, met or not."""
    note = " (quick run: tiny settings, so the targets are not comparable)" if quick else ""
    lines = ["## Targets" + note, "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {t['target']} | {fmt(t['measured'])} | {'yes' if t['met'] else '**no**'} |" for t in targets]
    return lines + [""]


def write_markdown(results: dict[str, Any], path: Path) -> None:
    """Write the human-readable report."""
    from bench_digits import markdown_digits  # imported here: bench_digits imports this module
    from bench_leaderboard import markdown_leaderboard  # imported here: bench_leaderboard imports this module

    meta = results["meta"]
    lines = markdown_header(meta)
    if results.get("targets"):
        lines += markdown_targets(results["targets"], meta["quick"])
    renderers = {
        "speed": markdown_speed,
        "quality": markdown_quality,
        "notebooks": markdown_notebooks,
        "cost": markdown_cost,
        "leaderboard": markdown_leaderboard,
        "digits": markdown_digits,
    }
    for section in SECTIONS:
        if section in results:
            lines += renderers[section](results[section])
    path.write_text("\n".join(lines))
