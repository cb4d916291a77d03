"""JupyterLab for the browser tests: from this venv, on a free localhost port with a token, always stopped.

The server runs in its own session (so that its kernels can be stopped as a group), and still never
outlives pytest: on Linux it gets SIGTERM when the process that started it dies, even by SIGKILL
(`prctl(PR_SET_PDEATHSIG)`), and a SIGTERM or SIGINT to pytest stops it before pytest exits.
`running_jupyterlab` serves test notebooks with the course's settings from this checkout;
`learner_jupyterlab` starts Lab the way README's open-command does, with what the venv installed.
"""

import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

import nbformat
import pytest
from chromium import require_browser

if TYPE_CHECKING:
    pass

ROOT = Path(__file__).resolve().parents[2]
# The course's JupyterLab settings (news off, live-slide styles); pip installs them into the venv's overrides.d.
COURSE_SETTINGS = ROOT / "jupyterlab-settings" / "course-lab-settings.json"
START_TIMEOUT_S = 90
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


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


def _jupyter_dirs(tmp_path: Path) -> dict[str, str]:
    """Return environment variables that give Jupyter new config, data, runtime, settings and workspace folders."""
    return {
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }


def _course_settings_dir(tmp_path: Path) -> Path:
    """Return a JupyterLab app settings folder that holds the course's settings from this checkout."""
    overrides = tmp_path / "app-settings" / "overrides.d"
    overrides.mkdir(parents=True)
    shutil.copy(COURSE_SETTINGS, overrides / COURSE_SETTINGS.name)
    return overrides.parent


@contextlib.contextmanager
def _serving_lab(command: list[str], cwd: Path, env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Serve `command` (jupyter lab, without address and token) on a free port; yield (base URL, token)."""
    require_browser()
    port, token = _free_port(), secrets.token_hex(16)
    command = [
        *command,
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
    ]
    log_path = tmp_path / "jupyterlab.log"
    with serving(command, cwd, env, log_path) as process:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(process, base, token, log_path)
        yield base, token


@contextlib.contextmanager
def running_jupyterlab(tmp_path: Path, notebooks: dict[str, nbformat.NotebookNode]) -> Iterator[tuple[str, str]]:
    """Serve `notebooks` ({file name: notebook}) from a fresh JupyterLab; yield (base URL, token)."""
    root = tmp_path / "notebooks"
    root.mkdir()
    for name, notebook in notebooks.items():
        nbformat.write(notebook, root / name)
    # No "get notified about Jupyter news?" toast over the screenshots (and no news request), whatever the settings.
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    # The course's settings as this checkout has them (jupyterlab-settings/), whatever the venv installed.
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.app_settings_dir={_course_settings_dir(tmp_path)}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    ]
    with _serving_lab(command, root, {**os.environ, **_jupyter_dirs(tmp_path)}, tmp_path) as server:
        yield server


@contextlib.contextmanager
def learner_jupyterlab(tmp_path: Path, notebook: Path) -> Iterator[tuple[str, str]]:
    """Start Lab as README's open-command does (`jupyter lab notebooks/NAME`, new home); yield (base URL, token)."""
    course = tmp_path / "course"
    (course / "notebooks").mkdir(parents=True)
    shutil.copy(notebook, course / "notebooks" / notebook.name)
    # Only address, token and window.jupyterapp are added (_serving_lab): the settings are those the venv installed.
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", f"notebooks/{notebook.name}"]
    # A learner's first launch: a new home, and no Jupyter variable of this machine (JUPYTER_PATH, ...).
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    (tmp_path / "home").mkdir()
    env = {**env, "HOME": str(tmp_path / "home"), **_jupyter_dirs(tmp_path)}
    with _serving_lab(command, course, env, tmp_path) as server:
        yield server
