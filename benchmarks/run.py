"""Performance benchmark of the course, measured in one run on the machine it runs on.

    .venv/bin/python benchmarks/run.py                 # full run: about half an hour on 2 free cores
    .venv/bin/python benchmarks/run.py --quick         # smoke run with tiny settings
    .venv/bin/python benchmarks/run.py --nbval         # also time `pytest --nbval` on each notebook of notebooks/
    .venv/bin/python benchmarks/run.py --only cost     # some sections: speed quality notebooks cost leaderboard digits
                                                       # tutorial_stack ablation
    .venv/bin/python benchmarks/run.py --out DIR       # write the results elsewhere

Sections:
  speed      the course's compiled trainer (training.train) against the tutorial's Keras `fit`
             route (training.train_keras): same model, same initial weights, same data, same epochs.
  quality    held-out NLL minus the entropy (the best any model can reach) of training.fit_default_flow:
             the default recipe at 1000 points, LARGE_DATA_RECIPE at 10,000; how many seeds diverge.
  notebooks  each notebooks/*.ipynb executed in a fresh kernel (in memory, never written back).
  cost       MAF against IAF (pass_costs.measure_pass_costs): compiled time of log_prob and of sample
             against the dimension D, and how many times each calls the shift-and-log-scale network.
  leaderboard  MAF, RealNVP (Permute or LU mixing), spline coupling and IAF on the five toy datasets at
             equal parameter budgets and a fixed step budget (course_utils.leaderboard); also writes
             OUT/leaderboard.json, OUT/leaderboard.md and the checkpoints notebook 09 restores.
  digits     flows (RealNVP with checkerboard and channel masks, MAF, a class-conditional MAF) against
             scikit-learn's GaussianMixture and KernelDensity on the 8x8 digits, in bits per dimension;
             also writes OUT/digits.json and OUT/digits.md (the table notebook 08 shows).
  tutorial_stack  notebook 07's tutorial recipe (six MAFs of 256 x 256 units, 600 epochs), too slow for
             class: trained once; writes OUT/tutorial_stack.json (losses, snapshots, times), OUT/tutorial_stack.md
             and the restored weights in OUT/tutorial_stack_checkpoint/, which notebook 07 loads. Its own report,
             tutorial_stack.md, stands in for a section of latest.md; `--only tutorial_stack` leaves latest.*
             as they are (notebook 07 reads the cost section of latest.json).
  ablation   notebook 06's experiment: the default recipe (the leaderboard's MAF row on two moons) with each of
             its changes switched off in turn, for 3 seeds; writes OUT/ablation.json and OUT/ablation.md, and the
             whole recipe's run of seed 0 as OUT/default_recipe.json + default_recipe_checkpoint/ (notebook 06
             restores it). Like tutorial_stack, it has its own report and leaves latest.* alone.

Writes OUT/latest.json, OUT/latest.md and (section cost) OUT/maf_iaf_cost.png, OUT defaulting
to benchmarks/results/. Non-finite numbers are written to the JSON as the strings "nan", "inf".
The sections live in the sibling modules bench_training, bench_notebooks, bench_cost, bench_leaderboard,
bench_digits, bench_tutorial_stack and bench_ablation; bench_common holds their settings and load and CPU measures,
bench_report the report.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from bench_ablation import bench_ablation
from bench_common import FULL, QUICK, ROOT, SECTIONS, RunClock, Settings
from bench_cost import bench_cost
from bench_digits import bench_digits
from bench_leaderboard import bench_leaderboard
from bench_notebooks import bench_notebooks
from bench_report import write_json, write_markdown
from bench_training import bench_quality, bench_speed, quality_targets
from bench_tutorial_stack import bench_tutorial_stack

from course_utils._tf import tf, tf_keras, tfp

OWN_REPORT_ONLY = ("tutorial_stack", "ablation")  # files of their own: no part of latest.md; run alone, no latest.*


def machine_info() -> dict[str, Any]:
    """CPU model (from /proc/cpuinfo), core count, platform and the versions that matter."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "tf_keras": tf_keras.__version__,
        "tensorflow_probability": tfp.__version__,
        "numpy": np.__version__,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line: --quick, --out, --nbval and --only."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run with tiny settings")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results", help="output folder")
    parser.add_argument("--nbval", action="store_true", help="also time pytest --nbval on each notebook of notebooks/")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        default=list(SECTIONS),
        metavar="SECTION",
        help=f"run only these sections ({', '.join(SECTIONS)})",
    )
    return parser.parse_args(argv)


def run_sections(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """Run the chosen sections in their fixed order; return their results by section name."""
    sections = {
        "speed": lambda: bench_speed(settings),
        "quality": lambda: bench_quality(settings),
        "notebooks": lambda: bench_notebooks(settings, args.nbval),
        "cost": lambda: bench_cost(settings, args.out),
        "leaderboard": lambda: bench_leaderboard(settings, args.out, machine_info()),
        "digits": lambda: bench_digits(settings, args.out, machine_info()),
        "tutorial_stack": lambda: bench_tutorial_stack(settings, args.out, machine_info()),
        "ablation": lambda: bench_ablation(settings, args.out, machine_info()),
    }
    return {name: sections[name]() for name in SECTIONS if name in args.only}


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections and write latest.json and latest.md; returns the exit status."""
    args = parse_args(argv)
    matplotlib.use("Agg")
    settings = QUICK if args.quick else FULL
    args.out.mkdir(parents=True, exist_ok=True)
    clock = RunClock()
    sections = run_sections(args, settings)
    meta = {
        **clock.meta(machine_info(), args.quick),
        "sections": list(sections),
        "settings": dataclasses.asdict(settings),
    }
    if set(sections) <= set(OWN_REPORT_ONLY):  # latest.* keeps the last run of the other sections (07 reads its cost)
        print(f"wrote the files of {', '.join(sections)} in {args.out} in {meta['total_time_s']:.0f} s")
        return 0
    targets = quality_targets(sections["quality"]) if "quality" in sections else []
    results = {"meta": meta, "targets": targets, **sections}
    write_json(results, args.out / "latest.json")
    # tutorial_stack and ablation have their own reports (OUT/NAME.md), no section in latest.md
    write_markdown({k: v for k, v in results.items() if k not in OWN_REPORT_ONLY}, args.out / "latest.md")
    print(f"wrote {args.out / 'latest.json'} and {args.out / 'latest.md'} in {meta['total_time_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
