"""What the decks and the site share: which notebooks, their titles and summaries, the transforms, the index page."""

from __future__ import annotations

import html
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbconvert.preprocessors import Preprocessor

from course_utils.authoring.slide_rules import heading_level
from course_utils.authoring.slides.alt_text import FigureAltText
from course_utils.authoring.transforms import ClearWidgetState, learner_transforms, solution_transforms

SOLUTIONS_DIR = Path("solutions")


def solution_paths(solutions_dir: Path, names: Sequence[str] | None) -> list[Path]:
    """Return the solution notebooks in course order, only `names` (stem or file name) if given."""
    paths = sorted(Path(solutions_dir).glob("*.ipynb"))
    if names:
        unknown = [n for n in names if not any(n in (p.stem, p.name) for p in paths)]
        if unknown:
            raise ValueError(
                f"names must be notebooks in {solutions_dir}, got unknown {unknown}; known: {[p.stem for p in paths]}"
            )
        paths = [p for p in paths if p.stem in names or p.name in names]
    return paths


def href(file_name: str) -> str:
    """Return a file name as an attribute's value: URL-quoted (spaces, quotes, `&`, `#`), then HTML-escaped."""
    return html.escape(urllib.parse.quote(file_name), quote=True)


def page_transforms(answers: bool) -> list[Preprocessor]:
    """Return the transforms a solution notebook goes through before export; the learner's version unless `answers`.

    Without a stored widget state, widget outputs fall back to their PNG (and no widget manager
    is fetched from a CDN). Last, every figure gets its alt text (`alt_text`).
    """
    if not isinstance(answers, bool):
        raise TypeError(f"answers must be a bool, got {answers!r}")
    return [*solution_transforms(), *([] if answers else learner_transforms()), ClearWidgetState(), FigureAltText()]


def title_of(notebook: nbformat.NotebookNode, default: str) -> str:
    """Return the text of the notebook's first '# ' heading, else `default`."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and heading_level(cell.source) == 1:
            return cell.source.strip().split("\n")[0].lstrip("#").strip()
    return default


def summary_of(notebook: nbformat.NotebookNode) -> str:
    """Return the first paragraph after the title (plain text, Markdown marks kept)."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and heading_level(cell.source) == 1:
            paragraphs = [p.strip() for p in cell.source.strip().split("\n\n")[1:] if p.strip()]
            return " ".join(paragraphs[0].split()) if paragraphs else ""
    return ""


def index_page(title: str, entries: Sequence[tuple[str, str, str]], note: str, mathjax_url: str) -> str:
    """Return an HTML page listing (file name, title, Markdown summary) entries in order, math typeset locally.

    File names are URL-quoted and titles escaped; the summaries are the author's Markdown, rendered.
    """
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    items = "\n".join(
        f'<li><a href="{href(file_name)}">{html.escape(name)}</a>{markdown2html_mistune(summary)}</li>'
        for file_name, name, summary in entries
    )
    mathjax = (
        '<script type="text/x-mathjax-config">MathJax.Hub.Config({tex2jax: {inlineMath: '
        "[['$','$'], ['\\\\(','\\\\)']], processEscapes: true}, messageStyle: 'none'});</script>\n"
        f'<script src="{html.escape(mathjax_url, quote=True)}"></script>'
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        f"<title>{html.escape(title)}</title>\n<style>body{{font-family:sans-serif;max-width:50em;"
        f"margin:2em auto;padding:0 1em;line-height:1.5}}li{{margin-bottom:1em}}li p{{margin:0.2em 0;"
        f"color:#444}}</style>\n{mathjax}\n</head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
        f'<p>{html.escape(note)}</p>\n<ol class="course-index">\n{items}\n</ol>\n</body>\n</html>\n'
    )
