"""The leaderboard: MAF, RealNVP, spline coupling and IAF on the five toy datasets, at equal parameter budgets.

Every model is a stack of NUM_LAYERS layers with a reversing `tfb.Permute` between them, whose
networks have two hidden layers of one width, chosen so that every model has about
TARGET_PARAMETERS trainable parameters (within BUDGET_TOLERANCE). Every model gets the same
fixed budget of Adam steps (full batch, so one step per epoch), not of seconds: a model that is
slower per step is not cut short, its time is reported instead. The score is the held-out NLL on
fresh points minus the entropy of the data (the KL divergence left), where the entropy is known.

`benchmarks/bench_leaderboard.py` runs the whole table and stores it in
`benchmarks/results/leaderboard.json` (+ `.md`); `load_results` reads it back for the notebook.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from course_utils import _checks, builders, checkpoints, data, metrics, mixing, splines, stored_results, training
from course_utils._tf import tfb, tfd

KINDS = ("maf", "real_nvp", "real_nvp_lu", "spline", "iaf")
LABELS = {
    "maf": "MAF",
    "real_nvp": "RealNVP",
    "real_nvp_lu": "RealNVP + LU mixing",
    "spline": "spline coupling",
    "iaf": "IAF",
}
NUM_LAYERS = 4
EVENT_SIZE = 2
TARGET_PARAMETERS = 5000
BUDGET_TOLERANCE = 0.10
MAX_WIDTH = 1024
STEPS = 1000
N_POINTS = 1000
HELDOUT_POINTS = 20_000
RECIPE = dict(learning_rate=3e-3, schedule="cosine", noise_std=0.05, validation_split=0.2)
RESULTS_NAME = "leaderboard.json"
CHECKPOINTS_NAME = "leaderboard_checkpoints"  # next to the JSON: the trained flows of some datasets


def _two_hidden_layers(inputs: int, width: int, outputs: int) -> int:
    """Weights and biases of an MLP inputs -> width -> width -> outputs."""
    return (inputs + 1) * width + (width + 1) * width + (width + 1) * outputs


def parameter_count(kind: str, width: int, event_size: int = EVENT_SIZE, num_layers: int = NUM_LAYERS) -> int:
    """Return the trainable parameters of `build(kind, width)`, counted without building it.

    MAF and IAF: a MADE D -> w -> w -> 2D (its masks zero some weights, which still count as
    variables). RealNVP: an MLP d -> w -> w -> 2(D - d), d = D/2, plus D^2 per LU mixer. Spline
    coupling: d -> w -> w -> (D - d)(3K - 1) for K bins. `tests/unit/test_leaderboard.py` checks
    these against built models.
    """
    _checks.one_of("kind", kind, KINDS)
    width = _checks.positive_int("width", width, maximum=MAX_WIDTH)
    event_size = _checks.event_size("event_size", event_size, minimum=2)
    num_layers = _checks.positive_int("num_layers", num_layers, maximum=_checks.MAX_LAYERS)
    masked = event_size // 2 if kind == "spline" else int(np.round(event_size * 0.5))  # as tfb.RealNVP rounds
    outputs = {
        "maf": 2 * event_size,
        "iaf": 2 * event_size,
        "real_nvp": 2 * (event_size - masked),
        "real_nvp_lu": 2 * (event_size - masked),
        "spline": (event_size - masked) * (3 * splines.DEFAULT_BINS - 1),
    }[kind]
    inputs = event_size if kind in ("maf", "iaf") else masked
    mixers = (num_layers - 1) * event_size**2 if kind == "real_nvp_lu" else 0
    return num_layers * _two_hidden_layers(inputs, width, outputs) + mixers


def matched_width(kind: str, target: int = TARGET_PARAMETERS, event_size: int = EVENT_SIZE) -> int:
    """Return the hidden width whose parameter count is nearest `target`; raise if it misses by over 10 %."""
    target = _checks.positive_int("target", target, maximum=10**8)
    counts = {w: parameter_count(kind, w, event_size) for w in range(1, MAX_WIDTH + 1)}
    width = min(counts, key=lambda w: abs(counts[w] - target))
    if abs(counts[width] - target) > BUDGET_TOLERANCE * target:
        raise ValueError(
            f"target={target} cannot be met within {BUDGET_TOLERANCE:.0%} by a {kind} stack: the nearest width "
            f"{width} gives {counts[width]} parameters"
        )
    return width


def build(kind: str, width: int, event_size: int = EVENT_SIZE, seed: int = 0) -> tfd.TransformedDistribution:
    """Return the leaderboard's model `kind`: NUM_LAYERS layers of hidden units (width, width), a mixer between.

    The mixer is a reversing `tfb.Permute`, or for 'real_nvp_lu' a learned `tfb.ScaleMatvecLU`; layer
    k gets seed `seed + k`, so 'real_nvp' and 'real_nvp_lu' start from the same coupling layers.
    """
    _checks.one_of("kind", kind, KINDS)
    width = _checks.positive_int("width", width, maximum=MAX_WIDTH)
    if kind == "spline":
        bijector = splines.make_spline_stack(NUM_LAYERS, event_size, (width, width), seed=seed)
    elif kind == "real_nvp_lu":

        def layer(layer_seed: int) -> tfb.RealNVP:
            return builders.make_real_nvp(event_size, (width, width), seed=layer_seed)

        bijector = mixing.make_mixed_stack(layer, NUM_LAYERS, event_size, mixing="lu", seed=seed)
    else:
        bijector = builders.make_stack(kind, NUM_LAYERS, event_size, hidden_units=(width, width), seed=seed)
    return builders.make_flow(bijector, event_size)


@dataclass
class Entry:
    """One cell of the leaderboard: a model trained on a dataset, and how it scored."""

    kind: str
    dataset: str
    width: int
    parameters: int
    steps: int
    seed: int
    heldout_nll: float
    entropy: float | None
    train_time_s: float
    best_epoch: int | None
    stop_reason: str

    @property
    def gap(self) -> float | None:
        """Held-out NLL minus the entropy: the KL divergence left, in nats (None where the entropy is unknown)."""
        return None if self.entropy is None else self.heldout_nll - self.entropy


def _entropy(toy: data.ToyData) -> float | None:
    """The entropy of the data, or None where its density is not tractable (pinwheel)."""
    try:
        return metrics.entropy(toy)
    except NotImplementedError:
        return None


def run_entry(
    kind: str,
    dataset: str,
    steps: int = STEPS,
    seed: int = 0,
    heldout_points: int = HELDOUT_POINTS,
    report_every: int = 0,
    patience: int | None = None,
    compute_entropy: bool = True,
) -> tuple[tfd.TransformedDistribution, training.TrainingHistory, Entry]:
    """Train one model of the leaderboard on one dataset (data seed = weights seed); return flow, history, entry.

    The leaderboard runs every entry with the defaults. `patience` stops the run after that many
    steps without a better validation loss; the learning-rate schedule still spans `steps`, so up to
    the stop the run is the full run's, and as the best validation epoch's weights are kept either
    way, it ends with the same flow whenever the full run's best epoch comes before the stop and no
    later epoch beats it. `entry.steps` is the budget, `len(history.epochs)` the steps taken.
    `compute_entropy=False` skips the data's entropy (a grid sum of a few seconds): the entry then
    has no entropy and no gap, for a caller that has the entropy already (e.g. from the stored table).
    """
    _checks.one_of("kind", kind, KINDS)
    _checks.one_of("dataset", dataset, data.DATASETS)
    steps = _checks.positive_int("steps", steps, maximum=10**6)
    seed = _checks.seed("seed", seed)
    heldout_points = _checks.positive_int("heldout_points", heldout_points, maximum=_checks.MAX_POINTS)
    patience = None if patience is None else _checks.positive_int("patience", patience, maximum=10**6)
    compute_entropy = _checks.boolean("compute_entropy", compute_entropy)
    toy = data.load(dataset, n=N_POINTS, seed=seed)
    width = matched_width(kind)
    flow = build(kind, width, seed=seed)
    history = training.train(
        flow, toy.x, epochs=steps, seed=seed, report_every=report_every, patience=patience, **RECIPE
    )
    entry = Entry(
        kind=kind,
        dataset=dataset,
        width=width,
        parameters=parameter_count(kind, width),
        steps=steps,
        seed=seed,
        heldout_nll=metrics.heldout_nll(flow, toy, n=heldout_points),
        entropy=_entropy(toy) if compute_entropy else None,
        train_time_s=history.wall_time_s,
        best_epoch=history.best_epoch,
        stop_reason=history.stop_reason,
    )
    return flow, history, entry


def entry_to_dict(entry: Entry) -> dict[str, Any]:
    """Return the entry as a JSON-ready dict (with its gap)."""
    return {**asdict(entry), "gap": entry.gap}


def entry_from_dict(record: dict[str, Any]) -> Entry:
    """Return the Entry stored as `record` (the JSON's strings 'nan' and 'inf' read back as floats)."""
    _checks.instance("record", record, dict, "a dict from the leaderboard's JSON")
    fields = {name: record[name] for name in Entry.__dataclass_fields__ if name in record}
    missing = sorted(set(Entry.__dataclass_fields__) - set(fields))
    if missing:
        raise ValueError(f"record lacks the fields {missing}: is it a leaderboard entry?")
    for name in ("heldout_nll", "train_time_s", "entropy"):
        if isinstance(fields[name], str):
            fields[name] = float(fields[name])
    return Entry(**fields)


def find_results(path: str | Path | None = None) -> Path:
    """Return the path of the stored leaderboard: `path`, or benchmarks/results/leaderboard.json of the course.

    Without `path` it is looked for where `stored_results.find` looks (the course's folder, the current
    folder and its parents, Colab's clone).
    """
    if path is None:
        return stored_results.find(RESULTS_NAME, "leaderboard")
    found = Path(path)
    if not found.is_file():
        raise FileNotFoundError(f"path {str(found)!r} is not a file: give the path of leaderboard.json")
    return found


def load_results(path: str | Path | None = None) -> tuple[dict[str, Any], list[Entry]]:
    """Return (meta, entries) of the stored leaderboard (see `find_results` for where it is looked for)."""
    stored = json.loads(find_results(path).read_text())
    if not isinstance(stored, dict) or "leaderboard" not in stored:
        raise ValueError("the leaderboard file has no 'leaderboard' section: write it with benchmarks/run.py")
    section = stored["leaderboard"]
    return {**stored.get("meta", {}), "settings": section.get("settings", {})}, [
        entry_from_dict(record) for record in section["entries"]
    ]


def _cell(value: float | None, digits: int) -> str:
    """A table cell: the number, '-' for None, 'nan'/'inf' kept visible."""
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if math.isfinite(value) else str(value)


def score(entry: Entry) -> float:
    """The number the leaderboard ranks by: the gap where the entropy is known, else the held-out NLL."""
    return entry.heldout_nll if entry.gap is None else entry.gap


def pivot(entries: list[Entry], seed: int = 0) -> dict[str, dict[str, Entry]]:
    """Return {kind: {dataset: entry}} for the entries of one seed, in KINDS and DATASETS order."""
    table: dict[str, dict[str, Entry]] = {}
    for entry in entries:
        if entry.seed == seed:
            table.setdefault(entry.kind, {})[entry.dataset] = entry
    kinds = [k for k in KINDS if k in table]
    return {k: {d: table[k][d] for d in data.DATASETS if d in table[k]} for k in kinds}


def format_table(entries: list[Entry], seed: int = 0, digits: int = 3) -> str:
    """Return the leaderboard as text: one row per model, one column per dataset, then time and parameters.

    A dataset's cell is held-out NLL minus entropy; pinwheel, whose entropy is unknown, shows the
    held-out NLL itself (its column is marked NLL). Time is the mean training time per dataset.
    """
    table = pivot(_checks.sequence("entries", entries, "leaderboard entries"), seed)
    if not table:
        raise ValueError(f"entries hold no run with seed {seed}")
    datasets = [d for d in data.DATASETS if any(d in row for row in table.values())]
    plain = {d for d in datasets if all(row[d].gap is None for row in table.values() if d in row)}
    header = ["model", *[f"{d} (NLL)" if d in plain else d for d in datasets], "mean time (s)", "parameters", "width"]
    body = []
    for kind, row in table.items():
        cells = [_cell(score(row[d]), digits) if d in row else "-" for d in datasets]
        mean_time = sum(e.train_time_s for e in row.values()) / len(row)
        some = next(iter(row.values()))
        body.append([LABELS[kind], *cells, f"{mean_time:.1f}", str(some.parameters), str(some.width)])
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = [
        [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        for r in [header, *body]
    ]
    rule = ["-" * w for w in widths]
    return "\n".join("  ".join(r).rstrip() for r in [lines[0], rule, *lines[1:]])


def checkpoint_prefix(directory: str | Path, kind: str, dataset: str, seed: int = 0) -> Path:
    """Return where the benchmark saves the flow of one entry: DIRECTORY/KIND-DATASET-SEED."""
    _checks.one_of("kind", kind, KINDS)
    _checks.one_of("dataset", dataset, data.DATASETS)
    return Path(directory) / f"{kind}-{dataset}-{_checks.seed('seed', seed)}"


def load_trained(kind: str, dataset: str, seed: int = 0, path: str | Path | None = None) -> tfd.Distribution:
    """Return the flow the benchmark trained for one entry, restored from its stored checkpoint.

    The checkpoints lie in leaderboard_checkpoints/ next to the stored leaderboard (`find_results`).
    """
    directory = find_results(path).parent / CHECKPOINTS_NAME
    prefix = checkpoint_prefix(directory, kind, dataset, seed)
    if not Path(str(prefix) + ".index").is_file():
        stored = sorted(p.stem for p in directory.glob("*.index")) if directory.is_dir() else []
        raise FileNotFoundError(f"no stored flow for kind={kind!r}, dataset={dataset!r}, seed={seed}; stored: {stored}")
    return checkpoints.restore_flow(lambda: build(kind, matched_width(kind), seed=seed), prefix)
