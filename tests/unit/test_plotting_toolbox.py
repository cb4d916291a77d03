"""Notebook 09's figures draw what they claim (the spline through its knots, the mixers' matrices, the squeeze's
channels, the leaderboard's bars) and name a bad argument."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils import dequantization, digits, glow_parts, leaderboard, mixing, splines
from course_utils._tf import tfb
from course_utils.plotting import toolbox


def test_the_spline_figure_draws_the_curve_through_its_knots_and_a_positive_derivative():
    spline = splines.random_spline(bins=5, bound=2.0, seed=0)
    fig = toolbox.plot_spline(spline, title="a spline")
    ax_f, ax_d = fig.axes
    knot_x, knot_y, _ = splines.knots(spline)
    drawn_knots = [line for line in ax_f.get_lines() if line.get_label() == "knots"][0]
    np.testing.assert_allclose(drawn_knots.get_xdata(), knot_x)
    np.testing.assert_allclose(drawn_knots.get_ydata(), knot_y)
    derivative = [line for line in ax_d.get_lines() if line.get_label().startswith("exp")][0].get_ydata()
    autodiff = [line for line in ax_d.get_lines() if line.get_label() == "autodiff"][0].get_ydata()
    assert np.all(derivative > 0)
    np.testing.assert_allclose(autodiff, derivative[::25], rtol=1e-3)


def test_the_mixer_figure_shows_each_matrix_and_its_log_det():
    lu = mixing.make_lu_mixing(2, seed=1)
    fig = toolbox.plot_mixers([("swap", tfb.Permute([1, 0])), ("lu", lu)])
    assert len(fig.axes) == 2
    assert "W = [+0.00 +1.00; +1.00 +0.00]" in fig.axes[0].get_title()
    assert "log|det W| = 0.000" in fig.axes[1].get_title()
    assert list(fig.axes[0].get_xticks()) == [-2, -1, 0, 1, 2]


def test_the_squeeze_figure_shows_the_four_channels():
    image = digits.images(dequantization.dequantize(digits.load().train[:1], seed=0))[..., None]
    squeezed = glow_parts.squeeze((8, 8, 1)).forward(image).numpy()
    fig = toolbox.plot_squeeze(image[0], squeezed[0])
    assert len(fig.axes) == 5
    np.testing.assert_array_equal(fig.axes[2].images[0].get_array(), squeezed[0, ..., 1])
    assert fig.axes[2].get_title() == "channel 1: tile position (0, 1)"


def test_the_histograms_and_digit_rows_have_a_panel_per_channel_and_image():
    before = np.random.default_rng(0).uniform(size=(4, 2, 2, 3))
    fig = toolbox.plot_channel_histograms(before, 2 * before)
    assert len(fig.axes) == 3 and all(len(ax.patches) == 2 for ax in fig.axes)  # one filled outline per histogram
    fig = toolbox.plot_digit_rows([("data", before[..., :1]), ("more", before[..., 1:2])], n=4)
    assert len(fig.axes) == 8


def _entry(kind, dataset, nll, entropy, time_s):
    return leaderboard.Entry(kind, dataset, 8, 100, 10, 0, nll, entropy, time_s, 5, "completed")


def test_the_leaderboard_figure_draws_a_bar_per_model_and_dataset():
    entries = [
        _entry(kind, dataset, 1.5 + k, None if dataset == "pinwheel" else 1.0, 2.0 + k)
        for k, kind in enumerate(("maf", "spline"))
        for dataset in ("two_moons", "circles", "pinwheel")
    ]
    fig = toolbox.plot_leaderboard(entries)
    gaps, nlls, times = fig.axes
    assert sorted(round(p.get_height(), 3) for p in gaps.patches) == [0.5, 0.5, 1.5, 1.5]
    assert sorted(round(p.get_height(), 3) for p in nlls.patches) == [1.5, 2.5]
    assert sorted(round(p.get_width(), 3) for p in times.patches) == [2.0, 3.0]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: toolbox.plot_spline(tfb.Exp()), "spline must be a tfb.RationalQuadraticSpline"),
        (lambda: toolbox.plot_spline(splines.random_spline(), lim=(1, 0)), "lim must be finite with low < high"),
        (lambda: toolbox.plot_mixers([("x", "permute")]), r"mixers\['x'\] must have a forward method"),
        (lambda: toolbox.plot_mixers(tfb.Permute([1, 0])), "mixers must be a non-empty list"),
        (lambda: toolbox.plot_squeeze(np.zeros((8, 8)), np.zeros((4, 4, 4))), "image must be one"),
        (lambda: toolbox.plot_squeeze(np.zeros((8, 8, 1)), np.zeros((4, 4, 1))), "squeezed must have shape"),
        (lambda: toolbox.plot_channel_histograms(np.zeros((2, 2, 2, 1)), np.zeros((2, 2, 2, 2))), "before and after"),
        (lambda: toolbox.plot_digit_rows([("x", np.zeros((2, 8, 8)))]), r"rows\[0\] images must have shape"),
        (lambda: toolbox.plot_leaderboard([_entry("maf", "circles", 1.0, 1.0, 1.0)], seed=4), "no run with seed 4"),
    ],
)
def test_bad_arguments_are_named(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()


def test_every_figure_is_a_figure():
    assert isinstance(toolbox.plot_spline(splines.random_spline()), Figure)
