"""Debian's headless Chromium for every browser test, through Playwright (which never downloads a browser).

Importable from any test: pytest puts tests/ on sys.path for its conftest.py.
"""

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")


def require_browser() -> None:
    """Skip the test when Debian's Chromium or Playwright is missing (CI's .ci/run installs both)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -r requirements-dev.txt)"
    )


def launch_chromium(playwright: "Playwright") -> "Browser":
    """Start Debian's Chromium headless; return the browser."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
    )
