"""Measure how long one slider move takes to redraw each widget of course_utils.widgets.

A move = setting a control's value, which runs the widget's observer synchronously: the
artist updates and the PNG render that the frontend receives. Heavy work (training, forward
passes) happens before the widgets are built and is not timed here. The target is 200 ms per
move on 2 CPU cores.

    .venv/bin/python benchmarks/widgets_redraw.py [--moves 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from course_utils import builders, data, training, widgets

TARGET_MS = 200.0


def _widgets() -> list[tuple[str, widgets.FlowWidget, str, list]]:
    """Build every widget once; return (name, widget, control moved, values to cycle through)."""
    moons = data.two_moons(n=1000, seed=0)
    flow = builders.make_flow(builders.make_maf(2, (16, 16), seed=0), 2)
    history = training.train(flow, moons.x, epochs=300, snapshot_epochs=range(0, 301, 10), seed=0)
    density_flow = builders.make_flow(builders.make_maf(2, (16, 16), seed=0), 2)
    density_history = training.train(
        density_flow,
        moons.x,
        epochs=100,
        snapshot_epochs=range(0, 101, 10),
        snapshot_fn=widgets.density_snapshot_fn(grid_size=80),
        seed=0,
    )
    chain = builders.make_stack("maf", 4, 2, hidden_units=(64, 64), seed=0)
    z = np.random.default_rng(0).standard_normal((1000, 2)).astype(np.float32)
    sweep = list(np.round(np.linspace(-1.0, 0.4, 8), 2))
    return [
        ("affine_flow_1d", widgets.affine_flow_1d(), "shift", list(np.round(np.linspace(-2, 2, 9), 2))),
        ("autoregressive_2d", widgets.autoregressive_2d(), "b2", list(np.round(np.linspace(-0.5, 0.5, 9), 2))),
        ("coupling_layer", widgets.coupling_layer(), "log_scale_slope", sweep[:7]),
        ("coupling_layer (toggle)", widgets.coupling_layer(), "passing", [1, 0]),
        ("training_replay (samples)", widgets.training_replay(history, moons.x), "epoch", sorted(history.snapshots)),
        (
            "training_replay (density)",
            widgets.training_replay(density_history, moons.x),
            "epoch",
            sorted(density_history.snapshots),
        ),
        ("chain_stages", widgets.chain_stages(chain, z, data_x=moons.x), "stage", list(range(9))),
    ]


def _time_moves(widget: widgets.FlowWidget, control: str, values: list, moves: int) -> list[float]:
    """Return the wall time (ms) of `moves` value changes, cycling through `values` (each differs from the last)."""
    slider = widget.controls[control]
    times = []
    for i in range(moves):
        value = values[i % len(values)]
        if value == slider.value:
            value = values[(i + 1) % len(values)]
        start = time.perf_counter()
        slider.value = value  # fires the observer: artists updated, PNG rendered, Image.value set
        times.append(1000 * (time.perf_counter() - start))
    return times


def main() -> None:
    """Print a table of redraw times per widget."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moves", type=int, default=20, help="slider moves per widget (default 20)")
    args = parser.parse_args()
    start = time.perf_counter()
    built = _widgets()
    print(
        f"built {len(built)} widgets (training included) in {time.perf_counter() - start:.1f} s; "
        f"{os.cpu_count()} CPU cores; {args.moves} moves each\n"
    )
    print(f"{'widget':<28}{'control':<18}{'median ms':>10}{'p90 ms':>9}{'max ms':>9}{'PNG kB':>8}  target")
    for name, widget, control, values in built:
        times = _time_moves(widget, control, values, args.moves)
        median, p90 = statistics.median(times), float(np.percentile(times, 90))
        verdict = "ok" if median <= TARGET_MS else "SLOW"
        print(
            f"{name:<28}{control:<18}{median:>10.1f}{p90:>9.1f}{max(times):>9.1f}"
            f"{len(widget.png) / 1024:>8.0f}  {verdict}"
        )


if __name__ == "__main__":
    main()
