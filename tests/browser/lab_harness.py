"""JupyterLab for the browser tests: from this venv, on a free localhost port with a token, always stopped.

The server runs in its own session (so that its kernels can be stopped as a group), and still never
outlives pytest: on Linux it gets SIGTERM when the process that started it dies, even by SIGKILL
(`prctl(PR_SET_PDEATHSIG)`), and a SIGTERM or SIGINT to pytest stops it before pytest exits.
"""

import contextlib
import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

import nbformat
import pytest

CHROMIUM = Path("/usr/bin/chromium")
START_TIMEOUT_S = 90
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def require_browser() -> None:
    """Skip the test when Debian's Chromium or Playwright is missing (CI's .ci/run installs both)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -r requirements.txt)")


def _free_port() -> int:
    """Return a TCP port on localhost that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> Callable[[], None] | None:
    """Return a preexec_fn that makes the child get SIGTERM when this process dies (Linux; None elsewhere)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here: the child only calls it
    parent = os.getpid()

    def preexec() -> None:
        """In the child, before exec: ask for SIGTERM at the parent's death; if it already died, stop now."""
        if prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def launch(command: Sequence[str], cwd: Path, env: dict[str, str], log: IO[str]) -> subprocess.Popen:
    """Start `command` in its own session, output to `log`, so that it dies when this process dies."""
    return subprocess.Popen(
        list(command),
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent(),
    )


def _interrupt(signum: int, frame: object) -> None:
    """Turn SIGTERM or SIGINT into KeyboardInterrupt: pytest stops, and `finally` blocks run on the way out."""
    raise KeyboardInterrupt(f"stopped by {signal.Signals(signum).name}")


@contextlib.contextmanager
def _interrupted_by_signals() -> Iterator[None]:
    """While inside, SIGTERM and SIGINT raise KeyboardInterrupt (main thread only); the old handlers come back after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    for signum in previous:
        signal.signal(signum, _interrupt)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


@contextlib.contextmanager
def serving(command: Sequence[str], cwd: Path, env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    """Run `command` as a server (see `launch`) while inside; stop it on the way out, SIGTERM and SIGINT included."""
    with log_path.open("w") as log, _interrupted_by_signals():
        process = launch(command, cwd, env, log)
        try:
            yield process
        finally:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """Stop JupyterLab and the kernels of its process group: SIGTERM, then SIGKILL."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=15)


def _wait_until_up(process: subprocess.Popen, base: str, token: str, log_path: Path) -> None:
    """Poll /api/status until JupyterLab answers; fail with its log if it exits or times out."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            pytest.fail(f"JupyterLab exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            request = urllib.request.Request(f"{base}/api/status", headers={"Authorization": f"token {token}"})
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"JupyterLab did not answer within {START_TIMEOUT_S} s:\n{log_path.read_text()}")
        time.sleep(0.3)


@contextlib.contextmanager
def running_jupyterlab(tmp_path: Path, notebooks: dict[str, nbformat.NotebookNode]) -> Iterator[tuple[str, str]]:
    """Serve `notebooks` ({file name: notebook}) from a fresh JupyterLab; yield (base URL, token)."""
    require_browser()
    root = tmp_path / "notebooks"
    root.mkdir()
    for name, notebook in notebooks.items():
        nbformat.write(notebook, root / name)
    # No "get notified about Jupyter news?" toast over the screenshots (and no news request).
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    port, token = _free_port(), secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    ]
    log_path = tmp_path / "jupyterlab.log"
    with serving(command, root, env, log_path) as process:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(process, base, token, log_path)
        yield base, token
