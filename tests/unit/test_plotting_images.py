"""Tests of course_utils.plotting.images: digits, samples, masks and neighbours drawn as mosaics of 8x8 images."""

import numpy as np
import pytest

from course_utils import digits, image_flows, plotting


@pytest.fixture(scope="module")
def data() -> digits.Digits:
    return digits.load()


def _shown(fig) -> np.ndarray:
    """The array of the figure's one mosaic."""
    (image,) = fig.axes[0].get_images()
    return np.ma.filled(image.get_array().astype(float), np.nan)


def test_plot_images_tiles_the_images_in_order_with_white_gaps(data):
    fig = plotting.plot_images(data.train[:12], ncols=5)
    tiles = _shown(fig)
    assert tiles.shape == (3 * 9 - 1, 5 * 9 - 1)
    assert np.array_equal(tiles[:8, :8], data.train[0].reshape(8, 8))
    assert np.array_equal(tiles[9:17, 9:17], data.train[6].reshape(8, 8))  # row 2, column 2: image 6
    assert np.isnan(tiles[8, :]).all() and np.isnan(tiles[18:, 2 * 9 :]).all()  # gaps, and the empty last tiles
    assert fig.axes[0].get_images()[0].get_clim() == (0.0, 16.0)


def test_captions_and_the_unit_cube_scale(data):
    fig = plotting.plot_images(data.train[:3] / 17 + 0.01, titles=["a", "b", "c"], title="t")
    assert [t.get_text() for t in fig.axes[0].texts] == ["a", "b", "c"]
    assert fig.axes[0].get_images()[0].get_clim() == (0.0, 1.0)


def test_class_samples_put_one_class_per_row(data):
    rows = {c: data.train[data.train_labels == c][: 3 + c % 2] for c in range(3)}
    fig = plotting.plot_class_samples(rows)
    tiles = _shown(fig)
    assert tiles.shape == (3 * 9 - 1, 4 * 9 - 1)
    assert np.array_equal(tiles[9:17, :8], rows[1][0].reshape(8, 8))
    assert np.isnan(tiles[:8, 27:]).all()  # class 0 has 3 samples: its 4th tile is blank
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["0", "1", "2"]


def test_neighbours_show_samples_over_their_neighbours_with_distances(data):
    fig = plotting.plot_neighbours(data.train[:4], data.test[:4], [1.0, 2.5, 3.0, 0.0])
    tiles = _shown(fig)
    assert np.allclose(tiles[:8, :8], data.train[0].reshape(8, 8) / 16)
    assert np.allclose(tiles[11:19, 11:19], data.test[1].reshape(8, 8) / 16)
    assert [t.get_text() for t in fig.axes[0].texts] == ["d = 1.0", "d = 2.5", "d = 3.0", "d = 0.0"]


def test_masks_are_drawn_one_panel_per_layer():
    masks = image_flows.coupling_masks(2, 2)
    fig = plotting.plot_image_masks(masks)
    assert len(fig.axes) == 4
    assert np.array_equal(fig.axes[2].get_images()[0].get_array(), masks[2][1].reshape(8, 8).astype(float))
    assert "channels 0,1" in fig.axes[2].get_title()


def test_the_masked_jacobian_is_shown_in_both_orders():
    mask = image_flows.checkerboard_mask(0)
    jacobian = np.diag(np.arange(1.0, 65.0))
    fig = plotting.plot_masked_jacobian(jacobian, mask)
    reordered = fig.axes[1].get_images()[0].get_array()
    assert np.allclose(np.diag(reordered)[:32], np.flatnonzero(mask) + 1.0)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda d: plotting.plot_images(np.zeros((2, 63))), "images"),
        (lambda d: plotting.plot_images(np.full((2, 64), np.nan)), "images"),
        (lambda d: plotting.plot_images(np.zeros((401, 64))), "images"),
        (lambda d: plotting.plot_images(d.train[:2], titles=["one"]), "titles"),
        (lambda d: plotting.plot_images(d.train[:2], ncols=0), "ncols"),
        (lambda d: plotting.plot_images(d.train[:2], vmax=-1), "vmax"),
        (lambda d: plotting.plot_neighbours(d.train[:2], d.train[:3], [1.0, 2.0]), "neighbours"),
        (lambda d: plotting.plot_neighbours(d.train[:2], d.train[:2], [1.0]), "distances"),
        (lambda d: plotting.plot_class_samples([d.train[:2]]), "samples"),
        (lambda d: plotting.plot_image_masks([("a", np.ones(64))]), r"masks\[0\]"),
        (lambda d: plotting.plot_masked_jacobian(np.eye(64), np.ones(63, bool)), "mask"),
    ],
)
def test_a_bad_argument_is_named(data, call, name):
    with pytest.raises((TypeError, ValueError), match=name):
        call(data)
