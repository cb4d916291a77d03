"""One notebook's fresh kernel: the current Python, in a temporary working folder, without network where it can.

The kernel is `sys.executable -m ipykernel_launcher`, as nbval's `--nbval-current-env` runs it: the
grader's own environment, whatever kernelspecs the machine has. On Linux it runs under `unshare -rn`
(a user and network namespace: no interface but a loopback that is down) when a probe at start-up
shows that works; client and kernel then talk over Unix sockets (zmq's `ipc` transport), which need
no network. Each cell has a time limit, capped by what is left of the notebook's: a cell past it is
interrupted and the kernel probed; a kernel that does not answer the probe is given up.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import subprocess
import sys
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from time import monotonic
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from traitlets import List, Unicode

DONE, TIMED_OUT, DEADLINE, STUCK, DEAD = "done", "timed out", "deadline", "stuck", "dead"
_TIMEOUT_ENAME = "GradeCellTimeout"  # the execute reply nbclient makes up for a cell past its limit
_STARTUP_S = 60  # seconds a kernel has to start
_QUIET = logging.getLogger("course_utils.grade.kernel")  # nbclient's timeout messages: the sheet says it
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False
_QUIET.setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class Limits:
    """Time limits in seconds: a cell, the set-up cell (it imports TensorFlow), a whole notebook, a probe."""

    cell_s: int = 120
    notebook_s: int = 600
    setup_s: int = 300
    probe_s: int = 30  # for a kernel to answer after an interrupt (generous: a loaded machine is slow)


@dataclass(frozen=True)
class Isolation:
    """The command put before the kernel's (`unshare -rn` or none) and the line that says so."""

    prefix: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class CellRun:
    """What running one cell gave: its outputs and a state (DONE, TIMED_OUT, DEADLINE, STUCK or DEAD)."""

    state: str
    outputs: tuple[dict, ...] = ()


def network_isolation(allow_network: bool = False) -> Isolation:
    """Test once whether a kernel can run under `unshare -rn`; else say why notebooks keep their network."""
    if allow_network:
        return Isolation((), "network: notebooks run with network access (--allow-network)")
    unshare = shutil.which("unshare") if sys.platform.startswith("linux") else None
    if unshare is None:
        return Isolation((), "network: no `unshare` here (Linux only): notebooks run with network access")
    try:
        done = subprocess.run(
            [unshare, "-rn", sys.executable, "-c", "import socket; print(socket.if_nameindex())"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return Isolation((), f"network: `unshare -rn` did not run ({error}): notebooks run with network access")
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        return Isolation((), f"network: `unshare -rn` is not allowed here ({why}): notebooks run with network access")
    return Isolation((unshare, "-rn"), "network: each kernel runs under `unshare -rn`, without network")


class _CurrentPythonKernel(AsyncKernelManager):
    """A kernel manager that starts `sys.executable -m ipykernel_launcher`, after an optional prefix."""

    launch_prefix = List(Unicode())

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The kernel's command line: prefix, this Python, ipykernel and its connection file."""
        kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", os.path.realpath(self.connection_file)]
        return [*self.launch_prefix, *kernel, *(extra_arguments or [])]


class KernelRun:
    """A fresh kernel in `work` (the notebook's copy lives there); `run` executes one cell after another."""

    def __init__(self, work: Path, private: Path, isolation: Isolation, limits: Limits) -> None:
        """Prepare the kernel: its sockets and connection file go to `private`, out of the notebook's folder."""
        self.work, self.limits = work, limits
        self.deadline = monotonic() + limits.notebook_s
        ipc = {"transport": "ipc", "ip": str(private / "kernel")} if isolation.prefix else {}
        manager = _CurrentPythonKernel(
            kernel_name="python3",
            launch_prefix=list(isolation.prefix),
            connection_file=str(private / "connection.json"),
            **ipc,
        )
        self._reply: dict[str, Any] = {}
        self.client = NotebookClient(
            nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")]),
            km=manager,
            allow_errors=True,
            interrupt_on_timeout=True,
            error_on_timeout={"ename": _TIMEOUT_ENAME, "evalue": "", "traceback": []},
            shutdown_kernel="immediate",
            startup_timeout=max(1, min(_STARTUP_S, self.left())),
            on_cell_executed=self._remember_reply,
            log=_QUIET,
        )
        self.given_up = ""  # the state that ended the run: DEADLINE, STUCK or DEAD

    def _remember_reply(self, cell: Any, cell_index: int, execute_reply: dict[str, Any]) -> None:
        """nbclient's hook after each cell: keep its execute reply, to tell a timeout."""
        self._reply = execute_reply or {}

    def left(self) -> int:
        """Return the whole seconds left of the notebook's time limit."""
        return math.floor(self.deadline - monotonic())

    def __enter__(self) -> KernelRun:
        """Start the kernel in the working folder, its output streams discarded."""
        self._context = self.client.setup_kernel(
            cwd=str(self.work), cleanup_kc=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._context.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        """Kill the kernel and close its channels; a failure to clean up never loses the outcomes."""
        with suppress(Exception):
            self._context.__exit__(*exc)

    def _execute(self, source: str, limit: int) -> tuple[bool, tuple[dict, ...]]:
        """Run `source` for at most `limit` s; return whether it timed out, and its outputs."""
        self.client.timeout = max(1, limit)
        self._reply = {}
        cell = nbformat.v4.new_code_cell(source)
        self.client.execute_cell(cell, 0)
        timed_out = self._reply.get("content", {}).get("ename") == _TIMEOUT_ENAME
        return timed_out, tuple(dict(out) for out in cell.outputs)

    def run(self, source: str, limit: int) -> CellRun:
        """Run one cell under `limit` s (less if the notebook's time runs out); after a timeout, probe the kernel."""
        if self.given_up or self.left() <= 0:
            self.given_up = self.given_up or DEADLINE
            return CellRun(self.given_up)
        allowed = min(limit, self.left())
        try:
            timed_out, outputs = self._execute(source, allowed)
            if not timed_out:
                return CellRun(DONE, outputs)
            if allowed < limit or self.left() <= 0:
                self.given_up = DEADLINE
            elif self._execute("pass", min(self.limits.probe_s, self.left()))[0]:
                self.given_up = STUCK
            return CellRun(self.given_up or TIMED_OUT, outputs)
        except DeadKernelError:
            self.given_up = DEAD
            return CellRun(DEAD)
