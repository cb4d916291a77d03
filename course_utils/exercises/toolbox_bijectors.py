"""Exercises 09.3 and 09.4 of notebook 09: a bijector of your own (a subclass of tfb.Bijector), and restoring a
saved flow with tf.train.Checkpoint.

09.3's answer is a class: the checker builds it with each case's arguments and then tries the
object's forward, inverse and log-det on fixed points, against the reference and against automatic
differentiation of the learner's own forward. 09.4's answer returns a flow, compared through its
log_prob with the flow that was saved.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils import builders, mixing, splines
from course_utils._tf import tf, tfb, tfd
from course_utils.exercises import Case, Exercise, register
from course_utils.exercises._compare import describe, never_raises
from course_utils.exercises._messages import error_text

# ------------------------------------------------------------------ 09.3 a bijector of your own


class SinhArcsinh(tfb.Bijector):
    """Reference: y = sinh((asinh(x) + skewness) * tailweight), elementwise (Jones & Pewsey's sinh-arcsinh)."""

    def __init__(self, skewness: float, tailweight: float):
        super().__init__(forward_min_event_ndims=0, name="sinh_arcsinh")
        self.skewness = tf.convert_to_tensor(skewness, tf.float32)
        self.tailweight = tf.convert_to_tensor(tailweight, tf.float32)

    def _forward(self, x: tf.Tensor) -> tf.Tensor:
        return tf.sinh((tf.asinh(x) + self.skewness) * self.tailweight)

    def _inverse(self, y: tf.Tensor) -> tf.Tensor:
        return tf.sinh(tf.asinh(y) / self.tailweight - self.skewness)

    def _forward_log_det_jacobian(self, x: tf.Tensor) -> tf.Tensor:
        # d/dx sinh(u) with u = (asinh(x) + skewness) * tailweight is cosh(u) * tailweight / sqrt(1 + x^2).
        u = (tf.asinh(x) + self.skewness) * self.tailweight
        return tf.math.log(self.tailweight) + tf.math.log(tf.cosh(u)) - 0.5 * tf.math.log1p(x**2)


POINTS = np.linspace(-3.0, 3.0, 13).astype(np.float32)


def _sinh_arcsinh_cases() -> list[Case]:
    """Inputs for 09.3: a skew alone, lighter tails alone, both with heavier tails."""
    return [
        Case(dict(skewness=0.5, tailweight=1.0), "skewness 0.5, tailweight 1 (a skew only)"),
        Case(dict(skewness=0.0, tailweight=0.6), "skewness 0, tailweight 0.6 (lighter tails)"),
        Case(dict(skewness=-0.3, tailweight=1.5), "skewness -0.3, tailweight 1.5 (heavier tails, skewed)"),
    ]


def _call(bijector: Any, method: str, *args: Any, **kwargs: Any) -> tuple[np.ndarray | None, str | None]:
    """Call one method of the learner's bijector on fresh NumPy inputs; return (float64 values, None) or (None, why)."""
    try:
        value = getattr(bijector, method)(*[np.array(a, np.float32) for a in args], **kwargs)
        return np.asarray(value, dtype=np.float64), None
    except Exception as error:  # the learner's code: say what it raised
        return None, f"your bijector's {method} raised {type(error).__name__}: {error_text(error)}"


def _autodiff_log_derivative(bijector: tfb.Bijector, x: np.ndarray) -> np.ndarray | None:
    """log f'(x) of the bijector's own forward, by automatic differentiation (None if it cannot be taken)."""
    xt = tf.constant(x)
    try:
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = bijector.forward(xt)
        derivative = tape.gradient(y, xt)
        return None if derivative is None else np.log(np.abs(derivative.numpy().astype(np.float64)))
    except Exception:  # forward is checked (and reported) separately
        return None


def _differs(got: np.ndarray, want: np.ndarray) -> int | None:
    """The index of the first value that differs (None when all agree within 1e-4 + 1e-4 |want|)."""
    if got.shape != want.shape:
        return -1
    bad = ~np.isclose(got, want, rtol=1e-4, atol=1e-4)
    return int(np.argmax(bad)) if bad.any() else None


def _log_det_reason(got: Any, expected: tfb.Bijector) -> str | None:
    """Why the learner's forward log-det is wrong (None if right): checked against autodiff of their own forward."""
    log_det, why = _call(got, "forward_log_det_jacobian", POINTS, event_ndims=0)
    if why is not None:
        return why
    want = _autodiff_log_derivative(got, POINTS)
    if want is None:  # no gradient through the learner's forward: compare with the reference's log-det
        want = np.asarray(expected.forward_log_det_jacobian(POINTS, event_ndims=0), np.float64)
    if log_det.size == 1:
        log_det = np.broadcast_to(log_det.reshape(()), want.shape)  # one number: still wrong unless constant
    at = _differs(log_det, want)
    if at is None:
        return None
    if at == -1:
        return f"forward_log_det_jacobian(x, event_ndims=0) has shape {log_det.shape}, expected {want.shape}"
    if _differs(log_det, -want) is None:
        return (
            "the log-det has the wrong sign: _forward_log_det_jacobian(x) is +log|f'(x)| (positive where f stretches)"
        )
    inverse_at_x = np.asarray(expected.inverse_log_det_jacobian(POINTS, event_ndims=0), np.float64)
    if _differs(log_det, inverse_at_x) is None:
        return (
            "that is the log-det of the inverse map, log|(f^-1)'(x)|: _forward_log_det_jacobian(x) must be "
            "log|f'(x)| of the forward map at x"
        )
    return (
        f"forward_log_det_jacobian at x = {POINTS[at]:g} is {log_det[at]:.4f}, but log|f'(x)| of your forward by "
        f"autodiff is {want[at]:.4f}"
    )


@never_raises
def _same_bijector(got: Any, expected: tfb.Bijector, case: Case) -> str | None:
    """Accept any tfb.Bijector subclass with the reference's forward, inverse and log-det (event_ndims 0 and 1)."""
    if not isinstance(got, tfb.Bijector):
        return f"building your class gave {describe(got)}: the class must subclass tfb.Bijector"
    y, why = _call(got, "forward", POINTS)
    if why is not None:
        return why
    want_y = np.asarray(expected.forward(POINTS), np.float64)
    at = _differs(y, want_y)
    if at is not None:
        return f"forward gives {describe(y)}, expected shape {want_y.shape}" if at == -1 else (
            f"forward(x = {POINTS[at]:g}) is {y[at]:.4f}, expected {want_y[at]:.4f}: "
            "y = sinh((asinh(x) + skewness) * tailweight)"
        )  # fmt: skip
    x_back, why = _call(got, "inverse", want_y)
    if why is not None:
        return why
    at = _differs(x_back, POINTS.astype(np.float64))
    if at is not None:
        return (
            f"inverse(forward(x)) is not x: at x = {POINTS[at]:g} it gives {np.ravel(x_back)[at]:.4f}. "
            "Undo the forward's steps in reverse order"
        )
    reason = _log_det_reason(got, expected)
    if reason is not None:
        return reason
    summed, why = _call(got, "forward_log_det_jacobian", POINTS.reshape(-1, 1), event_ndims=1)
    if why is not None or summed.shape != (len(POINTS),):
        return why or (
            f"forward_log_det_jacobian(x, event_ndims=1) has shape {summed.shape}, expected ({len(POINTS)},): "
            "an elementwise bijector needs forward_min_event_ndims=0"
        )
    return None


register(
    Exercise(
        id="09.3",
        title="a sinh-arcsinh bijector of your own",
        reference=SinhArcsinh,
        cases=_sinh_arcsinh_cases,
        hint=(
            "subclass tfb.Bijector with forward_min_event_ndims=0 and write _forward, _inverse and "
            "_forward_log_det_jacobian; the log-det is the log of the derivative of the forward map."
        ),
        hints=(
            "inverse: x = sinh(asinh(y) / tailweight - skewness). With u = (asinh(x) + skewness) * tailweight, "
            "f'(x) = tailweight * cosh(u) / sqrt(1 + x^2), so the log-det is "
            "log(tailweight) + log(cosh(u)) - 0.5 * log1p(x**2).",
        ),
        compare=_same_bijector,
    )
)


# ------------------------------------------------------------------ 09.4 restoring a saved flow


def restore_flow(build_flow: Callable[[], tfd.Distribution], path: str) -> tfd.Distribution:
    """Reference: build a fresh flow and read the checkpoint (saved under the name `flow`) into it."""
    flow = build_flow()
    tf.train.Checkpoint(flow=flow).read(path).assert_existing_objects_matched()
    return flow


_CHECKPOINT_DIR: list[str] = []
PROBE = np.random.default_rng(21).normal(size=(16, 2)).astype(np.float32)


def _checkpoint_dir() -> str:
    """A temporary folder for the cases' checkpoints, removed when Python exits."""
    if not _CHECKPOINT_DIR:
        _CHECKPOINT_DIR.append(tempfile.mkdtemp(prefix="course09_checkpoints_"))
        atexit.register(shutil.rmtree, _CHECKPOINT_DIR[0], True)
    return _CHECKPOINT_DIR[0]


def _saved(name: str, build: Callable[[int], tfd.Distribution]) -> tuple[Callable[[], tfd.Distribution], str]:
    """Build a flow (seed 1), move its weights away from any fresh build, save it; return (builder, path)."""
    flow = build(1)
    rng = np.random.default_rng(len(name))
    for variable in flow.trainable_variables:
        variable.assign_add(0.3 * rng.normal(size=variable.shape).astype(np.float32))
    path = tf.train.Checkpoint(flow=flow).write(f"{_checkpoint_dir()}/{name}")

    def build_flow() -> tfd.Distribution:
        return build(7)  # another seed: only restoring gives the saved weights

    build_flow.__name__ = f"build_{name}"
    return build_flow, path


def _restore_cases() -> list[Case]:
    """Inputs for 09.4: a MAF stack, a spline coupling stack, a RealNVP stack with LU mixing, each saved once."""

    def maf(seed: int) -> tfd.Distribution:
        return builders.make_flow(builders.make_stack("maf", 2, 2, hidden_units=(8, 8), seed=seed), 2)

    def spline(seed: int) -> tfd.Distribution:
        return builders.make_flow(splines.make_spline_stack(2, 2, (8,), bins=4, seed=seed), 2)

    def real_nvp_lu(seed: int) -> tfd.Distribution:
        stack = mixing.make_mixed_stack(lambda s: builders.make_real_nvp(2, (8,), seed=s), 2, 2, "lu", seed)
        return builders.make_flow(stack, 2)

    cases = []
    for name, build, text in [
        ("maf_stack", maf, "two MAF layers (8, 8)"),
        ("spline_stack", spline, "two spline coupling layers"),
        ("real_nvp_lu", real_nvp_lu, "two RealNVP layers with LU mixing"),
    ]:
        build_flow, path = _saved(name, build)
        cases.append(Case(dict(build_flow=build_flow, path=path), text))
    return cases


@never_raises
def _same_flow(got: Any, expected: tfd.Distribution, case: Case) -> str | None:
    """Accept any distribution whose log_prob equals the saved flow's; name a flow nothing was restored into."""
    if not isinstance(got, tfd.Distribution):
        if type(got).__name__.endswith(("LoadStatus", "Checkpoint")):
            return f"your function returned {describe(got)}: return the flow you restored into, not the checkpoint"
        return f"your function returned {describe(got)}: return the restored flow (a tfd.Distribution)"
    want = np.asarray(expected.log_prob(PROBE), np.float64)
    try:
        log_prob = np.asarray(got.log_prob(PROBE), np.float64)
    except Exception as error:  # the returned object is not the flow that was saved
        return f"log_prob of the flow you returned raised {type(error).__name__}: is it the flow build_flow() built?"
    if log_prob.shape == want.shape and np.allclose(log_prob, want, rtol=1e-5, atol=1e-5):
        return None
    fresh = np.asarray(case.kwargs["build_flow"]().log_prob(PROBE), np.float64)
    if log_prob.shape == fresh.shape and np.allclose(log_prob, fresh, rtol=1e-5, atol=1e-5):
        return (
            "your flow still has the weights it was built with: nothing was restored. Read the checkpoint into "
            "it under the name it was saved with, tf.train.Checkpoint(flow=your_flow).read(path), and return "
            "that same flow"
        )
    return "the log_prob of your flow differs from the saved flow's: restore into a flow built by build_flow()"


register(
    Exercise(
        id="09.4",
        title="restoring a saved flow",
        reference=restore_flow,
        cases=_restore_cases,
        hint=(
            "a checkpoint only holds values: build the flow first with build_flow(), then read the checkpoint into "
            "it with tf.train.Checkpoint, under the same name it was saved with (flow)."
        ),
        hints=(
            "flow = build_flow(); tf.train.Checkpoint(flow=flow).read(path).assert_existing_objects_matched(); "
            "return flow. The assert raises if some variable of your flow got no value from the checkpoint.",
        ),
        compare=_same_flow,
        time_limit_s=60.0,
    )
)
