"""2-D toy densities for the course: samples, fresh draws and the exact log density.

Every dataset is drawn in its own "raw" coordinates and, by default, standardized the way the
tutorial does it (sklearn's StandardScaler fitted on the drawn points). `ToyData` keeps that
standardization so that fresh draws (`sample`) and the true density (`log_prob`) live in the
same coordinates as `x`, which is what a flow trained on `x` models.

The noisy datasets (two moons, circles, eight Gaussians) are mixtures of isotropic Gaussians
N(c, noise^2 I): for the curves the centres c run along the curve, and the integral over the
curve parameter is done by the midpoint rule with a few thousand nodes, fine enough compared
with `noise` that the quadrature error is far below anything a flow could resolve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import partial

import numpy as np
from sklearn.datasets import make_circles, make_moons
from sklearn.preprocessing import StandardScaler

from course_utils import _checks

DATASETS: tuple[str, ...] = ("two_moons", "circles", "eight_gaussians", "checkerboard", "pinwheel")

RawSampler = Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray | None]]
RawLogProb = Callable[[np.ndarray], np.ndarray]

_CIRCLES_FACTOR = 0.5  # radius of the inner circle; the outer one has radius 1
_EIGHT_GAUSSIANS_RADIUS = 2.0
_CHECKERBOARD_SIZE = 4  # squares per side, each of side 1, on [-2, 2]^2
_PINWHEEL_ARMS = 5
_PINWHEEL_RADIAL_STD = 0.3
_PINWHEEL_RATE = 0.25
MIN_NOISE = 1e-3  # thinner curves need too many quadrature nodes for their exact log_prob
_MIN_NODES_PER_CURVE = 2048
_NODES_PER_NOISE_WIDTH = 20  # quadrature nodes per `noise` of arc length, at least
_CHUNK_ELEMENTS = 2**18  # (points, centres) blocks of 2 MB: small, and fastest (cache-sized)
_NEGLIGIBLE_EXPONENT = -50.0  # e^-50 = 2e-22: a million such terms change the sum by < 1e-15


@dataclass(frozen=True, eq=False)
class ToyData:
    """A drawn 2-D toy dataset, its standardization, and its true distribution."""

    name: str
    x: np.ndarray
    labels: np.ndarray | None
    mean: np.ndarray
    scale: np.ndarray
    noise: float
    seed: int
    _sample_raw: RawSampler = field(repr=False, compare=False)
    _log_prob_raw: RawLogProb | None = field(repr=False, compare=False)

    def __eq__(self, other: object) -> bool:
        """Equal when every public field is equal, arrays compared element by element."""
        if not isinstance(other, ToyData):
            return NotImplemented
        return all(np.array_equal(getattr(self, f.name), getattr(other, f.name)) for f in fields(self) if f.compare)

    def sample(self, n: int, seed: int) -> np.ndarray:
        """Draw n fresh float32 points of the same distribution, in the same coordinates as `x`."""
        n = _checks.positive_int("n", n, maximum=_checks.MAX_POINTS)
        seed = _checks.seed("seed", seed)
        raw, _ = self._sample_raw(n, np.random.default_rng(seed))
        return ((raw - self.mean) / self.scale).astype(np.float32)

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        """Return the exact log density of the points x (shape (n, 2), coordinates of `x`)."""
        if self._log_prob_raw is None:
            raise NotImplementedError(
                f"{self.name} has no tractable density (no closed form, no cheap quadrature), "
                "so its log_prob, and the entropy that needs it, are unavailable"
            )
        _checks.points("x", x, 2)
        standardized = np.asarray(x, dtype=np.float64)
        # x_std = (x_raw - mean) / scale, so p_std(x_std) = p_raw(x_raw) * prod(scale).
        return self._log_prob_raw(standardized * self.scale + self.mean) + np.sum(np.log(self.scale))

    def split(self, validation_fraction: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
        """Return (train, validation): validation is the last fraction of rows, as Keras' validation_split."""
        validation_fraction = _checks.fraction("validation_fraction", validation_fraction)
        train, validation = split_rows(self.x, validation_fraction, "validation_fraction")
        if validation is None:
            raise ValueError(
                f"validation_fraction={validation_fraction} leaves an empty validation set "
                f"for {len(self.x)} points; use more points or a fraction nearer 0.5"
            )
        return train, validation


def split_rows(
    x: np.ndarray, validation_fraction: float, name: str = "validation_split"
) -> tuple[np.ndarray, np.ndarray | None]:
    """Split off the last `validation_fraction` of the rows as validation (None if no row), as Keras does."""
    n_train = int(np.floor(len(x) * (1.0 - validation_fraction)))  # Keras's own formula
    if n_train == 0:
        raise ValueError(
            f"{name}={validation_fraction} leaves no training rows of {len(x)}; "
            "use more points or a smaller validation fraction"
        )
    if n_train == len(x):
        return x, None
    return x[:n_train], x[n_train:]


def two_moons(n: int = 1000, noise: float = 0.05, seed: int = 0, standardize: bool = True) -> ToyData:
    """Two interleaving half circles (sklearn's make_moons); labels tell which moon (0 outer, 1 inner)."""
    n, noise, seed = _check_common(n, noise, seed)
    raw, labels = make_moons(n_samples=n, noise=noise, random_state=seed)
    nodes = _node_count(np.pi, noise)  # each moon is a half circle of radius 1
    centres = np.concatenate(
        [
            _curve_nodes(_outer_moon, np.pi, nodes),
            _curve_nodes(_inner_moon, np.pi, nodes),
        ]
    )
    return _make_toy_data(
        "two_moons",
        raw,
        labels,
        noise,
        seed,
        standardize,
        sample_raw=partial(_sample_two_moons, noise=noise),
        log_prob_raw=partial(_isotropic_mixture_log_prob, centres=centres, noise=noise),
    )


def circles(n: int = 1000, noise: float = 0.05, seed: int = 0, standardize: bool = True) -> ToyData:
    """Two concentric circles, radii 1 and 0.5 (sklearn's make_circles); labels 0 outer, 1 inner."""
    n, noise, seed = _check_common(n, noise, seed)
    raw, labels = make_circles(n_samples=n, noise=noise, random_state=seed, factor=_CIRCLES_FACTOR)
    # Both circles get the node count of the longer, outer one (length 2 pi): all centres weigh the same.
    nodes = _node_count(2 * np.pi, noise)
    centres = np.concatenate(
        [
            _curve_nodes(_outer_circle, 2 * np.pi, nodes),
            _curve_nodes(_inner_circle, 2 * np.pi, nodes),
        ]
    )
    return _make_toy_data(
        "circles",
        raw,
        labels,
        noise,
        seed,
        standardize,
        sample_raw=partial(_sample_circles, noise=noise),
        log_prob_raw=partial(_isotropic_mixture_log_prob, centres=centres, noise=noise),
    )


def eight_gaussians(n: int = 1000, noise: float = 0.1, seed: int = 0, standardize: bool = True) -> ToyData:
    """Eight Gaussians of std `noise` evenly spaced on a circle of radius 2; labels tell the component."""
    n, noise, seed = _check_common(n, noise, seed)
    sample_raw = partial(_sample_eight_gaussians, noise=noise)
    raw, labels = sample_raw(n, np.random.default_rng(seed))
    return _make_toy_data(
        "eight_gaussians",
        raw,
        labels,
        noise,
        seed,
        standardize,
        sample_raw=sample_raw,
        log_prob_raw=partial(_isotropic_mixture_log_prob, centres=_eight_gaussian_centres(), noise=noise),
    )


def checkerboard(n: int = 1000, noise: float = 0.0, seed: int = 0, standardize: bool = True) -> ToyData:
    """Uniform on the 8 black squares of a 4x4 checkerboard on [-2, 2]^2; has no noise, so noise must be 0."""
    n = _checks.positive_int("n", n, maximum=_checks.MAX_POINTS)
    if noise != 0:
        raise ValueError(f"noise must be 0 for checkerboard (its points are uniform on the squares), got {noise!r}")
    seed = _checks.seed("seed", seed)
    raw, _ = _sample_checkerboard(n, np.random.default_rng(seed))
    return _make_toy_data(
        "checkerboard",
        raw,
        None,
        0.0,
        seed,
        standardize,
        sample_raw=_sample_checkerboard,
        log_prob_raw=_checkerboard_log_prob,
    )


def pinwheel(n: int = 1000, noise: float = 0.1, seed: int = 0, standardize: bool = True) -> ToyData:
    """The classic 5-arm pinwheel; noise is the arms' tangential std; labels tell the arm; no log_prob."""
    n, noise, seed = _check_common(n, noise, seed)
    sample_raw = partial(_sample_pinwheel, noise=noise)
    raw, labels = sample_raw(n, np.random.default_rng(seed))
    return _make_toy_data("pinwheel", raw, labels, noise, seed, standardize, sample_raw=sample_raw, log_prob_raw=None)


_CONSTRUCTORS: dict[str, Callable[..., ToyData]] = {
    "two_moons": two_moons,
    "circles": circles,
    "eight_gaussians": eight_gaussians,
    "checkerboard": checkerboard,
    "pinwheel": pinwheel,
}


def load(name: str, **kwargs) -> ToyData:
    """Build the dataset called `name` (one of DATASETS), passing kwargs to its constructor."""
    return _CONSTRUCTORS[_checks.one_of("name", name, DATASETS)](**kwargs)


def _check_common(n: int, noise: float, seed: int) -> tuple[int, float, int]:
    """Validate the arguments every noisy constructor takes."""
    n = _checks.positive_int("n", n, maximum=_checks.MAX_POINTS)
    noise = _checks.positive_float("noise", noise)
    if noise < MIN_NOISE:
        raise ValueError(
            f"noise must be at least {MIN_NOISE}, got {noise}: the exact density of a thinner curve would need "
            f"{_node_count(2 * np.pi, noise):,} quadrature nodes (too much memory)"
        )
    return n, noise, _checks.seed("seed", seed)


def _make_toy_data(
    name: str,
    raw: np.ndarray,
    labels: np.ndarray | None,
    noise: float,
    seed: int,
    standardize: bool,
    sample_raw: RawSampler,
    log_prob_raw: RawLogProb | None,
) -> ToyData:
    """Standardize the raw points (or not) and wrap everything in a ToyData."""
    if standardize:
        scaler = StandardScaler().fit(raw)
        x, mean, scale = scaler.transform(raw), scaler.mean_, scaler.scale_
    else:
        x, mean, scale = raw, np.zeros(2), np.ones(2)
    return ToyData(
        name=name,
        x=x.astype(np.float32),
        labels=labels,
        mean=mean,
        scale=scale,
        noise=noise,
        seed=seed,
        _sample_raw=sample_raw,
        _log_prob_raw=log_prob_raw,
    )


# --- curves and samplers (raw coordinates) ---------------------------------------------------


def _outer_moon(t: np.ndarray) -> np.ndarray:
    """Points of the upper moon at parameters t in [0, pi], as make_moons draws them."""
    return np.stack([np.cos(t), np.sin(t)], axis=-1)


def _inner_moon(t: np.ndarray) -> np.ndarray:
    """Points of the lower moon at parameters t in [0, pi], as make_moons draws them."""
    return np.stack([1 - np.cos(t), 1 - np.sin(t) - 0.5], axis=-1)


def _outer_circle(t: np.ndarray) -> np.ndarray:
    """Points of the unit circle at angles t."""
    return np.stack([np.cos(t), np.sin(t)], axis=-1)


def _inner_circle(t: np.ndarray) -> np.ndarray:
    """Points of the inner circle (radius 0.5, as make_circles with factor 0.5) at angles t."""
    return _CIRCLES_FACTOR * _outer_circle(t)


def _sample_two_curves(
    n: int, rng: np.random.Generator, noise: float, curves: tuple[Callable, Callable], t_max: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pick one of two curves with probability 1/2, t ~ U(0, t_max) on it, add N(0, noise^2 I)."""
    labels = rng.integers(0, 2, n)
    t = rng.uniform(0.0, t_max, n)
    on_curve = np.where(labels[:, None] == 0, curves[0](t), curves[1](t))
    return on_curve + rng.normal(scale=noise, size=(n, 2)), labels


def _sample_two_moons(n: int, rng: np.random.Generator, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Draw n raw two-moons points and their moon labels, as make_moons does but with random t."""
    return _sample_two_curves(n, rng, noise, (_outer_moon, _inner_moon), np.pi)


def _sample_circles(n: int, rng: np.random.Generator, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Draw n raw circles points and their circle labels, as make_circles does but with random angles."""
    return _sample_two_curves(n, rng, noise, (_outer_circle, _inner_circle), 2 * np.pi)


def _eight_gaussian_centres() -> np.ndarray:
    """The 8 component means, at angles k * pi / 4 on the circle of radius 2."""
    return _EIGHT_GAUSSIANS_RADIUS * _outer_circle(np.arange(8) * np.pi / 4)


def _sample_eight_gaussians(n: int, rng: np.random.Generator, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Draw n raw points of the eight-Gaussian mixture and their component labels."""
    labels = rng.integers(0, 8, n)
    return _eight_gaussian_centres()[labels] + rng.normal(scale=noise, size=(n, 2)), labels


def _black_square_corners() -> np.ndarray:
    """Lower-left corners of the black squares: (column + row) even on [-2, 2]^2."""
    cells = [(i, j) for i in range(_CHECKERBOARD_SIZE) for j in range(_CHECKERBOARD_SIZE) if (i + j) % 2 == 0]
    return np.array(cells) - _CHECKERBOARD_SIZE / 2


def _sample_checkerboard(n: int, rng: np.random.Generator) -> tuple[np.ndarray, None]:
    """Draw n raw checkerboard points: a black square uniformly, then a uniform point in it."""
    corners = _black_square_corners()
    return corners[rng.integers(0, len(corners), n)] + rng.uniform(size=(n, 2)), None


def _sample_pinwheel(n: int, rng: np.random.Generator, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Draw n raw pinwheel points and their arm labels (Johnson et al. 2016, as in FFJORD's toy data)."""
    labels = rng.integers(0, _PINWHEEL_ARMS, n)
    radial = rng.normal(1.0, _PINWHEEL_RADIAL_STD, n)
    tangential = rng.normal(0.0, noise, n)
    angle = 2 * np.pi * labels / _PINWHEEL_ARMS + _PINWHEEL_RATE * np.exp(radial)
    cos, sin = np.cos(angle), np.sin(angle)
    return 2 * np.stack([radial * cos + tangential * sin, -radial * sin + tangential * cos], axis=-1), labels


# --- raw log densities -----------------------------------------------------------------------


def _node_count(curve_length: float, noise: float) -> int:
    """Quadrature nodes for a curve: spacing at most noise / 20, and never fewer than 2048."""
    return max(_MIN_NODES_PER_CURVE, int(np.ceil(_NODES_PER_NOISE_WIDTH * curve_length / noise)))


def _curve_nodes(curve: Callable, t_max: float, count: int) -> np.ndarray:
    """The `count` midpoint-rule nodes of `curve` over its parameter range [0, t_max]."""
    return curve((np.arange(count) + 0.5) * t_max / count)


def _isotropic_mixture_log_prob(x: np.ndarray, centres: np.ndarray, noise: float) -> np.ndarray:
    """Log density at x of the equal-weight mixture of N(c, noise^2 I) over the centres c."""
    rows = max(1, _CHUNK_ELEMENTS // len(centres))
    out = np.empty(len(x))
    for start in range(0, len(x), rows):
        block = x[start : start + rows]
        exponents = np.subtract.outer(block[:, 0], centres[:, 0]) ** 2
        exponents += np.subtract.outer(block[:, 1], centres[:, 1]) ** 2
        exponents *= -0.5 / noise**2  # log of the Gaussian kernel, up to its constant
        out[start : start + rows] = _logsumexp_rows(exponents)
    return out - np.log(len(centres)) - np.log(2 * np.pi * noise**2)


def _logsumexp_rows(a: np.ndarray) -> np.ndarray:
    """log(sum(exp(a), axis=1)), overwriting `a`; negligible terms are clipped to skip slow underflow."""
    largest = np.max(a, axis=1)
    a -= largest[:, None]
    np.maximum(a, _NEGLIGIBLE_EXPONENT, out=a)
    return largest + np.log(np.sum(np.exp(a, out=a), axis=1))


def _checkerboard_log_prob(x: np.ndarray) -> np.ndarray:
    """log(1 / 8) on the black squares (total area 8), -inf elsewhere."""
    cells = np.floor(x + _CHECKERBOARD_SIZE / 2)
    inside = np.all((cells >= 0) & (cells < _CHECKERBOARD_SIZE), axis=1)
    black = inside & (np.sum(cells, axis=1) % 2 == 0)
    return np.where(black, -np.log(len(_black_square_corners())), -np.inf)
