"""Looking inside a flow: the samples after each stage, Jacobians, unchanged dimensions, parameter counts."""

from __future__ import annotations

import numpy as np

from course_utils import _checks
from course_utils._tf import ChainBase, tf, tfb


def forward_stages(chain: tfb.Chain, z: tf.Tensor | np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Return [(name, samples)] after each bijector of `chain`, starting with the input `z`."""
    _checks.instance("chain", chain, ChainBase, "a tfp.bijectors.Chain")
    x = tf.constant(_checks.event_points("z", z, "chain", chain))
    stages = [("base", x.numpy())]
    for bijector in reversed(chain.bijectors):  # the last listed acts first
        x = bijector.forward(x)
        stages.append((bijector.name, x.numpy()))
    return stages


def unchanged_dims(bijector: tfb.Bijector, x: tf.Tensor | np.ndarray) -> np.ndarray:
    """Return one bool per dimension: True where `bijector.forward` leaves that column of x exactly as it was."""
    _checks.bijector("bijector", bijector)
    x = _checks.event_points("x", x, "bijector", bijector)
    y = np.asarray(bijector.forward(tf.constant(x)))
    if y.shape != x.shape:
        raise ValueError(f"bijector.forward must keep the shape of x {x.shape}, got {y.shape}")
    return np.all(y == x, axis=0)


def jacobian(bijector: tfb.Bijector, x: tf.Tensor | np.ndarray) -> np.ndarray:
    """Return the (n, D, D) Jacobians d forward(x)_i / d x_j at each row of x, by automatic differentiation."""
    _checks.bijector("bijector", bijector)
    x = tf.constant(_checks.event_points("x", x, "bijector", bijector))
    with tf.GradientTape(persistent=True) as tape:  # persistent + no pfor: a loop over D outputs, fast for small D
        tape.watch(x)
        y = bijector.forward(x)
    if y.shape != x.shape:
        raise ValueError(f"bijector.forward must keep the shape of x {tuple(x.shape)}, got {tuple(y.shape)}")
    return tape.batch_jacobian(y, x, experimental_use_pfor=False).numpy()


def stage_jacobians(chain: tfb.Chain, z: tf.Tensor | np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Return [(name, (n, D, D) Jacobians)] of each bijector of `chain` at its own input, in the order they act."""
    _checks.instance("chain", chain, ChainBase, "a tfp.bijectors.Chain")
    x = _checks.event_points("z", z, "chain", chain)
    jacobians = []
    for bijector in reversed(chain.bijectors):  # the last listed acts first
        jacobians.append((bijector.name, jacobian(bijector, x)))
        x = np.asarray(bijector.forward(tf.constant(x)))
    return jacobians


def count_parameters(model: tf.Module) -> int:
    """Return the number of trainable scalars of a distribution, bijector or network."""
    if not hasattr(model, "trainable_variables"):
        raise TypeError(
            "model must be a tfp distribution, bijector or tf.Module with trainable_variables, "
            f"got {type(model).__name__}"
        )
    return int(sum(np.prod(variable.shape) for variable in model.trainable_variables))
