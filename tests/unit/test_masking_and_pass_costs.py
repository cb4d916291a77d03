"""Tests of the autoregressive tools: MADE degrees and masks, CallCounter, pass costs, and their figures."""

import numpy as np
import pytest
from tensorflow_probability.python.bijectors.masked_autoregressive import _make_dense_autoregressive_masks

from course_utils import builders, masking, pass_costs, plotting
from course_utils._tf import tf, tfb

# --- made_degrees and made_masks ------------------------------------------------------------------


MADE_SHAPES = [(2, [4]), (3, [8, 8]), (4, [6, 5]), (5, [3, 10, 7])]


@pytest.mark.parametrize("event_size, hidden_units", MADE_SHAPES)
@pytest.mark.parametrize("params", [1, 2, 3])
def test_masks_from_degrees_are_tfps_masks(event_size, hidden_units, params):
    ours = masking.made_masks(masking.made_degrees(event_size, hidden_units), params=params)
    tfps = _make_dense_autoregressive_masks(params, event_size, hidden_units)
    assert len(ours) == len(tfps)
    for mine, theirs in zip(ours, tfps, strict=True):
        assert mine.dtype == bool
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("order", ["right-to-left", [2, 4, 1, 3]])
def test_other_input_orders_match_tfp(order):
    ours = masking.made_masks(masking.made_degrees(4, [6, 6], input_order=order), params=2)
    tfps = _make_dense_autoregressive_masks(2, 4, [6, 6], input_order=order)
    for mine, theirs in zip(ours, tfps, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_the_masks_are_the_zero_pattern_of_a_real_networks_kernels():
    degrees = masking.made_degrees(4, [8, 8])
    network = builders.make_made(4, hidden_units=[8, 8], seed=0)
    kernels = [v.numpy() for v in network.trainable_variables if "kernel" in v.name]
    for mask, kernel in zip(masking.made_masks(degrees, params=2), kernels, strict=True):
        np.testing.assert_array_equal(kernel != 0, mask)


@pytest.mark.parametrize("event_size, hidden_units", MADE_SHAPES)
def test_paths_through_the_masks_only_connect_earlier_inputs_to_later_outputs(event_size, hidden_units):
    masks = masking.made_masks(masking.made_degrees(event_size, hidden_units))
    reach = masks[0].astype(int)
    for mask in masks[1:]:
        reach = reach @ mask
    earlier_to_later = np.triu(np.ones((event_size, event_size), bool), k=1)  # [j, i] True when j < i
    assert not np.any((reach > 0) & ~earlier_to_later)  # never x_j -> output i with j >= i
    if min(hidden_units) >= event_size - 1:  # wide enough for every degree: every allowed path exists
        np.testing.assert_array_equal(reach > 0, earlier_to_later)
    else:  # a 3-unit layer cannot hold the 4 degrees of D = 5: some allowed dependence is lost
        assert (reach > 0).sum() < earlier_to_later.sum()


def test_hidden_degrees_stay_between_1_and_d_minus_1_and_input_degrees_follow_the_order():
    degrees = masking.made_degrees(5, [12, 3], input_order="right-to-left")
    np.testing.assert_array_equal(degrees[0], [5, 4, 3, 2, 1])
    for hidden in degrees[1:]:
        assert hidden.min() >= 1 and hidden.max() <= 4
        assert np.all(np.diff(hidden) >= 0)  # 'equal' degrees come in increasing order


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(event_size=1, hidden_units=[4]), ValueError, "at least 2"),
        (dict(event_size=3, hidden_units=[]), TypeError, "hidden_units"),
        (dict(event_size=3, hidden_units=[4], input_order="random"), ValueError, "input_order"),
        (dict(event_size=3, hidden_units=[4], input_order=[1, 1, 2]), ValueError, "permutation of 1..3"),
        (dict(event_size=3.0, hidden_units=[4]), TypeError, "event_size"),
    ],
)
def test_made_degrees_names_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        masking.made_degrees(**kwargs)


@pytest.mark.parametrize(
    "degrees, params, error, words",
    [
        ([], 1, TypeError, "non-empty list"),
        ([np.array([1.0, 2.0])], 1, ValueError, r"degrees\[0\]"),
        ([np.array([1, 2]), np.zeros((2, 2), int)], 1, ValueError, r"degrees\[1\]"),
        ([np.array([1, 2]), np.array([1])], 0, ValueError, "params"),
    ],
)
def test_made_masks_names_bad_arguments(degrees, params, error, words):
    with pytest.raises(error, match=words):
        masking.made_masks(degrees, params=params)


# --- CallCounter and make_counted_flow ------------------------------------------------------------


def test_call_counter_counts_passes_through_and_resets():
    counter = pass_costs.CallCounter(lambda x, k=1: x * k)
    assert counter(3.0, k=2) == 6.0 and counter(1.0) == 1.0
    assert counter.calls == 2
    assert counter.count(lambda: [counter(0.0) for _ in range(5)]) == 5
    counter.reset()
    assert counter.calls == 0


def test_call_counter_records_inputs_only_when_asked_and_only_in_eager_mode():
    plain = pass_costs.CallCounter(lambda x: x)
    plain(np.ones(2))
    assert plain.inputs == []
    recorder = pass_costs.CallCounter(lambda x: x + 1.0, record_inputs=True)
    recorder(np.array([1.0, 2.0]))
    recorder(tf.constant([3.0]))
    assert [list(a) for a in recorder.inputs] == [[1.0, 2.0], [3.0]]
    traced = tf.function(lambda x: recorder(x))
    traced(tf.constant([5.0]))
    assert len(recorder.inputs) == 2 and recorder.calls == 3  # counted once at tracing, not recorded
    recorder.reset()
    assert recorder.inputs == []


def test_a_maf_forward_feeds_its_network_the_growing_sample_pass_by_pass():
    network = builders.make_made(3, seed=0)
    recorder = pass_costs.CallCounter(builders.ClampedShiftAndLogScale(network, 3.0), record_inputs=True)
    z = tf.constant(np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32))
    x = tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=recorder).forward(z).numpy()
    states = recorder.inputs[1:] + [x]
    for k, state in enumerate(states, start=1):
        np.testing.assert_array_equal(state[:, :k], x[:, :k])  # after pass k the first k entries are final
    np.testing.assert_array_equal(recorder.inputs[0], np.zeros_like(x))


def test_a_counted_network_keeps_its_variables_visible_to_training():
    network = builders.make_made(3, seed=0)
    maf = tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=pass_costs.CallCounter(network))
    assert len(maf.trainable_variables) == len(network.trainable_variables) == 6


@pytest.mark.parametrize("event_size", [2, 5])
def test_counted_flows_give_the_textbook_pass_counts(event_size):
    points = np.random.default_rng(1).normal(size=(4, event_size)).astype(np.float32)
    seed = tf.constant([0, 0], tf.int32)
    maf, maf_counter = pass_costs.make_counted_flow("maf", event_size, seed=0)
    iaf, iaf_counter = pass_costs.make_counted_flow("iaf", event_size, seed=0)
    assert maf_counter.count(lambda: maf.log_prob(points)) == 2
    assert maf_counter.count(lambda: maf.sample(3, seed=seed)) == event_size
    assert iaf_counter.count(lambda: iaf.log_prob(points)) == event_size + 1
    assert iaf_counter.count(lambda: iaf.sample(3, seed=seed)) == 1
    assert iaf_counter.count(lambda: iaf.experimental_sample_and_log_prob(3, seed=seed)) == 2


def test_counted_flows_are_the_flows_make_maf_and_make_iaf_build():
    points = np.random.default_rng(2).normal(size=(5, 3)).astype(np.float32)
    for kind, builder in [("maf", builders.make_maf), ("iaf", builders.make_iaf)]:
        counted, _ = pass_costs.make_counted_flow(kind, 3, hidden_units=(8, 8), seed=4)
        plain = builders.make_flow(builder(3, hidden_units=(8, 8), seed=4), 3)
        np.testing.assert_allclose(counted.log_prob(points), plain.log_prob(points), rtol=1e-5, atol=1e-5)


def test_call_counter_and_counted_flow_name_bad_arguments():
    with pytest.raises(TypeError, match="network must be callable"):
        pass_costs.CallCounter(3)
    with pytest.raises(TypeError, match="record_inputs"):
        pass_costs.CallCounter(abs, record_inputs="yes")
    with pytest.raises(TypeError, match="operation must be a function"):
        pass_costs.CallCounter(abs).count(5)
    with pytest.raises(ValueError, match="kind must be one of"):
        pass_costs.make_counted_flow("real_nvp", 3)
    with pytest.raises(ValueError, match="log_scale_clamp"):
        pass_costs.make_counted_flow("maf", 3, log_scale_clamp=-1.0)


# --- measure_pass_costs and PassCosts -------------------------------------------------------------


@pytest.fixture(scope="module")
def iaf_costs():
    return pass_costs.measure_pass_costs(
        "iaf",
        event_sizes=(2, 5),
        n=64,
        operations=pass_costs.FLOW_OPERATIONS,
        timed=("sample",),
        hidden_units=(8, 8),
        repeats=1,
    )


def test_measured_calls_follow_the_event_size_and_only_timed_operations_have_times(iaf_costs):
    assert iaf_costs.kind == "iaf" and iaf_costs.event_sizes == [2, 5] and iaf_costs.n == 64
    assert iaf_costs.calls == {"log_prob": [3, 6], "sample": [1, 1], "sample_and_log_prob": [2, 2]}
    assert list(iaf_costs.seconds) == ["sample"]
    assert all(isinstance(t, float) and 0 < t < 10 for t in iaf_costs.seconds["sample"])


def test_maf_costs_default_to_timing_every_operation_counted():
    costs = pass_costs.measure_pass_costs("maf", event_sizes=[3], n=16, hidden_units=(8, 8), repeats=1)
    assert costs.calls == {"log_prob": [2], "sample": [3]}
    assert list(costs.seconds) == ["log_prob", "sample"]


def test_tables_list_one_row_per_event_size(iaf_costs):
    calls = iaf_costs.table("calls").splitlines()
    assert calls[0] == "IAF: network calls"
    assert calls[1].split() == ["D", "log_prob", "sample", "sample_and_log_prob"]
    assert calls[2].split() == ["2", "3", "1", "2"] and calls[3].split() == ["5", "6", "1", "2"]
    seconds = iaf_costs.table("seconds").splitlines()
    assert "milliseconds for 64 points" in seconds[0] and seconds[1].split() == ["D", "sample"]
    assert float(seconds[2].split()[1]) == pytest.approx(1e3 * iaf_costs.seconds["sample"][0], abs=0.06)
    with pytest.raises(ValueError, match="what must be one of"):
        iaf_costs.table("passes")
    untimed = pass_costs.PassCosts("maf", [2], 4, {"sample": [2]}, {})
    with pytest.raises(ValueError, match="no operation was timed"):
        untimed.table("seconds")


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(kind="nice"), ValueError, "kind must be one of"),
        (dict(kind="maf", event_sizes=[]), TypeError, "event_sizes"),
        (dict(kind="maf", event_sizes=[1, 4]), ValueError, "at least 2"),
        (dict(kind="maf", operations="sample"), TypeError, "operations"),
        (dict(kind="maf", operations=["density"]), ValueError, r"operations\[0\]"),
        (dict(kind="maf", operations=["sample"], timed=["log_prob"]), ValueError, r"timed\[0\]"),
        (dict(kind="maf", repeats=0), ValueError, "repeats"),
        (dict(kind="maf", n=2.5), TypeError, "n must be"),
    ],
)
def test_measure_pass_costs_names_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        pass_costs.measure_pass_costs(**kwargs)


# --- figures --------------------------------------------------------------------------------------


def test_plot_made_draws_one_unit_per_unit_and_one_line_per_allowed_connection():
    degrees = masking.made_degrees(4, [8, 8])
    masks = masking.made_masks(degrees)
    fig = plotting.plot_made(degrees, masks)
    ax = fig.axes[0]
    assert len(ax.lines) == sum(int(m.sum()) for m in masks)
    assert len(ax.collections) == 4 + 8 + 8 + 4  # inputs, two hidden layers, outputs
    labels = [t.get_text() for t in ax.texts]
    assert "$x_{1}$" in labels and "$\\mu_{4}, \\sigma_{4}$" in labels and "hidden 2" in labels


def test_plot_made_folds_the_params_columns_of_tfps_output_mask():
    degrees = masking.made_degrees(3, [5])
    with_params = plotting.plot_made(degrees, masking.made_masks(degrees, params=2))
    plain = plotting.plot_made(degrees, masking.made_masks(degrees, params=1))
    assert len(with_params.axes[0].lines) == len(plain.axes[0].lines)


def test_plot_masks_shows_each_mask_with_its_count_and_degree_labels():
    degrees = masking.made_degrees(3, [4, 4])
    masks = masking.made_masks(degrees, params=2)
    fig = plotting.plot_masks(masks, degrees=degrees)
    assert len(fig.axes) == 3
    for ax, mask in zip(fig.axes, masks, strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), mask)
        assert f"{int(mask.sum())} of {mask.size} allowed" in ax.get_title()
    assert [t.get_text() for t in fig.axes[-1].get_xticklabels()] == ["1", "1", "2", "2", "3", "3"]
    titled = plotting.plot_masks(masks, titles=["a", "b", "c"])
    assert titled.axes[1].get_title().startswith("b\n")


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda d, m: plotting.plot_made(d, m[:-1]), TypeError, "masks must be a list of 3"),
        (lambda d, m: plotting.plot_made(d, [m[0].T, *m[1:]]), ValueError, r"masks\[0\] must have shape \(3, 4\)"),
        (lambda d, m: plotting.plot_made([np.array([1.5, 2.0]), *d[1:]], m), ValueError, r"degrees\[0\]"),
        (lambda d, m: plotting.plot_masks([]), TypeError, "non-empty list"),
        (lambda d, m: plotting.plot_masks([m[0], m[0]]), ValueError, "fit together"),
        (lambda d, m: plotting.plot_masks(m, titles=["only one"]), ValueError, "one title per panel"),
    ],
)
def test_made_figures_name_bad_arguments(call, error, words):
    degrees = masking.made_degrees(3, [4, 4])
    with pytest.raises(error, match=words):
        call(degrees, masking.made_masks(degrees))


def test_plot_made_refuses_an_output_mask_whose_params_columns_differ():
    degrees = masking.made_degrees(3, [4])
    masks = masking.made_masks(degrees, params=2)
    masks[-1][0, 0] = not masks[-1][0, 1]
    masks[-1][0, 1] = not masks[-1][0, 0]
    with pytest.raises(ValueError, match="masked alike"):
        plotting.plot_made(degrees, masks)


def test_plot_pass_costs_has_a_calls_panel_per_flow_and_one_time_panel(iaf_costs):
    maf = pass_costs.PassCosts("maf", [2, 5], 64, {"log_prob": [2, 2], "sample": [2, 5]}, {"sample": [1e-3, 3e-3]})
    fig = plotting.plot_pass_costs([maf, iaf_costs], title="both")
    assert len(fig.axes) == 3
    assert fig.axes[0].get_title().startswith("MAF") and fig.axes[1].get_title().startswith("IAF")
    assert [list(line.get_ydata()) for line in fig.axes[1].lines] == [[3, 6], [1, 1], [2, 2]]
    times = {line.get_label(): list(line.get_ydata()) for line in fig.axes[2].lines}
    assert times["MAF sample"] == pytest.approx([1.0, 3.0])  # milliseconds
    assert set(times) == {"MAF sample", "IAF sample"}
    untimed = pass_costs.PassCosts("maf", [2], 4, {"sample": [2]}, {})
    assert len(plotting.plot_pass_costs(untimed).axes) == 1


def test_plot_pass_costs_names_bad_arguments():
    with pytest.raises(TypeError, match="pass_costs.PassCosts"):
        plotting.plot_pass_costs({"sample": [1]})
    with pytest.raises(ValueError, match="one value per event size"):
        plotting.plot_pass_costs(pass_costs.PassCosts("maf", [2, 4], 4, {"sample": [2]}, {}))
    with pytest.raises(ValueError, match="must not be empty"):
        plotting.plot_pass_costs([])
