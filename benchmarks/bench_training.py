"""Sections `speed` (the course's trainer against Keras `fit`) and `quality` (fit_default_flow against the limit)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from bench_common import Settings, median

from course_utils import builders, data, metrics, training
from course_utils._tf import tf_keras, tfd

# Targets on 2 cores (medians over the quality seeds).
TARGET_NLL_1K = 1.28
TARGET_TIME_1K_S = 10.0
TARGET_NLL_10K = 1.17


def same_weights(a: tfd.Distribution, b: tfd.Distribution) -> bool:
    """True when two distributions hold identical trainable variables, in the same order."""
    va, vb = a.trainable_variables, b.trainable_variables
    return len(va) == len(vb) and all(np.array_equal(x.numpy(), y.numpy()) for x, y in zip(va, vb, strict=True))


def speed_case(
    name: str, build: Callable[[], tfd.Distribution], toy: data.ToyData, epochs: int, heldout_points: int
) -> dict[str, Any]:
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
        (
            "1 MAF (16, 16), unclamped",
            lambda: builders.make_flow(builders.make_maf(2, (16, 16), log_scale_clamp=None, seed=0), 2),
        ),
        (
            "6 MAF (256, 256) + Permute, unclamped",
            lambda: builders.make_flow(
                builders.make_stack("maf", 6, 2, hidden_units=(256, 256), log_scale_clamp=None, seed=0), 2
            ),
        ),
    ]
    results = []
    for name, build in cases:
        print(f"[speed] {name}: {settings.speed_epochs} full-batch epochs, trainer then Keras fit", flush=True)
        results.append(speed_case(name, build, toy, settings.speed_epochs, settings.heldout_points))
    return {"data": "two_moons(n=1000, seed=0): 800 train / 200 validation, full batch, Adam 1e-3", "cases": results}


def fit_and_score(
    n: int, seed: int, overrides: dict[str, Any], heldout_points: int, with_entropy: bool
) -> dict[str, Any]:
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
        "diverged": history.diverged or not math.isfinite(nll),
    }
    if with_entropy:
        result["entropy"] = metrics.entropy(toy)
        result["gap"] = nll - result["entropy"]
    return result


def summarise(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Medians of held-out NLL, gap and training time over runs."""
    return {key: median([r[key] for r in runs]) for key in ("heldout_nll", "gap", "train_time_s")}


def divergence(runs: list[dict[str, Any]], n: int) -> dict[str, Any]:
    """How many of the runs diverged, which seeds, and the range of their held-out NLL."""
    return {
        "n": n,
        "seeds": len(runs),
        "diverged": sum(r["diverged"] for r in runs),
        "diverged_seeds": [r["seed"] for r in runs if r["diverged"]],
        "heldout_nll_range": [min(r["heldout_nll"] for r in runs), max(r["heldout_nll"] for r in runs)],
    }


def bench_quality(settings: Settings) -> dict[str, Any]:
    """Default recipe at 1000 and 10,000 points (median over seeds) and its divergence count."""
    s = settings
    small_recipe = {**training.DEFAULT_RECIPE, **s.recipe_overrides}
    large_overrides = {**s.recipe_overrides, **s.large_recipe}
    print(f"[quality] default recipe, {s.small_n} points, seeds 0..{s.divergence_seeds - 1}", flush=True)
    small = [
        fit_and_score(s.small_n, seed, s.recipe_overrides, s.heldout_points, with_entropy=seed < s.quality_seeds)
        for seed in range(max(s.divergence_seeds, s.quality_seeds))
    ]
    print(f"[quality] large-data recipe, {s.large_n} points, seeds 0..{s.quality_seeds - 1}", flush=True)
    large = [
        fit_and_score(s.large_n, seed, large_overrides, s.heldout_points, with_entropy=True)
        for seed in range(s.quality_seeds)
    ]
    scored = small[: s.quality_seeds]
    return {
        "heldout_points": s.heldout_points,
        "small": {"n": s.small_n, "recipe": small_recipe, "median": summarise(scored), "runs": scored},
        "divergence": divergence(small[: s.divergence_seeds], s.small_n),
        "large": {
            "n": s.large_n,
            "recipe": {**training.DEFAULT_RECIPE, **large_overrides},
            "median": summarise(large),
            "runs": large,
        },
    }


def quality_targets(quality: dict[str, Any]) -> list[dict[str, Any]]:
    """Check the quality targets against the measured medians."""
    small, large, div = quality["small"], quality["large"], quality["divergence"]
    checks = [
        (
            f"{small['n']} points: median held-out NLL <= {TARGET_NLL_1K}",
            small["median"]["heldout_nll"],
            small["median"]["heldout_nll"] <= TARGET_NLL_1K,
        ),
        (
            f"{small['n']} points: median training time <= {TARGET_TIME_1K_S:.0f} s",
            small["median"]["train_time_s"],
            small["median"]["train_time_s"] <= TARGET_TIME_1K_S,
        ),
        (
            f"{large['n']} points: median held-out NLL <= {TARGET_NLL_10K}",
            large["median"]["heldout_nll"],
            large["median"]["heldout_nll"] <= TARGET_NLL_10K,
        ),
        (f"{div['n']} points: 0 of {div['seeds']} seeds diverge", div["diverged"], div["diverged"] == 0),
    ]
    return [{"target": name, "measured": value, "met": bool(met)} for name, value, met in checks]
