"""Notebook 09: learners' mistakes fail on the case that catches them; right answers written in other ways pass."""

import math

import numpy as np
import pytest
from _catalogue import assert_fails, assert_passes, right, wrong

from course_utils import checkpoints, glow_parts
from course_utils._tf import tf, tfb

ROTATION, SIGNED, STRETCH = (
    "a 2x2 rotation (|det W| = 1)",
    "a 3x3 W whose U has negative diagonal entries",
    "a 4x4 W that stretches space",
)
DIGITS, TWO_CHANNELS = "two 8x8 digits, 1 channel", "three 4x6 images with 2 channels"
SKEW, LIGHT, HEAVY = (
    "skewness 0.5, tailweight 1 (a skew only)",
    "skewness 0, tailweight 0.6 (lighter tails)",
    "skewness -0.3, tailweight 1.5 (heavier tails, skewed)",
)
MAF_STACK, SPLINE_STACK = "two MAF layers (8, 8)", "two spline coupling layers"

# ---------------------------------------------------------------- 09.1 the log-det of an LU mixing (mistakes first)


def _log_without_abs(lower_upper):
    with np.errstate(invalid="ignore"):  # NumPy warns on the log of a negative number, then gives NaN
        return np.sum(np.log(np.diag(lower_upper)))


WRONG_09_1 = [
    wrong("09.1", "no-abs", _log_without_abs, SIGNED, "the log of a negative number is NaN"),
    wrong("09.1", "det-not-log", lambda lower_upper: np.prod(np.diag(lower_upper)), ROTATION, "det W itself"),
    wrong(
        "09.1",
        "sign-flipped",
        lambda lower_upper: -np.sum(np.log(np.abs(np.diag(lower_upper)))),
        SIGNED,
        "that is -log|det W|",
    ),
    wrong(
        "09.1",
        "det-of-the-packed-matrix",
        lambda lower_upper: np.linalg.slogdet(lower_upper)[1],
        ROTATION,
        "log|det| of the packed matrix",
    ),
    wrong(
        "09.1",
        "log-of-every-entry",
        lambda lower_upper: np.sum(np.log(np.abs(lower_upper))),
        ROTATION,
        "the log of every entry",
    ),
    wrong("09.1", "sum-without-log", lambda lower_upper: np.sum(np.diag(lower_upper)), ROTATION, "sum their logs"),
    wrong(
        "09.1",
        "forgot-to-sum",
        lambda lower_upper: np.log(np.abs(np.diag(lower_upper))),
        ROTATION,
        "the shape is (2,), expected ()",
    ),
    wrong("09.1", "odd-none", lambda lower_upper: None, ROTATION, "returned None"),
]


def _slogdet_of_l_times_u(lower_upper):
    lower = np.tril(lower_upper, -1) + np.eye(len(lower_upper))
    return np.linalg.slogdet(lower @ np.triu(lower_upper))[1]


RIGHT_09_1 = [
    right(
        "09.1",
        "tensorflow",
        lambda lower_upper: tf.reduce_sum(tf.math.log(tf.abs(tf.linalg.diag_part(lower_upper)))),
    ),
    right("09.1", "slogdet-of-l-times-u", _slogdet_of_l_times_u),
    right(
        "09.1",
        "python-loop",
        lambda lower_upper: sum(math.log(abs(lower_upper[i][i])) for i in range(len(lower_upper))),
    ),
    right("09.1", "log-of-the-product", lambda lower_upper: np.log(np.abs(np.prod(np.diag(lower_upper))))),
]

# ---------------------------------------------------------------- 09.2 Glow's squeeze


def _tiles(images):
    n, height, width, channels = np.shape(images)
    return np.asarray(images).reshape(n, height // 2, 2, width // 2, 2, channels), (n, height // 2, width // 2)


def _space_to_depth(images):
    return tf.nn.space_to_depth(images, 2)  # channels ordered (i, j, c)


def _swapped_tile(images):
    tiles, (n, h, w) = _tiles(images)
    return tiles.transpose(0, 1, 3, 5, 4, 2).reshape(n, h, w, -1)


def _six_axes(images):
    tiles, _ = _tiles(images)
    return tiles.transpose(0, 1, 3, 5, 2, 4)


WRONG_09_2 = [
    wrong(
        "09.2",
        "plain-reshape",
        lambda images: np.reshape(images, (len(images), images.shape[1] // 2, images.shape[2] // 2, -1)),
        DIGITS,
        "a plain reshape keeps the row-major order",
    ),
    wrong("09.2", "space-to-depth-order", _space_to_depth, TWO_CHANNELS, "the order (i, j, c)"),
    wrong("09.2", "tile-positions-swapped", _swapped_tile, DIGITS, "the tile positions are swapped"),
    wrong(
        "09.2",
        "expand-not-squeeze",
        lambda images: np.repeat(np.repeat(images, 2, axis=1), 2, axis=2),
        DIGITS,
        "the images got bigger",
    ),
    wrong("09.2", "no-final-reshape", _six_axes, DIGITS, "the shape is (2, 4, 4, 1, 2, 2)"),
    wrong("09.2", "odd-none", lambda images: None, DIGITS, "returned None"),
]


def _space_to_depth_reordered(images):
    n, height, width, channels = np.shape(images)
    out = tf.reshape(tf.nn.space_to_depth(images, 2), (n, height // 2, width // 2, 2, 2, channels))
    return tf.reshape(tf.transpose(out, (0, 1, 2, 5, 3, 4)), (n, height // 2, width // 2, 4 * channels))


def _loops(images):
    n, height, width, channels = images.shape
    out = np.zeros((n, height // 2, width // 2, 4 * channels))
    for c in range(channels):
        for i in range(2):
            for j in range(2):
                out[..., 4 * c + 2 * i + j] = images[:, i::2, j::2, c]
    return out


RIGHT_09_2 = [
    right("09.2", "space-to-depth-reordered", _space_to_depth_reordered),
    right("09.2", "loops-over-the-tile", _loops),
    right("09.2", "tfp-glow-squeeze", lambda images: glow_parts.squeeze(images.shape[1:]).forward(images)),
]

# ---------------------------------------------------------------- 09.3 a bijector of your own


class _Base(tfb.Bijector):
    """The exercise's __init__ and a right forward and inverse; subclasses change one method."""

    def __init__(self, skewness, tailweight):
        super().__init__(forward_min_event_ndims=0, name="sinh_arcsinh")
        self.skewness = tf.convert_to_tensor(skewness, tf.float32)
        self.tailweight = tf.convert_to_tensor(tailweight, tf.float32)

    def _u(self, x):
        return (tf.asinh(x) + self.skewness) * self.tailweight

    def _forward(self, x):
        return tf.sinh(self._u(x))

    def _inverse(self, y):
        return tf.sinh(tf.asinh(y) / self.tailweight - self.skewness)

    def _forward_log_det_jacobian(self, x):
        return tf.math.log(self.tailweight) + tf.math.log(tf.cosh(self._u(x))) - 0.5 * tf.math.log1p(x**2)


class SignError(_Base):
    def _forward_log_det_jacobian(self, x):
        return -super()._forward_log_det_jacobian(x)


class WrongDirection(_Base):
    def _forward_log_det_jacobian(self, x):  # log|g'(x)| of the inverse g, at x
        v = tf.asinh(x) / self.tailweight - self.skewness
        return -tf.math.log(self.tailweight) + tf.math.log(tf.cosh(v)) - 0.5 * tf.math.log1p(x**2)


class NoChainRuleTerm(_Base):
    def _forward_log_det_jacobian(self, x):
        return tf.math.log(self.tailweight) + tf.math.log(tf.cosh(self._u(x)))


class NoTailweightTerm(_Base):
    def _forward_log_det_jacobian(self, x):
        return tf.math.log(tf.cosh(self._u(x))) - 0.5 * tf.math.log1p(x**2)


class InverseSignError(_Base):
    def _inverse(self, y):
        return tf.sinh(tf.asinh(y) / self.tailweight + self.skewness)


class InverseWrongOrder(_Base):
    def _inverse(self, y):
        return tf.sinh((tf.asinh(y) - self.skewness) / self.tailweight)


class ForwardSkewSign(_Base):
    def _forward(self, x):
        return tf.sinh((tf.asinh(x) - self.skewness) * self.tailweight)


class VectorEvent(_Base):
    def __init__(self, skewness, tailweight):
        tfb.Bijector.__init__(self, forward_min_event_ndims=1, name="sinh_arcsinh")
        self.skewness = tf.convert_to_tensor(skewness, tf.float32)
        self.tailweight = tf.convert_to_tensor(tailweight, tf.float32)


class NotABijector:
    def __init__(self, skewness, tailweight):
        self.skewness, self.tailweight = skewness, tailweight

    def forward(self, x):
        return np.sinh((np.arcsinh(x) + self.skewness) * self.tailweight)


WRONG_09_3 = [
    wrong("09.3", "log-det-sign-error", SignError, SKEW, "the log-det has the wrong sign"),
    wrong("09.3", "log-det-of-the-inverse", WrongDirection, SKEW, "the log-det of the inverse map"),
    wrong("09.3", "no-chain-rule-term", NoChainRuleTerm, SKEW, "of your forward by autodiff"),
    wrong("09.3", "no-tailweight-term", NoTailweightTerm, LIGHT, "of your forward by autodiff"),
    wrong("09.3", "inverse-sign-error", InverseSignError, SKEW, "inverse(forward(x)) is not x"),
    wrong("09.3", "inverse-wrong-order", InverseWrongOrder, HEAVY, "inverse(forward(x)) is not x"),
    wrong("09.3", "forward-skew-sign", ForwardSkewSign, SKEW, "forward(x = -3) is"),
    wrong("09.3", "vector-event", VectorEvent, SKEW, "forward_log_det_jacobian raised ValueError"),
    wrong("09.3", "odd-not-a-bijector", NotABijector, SKEW, "must subclass tfb.Bijector"),
    wrong("09.3", "odd-none", lambda skewness, tailweight: None, SKEW, "building your class gave None"),
]


class WithParameters(tfb.Bijector):
    """TFP's full form: parameters, validate_args and name; both log-dets written out."""

    def __init__(self, skewness, tailweight, validate_args=False, name="my_sinh_arcsinh"):
        parameters = dict(locals())
        with tf.name_scope(name) as scope:
            self._skewness = tf.convert_to_tensor(skewness, tf.float32)
            self._tailweight = tf.convert_to_tensor(tailweight, tf.float32)
            super().__init__(forward_min_event_ndims=0, validate_args=validate_args, parameters=parameters, name=scope)

    def _forward(self, x):
        return tf.sinh((tf.asinh(x) + self._skewness) * self._tailweight)

    def _inverse(self, y):
        return tf.sinh(tf.asinh(y) / self._tailweight - self._skewness)

    def _forward_log_det_jacobian(self, x):
        u = (tf.asinh(x) + self._skewness) * self._tailweight
        return tf.math.log(self._tailweight * tf.cosh(u) / tf.sqrt(1.0 + x**2))

    def _inverse_log_det_jacobian(self, y):
        v = tf.asinh(y) / self._tailweight - self._skewness
        return -tf.math.log(self._tailweight) + tf.math.log(tf.cosh(v)) - 0.5 * tf.math.log1p(y**2)


class StableLogCosh(_Base):
    """log cosh(u) = |u| + log1p(exp(-2|u|)) - log 2: no overflow for large u."""

    def _forward_log_det_jacobian(self, x):
        u = tf.abs(self._u(x))
        log_cosh = u + tf.math.log1p(tf.exp(-2.0 * u)) - tf.math.log(2.0)
        return tf.math.log(self.tailweight) + log_cosh - 0.5 * tf.math.log1p(x**2)


RIGHT_09_3 = [
    right("09.3", "tfp-full-form", WithParameters),
    right("09.3", "stable-log-cosh", StableLogCosh),
    right("09.3", "same-as-reference", _Base),
]

# ---------------------------------------------------------------- 09.4 restoring a saved flow


def _no_restore(build_flow, path):
    return build_flow()


def _other_name(build_flow, path):
    flow = build_flow()
    tf.train.Checkpoint(model=flow).read(path)
    return flow


def _into_the_bijector(build_flow, path):
    flow = build_flow()
    tf.train.Checkpoint(flow=flow.bijector).read(path)
    return flow


def _returns_a_new_build(build_flow, path):
    tf.train.Checkpoint(flow=build_flow()).read(path)
    return build_flow()


def _returns_the_status(build_flow, path):
    return tf.train.Checkpoint(flow=build_flow()).read(path)


def _own_architecture(build_flow, path):
    from course_utils import builders

    flow = builders.make_flow(builders.make_stack("maf", 2, 2, hidden_units=(8, 8), seed=0), 2)
    tf.train.Checkpoint(flow=flow).read(path)
    return flow


WRONG_09_4 = [
    wrong("09.4", "no-restore", _no_restore, MAF_STACK, "nothing was restored"),
    wrong("09.4", "saved-name-differs", _other_name, MAF_STACK, "nothing was restored"),
    wrong("09.4", "restores-into-the-bijector", _into_the_bijector, MAF_STACK, "nothing was restored"),
    wrong("09.4", "returns-a-new-build", _returns_a_new_build, MAF_STACK, "nothing was restored"),
    wrong("09.4", "own-architecture", _own_architecture, SPLINE_STACK, "differs from the saved flow's"),
    wrong("09.4", "odd-status", _returns_the_status, MAF_STACK, "not the checkpoint"),
    wrong("09.4", "odd-none", lambda build_flow, path: None, MAF_STACK, "returned None"),
]


def _restore_method(build_flow, path):
    flow = build_flow()
    tf.train.Checkpoint(flow=flow).restore(path).expect_partial()
    return flow


def _assert_consumed(build_flow, path):
    flow = build_flow()
    status = tf.train.Checkpoint(flow=flow).read(path)
    status.assert_consumed()  # every saved value found its variable, and every variable a value
    return flow


RIGHT_09_4 = [
    right("09.4", "restore-method", _restore_method),
    right("09.4", "course-library", checkpoints.restore_flow),
    right("09.4", "assert-consumed", _assert_consumed),
]

RIGHT = RIGHT_09_1 + RIGHT_09_2 + RIGHT_09_3 + RIGHT_09_4
WRONG = WRONG_09_1 + WRONG_09_2 + WRONG_09_3 + WRONG_09_4


@pytest.mark.parametrize("answer", RIGHT)
def test_a_right_answer_passes(answer, capsys):
    assert_passes(answer, capsys)


@pytest.mark.parametrize("answer", WRONG)
def test_a_wrong_answer_fails_on_the_case_that_catches_it(answer):
    assert_fails(answer)


def test_the_reference_squeeze_is_tfps():
    from course_utils import exercises

    for case in exercises.get("09.2").cases():
        images = case.kwargs["images"]
        expected = glow_parts.squeeze(images.shape[1:]).forward(images).numpy()
        np.testing.assert_array_equal(exercises.get("09.2").reference(images), expected)


def test_a_class_stub_is_reported_as_not_attempted(capsys):
    from course_utils import exercises

    class Stub(tfb.Bijector):
        def __init__(self, skewness, tailweight):
            super().__init__(forward_min_event_ndims=0, name="stub")
            raise NotImplementedError()

    exercises.check("09.3", Stub)
    assert capsys.readouterr().out == exercises.not_attempted_message("09.3") + "\n"
