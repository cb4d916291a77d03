"""Live slides in JupyterLab: jupyterlab-slideshow's deck mode shows a slide whose slider still works.

A temporary notebook (slide types by `course_utils.authoring.slide_rules.assign_slide_types`) holds a title
slide, a skipped set-up cell and a slide with `widgets.affine_flow_1d()`. The test starts
JupyterLab from this venv (with the course's settings, jupyterlab-settings/), runs the notebook, starts
deck mode ('deck:start', the "Start Deck" command), steps forward to the widget's slide (its heading,
then the widget on the next step), moves the slider with the keyboard and checks that the readout and
the figure changed, with every request that leaves the machine blocked.
Screenshots go to artifacts/slides/. Skipped when /usr/bin/chromium or playwright is missing.
"""

import time
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import pytest
from chromium import launch_chromium
from lab_harness import running_jupyterlab

from course_utils.authoring import slide_rules

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "slides"
APP = "window.jupyterapp"
KERNEL_IDLE_JS = (
    f"{APP} && {APP}.shell.currentWidget && {APP}.shell.currentWidget.sessionContext.session && "
    f"{APP}.shell.currentWidget.sessionContext.session.kernel && "
    f"{APP}.shell.currentWidget.sessionContext.session.kernel.status === 'idle'"
)


def _deck_notebook() -> nbformat.NotebookNode:
    """Title, set-up, and a slide with a live widget; slide types by the course's rules."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Live slides\n\nA flow you can move: $x = b + e^{s} z$."),
        nbformat.v4.new_code_cell("import course_utils\nfrom course_utils import widgets"),
        nbformat.v4.new_markdown_cell("## Move the shift"),
        nbformat.v4.new_code_cell("widgets.affine_flow_1d()"),
    ]
    return slide_rules.assign_slide_types(notebook)


@pytest.fixture
def lab(tmp_path):
    """JupyterLab serving the deck notebook; yields (base URL, token) and always stops it."""
    with running_jupyterlab(tmp_path, {"deck.ipynb": _deck_notebook()}) as server:
        yield server


def _wait_for_change(page, read, before, what: str, timeout_s: float = 20.0):
    """Wait until read() differs from `before`; return the new value."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = read()
        if now != before:
            return now
        page.wait_for_timeout(100)
    pytest.fail(f"{what} stayed {before!r} for {timeout_s} s")


def _opacities(cells: "Locator") -> list[float]:
    """The computed opacity of cells 2 (the slide's heading) and 3 (the widget)."""
    return [float(cells.nth(i).evaluate("node => getComputedStyle(node).opacity")) for i in (2, 3)]


def _present_up_to_the_widget(page: "Page") -> None:
    """Start deck mode on the title and step to the widget: its slide's heading first, then the widget."""
    # The set-up cell is skipped; the widget stays hidden until its own step (the course's jupyterlab-settings/).
    page.evaluate(f"{APP}.shell.currentWidget.content.activeCellIndex = 0")
    page.evaluate(f"{APP}.commands.execute('deck:start')")
    page.wait_for_function("document.body.dataset.jpDeckMode === 'presenting'", timeout=20_000)
    cells = page.locator(".jp-Notebook .jp-Cell")
    page.wait_for_function("document.querySelectorAll('.jp-Cell.jp-deck-mod-onscreen').length > 0")
    assert "jp-deck-mod-onscreen" in cells.nth(0).get_attribute("class")
    page.screenshot(path=str(ARTIFACTS / "live_1_title.png"))
    page.evaluate(f"{APP}.commands.execute('deck:forward')")
    page.wait_for_function(
        "document.querySelectorAll('.jp-Cell')[3].classList.contains('jp-deck-mod-onscreen')", timeout=20_000
    )
    onscreen = [i for i in range(cells.count()) if "jp-deck-mod-onscreen" in cells.nth(i).get_attribute("class")]
    assert onscreen == [2, 3], f"the widget's slide should show cells 2 and 3, shows {onscreen}"
    page.wait_for_timeout(300)
    assert _opacities(cells) == [1.0, 0.0], "the heading first, the widget on the next step"
    page.evaluate(f"{APP}.commands.execute('deck:forward')")
    page.wait_for_function(f"{APP}.shell.currentWidget.content.activeCellIndex === 3", timeout=20_000)
    page.wait_for_timeout(300)
    assert _opacities(cells) == [1.0, 1.0], "the widget's slide should show the widget now"


def test_a_slider_moves_on_a_live_slide(lab):
    from playwright.sync_api import sync_playwright

    base, token = lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    outside = []

    def only_local(route):
        url = route.request.url
        if url.startswith((base + "/", base.replace("http", "ws", 1) + "/", "data:", "blob:", "about:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.route("**/*", only_local)
            page = context.new_page()
            page.goto(f"{base}/lab/tree/deck.ipynb?token={token}", timeout=60_000)
            page.wait_for_function(KERNEL_IDLE_JS, timeout=90_000)
            assert page.evaluate(f"{APP}.commands.hasCommand('deck:start')"), "jupyterlab-slideshow is not loaded"
            page.evaluate(f"{APP}.commands.execute('notebook:run-all-cells')")
            slider = page.locator(".widget-hslider", has=page.locator("label", has_text="shift"))
            slider.wait_for(timeout=90_000)
            page.wait_for_function(KERNEL_IDLE_JS, timeout=90_000)

            _present_up_to_the_widget(page)
            assert slider.is_visible()

            readout = slider.locator(".widget-readout")
            image = page.locator(".jp-deck-mod-onscreen img.widget-image")
            before, src_before = readout.inner_text(), image.get_attribute("src")
            slider.locator(".noUi-handle").focus()
            for _ in range(10):
                page.keyboard.press("ArrowRight")
            after = _wait_for_change(page, readout.inner_text, before, "the shift readout")
            _wait_for_change(page, lambda: image.get_attribute("src"), src_before, "the widget's figure")
            page.wait_for_timeout(300)  # let the new PNG decode before the screenshot
            assert float(after) > float(before)
            assert page.evaluate("document.body.dataset.jpDeckMode") == "presenting"  # still on the slide
            page.screenshot(path=str(ARTIFACTS / "live_2_slider_moved.png"))
        finally:
            browser.close()
    assert outside == [], f"requests left the machine: {outside}"
