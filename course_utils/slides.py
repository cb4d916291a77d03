"""Every notebook is also a slide deck: slide types by rule, reveal.js decks and a static site, offline.

    python -m course_utils.slides deck [NAME ...]   # build/slides/NN_name.slides.html (+ index.html)
    python -m course_utils.slides deck --answers    # the same decks with the exercise answers shown
    python -m course_utils.slides site              # build/site/index.html and one page per notebook
    python -m course_utils.slides vendor            # only fetch reveal.js, require.js, jQuery, MathJax
    python -m course_utils.slides assign [--reset]  # only (re)assign slide types in solutions/

Slide types (`metadata.slideshow.slide_type`) follow a lecture's rhythm, intuition -> formula ->
code -> picture, set by `assign_slide_types` (rules in its docstring). `python -m
course_utils.generate` applies it to solutions/ and so to notebooks/; a cell whose type an author
set by hand keeps it. JupyterLab shows the types live with jupyterlab-slideshow ("Start Deck").

Decks and site read solutions/ and are built with nbconvert. Decks show the learner's version
(answers replaced by the stub, as in notebooks/): they are projected before learners solve the
exercises. The site shows the solutions, worked answers included: it is the course to read.
reveal.js 4.0.2, require.js, jQuery 3 and MathJax 2.7.7 are served from build/vendor/ (fetched
once from the npm registry with `npm pack`, not committed), so nothing is loaded from the
internet; serve build/ (`python -m http.server -d build`) or open the files directly.
"""
from __future__ import annotations

import argparse
import base64
import copy
import html
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
BUILD = ROOT / "build"

SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
RULES_KEY = "course_slides"  # notebook metadata: {"assigned_by_rule": {id: type}, "set_by_hand": {id: type}}
ROWS_PER_SLIDE = 24.0  # what fits on a 960 x 700 reveal.js slide, in lines of 20 px text
_ROW_PX, _SLIDE_WIDTH_PX, _CHARS_PER_ROW = 28.0, 900.0, 95
_CODE_ROW, _CODE_CHARS_PER_ROW = 0.7, 105  # a line of 14 px code (the decks' code font) in rows of text

# Packages served locally to decks and site: npm name -> exact version.
VENDOR = {"reveal.js": "4.0.2", "requirejs": "2.3.8", "jquery": "3.8.0", "mathjax": "2.7.7"}
_VENDOR_MARKER = ".versions.json"
# MathJax 2.7.7 is 60 MB unpacked; the CommonHTML output with the TeX fonts needs none of these.
_MATHJAX_SKIP = ("unpacked/", "jax/output/SVG/", "extensions/a11y/", "test/", "docs/")
_MATHJAX_FONTS_KEPT = "fonts/HTML-CSS/TeX/"
MATHJAX_CONFIG = "TeX-AMS_CHTML-full,Safe"

# nbconvert's reveal template imports mermaid from a CDN on every page; the course has no diagrams.
# The course's code lines run to about 110 characters: a smaller code font keeps them on the slide.
_DECK_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style type="text/css">:root { --jp-code-font-size: 14px; }</style>
{%- endblock html_head_css -%}
"""
_PAGE_TEMPLATE = """{%- extends 'index.html.j2' -%}
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


# ---------------------------------------------------------------- slide types by rule


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    """Return the cell's tags."""
    return cell.get("metadata", {}).get("tags", [])


def _heading_level(source: str) -> int:
    """Return the level of the Markdown heading the cell opens with (1 for '# '), 0 for none."""
    found = re.match(r"(#{1,6})\s", source.lstrip())
    return len(found.group(1)) if found else 0


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


def cell_rows(cell: nbformat.NotebookNode) -> float:
    """Estimate the height of a cell on a slide, in rows of text (images and outputs included)."""
    if cell.cell_type != "code":
        rows = 0.0
        for line in cell.source.strip().split("\n"):
            stripped = line.strip()
            if not stripped:
                rows += 0.5
            elif _heading_level(stripped):
                rows += 2.0
            elif stripped.startswith("$$") or stripped.endswith("$$"):
                rows += 1.5
            else:
                rows += _text_rows(stripped)
        return rows
    rows = 1.0 + _CODE_ROW * len(cell.source.split("\n"))
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" in data:
            rows += _png_rows(data["image/png"])
        elif output.get("output_type") == "stream":
            rows += _CODE_ROW * _text_rows(output.get("text", ""), _CODE_CHARS_PER_ROW)
        elif "text/plain" in data:
            rows += _CODE_ROW * _text_rows(data["text/plain"], _CODE_CHARS_PER_ROW)
        elif output.get("output_type") == "error":
            rows += _CODE_ROW * len(output.get("traceback", []))
    return rows


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


def rule_slide_types(cells: Sequence[nbformat.NotebookNode], explicit: dict[int, str] | None = None) -> list[str]:
    """Return the slide type of every cell by the course's rules; `explicit` {index: type} are kept.

    In order, the first rule that applies:
    1. a type set by hand is kept;
    2. the first code cell (the imports) and check cells (tag `exercise-check`) -> skip;
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
    first_code = kinds.index("code") if "code" in kinds else None
    rows = [cell_rows(cell) for cell in cells]
    skipped = {i for i, cell in enumerate(cells)
               if explicit.get(i) in ("skip", "notes")
               or (i not in explicit and (i == first_code or "exercise-check" in _tags(cell)))}

    types: list[str] = []
    used, previous, after_exercise = 0.0, None, False
    for i, cell in enumerate(cells):
        level = _heading_level(cell.source) if cell.cell_type == "markdown" else 0
        is_exercise = cell.cell_type == "code" and "exercise" in _tags(cell)
        if i in explicit:
            kind = explicit[i]
        elif i in skipped:
            kind = "skip"
        elif i == first_markdown or level in (1, 2):
            kind = "slide"
        elif level >= 3:
            kind = "subslide"
        elif is_exercise:
            statement = previous is not None and cells[previous].cell_type == "markdown" \
                and "✏️" in cells[previous].source
            kind = "-" if statement and used + rows[i] <= ROWS_PER_SLIDE else "subslide"
        elif after_exercise:
            kind = "subslide"
        elif cell.cell_type == "markdown":
            unit, j = rows[i], i + 1
            while j < len(cells) and cells[j].cell_type != "markdown":
                unit += 0.0 if j in skipped else rows[j]
                j += 1
            if used + unit > ROWS_PER_SLIDE:
                kind = "subslide"
            else:
                kind = "fragment" if previous is not None and cells[previous].cell_type == "code" else "-"
        else:
            lead_in = previous is not None and cells[previous].cell_type == "markdown" \
                and not _heading_level(cells[previous].source)
            kind = "subslide" if used + rows[i] > ROWS_PER_SLIDE and not lead_in else "-"
        types.append(kind)
        if kind in ("skip", "notes"):
            continue
        used = rows[i] if kind in ("slide", "subslide") else used + rows[i]
        previous, after_exercise = i, is_exercise
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
    for index, (cell, kind) in enumerate(zip(notebook.cells, rule_slide_types(notebook.cells, explicit))):
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


def assign_in_place(paths: Iterable[Path], keep_hand_set: bool = True) -> list[str]:
    """Rewrite each notebook whose slide types are not those of the rules; return what was done."""
    report = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        assigned = assign_slide_types(notebook, keep_hand_set=keep_hand_set)
        if assigned != notebook:
            nbformat.write(assigned, path)
            report.append(f"assigned slide types in {path}")
    return report


def unassigned(paths: Iterable[Path]) -> list[str]:
    """Return the names of the notebooks whose stored slide types differ from the rules' result."""
    names = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        if assign_slide_types(notebook) != notebook:
            names.append(Path(path).name)
    return names


# ---------------------------------------------------------------- local copies of the JS libraries


def _vendor_ready(vendor_dir: Path) -> bool:
    """True when vendor_dir holds exactly the VENDOR versions."""
    marker = vendor_dir / _VENDOR_MARKER
    return marker.exists() and json.loads(marker.read_text()) == VENDOR


def _keep(package: str, relative: str) -> bool:
    """Whether a file of an npm package is needed by the decks and pages."""
    if package != "mathjax":
        return True
    if relative.startswith(_MATHJAX_SKIP):
        return False
    return not relative.startswith("fonts/") or relative.startswith(_MATHJAX_FONTS_KEPT)


def fetch_vendor(vendor_dir: Path = BUILD / "vendor", npm: str = "npm", timeout: int = 600) -> Path:
    """Fetch reveal.js, require.js, jQuery and MathJax (VENDOR versions) into vendor_dir with `npm pack`.

    Does nothing when they are already there. Raises RuntimeError when npm is missing or fails.
    """
    vendor_dir = Path(vendor_dir)
    if _vendor_ready(vendor_dir):
        return vendor_dir
    npm_path = shutil.which(npm)
    if npm_path is None:
        raise RuntimeError(f"{npm!r} was not found: install Node.js's npm (Debian: apt-get install npm); "
                           "it fetches reveal.js, require.js, jQuery and MathJax for the offline decks")
    vendor_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=vendor_dir.parent) as tmp:
        specs = [f"{name}@{version}" for name, version in VENDOR.items()]
        done = subprocess.run([npm_path, "pack", "--json", "--pack-destination", tmp, *specs],
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"npm pack {' '.join(specs)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
        packed = {entry["name"]: Path(tmp) / entry["filename"] for entry in json.loads(done.stdout)}
        staging = Path(tmp) / "vendor"
        for name in VENDOR:
            with tarfile.open(packed[name]) as archive:
                for member in archive.getmembers():
                    parts = member.name.split("/", 1)
                    if not member.isfile() or len(parts) < 2:
                        continue
                    relative = parts[1]
                    if relative.startswith("/") or ".." in relative.split("/") or not _keep(name, relative):
                        continue
                    target = staging / name / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.extractfile(member).read())
        (staging / _VENDOR_MARKER).write_text(json.dumps(VENDOR, indent=1, sort_keys=True) + "\n")
        if vendor_dir.exists():
            shutil.rmtree(vendor_dir)
        staging.rename(vendor_dir)
    return vendor_dir


def _urls(out_dir: Path, vendor_dir: Path) -> dict[str, str]:
    """Return the vendor URLs as seen from pages in out_dir (relative, so build/ can move)."""
    prefix = Path(os.path.relpath(vendor_dir, out_dir)).as_posix()
    return {"reveal": f"{prefix}/reveal.js", "require": f"{prefix}/requirejs/require.js",
            "jquery": f"{prefix}/jquery/dist/jquery.min.js",
            "mathjax": f"{prefix}/mathjax/MathJax.js?config={MATHJAX_CONFIG}"}


# ---------------------------------------------------------------- decks and site


def _solution_paths(solutions_dir: Path, names: Sequence[str] | None) -> list[Path]:
    """Return the solution notebooks in course order, only `names` (stem or file name) if given."""
    paths = sorted(Path(solutions_dir).glob("*.ipynb"))
    if names:
        unknown = [n for n in names if not any(n in (p.stem, p.name) for p in paths)]
        if unknown:
            raise ValueError(f"names must be notebooks in {solutions_dir}, got unknown {unknown}; "
                             f"known: {[p.stem for p in paths]}")
        paths = [p for p in paths if p.stem in names or p.name in names]
    return paths


def _prepared(path: Path, answers: bool) -> nbformat.NotebookNode:
    """Read a solution notebook with the rules' slide types; the learner's version unless `answers`."""
    from course_utils.generate import learner_notebook

    notebook = assign_slide_types(nbformat.read(path, as_version=4))
    if not answers:
        notebook = learner_notebook(notebook)
    # Without a stored widget state, widget outputs fall back to their PNG (and no widget
    # manager is fetched from a CDN).
    notebook.metadata.pop("widgets", None)
    return notebook


def title_of(notebook: nbformat.NotebookNode, default: str) -> str:
    """Return the text of the notebook's first '# ' heading, else `default`."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and _heading_level(cell.source) == 1:
            return cell.source.strip().split("\n")[0].lstrip("#").strip()
    return default


def _summary_of(notebook: nbformat.NotebookNode) -> str:
    """Return the first paragraph after the title (plain text, Markdown marks kept)."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and _heading_level(cell.source) == 1:
            paragraphs = [p.strip() for p in cell.source.strip().split("\n\n")[1:] if p.strip()]
            return " ".join(paragraphs[0].split()) if paragraphs else ""
    return ""


def _index_page(title: str, entries: Sequence[tuple[str, str, str]], note: str, mathjax_url: str) -> str:
    """Return an HTML page listing (href, title, Markdown summary) entries in order, math typeset locally."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    items = "\n".join(f'<li><a href="{html.escape(href)}">{html.escape(name)}</a>'
                      f'{markdown2html_mistune(summary)}</li>' for href, name, summary in entries)
    mathjax = ("<script type=\"text/x-mathjax-config\">MathJax.Hub.Config({tex2jax: {inlineMath: "
               "[['$','$'], ['\\\\(','\\\\)']], processEscapes: true}, messageStyle: 'none'});</script>\n"
               f'<script src="{html.escape(mathjax_url)}"></script>')
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1.0">'
            f"<title>{html.escape(title)}</title>\n<style>body{{font-family:sans-serif;max-width:50em;"
            f"margin:2em auto;padding:0 1em;line-height:1.5}}li{{margin-bottom:1em}}li p{{margin:0.2em 0;"
            f"color:#444}}</style>\n{mathjax}\n</head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
            f'<p>{html.escape(note)}</p>\n<ol class="course-index">\n{items}\n</ol>\n</body>\n</html>\n')


def build_decks(names: Sequence[str] | None = None, solutions_dir: Path = SOLUTIONS,
                out_dir: Path = BUILD / "slides", vendor_dir: Path = BUILD / "vendor",
                answers: bool = False) -> dict[Path, float]:
    """Write one reveal.js deck per solution notebook (or only `names`) to out_dir; {deck: seconds}.

    The decks show the learner's version (stubs in the exercise cells) unless `answers`; check
    cells and the set-up cell are skipped by the slide rules. An index.html lists all decks.
    """
    from jinja2 import DictLoader
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    if not isinstance(answers, bool):
        raise TypeError(f"answers must be a bool, got {answers!r}")
    paths = _solution_paths(solutions_dir, names)
    out_dir, vendor_dir = Path(out_dir), fetch_vendor(vendor_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    urls = _urls(out_dir, vendor_dir)
    config = Config()
    config.SlidesExporter.update(
        reveal_url_prefix=urls["reveal"], reveal_theme="white", reveal_scroll=True,
        reveal_transition="none", reveal_number="c/t", require_js_url=urls["require"],
        jquery_url=urls["jquery"], mathjax_url=urls["mathjax"],
        exclude_input_prompt=True, exclude_output_prompt=True)
    exporter = SlidesExporter(config=config, extra_loaders=[DictLoader({"course_deck.html.j2": _DECK_TEMPLATE})],
                              template_file="course_deck.html.j2")
    timings = {}
    for path in paths:
        start = time.perf_counter()
        body, _ = exporter.from_notebook_node(_prepared(path, answers), resources={"metadata": {"name": path.stem}})
        target = out_dir / f"{path.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        timings[target] = time.perf_counter() - start
    entries = []
    for path in sorted(Path(solutions_dir).glob("*.ipynb")):
        if (out_dir / f"{path.stem}.slides.html").exists():
            notebook = nbformat.read(path, as_version=4)
            entries.append((f"{path.stem}.slides.html", title_of(notebook, path.stem), _summary_of(notebook)))
    (out_dir / "index.html").write_text(
        _index_page("Normalizing flows, hands-on: slides", entries,
                    "One deck per notebook. Arrows or space to move, Esc for the overview, S for speaker notes.",
                    urls["mathjax"]),
        encoding="utf-8")
    return timings


def build_site(solutions_dir: Path = SOLUTIONS, out_dir: Path = BUILD / "site",
               vendor_dir: Path = BUILD / "vendor", answers: bool = True) -> dict[Path, float]:
    """Write every solution notebook as an HTML page with its outputs, and index.html in course order.

    Pages show the worked answers unless `answers` is False (then the learner's version).
    Returns {page: seconds}.
    """
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    if not isinstance(answers, bool):
        raise TypeError(f"answers must be a bool, got {answers!r}")
    paths = _solution_paths(solutions_dir, None)
    out_dir, vendor_dir = Path(out_dir), fetch_vendor(vendor_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    urls = _urls(out_dir, vendor_dir)
    config = Config()
    config.HTMLExporter.update(require_js_url=urls["require"], mathjax_url=urls["mathjax"])
    exporter = HTMLExporter(config=config, extra_loaders=[DictLoader({"course_page.html.j2": _PAGE_TEMPLATE})],
                            template_file="course_page.html.j2")
    notebooks = [_prepared(path, answers) for path in paths]
    titles = [title_of(nb, path.stem) for nb, path in zip(notebooks, paths)]
    timings = {}
    for i, (path, notebook) in enumerate(zip(paths, notebooks)):
        start = time.perf_counter()
        links = ['<a href="index.html">Contents</a>']
        if i > 0:
            links.insert(0, f'<a href="{paths[i - 1].stem}.html" rel="prev">← {html.escape(titles[i - 1])}</a>')
        if i + 1 < len(paths):
            links.append(f'<a href="{paths[i + 1].stem}.html" rel="next">{html.escape(titles[i + 1])} →</a>')
        resources = {"metadata": {"name": titles[i]}, "course_nav": "".join(links)}
        body, _ = exporter.from_notebook_node(notebook, resources=resources)
        target = out_dir / f"{path.stem}.html"
        target.write_text(body, encoding="utf-8")
        timings[target] = time.perf_counter() - start
    entries = [(f"{path.stem}.html", title, _summary_of(nb)) for path, title, nb in zip(paths, titles, notebooks)]
    version = "worked answers included" if answers else "exercises left open"
    (out_dir / "index.html").write_text(
        _index_page("Normalizing flows, hands-on", entries,
                    f"Every notebook of the course with its outputs ({version}), in order.", urls["mathjax"]),
        encoding="utf-8")
    return timings


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.slides", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    deck = commands.add_parser("deck", help="build reveal.js decks into build/slides/")
    deck.add_argument("names", nargs="*", help="notebooks to build (all when none is given)")
    deck.add_argument("--answers", action="store_true", help="show the exercise answers (the teacher's review)")
    deck.add_argument("--out", type=Path, default=BUILD / "slides")
    site = commands.add_parser("site", help="build the static site into build/site/")
    site.add_argument("--learner", action="store_true", help="leave the exercises open (stubs) instead of answers")
    site.add_argument("--out", type=Path, default=BUILD / "site")
    commands.add_parser("vendor", help="fetch reveal.js, require.js, jQuery and MathJax into build/vendor/")
    assign = commands.add_parser("assign", help="assign the rules' slide types in solutions/ (generate does it too)")
    assign.add_argument("--reset", action="store_true", help="forget the types set by hand: the rules decide all")
    for sub in commands.choices.values():
        sub.add_argument("--solutions", type=Path, default=SOLUTIONS)
        sub.add_argument("--vendor", type=Path, default=BUILD / "vendor")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.command == "vendor":
        print(f"vendor files in {fetch_vendor(args.vendor)} ({', '.join(f'{k}@{v}' for k, v in VENDOR.items())})")
    elif args.command == "assign":
        report = assign_in_place(sorted(args.solutions.glob("*.ipynb")), keep_hand_set=not args.reset)
        print("\n".join(report) or "slide types already assigned")
    else:
        fetch_vendor(args.vendor)
        if args.command == "deck":
            timings = build_decks(args.names or None, args.solutions, args.out, args.vendor, answers=args.answers)
        else:
            timings = build_site(args.solutions, args.out, args.vendor, answers=not args.learner)
        for target, seconds in timings.items():
            print(f"wrote {target} in {seconds:.1f} s")
        print(f"open {args.out / 'index.html'}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
