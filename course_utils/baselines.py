"""Classical density estimators as yardsticks for the flows on the digits: scikit-learn's GaussianMixture and
KernelDensity, on the same split and the same dequantized points, scored in the same bits per dimension.

A baseline models the dequantized points either in the unit cube directly (`space="unit cube"`) or in
the flows' logit space (`space="logit"`); there its log-density gets the logit transform's log-det, so
both give log p_Y(y) and `dequantization.bits_per_dim` applies unchanged. `tune` fits every setting
of a grid on the training points (`copies` independent dequantizations of them, stacked) and ranks
the settings by their validation score; the test part is scored only for the best one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity

from course_utils import _checks
from course_utils.dequantization import (
    DEFAULT_ALPHA,
    NOISE_SEEDS,
    bits_per_dim,
    dequantize,
    dequantized_part,
    logit,
    logit_log_det,
)
from course_utils.digits import LEVELS, Digits

KINDS = ("gaussian_mixture", "kernel_density")
SPACES = ("unit cube", "logit")
# Settings tried by `tune`, per space (a logit-space pixel spreads over several units, a unit-cube one over
# a fraction of one); the ranges were chosen after a wider search, with the best settings well inside them.
GRIDS: dict[str, dict[str, tuple[dict[str, Any], ...]]] = {
    "gaussian_mixture": {
        "unit cube": tuple(dict(covariance_type="diag", n_components=k, reg_covar=1e-3) for k in (10, 20, 40, 80)),
        "logit": tuple(
            [dict(covariance_type="diag", n_components=k, reg_covar=1e-2) for k in (20, 40, 80)]
            + [dict(covariance_type="full", n_components=k, reg_covar=r) for k in (5, 10, 20) for r in (0.05, 0.1, 0.2)]
        ),
    },
    "kernel_density": {
        "unit cube": tuple(dict(bandwidth=b) for b in (0.05, 0.07, 0.1, 0.15, 0.2)),
        "logit": tuple(dict(bandwidth=b) for b in (0.3, 0.4, 0.5, 0.6, 0.8, 1.0)),
    },
}


@dataclass
class BaselineResult:
    """One fitted setting: what it is, its validation (and, for the best, test) bits/dim and its fit time."""

    kind: str
    space: str
    params: dict[str, Any]
    validation_bits: float
    fit_time_s: float
    test_bits: float | None = None
    estimator: Any = field(default=None, repr=False)

    def describe(self) -> str:
        """The setting in words, such as 'GaussianMixture(covariance_type=full, ...) in logit space'."""
        name = "GaussianMixture" if self.kind == "gaussian_mixture" else "KernelDensity"
        params = ", ".join(f"{key}={value}" for key, value in self.params.items())
        return f"{name}({params}) in {self.space} space"


def _to_space(y: np.ndarray, space: str, alpha: float) -> np.ndarray:
    """The points the estimator sees: y itself, or its logit."""
    return logit(y, alpha) if space == "logit" else np.asarray(y, np.float64)


def log_prob_y(estimator: Any, y: np.ndarray, space: str, alpha: float = DEFAULT_ALPHA) -> np.ndarray:
    """Return log p_Y(y) of a fitted estimator: its score_samples, plus the logit's log-det in logit space."""
    _checks.one_of("space", space, SPACES)
    _checks.has_method("estimator", estimator, "score_samples", "a fitted GaussianMixture or KernelDensity")
    log_p = estimator.score_samples(_to_space(y, space, alpha))
    return log_p + logit_log_det(y, alpha) if space == "logit" else log_p


def fit(
    kind: str, train_y: np.ndarray, space: str = "logit", alpha: float = DEFAULT_ALPHA, seed: int = 0, **params: Any
) -> Any:
    """Return a GaussianMixture or KernelDensity fitted to the dequantized points train_y in `space`."""
    _checks.one_of("kind", kind, KINDS)
    _checks.one_of("space", space, SPACES)
    points = _to_space(_checks.points("train_y", train_y, min_rows=2), space, alpha)
    if kind == "gaussian_mixture":
        return GaussianMixture(random_state=_checks.seed("seed", seed), max_iter=200, **params).fit(points)
    return KernelDensity(**params).fit(points)


def training_points(data: Digits, copies: int = 1) -> np.ndarray:
    """The training pixels dequantized `copies` times (independent noise), stacked: what a baseline is fitted to."""
    _checks.instance("data", data, Digits, "the digits (course_utils.digits.load())")
    copies = _checks.positive_int("copies", copies, maximum=100)
    return np.concatenate([dequantize(data.train, seed=NOISE_SEEDS["train"] + 1000 * c) for c in range(copies)])


def tune(
    kind: str,
    data: Digits,
    grids: dict[str, tuple[dict[str, Any], ...]] | None = None,
    copies: int = 1,
    alpha: float = DEFAULT_ALPHA,
) -> list[BaselineResult]:
    """Fit every setting of `grids` ({space: settings}, GRIDS[kind] by default), rank them by validation bits/dim;
    score the best on the test part."""
    _checks.one_of("kind", kind, KINDS)
    grids = GRIDS[kind] if grids is None else _checks.mapping("grids", grids, "{space: (settings, ...)}")
    train_y, val_y = training_points(data, copies), dequantized_part(data, "validation")
    results = []
    for space, grid in grids.items():
        _checks.one_of("space", space, SPACES)
        for params in _checks.sequence(f"grids[{space!r}]", grid, "dicts of estimator settings"):
            start = time.perf_counter()
            estimator = fit(kind, train_y, space, alpha, **params)
            elapsed = time.perf_counter() - start
            bits = bits_per_dim(log_prob_y(estimator, val_y, space, alpha), val_y.shape[1], LEVELS)
            results.append(BaselineResult(kind, space, dict(params), bits, elapsed, estimator=estimator))
    results.sort(key=lambda r: r.validation_bits if np.isfinite(r.validation_bits) else np.inf)
    best, test_y = results[0], dequantized_part(data, "test")
    best.test_bits = bits_per_dim(log_prob_y(best.estimator, test_y, best.space, alpha), test_y.shape[1], LEVELS)
    return results
