"""The widgets in a real browser: JupyterLab from this venv, driven in Debian's headless Chromium by Playwright.

A temporary notebook shows `widgets.affine_flow_1d()` and `widgets.chain_stages(...)`; the test runs
all cells, moves one slider with the keyboard and drags the other with the mouse, and checks
that the readouts and the rendered figures changed. Screenshots go to artifacts/browser/.
Skipped when /usr/bin/chromium is missing (`apt-get install chromium`; CI's .ci/run installs it).
Playwright is used with `executable_path`: it never downloads a browser.
"""

import time
from pathlib import Path

import nbformat
import pytest
from chromium import launch_chromium
from lab_harness import running_jupyterlab

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
NOTEBOOK_CELLS = [
    "import course_utils\nimport numpy as np\nfrom course_utils import builders, widgets",
    "widgets.affine_flow_1d()",
    "chain = builders.make_stack('maf', 2, 2, seed=0)\n"
    "z = np.random.default_rng(0).standard_normal((300, 2)).astype(np.float32)\n"
    "widgets.chain_stages(chain, z)",
]


def _widgets_notebook() -> nbformat.NotebookNode:
    """A notebook with the two widgets under test, not yet run."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    return notebook


@pytest.fixture
def jupyterlab(tmp_path):
    """JupyterLab serving the widgets notebook; yields (base URL, token) and always stops it."""
    with running_jupyterlab(tmp_path, {"widgets.ipynb": _widgets_notebook()}) as server:
        yield server


NOTEBOOK_JS = "window.jupyterapp && window.jupyterapp.shell.currentWidget"
KERNEL_IDLE_JS = (
    f"{NOTEBOOK_JS} && {NOTEBOOK_JS}.sessionContext && {NOTEBOOK_JS}.sessionContext.session && "
    f"{NOTEBOOK_JS}.sessionContext.session.kernel && "
    f"{NOTEBOOK_JS}.sessionContext.session.kernel.status === 'idle'"
)


def _output_with_slider(page, description: str):
    """The cell output area that holds the slider labelled `description`."""
    slider = page.locator(".widget-hslider", has=page.locator("label", has_text=description))
    return page.locator(".jp-OutputArea-output", has=slider), slider


def _wait_for_change(page, locator, before: str, what: str, timeout_s: float = 20.0) -> str:
    """Wait until locator's text differs from `before`; return it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = locator.inner_text()
        if now != before:
            return now
        page.wait_for_timeout(100)
    pytest.fail(f"{what} stayed {before!r} for {timeout_s} s")


def _wait_for_new_image(page, image, before: str, timeout_s: float = 20.0) -> str:
    """Wait until the widget image's src (a blob URL, new for every new PNG) changes; return it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        src = image.get_attribute("src")
        if src != before:
            page.wait_for_timeout(200)  # let the new image decode before a screenshot
            return src
        page.wait_for_timeout(100)
    pytest.fail(f"the widget's image was not replaced within {timeout_s} s")


def test_sliders_redraw_the_figures_in_jupyterlab(jupyterlab):
    from playwright.sync_api import sync_playwright

    base, token = jupyterlab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(f"{base}/lab/tree/widgets.ipynb?token={token}", timeout=60_000)
            page.wait_for_function(KERNEL_IDLE_JS, timeout=90_000)
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")

            affine_output, shift = _output_with_slider(page, "shift")
            shift.wait_for(timeout=90_000)
            chain_output, stage = _output_with_slider(page, "stage")
            stage.wait_for(timeout=90_000)
            page.wait_for_function(KERNEL_IDLE_JS, timeout=90_000)
            assert page.locator("text=Error displaying widget").count() == 0
            affine_image = affine_output.locator("img.widget-image")
            chain_image = chain_output.locator("img.widget-image")
            affine_image.wait_for()
            page.screenshot(path=str(ARTIFACTS / "01_after_run_all.png"), full_page=True)

            # The keyboard: focus the shift slider's handle and press the right arrow.
            readout = shift.locator(".widget-readout")
            readout_before, src_before = readout.inner_text(), affine_image.get_attribute("src")
            pixels_before = affine_image.screenshot(path=str(ARTIFACTS / "02_affine_before.png"))
            shift.locator(".noUi-handle").focus()
            for _ in range(10):
                page.keyboard.press("ArrowRight")
            readout_after = _wait_for_change(page, readout, readout_before, "the shift readout")
            _wait_for_new_image(page, affine_image, src_before)
            pixels_after = affine_image.screenshot(path=str(ARTIFACTS / "03_affine_after_keys.png"))
            assert float(readout_after) > float(readout_before)
            assert pixels_after != pixels_before

            # The mouse: drag the stage slider's handle to the left end (from the last stage).
            stage_readout = stage.locator(".widget-readout")
            stage_before, src_before = stage_readout.inner_text(), chain_image.get_attribute("src")
            pixels_before = chain_image.screenshot(path=str(ARTIFACTS / "04_chain_before.png"))
            handle = stage.locator(".noUi-handle").bounding_box()
            track = stage.locator(".noUi-target").bounding_box()
            page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
            page.mouse.down()
            page.mouse.move(track["x"] - 20, handle["y"] + handle["height"] / 2, steps=10)
            page.mouse.up()
            stage_after = _wait_for_change(page, stage_readout, stage_before, "the stage readout")
            _wait_for_new_image(page, chain_image, src_before)
            pixels_after = chain_image.screenshot(path=str(ARTIFACTS / "05_chain_after_drag.png"))
            assert (stage_before, stage_after) == ("3", "0")
            assert pixels_after != pixels_before
            page.screenshot(path=str(ARTIFACTS / "06_end.png"), full_page=True)
        finally:
            browser.close()
