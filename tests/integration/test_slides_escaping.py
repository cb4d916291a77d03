"""The decks and the site escape what they write into HTML: file names in links, titles in text, figures' alt text.

A notebook named with a double quote, `<`, `&`, `#` and spaces, titled with markup, is built into a
site and decks (nbconvert, no npm: a stand-in vendor folder, itself under a name with a space and
`&`). Every link and script of the pages written by the course's code must point at a file that
exists, and no title may turn into markup.
"""

import html.parser
import json
import urllib.parse
from pathlib import Path

import nbformat
import pytest
from image_alts import image_alts

from course_utils.authoring.slides import deck, pages, site, vendor

AWKWARD = 'A "quoted" <b> & co #1'
TITLE = 'Flows <i>&</i> "friends"'
_VENDOR_FILES = ("reveal.js/dist/reveal.js", "requirejs/require.js", "jquery/dist/jquery.min.js", "mathjax/MathJax.js")


class _Links(html.parser.HTMLParser):
    """The targets of every `a href` and `script src` of a page, and the text of its links."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.link_texts: list[str] = []
        self._in_link = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record a link's or script's target."""
        wanted = {"a": "href", "script": "src"}.get(tag)
        self.targets += [value for name, value in attrs if name == wanted and value]
        if tag == "a":
            self._in_link = True
            self.link_texts.append("")

    def handle_endtag(self, tag: str) -> None:
        """Close a link."""
        self._in_link = self._in_link and tag != "a"

    def handle_data(self, data: str) -> None:
        """Collect a link's text."""
        if self._in_link:
            self.link_texts[-1] += data


def _links(page: Path) -> _Links:
    """Parse a page's links."""
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _local_files(page: Path, targets: list[str]) -> list[Path]:
    """The files the relative targets of a page point at (query and fragment dropped)."""
    found = []
    for target in targets:
        parts = urllib.parse.urlsplit(target)
        if not parts.scheme and not target.startswith("#") and parts.path:
            found.append(page.parent / urllib.parse.unquote(parts.path))
    return found


def _notebook(title: str) -> nbformat.NotebookNode:
    """A two-cell notebook with a title and a summary."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\nA summary."), nbformat.v4.new_code_cell("x = 1")]
    return notebook


@pytest.fixture
def awkward_course(tmp_path):
    """Solutions 00, the awkward one, and 02; a stand-in vendor folder npm is never asked for."""
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    for name, title in (("00 start", "Start"), (f"01 {AWKWARD}", TITLE), ("02 end", "End")):
        nbformat.write(_notebook(title), solutions / f"{name}.ipynb")
    vendor_dir = tmp_path / "my vendor & co"
    for relative in _VENDOR_FILES:
        (vendor_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (vendor_dir / relative).write_text("")
    (vendor_dir / vendor._VENDOR_MARKER).write_text(json.dumps(vendor.VENDOR))
    return solutions, vendor_dir


def test_a_file_name_is_quoted_and_escaped_as_a_link():
    assert pages.href(f"{AWKWARD}.html") == "A%20%22quoted%22%20%3Cb%3E%20%26%20co%20%231.html"
    assert site._navigation([Path("a"), Path(AWKWARD)], ["A", TITLE], 0) == (
        '<a href="index.html">Contents</a>'
        '<a href="A%20%22quoted%22%20%3Cb%3E%20%26%20co%20%231.html" rel="next">'
        "Flows &lt;i&gt;&amp;&lt;/i&gt; &quot;friends&quot; →</a>"
    )


def test_site_links_reach_every_page_and_titles_stay_text(awkward_course, tmp_path):
    solutions, vendor_dir = awkward_course
    out = tmp_path / "site"
    site.build_site(solutions, out, vendor_dir)
    index = _links(out / "index.html")
    assert TITLE in index.link_texts
    targets = _local_files(out / "index.html", index.targets)
    assert out / f"01 {AWKWARD}.html" in targets and all(path.exists() for path in targets), targets
    for name in ("00 start", "02 end"):  # the pages whose navigation names the awkward one
        page = _links(out / f"{name}.html")
        assert any(TITLE in text for text in page.link_texts)
        course_links = [t for t in page.targets if t.endswith(".html") or "vendor" in t]
        linked = _local_files(out / f"{name}.html", course_links)
        assert out / f"01 {AWKWARD}.html" in linked and all(path.exists() for path in linked), linked
        assert any("MathJax.js" in str(path) for path in linked)  # the vendor's folder name is quoted too
    assert '<title>Flows &lt;i&gt;&amp;&lt;/i&gt; "friends"</title>' in (out / f"01 {AWKWARD}.html").read_text()


def test_deck_index_links_reach_every_deck(awkward_course, tmp_path):
    solutions, vendor_dir = awkward_course
    out = tmp_path / "slides"
    deck.build_decks(None, solutions, out, vendor_dir)
    index = _links(out / "index.html")
    targets = _local_files(out / "index.html", index.targets)
    assert out / f"01 {AWKWARD}.slides.html" in targets and all(path.exists() for path in targets), targets
    assert TITLE in index.link_texts
    deck_page = (out / f"01 {AWKWARD}.slides.html").read_text(encoding="utf-8")
    scripts = _local_files(out / "x", [t for t in _links(out / f"01 {AWKWARD}.slides.html").targets if "vendor" in t])
    assert scripts and all(path.exists() for path in scripts), scripts
    assert '<title>01 A "quoted" &lt;b&gt; &amp; co #1 slides</title>' in deck_page  # nbconvert escapes the title


def test_alt_texts_with_quotes_and_markup_stay_text(awkward_course, tmp_path):
    _, vendor_dir = awkward_course
    solutions = tmp_path / "figures"
    solutions.mkdir()
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    figure = nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})
    notebook = _notebook("Figures")
    notebook.cells += [
        nbformat.v4.new_markdown_cell("The code `<b>` & \"quoted\" says 'what' to <i>see</i>. More."),
        nbformat.v4.new_code_cell("plot()", outputs=[figure]),
        nbformat.v4.new_code_cell("plot()", outputs=[figure], metadata={"alt": f"{TITLE} 'alt' >"}),
    ]
    nbformat.write(notebook, solutions / "01 figures.ipynb")
    expected = ["The code <b> & \"quoted\" says 'what' to see.", f"{TITLE} 'alt' >"]  # markup in Markdown: dropped
    site.build_site(solutions, tmp_path / "site", vendor_dir)
    deck.build_decks(None, solutions, tmp_path / "slides", vendor_dir)
    for page in (tmp_path / "site" / "01 figures.html", tmp_path / "slides" / "01 figures.slides.html"):
        assert image_alts(page.read_text(encoding="utf-8")) == expected, page.name
