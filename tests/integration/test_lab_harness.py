"""The browser tests' JupyterLab never outlives pytest, however pytest ends: tests/browser/lab_harness.py.

No browser and no JupyterLab: `sleep` stands in for the server, started by the harness's own `launch`
and `serving` from a child Python process that stands in for pytest. The child is then killed
(SIGKILL: nothing of it runs) or stopped (SIGTERM from `timeout` or a CI cancel, SIGINT from Ctrl-C).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "tests" / "browser"
GONE_WITHIN_S = 5.0
# The child: import the harness, start `sleep 300` as the server, print its pid, wait to be killed.
_PREAMBLE = f"""
import os, sys, time
from pathlib import Path
sys.path[:0] = [{str(HARNESS)!r}, {str(HARNESS.parent)!r}]  # lab_harness, and tests/chromium.py it imports
import lab_harness
tmp = Path(sys.argv[1])
"""
_LAUNCH_AND_WAIT = """
server = lab_harness.launch(["sleep", "300"], tmp, dict(os.environ), (tmp / "server.log").open("w"))
print(server.pid, flush=True)
time.sleep(300)
"""
_SERVE_AND_WAIT = """
try:
    with lab_harness.serving(["sleep", "300"], tmp, dict(os.environ), tmp / "server.log") as server:
        print(server.pid, flush=True)
        time.sleep(300)
except KeyboardInterrupt as stop:
    print(f"{stop}; server exited: {server.poll() is not None}", flush=True)
"""


def _gone(pid: int) -> bool:
    """True when process `pid` no longer runs (absent, or a zombie waiting for its new parent to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def _wait_gone(pid: int) -> bool:
    """Wait up to GONE_WITHIN_S for process `pid` to end; return whether it did."""
    deadline = time.monotonic() + GONE_WITHIN_S
    while not _gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _start_child(code: str, tmp_path: Path) -> tuple[subprocess.Popen, int]:
    """Run `code` after the preamble in a child Python; return it and the server pid it prints."""
    child = subprocess.Popen(
        [sys.executable, "-c", _PREAMBLE + code, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = child.stdout.readline()
    if not line.strip().isdigit():
        child.kill()
        pytest.fail(f"the child did not start the server: {line!r}\n{child.stderr.read()}")
    return child, int(line)


def _end(child: subprocess.Popen, server: int) -> None:
    """Kill what the test started and is still running: the child, and the server by its id."""
    if child.poll() is None:
        child.kill()
    child.communicate(timeout=10)
    if not _gone(server):
        os.kill(server, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_server_dies_when_pytest_is_killed(tmp_path):
    child, server = _start_child(_LAUNCH_AND_WAIT, tmp_path)
    try:
        assert not _gone(server)
        assert os.getsid(server) == server  # its own session: a kill of pytest's process group misses it
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert _wait_gone(server), f"the server (pid {server}) outlived its parent by {GONE_WITHIN_S} s"
    finally:
        _end(child, server)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_server_is_stopped_before_pytest_exits_on_a_signal(tmp_path, signum):
    child, server = _start_child(_SERVE_AND_WAIT, tmp_path)
    try:
        child.send_signal(signum)
        out, err = child.communicate(timeout=30)
        assert f"stopped by {signum.name}; server exited: True" in out, err  # stopped by the harness itself
        assert _wait_gone(server)
    finally:
        _end(child, server)


def test_signal_handlers_come_back_after_serving(tmp_path):
    sys.path.insert(0, str(HARNESS))
    try:
        import lab_harness
    finally:
        sys.path.remove(str(HARNESS))
    before = signal.getsignal(signal.SIGTERM)
    with lab_harness.serving(["sleep", "300"], tmp_path, dict(os.environ), tmp_path / "server.log") as server:
        assert signal.getsignal(signal.SIGTERM) is lab_harness._interrupt
    assert server.poll() is not None and signal.getsignal(signal.SIGTERM) == before
