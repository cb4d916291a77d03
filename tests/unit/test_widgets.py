"""Tests of course_utils.widgets without a browser: moving a control changes the figure as the maths says.

Setting a control's `value` runs the widget's observer synchronously, so each test moves a
control and reads the matplotlib artists back. The last test runs a notebook holding every
widget through nbclient and then `pytest --nbval`, as CI does with the course's notebooks.
"""

import base64
import io
import re

import ipywidgets
import numpy as np
import PIL.Image
import pytest

from course_utils import builders, data, inspection, training, widgets
from course_utils._tf import tf, tfb, tfd


def move(control) -> None:
    """Set a control to another valid value: the first other option, or the other end of a slider."""
    options = getattr(control, "options", None)
    if options:
        values = [option[1] if isinstance(option, tuple) else option for option in options]
        control.value = next(value for value in values if value != control.value)
    else:
        control.value = control.max if control.value != control.max else control.min


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(PIL.Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def numbers(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+\.\d+", text)]


@pytest.fixture(scope="module")
def moons():
    return data.two_moons(n=300, seed=0)


@pytest.fixture
def synthetic_history(moons):
    rng = np.random.default_rng(1)
    snapshots = {epoch: rng.standard_normal((200, 2)).astype(np.float32) for epoch in (0, 10, 20, 30)}
    return training.TrainingHistory(
        method="fake",
        epochs=list(range(1, 31)),
        train_loss=list(np.linspace(3.0, 1.5, 30)),
        val_loss=list(np.linspace(3.1, 1.6, 30)),
        snapshots=snapshots,
    )


@pytest.fixture(scope="module")
def chain():
    return builders.make_stack("maf", 2, 2, seed=0)


@pytest.fixture(scope="module")
def z():
    return np.random.default_rng(0).standard_normal((300, 2)).astype(np.float32)


@pytest.fixture(scope="module")
def every_widget(moons, chain, z):
    history = training.TrainingHistory(
        method="fake",
        epochs=[1, 2],
        train_loss=[2.0, 1.9],
        val_loss=[2.1, 2.0],
        snapshots={0: moons.x[:100], 2: moons.x[100:200]},
    )
    return {
        "affine_flow_1d": widgets.affine_flow_1d(),
        "autoregressive_2d": widgets.autoregressive_2d(),
        "coupling_layer": widgets.coupling_layer(),
        "training_replay": widgets.training_replay(history, moons.x),
        "chain_stages": widgets.chain_stages(chain, z, data_x=moons.x),
    }


# ---------------------------------------------------------------- 01: affine flow


def test_affine_density_integrates_to_one_and_moves_with_the_shift():
    widget = widgets.affine_flow_1d(shift=0.0, log_scale=0.0)
    x, density = widget.artists["density"].get_data()
    before = density.copy()
    widget.controls["shift"].value = 1.5
    widget.controls["log_scale"].value = -0.5
    x, density = widget.artists["density"].get_data()
    assert not np.allclose(density, before)
    assert np.trapezoid(density, x) == pytest.approx(1.0, abs=1e-4)
    mean = np.trapezoid(x * density, x)
    assert mean == pytest.approx(1.5, abs=1e-4)
    assert np.sqrt(np.trapezoid((x - mean) ** 2 * density, x)) == pytest.approx(np.exp(-0.5), abs=1e-4)


@pytest.mark.parametrize("shift, log_scale", [(-2.5, 0.5), (2.5, 0.5), (2.5, -1.5), (0.0, -1.5)])
def test_affine_density_integrates_to_one_at_the_ends_of_the_sliders(shift, log_scale):
    widget = widgets.affine_flow_1d()
    widget.controls["shift"].value, widget.controls["log_scale"].value = shift, log_scale
    x, density = widget.artists["density"].get_data()
    assert np.trapezoid(density, x) == pytest.approx(1.0, abs=1e-3)


def test_affine_log_density_matches_tfp_and_the_gap_is_the_log_det():
    widget = widgets.affine_flow_1d()
    widget.controls["shift"].value, widget.controls["log_scale"].value = -1.0, 0.35
    x, log_density = widget.artists["log_density"].get_data()
    _, log_base = widget.artists["log_base"].get_data()
    flow = tfd.TransformedDistribution(tfd.Normal(0.0, 1.0), tfb.Shift(-1.0)(tfb.Scale(float(np.exp(0.35)))))
    np.testing.assert_allclose(log_density, flow.log_prob(x.astype(np.float32)).numpy(), atol=1e-4)
    np.testing.assert_allclose(log_base - log_density, 0.35, atol=1e-12)
    assert numbers(widget.artists["log_det_text"].get_text()) == [0.35]
    samples = widget.artists["x_samples"].get_xdata()
    np.testing.assert_allclose(samples, -1.0 + np.exp(0.35) * widget.inputs["z_samples"])


# ---------------------------------------------------------------- 02/03: autoregressive


AR_VALUES = dict(a=0.4, s=-0.3, b0=0.2, b1=-0.7, b2=0.25, t0=-0.4, t1=0.2)


def _set(widget, values):
    for name, value in values.items():
        widget.controls[name].value = value


def test_autoregressive_samples_and_grid_are_warped_by_the_formula():
    widget = widgets.autoregressive_2d()
    before = widget.artists["samples"].get_offsets().copy()
    _set(widget, AR_VALUES)
    v, z = AR_VALUES, widget.inputs["z"]
    x1 = v["a"] + np.exp(v["s"]) * z[:, 0]
    x2 = v["b0"] + v["b1"] * x1 + v["b2"] * x1**2 + np.exp(v["t0"] + v["t1"] * x1) * z[:, 1]
    shown = np.asarray(widget.artists["samples"].get_offsets())
    assert not np.allclose(shown, before)
    np.testing.assert_allclose(shown, np.stack([x1, x2], axis=1), atol=1e-12)
    line = widget.artists["grid"].get_segments()[3]
    np.testing.assert_allclose(
        line,
        widgets.autoregressive_forward(
            widget.inputs["lines"][3], v["a"], v["s"], (v["b0"], v["b1"], v["b2"]), (v["t0"], v["t1"])
        ),
    )


def _tfp_autoregressive(v):
    """The same map as a TFP MaskedAutoregressiveFlow with a hand-written autoregressive conditioner."""

    def shift_and_log_scale(x):
        x1 = x[..., 0]
        shift = tf.stack([tf.fill(tf.shape(x1), v["a"]), v["b0"] + v["b1"] * x1 + v["b2"] * x1**2], axis=-1)
        log_scale = tf.stack([tf.fill(tf.shape(x1), v["s"]), v["t0"] + v["t1"] * x1], axis=-1)
        return shift, log_scale

    return tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=shift_and_log_scale)


def test_autoregressive_map_is_tfps_masked_autoregressive_flow():
    widget = widgets.autoregressive_2d()
    _set(widget, AR_VALUES)
    z = widget.inputs["z"].astype(np.float32)
    expected = _tfp_autoregressive(AR_VALUES).forward(z).numpy()
    np.testing.assert_allclose(widget.artists["samples"].get_offsets(), expected, atol=1e-4)


def test_autoregressive_jacobian_panel_is_lower_triangular_and_agrees_with_autodiff():
    widget = widgets.autoregressive_2d(point=(0.8, -1.2))
    _set(widget, AR_VALUES)
    shown = np.array([[float(widget.artists["jacobian_cells"][r, c].get_text()) for c in range(2)] for r in range(2)])
    bijector = _tfp_autoregressive(AR_VALUES)
    z = tf.constant([[0.8, -1.2]], tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(z)
        x = bijector.forward(z)
    jacobian = tape.batch_jacobian(x, z)[0].numpy()
    assert widget.artists["jacobian_cells"][0, 1].get_text() == "0.000"
    np.testing.assert_allclose(shown, jacobian, atol=2e-3)
    log_det = numbers(widget.artists["log_det_text"].get_text())[-1]
    assert log_det == pytest.approx(float(bijector.forward_log_det_jacobian(z, event_ndims=1)[0]), abs=2e-3)
    assert log_det == pytest.approx(np.log(abs(np.linalg.det(jacobian))), abs=2e-3)


def test_autoregressive_parallelogram_is_the_square_under_the_jacobian():
    widget = widgets.autoregressive_2d(point=(1.0, 1.0))
    _set(widget, AR_VALUES)
    v = AR_VALUES
    jacobian = widgets.autoregressive_jacobian(
        [1.0, 1.0], v["a"], v["s"], (v["b0"], v["b1"], v["b2"]), (v["t0"], v["t1"])
    )
    corners = widget.artists["parallelogram"].get_xy()
    (ux, uy), (wx, wy) = corners[1] - corners[0], corners[3] - corners[0]
    assert abs(ux * wy - uy * wx) == pytest.approx(abs(np.linalg.det(jacobian)) * 0.5**2)  # a 0.5 x 0.5 square


# ---------------------------------------------------------------- 05: coupling layer


COUPLING = dict(shift_offset=0.3, shift_bend=-0.4, log_scale_offset=0.2, log_scale_slope=-0.35)


@pytest.mark.parametrize("passing", [0, 1])
def test_coupling_layer_leaves_the_pass_through_dimension_unchanged(passing):
    widget = widgets.coupling_layer(passing=1 - passing)
    before = np.asarray(widget.artists["x_samples"].get_offsets()).copy()
    widget.controls["passing"].value = passing
    _set(widget, COUPLING)
    z, x = widget.inputs["z"], np.asarray(widget.artists["x_samples"].get_offsets())
    assert not np.allclose(x, before)
    np.testing.assert_array_equal(x[:, passing], z[:, passing])
    u, other = z[:, passing], z[:, 1 - passing]
    c = COUPLING
    expected = (
        other * np.exp(c["log_scale_offset"] + c["log_scale_slope"] * u) + c["shift_offset"] + c["shift_bend"] * u**2
    )
    np.testing.assert_allclose(x[:, 1 - passing], expected, atol=1e-12)
    for segment in widget.artists["moves"].get_segments():  # every point moves along the other axis only
        assert segment[0, passing] == segment[1, passing]
    mean_log_det = numbers(widget.artists["log_det_text"].get_text())[-1]
    assert mean_log_det == pytest.approx(np.mean(c["log_scale_offset"] + c["log_scale_slope"] * u), abs=1e-3)


@pytest.mark.parametrize("passing", [0, 1])
def test_coupling_layer_is_tfps_real_nvp(passing):
    widget = widgets.coupling_layer(passing=passing)
    _set(widget, COUPLING)
    c = COUPLING

    def shift_and_log_scale(u, output_units):
        u = u[..., 0:1]
        return c["shift_offset"] + c["shift_bend"] * u**2, c["log_scale_offset"] + c["log_scale_slope"] * u

    real_nvp = tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=shift_and_log_scale)
    bijector = real_nvp if passing == 0 else tfb.Chain([tfb.Permute([1, 0]), real_nvp, tfb.Permute([1, 0])])
    expected = bijector.forward(widget.inputs["z"].astype(np.float32)).numpy()
    np.testing.assert_allclose(widget.artists["x_samples"].get_offsets(), expected, atol=1e-4)


# ---------------------------------------------------------------- 06: training replay


def test_replay_shows_exactly_the_stored_snapshot_of_each_epoch(synthetic_history, moons):
    widget = widgets.training_replay(synthetic_history, moons.x)
    assert widget.controls["epoch"].value == 30
    for epoch in (10, 0, 20, 30):
        widget.controls["epoch"].value = epoch
        np.testing.assert_array_equal(widget.artists["samples"].get_offsets(), synthetic_history.snapshots[epoch])
        assert list(widget.artists["epoch_line"].get_xdata()) == [epoch, epoch]
    widget.controls["epoch"].value = 20
    assert numbers(widget.figure.axes[0].get_title()) == pytest.approx(
        [synthetic_history.train_loss[19], synthetic_history.val_loss[19]], abs=1e-3
    )


def test_replay_of_a_real_training_run_moves_nothing_but_artists(moons, monkeypatch):
    flow = builders.make_flow(builders.make_maf(2, (8, 8), seed=0), 2)
    history = training.train(flow, moons.x, epochs=20, snapshot_epochs=[0, 10, 20], seed=0)
    widget = widgets.training_replay(history, moons.x, epoch=0)
    monkeypatch.setattr(flow, "log_prob", None)  # a slider move must not touch the flow
    monkeypatch.setattr(flow.bijector, "forward", None)
    for epoch in (20, 10):
        widget.controls["epoch"].value = epoch
        np.testing.assert_array_equal(widget.artists["samples"].get_offsets(), history.snapshots[epoch])


def test_replay_of_density_snapshots_shows_the_stored_grid(moons):
    flow = builders.make_flow(builders.make_maf(2, (8, 8), seed=0), 2)
    history = training.train(
        flow, moons.x, epochs=10, snapshot_epochs=[0, 10], seed=0, snapshot_fn=widgets.density_snapshot_fn(grid_size=20)
    )
    widget = widgets.training_replay(history, moons.x, epoch=0)
    widget.controls["epoch"].value = 10
    np.testing.assert_allclose(widget.artists["density"].get_array(), np.exp(history.snapshots[10]))
    x = np.linspace(-4, 4, 20)
    expected = flow.log_prob(np.array([[x[3], x[5]]], np.float32)).numpy()[0]  # row = y index, column = x index
    assert history.snapshots[10][5, 3] == pytest.approx(expected, abs=1e-5)


def test_replay_refuses_a_history_without_snapshots_and_unknown_epochs(synthetic_history, moons):
    with pytest.raises(ValueError, match="no snapshots"):
        widgets.training_replay(training.TrainingHistory(method="keras"), moons.x)
    with pytest.raises(TypeError, match="history must be a training.TrainingHistory"):
        widgets.training_replay({0: moons.x}, moons.x)
    with pytest.raises(ValueError, match=r"epoch must be one of the snapshot epochs \[0, 10, 20, 30\], got 5"):
        widgets.training_replay(synthetic_history, moons.x, epoch=5)
    synthetic_history.snapshots[10] = np.zeros((5, 3))
    with pytest.raises(ValueError, match="history.snapshots must all be"):
        widgets.training_replay(synthetic_history, moons.x)


# ---------------------------------------------------------------- 07: chain stages


def test_stage_slider_shows_forward_stages_kth_array(chain, z, moons):
    stages = inspection.forward_stages(chain, z)
    widget = widgets.chain_stages(chain, z, data_x=moons.x, stage=0)
    assert widget.controls["stage"].max == len(stages) - 1 == 3
    for k in (2, 3, 1, 0):
        widget.controls["stage"].value = k
        np.testing.assert_array_equal(widget.artists["samples"].get_offsets(), stages[k][1])
        assert widget.figure.axes[0].get_title().startswith(f"stage {k} of 3: {stages[k][0]}")
        assert widget.artists["previous"].get_visible() == (k > 0)


def test_chain_stages_checks_its_arguments(chain, z):
    with pytest.raises(ValueError, match="stage must be between 0 and 3"):
        widgets.chain_stages(chain, z, stage=4)
    with pytest.raises(TypeError, match="chain must be a tfp.bijectors.Chain"):
        widgets.chain_stages(tfb.Shift(1.0), z)
    with pytest.raises(ValueError, match="z must have 2 columns"):
        widgets.chain_stages(chain, np.zeros((5, 3)))


# ---------------------------------------------------------------- every widget


@pytest.mark.parametrize(
    "name", ["affine_flow_1d", "autoregressive_2d", "coupling_layer", "training_replay", "chain_stages"]
)
def test_display_bundle_has_the_widget_a_png_of_it_and_a_stable_text(every_widget, name):
    widget = every_widget[name]
    assert isinstance(widget, ipywidgets.VBox)
    bundle = widget._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "image/png", "application/vnd.jupyter.widget-view+json"}
    assert bundle["text/plain"].startswith(f"{name} widget (")
    assert "0x" not in bundle["text/plain"] and "\n" not in bundle["text/plain"]
    assert widget.png == widget.image.value
    static = base64.b64decode(bundle["image/png"])  # a 256-colour copy of the current picture
    assert static.startswith(b"\x89PNG") and len(static) < 60_000
    assert np.mean(np.abs(pixels(static) - pixels(widget.png))) < 2
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == widget.model_id


@pytest.mark.parametrize(
    "name", ["affine_flow_1d", "autoregressive_2d", "coupling_layer", "training_replay", "chain_stages"]
)
def test_fast_redraw_matches_a_full_draw_and_fits_the_figure(every_widget, name):
    widget = every_widget[name]
    move(next(iter(widget.controls.values())))
    fast, full = pixels(widget.png), pixels(widget.full_render())
    assert fast.shape == full.shape
    assert np.mean(np.any(np.abs(fast - full) > 40, axis=-1)) < 0.01  # the same picture, up to antialiasing
    renderer = widget.figure.canvas.get_renderer()
    for ax in widget.figure.axes:  # titles, labels and legends are not cut off
        box = ax.get_tightbbox(renderer)
        assert box.x0 >= -1 and box.y0 >= -1
        assert box.x1 <= widget.figure.bbox.width + 1 and box.y1 <= widget.figure.bbox.height + 1


def test_a_new_widget_shows_its_compact_first_picture_as_the_static_fallback():
    widget = widgets.affine_flow_1d()
    assert base64.b64decode(widget._repr_mimebundle_()["image/png"]) == widget.png == widget.image.value


def test_handlers_print_nothing_and_the_png_changes(every_widget, capsys):
    for widget in every_widget.values():
        before = widget.png
        move(next(iter(widget.controls.values())))
        assert widget.png != before
    assert capsys.readouterr() == ("", "")


def test_builders_name_the_bad_argument():
    with pytest.raises(ValueError, match=r"shift must lie in \[-2.5, 2.5\] \(the slider's range\), got 3.0"):
        widgets.affine_flow_1d(shift=3.0)
    with pytest.raises(TypeError, match="log_scale must be a number"):
        widgets.affine_flow_1d(log_scale="big")
    with pytest.raises(ValueError, match="x_lim must be finite with low < high"):
        widgets.affine_flow_1d(x_lim=(2, 1))
    with pytest.raises(ValueError, match="point must be a pair of finite numbers"):
        widgets.autoregressive_2d(point=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="t1 must lie in"):
        widgets.autoregressive_2d(t1=1.0)
    with pytest.raises(ValueError, match="passing must be 0"):
        widgets.coupling_layer(passing=2)
    with pytest.raises(TypeError, match="n_samples must be a positive integer"):
        widgets.coupling_layer(n_samples=10.5)
    with pytest.raises(ValueError, match="grid_size must be at least 3"):
        widgets.density_snapshot_fn(grid_size=2)
