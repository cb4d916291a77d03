"""Section `notebooks`: run each notebook of the course in a fresh kernel, and optionally time nbval on each.

Each run records the notebook's slowest cells (from the execution times nbclient stores in each cell).
Each notebook runs in its own process, so that the kernel is that process's only child: its
`getrusage(RUSAGE_CHILDREN)` then gives the kernel's peak memory and CPU seconds, what one student
needs on a JupyterHub (TEACHING.md, "A class on JupyterHub"). `python benchmarks/bench_notebooks.py
NOTEBOOK` measures one notebook and prints the result as JSON.
"""

from __future__ import annotations

import datetime
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
from bench_common import ROOT, Settings
from nbclient import NotebookClient

SLOWEST_CELLS = 3  # the cells a run reports, slowest first


def stderr_cells(notebook: nbformat.NotebookNode) -> list[int]:
    """Indices of the cells that wrote to stderr."""
    return sorted(
        {
            i
            for i, cell in enumerate(notebook.cells)
            for output in cell.get("outputs", [])
            if output.get("output_type") == "stream" and output.get("name") == "stderr"
        }
    )


def _seconds(execution: dict[str, str]) -> float:
    """The seconds between a cell's execute_input and execute_reply timestamps (ISO 8601, as nbclient writes them)."""
    start, end = (datetime.datetime.fromisoformat(execution[k]) for k in ("iopub.execute_input", "shell.execute_reply"))
    return (end - start).total_seconds()


def slowest_cells(notebook: nbformat.NotebookNode, count: int = SLOWEST_CELLS) -> list[dict[str, Any]]:
    """The `count` slowest code cells of an executed notebook: position among all cells, seconds, first line."""
    timed = [
        {"cell": i, "seconds": _seconds(cell.metadata["execution"]), "first_line": cell.source.split("\n")[0][:80]}
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and "shell.execute_reply" in cell.metadata.get("execution", {})
    ]
    return sorted(timed, key=lambda c: -c["seconds"])[:count]


def execute_in_memory(path: Path, timeout: int = 600) -> dict[str, Any]:
    """Run a notebook top to bottom in a fresh kernel; keep the outputs in memory only."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    try:
        # The kernel process's own stderr (a start-up notice about TCP) is not the notebook's: drop it.
        client.execute(stderr=subprocess.DEVNULL)
        status = "ok"
    except Exception as error:  # a notebook being written may fail: record it and go on
        last_line = (str(error).strip().splitlines() or [""])[-1][:200]
        status = f"failed: {type(error).__name__}: {last_line}"
    elapsed = time.perf_counter() - start
    return {
        "notebook": path.name,
        "wall_time_s": elapsed,
        "status": status,
        "stderr_cells": stderr_cells(notebook),
        "slowest_cells": slowest_cells(notebook),
    }


def measure(path: Path) -> dict[str, Any]:
    """Run a notebook in a fresh kernel of a fresh process: run time, status, the kernel's peak memory and CPU time."""
    completed = subprocess.run(
        [sys.executable, __file__, str(path)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    lines = completed.stdout.strip().splitlines()
    if completed.returncode or not lines:
        tail = (completed.stderr.strip().splitlines() or ["no output"])[-1][:200]
        return {"notebook": path.name, "wall_time_s": float("nan"), "status": f"failed: {tail}", "stderr_cells": []}
    return json.loads(lines[-1])


def _measure_here(path: Path) -> dict[str, Any]:
    """Run the notebook in this process's only kernel and add the kernel's resource usage (Linux units: KiB)."""
    result = execute_in_memory(path)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the kernel, reaped when the client shut it down
    return {**result, "peak_memory_mib": usage.ru_maxrss / 1024, "cpu_s": usage.ru_utime + usage.ru_stime}


def time_nbval(path: Path) -> dict[str, Any]:
    """Time `pytest --nbval PATH` (one notebook, kernel start included) in a subprocess; keep its summary line."""
    command = [sys.executable, "-m", "pytest", "--nbval", str(path.relative_to(ROOT)), "-q", "-p", "no:cacheprovider"]
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    lines = [line for line in completed.stdout.strip().splitlines() if line.strip()]
    return {
        "command": " ".join(["pytest", *command[3:]]),
        "wall_time_s": elapsed,
        "returncode": completed.returncode,
        "summary": lines[-1] if lines else "",
    }


def bench_notebooks(settings: Settings, with_nbval: bool) -> dict[str, Any]:
    """Execute every notebook that exists now in notebooks/, each in a fresh kernel, and sum; time nbval on each."""
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))[: settings.max_notebooks]
    runs = []
    for path in paths:
        print(f"[notebooks] executing {path.name}", flush=True)
        runs.append(measure(path))
    out: dict[str, Any] = {"runs": runs, "total_s": sum(r["wall_time_s"] for r in runs)}
    if with_nbval:
        for path, run in zip(paths, runs, strict=True):
            print(f"[notebooks] pytest --nbval {path.name}", flush=True)
            run["nbval"] = time_nbval(path)
    return out


if __name__ == "__main__":
    print(json.dumps(_measure_here(Path(sys.argv[1]))))
