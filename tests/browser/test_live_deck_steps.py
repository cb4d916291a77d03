"""Live slides step by step: every key press changes the slide, and no selection bar shows while presenting.

jupyterlab-slideshow makes every shown cell a step: on a text + code slide the first press only moved
the selection to the code, which was already on screen. The course's settings (jupyterlab-settings/)
keep the cells after the current one hidden until a press reaches them, and hide the blue bar.
One JupyterLab presents a copy of notebooks/01_flow_review.ipynb (stored outputs, nothing run): Space
through the whole deck must move one shown cell per press and change both the visible cells and the
screenshot (the deck's remote masked); Down and Shift+Space on a text + code slide show and hide its
code; no bar is painted on the slides, and one is once the deck stops. Screenshots go to artifacts/slides/.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import nbformat
import numpy as np
import pytest
from chromium import launch_chromium
from lab_harness import ROOT, running_jupyterlab

from course_utils.authoring import slide_rules

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

NOTEBOOK = ROOT / "notebooks" / "01_flow_review.ipynb"
ARTIFACTS = ROOT / "artifacts" / "slides"
APP = "window.jupyterapp"
NOTEBOOK_JS = "window.jupyterapp.shell.currentWidget.content"
KERNEL_IDLE_JS = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return kernel && kernel.status === 'idle';
}"""
# Indices of the cells a viewer sees: not hidden, not transparent, with a height, inside the window.
VISIBLE_JS = """() => window.jupyterapp.shell.currentWidget.content.widgets.flatMap((cell, i) => {
  const style = getComputedStyle(cell.node), box = cell.node.getBoundingClientRect();
  const seen = style.visibility !== 'hidden' && parseFloat(style.opacity) > 0.01 && box.height > 0
    && box.bottom > 0 && box.top < window.innerHeight;
  return seen ? [i] : [];
})"""
# What paints the current cell's selection: its collapsers (the bar at its left) and its background.
BAR_STYLES_JS = """() => {
  const cell = window.jupyterapp.shell.currentWidget.content.activeCell.node;
  const collapsers = [...cell.querySelectorAll('.jp-Collapser')].map((c) => getComputedStyle(c));
  return [...collapsers.map((s) => [s.backgroundColor, s.boxShadow]), [getComputedStyle(cell).backgroundColor, 'none']];
}"""
ACTIVE_COLLAPSER = ".jp-Notebook .jp-Cell.jp-mod-active .jp-Collapser"
NO_PAINT = ("transparent", "rgba(0, 0, 0, 0)")
BRAND_BLUE = (25, 118, 210)  # --jp-brand-color1 of the light theme: the selection bar


@dataclass
class Step:
    """What the deck shows at one moment: the current cell, the visible cells and the screenshot."""

    active: int
    visible: list[int]
    png: bytes


def _shown_cells(notebook: nbformat.NotebookNode) -> list[int]:
    """Indices of the cells on the slides (each is a step of jupyterlab-slideshow)."""
    return [i for i, cell in enumerate(notebook.cells) if slide_rules.slide_type(cell) not in ("skip", "notes")]


def _text_then_code(notebook: nbformat.NotebookNode) -> int:
    """Index of the first Markdown cell that opens a slide or subslide and is followed by its code ('-')."""
    cells = notebook.cells
    for i, (cell, after) in enumerate(zip(cells, cells[1:], strict=False)):
        opens = cell.cell_type == "markdown" and slide_rules.slide_type(cell) in ("slide", "subslide")
        if opens and after.cell_type == "code" and slide_rules.slide_type(after) == "-":
            return i
    pytest.fail(f"{NOTEBOOK.name} has no text + code slide")


@pytest.fixture(scope="module")
def deck_notebook() -> nbformat.NotebookNode:
    """The course's first notebook as the learner gets it."""
    return nbformat.read(NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def lab_page(tmp_path_factory: pytest.TempPathFactory, deck_notebook: nbformat.NotebookNode) -> Iterator["Page"]:
    """One JupyterLab with the notebook open in Chromium, its kernel idle; yields the page."""
    from playwright.sync_api import sync_playwright

    tmp_path = tmp_path_factory.mktemp("deck")
    with running_jupyterlab(tmp_path, {"deck.ipynb": deck_notebook}) as (base, token), sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{base}/lab/tree/deck.ipynb?token={token}", timeout=60_000)
            page.wait_for_function(KERNEL_IDLE_JS, timeout=90_000)
            assert page.evaluate(f"{APP}.commands.hasCommand('deck:start')"), "jupyterlab-slideshow is not loaded"
            yield page
        finally:
            browser.close()


@pytest.fixture
def presenting(lab_page: "Page") -> Iterator["Page"]:
    """The page presenting the deck from its first cell (Start Deck); the deck stops after the test."""
    lab_page.evaluate(f"{NOTEBOOK_JS}.activeCellIndex = 0")
    lab_page.evaluate(f"{APP}.commands.execute('deck:start')")
    lab_page.wait_for_function("document.body.dataset.jpDeckMode === 'presenting'", timeout=20_000)
    lab_page.wait_for_function(f"{NOTEBOOK_JS}.widgets[0].hasClass('jp-deck-mod-onscreen')", timeout=20_000)
    lab_page.wait_for_timeout(300)
    yield lab_page
    if lab_page.evaluate("document.body.dataset.jpDeckMode") == "presenting":
        lab_page.evaluate(f"{APP}.commands.execute('deck:stop')")
        lab_page.wait_for_function("document.body.dataset.jpDeckMode !== 'presenting'", timeout=20_000)


def _state(page: "Page") -> Step:
    """The deck as it looks now (fades finished, the remote's arrows masked)."""
    png = page.screenshot(animations="disabled", mask=[page.locator(".jp-Deck-Remote")])
    return Step(page.evaluate(f"{NOTEBOOK_JS}.activeCellIndex"), page.evaluate(VISIBLE_JS), png)


def _press(page: "Page", key: str, before: Step) -> Step:
    """Press `key`; return the deck's state once the current cell has changed (or after 5 s without change)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.keyboard.press(key)
    try:
        page.wait_for_function(f"{NOTEBOOK_JS}.activeCellIndex !== {before.active}", timeout=5_000)
    except PlaywrightTimeout:
        pass  # the state below shows that nothing moved
    page.wait_for_timeout(250)  # the deck's 0.1 s fade
    return _state(page)


def _painted_bars(page: "Page") -> list[list[str]]:
    """The current cell's collapsers and background that are painted (a colour or a shadow)."""
    styles = page.evaluate(BAR_STYLES_JS)
    return [style for style in styles if style[0] not in NO_PAINT or style[1] != "none"]


def _blue_pixels_of_the_bar(page: "Page") -> int:
    """Count the selection bar's blue pixels in a screenshot of the current cell's first collapser."""
    from PIL import Image

    png = page.locator(ACTIVE_COLLAPSER).first.screenshot(animations="disabled")
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    return int((np.abs(pixels - np.array(BRAND_BLUE)).max(axis=-1) <= 12).sum())


def test_every_space_press_changes_the_slide_and_paints_no_selection_bar(presenting, deck_notebook):
    page, shown = presenting, _shown_cells(deck_notebook)
    steps, unchanged, bars = [_state(page)], [], {}
    for press in range(1, len(shown)):
        steps.append(_press(page, "Space", steps[-1]))
        before, after = steps[-2], steps[-1]
        if after.visible == before.visible or after.png == before.png:
            unchanged.append(f"press {press}: cell {before.active} -> {after.active}, visible {after.visible}")
        if painted := _painted_bars(page):
            bars[after.active] = painted
    assert [step.active for step in steps] == shown, "each press should move to the next shown cell"
    assert unchanged == [], f"{len(unchanged)} of {len(shown) - 1} presses changed nothing visible: {unchanged}"
    assert bars == {}, f"selection bars painted on the slides ({{cell: styles}}): {bars}"
    assert page.evaluate("document.body.dataset.jpDeckMode") == "presenting"


def test_down_shows_a_slides_code_and_shift_space_hides_it(presenting, deck_notebook):
    page, text = presenting, _text_then_code(deck_notebook)
    page.evaluate(f"{NOTEBOOK_JS}.activeCellIndex = {text}")
    page.wait_for_function(f"{NOTEBOOK_JS}.widgets[{text}].hasClass('jp-deck-mod-visible')", timeout=20_000)
    page.wait_for_timeout(300)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    text_only = _state(page)
    page.screenshot(path=str(ARTIFACTS / "live_3_text.png"), animations="disabled")
    assert text_only.active == text and text in text_only.visible and text + 1 not in text_only.visible
    with_code = _press(page, "ArrowDown", text_only)
    page.screenshot(path=str(ARTIFACTS / "live_4_text_and_code.png"), animations="disabled")
    assert with_code.active == text + 1 and {text, text + 1} <= set(with_code.visible)
    assert _blue_pixels_of_the_bar(page) == 0, "the blue selection bar is on the slide"
    back = _press(page, "Shift+Space", with_code)
    assert back.active == text and back.visible == text_only.visible and back.png != with_code.png


def test_the_bar_checks_see_the_bar_once_the_deck_stops(presenting):
    page = presenting
    page.keyboard.press("Space")
    page.evaluate(f"{APP}.commands.execute('deck:stop')")
    page.wait_for_function("document.body.dataset.jpDeckMode !== 'presenting'", timeout=20_000)
    page.wait_for_timeout(300)
    assert _painted_bars(page), "JupyterLab paints the current cell's bar outside the deck"
    assert _blue_pixels_of_the_bar(page) > 0
