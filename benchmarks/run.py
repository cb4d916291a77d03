"""Performance benchmark of the course, measured in one run on the machine it runs on.

    .venv/bin/python benchmarks/run.py                 # full run: 10-15 minutes on 2 free cores
    .venv/bin/python benchmarks/run.py --quick         # smoke run with tiny settings (about 1 minute)
    .venv/bin/python benchmarks/run.py --nbval         # also time `pytest --nbval notebooks solutions`
    .venv/bin/python benchmarks/run.py --only cost     # only some sections (speed quality notebooks cost)
    .venv/bin/python benchmarks/run.py --out DIR       # write the results elsewhere

Sections:
  speed      the course's compiled trainer (training.train) against the tutorial's Keras `fit`
             route (training.train_keras): same model, same initial weights, same data, same epochs.
  quality    held-out NLL minus the entropy (the best any model can reach) of training.fit_default_flow:
             the default recipe at 1000 points, LARGE_DATA_RECIPE at 10,000; how many seeds diverge.
  notebooks  each notebooks/*.ipynb executed in a fresh kernel (in memory, never written back).
  cost       MAF against IAF: time of log_prob and of sample against the dimension D, and how many
             times each calls the shift-and-log-scale network.

Writes OUT/latest.json, OUT/latest.md and (section cost) OUT/maf_iaf_cost.png, OUT defaulting
to benchmarks/results/. Non-finite numbers are written to the JSON as the strings "nan", "inf".
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import course_utils  # noqa: F401  (first: it silences TensorFlow's start-up lines)

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_probability as tfp  # noqa: E402
import tf_keras  # noqa: E402

from course_utils import builders, data, metrics, training  # noqa: E402

tfb = tfp.bijectors
tfd = tfp.distributions

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("speed", "quality", "notebooks", "cost")

# The recipe for 10,000 points (training.LARGE_DATA_RECIPE): 6 of the default flow's layers instead
# of 4, minibatches of 512 (about 3000 Adam steps) and no added noise.
LARGE_RECIPE: dict[str, Any] = dict(training.LARGE_DATA_RECIPE)

# Targets on 2 cores (medians over the quality seeds).
TARGET_NLL_1K = 1.28
TARGET_TIME_1K_S = 10.0
TARGET_NLL_10K = 1.17


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


FULL = Settings()
QUICK = Settings(
    speed_epochs=20, heldout_points=2000, quality_seeds=2, divergence_seeds=3,
    recipe_overrides=dict(epochs=30), large_recipe=dict(LARGE_RECIPE, epochs=2),
    max_notebooks=1, cost_dims=(2, 4, 8), cost_repeats=3,
)


# --- helpers ---------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    """CPU model (from /proc/cpuinfo), core count, platform and the versions that matter."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "tf_keras": tf_keras.__version__,
        "tensorflow_probability": tfp.__version__,
        "numpy": np.__version__,
    }


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages: above the core count, others were using the CPUs."""
    return [round(v, 2) for v in os.getloadavg()]


def cpu_seconds() -> float:
    """CPU seconds (user + system) used so far by this process and its finished children (kernels)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def median(values: list[float]) -> float:
    """Median that stays NaN/inf-aware: any NaN gives NaN."""
    if any(math.isnan(v) for v in values):
        return float("nan")
    return float(statistics.median(values))


def is_finite(value: float) -> bool:
    """True for a finite float."""
    return math.isfinite(value)


def same_weights(a: tfd.Distribution, b: tfd.Distribution) -> bool:
    """True when two distributions hold identical trainable variables, in the same order."""
    va, vb = a.trainable_variables, b.trainable_variables
    return len(va) == len(vb) and all(np.array_equal(x.numpy(), y.numpy()) for x, y in zip(va, vb))


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Call fn() and return (its result, wall seconds)."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


# --- 1. training speed -----------------------------------------------------------------------


def speed_case(name: str, build: Callable[[], tfd.Distribution], toy: data.ToyData,
               epochs: int, heldout_points: int) -> dict[str, Any]:
    """Train two copies of one model (same seed) with the course's trainer and with Keras fit."""
    ours, keras = build(), build()
    identical = same_weights(ours, keras)
    tf_keras.utils.set_random_seed(0)
    h_ours = training.train(ours, toy.x, epochs=epochs, seed=0)
    tf_keras.utils.set_random_seed(0)
    h_keras = training.train_keras(keras, toy.x, epochs=epochs)
    result = {"model": name, "epochs": epochs, "same_initial_weights": identical}
    for label, dist, history in (("trainer", ours, h_ours), ("keras_fit", keras, h_keras)):
        result[label] = {
            "wall_time_s": history.wall_time_s,
            "heldout_nll": metrics.heldout_nll(dist, toy, n=heldout_points),
            "stop_reason": history.stop_reason,
            "epochs_run": len(history.epochs),
            "best_epoch": history.best_epoch,
        }
    # A run cut short (NaN) did less work: its time says nothing about the speed of the other.
    both_completed = len(h_ours.epochs) == len(h_keras.epochs) == epochs
    result["speedup"] = h_keras.wall_time_s / h_ours.wall_time_s if both_completed else None
    return result


def bench_speed(settings: Settings) -> dict[str, Any]:
    """The trainer against Keras fit on the tutorial's 1 MAF (16, 16) and 6 MAF (256, 256)."""
    toy = data.two_moons()
    cases = [
        ("1 MAF (16, 16), unclamped",
         lambda: builders.make_flow(builders.make_maf(2, (16, 16), log_scale_clamp=None, seed=0), 2)),
        ("6 MAF (256, 256) + Permute, unclamped",
         lambda: builders.make_flow(builders.make_stack("maf", 6, 2, hidden_units=(256, 256),
                                                        log_scale_clamp=None, seed=0), 2)),
    ]
    results = []
    for name, build in cases:
        print(f"[speed] {name}: {settings.speed_epochs} full-batch epochs, trainer then Keras fit", flush=True)
        results.append(speed_case(name, build, toy, settings.speed_epochs, settings.heldout_points))
    return {"data": "two_moons(n=1000, seed=0): 800 train / 200 validation, full batch, Adam 1e-3",
            "cases": results}


# --- 2. quality against the limit ------------------------------------------------------------


def fit_and_score(n: int, seed: int, overrides: dict[str, Any], heldout_points: int,
                  with_entropy: bool) -> dict[str, Any]:
    """Fit the default flow to two_moons(n, seed); return held-out NLL, gap to the entropy, time."""
    toy = data.two_moons(n=n, seed=seed)
    dist, history = training.fit_default_flow(toy.x, seed=seed, **overrides)
    nll = metrics.heldout_nll(dist, toy, n=heldout_points)
    result = {
        "seed": seed,
        "heldout_nll": nll,
        "train_time_s": history.wall_time_s,
        "best_epoch": history.best_epoch,
        "stop_reason": history.stop_reason,
        "diverged": history.diverged or not is_finite(nll),
    }
    if with_entropy:
        result["entropy"] = metrics.entropy(toy)
        result["gap"] = nll - result["entropy"]
    return result


def summarise(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Medians of held-out NLL, gap and training time over runs."""
    return {key: median([r[key] for r in runs]) for key in ("heldout_nll", "gap", "train_time_s")}


def bench_quality(settings: Settings) -> dict[str, Any]:
    """Default recipe at 1000 and 10,000 points (median over seeds) and its divergence count."""
    out: dict[str, Any] = {"heldout_points": settings.heldout_points}
    small_recipe = {**training.DEFAULT_RECIPE, **settings.recipe_overrides}
    large_recipe = {**training.DEFAULT_RECIPE, **settings.recipe_overrides, **settings.large_recipe}

    print(f"[quality] default recipe, {settings.small_n} points, seeds 0..{settings.divergence_seeds - 1}",
          flush=True)
    small = [fit_and_score(settings.small_n, s, settings.recipe_overrides, settings.heldout_points,
                           with_entropy=s < settings.quality_seeds)
             for s in range(max(settings.divergence_seeds, settings.quality_seeds))]
    out["small"] = {"n": settings.small_n, "recipe": small_recipe,
                    "median": summarise(small[:settings.quality_seeds]), "runs": small[:settings.quality_seeds]}
    out["divergence"] = {
        "n": settings.small_n, "seeds": settings.divergence_seeds,
        "diverged": sum(r["diverged"] for r in small[:settings.divergence_seeds]),
        "diverged_seeds": [r["seed"] for r in small[:settings.divergence_seeds] if r["diverged"]],
        "heldout_nll_range": [min(r["heldout_nll"] for r in small), max(r["heldout_nll"] for r in small)],
    }

    print(f"[quality] large-data recipe, {settings.large_n} points, seeds 0..{settings.quality_seeds - 1}",
          flush=True)
    overrides = {**settings.recipe_overrides, **settings.large_recipe}
    large = [fit_and_score(settings.large_n, s, overrides, settings.heldout_points, with_entropy=True)
             for s in range(settings.quality_seeds)]
    out["large"] = {"n": settings.large_n, "recipe": large_recipe, "median": summarise(large), "runs": large}
    return out


# --- 3. course run time ----------------------------------------------------------------------


def execute_in_memory(path: Path, timeout: int = 600) -> dict[str, Any]:
    """Run a notebook top to bottom in a fresh kernel; keep the outputs in memory only."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        # The kernel process's own stderr (a start-up notice about TCP) is not the notebook's: drop it.
        client.execute(stderr=subprocess.DEVNULL)
        status = "ok"
    except Exception as error:  # a notebook being written may fail: record it and go on
        last_line = (str(error).strip().splitlines() or [""])[-1][:200]
        status = f"failed: {type(error).__name__}: {last_line}"
    elapsed = time.perf_counter() - start
    stderr_cells = sorted({i for i, cell in enumerate(notebook.cells) for o in cell.get("outputs", [])
                           if o.get("output_type") == "stream" and o.get("name") == "stderr"})
    return {"notebook": path.name, "wall_time_s": elapsed, "status": status, "stderr_cells": stderr_cells}


def time_nbval() -> dict[str, Any]:
    """Time `pytest --nbval notebooks solutions` in a subprocess; keep its summary line."""
    command = [sys.executable, "-m", "pytest", "--nbval", "notebooks", "solutions", "-q"]
    completed, elapsed = timed(lambda: subprocess.run(command, cwd=ROOT, capture_output=True, text=True))
    lines = [line for line in completed.stdout.strip().splitlines() if line.strip()]
    return {"command": " ".join(["pytest", *command[3:]]), "wall_time_s": elapsed,
            "returncode": completed.returncode, "summary": lines[-1] if lines else ""}


def bench_notebooks(settings: Settings, with_nbval: bool) -> dict[str, Any]:
    """Execute every notebook that exists now in notebooks/, each in a fresh kernel, and sum."""
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))[:settings.max_notebooks]
    runs = []
    for path in paths:
        print(f"[notebooks] executing {path.name}", flush=True)
        runs.append(execute_in_memory(path))
    out: dict[str, Any] = {"runs": runs, "total_s": sum(r["wall_time_s"] for r in runs)}
    if with_nbval:
        print("[notebooks] pytest --nbval notebooks solutions", flush=True)
        out["nbval"] = time_nbval()
    return out


# --- 4. MAF against IAF ----------------------------------------------------------------------


def count_calls(event_size: int, hidden: tuple[int, ...], batch: int) -> dict[str, int]:
    """Network calls, counted in eager mode, of log_prob and sample for a MAF and for an IAF."""
    x = tf.random.stateless_normal([batch, event_size], seed=[0, 1])
    counts = {}
    for kind in ("maf", "iaf"):
        dist, counter = builders.make_counted_flow(kind, event_size, hidden, seed=0)
        counts[f"{kind}_log_prob"] = counter.count(lambda: dist.log_prob(x + 0.0))
        counts[f"{kind}_sample"] = counter.count(lambda: dist.sample(batch, seed=tf.constant([0, 2])))
    return counts


def median_ms(fn: Callable[[], tf.Tensor], repeats: int) -> float:
    """Median wall time of fn() in milliseconds, after one warm-up call (which traces)."""
    fn().numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn().numpy()
        times.append(1000 * (time.perf_counter() - start))
    return float(statistics.median(times))


def time_ops(event_size: int, hidden: tuple[int, ...], batch: int, repeats: int) -> dict[str, float]:
    """Median ms of log_prob and sample of `batch` points, compiled and eager, for MAF and IAF."""
    x = tf.random.stateless_normal([batch, event_size], seed=[0, 1])
    seed = tf.constant([0, 2])
    times = {}
    for kind, make in (("maf", builders.make_maf), ("iaf", builders.make_iaf)):
        dist = builders.make_flow(make(event_size, hidden, seed=0), event_size)
        log_prob = tf.function(lambda v: dist.log_prob(v))
        sample = tf.function(lambda s: dist.sample(batch, seed=s))
        # x + 0.0 is a new tensor each call, so TFP's bijector cache cannot answer from memory.
        times[f"{kind}_log_prob_ms"] = median_ms(lambda: log_prob(x + 0.0), repeats)
        times[f"{kind}_sample_ms"] = median_ms(lambda: sample(seed), repeats)
        times[f"{kind}_log_prob_eager_ms"] = median_ms(lambda: dist.log_prob(x + 0.0), repeats)
        times[f"{kind}_sample_eager_ms"] = median_ms(lambda: dist.sample(batch, seed=seed), repeats)
    return times


def calls_formula(dims: list[int], counts: list[int]) -> str:
    """Describe counts against D: '2' when constant, 'D', 'D+1' when they grow with D, else a list."""
    if len(set(counts)) == 1:
        return str(counts[0])
    offsets = {c - d for c, d in zip(counts, dims)}
    if len(offsets) == 1:
        k = offsets.pop()
        return "D" if k == 0 else f"D{k:+d}"
    return ", ".join(map(str, counts))


def plot_cost(rows: list[dict[str, Any]], settings: Settings, path: Path) -> None:
    """Save time against D (log-log) for density and sampling, each point labelled with its calls."""
    dims = [r["D"] for r in rows]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    titles = {"log_prob": f"density: log_prob of {settings.cost_batch} points",
              "sample": f"sampling: {settings.cost_batch} points"}
    styles = {"maf": ("MAF", "tab:blue", "o"), "iaf": ("IAF", "tab:orange", "s")}
    for ax, op in zip(axes, ("log_prob", "sample")):
        for kind, (label, colour, marker) in styles.items():
            ms = [r[f"{kind}_{op}_ms"] for r in rows]
            calls = [r["calls"][f"{kind}_{op}"] for r in rows]
            formula = calls_formula(dims, calls)
            ax.plot(dims, ms, marker=marker, color=colour,
                    label=f"{label}: {formula} network call{'' if formula == '1' else 's'}")
            below = kind == "maf" and op == "log_prob"  # keep the labels of the two lines apart
            for d, t, c in zip(dims, ms, calls):
                ax.annotate(str(c), (d, t), textcoords="offset points", xytext=(0, -13 if below else 6),
                            ha="center", fontsize=8, color=colour)
        ax.set_xscale("log", base=2)
        ax.margins(y=0.12)
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xticks(dims, [str(d) for d in dims])
        ax.set_xlabel("dimension D")
        ax.set_title(titles[op])
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="upper left", fontsize=9)
    axes[0].set_ylabel("time (ms, median, tf.function)")
    fig.suptitle(f"MAF vs IAF cost: one layer, MADE {tuple(settings.cost_hidden)}; "
                 "numbers = calls of the shift-and-log-scale network", fontsize=10)
    fig.text(0.5, 0.01, "TFP's log_prob calls the network once for the inverse and once more for the "
             "log-det: a one-pass density shows 2 calls, a D-pass one D+1.", ha="center", fontsize=8)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def bench_cost(settings: Settings, out_dir: Path) -> dict[str, Any]:
    """Time and count network calls of MAF and IAF log_prob/sample for each D; save the figure."""
    rows = []
    for d in settings.cost_dims:
        print(f"[cost] D = {d}", flush=True)
        row = {"D": d, "calls": count_calls(d, settings.cost_hidden, batch=16)}
        row.update(time_ops(d, settings.cost_hidden, settings.cost_batch, settings.cost_repeats))
        rows.append(row)
    figure = out_dir / "maf_iaf_cost.png"
    plot_cost(rows, settings, figure)
    return {"hidden_units": list(settings.cost_hidden), "batch": settings.cost_batch,
            "repeats": settings.cost_repeats, "figure": figure.name, "rows": rows}


# --- reporting -------------------------------------------------------------------------------


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Check the quality targets against the measured medians."""
    if "quality" not in results:
        return []
    q = results["quality"]
    checks = [
        (f"{q['small']['n']} points: median held-out NLL <= {TARGET_NLL_1K}",
         q["small"]["median"]["heldout_nll"], q["small"]["median"]["heldout_nll"] <= TARGET_NLL_1K),
        (f"{q['small']['n']} points: median training time <= {TARGET_TIME_1K_S:.0f} s",
         q["small"]["median"]["train_time_s"], q["small"]["median"]["train_time_s"] <= TARGET_TIME_1K_S),
        (f"{q['large']['n']} points: median held-out NLL <= {TARGET_NLL_10K}",
         q["large"]["median"]["heldout_nll"], q["large"]["median"]["heldout_nll"] <= TARGET_NLL_10K),
        (f"{q['divergence']['n']} points: 0 of {q['divergence']['seeds']} seeds diverge",
         q["divergence"]["diverged"], q["divergence"]["diverged"] == 0),
    ]
    return [{"target": name, "measured": value, "met": bool(met)} for name, value, met in checks]


def json_safe(value: Any) -> Any:
    """Replace non-finite floats (not valid JSON) by the strings 'nan', 'inf', '-inf'."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return json_safe(value.item())
    return value


def fmt(value: float, digits: int = 3) -> str:
    """Format a number for the tables, keeping NaN and inf (and the JSON's "nan", "inf") visible."""
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}" if isinstance(value, float) and is_finite(value) else str(value)


def speedup_cell(case: dict[str, Any]) -> str:
    """The speed-up, or why there is none (a run that stopped early)."""
    if case["speedup"] is not None:
        return f"{fmt(case['speedup'], 1)}x"
    stopped = [f"{label} {case[key]['stop_reason'].split(':')[0]}"
               for key, label in (("trainer", "trainer"), ("keras_fit", "Keras fit"))
               if case[key]["epochs_run"] != case["epochs"]]
    return "n/a: " + "; ".join(stopped)


def markdown_speed(speed: dict[str, Any]) -> list[str]:
    """Table of the trainer against Keras fit."""
    lines = ["## 1. Training speed: course trainer vs Keras `fit`", "", speed["data"] + ".", "",
             "| model | epochs | same initial weights | trainer (s) | Keras fit (s) | speed-up | "
             "held-out NLL, trainer | held-out NLL, Keras fit |",
             "|---|---|---|---|---|---|---|---|"]
    for c in speed["cases"]:
        lines.append(f"| {c['model']} | {c['epochs']} | {c['same_initial_weights']} | "
                     f"{fmt(c['trainer']['wall_time_s'], 1)} | {fmt(c['keras_fit']['wall_time_s'], 1)} | "
                     f"{speedup_cell(c)} | {fmt(c['trainer']['heldout_nll'])} | "
                     f"{fmt(c['keras_fit']['heldout_nll'])} |")
    lines += ["", "The trainer restores the best-validation weights at the end; Keras `fit` keeps the last.", ""]
    return lines


def markdown_quality(quality: dict[str, Any]) -> list[str]:
    """Table of held-out NLL against the entropy, and the divergence count."""
    lines = ["## 2. Quality vs the limit (`training.fit_default_flow`)", "",
             f"Median over seeds 0..{len(quality['small']['runs']) - 1} (data seed = training seed); "
             f"held-out NLL on {quality['heldout_points']:,} fresh points; gap = held-out NLL - entropy "
             "(the KL divergence left, nats).", "",
             "| points | recipe | held-out NLL | entropy | gap | training time (s) | per seed NLL |",
             "|---|---|---|---|---|---|---|"]
    for key in ("small", "large"):
        part = quality[key]
        recipe = ", ".join(f"{k}={v}" for k, v in part["recipe"].items())
        per_seed = " ".join(fmt(r["heldout_nll"]) for r in part["runs"])
        lines.append(f"| {part['n']:,} | {recipe} | {fmt(part['median']['heldout_nll'])} | "
                     f"{fmt(median([r['entropy'] for r in part['runs']]))} | {fmt(part['median']['gap'])} | "
                     f"{fmt(part['median']['train_time_s'], 1)} | {per_seed} |")
    div = quality["divergence"]
    low, high = div["heldout_nll_range"]
    which = f" (seeds {div['diverged_seeds']})" if div["diverged_seeds"] else ""
    lines += ["", f"Divergence (NaN/inf during training or in the held-out NLL), {div['n']} points: "
              f"**{div['diverged']} of {div['seeds']} seeds**{which}; "
              f"held-out NLL over those seeds {fmt(low)} to {fmt(high)}.", ""]
    return lines


def markdown_notebooks(notebooks: dict[str, Any]) -> list[str]:
    """Table of notebook run times."""
    lines = ["## 3. Course run time (each notebook in a fresh kernel)", "",
             "| notebook | time (s) | status |", "|---|---|---|"]
    for r in notebooks["runs"]:
        status = r["status"] + (f" (stderr in cells {r['stderr_cells']})" if r["stderr_cells"] else "")
        lines.append(f"| {r['notebook']} | {fmt(r['wall_time_s'], 1)} | {status} |")
    lines.append(f"| **total** | **{fmt(notebooks['total_s'], 1)}** | {len(notebooks['runs'])} notebooks |")
    if "nbval" in notebooks:
        nb = notebooks["nbval"]
        lines += ["", f"`{nb['command']}`: {fmt(nb['wall_time_s'], 1)} s, exit code {nb['returncode']}, "
                  f"{nb['summary']}"]
    return lines + [""]


def markdown_cost(cost: dict[str, Any]) -> list[str]:
    """Table of MAF and IAF times and network calls against D."""
    lines = ["## 4. MAF vs IAF cost", "",
             f"One layer, MADE {tuple(cost['hidden_units'])}, {cost['batch']} points; median of "
             f"{cost['repeats']} calls after a warm-up, compiled with `tf.function` (eager in brackets); "
             "network calls counted in eager mode in parentheses after the time.", "",
             "| D | MAF log_prob (ms) | MAF sample (ms) | IAF log_prob (ms) | IAF sample (ms) |",
             "|---|---|---|---|---|"]
    for r in cost["rows"]:
        cells = [f"{fmt(r[f'{k}_{op}_ms'], 2)} [{fmt(r[f'{k}_{op}_eager_ms'], 1)}] ({r['calls'][f'{k}_{op}']})"
                 for k in ("maf", "iaf") for op in ("log_prob", "sample")]
        lines.append(f"| {r['D']} | " + " | ".join(cells) + " |")
    return lines + ["", f"![MAF vs IAF cost]({cost['figure']})", ""]


def write_markdown(results: dict[str, Any], path: Path) -> None:
    """Write the human-readable report."""
    meta, m = results["meta"], results["meta"]["machine"]
    lines = [
        "# Benchmark results", "",
        f"- date: {meta['date']}",
        f"- machine: {m['cpu']}, {m['cores']} cores ({m['platform']})",
        f"- load average (1/5/15 min) at start {meta['load_start']}, at end {meta['load_end']}: "
        "above the core count means other processes shared the CPUs",
        f"- Python {m['python']}, TensorFlow {m['tensorflow']}, tf-keras {m['tf_keras']}, "
        f"TFP {m['tensorflow_probability']}, NumPy {m['numpy']}",
        f"- mode: {'QUICK smoke run (tiny settings: not comparable)' if meta['quick'] else 'full'}; "
        f"sections {', '.join(meta['sections'])}; whole run {fmt(meta['total_time_s'], 0)} s wall, "
        f"{fmt(meta['cpu_time_s'], 0)} s CPU (this process and its kernels)", "",
    ]
    if max(meta["load_start"][0], meta["load_end"][0]) > m["cores"]:
        lines += [f"**The machine was shared** (load above its {m['cores']} cores): wall times are inflated "
                  "and not final.", ""]
    if meta.get("note"):
        lines += [f"Note: {meta['note']}.", ""]
    if results.get("targets"):
        note = " (quick run: tiny settings, so the targets are not comparable)" if meta["quick"] else ""
        lines += ["## Targets" + note, "", "| target | measured | met |", "|---|---|---|"]
        lines += [f"| {t['target']} | {fmt(t['measured'])} | {'yes' if t['met'] else '**no**'} |"
                  for t in results["targets"]]
        lines.append("")
    renderers = {"speed": markdown_speed, "quality": markdown_quality,
                 "notebooks": markdown_notebooks, "cost": markdown_cost}
    for section in SECTIONS:
        if section in results:
            lines += renderers[section](results[section])
    path.write_text("\n".join(lines))


# --- entry point -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections and write latest.json and latest.md; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run with tiny settings")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results", help="output folder")
    parser.add_argument("--nbval", action="store_true", help="also time pytest --nbval notebooks solutions")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS), metavar="SECTION",
                        help=f"run only these sections ({', '.join(SECTIONS)})")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    args.out.mkdir(parents=True, exist_ok=True)

    started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    start, load_start, cpu_start = time.perf_counter(), load_average(), cpu_seconds()
    results: dict[str, Any] = {}
    if "speed" in args.only:
        results["speed"] = bench_speed(settings)
    if "quality" in args.only:
        results["quality"] = bench_quality(settings)
    if "notebooks" in args.only:
        results["notebooks"] = bench_notebooks(settings, args.nbval)
    if "cost" in args.only:
        results["cost"] = bench_cost(settings, args.out)
    meta = {
        "date": started,
        "machine": machine_info(), "quick": args.quick,
        "sections": [s for s in SECTIONS if s in args.only],
        "load_start": load_start, "load_end": load_average(),
        "total_time_s": time.perf_counter() - start,
        "cpu_time_s": cpu_seconds() - cpu_start,
        "settings": dataclasses.asdict(settings),
    }
    results = {"meta": meta, "targets": targets(results), **results}
    (args.out / "latest.json").write_text(json.dumps(json_safe(results), indent=1) + "\n")
    write_markdown(results, args.out / "latest.md")
    print(f"wrote {args.out / 'latest.json'} and {args.out / 'latest.md'} "
          f"in {results['meta']['total_time_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
