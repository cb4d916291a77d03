"""Slide types by rule: every notebook of the course is also a slide deck.

Slide types (`metadata.slideshow.slide_type`) follow a lecture's rhythm, intuition -> formula ->
code -> picture, set by `assign_slide_types` (rules in `rule_slide_types`'s docstring). The
generator applies them to solutions/ and so to notebooks/; a cell whose type an author set by
hand keeps it. JupyterLab shows the types live with jupyterlab-slideshow ("Start Deck").
"""

from __future__ import annotations

import base64
import copy
import math
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass

import nbformat

from course_utils.authoring.markers import SETUP_TAG

SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
RULES_KEY = "course_slides"  # notebook metadata: {"assigned_by_rule": {id: type}, "set_by_hand": {id: type}}
ROWS_PER_SLIDE = 24.0  # what fits on a 960 x 700 reveal.js slide, in lines of 20 px text
_ROW_PX, _SLIDE_WIDTH_PX, _CHARS_PER_ROW = 28.0, 900.0, 95
_CODE_ROW, _CODE_CHARS_PER_ROW = 0.7, 105  # a line of 14 px code (the decks' code font) in rows of text
_HIDDEN = ("skip", "notes")


def tags(cell: nbformat.NotebookNode) -> list[str]:
    """Return the cell's tags."""
    return cell.get("metadata", {}).get("tags", [])


def heading_level(source: str) -> int:
    """Return the level of the Markdown heading the cell opens with (1 for '# '), 0 for none."""
    found = re.match(r"(#{1,6})\s", source.lstrip())
    return len(found.group(1)) if found else 0


# ---------------------------------------------------------------- how much of a slide a cell takes


def _png_rows(data: str) -> float:
    """Return the rows a base64 PNG takes on a slide, scaled down to the slide's width."""
    try:
        header = base64.b64decode("".join(data[:100].split())[:44])
        width, height = struct.unpack(">II", header[16:24])
    except (ValueError, struct.error):
        return ROWS_PER_SLIDE / 2  # not a readable PNG header: assume a figure of half a slide
    return height * min(1.0, _SLIDE_WIDTH_PX / max(width, 1)) / _ROW_PX


def _text_rows(text: str, chars_per_row: int = _CHARS_PER_ROW) -> float:
    """Return the rows plain text takes, wrapping long lines."""
    return sum(max(1, math.ceil(len(line) / chars_per_row)) for line in text.rstrip("\n").split("\n"))


def _markdown_line_rows(stripped: str) -> float:
    """Return the rows one stripped line of Markdown takes (blank, heading, display math or text)."""
    if not stripped:
        return 0.5
    if heading_level(stripped):
        return 2.0
    if stripped.startswith("$$") or stripped.endswith("$$"):
        return 1.5
    return _text_rows(stripped)


def _output_rows(output: nbformat.NotebookNode) -> float:
    """Return the rows one output of a code cell takes (a figure, a stream, a value or a traceback)."""
    data = output.get("data", {})
    if "image/png" in data:
        return _png_rows(data["image/png"])
    if output.get("output_type") == "stream":
        return _CODE_ROW * _text_rows(output.get("text", ""), _CODE_CHARS_PER_ROW)
    if "text/plain" in data:
        return _CODE_ROW * _text_rows(data["text/plain"], _CODE_CHARS_PER_ROW)
    if output.get("output_type") == "error":
        return _CODE_ROW * len(output.get("traceback", []))
    return 0.0


def cell_rows(cell: nbformat.NotebookNode) -> float:
    """Estimate the height of a cell on a slide, in rows of text (images and outputs included)."""
    if cell.cell_type != "code":
        rows = 0.0
        for line in cell.source.strip().split("\n"):
            rows += _markdown_line_rows(line.strip())
        return rows
    rows = 1.0 + _CODE_ROW * len(cell.source.split("\n"))
    for output in cell.get("outputs", []):
        rows += _output_rows(output)
    return rows


# ---------------------------------------------------------------- types set by hand


def _recorded(notebook: nbformat.NotebookNode, key: str) -> dict[str, str]:
    """Return {cell id: type} recorded under course_slides.<key> (empty if never)."""
    return dict(notebook.get("metadata", {}).get(RULES_KEY, {}).get(key, {}))


def slide_type(cell: nbformat.NotebookNode) -> str:
    """Return the cell's slide type; '-' (continue the current slide) when it has none."""
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-") or "-"


def explicit_types(notebook: nbformat.NotebookNode) -> dict[int, str]:
    """Return {cell index: type} of the slide types set by hand, which the rules keep.

    The notebook's metadata `course_slides` records, by cell id, the types the rules set
    (`assigned_by_rule`) and those found set by hand (`set_by_hand`). A cell's type counts as
    set by hand when it differs from what the rules recorded for it (an author wrote it, or a
    teacher changed it later in JupyterLab's property inspector), or when the cell has none ('-',
    which JupyterLab stores as no metadata) while the rules had recorded another type or the
    cell was recorded as set by hand.
    """
    derived, by_hand = _recorded(notebook, "assigned_by_rule"), _recorded(notebook, "set_by_hand")
    explicit = {}
    for index, cell in enumerate(notebook.cells):
        cell_id, kind = cell.get("id"), slide_type(cell)
        if "slide_type" in cell.get("metadata", {}).get("slideshow", {}):
            if derived.get(cell_id) != kind:
                explicit[index] = kind
        elif cell_id in by_hand or derived.get(cell_id, "-") != "-":
            explicit[index] = "-"
    return explicit


# ---------------------------------------------------------------- the rules


def _is_exercise(cell: nbformat.NotebookNode) -> bool:
    """True for an exercise code cell (tag `exercise`)."""
    return cell.cell_type == "code" and "exercise" in tags(cell)


def _skipped(cells: Sequence[nbformat.NotebookNode], explicit: dict[int, str]) -> set[int]:
    """Return the indices of the cells not shown: set-up and check cells, and those set to skip or notes."""
    first_code = next(
        (i for i, cell in enumerate(cells) if cell.cell_type == "code" and SETUP_TAG not in tags(cell)), None
    )
    hidden_tags = {"exercise-check", SETUP_TAG}
    return {
        i
        for i, cell in enumerate(cells)
        if explicit.get(i) in _HIDDEN or (i not in explicit and (i == first_code or hidden_tags & set(tags(cell))))
    }


@dataclass
class _Walk:
    """The cells the rules walk through, and the state of the slide being filled."""

    cells: Sequence[nbformat.NotebookNode]
    rows: list[float]
    skipped: set[int]
    first_markdown: int | None
    used: float = 0.0
    previous: int | None = None
    after_exercise: bool = False

    def follows(self, cell_type: str) -> nbformat.NotebookNode | None:
        """Return the previous shown cell if it is of `cell_type`, else None."""
        if self.previous is None or self.cells[self.previous].cell_type != cell_type:
            return None
        return self.cells[self.previous]

    def fits(self, rows: float) -> bool:
        """True when `rows` more rows still fit on the current slide."""
        return self.used + rows <= ROWS_PER_SLIDE

    def advance(self, index: int, kind: str) -> None:
        """Account for cell `index` shown with slide type `kind`."""
        if kind in _HIDDEN:
            return
        self.used = self.rows[index] if kind in ("slide", "subslide") else self.used + self.rows[index]
        self.previous, self.after_exercise = index, _is_exercise(self.cells[index])


def _exercise_type(walk: _Walk, index: int) -> str:
    """Rule 4: an exercise stays on the slide of its ✏️ statement when it fits, else starts a subslide."""
    statement = walk.follows("markdown")
    on_statement = statement is not None and "✏️" in statement.source
    return "-" if on_statement and walk.fits(walk.rows[index]) else "subslide"


def _markdown_type(walk: _Walk, index: int) -> str:
    """Rule 6: a paragraph and the code it introduces start a subslide when they no longer fit."""
    unit, j = walk.rows[index], index + 1
    while j < len(walk.cells) and walk.cells[j].cell_type != "markdown":
        unit += 0.0 if j in walk.skipped else walk.rows[j]
        j += 1
    if not walk.fits(unit):
        return "subslide"
    return "fragment" if walk.follows("code") is not None else "-"


def _code_type(walk: _Walk, index: int) -> str:
    """Rule 7: code that no longer fits starts a subslide, unless it follows its lead-in paragraph."""
    paragraph = walk.follows("markdown")
    lead_in = paragraph is not None and not heading_level(paragraph.source)
    return "subslide" if not walk.fits(walk.rows[index]) and not lead_in else "-"


def _rule_type(walk: _Walk, index: int) -> str:
    """Return the type rules 3 to 7 give a cell that is shown and not set by hand."""
    cell = walk.cells[index]
    level = heading_level(cell.source) if cell.cell_type == "markdown" else 0
    if index == walk.first_markdown or level in (1, 2):
        return "slide"
    if level >= 3:
        return "subslide"
    if _is_exercise(cell):
        return _exercise_type(walk, index)
    if walk.after_exercise:
        return "subslide"
    return _markdown_type(walk, index) if cell.cell_type == "markdown" else _code_type(walk, index)


def rule_slide_types(cells: Sequence[nbformat.NotebookNode], explicit: dict[int, str] | None = None) -> list[str]:
    """Return the slide type of every cell by the course's rules; `explicit` {index: type} are kept.

    In order, the first rule that applies:
    1. a type set by hand is kept;
    2. the set-up cell (tag `course-setup`), the first other code cell (the imports) and check cells
       (tag `exercise-check`) -> skip;
    3. the first Markdown cell and every '# ' or '## ' heading -> slide; a '### ' heading -> subslide;
    4. an exercise cell (tag `exercise`) -> subslide, unless it follows its ✏️ statement and fits
       on that slide ('-');
    5. the first cell after an exercise -> subslide (a new topic starts);
    6. a Markdown cell that, with the code cells it introduces, no longer fits on the current
       slide (ROWS_PER_SLIDE, images and outputs counted) -> subslide; otherwise 'fragment'
       right after code (the take-away of a picture appears on the next click), '-' after text;
    7. a code cell that no longer fits -> subslide, unless it follows the paragraph that
       introduces it (a Markdown cell without a heading: they stay together); otherwise '-'.
    """
    explicit = dict(explicit or {})
    for index, kind in explicit.items():
        if kind not in SLIDE_TYPES:
            raise ValueError(f"cell {index}: slide type must be one of {list(SLIDE_TYPES)}, got {kind!r}")
    kinds = [cell.cell_type for cell in cells]
    first_markdown = kinds.index("markdown") if "markdown" in kinds else None
    walk = _Walk(cells, [cell_rows(cell) for cell in cells], _skipped(cells, explicit), first_markdown)
    types = []
    for index in range(len(cells)):
        if index in explicit:
            kind = explicit[index]
        else:
            kind = "skip" if index in walk.skipped else _rule_type(walk, index)
        types.append(kind)
        walk.advance(index, kind)
    return types


def assign_slide_types(notebook: nbformat.NotebookNode, keep_hand_set: bool = True) -> nbformat.NotebookNode:
    """Return a copy of the notebook with every cell's slide type set by `rule_slide_types`.

    Types set by hand are kept (see `explicit_types`) unless `keep_hand_set` is False. '-' is
    stored as no slideshow metadata (nbconvert reads a missing type as '-', JupyterLab stores its
    '-' so, and jupyterlab-slideshow understands only that). What the rules set and what was
    set by hand are recorded by cell id in the notebook's metadata (`course_slides`), so that
    running the rules again, after a change of the rules or of the notebook, tells them apart.
    Running it twice gives the same notebook.
    """
    if not isinstance(notebook, nbformat.NotebookNode) or "cells" not in notebook:
        raise TypeError(f"notebook must be an nbformat NotebookNode with cells, got {type(notebook).__name__}")
    if not isinstance(keep_hand_set, bool):
        raise TypeError(f"keep_hand_set must be a bool, got {keep_hand_set!r}")
    notebook = copy.deepcopy(notebook)
    explicit = explicit_types(notebook) if keep_hand_set else {}
    derived, by_hand = {}, {}
    for index, (cell, kind) in enumerate(zip(notebook.cells, rule_slide_types(notebook.cells, explicit), strict=True)):
        slideshow = cell.metadata.get("slideshow", {})
        slideshow.pop("slide_type", None)
        if kind != "-":
            slideshow["slide_type"] = kind
        if slideshow:
            cell.metadata["slideshow"] = slideshow
        else:
            cell.metadata.pop("slideshow", None)
        if cell.get("id"):
            (by_hand if index in explicit else derived)[cell.id] = kind
    notebook.metadata[RULES_KEY] = {"assigned_by_rule": derived, "set_by_hand": by_hand}
    return notebook
