"""Short, readable text for the checker's messages: summaries of any value, and errors reduced to the learner's line.

Nothing here may raise on a strange value: a summary that fails falls back to the value's type name.
TensorFlow-free on purpose: tensors, distributions and bijectors are recognised by what they offer.
"""

from __future__ import annotations

import linecache
import re
import sysconfig
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

MAX_LINES = 15
MAX_CHARS = 1000
MAX_LINE_CHARS = 400
_SUMMARY_CHARS = 160
_COURSE_DIR = str(Path(__file__).resolve().parents[1])
_LIBRARY_DIRS = tuple(
    str(Path(p).resolve())
    for p in {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
)
_USER_CODE_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>\S+)')
_NOTEBOOK_CELL = re.compile(r"ipykernel_\d+|<ipython-input-")
_TF_NOISE = (
    (re.compile(r"\{\{function_node [^}]*\}\}\s*"), ""),  # eager op errors start with the op's internal name
    (re.compile(r" for '\{\{node [^']*'"), ""),  # graph errors name the internal node
    (re.compile(r"\s*name:\s*$"), ""),  # eager op errors end with an empty "name: "
)


def shorten(text: str, limit: int) -> str:
    """Return text cut to at most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _one_line(text: str) -> str:
    """Collapse every run of whitespace (newlines included) to one space."""
    return " ".join(text.split())


def _array_text(array: np.ndarray, container: str = "") -> str:
    """A few values of a numeric array, its shape and its dtype (unless float64), or its container ('list')."""
    text = shorten(_one_line(np.array2string(array, precision=4, threshold=8, edgeitems=3, separator=", ")), 100)
    if array.ndim == 0:
        return text
    dtype = f"{container}, " if container else ("" if array.dtype == np.float64 else f"{array.dtype}, ")
    return f"{text} ({dtype}shape {array.shape})"


def _tensor_text(value: Any) -> str:
    """A TensorFlow tensor or variable: its values when it has any, else its dtype and shape."""
    kind = "tf.Variable" if "Variable" in type(value).__name__ else "tf.Tensor"
    dtype = getattr(getattr(value, "dtype", None), "name", "?")
    try:
        values = np.asarray(value.numpy())
    except Exception:  # a symbolic tensor (from inside tf.function or Keras): no values to show
        return f"a symbolic {kind} ({dtype}, shape {value.shape}) with no values: was it made inside tf.function?"
    return f"{kind} {_array_text(values)}" + ("" if values.ndim else f" ({dtype})")


def _tfp_prefix(value: Any) -> str:
    """'tfd.' or 'tfb.' for TFP's distributions and bijectors, else ''."""
    module = type(value).__module__
    if module.startswith("tensorflow_probability.python.distributions"):
        return "tfd."
    return "tfb." if module.startswith("tensorflow_probability.python.bijectors") else ""


def _named_object_text(value: Any) -> str | None:
    """A distribution, bijector, module or function by class and name, or None for other values."""
    if isinstance(value, type):
        return f"the class {value.__name__} itself (call it, or return an instance)"
    name = shorten(str(getattr(value, "name", "") or ""), 40)
    cls = _tfp_prefix(value) + type(value).__name__.lstrip("_")
    if hasattr(value, "log_prob") and hasattr(value, "event_shape"):
        batch = "" if str(value.batch_shape) in ("()", "[]") else f", batch_shape={value.batch_shape}"
        return f"{cls}({name!r}{batch}, event_shape={value.event_shape})"
    if hasattr(value, "forward") and hasattr(value, "inverse"):
        return f"{cls}({name!r})"
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        return f"function {getattr(value, '__qualname__', name)}"
    if callable(value) and not hasattr(value, "shape"):
        return name or getattr(value, "__name__", None) or type(value).__name__
    return None


def _container_text(value: Any) -> str | None:
    """A tuple, list, dict, set or generator by its parts, or None for other values."""
    if isinstance(value, (types.GeneratorType, map, filter, zip)):
        return f"a {type(value).__name__} (nothing computed yet: return a list, an array or a tensor, not a generator)"
    if isinstance(value, dict):
        keys = ", ".join(shorten(repr(k), 20) for k in list(value)[:5]) + (", ..." if len(value) > 5 else "")
        return f"a dict with {len(value)} key(s): {{{keys}}}"
    if isinstance(value, (set, frozenset)):
        return f"a {type(value).__name__} of {len(value)} item(s)"
    if isinstance(value, tuple) or (isinstance(value, list) and _numeric(value) is None):
        parts = ", ".join(summarize(part, 60) for part in value[:4]) + (", ..." if len(value) > 4 else "")
        return f"({parts})" if isinstance(value, tuple) else f"a list of {len(value)} item(s): [{parts}]"
    return None


def _numeric(value: Any) -> np.ndarray | None:
    """The value as a numeric NumPy array (bool, int, float, complex), or None if it is not one."""
    try:
        array = np.asarray(value)
    except Exception:  # a ragged list, or an object that refuses conversion
        return None
    return array if array.dtype.kind in "biufc" else None


def _summary(value: Any) -> str:
    """The summary of `value`, which may raise: `summarize` guards it."""
    if value is None:
        return "None (did the function forget to `return` its result?)"
    if isinstance(value, (str, bytes)):
        return shorten(repr(value), 60)
    if type(value).__module__.startswith(("tensorflow.", "keras", "tf_keras")) and hasattr(value, "dtype"):
        return _tensor_text(value)
    text = _named_object_text(value) or _container_text(value)
    if text is not None:
        return text
    array = _numeric(value)
    if array is not None:
        return _array_text(array, "list" if isinstance(value, list) else "")
    if isinstance(value, np.ndarray):
        return f"an array of {value.dtype} (shape {value.shape}), not numbers"
    return f"a {type(value).__name__}: {_one_line(repr(value))}"


def summarize(value: Any, limit: int = _SUMMARY_CHARS) -> str:
    """One short line saying what a value is: type, name, shape and a few values; never raises."""
    try:
        text = _summary(value)
    except Exception:
        text = f"a {type(value).__name__} object"
    return shorten(_one_line(text), limit)


def kind(value: Any) -> str:
    """What sort of value it is, without its values: 'a float64 array of shape (5,)', 'an int'."""
    try:
        if value is None:
            return "None"
        if type(value).__module__.startswith("tensorflow.") and hasattr(value, "dtype"):
            return f"a tf.Tensor of {value.dtype.name} with shape {tuple(value.shape)}"
        if isinstance(value, np.ndarray):
            return f"a {value.dtype} array of shape {value.shape}"
        if isinstance(value, tuple):
            return f"a tuple of {len(value)} value(s): ({', '.join(kind(v) for v in value[:3])})"
        name = type(value).__name__
        return f"an {name}" if name[:1] in "aeiou" else f"a {name}"
    except Exception:
        return f"a {type(value).__name__}"


def _is_learner_file(filename: str) -> bool:
    """True for a file the learner wrote: not the course's, not a library's or Python's, not generated."""
    if filename.startswith("<frozen") or "__autograph_generated_file" in filename:
        return False
    path = str(Path(filename).resolve()) if not filename.startswith("<") else filename
    return not path.startswith((_COURSE_DIR, *_LIBRARY_DIRS))


def _where(filename: str, line: int, source: str) -> str:
    """'line 6 of your cell: <source>' for a notebook cell, else 'file.py, line 6: <source>'."""
    place = f"line {line} of your cell" if _NOTEBOOK_CELL.search(filename) else f"{Path(filename).name}, line {line}"
    return f"{place}: {source.strip()}" if source.strip() else place


def _user_code_frames(text: str) -> Iterator[tuple[str, int, str]]:
    """(file, line, source) of each frame that a tf.function error lists under 'in user code:'."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        match = _USER_CODE_FRAME.match(line)
        if match:
            source = lines[number + 1] if number + 1 < len(lines) else ""
            yield match["file"], int(match["line"]), source


def _traceback_frames(error: BaseException) -> Iterator[tuple[str, int, str]]:
    """(file, line, source) of each frame of the error's traceback, outermost first."""
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        yield filename, tb.tb_lineno, linecache.getline(filename, tb.tb_lineno)
        tb = tb.tb_next


def learner_line(error: BaseException) -> str | None:
    """Where in the learner's own code the error arose ('line 6 of your cell: ...'), or None if unknown."""
    frames = _user_code_frames(str(error)) if _is_tf_function_error(error) else _traceback_frames(error)
    mine = [frame for frame in frames if _is_learner_file(frame[0])]
    return _where(*mine[-1]) if mine else None


def _is_tf_function_error(error: BaseException) -> bool:
    """True for an error re-raised by tf.function, whose message starts 'in user code:'."""
    return str(error).lstrip().startswith("in user code:")


def error_text(error: BaseException) -> str:
    """The error's real text: the last line of a tf.function error, else the first line; TF's node names cut."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return ""
    text = lines[-1] if _is_tf_function_error(error) else lines[0]
    prefix = f"{type(error).__name__}: "
    text = text[len(prefix) :] if text.startswith(prefix) else text
    for pattern, replacement in _TF_NOISE:
        text = pattern.sub(replacement, text)
    return shorten(text, 300)


def fit(lines: list[str], max_lines: int = MAX_LINES, max_chars: int = MAX_CHARS) -> str:
    """Join message lines, keeping at most `max_lines` lines and `max_chars` characters (longest lines cut first)."""
    lines = [shorten(line.rstrip(), MAX_LINE_CHARS) for line in lines if line.strip()]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 2], "  ...", lines[-1]]
    while sum(len(line) + 1 for line in lines) - 1 > max_chars:
        longest = max(range(len(lines)), key=lambda i: len(lines[i]))
        excess = sum(len(line) + 1 for line in lines) - 1 - max_chars
        if len(lines[longest]) <= 60:
            break
        lines[longest] = shorten(lines[longest], max(len(lines[longest]) - excess, 60))
    return "\n".join(lines)
