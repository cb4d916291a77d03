"""The benchmark's stored results, `benchmarks/results/`: found from a notebook, a script or Colab's clone.

Notebooks 08 and 09 show tables that `python benchmarks/run.py` wrote there. Without a `root`,
`find` looks in the repository this package lives in, then in the current folder and its parents
(notebooks/ is next to benchmarks/), then in the folder that the set-up cell clones the course into
on Colab.
"""

from __future__ import annotations

from pathlib import Path

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
