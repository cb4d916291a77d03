"""Exercise 06.4 of notebook 06: push the data through the flow's inverse and test that z looks like N(0, I)."""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils._tf import tfd
from course_utils.exercises import Case, Exercise, register
from course_utils.exercises._compare import describe, never_raises, odd_answer, read_numbers, shape_reason
from course_utils.exercises.training_flows import _affine_flow, _moons_like


def normality_check(dist: tfd.Distribution, x: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray, bool]:
    """Reference: push the data through the inverse, z = f^-1(x); return (mean of z, covariance of z, verdict).

    The verdict is True when every entry of the mean is within `tolerance` of 0 and every entry of the
    covariance within `tolerance` of the identity's.
    """
    z = np.asarray(dist.bijector.inverse(x), np.float64)
    mean, cov = z.mean(axis=0), np.cov(z, rowvar=False)
    looks_normal = np.all(np.abs(mean) <= tolerance) and np.all(np.abs(cov - np.eye(z.shape[1])) <= tolerance)
    return mean, cov, bool(looks_normal)


_SHIFT, _SCALE = [0.5, -1.0], [2.0, 0.8]


def _normality_cases() -> list[Case]:
    """Inputs for 06.4: one flow, data that it fits and data that it does not, in ways a partial check misses."""
    rng = np.random.default_rng(8)
    n = 3000
    w = rng.normal(size=(n, 2))
    correlated = w @ np.linalg.cholesky(np.array([[1.0, 0.6], [0.6, 1.0]])).T  # unit variances, correlation 0.6
    shifted = (w - w.mean(axis=0)) + np.array([-0.4, 0.0])  # mean exactly (-0.4, 0), covariance near I

    def through_flow(z: np.ndarray) -> np.ndarray:
        return (np.array(_SHIFT) + np.array(_SCALE) * z).astype(np.float32)

    def case(x: np.ndarray, description: str) -> Case:
        return Case(dict(dist=_affine_flow(_SHIFT, _SCALE), x=x, tolerance=0.1), description)

    return [
        case(through_flow(w), "data drawn from the flow itself: its z is N(0, I)"),
        case(_moons_like(n, seed=9), "data the flow does not fit: z is shifted and too wide"),
        case(through_flow(correlated), "z with unit variances but correlated columns"),
        case(through_flow(shifted), "z with a negative mean and the identity covariance"),
    ]


def _moments(z: Any) -> tuple[np.ndarray, np.ndarray]:
    """(mean, covariance) of the rows of z, float64."""
    z = np.asarray(z, np.float64)
    return z.mean(axis=0), np.cov(z, rowvar=False)


def _close_moments(mean: np.ndarray, cov: np.ndarray, other: tuple[np.ndarray, np.ndarray], tol: float = 2e-3) -> bool:
    """True when (mean, cov) agree with `other` within tol (enough for ddof 0 against 1 at 3000 points)."""
    return bool(np.allclose(mean, other[0], rtol=0, atol=tol) and np.allclose(cov, other[1], rtol=0, atol=tol))


def _wrong_moments(mean: np.ndarray, cov: np.ndarray, case: Case) -> str:
    """Why the mean and covariance differ from the reference's, naming the usual mistakes."""
    dist, x = case.kwargs["dist"], case.kwargs["x"]
    if _close_moments(mean, cov, _moments(dist.bijector.forward(x))):
        return (
            "these are the moments of bijector.forward(x): forward maps base to data (z -> x). The normalizing "
            "direction is the inverse: z = dist.bijector.inverse(x)"
        )
    if _close_moments(mean, cov, _moments(x)):
        return "these are the moments of the data x itself: push x through dist.bijector.inverse first"
    if np.allclose(mean, 0.0, atol=0.1) and np.allclose(cov, np.eye(len(mean)), atol=0.15):
        return (
            "your z looks like N(0, I), but the data's z has other moments: did you use samples of the flow? "
            "Its own samples always map back to N(0, I), whatever the data; push the DATA x through the inverse"
        )
    return "the mean or the covariance of z = dist.bijector.inverse(x) differs from yours"


def _verdict_reason(verdict: bool, mean: np.ndarray, cov: np.ndarray, tolerance: float) -> str:
    """Why the verdict is wrong, given the right moments."""
    eye = np.eye(len(mean))
    mean_off = float(np.max(np.abs(mean)))
    diag_off = float(np.max(np.abs(np.diag(cov) - 1.0)))
    cross_off = float(np.max(np.abs((cov - eye)[~eye.astype(bool)]))) if len(mean) > 1 else 0.0
    if verdict:
        if cross_off > tolerance and mean_off <= tolerance and diag_off <= tolerance:
            return (
                f"the verdict is True, but an off-diagonal entry of the covariance is {cross_off:.2f}: the columns "
                "are correlated. A check of each column on its own misses that: compare the whole covariance with I"
            )
        if mean_off > tolerance and float(np.max(mean)) <= tolerance:
            return (
                f"the verdict is True, but the mean has an entry {float(np.min(mean)):.2f}: compare the ABSOLUTE "
                "value of each entry with the tolerance (np.abs), a large negative mean is as wrong as a positive one"
            )
        return (
            "the verdict is True, but z is not N(0, I) within the tolerance: every entry of the mean must be near 0 "
            "AND every entry of the covariance near the identity's (and, not or)"
        )
    return (
        f"the verdict is False, yet the mean is within {tolerance:g} of 0 and the covariance within it of the "
        "IDENTITY: compare cov - I (not cov); np.allclose(a, b, tol) reads tol as rtol, pass atol=tolerance"
    )


@never_raises
def _same_normality(got: Any, expected: Any, case: Case) -> str | None:
    """Check (mean, cov, verdict): each part in turn, naming the usual mistakes."""
    reason = odd_answer(got)
    if reason is not None:
        return reason
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return f"your function returned {describe(got)}: return three things, (mean, cov, looks_normal)"
    mean, cov, verdict = got
    want_mean, want_cov, want_verdict = expected
    size, n = len(want_mean), len(case.kwargs["x"])
    for name, value, want in (("mean", mean, want_mean), ("covariance", cov, want_cov)):
        array, reason = read_numbers(value)
        if reason is not None:
            return f"the {name}: {reason}"
        if name == "covariance" and array.shape == (size,):
            return (
                f"the covariance has shape ({size},): one variance per column? Return the full {size} x {size} "
                "covariance, np.cov(z, rowvar=False): a check column by column misses correlations"
            )
        if name == "covariance" and array.shape == (n, n):
            return f"the covariance is {n} x {n}: np.cov treats each ROW as a variable; use np.cov(z, rowvar=False)"
        if array.shape != np.shape(want):
            return f"the {name}: {shape_reason(array.shape, np.shape(want))}"
    mean, cov = np.asarray(mean, np.float64), np.asarray(cov, np.float64)
    if not _close_moments(mean, cov, (want_mean, want_cov)):
        return _wrong_moments(mean, cov, case)
    if not (isinstance(verdict, (bool, np.bool_)) or (np.shape(verdict) == () and np.asarray(verdict).dtype == bool)):
        return f"the verdict is {describe(verdict)}: return True or False as the third item"
    if bool(verdict) != want_verdict:
        return _verdict_reason(bool(verdict), mean, cov, case.kwargs["tolerance"])
    return None


register(
    Exercise(
        id="06.4",
        title="the normalizing direction: does z look like N(0, I)?",
        reference=normality_check,
        cases=_normality_cases,
        hint=(
            "a flow that fits the data maps the data back to its base N(0, I). Which direction of the bijector "
            "goes from data to base, and what do the mean and the covariance of N(0, I) look like?"
        ),
        hints=(
            "TFP's forward is base -> data, so z = dist.bijector.inverse(x), computed from the DATA (samples of the "
            "flow map back to N(0, I) whatever the data). The mean of N(0, I) is 0 and its covariance the identity: "
            "off-diagonal entries too, not only one variance per column.",
            "z = np.asarray(dist.bijector.inverse(x)); mean = z.mean(axis=0); cov = np.cov(z, rowvar=False); "
            "looks_normal = np.all(np.abs(mean) <= tolerance) and np.all(np.abs(cov - np.eye(z.shape[1])) <= "
            "tolerance); return mean, cov, bool(looks_normal).",
        ),
        compare=_same_normality,
    )
)
