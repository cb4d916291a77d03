"""The benchmark's stored results, `benchmarks/results/`: found from a notebook, a script or Colab's clone.

Notebooks 06 to 09 show tables and runs that `python benchmarks/run.py` wrote there. Without a `root`,
`find` looks in the repository this package lives in, then in the current folder and its parents
(notebooks/ is next to benchmarks/), then in the folder that the set-up cell clones the course into
on Colab. `json_safe` readies what the benchmark stores for JSON (NaN and inf as strings).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from course_utils.authoring.markers import CLONE_FOLDER

RESULTS_FOLDER = Path("benchmarks") / "results"


def roots() -> list[Path]:
    """The folders that may hold benchmarks/results/, in the order they are tried."""
    here = Path.cwd().resolve()
    return [Path(__file__).resolve().parents[1], here, *here.parents, here / CLONE_FOLDER]


def find(name: str, section: str, root: str | Path | None = None) -> Path:
    """Return benchmarks/results/`name` under `root` (or the first of `roots()` that has it), or say how to make it."""
    folders = [Path(root)] if root is not None else roots()
    for folder in folders:
        candidate = folder / RESULTS_FOLDER / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"no {(RESULTS_FOLDER / name).as_posix()} found under {', '.join(str(f) for f in folders)}: run "
        f"`python benchmarks/run.py --only {section}` from the course's folder"
    )


def json_safe(value: Any) -> Any:
    """Return `value` ready for JSON: arrays as lists, NumPy scalars as numbers, non-finite floats as 'nan', 'inf'."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, np.floating | np.integer | np.bool_):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
