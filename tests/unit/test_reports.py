"""Tools added for notebooks 06 and 07: parameter counts, NLL reports and tables, held-out curves, quiet NaN panels."""

import warnings

import numpy as np
import pytest

from course_utils import builders, data, inspection, metrics, plotting, reports, training
from course_utils._tf import tf, tfb, tfd
from course_utils.plotting._figures import HELDOUT
from course_utils.training import TrainingHistory


@pytest.fixture(scope="module")
def moons():
    return data.two_moons(n=200, seed=1)


# ---------------------------------------------------------------- count_parameters


def test_count_parameters_of_a_maf_is_the_sum_of_its_kernels_and_biases():
    maf = builders.make_maf(2, hidden_units=(16, 8), seed=0)
    kernels = 2 * 16 + 16 * 8 + 8 * 2 * 2  # the last layer outputs 2 params (shift, log-scale) per dimension
    biases = 16 + 8 + 2 * 2
    assert inspection.count_parameters(maf) == kernels + biases
    assert inspection.count_parameters(builders.make_flow(maf, 2)) == kernels + biases  # the same through the flow


def test_count_parameters_adds_up_a_stack_and_is_zero_without_variables():
    one = inspection.count_parameters(builders.make_maf(2, (8, 8), seed=0))
    assert inspection.count_parameters(builders.make_stack("maf", 3, 2, (8, 8), seed=0)) == 3 * one
    assert inspection.count_parameters(tfb.Shift(1.0)) == 0


def test_count_parameters_rejects_what_has_no_variables():
    with pytest.raises(TypeError, match="model must be"):
        inspection.count_parameters(3.0)


# ---------------------------------------------------------------- nll_report


def test_nll_report_is_the_nll_on_the_train_and_validation_parts_and_fresh_points(moons):
    base = builders.make_base(2)
    report = reports.nll_report(base, moons, validation_split=0.25, n_fresh=500, seed=3)
    train_x, val_x = moons.split(0.25)
    assert list(report) == ["train", "validation", "held-out"]
    assert report["train"] == pytest.approx(metrics.nll(base, train_x))
    assert report["validation"] == pytest.approx(metrics.nll(base, val_x))
    assert report["held-out"] == pytest.approx(metrics.heldout_nll(base, moons, n=500, seed=3))
    # N(0, I) on standardized data: about log(2 pi) + 1 nats per point (the Gaussian's own entropy)
    assert report["held-out"] == pytest.approx(np.log(2 * np.pi) + 1, abs=0.1)


def test_nll_report_names_a_wrong_data_argument():
    with pytest.raises(TypeError, match="data must be a course_utils.data.ToyData"):
        reports.nll_report(builders.make_base(2), np.zeros((10, 2), np.float32))


# ---------------------------------------------------------------- format_nll_table


def test_format_nll_table_lays_out_columns_in_order_with_gaps_and_entropy():
    rows = {
        "small": {"parameters": 388, "train": 2.0871, "held-out": 2.0784},
        "big model": {"train": 1.1, "validation": 1.3, "held-out": float("nan")},
    }
    lines = reports.format_nll_table(rows, entropy=1.128).splitlines()
    assert lines[0].split() == ["model", "parameters", "train", "held-out", "validation", "held-out", "-", "entropy"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split() == ["small", "388", "2.087", "2.078", "-", "0.950"]
    assert lines[3].split() == ["big", "model", "-", "1.100", "nan", "1.300", "nan"]
    assert lines[4] == "best possible NLL (the entropy of the data): 1.128"
    assert len({len(line) for line in lines[:2]}) == 1  # header and rule line up


def test_format_nll_table_without_entropy_and_with_other_digits():
    text = reports.format_nll_table({"a": {"held-out": 1.23456}}, digits=1)
    assert text.splitlines()[-1].split() == ["a", "1.2"]
    assert "entropy" not in text


def test_format_nll_table_can_round_some_rows_more():
    rows = {"stable": {"held-out": 1.23456}, "wobbly": {"held-out": 2.07846}}
    lines = reports.format_nll_table(rows, entropy=1.128, digits={"wobbly": 2}).splitlines()
    assert lines[2].split() == ["stable", "1.235", "0.107"]
    assert lines[3].split() == ["wobbly", "2.08", "0.95"]
    assert lines[4].endswith("1.128")


def test_format_nll_table_shows_only_the_chosen_columns_in_their_order():
    rows = {"a": {"train": 1.0, "validation": 1.2, "held-out": 1.1, "parameters": 7}}
    lines = reports.format_nll_table(rows, entropy=1.0, columns=["parameters", "held-out"]).splitlines()
    assert lines[0].split() == ["model", "parameters", "held-out", "held-out", "-", "entropy"]
    assert lines[2].split() == ["a", "7", "1.100", "0.100"]


@pytest.mark.parametrize(
    "rows, kwargs, error, match",
    [
        ({}, {}, TypeError, "rows must be a non-empty dict"),
        ({"a": [1.0]}, {}, TypeError, r"rows\['a'\] must be a dict"),
        ({"a": {"train": 1.0}}, {"entropy": 1.0}, ValueError, "needs a 'held-out' column"),
        ({"a": {"held-out": 1.0}}, {"entropy": float("inf")}, ValueError, "entropy must be finite"),
        ({"a": {"held-out": "1.0"}}, {}, TypeError, "table values must be numbers"),
        ({"a": {"held-out": 1.0}}, {"digits": -1}, ValueError, "digits must be a non-negative integer"),
        (
            {"a": {"held-out": 1.0}},
            {"digits": {"b": 2}},
            ValueError,
            r"digits names rows that are not in the table: \['b'\]",
        ),
        ({"a": {"held-out": 1.0}}, {"digits": {"a": 1.5}}, TypeError, r"digits\['a'\] must be a non-negative integer"),
        ({"a": {"held-out": 1.0}}, {"columns": "held-out"}, TypeError, "columns must be a non-empty list"),
        ({"a": {"held-out": 1.0}}, {"columns": ["train"]}, ValueError, r"columns \['train'\] are in no row"),
    ],
)
def test_format_nll_table_rejects_bad_arguments(rows, kwargs, error, match):
    with pytest.raises(error, match=match):
        reports.format_nll_table(rows, **kwargs)


# ---------------------------------------------------------------- plot_loss(heldout=...)


def _history(n=10):
    epochs = list(range(1, n + 1))
    return TrainingHistory(
        method="toy",
        epochs=epochs,
        train_loss=[3.0 - 0.1 * e for e in epochs],
        val_loss=[3.1 - 0.1 * e for e in epochs],
        best_epoch=n,
    )


def _heldout_lines(fig):
    return [line for line in fig.axes[0].lines if line.get_color() == HELDOUT]


def test_plot_loss_draws_the_heldout_values_as_markers_sorted_by_epoch():
    fig = plotting.plot_loss(_history(), heldout={10: 2.2, 5: 2.5, 0: 2.9})
    (line,) = _heldout_lines(fig)
    np.testing.assert_allclose(line.get_xdata(), [0, 5, 10])
    np.testing.assert_allclose(line.get_ydata(), [2.9, 2.5, 2.2])
    assert (line.get_linestyle(), line.get_marker()) == ("None", "o")  # snapshots: markers, no line between them
    assert "held-out NLL (fresh points)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_plot_loss_marks_heldout_values_off_the_chart_at_the_top_with_their_value():
    fig = plotting.plot_loss(_history(), ylim=(1.0, 3.0), heldout={2: 9686.9, 4: 2.5, 6: float("inf"), 8: 2.2})
    inside, off = _heldout_lines(fig)
    assert [line.get_linestyle() for line in (inside, off)] == ["None", "None"]  # markers only
    np.testing.assert_allclose(inside.get_xdata(), [4, 8])
    np.testing.assert_allclose(inside.get_ydata(), [2.5, 2.2])
    np.testing.assert_allclose(off.get_xdata(), [2, 6])
    np.testing.assert_allclose(off.get_ydata(), [3.0, 3.0])
    assert [t.get_text() for t in fig.axes[0].texts] == ["9.69e+03", "NaN/inf"]
    assert fig.axes[0].get_ylim() == (1.0, 3.0)


@pytest.mark.parametrize(
    "heldout, error, match",
    [
        ([2.0, 1.5], TypeError, "heldout must be a non-empty dict"),
        ({}, TypeError, "heldout must be a non-empty dict"),
        ({-1: 2.0}, ValueError, "heldout key -1"),
        ({1: "a"}, TypeError, "heldout values must be a list of numbers"),
    ],
)
def test_plot_loss_rejects_a_bad_heldout_argument(heldout, error, match):
    with pytest.raises(error, match=match):
        plotting.plot_loss(_history(), heldout=heldout)


# ---------------------------------------------------------------- plot_density(warn_nonfinite=...)


def _square():
    """Uniform on [-1, 1]^2: log_prob is -inf on most of a (-4, 4) grid."""
    return tfd.Independent(tfd.Uniform(low=[-1.0, -1.0], high=[1.0, 1.0]), reinterpreted_batch_ndims=1)


def test_plot_density_warns_about_nonfinite_cells_by_default():
    with pytest.warns(RuntimeWarning, match="NaN/inf"):
        plotting.plot_density(_square(), grid_size=40)


def test_plot_density_can_show_nonfinite_cells_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plotting.plot_density(_square(), grid_size=40, warn_nonfinite=False)
    assert "of grid NaN/inf" in fig.axes[0].get_title()  # still counted in the title
    with pytest.raises(TypeError, match="warn_nonfinite must be True or False"):
        plotting.plot_density(_square(), warn_nonfinite="no")


def test_snapshots_can_record_an_nll_report_during_training(moons):
    flow = builders.make_flow(builders.make_maf(2, (8, 8), seed=0), 2)
    history = training.train(
        flow,
        moons.x,
        epochs=4,
        snapshot_epochs=[2, 4],
        snapshot_fn=lambda d: np.array(list(reports.nll_report(d, moons, n_fresh=300).values())),
    )
    assert sorted(history.snapshots) == [2, 4]
    assert all(values.shape == (3,) and np.all(np.isfinite(values)) for values in history.snapshots.values())
    assert tf.is_tensor(flow.log_prob(moons.x[:2]))


# ---------------------------------------------------------------- expect_near


@pytest.mark.parametrize("value", [1.4, 1.2, 1.6, np.float32(1.5), np.float64(1.25)])
def test_expect_near_passes_silently_inside_the_tolerance_edges_included(value, capsys):
    assert reports.expect_near("held-out NLL", value, 1.4, 0.2) is None
    assert reports.expect_near("best epoch", 300, 290, 10) is None  # integers too
    assert capsys.readouterr().out == ""


def test_expect_near_names_the_quantity_value_expectation_and_tolerance_when_outside():
    with pytest.raises(reports.OutsideToleranceError) as caught:
        reports.expect_near("best validation NLL", 2.81234567, 1.5, 0.3)
    assert str(caught.value) == "best validation NLL is 2.81235, outside the expected 1.5 ± 0.3 (the range [1.2, 1.8])"
    assert isinstance(caught.value, AssertionError)  # pytest and nbval report it as a failed check
    with pytest.raises(reports.OutsideToleranceError, match=r"^epoch is 12, outside the expected 300 ± 100"):
        reports.expect_near("epoch", 12, 300, 100)  # below the range fails too


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -np.inf])
def test_expect_near_fails_a_nan_or_infinite_value(value):
    with pytest.raises(reports.OutsideToleranceError, match=r"^NLL is (nan|inf|-inf), outside the expected 1 ± 0.5"):
        reports.expect_near("NLL", value, 1.0, 0.5)


@pytest.mark.parametrize(
    "args, error, message",
    [
        ((3, 1.0, 1.0, 0.1), TypeError, "name must be a string naming the quantity"),
        (("", 1.0, 1.0, 0.1), ValueError, "name must name the quantity"),
        (("NLL", "1.0", 1.0, 0.1), TypeError, "value must be a number, got '1.0'"),
        (("NLL", True, 1.0, 0.1), TypeError, "value must be a number"),
        (("NLL", 1.0, float("nan"), 0.1), ValueError, "expected must be finite"),
        (("NLL", 1.0, None, 0.1), TypeError, "expected must be a number"),
        (("NLL", 1.0, 1.0, 0.0), ValueError, "tolerance must be a finite number > 0"),
        (("NLL", 1.0, 1.0, -0.1), ValueError, "tolerance must be a finite number > 0"),
        (("NLL", 1.0, 1.0, "0.1"), TypeError, "tolerance must be a positive number"),
    ],
)
def test_expect_near_names_a_bad_argument(args, error, message):
    with pytest.raises(error, match=message):
        reports.expect_near(*args)
