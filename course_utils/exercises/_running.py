"""Running a learner's answer on one case: on copies of the inputs, with its printing capped and a time limit.

How the time limit is enforced: a signal cannot interrupt a running TensorFlow op (and signals reach
only the main thread), so the answer runs in a daemon worker thread and the checker waits for it on
an event. After `notice_s` it prints which case is running; after `limit_s` it stops waiting and
reports the timeout right away. The worker cannot be killed: it keeps running in the background
until its current op (or its loop) returns, and its result is thrown away. TensorFlow's eager ops
are thread-safe, so the checker's own TF work can go on meanwhile.

How printing is captured: `sys.stdout` is swapped, for the duration of one check, for a router that
sends what the *worker thread* writes to a line-capped printer and lets every other thread's output
through unchanged. Capture is per call (per worker thread), not global: the notice line, pytest's
capture and other threads are untouched. A worker that outlives its check prints to the real stdout.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np


def copy_arguments(value: Any) -> Any:
    """A copy of NumPy arrays and plain containers (list, tuple, dict, set), recursively; other values as they are.

    Tensors are immutable; tf.Variables, bijectors, distributions, optimizers and counters are shared on
    purpose (several checks compare what the answer did to them), so they are never deep-copied.
    """
    if isinstance(value, np.ndarray):
        return value.copy()
    if type(value) is list:
        return [copy_arguments(item) for item in value]
    if type(value) is dict:
        return {key: copy_arguments(item) for key, item in value.items()}
    if type(value) is tuple:
        return tuple(copy_arguments(item) for item in value)
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple
        return type(value)(*(copy_arguments(item) for item in value))
    if type(value) is set:
        return set(value)
    return value


class CappedPrinter:
    """Text from the answer's threads: the first `max_lines` lines pass through, the rest are counted."""

    def __init__(self, target: TextIO, max_lines: int):
        self.target = target
        self.max_lines = max_lines
        self.shown = 0
        self.hidden = 0
        self._partial = False  # the hidden text ends inside a line
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        """Pass text through while under the line cap; count the lines beyond it."""
        length = len(text)
        with self._lock:
            while text and self.shown < self.max_lines:
                head, newline, text = text.partition("\n")
                self.target.write(head + newline)
                self.shown += bool(newline)
            if text:
                self.hidden += text.count("\n")
                self._partial = not text.endswith("\n")
        return length

    def flush(self) -> None:
        """Flush the real stdout."""
        self.target.flush()

    def close(self) -> None:
        """Say how many printed lines were hidden, if any."""
        hidden = self.hidden + self._partial
        if hidden:
            self.target.write(f"... {hidden} more line(s) printed by your function were hidden.\n")
            self.target.flush()


class _Router:
    """Stands in for sys.stdout: each registered thread writes to its printer, every other thread to the real stdout."""

    def __init__(self, original: TextIO):
        self.original = original
        self.printers: dict[int, CappedPrinter] = {}

    def _stream(self) -> Any:
        """The printer of the calling thread, or the real stdout."""
        return self.printers.get(threading.get_ident(), self.original)

    def write(self, text: str) -> int:
        """Write to the calling thread's stream."""
        return self._stream().write(text)

    def flush(self) -> None:
        """Flush the calling thread's stream."""
        self._stream().flush()

    def __getattr__(self, name: str) -> Any:
        """Everything else (encoding, isatty, fileno, ...) is the real stdout's."""
        return getattr(self.original, name)


@dataclass
class Capture:
    """One check's capture: the printer of its answers' output and the router that feeds it."""

    printer: CappedPrinter
    router: _Router

    def register(self) -> None:
        """Send the calling thread's prints to the printer."""
        self.router.printers[threading.get_ident()] = self.printer

    def unregister(self) -> None:
        """Let the calling thread print to the real stdout again."""
        self.router.printers.pop(threading.get_ident(), None)


@contextlib.contextmanager
def captured_stdout(max_lines: int) -> Iterator[Capture]:
    """Route sys.stdout through a router for the block; at its end, say how many lines were hidden."""
    original = sys.stdout
    capture = Capture(CappedPrinter(original, max_lines), _Router(original))
    sys.stdout = capture.router
    try:
        yield capture
    finally:
        if sys.stdout is capture.router:
            sys.stdout = original
        capture.printer.close()


@dataclass
class Outcome:
    """What one call of the answer gave: its value, the error it raised, or that it ran out of time."""

    value: Any = None
    error: BaseException | None = None
    timed_out: bool = False


def call(
    function: Callable[..., Any], kwargs: dict[str, Any], capture: Capture, limit_s: float, notice: tuple[float, str]
) -> Outcome:
    """Run function(**kwargs) in a worker thread; print `notice[1]` after `notice[0]` s; give up after `limit_s` s."""
    outcome, done = Outcome(), threading.Event()

    def work() -> None:
        """The worker: run the answer with its prints captured, and keep what it returns or raises."""
        capture.register()
        try:
            outcome.value = function(**kwargs)
        except BaseException as error:  # noqa: B036 (even SystemExit from the answer is a result to report)
            outcome.error = error
        finally:
            capture.unregister()
            done.set()

    threading.Thread(target=work, name="exercise-answer", daemon=True).start()
    notice_s, notice_text = notice
    if notice_s < limit_s and not done.wait(notice_s):
        print(notice_text, file=capture.printer.target, flush=True)
    if not done.wait(max(limit_s - notice_s, 0.0) if notice_s < limit_s else limit_s):
        return Outcome(timed_out=True)
    return outcome
