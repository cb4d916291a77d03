"""Shared code of the normalizing-flows course: builders, data, metrics, training, plotting.

Importing this package first keeps TensorFlow's start-up log lines (CUDA probing, oneDNN
notices) out of notebook outputs: it sets TensorFlow's log level and imports TensorFlow
with the process's stderr silenced, once.
"""
import contextlib
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


@contextlib.contextmanager
def _silenced_stderr():
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
    import tensorflow as tf  # noqa: E402
    import tensorflow_probability as tfp  # noqa: E402

    tf.constant(0.0) + 0.0  # the first op prints device-probing lines: keep them silent too

tf.get_logger().setLevel("ERROR")

__all__ = ["tf", "tfp"]
