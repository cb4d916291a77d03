"""Alt text of the figures in the decks and the site (`course_utils.authoring.slides.alt_text`).

A tiny notebook is built into a deck and a site page (nbconvert, no npm: a stand-in vendor folder);
every `<img>` must carry the alt text derived from the cell's metadata, else the sentence that
introduces the figure, else the output's own description, else the code that drew it.
"""

import json
from pathlib import Path

import nbformat
import pytest
from image_alts import NBCONVERT_PLACEHOLDER, image_alts

from course_utils.authoring.slides import alt_text, deck, site, vendor

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
_VENDOR_FILES = ("reveal.js/dist/reveal.js", "requirejs/require.js", "jquery/dist/jquery.min.js", "mathjax/MathJax.js")


def _figure(text: str = "<Figure size 640x480 with 1 Axes>") -> nbformat.NotebookNode:
    """A display_data output with a PNG and its text/plain repr, as matplotlib's inline backend stores it."""
    return nbformat.v4.new_output("display_data", data={"image/png": _PNG, "text/plain": text})


def _alts(page: Path) -> list[str | None]:
    return image_alts(page.read_text(encoding="utf-8"))


def _lecture() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        md("# 09 · Figures\n\nA summary."),
        code("import numpy as np"),
        md('## 1. Densities\n\nThe density <b>grows</b> & "falls" at $\\mathbf{x} \\le 0$. Then a second sentence.'),
        code("plot_two()", outputs=[_figure(), _figure()]),
        code("plot(x)", outputs=[_figure()], metadata={"alt": 'Two "moons" <i>&</i> a bridge'}),
        code("plot(a)\nplot(b)", outputs=[_figure(), _figure()], metadata={"alt": ["the first", "the second"]}),
        md("**Try it.** Drag the sliders: the density moves.\n\nMore text."),
        code("# a comment\nslider()", outputs=[_figure("<IPython.core.display.Image object>")]),
        md("### Only a heading"),
        code("x = 1", outputs=[nbformat.v4.new_output("stream", name="stdout", text="1\n")]),  # no figure
        code("show()", outputs=[_figure()]),
    ]
    return notebook


EXPECTED = [
    'The density grows & "falls" at x ≤ 0. (figure 1 of 2)',
    'The density grows & "falls" at x ≤ 0. (figure 2 of 2)',
    'Two "moons" <i>&</i> a bridge',
    "the first",
    "the second",
    "Drag the sliders: the density moves.",
    "Only a heading",
]


@pytest.fixture
def lecture_course(tmp_path):
    """solutions/ with the lecture, and a stand-in vendor folder npm is never asked for."""
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    nbformat.write(_lecture(), solutions / "09_figures.ipynb")
    vendor_dir = tmp_path / "vendor"
    for relative in _VENDOR_FILES:
        (vendor_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (vendor_dir / relative).write_text("")
    (vendor_dir / vendor._VENDOR_MARKER).write_text(json.dumps(vendor.VENDOR))
    return solutions, vendor_dir


def test_every_figure_of_a_deck_and_a_page_has_the_alt_text_derived_for_it(lecture_course, tmp_path):
    solutions, vendor_dir = lecture_course
    deck.build_decks(None, solutions, tmp_path / "slides", vendor_dir, answers=True)
    site.build_site(solutions, tmp_path / "site", vendor_dir)
    for page in (tmp_path / "slides" / "09_figures.slides.html", tmp_path / "site" / "09_figures.html"):
        alts = _alts(page)
        assert all(alt and alt.strip() and alt != NBCONVERT_PLACEHOLDER for alt in alts), (page.name, alts)
        assert alts == EXPECTED, page.name


def test_without_an_introduction_the_output_or_else_the_code_names_the_figure():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        code("# draw it\nfig = plotting.plot_density(flow)", outputs=[_figure()]),
        code("affine_flow_1d()", outputs=[_figure("affine_flow_1d widget (shift=1.00)")]),
    ]
    notebook, _ = alt_text.FigureAltText()(notebook, {})
    assert [cell.outputs[0].metadata["alt"] for cell in notebook.cells] == [
        "Figure drawn by: fig = plotting.plot_density(flow)",  # "<Figure size ...>" says nothing
        "affine_flow_1d widget (shift=1.00)",
    ]


@pytest.mark.parametrize(
    ("markdown", "sentence"),
    [
        ("## 2. A section\n\nProbability is conserved: if $x = f(z)$, mass moves. Then more.", None),
        ("The samples against the density TFP computes:", "The samples against the density TFP computes."),
        ("$$x = e^z$$\n\nA `tf.GradientTape` loop works. `training.train` is one.", "A tf.GradientTape loop works."),
        ("**Trained: splines.** The leaderboard trained both.", "The leaderboard trained both."),
        ("**Important** caveat here. Next.", "Important caveat here."),
        ("Values (e.g. the mean) are kept. Next.", "Values (e.g. the mean) are kept."),
        ("A [link](https://example.org) and $\\mathcal{N}(\\mathbf{0}, \\mathbf{I})$.", "A link and N(0, I)."),
        ("```python\ncode()\n```\n\n| a | b |\n|---|---|", ""),
    ],
)
def test_the_first_sentence_skips_headings_and_lead_ins_and_drops_markup(markdown, sentence):
    expected = "Probability is conserved: if x = f(z), mass moves." if sentence is None else sentence
    assert alt_text.first_sentence(markdown) == expected


def test_a_long_sentence_is_cut_at_a_word_to_about_200_characters():
    text = alt_text.first_sentence("word " * 100 + "end.")
    assert len(text) <= alt_text.MAX_CHARS and text.endswith("word…")


@pytest.mark.parametrize(
    ("given", "message"),
    [("  ", "non-empty string"), (["only one"], "1 texts for 2 figures"), ([1, 2], "non-empty string")],
)
def test_a_malformed_alt_in_the_metadata_is_refused(given, message):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [code("plot()", outputs=[_figure(), _figure()], metadata={"alt": given})]
    with pytest.raises(ValueError, match=f'cell 0: metadata "alt" .*{message}'):
        alt_text.FigureAltText()(notebook, {})


def test_an_alt_list_for_a_cell_whose_outputs_were_cleared_is_no_error():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [code("plot()", metadata={"alt": ["a", "b"]})]  # an exercise's stub: outputs cleared
    alt_text.FigureAltText()(notebook, {})


def test_with_alt_escapes_the_text_and_keeps_an_alt_already_there():
    markup = '<div><img src="a.png"\nclass="x"><img alt="mine" src="b.png"></div>'
    assert alt_text.with_alt(markup, 'say "<b>" & more') == (
        '<div><img alt="say &quot;&lt;b&gt;&quot; &amp; more" src="a.png"\nclass="x"><img alt="mine" src="b.png"></div>'
    )
    assert alt_text.with_alt(markup, "") == markup
