"""Exercises of notebook 01 (review of normalizing flows)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats

from course_utils._tf import tf, tfb, tfd
from course_utils.exercises import Case, Exercise, register
from course_utils.exercises._compare import (
    never_raises,
    numbers_compare,
    read_numbers,
    shape_reason,
)

# ---------------------------------------------------------------- 01.1 the log-density of an affine flow


def affine_log_prob(x: np.ndarray, shift: float, log_scale: float) -> np.ndarray:
    """Reference: log p(x) for x = shift + exp(log_scale) * z, z ~ N(0, 1)."""
    z = (np.asarray(x, dtype=np.float64) - shift) * np.exp(-log_scale)
    return -0.5 * z**2 - 0.5 * np.log(2 * np.pi) - log_scale


def _affine_cases() -> list[Case]:
    """Inputs for exercise 01.1: widths below and above 1, negative shifts, arrays of points."""
    x = np.array([-3.0, -0.5, 0.0, 1.0, 4.0])
    return [
        Case(dict(x=x, shift=0.0, log_scale=0.0), "identity: the standard normal"),
        Case(dict(x=x, shift=1.5, log_scale=0.0), "a pure shift"),
        Case(dict(x=x, shift=0.0, log_scale=np.log(2.0)), "a stretch by 2"),
        Case(dict(x=x, shift=-1.0, log_scale=-0.7), "a squeeze and a shift"),
    ]


def _affine_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong answers of 01.1, each with its reason."""
    x, shift, log_scale = np.asarray(case.kwargs["x"], np.float64), case.kwargs["shift"], case.kwargs["log_scale"]
    z = (x - shift) * np.exp(-log_scale)
    constant = -0.5 * np.log(2 * np.pi)
    return {
        "the -log_scale term is missing": lambda: -0.5 * z**2 + constant,
        "the log-det enters with a minus sign: -log_scale, not +log_scale": lambda: -0.5 * z**2 + constant + log_scale,
        "z = (x - shift) / exp(log_scale): divide by the scale, do not multiply": lambda: (
            -0.5 * ((x - shift) * np.exp(log_scale)) ** 2 + constant - log_scale
        ),
        "undo the shift first: z = (x - shift) / exp(log_scale)": lambda: (
            -0.5 * (x * np.exp(-log_scale) - shift) ** 2 + constant - log_scale
        ),
        "the normalising constant -0.5 log(2 pi) is missing": lambda: -0.5 * z**2 - log_scale,
        "this is the density, not its log": lambda: np.exp(-0.5 * z**2 + constant - log_scale),
    }


register(
    Exercise(
        id="01.1",
        title="log-density of an affine flow",
        reference=affine_log_prob,
        cases=_affine_cases,
        hint=(
            "undo the flow to find the base point z that x came from, score z under N(0, 1), and correct for how "
            "much the map stretched space."
        ),
        hints=(
            "invert the flow, z = (x - shift) / exp(log_scale), then log p(x) = log N(z; 0, 1) - log_scale. "
            "Remember the -log_scale term: a stretched density is lower.",
        ),
        compare=numbers_compare(_affine_mistakes),
    )
)


# ---------------------------------------------------------------- 01.2 log|det J| by autodiff


def _jacobians(bijector: tfb.Bijector, x: Any, inverse: bool = False) -> tf.Tensor:
    """The Jacobians (n, D, D) of the bijector's forward (or inverse) map at the rows of x, by autodiff.

    Row i of every Jacobian is the gradient of output i: D gradient calls, much faster in eager mode than
    batch_jacobian's vectorisation, and exact all the same (the rows of x do not interact).
    """
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = bijector.inverse(x) if inverse else bijector.forward(x)
        outputs = [y[..., i] for i in range(y.shape[-1])]
    return tf.stack([tape.gradient(output, x) for output in outputs], axis=-2)


def log_det_jacobian(bijector: tfb.Bijector, x: np.ndarray) -> np.ndarray:
    """Reference: log|det J_f(x)| for each row of x, from the Jacobian computed by autodiff."""
    return tf.math.log(tf.abs(tf.linalg.det(_jacobians(bijector, x)))).numpy()


def _full_matrix() -> tfb.Bijector:
    """x -> A x with a full (not triangular) A of determinant -2.5."""
    return tfb.ScaleMatvecLinearOperator(tf.linalg.LinearOperatorFullMatrix([[0.5, 2.0], [1.0, -1.0]]))


def _log_det_cases() -> list[Case]:
    """Inputs for 01.2: diagonal, triangular and full Jacobians, determinants of both signs, a non-linear map."""
    x = np.array([[0.1, -0.3], [1.2, 0.4], [-0.8, 0.9]], dtype=np.float32)
    shear = tfb.ScaleMatvecTriL(scale_tril=[[2.0, 0.0], [1.5, 0.5]])
    return [
        Case(dict(bijector=tfb.Scale([2.0, 1.5]), x=x), "a diagonal scaling"),
        Case(dict(bijector=shear, x=x), "a lower-triangular linear map"),
        Case(dict(bijector=_full_matrix(), x=x), "a full matrix, not triangular, det < 0"),
        Case(
            dict(bijector=tfb.Chain([tfb.Tanh(), _full_matrix()]), x=x),
            "a full matrix, then tanh: not triangular, det < 0, another det per row",
        ),
    ]


def _log_det_mistakes(case: Case) -> dict[str, Callable[[], Any]]:
    """Known wrong answers of 01.2, from the Jacobians of the case."""
    bijector, x = case.kwargs["bijector"], case.kwargs["x"]

    @functools.cache
    def jacobians() -> np.ndarray:
        """The forward Jacobians, computed once and only when a mistake is looked for."""
        return _jacobians(bijector, x).numpy().astype(np.float64)

    return {
        "this sums the log of the Jacobian's diagonal only; this Jacobian is not triangular: use its determinant": (
            lambda: np.sum(np.log(np.abs(np.diagonal(jacobians(), axis1=-2, axis2=-1))), axis=-1)
        ),
        "the sign is flipped: log|det J| of the forward map, not of its inverse": lambda: (
            -np.linalg.slogdet(jacobians())[1]
        ),
        "this is |det J| itself: take its log": lambda: np.abs(np.linalg.det(jacobians())),
        "this is log|det| of bijector.inverse's Jacobian: differentiate bijector.forward": lambda: np.linalg.slogdet(
            _jacobians(bijector, x, inverse=True).numpy().astype(np.float64)
        )[1],
    }


@never_raises
def _same_log_det(got: Any, expected: Any, case: Case) -> str | None:
    """Numbers close to log|det J| (a constant may be one scalar); NaN where det J < 0 means the abs is missing."""
    got_array, reason = read_numbers(got)
    if reason is None and got_array.shape == np.shape(expected) and np.isnan(got_array).any():
        if (np.linalg.det(_jacobians(case.kwargs["bijector"], case.kwargs["x"]).numpy()) < 0).any():
            return "NaN: det J is negative here and its log is NaN; take the log of its absolute value (tf.abs)"
    return numbers_compare(_log_det_mistakes, broadcast=True)(got, expected, case)


register(
    Exercise(
        id="01.2",
        title="log|det J| by automatic differentiation",
        reference=log_det_jacobian,
        cases=_log_det_cases,
        hint=(
            "autodiff gives the whole Jacobian of forward at every row; its determinant says how volume changes "
            "there. Remember that a determinant can be negative and that only a triangular matrix has it on the "
            "diagonal."
        ),
        hints=(
            "watch x in a tf.GradientTape, compute y = bijector.forward(x), take J = tape.batch_jacobian(y, x) "
            "(shape (n, 2, 2)), then log|det J| with tf.linalg.det, tf.abs and tf.math.log, one value per row. "
            "A determinant can be negative, and only a triangular Jacobian has its determinant on the diagonal.",
        ),
        compare=_same_log_det,
    )
)


# ---------------------------------------------------------------- 01.3 sampling a flow


def sample_flow(base: tfd.Distribution, bijector: tfb.Bijector, n: int, seed: int) -> np.ndarray:
    """Reference: n samples of the flow: z ~ base, x = bijector.forward(z)."""
    z = base.sample(n, seed=tf.constant([seed, 0], tf.int32))
    return bijector.forward(z).numpy()


def _sample_cases() -> list[Case]:
    """Inputs for exercise 01.3: 1-D flows whose sample distribution is known exactly, two sample sizes."""
    base = tfd.Normal(0.0, 1.0)
    return [
        Case(
            dict(base=base, bijector=tfb.Chain([tfb.Shift(1.0), tfb.Scale(2.0)]), n=20_000, seed=1),
            "x = 1 + 2 z, so x ~ N(1, 2^2)",
        ),
        Case(dict(base=base, bijector=tfb.Exp(), n=20_000, seed=2), "x = exp(z), a log-normal"),
        Case(dict(base=base, bijector=tfb.Softplus(), n=5_000, seed=3), "x = softplus(z), only 5000 samples"),
    ]


@never_raises
def _same_distribution(got: Any, expected: np.ndarray, case: Case) -> str | None:
    """Accept any sample of the right shape drawn from the flow: a two-sample KS test, not equality."""
    if isinstance(got, tfd.Distribution):
        return "your function returned the flow's distribution, not samples: return its n samples"
    got, reason = read_numbers(got)
    if reason is not None:
        return reason
    if got.shape != expected.shape:
        return shape_reason(got.shape, expected.shape) + " (n samples of a 1-D flow)"
    if not np.all(np.isfinite(got)):
        return "the samples hold NaN or inf: sampling runs the bijector forward, from z to x"
    if len(np.unique(got)) < len(got) // 2:
        return "most samples are repeats: draw n independent samples with base.sample(n, ...)"
    result = stats.ks_2samp(got, expected)
    if result.pvalue < 1e-4:
        return (
            f"the samples do not follow the flow's distribution (KS statistic {result.statistic:.3f}, "
            f"p = {result.pvalue:.1e}); mean {got.mean():.3f} vs {expected.mean():.3f}"
        )
    return None


register(
    Exercise(
        id="01.3",
        title="sampling a flow",
        reference=sample_flow,
        cases=_sample_cases,
        hint=(
            "sampling a flow means sampling its base and pushing the samples through the map in the direction "
            "that goes from z to x."
        ),
        hints=(
            "draw z = base.sample(n, seed=seed) and push it forward: bijector.forward(z). "
            "Do not use bijector.inverse: sampling goes from z to x.",
        ),
        compare=_same_distribution,
    )
)
