"""How a failed check looks in Jupyter: `ExerciseFailed: <message>`, with no traceback of the course's code.

`install` registers IPython's custom exception display for `ExerciseFailed` when the checker is
imported inside IPython. The handler still sends the cell's `error` output (ename `ExerciseFailed`,
evalue the message) through the shell's own `_showtraceback`, so nbval and the course's pytest plugin
find wrong answers as before; only the traceback it carries is replaced by the one-line header.
IPython has a single slot for custom handlers: if another tool holds it, `install` leaves it alone and
the exception's `_render_traceback_` (see `render`) gives the same display through IPython's usual path.
"""

from __future__ import annotations

import sys
from typing import Any

_RED, _RESET = "\x1b[0;31m", "\x1b[0m"


def render(error: BaseException) -> list[str]:
    """The structured traceback IPython shows for a failed check: the exception's name and its message."""
    return [f"{_RED}{type(error).__name__}{_RESET}: {error}"]


def _show(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> list[str]:
    """IPython's custom handler: show the short form, as an `error` output like any other exception."""
    stb = render(value)
    shell._showtraceback(etype, value, stb)
    return stb


def _owned_by_us(handled: tuple, exception_type: type) -> bool:
    """True when the custom slot is free or holds (a reloaded copy of) our exception class."""
    return all(getattr(cls, "__qualname__", "") == exception_type.__qualname__ for cls in handled)


def install(exception_type: type) -> bool:
    """Register the short display of `exception_type` in the running IPython shell; False outside IPython."""
    ipython = sys.modules.get("IPython")  # never import IPython: outside it there is nothing to register
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is None or not hasattr(shell, "set_custom_exc") or not hasattr(shell, "_showtraceback"):
        return False
    if not _owned_by_us(tuple(getattr(shell, "custom_exceptions", ())), exception_type):
        return False
    shell.set_custom_exc((exception_type,), _show)
    return True
