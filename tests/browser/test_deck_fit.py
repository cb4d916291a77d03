"""Every slide of every offline deck fits its slide area in headless Chromium; the speaker view draws formulas once.

The decks are built from solutions/ into a temporary folder (reveal.js, MathJax and the rest from
build/vendor/, fetched with npm when missing) and served on 127.0.0.1. One browser opens each deck
in one page, at the deck's native size (the viewport where reveal.js's scale is exactly 1), visits
every slide, horizontal and vertical, and measures it: the bounding box of its content against the
960 × 700 slide area, code lines cut at a box's right edge (scrollWidth > clientWidth), scroll
boxes, and every element beyond the slide's edges. It also counts the formulas MathJax drew on each
slide against the formulas in the slide's source. Then the speaker view (S): each formula of its
two previews (this slide, the next) is drawn once. Screenshots go to artifacts/slides/.
Skipped without /usr/bin/chromium, playwright or npm, except on CI (CI=true) for npm.
"""

import html.parser
import os
import re
import shutil
from pathlib import Path

import pytest
from chromium import launch_chromium, require_browser

from course_utils.authoring.slides import deck, vendor

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "slides"
# reveal.js keeps a 4 % margin around the 960 × 700 slide: at 1000 × 730 its scale is exactly 1.
NATIVE = {"width": 1000, "height": 730}
# reveal.js is ready and MathJax has typeset every formula (it turns each into a script of type math/tex).
_READY_JS = """() => window.Reveal && Reveal.isReady && Reveal.isReady() && window.MathJax && MathJax.isReady
  && MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0
  && [...document.querySelectorAll('script[type^="math/tex"]')].every((s) => s.MathJax && s.MathJax.state === 2)"""
# The formulas MathJax drew on a slide: its CommonHTML output, MathML not clipped away, unfinished previews.
_RENDERED_JS = """(section) => section.querySelectorAll('.mjx-math').length
  + [...section.querySelectorAll('math')].filter((m) => {
      const hidden = m.closest('.MJX_Assistive_MathML');
      return !hidden || getComputedStyle(hidden).clip === 'auto'; }).length
  + [...section.querySelectorAll('.MathJax_Preview')].filter((p) => p.textContent.trim()).length"""
_MEASURE_JS = (
    """async () => {
  const rendered = """
    + _RENDERED_JS
    + """;
  const frame = () => new Promise((done) => requestAnimationFrame(() => done()));
  const config = Reveal.getConfig(), area = Reveal.getSlidesElement().getBoundingClientRect();
  const scale = area.width / config.width, slides = [];
  const outside = (r) => r.left < area.left - 1 || r.right > area.right + 1 || r.top < area.top - 1
    || r.bottom > area.bottom + 1;
  const tops = Reveal.getHorizontalSlides();
  for (let h = 0; h < tops.length; h++) {
    const count = Math.max(tops[h].querySelectorAll(':scope > section').length, 1);
    for (let v = 0; v < count; v++) {
      Reveal.slide(h, v);
      await frame(); await frame();
      const section = Reveal.getCurrentSlide();
      let top = Infinity, bottom = -Infinity, beyond = 0, cut = 0, scrolls = 0;
      for (const el of [section, ...section.querySelectorAll('*')]) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || el.closest('.MJX_Assistive_MathML')) continue;
        if (el !== section) { top = Math.min(top, r.top); bottom = Math.max(bottom, r.bottom); }
        beyond += outside(r);
        const wide = el.scrollWidth > el.clientWidth + 1, tall = el.scrollHeight > el.clientHeight + 1;
        if (el.tagName === 'PRE' && wide) cut += 1;
        else if ((wide || tall) && /auto|scroll/.test(getComputedStyle(el).overflow)) scrolls += 1;
      }
      const box = section.querySelector(':scope > .course-fit');
      slides.push({h, v, height: Math.round((bottom - top) / scale), beyond, cut, scrolls,
        zoom: box && box.style.zoom ? parseFloat(box.style.zoom) : 1,
        smallerCode: [...section.querySelectorAll('pre')].some((p) => p.style.fontSize),
        formulas: rendered(section)});
    }
  }
  return slides;
}"""
)

# Where the slide shown starts and ends in the slide area, and its height with everything in it, in pixels.
_EDGES_JS = """() => { const area = Reveal.getSlidesElement().getBoundingClientRect();
  const slide = Reveal.getCurrentSlide(), r = slide.getBoundingClientRect();
  return [r.top - area.top, r.bottom - area.top, slide.scrollHeight]; }"""


def _missing(reason: str) -> None:
    """Skip for want of a tool, except on CI (CI=true), where the check must run: fail there."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


class _Formulas(html.parser.HTMLParser):
    """The number of formulas ($...$, $$...$$) in the source of each slide (h, v) of a deck."""

    _MATH = re.compile(r"\$\$.+?\$\$|(?<!\\)\$.+?(?<!\\)\$", re.DOTALL)
    _SKIP = {"pre", "code", "script", "style"}

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[tuple[int, int], int] = {}
        self._depth, self._h, self._v, self._skipping = 0, -1, -1, 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Enter a slide, or a part of one where MathJax looks for no formula."""
        if tag == "section":
            self._depth += 1
            self._h, self._v = (self._h + 1, -1) if self._depth == 1 else (self._h, self._v + 1)
            self.counts.setdefault((self._h, max(self._v, 0)), 0)
        self._skipping += tag in self._SKIP

    def handle_endtag(self, tag: str) -> None:
        """Leave a slide or a skipped part."""
        self._depth -= tag == "section"
        self._skipping -= tag in self._SKIP

    def handle_data(self, data: str) -> None:
        """Count the formulas of a run of text."""
        if self._depth and not self._skipping:
            self.counts[(self._h, max(self._v, 0))] += len(self._MATH.findall(data))


def _formulas(path: Path) -> dict[tuple[int, int], int]:
    """Return {(h, v): formulas in the source} of a deck."""
    parser = _Formulas()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.counts


@pytest.fixture(scope="module")
def decks(tmp_path_factory) -> Path:
    """Every deck, built from solutions/ into a temporary build folder that links build/vendor/."""
    if shutil.which("npm") is None and not (ROOT / "build" / "vendor").is_dir():
        _missing("npm is missing: it fetches reveal.js, require.js, jQuery and MathJax (apt-get install npm)")
    build = tmp_path_factory.mktemp("build")
    (build / "vendor").symlink_to(vendor.fetch_vendor(ROOT / "build" / "vendor"), target_is_directory=True)
    deck.build_decks(solutions_dir=ROOT / "solutions", out_dir=build / "slides", vendor_dir=build / "vendor")
    return build


@pytest.fixture(scope="module")
def server(decks, serve_folder):
    """Serve the build folder on 127.0.0.1; yield its base URL; always stop it."""
    with serve_folder(decks) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module's tests."""
    require_browser()
    from playwright import sync_api

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


def _open(browser, url: str):
    """A new page at the deck's native size showing `url`, once reveal.js is ready and MathJax is done."""
    page = browser.new_page(viewport=NATIVE)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url, timeout=60_000)
    page.wait_for_function(_READY_JS, timeout=60_000)
    assert page.evaluate("Reveal.getScale()") == 1, "the viewport is not the deck's native size"
    return page, errors


def _overflowing(slide: dict) -> bool:
    """Whether a measured slide does not fit: too tall, something beyond the edges, a cut code line, a scroll box."""
    return slide["height"] > 700 or slide["beyond"] > 0 or slide["cut"] > 0 or slide["scrolls"] > 0


def _summary(name: str, slides: list[dict], wrong: list[dict]) -> str:
    """One line per deck: slides, overflowing ones, scaled ones and the smallest scale, slides with smaller code."""
    scaled = [s["zoom"] for s in slides if s["zoom"] < 1]
    smallest = f" (smallest {min(scaled):.2f})" if scaled else ""
    code = sum(s["smallerCode"] for s in slides)
    return (
        f"{name}: {len(slides)} slides, {len(wrong)} overflowing, {len(scaled)} scaled{smallest}, "
        f"{code} with a smaller code font"
    )


def test_every_slide_of_every_deck_fits_and_draws_each_formula_once(browser, server, decks):
    lines, overflowing, miscounted, smallest = [], [], [], (1.0, None)
    for path in sorted((decks / "slides").glob("*.slides.html")):
        name = path.name.removesuffix(".slides.html")
        page, errors = _open(browser, f"{server}/slides/{path.name}")
        try:
            slides = page.evaluate(_MEASURE_JS)
            source = _formulas(path)
            assert sorted(source) == [(s["h"], s["v"]) for s in slides], f"{name}: the slides differ from the source"
            wrong = [s for s in slides if _overflowing(s)]
            overflowing += [f"{name} #/{s['h']}/{s['v']}: {s}" for s in wrong]
            miscounted += [
                f"{name} #/{s['h']}/{s['v']}: {s['formulas']} drawn, {source[s['h'], s['v']]} in the source"
                for s in slides
                if s["formulas"] != source[s["h"], s["v"]]
            ]
            lines.append(_summary(name, slides, wrong))
            least = min(slides, key=lambda s: s["zoom"])
            if least["zoom"] < smallest[0]:
                smallest = (least["zoom"], f"{name} #/{least['h']}/{least['v']}")
                page.evaluate(f"Reveal.slide({least['h']}, {least['v']})")
                page.screenshot(path=str(ARTIFACTS / "fit_most_scaled_slide.png"))
            assert errors == [], f"{name}: JavaScript errors {errors}"
        finally:
            page.close()
    print("\n".join(["", *lines, f"most scaled: {smallest[1]} at {smallest[0]:.2f}"]))
    assert overflowing == [], f"{len(overflowing)} slides overflow:\n" + "\n".join(overflowing)
    assert miscounted == [], "formulas drawn not once:\n" + "\n".join(miscounted)


def test_deck_05s_second_slide_fits_on_first_view(browser, server):
    # Opened at the title, one press of the right arrow: the slide shows whole, without going down and up.
    page, errors = _open(browser, f"{server}/slides/05_realnvp_nice.slides.html")
    try:
        page.keyboard.press("ArrowRight")
        page.wait_for_function("Reveal.getIndices().h === 1")
        page.wait_for_function(_READY_JS)
        page.wait_for_timeout(500)  # what the slide shows once everything has settled
        top, bottom, height = page.evaluate(_EDGES_JS)
        assert 0 <= top and bottom <= 700 and height <= 700, f"the slide spans {top}..{bottom} px of 0..700"
        page.screenshot(path=str(ARTIFACTS / "fit_05_second_slide.png"))
        assert errors == []
    finally:
        page.close()


def _check_previews(speaker, source: dict[tuple[int, int], int]) -> list[str]:
    """Wait until both previews of the speaker view are typeset; return those not drawing each formula once."""
    problems = []
    for frame in speaker.frames[1:]:
        frame.wait_for_load_state()
        frame.wait_for_function(_READY_JS, timeout=60_000)
        h, v, drawn = frame.evaluate(
            f"""(() => {{ const i = Reveal.getIndices();
                return [i.h, i.v || 0, ({_RENDERED_JS})(Reveal.getCurrentSlide())]; }})()"""
        )
        if drawn != source[h, v]:
            problems.append(f"preview of #/{h}/{v}: {drawn} formulas drawn, {source[h, v]} in the source")
    return problems


def test_the_speaker_view_shows_each_formula_once(browser, server, decks):
    path = decks / "slides" / "01_flow_review.slides.html"
    source = _formulas(path)
    page, errors = _open(browser, f"{server}/slides/{path.name}#/1/0")
    try:
        with page.expect_popup() as popup:
            page.keyboard.press("s")
        speaker = popup.value
        speaker.set_viewport_size({"width": 1400, "height": 900})
        speaker.wait_for_function("document.querySelectorAll('iframe').length === 2")
        problems = []
        for _ in range(5):  # this slide, then four steps on: the previews follow
            speaker.wait_for_timeout(300)
            problems += _check_previews(speaker, source)
            page.evaluate("Reveal.next()")
        speaker.screenshot(path=str(ARTIFACTS / "fit_speaker_view.png"))
        assert sum(source.values()) > 0 and problems == [], "\n".join(problems)
        assert errors == []
    finally:
        page.close()
