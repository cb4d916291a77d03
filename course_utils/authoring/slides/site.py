"""The static site: every solution notebook as an HTML page with its outputs, and an index in course order.

The site shows the solutions, worked answers included: it is the course to read.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from pathlib import Path

import nbformat
from jinja2 import DictLoader
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

from course_utils.authoring.slides.alt_text import ALT_BLOCKS, with_alt
from course_utils.authoring.slides.pages import (
    SOLUTIONS_DIR,
    href,
    index_page,
    page_transforms,
    solution_paths,
    summary_of,
    title_of,
)
from course_utils.authoring.slides.vendor import VENDOR_DIR, fetch_vendor, vendor_urls

SITE_DIR = Path("build") / "site"
_PAGE_TEMPLATE = (
    """{%- extends 'index.html.j2' -%}
{% block extra_css %}
<style type="text/css">
nav.course-nav { display: flex; gap: 2em; justify-content: center; padding: 0.8em;
  font-family: var(--jp-ui-font-family); font-size: 15px; }
</style>
{% endblock extra_css %}
{%- block body_header -%}
{{ super() }}
<nav class="course-nav">{{ resources.course_nav }}</nav>
{%- endblock body_header -%}
{% block body_footer %}
<nav class="course-nav">{{ resources.course_nav }}</nav>
{{ super() }}
{% endblock body_footer %}
"""
    + ALT_BLOCKS
)


def _page_exporter(urls: dict[str, str], transforms: list[Preprocessor]) -> HTMLExporter:
    """Return the HTMLExporter of the site's pages: local libraries, the course's template, `transforms`."""
    config = Config()
    config.HTMLExporter.update(require_js_url=urls["require"], mathjax_url=urls["mathjax"])
    return HTMLExporter(
        config=config,
        extra_loaders=[DictLoader({"course_page.html.j2": _PAGE_TEMPLATE})],
        template_file="course_page.html.j2",
        preprocessors=transforms,
        filters={"with_alt": with_alt},
    )


def _navigation(paths: Sequence[Path], titles: Sequence[str], index: int) -> str:
    """Return the links of page `index`: the previous notebook, the contents, the next notebook."""
    links = ['<a href="index.html">Contents</a>']
    if index > 0:
        before, title = href(f"{paths[index - 1].stem}.html"), html.escape(titles[index - 1])
        links.insert(0, f'<a href="{before}" rel="prev">← {title}</a>')
    if index + 1 < len(paths):
        after, title = href(f"{paths[index + 1].stem}.html"), html.escape(titles[index + 1])
        links.append(f'<a href="{after}" rel="next">{title} →</a>')
    return "".join(links)


def build_site(
    solutions_dir: Path = SOLUTIONS_DIR,
    out_dir: Path = SITE_DIR,
    vendor_dir: Path = VENDOR_DIR,
    answers: bool = True,
) -> dict[Path, float]:
    """Write every solution notebook as an HTML page with its outputs, and index.html in course order.

    Pages show the worked answers unless `answers` is False (then the learner's version).
    Returns {page: seconds}.
    """
    transforms = page_transforms(answers)  # checks `answers` before anything is fetched
    paths = solution_paths(solutions_dir, None)
    out_dir, vendor_dir = Path(out_dir), fetch_vendor(vendor_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    urls = vendor_urls(out_dir, vendor_dir)
    exporter = _page_exporter(urls, transforms)
    notebooks = [nbformat.read(path, as_version=4) for path in paths]
    titles = [title_of(notebook, path.stem) for notebook, path in zip(notebooks, paths, strict=True)]
    timings = {}
    for i, (path, notebook) in enumerate(zip(paths, notebooks, strict=True)):
        start = time.perf_counter()
        resources = {"metadata": {"name": titles[i]}, "course_nav": _navigation(paths, titles, i)}
        body, _ = exporter.from_notebook_node(notebook, resources=resources)
        target = out_dir / f"{path.stem}.html"
        target.write_text(body, encoding="utf-8")
        timings[target] = time.perf_counter() - start
    entries = [(f"{p.stem}.html", title, summary_of(nb)) for p, title, nb in zip(paths, titles, notebooks, strict=True)]
    version = "worked answers included" if answers else "exercises left open"
    note = f"Every notebook of the course with its outputs ({version}), in order."
    (out_dir / "index.html").write_text(
        index_page("Normalizing flows, hands-on", entries, note, urls["mathjax"]), encoding="utf-8"
    )
    return timings
