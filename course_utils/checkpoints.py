"""Saving a trained flow and restoring it with `tf.train.Checkpoint`.

A checkpoint stores the values of a model's variables, found by walking its attributes from the
object it was saved under (here the name `flow`): the bijector, its layers, their networks. To
restore, build a flow of the same architecture, then read the checkpoint into it under the same
name; the values replace the freshly initialised ones. Nothing matching (another name, another
architecture) is no error by default: `restore_flow` asks the checkpoint to confirm that every
variable of the new flow got a value, and says which did not.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from course_utils import _checks
from course_utils._tf import tf, tfd

SAVED_AS = "flow"  # the name a flow is saved under: restore under the same name


def _distribution(name: str, value: object) -> tfd.Distribution:
    """Return `value` if it is a tfp distribution with variables, or raise."""
    _checks.instance(name, value, tfd.Distribution, "a tfp distribution (e.g. builders.make_flow(...))")
    if not value.trainable_variables:
        raise ValueError(f"{name} has no trainable variables: there is nothing to save or restore")
    return value


def _path(name: str, value: object) -> str:
    """Return `value` as a path string, or raise."""
    if not isinstance(value, (str, os.PathLike)) or not str(value):
        raise TypeError(f"{name} must be a path (a string or pathlib.Path), got {value!r}")
    return str(value)


def save_flow(flow: tfd.Distribution, prefix: str | os.PathLike) -> str:
    """Write the flow's variables to a checkpoint at `prefix` (files prefix.index, prefix.data-...); return its path."""
    flow = _distribution("flow", flow)
    prefix = _path("prefix", prefix)
    Path(prefix).parent.mkdir(parents=True, exist_ok=True)
    return tf.train.Checkpoint(**{SAVED_AS: flow}).write(prefix)


def _check_checkpoint(path: str) -> None:
    """Raise FileNotFoundError naming `path` when no checkpoint is there."""
    if not Path(path + ".index").is_file():
        raise FileNotFoundError(
            f"path {path!r} holds no checkpoint ({path}.index is missing): give the path save_flow returned"
        )


def restore_flow(build_flow: Callable[[], tfd.Distribution], path: str | os.PathLike) -> tfd.Distribution:
    """Build a fresh flow with `build_flow()`, read the checkpoint at `path` into it, and return it.

    Raises if some variable of the new flow found no value in the checkpoint (another
    architecture, or a checkpoint saved under another name than 'flow').
    """
    if not callable(build_flow):
        raise TypeError(f"build_flow must be a function that builds the flow, got {type(build_flow).__name__}")
    path = _path("path", path)
    _check_checkpoint(path)
    flow = _distribution("build_flow()", build_flow())
    try:
        status = tf.train.Checkpoint(**{SAVED_AS: flow}).read(path)
    except ValueError as error:  # a variable of another shape: TF names it, we say what to do
        raise ValueError(
            f"the checkpoint at {path!r} does not fit the flow build_flow() built ({error}). Build the same "
            "architecture (kind, sizes, layers) as the flow that was saved."
        ) from error
    try:
        status.assert_existing_objects_matched()
    except AssertionError as error:
        raise ValueError(
            f"the checkpoint at {path!r} does not fit the flow build_flow() built: some of its variables got no "
            "value. Build the same architecture (kind, sizes, layers) as the flow that was saved."
        ) from error
    status.expect_partial()  # the optimizer's state, if it was saved too, is not needed
    return flow


def saved_variables(path: str | os.PathLike) -> list[tuple[str, tuple[int, ...]]]:
    """Return (object-graph path, shape) of every variable saved under `flow` in the checkpoint at `path`."""
    path = _path("path", path)
    _check_checkpoint(path)
    suffix = "/.ATTRIBUTES/VARIABLE_VALUE"
    return [
        (name.removesuffix(suffix), tuple(shape))
        for name, shape in tf.train.list_variables(path)
        if name.startswith(SAVED_AS + "/") and name.endswith(suffix)
    ]
