"""The alt texts of a built page's images, as a browser reads them (shared by the slide and site tests).

Importable from any test: pytest puts tests/ on sys.path for its conftest.py.
"""

import html.parser

NBCONVERT_PLACEHOLDER = "No description has been provided for this image"  # nbconvert's alt when none is given


class _ImageAlts(html.parser.HTMLParser):
    """The `alt` of every `<img>` of a page, None for an image without one (unescaped)."""

    def __init__(self) -> None:
        super().__init__()
        self.alts: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record an image's alt text."""
        if tag == "img":
            self.alts.append(dict(attrs).get("alt"))


def image_alts(page: str) -> list[str | None]:
    """The alt text of every image of the HTML `page`, in order (None where an image has none)."""
    parser = _ImageAlts()
    parser.feed(page)
    return parser.alts
