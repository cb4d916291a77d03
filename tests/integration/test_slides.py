"""Slides: the slide-type rules, their place in the generator, and the offline decks and site.

The last test (marker `browser`) opens a built deck and site pages in headless Chromium with
every request that leaves the machine blocked and recorded, and checks that reveal.js, MathJax
and the figures render from the local copies in build/vendor/ (fetched with npm by the fixture
on a clean clone). A screenshot of one slide goes to artifacts/slides/. Without npm, Chromium or
playwright these tests are skipped, except on CI (CI=true), where they fail.
"""

import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from chromium import CHROMIUM, launch_chromium
from image_alts import NBCONVERT_PLACEHOLDER, image_alts

from course_utils.authoring import generate, slide_rules, transforms
from course_utils.authoring.markers import SETUP_TAG
from course_utils.authoring.slides import cli, deck, site, vendor

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "slides"
md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def missing(reason: str) -> None:
    """Skip for want of a tool, except on CI (CI=true), where the offline check must run: fail there."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


def _lecture() -> nbformat.NotebookNode:
    """A small notebook with the course's structure: title, set-up, sections, an exercise."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        md("# 09 · A lecture\n\nWhat it teaches."),  # 0 slide
        code("import course_utils\nimport numpy as np"),  # 1 skip (set-up)
        md("## 1. An idea\n\nThe intuition, then the formula $$x = e^z.$$"),  # 2 slide
        code("x = 1.0\nprint(x)"),  # 3 -
        md("What the output shows."),  # 4 fragment
        md("And one more sentence."),  # 5 -
        md("### ✏️ Exercise 09.1 — a function"),  # 6 subslide
        code(
            "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION", metadata={"tags": ["exercise"]}
        ),  # 7 -
        code('exercises.check("09.1", f)', metadata={"tags": ["exercise-check", "nbval-ignore-output"]}),  # 8 skip
        md("Using the answer:"),  # 9 subslide
        code("f(2.0)"),  # 10 -
        code("\n".join(f"y{i} = {i}" for i in range(30))),  # 11 subslide (too long)
        code(
            "def g(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION", metadata={"tags": ["exercise"]}
        ),  # 12 subslide
        md("## Summary\n\n- one point"),  # 13 slide
    ]
    return notebook


EXPECTED = [
    "slide",
    "skip",
    "slide",
    "-",
    "fragment",
    "-",
    "subslide",
    "-",
    "skip",
    "subslide",
    "-",
    "subslide",
    "subslide",
    "slide",
]


def test_rules_follow_the_lecture_structure():
    notebook = slide_rules.assign_slide_types(_lecture())
    assert [slide_rules.slide_type(cell) for cell in notebook.cells] == EXPECTED


def test_continue_is_stored_as_no_metadata_and_the_rules_types_are_recorded():
    notebook = slide_rules.assign_slide_types(_lecture())
    for cell, kind in zip(notebook.cells, EXPECTED, strict=True):
        if kind == "-":
            assert "slideshow" not in cell.metadata  # jupyterlab-slideshow hides an explicit '-'
        else:
            assert cell.metadata.slideshow == {"slide_type": kind}
    recorded = notebook.metadata[slide_rules.RULES_KEY]
    assert recorded == {
        "assigned_by_rule": {cell.id: kind for cell, kind in zip(notebook.cells, EXPECTED, strict=True)},
        "set_by_hand": {},
    }


def test_assigning_is_idempotent_and_leaves_sources_and_outputs_alone():
    original = _lecture()
    once = slide_rules.assign_slide_types(original)
    assert slide_rules.assign_slide_types(once) == once
    assert [c.source for c in once.cells] == [c.source for c in original.cells]
    assert "slideshow" not in original.cells[0].metadata  # the input is not modified


def test_a_type_set_by_hand_is_kept_before_and_after_the_rules_ran():
    notebook = _lecture()
    notebook.cells[4].metadata["slideshow"] = {"slide_type": "notes"}  # set by the author
    notebook = slide_rules.assign_slide_types(notebook)
    assert slide_rules.slide_type(notebook.cells[4]) == "notes"
    assert slide_rules.slide_type(notebook.cells[5]) == "fragment"  # now follows code directly: notes are not shown
    # Later a teacher changes a rule-set type in JupyterLab: it is kept from then on.
    notebook.cells[3].metadata["slideshow"] = {"slide_type": "subslide"}
    again = slide_rules.assign_slide_types(notebook)
    assert slide_rules.slide_type(again.cells[3]) == "subslide"
    assert slide_rules.explicit_types(again) == {3: "subslide", 4: "notes"}


def test_continue_set_by_hand_survives_every_later_run():
    notebook = _lecture()
    notebook.cells[2].metadata["slideshow"] = {"slide_type": "-"}  # as RISE or nbconvert users write it
    notebook = slide_rules.assign_slide_types(notebook)
    assert "slideshow" not in notebook.cells[2].metadata  # stored as JupyterLab stores '-'
    # A teacher sets a rule-made subslide to '-' in JupyterLab, which removes the key.
    del notebook.cells[6].metadata["slideshow"]
    for _ in range(2):
        notebook = slide_rules.assign_slide_types(notebook)
        assert slide_rules.slide_type(notebook.cells[2]) == "-" and slide_rules.slide_type(notebook.cells[6]) == "-"
    assert slide_rules.explicit_types(notebook) == {2: "-", 6: "-"}
    reset = slide_rules.assign_slide_types(notebook, keep_hand_set=False)
    assert [slide_rules.slide_type(c) for c in reset.cells] == EXPECTED


def test_rule_set_types_follow_changes_of_the_notebook():
    notebook = slide_rules.assign_slide_types(_lecture())
    notebook.cells.insert(4, md("### A new subsection"))
    notebook = slide_rules.assign_slide_types(notebook)
    assert slide_rules.slide_type(notebook.cells[4]) == "subslide"
    assert slide_rules.slide_type(notebook.cells[5]) == "-"  # was a fragment after code, now follows a heading


def test_a_big_figure_starts_a_new_subslide_but_stays_with_its_lead_in():
    figure = nbformat.v4.new_output("display_data", data={"image/png": _png(800, 500), "text/plain": "<Figure>"})
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        md("# T"),
        code("import course_utils"),
        md("## 1. A section\n\n" + "text\n" * 12),
        code("fig = plot()", outputs=[figure]),
        md("The picture again:"),
        code("fig = plot()", outputs=[figure]),
    ]
    kinds = [slide_rules.slide_type(c) for c in slide_rules.assign_slide_types(notebook).cells]
    assert kinds == ["slide", "skip", "slide", "subslide", "subslide", "-"]
    assert slide_rules.cell_rows(notebook.cells[3]) == pytest.approx(1 + 0.7 + 500 / 28)  # padding, 1 code line, image


def _png(width: int, height: int) -> str:
    """A base64 PNG header of the given size (enough for cell_rows)."""
    import base64
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x00" * width * 3 for _ in range(height))
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return base64.b64encode(png).decode()


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match="notebook must be"):
        slide_rules.assign_slide_types({"cells": []})
    with pytest.raises(ValueError, match="slide type must be one of"):
        slide_rules.rule_slide_types(_lecture().cells, {0: "title"})
    with pytest.raises(ValueError, match="names must be notebooks"):
        deck.build_decks(["99_missing"], solutions_dir=ROOT / "solutions", vendor_dir=Path("/nonexistent"))


def test_fetching_the_libraries_without_npm_says_what_to_install(tmp_path):
    with pytest.raises(RuntimeError, match="apt-get install npm"):
        vendor.fetch_vendor(tmp_path / "vendor", npm="no-such-npm-here")


def test_only_the_needed_parts_of_mathjax_are_kept():
    assert vendor._keep("mathjax", "MathJax.js") and vendor._keep("mathjax", "fonts/HTML-CSS/TeX/woff/a.woff")
    assert not vendor._keep("mathjax", "fonts/HTML-CSS/STIX-Web/woff/a.woff")
    assert not vendor._keep("mathjax", "unpacked/MathJax.js") and vendor._keep("reveal.js", "unpacked/x")


# ---------------------------------------------------------------- with the generator


@pytest.fixture
def course(tmp_path):
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    solutions.mkdir()
    nbformat.write(_lecture(), solutions / "09_lecture.ipynb")
    return solutions, notebooks


def _unassigned(paths: list[Path]) -> list[Path]:
    """The notebooks whose stored slide types differ from the rules' result."""
    return transforms.conform(paths, [transforms.AssignSlideTypes()])


def test_generate_assigns_slide_types_to_solutions_and_notebooks_alike(course, capsys):
    solutions, notebooks = course
    assert generate.main(["--root", str(solutions.parent)]) == 0
    assert (
        f"tidied {solutions / '09_lecture.ipynb'} (set-up cell, slide types by rule, no execution timestamps)"
        in capsys.readouterr().out
    )
    solution = nbformat.read(solutions / "09_lecture.ipynb", as_version=4)
    learner = nbformat.read(notebooks / "09_lecture.ipynb", as_version=4)
    for notebook in (solution, learner):  # the generator adds the set-up cell before the imports: skipped
        kinds = [(slide_rules.slide_type(c), SETUP_TAG in slide_rules.tags(c)) for c in notebook.cells]
        assert [kind for kind, setup in kinds if not setup] == EXPECTED and [k for k, s in kinds if s] == ["skip"]
    assert generate.out_of_step(solutions, notebooks) == [] and _unassigned([solutions / "09_lecture.ipynb"]) == []
    assert generate.main(["--check", "--solutions", str(solutions), "--notebooks", str(notebooks)]) == 0


def test_the_assign_command_keeps_or_resets_types_set_by_hand(course, capsys):
    solutions, _ = course
    path = solutions / "09_lecture.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[4].metadata["slideshow"] = {"slide_type": "notes"}  # set by the author
    nbformat.write(notebook, path)
    assert cli.main(["assign", "--root", str(solutions.parent)]) == 0
    assert f"assigned slide types in {path}" in capsys.readouterr().out
    assert slide_rules.slide_type(nbformat.read(path, as_version=4).cells[4]) == "notes"
    assert cli.main(["assign", "--root", str(solutions.parent)]) == 0
    assert "slide types already assigned" in capsys.readouterr().out
    assert cli.main(["assign", "--reset", "--solutions", str(solutions)]) == 0
    assert [slide_rules.slide_type(c) for c in nbformat.read(path, as_version=4).cells] == EXPECTED


def test_a_learners_notebook_is_kept_when_slide_types_change(course):
    solutions, notebooks = course
    generate.main(["--root", str(solutions.parent)])
    target = notebooks / "09_lecture.ipynb"
    learner_work = target.read_text().replace("raise NotImplementedError()", "return x  # mine")
    target.write_text(learner_work)
    solution = nbformat.read(solutions / "09_lecture.ipynb", as_version=4)
    solution.cells[3].metadata["slideshow"] = {"slide_type": "subslide"}  # the teacher re-plans a slide
    nbformat.write(solution, solutions / "09_lecture.ipynb")
    report = generate.generate(solutions, notebooks)
    assert target.read_text() == learner_work and "kept" in report[0]


def test_course_solutions_carry_the_rules_slide_types():
    paths = sorted((ROOT / "solutions").glob("*.ipynb"))
    assert _unassigned(paths) == [], "run `python -m course_utils.generate` to assign slide types"
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        code_cells = [c for c in notebook.cells if c.cell_type == "code"]
        assert slide_rules.slide_type(code_cells[0]) == "skip", f"{path.name}: the set-up cell is shown"
        assert slide_rules.slide_type(notebook.cells[0]) == "slide"
        for cell in notebook.cells:
            if "exercise-check" in cell.metadata.get("tags", []):
                assert slide_rules.slide_type(cell) == "skip", f"{path.name}: a check cell is shown"


# ---------------------------------------------------------------- decks and site, offline


@pytest.fixture(scope="session")
def vendor_dir():
    """The local copies of reveal.js, require.js, jQuery and MathJax (fetched with npm if missing)."""
    if shutil.which("npm") is None:
        missing("npm is missing: it fetches reveal.js, require.js, jQuery and MathJax (apt-get install npm)")
    return vendor.fetch_vendor(ROOT / "build" / "vendor")


@pytest.fixture(scope="session")
def built(vendor_dir, tmp_path_factory):
    """Every deck and the site, built from solutions/ into a temporary build folder."""
    build = tmp_path_factory.mktemp("build")
    (build / "vendor").symlink_to(vendor_dir, target_is_directory=True)
    decks = deck.build_decks(solutions_dir=ROOT / "solutions", out_dir=build / "slides", vendor_dir=build / "vendor")
    pages = site.build_site(solutions_dir=ROOT / "solutions", out_dir=build / "site", vendor_dir=build / "vendor")
    return build, decks, pages


_REMOTE = re.compile(r"""<(?:script|link|img)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""", re.IGNORECASE)


def _images_without_alt(page: str) -> list[str | None]:
    """The alt texts of a page's images that say nothing: missing, blank or nbconvert's placeholder."""
    return [alt for alt in image_alts(page) if not (alt and alt.strip()) or alt == NBCONVERT_PLACEHOLDER]


def test_every_notebook_becomes_a_deck_loading_only_local_files(built):
    build, decks, _ = built
    names = [p.stem for p in sorted((ROOT / "solutions").glob("*.ipynb"))]
    assert sorted(p.name for p in decks) == [f"{n}.slides.html" for n in names]
    for path in decks:
        text = path.read_text()
        assert not _REMOTE.search(text), f"{path.name} loads something from the internet"
        assert '"../vendor/reveal.js/dist/reveal.js"' in text and "../vendor/mathjax/MathJax.js" in text
        assert "BEGIN SOLUTION" not in text  # the learner's version: stubs, no answers
        assert "NotImplementedError" in text
        assert _images_without_alt(text) == [], f"{path.name}: figures without alt text"
    index = (build / "slides" / "index.html").read_text()
    assert re.findall(r'href="([^"]+\.slides\.html)"', index) == [f"{n}.slides.html" for n in names]


def test_the_site_has_every_notebook_with_outputs_and_an_index_in_course_order(built):
    build, _, pages = built
    names = [p.stem for p in sorted((ROOT / "solutions").glob("*.ipynb"))]
    index = (build / "site" / "index.html").read_text()
    assert re.findall(r'href="([^"]+\.html)"', index) == [f"{n}.html" for n in names]
    for name in names:
        page = (build / "site" / f"{name}.html").read_text()
        assert not _REMOTE.search(page), f"{name}.html loads something from the internet"
        assert "../vendor/mathjax/MathJax.js" in page and 'href="index.html"' in page
        notebook = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
        pngs = sum("image/png" in out.get("data", {}) for c in notebook.cells for out in c.get("outputs", []))
        assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', page)) == pngs, f"{name}.html lost figures"
        assert _images_without_alt(page) == [], f"{name}.html: figures without alt text"


@pytest.fixture
def local_server(built, serve_folder):
    """Serve the build folder on 127.0.0.1; yield its base URL; always stop it."""
    with serve_folder(built[0]) as url:
        yield url


_MATHJAX_DONE = (
    "window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 && "
    "MathJax.Hub.queue.running === 0 && document.querySelectorAll('.MathJax_CHTML').length > 0"
)


@pytest.mark.browser
def test_decks_and_site_render_offline_in_chromium(local_server):
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    try:
        import playwright.sync_api as sync_api
    except ImportError:
        missing("playwright is not installed (pip install -r requirements.txt)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    outside, errors = [], []

    def only_local(route):
        url = route.request.url
        if url.startswith((local_server + "/", "data:", "blob:", "about:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.route("**/*", only_local)
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))

            page.goto(f"{local_server}/slides/01_flow_review.slides.html", timeout=60_000)
            page.wait_for_selector(".reveal.ready", timeout=30_000)
            page.wait_for_function(_MATHJAX_DONE, timeout=30_000)
            assert page.locator(".reveal .slides > section").count() >= 5
            assert page.locator(".MathJax_Error, .mjx-merror").count() == 0
            figures = page.locator(".reveal img")
            assert figures.count() >= 3
            assert page.evaluate("Array.from(document.querySelectorAll('.reveal img')).every(i => i.naturalWidth > 0)")
            # Section 2's slide: the change-of-variables formula above its figure.
            page.evaluate("window.location.hash = '#/2/0'")
            shown = ".reveal .slides > section.present > section.present"
            page.wait_for_function(f"document.querySelector('{shown} img') !== null", timeout=10_000)
            page.wait_for_timeout(500)  # let the transition settle before the screenshot
            assert page.locator(f"{shown} .MathJax_CHTML").count() > 0
            page.screenshot(path=str(ARTIFACTS / "01_flow_review_section_2.png"))

            for address in ("site/index.html", "site/01_flow_review.html"):
                page.goto(f"{local_server}/{address}", timeout=60_000)
                page.wait_for_function(_MATHJAX_DONE, timeout=30_000)
                assert page.locator(".MathJax_Error, .mjx-merror").count() == 0
            assert page.locator("main img").count() >= 3 and page.locator("nav.course-nav a").count() >= 2
            assert page.evaluate("Array.from(document.querySelectorAll('main img')).every(i => i.naturalWidth > 0)")
            page.screenshot(path=str(ARTIFACTS / "site_01_flow_review.png"))
        finally:
            browser.close()
    assert outside == [], f"requests left the machine: {outside}"
    assert errors == [], f"JavaScript errors: {errors}"
