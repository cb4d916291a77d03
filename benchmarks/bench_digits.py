"""Section `digits`: flows against scikit-learn baselines on the 8x8 digits, in bits per dimension.

Every model sees the same split (`digits.load()`: 1077 training, 270 validation and 450 test images)
and the same dequantized validation and test points (`dequantization.dequantized_part`). The flows train
with fresh dequantization noise at every step (`image_training.train_dequantized`) and keep their best
validation epoch; the baselines (`baselines.tune`) are fitted to 4 dequantized copies of the training
images and their settings chosen on validation, in the unit cube and in the flows' logit space. The
uniform density of the unit cube is the floor of the table's ceiling: exactly log2(17) = 4.087 bits.

Writes OUT/digits.json and OUT/digits.md (OUT/digits_quick.* for a --quick run, so a smoke run never
replaces the table notebook 08 shows). Training times are wall clock and CPU seconds of this process
(CPU / cores is what an idle machine would need at best), with the load average next to them.
"""

from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import Any

import numpy as np
from bench_common import Settings, load_average, shared
from bench_report import fmt, write_json

from course_utils import baselines, conditional, digits, image_flows, image_training, inspection
from course_utils.dequantization import bits_per_dim, dequantized_part, model_bits_per_dim

TARGET_BITS = 2.35
TARGET_TRAIN_S = 60.0
COPIES = 4  # dequantized copies of the training images the baselines are fitted to
FLOWS: dict[str, dict[str, Any]] = {
    "RealNVP: 4 checkerboard + 4 channel couplings, MLP (256)": dict(
        kind="real_nvp", hidden_units=(256,), epochs=60, learning_rate=1e-3, averaging=0.995
    ),
    "MAF: 2 layers, MADE (512), pixels reversed between layers": dict(
        kind="maf", num_layers=2, hidden_units=(512,), epochs=60, learning_rate=2e-3, averaging=0.995
    ),
    "conditional MAF: 2 layers, MADE (256), mixed over the 10 classes": dict(
        kind="conditional_maf", num_layers=2, hidden_units=(256,), epochs=40, learning_rate=3e-3, averaging=0.995
    ),
}


def _model(recipe: dict[str, Any], train_y: np.ndarray) -> Any:
    """Build the unit-cube model of a recipe (seed 0)."""
    kind, units = recipe["kind"], recipe["hidden_units"]
    if kind == "real_nvp":
        flow = image_flows.make_image_real_nvp(image_flows.coupling_masks(4, 4), units, seed=0)
    elif kind == "maf":
        flow = image_flows.make_digits_maf(recipe["num_layers"], units, seed=0)
    else:
        flow = conditional.make_conditional_stack(recipe["num_layers"], digits.EVENT_SIZE, digits.NUM_CLASSES, units)
    return image_flows.make_digits_model(flow, train_y)


def _test_scores(model: Any, data: digits.Digits, conditional_model: bool) -> dict[str, float]:
    """Test bits/dim (for a conditional model: of the mixture over classes, and given the true label; accuracy)."""
    test_y = dequantized_part(data, "test")
    if not conditional_model:
        return {"test_bits": model_bits_per_dim(model, test_y)}
    table = conditional.class_log_likelihoods(model, test_y, digits.NUM_CLASSES) + np.log(data.class_prior())
    given = table[np.arange(len(test_y)), data.test_labels] - np.log(data.class_prior())[data.test_labels]
    return {
        "test_bits": bits_per_dim(np.logaddexp.reduce(table, axis=1), test_y.shape[1]),
        "test_bits_given_label": bits_per_dim(given, test_y.shape[1]),
        "test_accuracy": float(np.mean(np.argmax(table, axis=1) == data.test_labels)),
    }


def run_flow(name: str, recipe: dict[str, Any], data: digits.Digits, quick: bool) -> dict[str, Any]:
    """Train one flow recipe (seed 0) and score it; return its row."""
    train_y = dequantized_part(data, "train")
    model = _model(recipe, train_y)
    conditional_model = recipe["kind"] == "conditional_maf"
    labels = dict(train_labels=data.train_labels, validation_labels=data.validation_labels, num_classes=10)
    epochs = 2 if quick else recipe["epochs"]
    print(f"[digits] {name}: {epochs} epochs", flush=True)
    cpu_start = time.process_time()
    history = image_training.train_dequantized(
        model, data.train, data.validation, **(labels if conditional_model else {}), epochs=epochs,
        learning_rate=recipe["learning_rate"], averaging=recipe["averaging"], progress=False,
    )  # fmt: skip
    cpu = time.process_time() - cpu_start
    return {
        "model": name,
        "kind": recipe["kind"],
        "parameters": inspection.count_parameters(model),
        "epochs": epochs,
        "best_epoch": history.best_epoch,
        "validation_bits": min(history.val_loss),
        "train_time_s": history.wall_time_s,
        "train_cpu_s": cpu,
        **_test_scores(model, data, conditional_model),
    }


def run_baseline(kind: str, data: digits.Digits, quick: bool) -> dict[str, Any]:
    """Tune one scikit-learn baseline on validation; return the best setting's row and the best of each space."""
    grids = {space: grid[:: 4 if quick else 1] for space, grid in baselines.GRIDS[kind].items()}
    print(f"[digits] {kind}: {sum(len(g) for g in grids.values())} settings", flush=True)
    start = time.perf_counter()
    results = baselines.tune(kind, data, grids=grids, copies=1 if quick else COPIES)
    best = results[0]
    best_per_space = {space: next(r for r in results if r.space == space) for space in baselines.SPACES}
    return {
        "model": best.describe(),
        "kind": kind,
        "validation_bits": best.validation_bits,
        "test_bits": best.test_bits,
        "fit_time_s": best.fit_time_s,
        "tuning_time_s": time.perf_counter() - start,
        "settings_tried": len(results),
        "best_per_space": {
            space: {"model": r.describe(), "validation_bits": r.validation_bits} for space, r in best_per_space.items()
        },
    }


def digits_targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The section's targets: the best flow under TARGET_BITS, trained within TARGET_TRAIN_S, below both baselines."""
    flows = [r for r in result["flows"] if r["kind"] != "conditional_maf"]
    best = min(flows, key=lambda r: r["test_bits"])
    baseline = min(r["test_bits"] for r in result["baselines"])
    checks = [
        (f"best flow: held-out <= {TARGET_BITS} bits/dim", best["test_bits"], best["test_bits"] <= TARGET_BITS),
        (
            f"its training time <= {TARGET_TRAIN_S:.0f} s on 2 cores (the smaller of wall "
            f"{fmt(best['train_time_s'], 0)} s and CPU {fmt(best['train_cpu_s'], 0)} s)",
            min(best["train_time_s"], best["train_cpu_s"]),
            min(best["train_time_s"], best["train_cpu_s"]) <= TARGET_TRAIN_S,
        ),
        ("its margin below the best baseline (bits/dim)", baseline - best["test_bits"], baseline > best["test_bits"]),
    ]
    return [{"target": name, "measured": value, "met": bool(met)} for name, value, met in checks]


def _flow_row(r: dict[str, Any]) -> str:
    """One table row of a flow."""
    note = f"best epoch {r['best_epoch']} of {r['epochs']}"
    if "test_accuracy" in r:
        note += (
            f"; given the true label {fmt(r['test_bits_given_label'], 2)} bits/dim; "
            f"as a classifier {100 * r['test_accuracy']:.1f} % right"
        )
    return (
        f"| {r['model']} | {r['parameters']:,} | **{fmt(r['test_bits'], 2)}** | {fmt(r['validation_bits'], 2)} | "
        f"{fmt(r['train_time_s'], 1)} | {fmt(r['train_cpu_s'], 1)} | {note} |"
    )


def _baseline_row(r: dict[str, Any]) -> str:
    """One table row of a tuned baseline."""
    other = [v for space, v in r["best_per_space"].items() if v["model"] != r["model"]]
    note = f"best of {r['settings_tried']} settings (tuning {fmt(r['tuning_time_s'], 0)} s)"
    if other:
        note += f"; best in the other space: {other[0]['model']}, validation {fmt(other[0]['validation_bits'], 2)}"
    return (
        f"| {r['model']} | | **{fmt(r['test_bits'], 2)}** | {fmt(r['validation_bits'], 2)} | "
        f"{fmt(r['fit_time_s'], 1)} (fit) | | {note} |"
    )


def markdown_digits(result: dict[str, Any]) -> list[str]:
    """The digits table: flows, baselines and the uniform density, in bits per dimension; then the targets."""
    m = result["machine"]
    lines = [
        "## Flows on the 8x8 digits: bits per dimension (`benchmarks/bench_digits.py`)",
        "",
        f"{result['date']}, {m['cpu']}, {m['cores']} cores, load average (1/5/15 min) {result['load_start']} at "
        f"start and {result['load_end']} at end"
        + (" (above the core count: shared, wall times inflated)" if shared(result) else "")
        + (". **QUICK smoke run: not comparable.**" if result["quick"] else "."),
        "",
        f"Split: {result['split']} (stratified, seed 0). Held-out = the 450 test images, each dequantized once "
        "with a fixed seed, like the validation images; the flows train on fresh noise at every step, the "
        f"baselines on {COPIES} dequantized copies of the training images. Lower is better.",
        "",
        "| model | parameters | held-out bits/dim | validation bits/dim | training (s) | training CPU (s) | notes |",
        "|---|---|---|---|---|---|---|",
        *(_flow_row(r) for r in result["flows"]),
        *(_baseline_row(r) for r in result["baselines"]),
        f"| uniform density of the unit cube | 0 | **{fmt(result['uniform_bits'], 2)}** | "
        f"{fmt(result['uniform_bits'], 2)} | 0 | 0 | exactly log2(17) |",
        "",
        "| target | measured | met |",
        "|---|---|---|",
        *(
            f"| {t['target']} | {fmt(t['measured'], 2)} | {'yes' if t['met'] else '**no**'} |"
            for t in result["targets"]
        ),
        "",
    ]
    return lines


def bench_digits(settings: Settings, out: Path, machine: dict[str, Any]) -> dict[str, Any]:
    """Train the flows, tune the baselines, write OUT/digits.json and OUT/digits.md; return the results."""
    quick = settings.digits_quick
    data = digits.load()
    started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    load_start = load_average()
    flows = [run_flow(name, recipe, data, quick) for name, recipe in FLOWS.items()]
    found = [run_baseline(kind, data, quick) for kind in baselines.KINDS]
    result = {
        "date": started,
        "machine": machine,
        "quick": quick,
        "load_start": load_start,
        "load_end": load_average(),
        "split": data.summary(),
        "flows": flows,
        "baselines": found,
        "uniform_bits": float(np.log2(digits.LEVELS)),
    }
    result["targets"] = digits_targets(result)
    suffix = "_quick" if quick else ""
    write_json(result, out / f"digits{suffix}.json")
    (out / f"digits{suffix}.md").write_text("\n".join(markdown_digits(result)) + "\n")
    return result
