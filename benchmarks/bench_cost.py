"""Section `cost`: MAF against IAF, measured by the course's own `pass_costs.measure_pass_costs`.

Network calls are counted in eager mode; log_prob and sample of `cost_batch` points are timed
compiled (best of `cost_repeats` calls after a warm-up), for each dimension D.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from bench_common import Settings

from course_utils import pass_costs, plotting

KINDS = ("maf", "iaf")
OPERATIONS = ("log_prob", "sample")
FIGURE = "maf_iaf_cost.png"


def cost_rows(costs: list[pass_costs.PassCosts]) -> list[dict[str, Any]]:
    """One row per D: the calls ('maf_log_prob', ...) and the compiled times in ms ('maf_log_prob_ms', ...)."""
    rows = []
    for index, size in enumerate(costs[0].event_sizes):
        row: dict[str, Any] = {"D": size, "calls": {}}
        for item in costs:
            for op in OPERATIONS:
                row["calls"][f"{item.kind}_{op}"] = item.calls[op][index]
                row[f"{item.kind}_{op}_ms"] = 1e3 * item.seconds[op][index]
        rows.append(row)
    return rows


def save_figure(costs: list[pass_costs.PassCosts], settings: Settings, path: Path) -> None:
    """Save the course's pass-cost figure (calls per flow, then the times of both) to `path`."""
    title = (
        f"MAF vs IAF cost: one layer, MADE {tuple(settings.cost_hidden)}, "
        f"{settings.cost_batch} points, best of {settings.cost_repeats}"
    )
    fig = plotting.plot_pass_costs(costs, title=title)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def bench_cost(settings: Settings, out_dir: Path) -> dict[str, Any]:
    """Count the network calls and time log_prob and sample of a MAF and an IAF for each D; save the figure."""
    costs = []
    for kind in KINDS:
        print(f"[cost] {kind.upper()}: D = {', '.join(map(str, settings.cost_dims))}", flush=True)
        costs.append(
            pass_costs.measure_pass_costs(
                kind,
                settings.cost_dims,
                n=settings.cost_batch,
                operations=OPERATIONS,
                hidden_units=settings.cost_hidden,
                repeats=settings.cost_repeats,
                seed=0,
            )
        )
    save_figure(costs, settings, out_dir / FIGURE)
    return {
        "hidden_units": list(settings.cost_hidden),
        "batch": settings.cost_batch,
        "repeats": settings.cost_repeats,
        "figure": FIGURE,
        "rows": cost_rows(costs),
    }
