"""TensorFlow, imported once and quietly: every module of the course that uses TF imports it from here.

TensorFlow prints C++ log lines (CUDA probing, oneDNN notices) on stderr at import and at its
first op. nbval fails a cell whose stored output has stderr, so the course sets TF's log level
and imports TensorFlow with file descriptor 2 sent to /dev/null, once per process.
"""

import contextlib
import os
import sys
from collections.abc import Iterator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


@contextlib.contextmanager
def _silenced_stderr() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for the duration of the block."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


with _silenced_stderr():
    import tensorflow as tf
    import tensorflow_probability as tfp
    import tf_keras
    from tensorflow_probability.python.bijectors.chain import _Chain as ChainBase

    tf.constant(0.0) + 0.0  # the first op prints device-probing lines: keep them silent too

tf.get_logger().setLevel("ERROR")

# tfb.Chain(...) returns a plain `_Chain` (the base class of tfb.Chain) when any of its bijectors
# is not a CompositeTensor, as every layer with a Keras or tf.Module network is: `ChainBase` covers both.
tfb = tfp.bijectors
tfd = tfp.distributions

__all__ = ["ChainBase", "tf", "tf_keras", "tfb", "tfd", "tfp"]
