"""The slide tools' command line: offline decks and site of the course, built from solutions/.

    python -m course_utils.slides deck [NAME ...]   # build/slides/NN_name.slides.html (+ index.html)
    python -m course_utils.slides deck --answers    # the same decks with the exercise answers shown
    python -m course_utils.slides site              # build/site/index.html and one page per notebook
    python -m course_utils.slides vendor            # only fetch reveal.js, require.js, jQuery, MathJax
    python -m course_utils.slides assign [--reset]  # only (re)assign slide types in solutions/

Run from the course's folder, or name it with --root: solutions/ and build/ are found there.
Slide types come from course_utils.authoring.slide_rules (`python -m course_utils.generate`
assigns them too). Decks and site read solutions/. Decks show the learner's version (answers
replaced by the stub, as in notebooks/): they are projected before learners solve the exercises.
The site shows the solutions, worked answers included: it is the course to read. reveal.js 4.0.2,
require.js, jQuery 3 and MathJax 2.7.7 are served from build/vendor/ (fetched once from the npm
registry with `npm pack`, not committed), so nothing is loaded from the internet; serve build/
(`python -m http.server -d build`) or open the files directly.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from course_utils.authoring.slides.deck import build_decks
from course_utils.authoring.slides.site import build_site
from course_utils.authoring.slides.vendor import VENDOR, fetch_vendor
from course_utils.authoring.transforms import AssignSlideTypes, conform


def _parser() -> argparse.ArgumentParser:
    """Return the command line's parser: one sub-command per tool, each with the course's folders."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.slides", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    deck = commands.add_parser("deck", help="build reveal.js decks into build/slides/")
    deck.add_argument("names", nargs="*", help="notebooks to build (all when none is given)")
    deck.add_argument("--answers", action="store_true", help="show the exercise answers (the teacher's review)")
    deck.add_argument("--out", type=Path, help="where the decks go (default: ROOT/build/slides)")
    site = commands.add_parser("site", help="build the static site into build/site/")
    site.add_argument("--learner", action="store_true", help="leave the exercises open (stubs) instead of answers")
    site.add_argument("--out", type=Path, help="where the pages go (default: ROOT/build/site)")
    commands.add_parser("vendor", help="fetch reveal.js, require.js, jQuery and MathJax into build/vendor/")
    assign = commands.add_parser("assign", help="assign the rules' slide types in solutions/ (generate does it too)")
    assign.add_argument("--reset", action="store_true", help="forget the types set by hand: the rules decide all")
    for sub in commands.choices.values():
        sub.add_argument("--root", type=Path, default=Path("."), help="the course's folder (default: this one)")
        sub.add_argument("--solutions", type=Path, help="the solution notebooks (default: ROOT/solutions)")
        sub.add_argument("--vendor", type=Path, help="the JavaScript libraries (default: ROOT/build/vendor)")
    return parser


def _assign(solutions_dir: Path, reset: bool) -> None:
    """Store the rules' slide types in the solution notebooks and say which changed."""
    paths = sorted(solutions_dir.glob("*.ipynb"))
    changed = conform(paths, [AssignSlideTypes(keep_hand_set=not reset)], write=True)
    print("\n".join(f"assigned slide types in {path}" for path in changed) or "slide types already assigned")


def _build(args: argparse.Namespace, solutions_dir: Path, vendor_dir: Path) -> None:
    """Build the decks or the site as the command line asks, and say what was written."""
    if args.command == "deck":
        out_dir = args.out or args.root / "build" / "slides"
        timings = build_decks(args.names or None, solutions_dir, out_dir, vendor_dir, answers=args.answers)
    else:
        out_dir = args.out or args.root / "build" / "site"
        timings = build_site(solutions_dir, out_dir, vendor_dir, answers=not args.learner)
    for target, seconds in timings.items():
        print(f"wrote {target} in {seconds:.1f} s")
    print(f"open {out_dir / 'index.html'}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    solutions_dir = args.solutions or args.root / "solutions"
    vendor_dir = args.vendor or args.root / "build" / "vendor"
    if args.command != "vendor" and not solutions_dir.is_dir():
        parser.error(f"{solutions_dir.absolute()} is not a folder: run from the course's folder or name it with --root")
    start = time.perf_counter()
    if args.command == "vendor":
        versions = ", ".join(f"{name}@{version}" for name, version in VENDOR.items())
        print(f"vendor files in {fetch_vendor(vendor_dir)} ({versions})")
    elif args.command == "assign":
        _assign(solutions_dir, args.reset)
    else:
        _build(args, solutions_dir, vendor_dir)
    print(f"done in {time.perf_counter() - start:.1f} s")
    return 0
