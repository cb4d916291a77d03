"""Tests of course_utils.plotting.dequantization: discrete data, the bound, the logit transform, bits/dim curves."""

import numpy as np
import pytest

from course_utils import dequantization, digits, plotting
from course_utils.training import TrainingHistory


@pytest.fixture(scope="module")
def data() -> digits.Digits:
    return digits.load()


def test_the_dequantization_figure_shows_the_levels_the_cheat_and_the_cells(data):
    fig = plotting.plot_dequantization(data.train)
    levels, cheat, cells = fig.axes
    heights = [bar.get_height() for bar in levels.patches]
    assert len(heights) == 17 and np.isclose(sum(heights), 1.0)
    assert heights[0] == pytest.approx(np.mean(data.train == 0))
    spike = cheat.get_lines()[0].get_ydata()
    assert np.all(np.diff(spike) > 0) and spike[-1] > spike[0] + 8  # narrower spikes: ever higher likelihood
    assert len(cells.patches) == 85  # five bins per grey level


def test_the_bound_figure_draws_exact_above_bound():
    exact, bound = dequantization.gaussian_level_bound(6.3, 0.4)
    fig = plotting.plot_level_bound(exact, bound)
    top, bottom = (line.get_ydata() for line in fig.axes[0].get_lines())
    assert np.array_equal(top, exact) and np.all(top >= bottom)


def test_the_logit_figure_shows_a_log_det_that_is_never_below_its_minimum(data):
    alpha = 0.05
    fig = plotting.plot_logit_transform(dequantization.dequantized_part(data, "train")[:100], alpha)
    curve, log_det = (line.get_ydata() for line in fig.axes[0].get_lines()[:2])
    assert np.all(np.diff(curve) > 0)  # the logit is increasing
    assert log_det.min() == pytest.approx(np.log(1 - 2 * alpha) + np.log(4), abs=1e-3)  # at y = 1/2


def test_the_bits_per_dim_curves_have_training_validation_and_baseline_lines():
    history = TrainingHistory("run", epochs=[1, 2, 3], train_loss=[3.0, 2.6, 2.4], val_loss=[2.9, 2.6, 2.5])
    fig = plotting.plot_bits_per_dim({"flow": history}, baselines={"uniform": np.log2(17), "mixture": 2.3})
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 4
    assert list(ax.get_lines()[1].get_ydata()) == [2.9, 2.6, 2.5]
    assert ax.get_ylim()[0] < 2.3 and ax.get_ylim()[1] > np.log2(17)
    assert "mixture: 2.30" in [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: plotting.plot_dequantization(np.array([0.5, 3.0])), "pixels"),
        (lambda: plotting.plot_dequantization(np.array([0, 17])), "pixels"),
        (lambda: plotting.plot_level_bound([1.0, 2.0], [1.0]), "exact and bound"),
        (lambda: plotting.plot_logit_transform(np.full((3, 2), 0.5), alpha=0.7), "alpha"),
        (lambda: plotting.plot_bits_per_dim({}), "histories"),
        (lambda: plotting.plot_bits_per_dim({"a": TrainingHistory("x")}), r"histories\['a'\]"),
        (lambda: plotting.plot_bits_per_dim({"a": [2.0]}), r"histories\['a'\]"),
        (
            lambda: plotting.plot_bits_per_dim(
                {"a": TrainingHistory("x", [1], [2.0], [2.0])}, baselines={"b": float("nan")}
            ),
            r"baselines\['b'\]",
        ),
    ],
)
def test_a_bad_argument_is_named(call, name):
    with pytest.raises((TypeError, ValueError), match=name):
        call()
