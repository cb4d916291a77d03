"""Alt text for the figures of the decks and the site: every `<img>` they show gets a meaningful `alt`.

The text of a figure (an image output of a code cell) comes, in this order, from
1. the cell's metadata "alt": one string, or a list of one string per figure of the cell;
2. the first sentence of the nearest markdown cell before it, the sentence that introduces the
   figure (headings and a bold lead-in such as "**Try it.**" passed over, Markdown and TeX marks
   removed), cut to about 200 characters;
3. the output's text/plain, when it names the figure (a widget's summary; not "<Figure size ...>");
4. else "Figure drawn by: " and the first line of the cell's code.
Several figures sharing one text are numbered "(figure 2 of 3)".

`FigureAltText`, the last of `pages.page_transforms`, stores each figure's text in its output's
metadata; `ALT_BLOCKS`, part of both the deck and the page template, has nbconvert's own image
blocks write it as the `alt` attribute (`with_alt`, HTML-escaped).
"""

from __future__ import annotations

import html
import html.parser
import re
from typing import Any

import nbformat

from course_utils.authoring.transforms import CoursePreprocessor, Resources

ALT_KEY = "alt"  # in a cell's metadata: the author's text; in an image output's metadata: the text shown
MAX_CHARS = 200
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")

# Added to a template that extends nbconvert's lab or reveal `index.html.j2`: the same image markup, with `alt`.
ALT_BLOCKS = "".join(
    f"{{% block {block} scoped %}}{{{{ super() | with_alt(output.metadata.get('{ALT_KEY}', '')) }}}}"
    f"{{% endblock {block} %}}\n"
    for block in ("data_png", "data_jpg", "data_svg")
)

_SKIPPED_BLOCKS = ("$$", "```", "~~~", "<", "|")  # display math, code, HTML and tables: no sentence to read
_LEAD_IN = re.compile(r"^\s*(\*\*|__)([^*_]+?[.!?:])\1\s+(?=\S)")  # "**Try it.** Drag ...": a run-in heading
# A sentence ends at . ! or ? before a capital, a digit, a quote, a bracket or a name of code ("data.two_moons").
_SENTENCE_END = re.compile(r"[.!?](?=\s+(?:[A-Z0-9\"'“(`]|[a-z_]\w*[._(]))")
_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.DOTALL)
_TEX_WRAPPERS = re.compile(r"\\(?:mathbf|mathcal|mathrm|mathit|boldsymbol|text|operatorname)\s*\{([^{}]*)\}")
_TEX_SYMBOLS = {
    r"\le": "≤",
    r"\ge": "≥",
    r"\to": "→",
    r"\mapsto": "↦",
    r"\times": "×",
    r"\cdot": "·",
    r"\mid": "|",
    r"\sim": "~",
    r"\infty": "∞",
    r"\partial": "∂",
}
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt\s*=)", re.IGNORECASE)
_REPR = re.compile(r"^<.*>$", re.DOTALL)  # "<Figure size 800x400 with 2 Axes>", "<IPython...Image object>"


class _Text(html.parser.HTMLParser):
    """The text of an HTML fragment, tags dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        """Keep a piece of text."""
        self.parts.append(data)


def _plain_math(tex: str) -> str:
    r"""Return TeX as text a screen reader can say: `\mathbf{x}` -> x, `\le` -> ≤, `\sigma` -> sigma, no braces."""
    tex = _TEX_WRAPPERS.sub(r"\1", tex)
    for command, symbol in _TEX_SYMBOLS.items():
        tex = re.sub(re.escape(command) + r"(?![a-zA-Z])", symbol, tex)
    tex = re.sub(r"\\[,;:!]", " ", tex)
    tex = re.sub(r"\\([a-zA-Z]+)", r"\1", tex)
    return tex.replace("{", "").replace("}", "").replace("\\", "")


def plain_text(markdown: str) -> str:
    """Return Markdown as one line of plain text: markup and tags dropped, math as readable text."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune  # imported here: mistune is slow to load

    parser = _Text()
    parser.feed(markdown2html_mistune(markdown))
    text = _MATH.sub(lambda m: _plain_math(m.group(1) or m.group(2)), "".join(parser.parts))
    return " ".join(text.split())


def shorten(text: str, limit: int = MAX_CHARS) -> str:
    """Return `text` cut at a word to at most `limit` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else cut
    return cut.rstrip(" ,;:—-") + "…"


def first_sentence(markdown: str) -> str:
    """Return the first sentence of a markdown cell's prose, or its first heading when it has no prose; "" if none.

    Headings, display math, code, HTML and tables are passed over, and so is a bold lead-in
    ("**Try it.** Drag the sliders: ..." gives "Drag the sliders: ..."); a closing colon becomes a period.
    """
    heading = ""
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = [line for line in block.splitlines() if not line.lstrip().startswith("#")]
        if len(lines) < len(block.splitlines()) and not heading:
            heading = next(line for line in block.splitlines() if line.lstrip().startswith("#")).lstrip("# ")
        prose = "\n".join(lines).strip()
        if not prose or prose.startswith(_SKIPPED_BLOCKS):
            continue
        text = plain_text(_LEAD_IN.sub("", prose, count=1))
        if text:
            end = _SENTENCE_END.search(text)
            sentence = text[: end.end()] if end else text
            return shorten(sentence[:-1] + "." if sentence.endswith(":") else sentence)
    return shorten(plain_text(heading)) if heading else ""


def _described(output: nbformat.NotebookNode) -> str:
    """Return the output's text/plain when it describes the figure (not a bare repr such as <Figure ...>)."""
    text = output.get("data", {}).get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else str(text)
    return "" if _REPR.match(text.strip()) else shorten(" ".join(text.split()))


def _code_line(cell: nbformat.NotebookNode) -> str:
    """Return the first line of the cell's code that is not blank or a comment."""
    lines = [line.strip() for line in cell.source.splitlines()]
    return next((line for line in lines if line and not line.startswith("#")), "the code cell")


def _numbered(text: str, n_figures: int) -> list[str]:
    """Return one text per figure: `text` itself for one figure, "text (figure k of n)" for several."""
    if n_figures == 1:
        return [text]
    return [f"{text} (figure {k} of {n_figures})" for k in range(1, n_figures + 1)]


def _authors_texts(cell: nbformat.NotebookNode, index: int, n_figures: int) -> list[str] | None:
    """Return the texts of the cell's metadata "alt", one per figure, or None without one; raise if malformed."""
    given = cell.metadata.get(ALT_KEY)
    if given is None:
        return None
    texts = [given] if isinstance(given, str) else given
    if not isinstance(texts, list) or not texts or not all(isinstance(text, str) and text.strip() for text in texts):
        raise ValueError(f'cell {index}: metadata "{ALT_KEY}" must be a non-empty string or a list of them')
    texts = [" ".join(text.split()) for text in texts]
    if isinstance(given, str):
        return _numbered(texts[0], n_figures)
    if n_figures and len(texts) != n_figures:  # none when the outputs were cleared (an exercise's stub)
        raise ValueError(f'cell {index}: metadata "{ALT_KEY}" gives {len(texts)} texts for {n_figures} figures')
    return texts


def alt_texts(cell: nbformat.NotebookNode, index: int, introduction: str) -> list[str]:
    """Return the alt text of each figure of a code cell, in order (see the module's docstring)."""
    figures = [output for output in cell.get("outputs", []) if is_figure(output)]
    authors = _authors_texts(cell, index, len(figures))
    if not figures:
        return []
    if authors is not None:
        return authors
    if introduction:
        return _numbered(introduction, len(figures))
    return [_described(output) or shorten(f"Figure drawn by: {_code_line(cell)}") for output in figures]


def is_figure(output: nbformat.NotebookNode) -> bool:
    """Whether an output is shown as an image (PNG, JPEG or SVG data)."""
    return output.get("output_type") in ("display_data", "execute_result") and any(
        kind in output.get("data", {}) for kind in IMAGE_TYPES
    )


def with_alt(markup: Any, alt: str) -> str:
    """Return HTML with `alt="..."` (escaped) added to every `<img>` that has none; unchanged when `alt` is empty."""
    if not alt:
        return str(markup)
    attribute = f'<img alt="{html.escape(alt, quote=True)}"'
    return _IMG_WITHOUT_ALT.sub(lambda _: attribute, str(markup))


class FigureAltText(CoursePreprocessor):
    """Store in every figure's output metadata ("alt") the text the decks and the site give its `<img>`."""

    def preprocess(self, nb: nbformat.NotebookNode, resources: Resources) -> tuple[nbformat.NotebookNode, Resources]:
        """Give every image output of the notebook its alt text, in the order of the module's docstring."""
        introduction = ""
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                introduction = first_sentence(cell.source)
            elif cell.cell_type == "code":
                figures = [output for output in cell.get("outputs", []) if is_figure(output)]
                for output, text in zip(figures, alt_texts(cell, index, introduction), strict=True):
                    output.setdefault("metadata", nbformat.NotebookNode())[ALT_KEY] = text
        return nb, resources
