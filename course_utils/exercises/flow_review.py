"""Exercises of notebook 01 (review of normalizing flows)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from course_utils._tf import tf, tfb, tfd
from course_utils.exercises import Case, Exercise, register


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


register(
    Exercise(
        id="01.1",
        title="log-density of an affine flow",
        reference=affine_log_prob,
        cases=_affine_cases,
        hint="invert the flow, z = (x - shift) / exp(log_scale), then log p(x) = log N(z; 0, 1) - log_scale. "
        "Remember the -log_scale term: a stretched density is lower.",
    )
)


def log_det_jacobian(bijector: tfb.Bijector, x: np.ndarray) -> np.ndarray:
    """Reference: log|det J_f(x)| for each row of x, from the Jacobian computed by autodiff."""
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = bijector.forward(x)
    jacobian = tape.batch_jacobian(y, x)
    return tf.math.log(tf.abs(tf.linalg.det(jacobian))).numpy()


def _log_det_cases() -> list[Case]:
    """Inputs for exercise 01.2: elementwise, triangular and non-linear 2-D bijectors."""
    x = np.array([[0.1, -0.3], [1.2, 0.4], [-0.8, 0.9]], dtype=np.float32)
    shear = tfb.ScaleMatvecTriL(scale_tril=[[2.0, 0.0], [1.5, 0.5]])
    return [
        Case(dict(bijector=tfb.Scale([2.0, 0.5]), x=x), "a diagonal scaling"),
        Case(dict(bijector=shear, x=x), "a lower-triangular linear map"),
        Case(dict(bijector=tfb.Exp(), x=x), "elementwise exp"),
        Case(dict(bijector=tfb.Chain([tfb.Tanh(), shear]), x=x), "a chain: shear, then tanh"),
    ]


register(
    Exercise(
        id="01.2",
        title="log|det J| by automatic differentiation",
        reference=log_det_jacobian,
        cases=_log_det_cases,
        hint="watch x in a tf.GradientTape, compute y = bijector.forward(x), take J = tape.batch_jacobian(y, x) "
        "(shape (n, 2, 2)), then log|det J| with tf.linalg.det, tf.abs and tf.math.log, one value per row.",
    )
)


def sample_flow(base: tfd.Distribution, bijector: tfb.Bijector, n: int, seed: int) -> np.ndarray:
    """Reference: n samples of the flow: z ~ base, x = bijector.forward(z)."""
    z = base.sample(n, seed=tf.constant([seed, 0], tf.int32))
    return bijector.forward(z).numpy()


def _sample_cases() -> list[Case]:
    """Inputs for exercise 01.3: 1-D flows whose sample distribution is known exactly."""
    base = tfd.Normal(0.0, 1.0)
    return [
        Case(
            dict(base=base, bijector=tfb.Chain([tfb.Shift(1.0), tfb.Scale(2.0)]), n=20_000, seed=1),
            "x = 1 + 2 z, so x ~ N(1, 2^2)",
        ),
        Case(dict(base=base, bijector=tfb.Exp(), n=20_000, seed=2), "x = exp(z), a log-normal"),
    ]


def _same_distribution(got: np.ndarray, expected: np.ndarray, case: Case) -> str | None:
    """Accept any sample of the right shape drawn from the flow: a two-sample KS test, not equality."""
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:
        return f"the shape is {got.shape}, expected {expected.shape} (n samples of a 1-D flow)"
    if not np.all(np.isfinite(got)):
        return "the samples hold NaN or inf"
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
        hint="draw z = base.sample(n, seed=seed) and push it forward: bijector.forward(z). "
        "Do not use bijector.inverse: sampling goes from z to x.",
        compare=_same_distribution,
    )
)
