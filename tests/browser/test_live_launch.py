"""The learner's launch shows no news pop-up: README's open-command from a fresh home, watched in Chromium.

`jupyter lab notebooks/01_flow_review.ipynb` from this venv's bin/, with a new home, new Jupyter folders
and nothing about news on the command line: the course's settings, which `pip install -r requirements.txt`
put in the venv (jupyterlab-settings/, as overrides.d/course-lab-settings.json), answer JupyterLab's
"get notified about official Jupyter news?" question with "never". Then, on the same server, the
learner's own setting "ask" brings the question back: the test sees the toast when it is there, and a
learner's settings still win over the course's.
"""

import json
import sys
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from chromium import launch_chromium
from lab_harness import COURSE_SETTINGS, ROOT, learner_jupyterlab

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Route

pytestmark = pytest.mark.browser

NOTEBOOK = ROOT / "notebooks" / "01_flow_review.ipynb"
INSTALLED = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / COURSE_SETTINGS.name
ARTIFACTS = ROOT / "artifacts" / "slides"
NOTIFICATION = "@jupyterlab/apputils-extension:notification"
NEWS_QUESTION = "official Jupyter news"
NEWS_API = "/lab/api/news"
SETTLE_S = 6.0  # watched after Lab has restored; the question comes within about 1 s of it
TOASTS_JS = "() => [...document.querySelectorAll('.Toastify__toast')].map(t => t.innerText)"


def _only_local(context: "BrowserContext", base: str) -> list[str]:
    """Let the context's requests to this Lab through, block any other; return the list of blocked URLs."""
    outside: list[str] = []
    local = (base + "/", base.replace("http", "ws", 1) + "/", "data:", "blob:", "about:")

    def route(route: "Route") -> None:
        """Continue a local request; abort and record any other."""
        if route.request.url.startswith(local):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    return outside


def _open_notebook(context: "BrowserContext", url: str, screenshot: Path) -> dict[str, list[str]]:
    """Open the notebook in a new page as the learner's browser does; return the toasts and news requests seen."""
    seen: dict[str, list[str]] = {"toasts": [], "news_requests": []}
    page = context.new_page()
    page.on("request", lambda request: seen["news_requests"].append(request.url) if NEWS_API in request.url else None)
    page.goto(url, timeout=60_000)
    page.wait_for_function("window.jupyterapp !== undefined", timeout=90_000)
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=60_000)
    deadline = time.monotonic() + SETTLE_S
    while time.monotonic() < deadline and not any("news" in toast.lower() for toast in seen["toasts"]):
        seen["toasts"] = page.evaluate(TOASTS_JS)
        page.wait_for_timeout(200)
    page.screenshot(path=str(screenshot))
    page.close()
    return seen


def _set_user_setting(base: str, token: str, plugin: str, values: dict) -> None:
    """Save the learner's own settings of `plugin`, as JupyterLab's settings editor does."""
    body = json.dumps({"raw": json.dumps(values)}).encode()
    request = urllib.request.Request(
        f"{base}/lab/api/settings/{plugin}",
        data=body,
        method="PUT",
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        assert response.status in (200, 204), response.status


def test_the_venv_has_the_course_settings_of_this_checkout():
    assert INSTALLED.exists(), (
        f"{INSTALLED} is missing: install the course's JupyterLab settings with `pip install -r requirements.txt` "
        "(its line ./jupyterlab-settings)"
    )
    assert json.loads(INSTALLED.read_text()) == json.loads(COURSE_SETTINGS.read_text()), (
        f"{INSTALLED} differs from {COURSE_SETTINGS}: reinstall with `pip install -r requirements.txt`"
    )


def test_the_learners_launch_shows_no_news_toast_and_asks_for_no_news(tmp_path):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with learner_jupyterlab(tmp_path, NOTEBOOK) as (base, token), sync_playwright() as playwright:
        url = f"{base}/lab/tree/{NOTEBOOK.name}?token={token}"  # the server's root is notebooks/
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            outside = _only_local(context, base)
            first = _open_notebook(context, url, ARTIFACTS / "live_0_first_launch.png")
            _set_user_setting(base, token, NOTIFICATION, {"fetchNews": "none"})
            asked = _open_notebook(context, url, tmp_path / "news_question.png")
        finally:
            browser.close()
    assert not [toast for toast in first["toasts"] if "news" in toast.lower()], first["toasts"]
    assert first["news_requests"] == [], f"Lab asked its server for news: {first['news_requests']}"
    assert outside == [], f"requests left the machine: {outside}"
    # The control: with the learner's own "ask" setting, the same server shows the question.
    assert any(NEWS_QUESTION in toast for toast in asked["toasts"]), f"no news question among {asked['toasts']}"
