"""Mixing between flow layers: a fixed `tfb.Permute` or a learned invertible linear map, `tfb.ScaleMatvecLU`.

A coupling or autoregressive layer transforms some coordinates given the others, so something
between the layers must change which coordinates play which part. `tfb.Permute` does it with a
fixed reordering (log-det 0). `tfb.ScaleMatvecLU` learns a full matrix W = P L U (Glow's
"invertible 1x1 convolution"): P a fixed permutation, L lower triangular with ones on its
diagonal, U upper triangular. Its log|det W| = sum_i log|U_ii| costs O(D), not the O(D^3) of a
general determinant, and its inverse is two triangular solves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from course_utils import _checks
from course_utils._tf import tf, tfb

MIXINGS = ("permute", "lu")


def random_rotation_lu(event_size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return (lower_upper, permutation): the packed LU factors of a random rotation, as `tf.linalg.lu` gives them.

    Glow initialises its 1x1 convolutions this way: a rotation has |det W| = 1, so the layer
    starts without stretching space (log-det 0) but already mixes every coordinate into every other.
    """
    event_size = _checks.event_size("event_size", event_size)
    seed = _checks.seed("seed", seed)
    gaussian = np.random.default_rng(seed).normal(size=(event_size, event_size))
    rotation, _ = np.linalg.qr(gaussian)
    lower_upper, permutation = tf.linalg.lu(tf.constant(rotation, tf.float32))
    return lower_upper.numpy(), permutation.numpy()


def make_lu_mixing(
    event_size: int, seed: int = 0, trainable: bool = True, name: str = "lu_mixing"
) -> tfb.ScaleMatvecLU:
    """Return a `tfb.ScaleMatvecLU` W = P L U on D-vectors, starting at a random rotation; L, U learned if `trainable`.

    The permutation P stays fixed (it is not differentiable): a non-trainable tf.Variable, so that
    checkpoints store it. The packed `lower_upper` matrix is a tf.Variable too, so a flow built on
    this bijector lists it among its `trainable_variables`.
    """
    trainable = _checks.boolean("trainable", trainable)
    lower_upper, permutation = random_rotation_lu(event_size, seed)
    variable = tf.Variable(lower_upper, trainable=trainable, name="lower_upper")
    # P is a variable too, never trained: a checkpoint then stores it, so a flow built with another seed restores.
    fixed = tf.Variable(permutation, trainable=False, name="permutation")
    return tfb.ScaleMatvecLU(lower_upper=variable, permutation=fixed, name=name)


def weight_matrix(bijector: tfb.ScaleMatvecLU) -> np.ndarray:
    """Return the (D, D) matrix W of a `tfb.ScaleMatvecLU`: forward(x) = W x."""
    _checks.instance("bijector", bijector, tfb.ScaleMatvecLU, "a tfb.ScaleMatvecLU (e.g. mixing.make_lu_mixing(2))")
    return tf.linalg.lu_reconstruct(bijector.lower_upper, bijector.permutation).numpy()


def lu_log_det(lower_upper: np.ndarray) -> float:
    """Return log|det W| of W = P L U from its packed `lower_upper`: the sum of log|U_ii| (L has a unit diagonal)."""
    packed = _checks.square_matrices("lower_upper", lower_upper)
    if packed.shape[0] != 1:
        raise ValueError(f"lower_upper must be one (D, D) matrix, got shape {np.shape(lower_upper)}")
    return float(np.sum(np.log(np.abs(np.diag(packed[0])))))


def make_mixer(mixing: str, event_size: int, seed: int = 0) -> tfb.Bijector:
    """Return one mixing bijector: 'permute' reverses the coordinates, 'lu' is a learned `make_lu_mixing`."""
    _checks.one_of("mixing", mixing, MIXINGS)
    event_size = _checks.event_size("event_size", event_size)
    if mixing == "permute":
        return tfb.Permute(permutation=list(reversed(range(event_size))))
    return make_lu_mixing(event_size, seed=seed)


def interleave(layers: Sequence[tfb.Bijector], mixers: Sequence[tfb.Bijector]) -> tfb.Chain:
    """Return the chain layer 1, mixer 1, layer 2, ..., last layer (in acting order): a mixer between two layers."""
    layers = [_checks.bijector(f"layers[{i}]", layer) for i, layer in enumerate(_checks.sequence("layers", layers))]
    mixers = [_checks.bijector(f"mixers[{i}]", mixer) for i, mixer in enumerate(mixers)]
    _checks.one_per("mixers", mixers, len(layers) - 1, "pair of consecutive layers")
    acting_order: list[tfb.Bijector] = [layers[0]]
    for mixer, layer in zip(mixers, layers[1:], strict=True):
        acting_order += [mixer, layer]
    return tfb.Chain(list(reversed(acting_order)))  # tfb.Chain applies the last of its list first


def make_mixed_stack(
    make_layer: Callable[[int], tfb.Bijector], num_layers: int, event_size: int, mixing: str = "permute", seed: int = 0
) -> tfb.Chain:
    """Return `num_layers` layers `make_layer(seed + k)` with a mixer of kind `mixing` between every two.

    Layer k (k = 0, 1, ...) gets seed `seed + k`, the mixer after it seed `seed + 1000 + k`.
    """
    if not callable(make_layer):
        raise TypeError(f"make_layer must be a function seed -> bijector, got {type(make_layer).__name__}")
    num_layers = _checks.positive_int("num_layers", num_layers, maximum=_checks.MAX_LAYERS)
    _checks.one_of("mixing", mixing, MIXINGS)
    seed = _checks.seed("seed", seed)
    layers = [make_layer((seed + k) % (_checks.MAX_SEED + 1)) for k in range(num_layers)]
    mixers = [make_mixer(mixing, event_size, (seed + 1000 + k) % (_checks.MAX_SEED + 1)) for k in range(num_layers - 1)]
    return interleave(layers, mixers)
