"""Tests of course_utils.plotting: the figures show what the data says, and bad arguments are named."""

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.colors import to_rgba
from matplotlib.contour import ContourSet

from course_utils import plotting
from course_utils._tf import tf, tfb, tfd
from course_utils.plotting._figures import DATA, MARKERS, MODEL, SERIES
from course_utils.training import TrainingHistory

GRID = 101  # odd, so the grid holds the origin; small, so the tests stay fast


class HalfNaN:
    """A standard 2-D normal whose log_prob is NaN wherever x < 0: half of a symmetric grid."""

    def log_prob(self, points):
        points = np.asarray(points)
        log_prob = -0.5 * np.sum(points**2, axis=1) - np.log(2 * np.pi)
        return np.where(points[:, 0] < 0, np.nan, log_prob)


@pytest.fixture
def normal_2d():
    return tfd.Sample(tfd.Normal(0.0, 1.0), [2])


def panels(fig):
    """The axes of a figure that are grid panels (not colorbars), in order."""
    return [ax for ax in fig.axes if ax.get_subplotspec() is not None]


def mass_in_title(ax):
    return float(re.search(r"mass on grid ([0-9.]+)", ax.get_title()).group(1))


def history(method="fast", n=5, **changes):
    values = dict(
        method=method,
        epochs=list(range(1, n + 1)),
        train_loss=list(np.linspace(3.0, 1.5, n)),
        val_loss=list(np.linspace(3.2, 1.7, n)),
    )
    values.update(changes)
    return TrainingHistory(**values)


# ---------------------------------------------------------------- density_grid


def test_density_grid_calls_log_prob_once_on_a_float32_batch():
    calls = []

    class Recorder:
        def log_prob(self, points):
            calls.append(points)
            return -np.sum(points**2, axis=1)

    x, y, log_prob = plotting.density_grid(Recorder(), xlim=(-1, 3), ylim=(0, 2), grid_size=7)
    assert len(calls) == 1
    assert calls[0].dtype == np.float32 and calls[0].shape == (49, 2)
    assert x.shape == y.shape == log_prob.shape == (7, 7)
    assert (x.min(), x.max(), y.min(), y.max()) == (-1, 3, 0, 2)
    np.testing.assert_allclose(log_prob, -(x**2 + y**2), rtol=1e-6)


def test_density_grid_matches_the_distribution(normal_2d):
    x, y, log_prob = plotting.density_grid(normal_2d, grid_size=GRID)
    expected = -0.5 * (x**2 + y**2) - np.log(2 * np.pi)
    np.testing.assert_allclose(log_prob, expected, rtol=1e-5)


def test_density_grid_rejects_a_distribution_of_the_wrong_event_size():
    with pytest.raises(ValueError, match="event size 2"):
        plotting.density_grid(tfd.Normal(0.0, 1.0), grid_size=5)  # scalar events: log_prob shape (25, 2)


# ---------------------------------------------------------------- plot_density


def test_plot_density_of_a_standard_normal(normal_2d):
    fig = plotting.plot_density(normal_2d, titles="N(0, I)", grid_size=GRID)
    (ax,) = panels(fig)
    assert len(fig.axes) == 2  # the panel and its colorbar
    assert ax.get_title().startswith("N(0, I)\n")
    assert mass_in_title(ax) == pytest.approx(1.0, abs=2e-3)
    (contours,) = [c for c in ax.collections if isinstance(c, ContourSet)]
    assert contours.zmax == pytest.approx(1 / (2 * np.pi), rel=1e-4)
    assert (ax.get_xlim(), ax.get_ylim()) == ((-4, 4), (-4, 4))


def test_plot_density_show_log_draws_the_log_density(normal_2d):
    fig = plotting.plot_density(normal_2d, grid_size=GRID, show_log=True)
    (contours,) = [c for c in panels(fig)[0].collections if isinstance(c, ContourSet)]
    assert contours.zmax == pytest.approx(-np.log(2 * np.pi), rel=1e-4)
    assert mass_in_title(panels(fig)[0]) == pytest.approx(1.0, abs=2e-3)


def test_plot_density_paints_counts_and_warns_about_nan_cells(normal_2d):
    with pytest.warns(RuntimeWarning, match=r"panel 1 \(broken\).*50\.\d% of the grid"):
        fig = plotting.plot_density([normal_2d, HalfNaN()], titles=["fine", "broken"], grid_size=GRID - 1)
    fine, broken = panels(fig)
    assert "NaN/inf" not in fine.get_title()
    assert re.search(r"50\.\d% of grid NaN/inf", broken.get_title())
    assert mass_in_title(broken) == pytest.approx(0.5, abs=1e-2)  # only the finite half counts
    (mask,) = [c for c in broken.collections if isinstance(c, QuadMesh)]
    assert mask.get_array().count() == (GRID - 1) ** 2 // 2  # one unmasked (grey) cell per NaN
    assert [t.get_text() for t in broken.get_legend().get_texts()] == ["log_prob NaN/inf"]


def test_plot_density_lays_out_one_panel_per_distribution(normal_2d):
    fig = plotting.plot_density([normal_2d] * 3, titles=["a", "b", "c"], grid_size=11, ncols=2)
    assert [ax.get_title().split("\n")[0] for ax in panels(fig)] == ["a", "b", "c"]
    assert panels(fig)[0].get_subplotspec().get_geometry()[:2] == (2, 2)
    assert len(fig.axes) == 6  # three panels, three colorbars, the fourth grid cell removed


# ---------------------------------------------------------------- the palette


_OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}


def test_the_plotting_modules_name_no_colour_outside_the_one_palette():
    for path in Path(plotting.__file__).parent.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        named = re.findall(r"""["'](?:tab:\w+|C\d|red|green|blue|orange|purple|brown)["']|f["']C\{|cm\.tab""", source)
        assert named == [], f"{path.name} names colours outside _figures' palette: {named}"
    assert set(SERIES) <= _OKABE_ITO and len(set(SERIES)) == len(SERIES) == len(set(MARKERS))


# ---------------------------------------------------------------- samples, data, stages


def test_plot_samples_draws_each_array_in_its_own_titled_panel():
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=(50, 2)).astype(np.float32) for _ in range(3)]
    fig = plotting.plot_samples([arrays[0], tf.constant(arrays[1]), arrays[2]], titles=["a", "b", "c"])
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["a", "b", "c"]
    for ax, array in zip(axes, arrays, strict=True):
        (scatter,) = ax.collections
        np.testing.assert_array_equal(scatter.get_offsets(), array)
        assert tuple(scatter.get_facecolor()[0]) == to_rgba(MODEL)


def test_plot_samples_defaults_to_at_most_four_columns():
    fig = plotting.plot_samples([np.zeros((3, 2))] * 5)
    assert len(fig.axes) == 5
    assert fig.axes[0].get_subplotspec().get_geometry()[:2] == (2, 4)


def test_plot_samples_leaves_out_nan_rows_and_says_so():
    samples = np.ones((10, 2), dtype=np.float32)
    samples[:3, 1] = [np.nan, np.inf, -np.inf]
    with pytest.warns(RuntimeWarning, match="3 of 10 samples NaN/inf"):
        fig = plotting.plot_samples(samples, titles="flow")
    (ax,) = fig.axes
    assert ax.get_title() == "flow\n3 of 10 samples NaN/inf, not shown"
    assert len(ax.collections[0].get_offsets()) == 7


def test_plot_data_colours_each_class_with_a_legend():
    x = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, -0.5]], dtype=np.float32)
    fig = plotting.plot_data(x, labels=np.array([0, 1, 1]), title="moons")
    (ax,) = fig.axes
    first, second = ax.collections
    np.testing.assert_array_equal(second.get_offsets(), x[1:])
    assert [tuple(c.get_facecolor()[0]) for c in (first, second)] == [to_rgba(SERIES[0]), to_rgba(SERIES[1])]
    first_path, second_path = (c.get_paths()[0].vertices for c in (first, second))
    assert MARKERS[0] != MARKERS[1] and first_path.shape != second_path.shape  # told apart by shape too
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    assert ax.get_title() == "moons" and ax.get_xlim() == (-2, 2)


def test_plot_data_without_labels_has_one_colour_and_no_legend():
    fig = plotting.plot_data(np.zeros((4, 2)))
    assert len(fig.axes[0].collections) == 1 and fig.axes[0].get_legend() is None


def test_plot_data_vs_model_shares_the_limits():
    data, model = np.zeros((4, 2)), np.ones((6, 2))
    fig = plotting.plot_data_vs_model(data, tf.constant(model, tf.float32), xlim=(-3, 3), ylim=(-1, 2))
    data_ax, model_ax = fig.axes
    assert (data_ax.get_title(), model_ax.get_title()) == ("Data", "Model samples")
    for ax in (data_ax, model_ax):
        assert (ax.get_xlim(), ax.get_ylim()) == ((-3, 3), (-1, 2))
    assert len(model_ax.collections[0].get_offsets()) == 6
    colours = [tuple(ax.collections[0].get_facecolor()[0]) for ax in (data_ax, model_ax)]
    assert colours == [to_rgba(DATA), to_rgba(MODEL)]


def test_plot_stages_titles_each_stage_of_a_chain():
    base = tf.random.stateless_normal([100, 2], seed=[1, 2])
    stages, current = [("base", base)], base
    for bijector in [tfb.Shift([1.0, -1.0]), tfb.Scale(0.5)]:
        current = bijector.forward(current)
        stages.append((bijector.name, current))
    fig = plotting.plot_stages(stages, ncols=2)
    assert [ax.get_title() for ax in fig.axes] == ["0: base", "1: shift", "2: scale"]
    expected = (base.numpy() + [1.0, -1.0]) * 0.5
    np.testing.assert_allclose(fig.axes[2].collections[0].get_offsets(), expected, rtol=1e-6)


# ---------------------------------------------------------------- plot_loss


def test_plot_loss_draws_curves_entropy_and_best_epoch():
    fig = plotting.plot_loss({"fast": history(best_epoch=4), "keras": history("keras")}, entropy=1.133)
    (ax,) = fig.axes
    lines = {line.get_label(): line for line in ax.get_lines()}
    entropy_line = lines["best possible NLL (entropy) = 1.133"]
    np.testing.assert_allclose(entropy_line.get_ydata(), [1.133, 1.133])
    train, val = lines["fast train"], lines["fast validation"]
    assert (train.get_linestyle(), val.get_linestyle()) == ("-", "--")
    assert train.get_color() == val.get_color() != lines["keras train"].get_color()
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3, 4, 5])
    np.testing.assert_allclose(lines["fast best epoch 4"].get_xdata(), [4, 4])


def test_plot_loss_of_one_history_uses_its_method_as_label():
    fig = plotting.plot_loss(history("keras", val_loss=[]), ylim=(0, 5))
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["keras train"]
    assert fig.axes[0].get_ylim() == (0, 5)


def test_plot_loss_leaves_gaps_at_nan_losses_and_says_so():
    train = [3.0, np.nan, 2.0, np.inf, 1.5]
    fig = plotting.plot_loss(history(train_loss=train))
    (train_line,) = [line for line in fig.axes[0].get_lines() if "train" in line.get_label()]
    assert train_line.get_label() == "fast train (2 epochs NaN/inf: gaps)"
    np.testing.assert_array_equal(np.isnan(train_line.get_ydata()), [False, True, False, True, False])


# ---------------------------------------------------------------- the 1-D change of variables


def test_plot_change_of_variables_1d_bands_meet_where_the_map_is_steep():
    # x = asinh(10 z) is steepest at z = 0, a band edge for 12 bands on [-3, 3]: a grid that skipped
    # the edge would leave a white gap of about 0.15 in x between the two middle bands.
    steep = tfb.Chain([tfb.Invert(tfb.Sinh()), tfb.Scale(10.0)])
    fig = plotting.plot_change_of_variables_1d(steep, z_lim=(-3, 3), n_bands=12)
    bands = [band.get_paths()[0].vertices[:, 0] for band in fig.axes[2].collections]
    assert len(bands) == 12
    for left, right in zip(bands[:-1], bands[1:], strict=True):
        assert right.min() == pytest.approx(left.max(), abs=1e-6)
    assert bands[5].max() == pytest.approx(0.0, abs=1e-6)  # the middle edge, z = 0, maps to x = 0


# ---------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    "call, error, argument",
    [
        (lambda d: plotting.plot_samples(np.zeros((5, 3))), ValueError, "samples"),
        (lambda d: plotting.plot_samples([np.zeros((5, 2)), np.zeros(5)]), ValueError, r"samples\[1\]"),
        (lambda d: plotting.plot_samples(np.full((5, 2), np.nan)), ValueError, "samples"),
        (lambda d: plotting.plot_samples([np.zeros((5, 2))] * 2, titles=["one"]), ValueError, "titles"),
        (lambda d: plotting.plot_samples(np.zeros((5, 2)), ncols=0), ValueError, "ncols"),
        (lambda d: plotting.plot_samples([]), ValueError, "samples"),
        (lambda d: plotting.plot_density(d, grid_size=0), ValueError, "grid_size"),
        (lambda d: plotting.plot_density(d, grid_size=2.5), TypeError, "grid_size"),
        (lambda d: plotting.plot_density(d, xlim=(4, -4)), ValueError, "xlim"),
        (lambda d: plotting.plot_density(d, ylim="wide"), TypeError, "ylim"),
        (lambda d: plotting.plot_density([d, "not a distribution"]), TypeError, r"dists\[1\]"),
        (lambda d: plotting.plot_density(d, show_log="yes"), TypeError, "show_log"),
        (lambda d: plotting.density_grid(d, grid_size=1), ValueError, "grid_size"),
        (lambda d: plotting.plot_data(np.zeros((4, 2)), labels=[0, 1]), ValueError, "labels"),
        (lambda d: plotting.plot_data(np.full((4, 2), np.nan)), ValueError, "x must be finite"),
        (lambda d: plotting.plot_data_vs_model(np.zeros((4, 2)), np.zeros((4, 3))), ValueError, "model_samples"),
        (
            lambda d: plotting.plot_data_vs_model(np.zeros((4, 2)), np.zeros((4, 2)), titles=("a",)),
            ValueError,
            "titles",
        ),
        (lambda d: plotting.plot_stages([("base", np.zeros((3, 2))), np.zeros(3)]), TypeError, r"stages\[1\]"),
        (lambda d: plotting.plot_stages([("base", np.zeros((3, 1)))]), ValueError, r"stages\[0\] samples"),
        (lambda d: plotting.plot_loss(history(), entropy=float("nan")), ValueError, "entropy"),
        (lambda d: plotting.plot_loss({"a": "history"}), TypeError, r"histories\['a'\]"),
        (lambda d: plotting.plot_loss(history(train_loss=[1.0])), ValueError, "train_loss"),
        (lambda d: plotting.plot_loss(history(epochs=[], train_loss=[], val_loss=[])), ValueError, "no epochs"),
    ],
)
def test_bad_arguments_are_named_and_open_no_figure(normal_2d, call, error, argument):
    with pytest.raises(error, match=argument):
        call(normal_2d)
    assert plt.get_fignums() == []


def test_plot_ablation_draws_a_row_per_change_and_a_marker_per_seed():
    effects = {"layers": [0.5, 0.7, 0.7], "clamp": [0.27, -0.02, 0.0]}
    fig = plotting.plot_ablation(effects, seeds=(0, 1, 2))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["layers", "clamp"]
    points = [line for line in ax.get_lines() if line.get_linestyle() == "None"]
    assert len(points) == 6 and {line.get_marker() for line in points} == set(MARKERS[:3])
    assert sorted(float(line.get_xdata()[0]) for line in points) == sorted(sum(effects.values(), []))
    plt.close(fig)


def test_plot_ablation_needs_one_effect_per_seed():
    with pytest.raises(ValueError, match=r"effects\['clamp'\] must have one value per seed \(3\), got 2"):
        plotting.plot_ablation({"layers": [0.5, 0.7, 0.7], "clamp": [0.2, 0.1]}, seeds=(0, 1, 2))
