"""One line of live progress that rewrites itself, in Jupyter and in scripts alike.

`LiveLine` is the line itself; `live_line()` turns what a block prints (say, a trainer's
`report_every` lines) into updates of one such line.

In a Jupyter kernel the line is a text display with a display id: each `update` replaces it in place
(an `update_display_data` message), so a notebook saved after the run stores one output, the final
line, and nothing on stderr, no widget state. Outside a kernel (scripts, tests) the updates are not
printed unless `echo=True`; `close` prints the final line either way. (nbval does not apply display
updates: it sees the first text only, so a cell with a live line is one whose output it ignores anyway,
as every cell that prints timings is.)
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from typing import Any

from course_utils import _checks


def _kernel_display() -> Any | None:
    """IPython's display function when running in a Jupyter kernel, else None."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with the course's requirements
        return None
    shell = get_ipython()
    return display if shell is not None and getattr(shell, "kernel", None) is not None else None


class _Text:
    """A display object that shows as plain text only."""

    def __init__(self, text: str):
        self.text = text

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text)

    def __repr__(self) -> str:
        return self.text


class LiveLine:
    """A line of text that each `update` rewrites in place; `close` leaves the final text."""

    def __init__(self, text: str = "", echo: bool = False):
        self.text = str(text)
        self.echo = bool(echo)
        self.closed = False
        self._stdout = sys.stdout  # where the lines go outside a kernel, even if stdout is redirected later
        display = _kernel_display()
        self._handle = display(_Text(self.text), display_id=True) if display is not None else None
        if self._handle is None and self.echo and self.text:
            print(self.text, file=self._stdout, flush=True)

    def update(self, text: str) -> None:
        """Show `text` in place of the current line."""
        if self.closed:
            raise RuntimeError("this progress line is closed: make a new LiveLine")
        self.text = str(text)
        if self._handle is not None:
            self._handle.update(_Text(self.text))
        elif self.echo:
            print(self.text, file=self._stdout, flush=True)

    def close(self, text: str | None = None) -> None:
        """Show the final text (the current one when None); outside a kernel, print it."""
        if text is not None:
            self.text = str(text)
        if self._handle is not None:
            self._handle.update(_Text(self.text))
        else:
            print(self.text, file=self._stdout, flush=True)
        self.closed = True


class _Printed(io.TextIOBase):
    """A text stream that shows each complete line printed to it as the new text of a LiveLine."""

    def __init__(self, line: LiveLine):
        super().__init__()
        self.line = line
        self._pending = ""

    def writable(self) -> bool:
        """Always writable: print() writes here."""
        return True

    def write(self, text: str) -> int:
        """Buffer `text`; show every complete, non-blank line."""
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if line.strip():
                self.line.update(" ".join(line.split()))
        return len(text)


class _Block:
    """What `live_line()` yields: `finish(text)` ends the progress with the one line that stays."""

    def __init__(self, line: LiveLine):
        self.line = line

    def finish(self, text: str) -> None:
        """End the progress with `text`, the line kept in the cell's output."""
        self.line.close(_checks.instance("text", text, str, "the final line to keep, a string"))


@contextlib.contextmanager
def live_line() -> Iterator[_Block]:
    """Show each line the block prints in place of the last; call `finish(text)` on what it yields to keep one line.

    A block left without `finish` (or by an error) keeps the last line printed.
    """
    line = LiveLine()
    try:
        with contextlib.redirect_stdout(_Printed(line)):
            yield _Block(line)
    finally:
        if not line.closed and line.text:
            line.close()
