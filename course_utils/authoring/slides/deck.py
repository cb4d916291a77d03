"""Offline reveal.js decks: one per solution notebook, the learner's version unless the answers are asked for.

Decks are projected before learners solve the exercises, so they show the stubs (as in notebooks/);
check cells and the set-up cell are skipped by the slide rules. An index.html lists all decks.
In the browser, a slide taller than 960 × 700 is scaled down to fit and a long code line gets a
smaller font (`fit`); formulas are typeset once, so the speaker view's previews draw each once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import nbformat
from jinja2 import DictLoader
from nbconvert import SlidesExporter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

from course_utils.authoring.slides.alt_text import ALT_BLOCKS, with_alt
from course_utils.authoring.slides.fit import FIT_CSS, FIT_JS
from course_utils.authoring.slides.pages import (
    SOLUTIONS_DIR,
    index_page,
    page_transforms,
    solution_paths,
    summary_of,
    title_of,
)
from course_utils.authoring.slides.vendor import VENDOR_DIR, fetch_vendor, vendor_urls

DECKS_DIR = Path("build") / "slides"
# nbconvert's reveal template imports mermaid from a CDN on every page; the course has no diagrams.
# Its footer script typeset every slide again on each change (formulas drawn twice in the speaker
# view's previews) and gave tall slides a scroll box: this one starts reveal.js and fits the slides.
_DECK_TEMPLATE = (
    """{%- extends 'index.html.j2' -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style type="text/css">{% raw %}"""
    + FIT_CSS
    + """{% endraw %}</style>
{%- endblock html_head_css -%}
{% block footer_js %}
<script>{% raw %}"""
    + FIT_JS
    + """{% endraw %}
require(
  {waitSeconds: 15},
  ["{{ reveal_url_prefix }}/dist/reveal.js", "{{ reveal_url_prefix }}/plugin/notes/notes.js"],
  function (Reveal, RevealNotes) {
    window.Reveal = Reveal;
    Reveal.initialize({
      controls: true,
      progress: true,
      history: true,
      transition: "{{ reveal_transition }}",
      slideNumber: "{{ reveal_number }}",
      plugins: [RevealNotes],
      width: {{ reveal_width }},
      height: {{ reveal_height }},
    });
    courseFitSlides(Reveal);
  }
);
</script>
{% endblock footer_js %}
"""
    + ALT_BLOCKS
)
_INDEX_NOTE = "One deck per notebook. Arrows or space to move, Esc for the overview, S for speaker notes."


def _deck_exporter(urls: dict[str, str], transforms: list[Preprocessor]) -> SlidesExporter:
    """Return the SlidesExporter of the course's decks: local libraries, the course's template, `transforms`."""
    config = Config()
    config.SlidesExporter.update(
        reveal_url_prefix=urls["reveal"],
        reveal_theme="white",
        reveal_transition="none",
        reveal_number="c/t",
        require_js_url=urls["require"],
        jquery_url=urls["jquery"],
        mathjax_url=urls["mathjax"],
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    # Given here, the transforms run before the reveal template's preprocessor reads the slide types.
    return SlidesExporter(
        config=config,
        extra_loaders=[DictLoader({"course_deck.html.j2": _DECK_TEMPLATE})],
        template_file="course_deck.html.j2",
        preprocessors=transforms,
        filters={"with_alt": with_alt},
    )


def _write_index(solutions_dir: Path, out_dir: Path, mathjax_url: str) -> None:
    """Write out_dir/index.html listing, in course order, every deck found in out_dir."""
    entries = []
    for path in sorted(Path(solutions_dir).glob("*.ipynb")):
        if (out_dir / f"{path.stem}.slides.html").exists():
            notebook = nbformat.read(path, as_version=4)
            entries.append((f"{path.stem}.slides.html", title_of(notebook, path.stem), summary_of(notebook)))
    page = index_page("Normalizing flows, hands-on: slides", entries, _INDEX_NOTE, mathjax_url)
    (out_dir / "index.html").write_text(page, encoding="utf-8")


def build_decks(
    names: Sequence[str] | None = None,
    solutions_dir: Path = SOLUTIONS_DIR,
    out_dir: Path = DECKS_DIR,
    vendor_dir: Path = VENDOR_DIR,
    answers: bool = False,
) -> dict[Path, float]:
    """Write one reveal.js deck per solution notebook (or only `names`) to out_dir; return {deck: seconds}.

    The decks show the learner's version (stubs in the exercise cells) unless `answers`.
    """
    transforms = page_transforms(answers)  # checks `answers` before anything is fetched
    paths = solution_paths(solutions_dir, names)
    out_dir, vendor_dir = Path(out_dir), fetch_vendor(vendor_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    urls = vendor_urls(out_dir, vendor_dir)
    exporter = _deck_exporter(urls, transforms)
    timings = {}
    for path in paths:
        start = time.perf_counter()
        notebook = nbformat.read(path, as_version=4)
        body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": path.stem}})
        target = out_dir / f"{path.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        timings[target] = time.perf_counter() - start
    _write_index(solutions_dir, out_dir, urls["mathjax"])
    return timings
