"""Fault injection: the public API called with the inputs a learner gets wrong.

Every call below changes one argument of a working call to a bad value: the wrong type, a size
that is zero, negative, fractional or huge, the wrong shape or event size, NaN or inf, empty.
Each must fail fast with a TypeError or ValueError whose message names that argument. A huge
size must be refused before any work: a per-test alarm turns a hang into a failure.
"""

from __future__ import annotations

import functools
import re
import signal
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from course_utils import builders, data, inspection, masking, metrics, pass_costs, plotting, reports, training, widgets
from course_utils._tf import tfb

NAN_ROWS = np.array([[0.0, 1.0], [np.nan, 0.0]], np.float32)
INF_ROWS = np.array([[0.0, np.inf], [1.0, 0.0]], np.float32)
THREE_COLUMNS = np.zeros((4, 3), np.float32)
TWO_COLUMNS = np.zeros((4, 2), np.float32)
SEEDS = [None, -1, 1.5, "0", 2**40]
COUNTS = [0, -1, 1.5, "10", None]


@functools.cache
def maf2() -> Any:
    """A small 2-D MAF flow, built once."""
    return builders.make_flow(builders.make_maf(2, (4, 4), seed=0), 2)


@functools.cache
def maf3() -> Any:
    """A small 3-D MAF flow, built once."""
    return builders.make_flow(builders.make_maf(3, (4, 4), seed=0), 3)


@functools.cache
def chain3() -> Any:
    """A 3-D stack of two MAFs."""
    return builders.make_stack("maf", 2, 3, hidden_units=(4, 4), seed=0)


@functools.cache
def moons() -> data.ToyData:
    """A small two-moons set."""
    return data.two_moons(n=50, seed=0)


# (call id, function, good keyword arguments (a function returning them), {argument: [bad values]})
CASES: list[tuple[str, Callable, Callable[[], dict], dict[str, list]]] = [
    ("make_base", builders.make_base, lambda: dict(event_size=2), {"event_size": [*COUNTS, 10**6]}),
    (
        "make_flow",
        builders.make_flow,
        lambda: dict(bijector=builders.make_maf(2, (4,), seed=0), event_size=2),
        {"bijector": [None, "maf", maf2()], "event_size": [0, 3, 2.0]},
    ),
    (
        "make_maf",
        builders.make_maf,
        lambda: dict(event_size=2),
        {
            "event_size": [1, *COUNTS, 10**6],
            "hidden_units": [[], "16", [0], [10**7], 16],
            "log_scale_clamp": [0, -1.0, np.inf, "3"],
            "seed": [-1, 1.5, "0", 2**40],
        },
    ),
    ("make_real_nvp", builders.make_real_nvp, lambda: dict(event_size=2), {"num_masked": [0, 2, 1.5], "seed": [-1]}),
    (
        "make_real_nvp fraction",
        builders.make_real_nvp,
        lambda: dict(event_size=2),
        {"fraction_masked": [0.0, 1.0, 0.1, np.nan]},
    ),
    (
        "make_stack",
        builders.make_stack,
        lambda: dict(kind="maf", num_layers=2, event_size=2),
        {
            "kind": ["MAF", None],
            "num_layers": [*COUNTS, 10**6],
            "permutation": [[0, 0], [0], "01"],
            "seed": [-1, 1.5, 2**40],
        },
    ),
    (
        "made_degrees",
        masking.made_degrees,
        lambda: dict(event_size=3, hidden_units=[4]),
        {"event_size": [1, *COUNTS], "input_order": ["random", [1, 1, 2]]},
    ),
    (
        "made_masks",
        masking.made_masks,
        lambda: dict(degrees=masking.made_degrees(3, [4])),
        {"degrees": [[], None, [[1.5]]]},
    ),
    (
        "forward_stages",
        inspection.forward_stages,
        lambda: dict(chain=chain3(), z=np.zeros((4, 3), np.float32)),
        {"chain": [maf3().bijector, None], "z": [TWO_COLUMNS, np.zeros(3), [[np.nan, 0, 0]], "z"]},
    ),
    (
        "jacobian",
        inspection.jacobian,
        lambda: dict(bijector=maf3().bijector, x=THREE_COLUMNS),
        {"bijector": [None, maf3()], "x": [TWO_COLUMNS, np.zeros((0, 3)), [[np.inf, 0, 0]]]},
    ),
    (
        "stage_jacobians",
        inspection.stage_jacobians,
        lambda: dict(chain=chain3(), z=THREE_COLUMNS),
        {"z": [TWO_COLUMNS]},
    ),
    (
        "unchanged_dims",
        inspection.unchanged_dims,
        lambda: dict(bijector=maf3().bijector, x=THREE_COLUMNS),
        {"x": [TWO_COLUMNS]},
    ),
    ("count_parameters", inspection.count_parameters, lambda: dict(model=maf2()), {"model": [None, np.zeros(3)]}),
    (
        "measure_pass_costs",
        pass_costs.measure_pass_costs,
        lambda: dict(kind="maf", event_sizes=[2], n=4, timed=()),
        {
            "kind": ["nice"],
            "event_sizes": [[], [1], [10**6], "2"],
            "n": [*COUNTS, 10**9],
            "operations": [[], ["density"], "log_prob"],
            "seed": SEEDS,
        },
    ),
    (
        "two_moons",
        data.two_moons,
        lambda: dict(n=10),
        {"n": [*COUNTS, 10**10], "noise": [0, -0.1, 1e-9, np.nan], "seed": SEEDS},
    ),
    ("checkerboard", data.checkerboard, lambda: dict(n=10), {"n": [10**10], "noise": [0.1], "seed": SEEDS}),
    ("pinwheel", data.pinwheel, lambda: dict(n=10), {"noise": [1e-9], "seed": SEEDS}),
    (
        "ToyData.sample",
        lambda **kw: moons().sample(**kw),
        lambda: dict(n=5, seed=0),
        {"n": [*COUNTS, 10**10], "seed": SEEDS},
    ),
    (
        "ToyData.split",
        lambda **kw: moons().split(**kw),
        lambda: dict(validation_fraction=0.2),
        {"validation_fraction": [0, 1, 0.999]},
    ),
    ("entropy", metrics.entropy, lambda: dict(data=data.eight_gaussians(n=50)), {"grid_size": [0, 8, 1.5]}),
    (
        "nll",
        metrics.nll,
        lambda: dict(dist=maf2(), x=TWO_COLUMNS),
        {"dist": [None, "flow"], "x": [THREE_COLUMNS, NAN_ROWS, INF_ROWS, np.zeros((0, 2)), "x"]},
    ),
    (
        "heldout_nll",
        metrics.heldout_nll,
        lambda: dict(dist=maf2(), data=moons(), n=10),
        {"dist": [maf3()], "data": [TWO_COLUMNS], "n": [0, 10**10], "seed": SEEDS},
    ),
    (
        "train",
        training.train,
        lambda: dict(dist=maf2(), x=moons().x, epochs=1),
        {
            "dist": [None, maf2().bijector],
            "x": [THREE_COLUMNS, NAN_ROWS, np.zeros((1, 2)), "x"],
            "epochs": COUNTS,
            "batch_size": [0, -1, 1.5],
            "validation_split": [1.0, -0.1, 0.999],
            "learning_rate": [0, -1e-3, np.inf, "fast"],
            "schedule": ["linear"],
            "patience": [0, 1.5],
            "noise_std": [-0.1, np.inf],
            "seed": SEEDS,
        },
    ),
    (
        "train_keras",
        training.train_keras,
        lambda: dict(dist=maf2(), x=moons().x, epochs=1),
        {"x": [THREE_COLUMNS], "epochs": [0], "validation_split": [1.0]},
    ),
    (
        "fit_default_flow",
        training.fit_default_flow,
        lambda: dict(x=moons().x, epochs=2, num_layers=1),
        {"x": [NAN_ROWS, "x"], "seed": SEEDS, "num_layers": [0, 10**6]},
    ),
    ("default_snapshot_fn", training.default_snapshot_fn, lambda: dict(), {"n": [0, 10**10], "seed": SEEDS}),
    ("nll_report", reports.nll_report, lambda: dict(dist=maf2(), data=moons(), n_fresh=10), {"data": [TWO_COLUMNS]}),
    (
        "format_nll_table",
        reports.format_nll_table,
        lambda: dict(rows={"a": {"held-out": 1.2}}),
        {"rows": [{}, None], "entropy": [np.nan], "columns": [[], ["train"]]},
    ),
    (
        "density_grid",
        plotting.density_grid,
        lambda: dict(dist=maf2(), grid_size=3),
        {"dist": [maf3(), None], "grid_size": [1, 10**6]},
    ),
    (
        "plot_density",
        plotting.plot_density,
        lambda: dict(dists=maf2(), grid_size=3),
        {"dists": [maf3(), [], None], "grid_size": [1, 10**6], "xlim": [(1, 0), (0, np.inf)]},
    ),
    (
        "plot_samples",
        plotting.plot_samples,
        lambda: dict(samples=TWO_COLUMNS),
        {"samples": [THREE_COLUMNS, np.zeros(3), []]},
    ),
    (
        "plot_warped_grid",
        plotting.plot_warped_grid,
        lambda: dict(bijector=maf2().bijector),
        {"bijector": [maf3().bijector, None], "n_lines": [0, 10**6], "n_samples": [0, 10**9], "seed": SEEDS},
    ),
    (
        "plot_change_of_variables_1d",
        plotting.plot_change_of_variables_1d,
        lambda: dict(bijector=tfb.Exp()),
        {"bijector": [maf2().bijector, None], "n_bands": [0, 10**6], "z_lim": [(3, -3)]},
    ),
    (
        "plot_loss",
        plotting.plot_loss,
        lambda: dict(histories=training.TrainingHistory("x", [1], [1.0], [1.0])),
        {"histories": [None, {}, [1.0, 2.0]], "entropy": [np.nan]},
    ),
    (
        "affine_flow_1d",
        widgets.affine_flow_1d,
        lambda: dict(),
        {"shift": [np.nan, "1"], "n_samples": [0, 10**9], "seed": SEEDS},
    ),
    (
        "chain_stages",
        widgets.chain_stages,
        lambda: dict(chain=builders.make_stack("maf", 2, 2, hidden_units=(4,), seed=0), z=TWO_COLUMNS),
        {"chain": [chain3(), None], "z": [THREE_COLUMNS, NAN_ROWS], "data_x": [THREE_COLUMNS]},
    ),
    ("density_snapshot_fn", widgets.density_snapshot_fn, lambda: dict(), {"grid_size": [2, 10**6]}),
]
CALLS = [
    pytest.param(function, good, argument, bad, id=f"{name}-{argument}={bad!r:.30}")
    for name, function, good, bad_values in CASES
    for argument, values in bad_values.items()
    for bad in values
]


# A guard against hangs, not a speed target: a good call (a small Keras fit) took over 20 s on a machine at load 10.
HANG_S = 60


@pytest.fixture(autouse=True)
def no_hang():
    """Fail a call that runs past HANG_S (a missing bound on a size) instead of hanging the suite."""

    def too_long(signum: int, frame: Any) -> None:
        raise TimeoutError(f"the call ran for {HANG_S} s: a bad argument was not refused before the work started")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(HANG_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("function, good, argument, bad", CALLS)
def test_a_bad_argument_fails_fast_with_a_message_that_names_it(function, good, argument, bad):
    kwargs = {**good(), argument: bad}
    with pytest.raises((TypeError, ValueError)) as raised:
        function(**kwargs)
    named = re.search(rf"(?<![\w.]){re.escape(argument)}(?![\w(])", str(raised.value))
    assert named, f"the message does not name {argument!r}: {raised.value}"


@pytest.mark.parametrize("name, function, good", [pytest.param(n, f, g, id=n) for n, f, g, _ in CASES])
def test_every_good_call_of_the_table_works(name, function, good):
    function(**good())  # the table's baseline: each bad value above is the only change from a working call
