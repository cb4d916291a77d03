"""Test set-up: draw figures off-screen and close them after each test; serve a folder to a browser.

(No MPLBACKEND variable: nbval kernels would inherit it.)
"""

import contextlib
import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    """Close every pyplot figure a test opened."""
    yield
    import matplotlib.pyplot as plt  # after matplotlib.use: pyplot picks its backend when first imported

    plt.close("all")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files without logging each request (keeps pytest's output clean)."""

    def log_message(self, *args) -> None:
        """Log nothing."""


@contextlib.contextmanager
def _serving(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 at a free port; yield its base URL; always stop the server."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def serve_folder() -> Callable[[Path], contextlib.AbstractContextManager[str]]:
    """Return `_serving`: `with serve_folder(path) as url:` serves a built deck or site to the browser tests."""
    return _serving
