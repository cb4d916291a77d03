"""Training runs stored by the benchmark: a flow's checkpoint and its `TrainingHistory`, in benchmarks/results/.

A run too slow for class (notebook 07's tutorial stack, 600 epochs) is trained once by
`python benchmarks/run.py --only SECTION`, which calls `save_run`: NAME.json holds the history (per-epoch
losses, snapshots, best epoch, stop reason, wall time) and what the benchmark adds (machine, load, CPU
seconds), and the folder NAME_checkpoint/ next to it the restored (best-validation) weights. A notebook
calls `load_run` for the flow and the history back, found where `stored_results.find` looks.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from course_utils import _checks, checkpoints, stored_results
from course_utils._tf import tfd
from course_utils.training import TrainingHistory

CHECKPOINT_SUFFIX = "_checkpoint"  # NAME.json has its weights in NAME_checkpoint/flow
HISTORY_FIELDS = ("method", "epochs", "train_loss", "val_loss", "best_epoch", "wall_time_s", "stop_reason")


def _name(name: object) -> str:
    """Return `name` if it is a plain file stem (no folder, no suffix), or raise."""
    if not isinstance(name, str) or not name or Path(name).name != name or name.endswith(".json"):
        raise ValueError(f"name must be the run's name without folder or .json (e.g. 'tutorial_stack'), got {name!r}")
    return name


def _floats(values: list[Any]) -> list[float]:
    """The stored numbers back as floats ('nan', 'inf' and '-inf' included)."""
    return [float(v) for v in values]


def _array(value: Any) -> np.ndarray:
    """A stored (nested) list of numbers back as a float array of the same shape."""
    return np.reshape(_floats(np.ravel(value).tolist()), np.shape(value))


def history_to_dict(history: TrainingHistory) -> dict[str, Any]:
    """Return `history` as a JSON-ready dict: its fields, and snapshots as {epoch: list}."""
    _checks.instance("history", history, TrainingHistory, "a training.TrainingHistory (what training.train returns)")
    record = {field: getattr(history, field) for field in HISTORY_FIELDS}
    record["snapshots"] = {str(epoch): np.asarray(value).tolist() for epoch, value in history.snapshots.items()}
    return stored_results.json_safe(record)


def history_from_dict(record: dict[str, Any]) -> TrainingHistory:
    """Rebuild a `TrainingHistory` from `history_to_dict`'s dict (as read back from JSON)."""
    _checks.instance("record", record, dict, "the dict history_to_dict wrote")
    missing = [field for field in (*HISTORY_FIELDS, "snapshots") if field not in record]
    if missing:
        raise ValueError(f"record lacks the fields {missing}: is it a stored training history?")
    return TrainingHistory(
        method=record["method"],
        epochs=[int(e) for e in record["epochs"]],
        train_loss=_floats(record["train_loss"]),
        val_loss=_floats(record["val_loss"]),
        best_epoch=None if record["best_epoch"] is None else int(record["best_epoch"]),
        wall_time_s=float(record["wall_time_s"]),
        stop_reason=record["stop_reason"],
        snapshots={int(k): _array(v) for k, v in record["snapshots"].items()},
    )


def save_run(
    flow: tfd.Distribution, history: TrainingHistory, name: str, out: str | os.PathLike, info: dict[str, Any]
) -> Path:
    """Write OUT/NAME.json (the history and `info`) and the flow's weights in OUT/NAME_checkpoint/; return the JSON."""
    name = _name(name)
    _checks.instance("info", info, dict, "a dict of what to store with the run (machine, settings, ...)")
    if "history" in info or "checkpoint" in info:
        raise ValueError("info must not have the keys 'history' or 'checkpoint': save_run writes them")
    out = Path(out)
    prefix = out / f"{name}{CHECKPOINT_SUFFIX}" / "flow"
    checkpoints.save_flow(flow, prefix)
    checkpoint = prefix.relative_to(out).as_posix()
    record = {**stored_results.json_safe(info), "history": history_to_dict(history), "checkpoint": checkpoint}
    path = out / f"{name}.json"
    path.write_text(json.dumps(record, separators=(",", ":")) + "\n")  # compact: snapshots hold many numbers
    return path


def find_run(name: str, section: str, root: str | os.PathLike | None = None) -> Path:
    """Return the path of NAME.json under benchmarks/results/ (see `stored_results.find` for where it looks)."""
    return stored_results.find(f"{_name(name)}.json", section, root)


def load_record(name: str, section: str, root: str | os.PathLike | None = None) -> dict[str, Any]:
    """Return everything stored in NAME.json: the benchmark's `info`, 'history' and 'checkpoint'."""
    path = find_run(name, section, root)
    record = json.loads(path.read_text())
    if not isinstance(record, dict) or "history" not in record or "checkpoint" not in record:
        raise ValueError(f"{path} has no 'history' and 'checkpoint': write it with benchmarks/run.py --only {section}")
    return record


def load_run(
    name: str,
    build_flow: Callable[[], tfd.Distribution],
    section: str,
    root: str | os.PathLike | None = None,
) -> tuple[tfd.Distribution, TrainingHistory]:
    """Return (flow, history) of a stored run: `build_flow()` with the stored weights read in, and the history."""
    if not callable(build_flow):
        raise TypeError(f"build_flow must be a function that builds the flow, got {type(build_flow).__name__}")
    path = find_run(name, section, root)
    record = load_record(name, section, path.parents[2])
    flow = checkpoints.restore_flow(build_flow, path.parent / record["checkpoint"])
    return flow, history_from_dict(record["history"])
