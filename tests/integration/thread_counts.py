"""Shared by the two thread-count tests (one file per folder, so that `--dist loadfile` gives each its own worker).

The stored outputs of the training notebooks hold whatever the machine's thread count: nbval with 1 and 4 threads.

TensorFlow's results change in the last bits with the number of threads (and with the CPU), and
training turns those bits into different numbers. Each case runs `pytest --nbval` in a subprocess
on the notebooks that train (04 onwards) of one folder, with TF's intra- and inter-op thread counts and OpenMP's
set to 1 or to 4, as on a learner's laptop with that many cores. In notebooks/ the exercise
checks are not attempted, so the course's plugin reports them as skipped.

solutions/ runs with 1 thread and notebooks/ with 4 (the suite's own nbval run uses the machine's count). The
learner's copies are generated from solutions/ and store the same outputs in every cell that trains, so each
thread count is checked once against every stored trained output, at half the cost of both counts on both folders.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The notebooks that train: 04 (variational inference, the IAF on data) and every one after it.
NOTEBOOKS = sorted(path.name for path in (ROOT / "solutions").glob("*.ipynb") if path.name >= "04")
THREAD_VARIABLES = ["TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"]


def _cell_counts(paths: list[Path]) -> tuple[int, int]:
    """Return the number of code cells and of exercise-check cells in the notebooks."""
    cells = [cell for path in paths for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"]
    return len(cells), sum("exercise-check" in cell["metadata"].get("tags", []) for cell in cells)


def check_nbval_passes_with_threads(folder: str, threads: int) -> None:
    """Run nbval on the training notebooks of `folder` with `threads` threads and check every cell passed."""
    paths = [ROOT / folder / name for name in NOTEBOOKS]
    code_cells, check_cells = _cell_counts(paths)  # counted before the run, from the notebooks nbval will read
    env = {**os.environ, **dict.fromkeys(THREAD_VARIABLES, str(threads))}
    command = ["-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider", "-q", "-rf"]
    result = subprocess.run(
        [sys.executable, *command, *map(str, paths)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|skipped|error)", output.splitlines()[-1])}
    skipped = check_cells if folder == "notebooks" else 0
    assert counts.get("skipped", 0) == skipped, output[-3000:]
    assert counts["passed"] == code_cells - skipped, output[-3000:]
