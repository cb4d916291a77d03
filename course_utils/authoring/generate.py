"""Make the learner's notebooks/ from solutions/: each answer becomes a stub, all else stays.

    python -m course_utils.generate            # write notebooks/ (never over a learner's edits)
    python -m course_utils.generate --check    # exit 1 if notebooks/ is out of step
    python -m course_utils.generate --force    # replace edited notebooks, keeping a backup copy
    python -m course_utils.generate --execute  # first re-run solutions/ to refresh stored outputs

Run from the course's folder, or name it with --root: solutions/ and notebooks/ are found there.
Both folders get the slide types of course_utils.authoring.slide_rules (metadata only: outputs are
untouched; types set by hand are kept) and lose the cells' execution timestamps.

In solutions/, an exercise cell (tag `exercise`) holds its answer between the lines
`### BEGIN SOLUTION` and `### END SOLUTION`; a check cell (tag `exercise-check`) calls
`exercises.check("ID", ...)`.

How a learner's edits are recognised: each generated notebook carries, in its metadata under
`course_generated`, two digests of what was written: `sources_sha256`, over every cell's type and
source, and `notebook_sha256`, over the whole notebook (this field aside). A notebook whose cells'
types and sources still match `sources_sha256` is untouched: opening, running or saving it in
Jupyter changes outputs and metadata only. Any change of a cell's source or type, or an added,
removed or moved cell, is an edit. An untouched notebook gets every update of solutions/ (its
outputs are replaced); an edited one is kept, and `--force` replaces it after a copy in
notebooks/.backups/. `notebook_sha256` tells whether solutions/ changed since: if not, there is
nothing to deliver and a learner's outputs stay. notebooks/.generated.json still records the
sha256 of each file as written; it only matters for notebooks written before the digests were
embedded. Without it nothing is lost; a damaged one is reported, ignored and written anew.

`--check` exits 1 when notebooks/ misses what `generate` would write (a stale or missing notebook,
a left-over one) or solutions/ is untidy; a notebook the learner edited is reported, not counted.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import itertools
import json
import shutil
import time
from pathlib import Path
from typing import Any, NamedTuple

import nbformat

from course_utils.authoring.transforms import apply, conform, learner_notebook, solution_transforms

MANIFEST = ".generated.json"
BACKUPS = ".backups"
GENERATED_KEY = "course_generated"  # notebook metadata: {"sources_sha256": ..., "notebook_sha256": ...}
_FORCE_HINT = "run with --force to replace it; a backup copy is kept"
# Where a notebook of notebooks/ stands; see `statuses`.
WRITTEN_BY_GENERATE = ("missing", "stale")  # generate writes these
KEPT = ("edited", "yours", "unknown", "unreadable")  # a learner's (or unknowable) edits: only --force replaces them
PROBLEMS = ("missing", "stale", "leftover")  # what --check and the in-step test fail on


class Status(NamedTuple):
    """Where one notebook of notebooks/ stands against what solutions/ generates."""

    state: str  # current, untouched, missing, stale, edited, yours, unknown, unreadable, leftover, own
    reason: str  # what to tell the learner or author, after the notebook's name


def render(notebook: nbformat.NotebookNode) -> str:
    """Return the notebook as the exact text written to disk."""
    return nbformat.writes(notebook) + "\n"


def _digest(text: str) -> str:
    """Return the sha256 hex digest of `text`."""
    return hashlib.sha256(text.encode()).hexdigest()


def sources_digest(notebook: dict[str, Any]) -> str:
    """Return the digest of every cell's type and source: what a learner's edit changes and a run does not."""
    cells = [
        [cell.get("cell_type"), "".join(src) if isinstance(src := cell.get("source", ""), list) else src]
        for cell in notebook.get("cells", [])
    ]
    return _digest(json.dumps(cells))


def stamp(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of a learner notebook that carries its digests under metadata[GENERATED_KEY]."""
    stamped = copy.deepcopy(notebook)
    stamped.metadata.pop(GENERATED_KEY, None)
    digests = {"notebook_sha256": _digest(render(stamped)), "sources_sha256": sources_digest(stamped)}
    stamped.metadata[GENERATED_KEY] = digests
    return stamped


def expected_notebooks(solutions_dir: Path) -> dict[str, str]:
    """Return {file name: text} of the learner notebooks that solutions_dir generates."""
    return {
        path.name: render(stamp(learner_notebook(apply(nbformat.read(path, as_version=4), solution_transforms()))))
        for path in sorted(Path(solutions_dir).glob("*.ipynb"))
    }


def read_manifest(notebooks_dir: Path) -> tuple[dict[str, str], list[str]]:
    """Return the digests in notebooks_dir/.generated.json and a line per problem with that file; never raises."""
    path = Path(notebooks_dir) / MANIFEST
    if not path.exists():
        return {}, []
    way_forward = (
        "nothing is lost: the digests inside each notebook tell which ones you edited, a notebook without them "
        "is kept, and `python -m course_utils.generate` writes a new file"
    )
    try:
        recorded = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as error:
        return {}, [f"ignored {path}: it cannot be read ({error}); {way_forward}"]
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        return {}, [f"ignored {path}: it is not valid JSON ({error}); {way_forward}"]
    if not isinstance(recorded, dict) or not all(isinstance(value, str) for value in recorded.values()):
        shown = json.dumps(recorded)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return {}, [f"ignored {path}: it should map notebook file names to sha256 digests, got {shown}; {way_forward}"]
    return recorded, []


def _parse(text: str) -> dict[str, Any]:
    """Return a notebook's JSON; ValueError when it is not a notebook (no object, no list of cell objects)."""
    notebook = json.loads(text)
    if not isinstance(notebook, dict) or not isinstance(notebook.get("metadata", {}), dict):
        raise ValueError("not a JSON object with a metadata object")
    cells = notebook.get("cells")
    if not isinstance(cells, list) or not all(isinstance(cell, dict) for cell in cells):
        raise ValueError("no list of cells")
    return notebook


def _compare(name: str, notebook: dict[str, Any], as_recorded: bool, expected: dict[str, str]) -> Status:
    """Return the Status of a readable notebook that differs from `expected`'s digests' notebook."""
    digests = notebook.get("metadata", {}).get(GENERATED_KEY)
    stale = (
        f"differs from what solutions/{name} generates and was not edited: `python -m course_utils.generate` updates it"
    )
    if not isinstance(digests, dict) or not isinstance(digests.get("sources_sha256"), str):
        if as_recorded:  # written before the digests were embedded, and unchanged since
            return Status("stale", stale)
        reason = f"it holds no generator digest and {MANIFEST} has no record of it, so edits cannot be told apart"
        return Status("unknown", f"{reason}: it is kept ({_FORCE_HINT})")
    update = digests.get("notebook_sha256") != expected["notebook_sha256"]
    if sources_digest(notebook) == digests["sources_sha256"]:
        return Status("stale", stale) if update else Status("untouched", "not edited since it was generated")
    if update:
        return Status(
            "edited",
            f"edited since it was generated, and solutions/{name} changed since: your edits are kept ({_FORCE_HINT})",
        )
    return Status("yours", f"edited since it was generated: your edits are kept (nothing new in solutions/{name})")


def _status(target: Path, expected: str, recorded: str | None) -> Status:
    """Return where the notebook at `target` stands against the `expected` text; `recorded`: its manifest digest."""
    if not target.exists():
        return Status("missing", f"missing from {target.parent}")
    try:
        current = target.read_bytes().decode("utf-8")
        if current == expected:
            return Status("current", "as generated")
        notebook = _parse(current)
    except (OSError, ValueError) as error:  # ValueError: JSONDecodeError, UnicodeDecodeError, not a notebook
        return Status("unreadable", f"it is not a readable notebook ({error}), so it is kept ({_FORCE_HINT})")
    digests = json.loads(expected)["metadata"][GENERATED_KEY]
    return _compare(target.name, notebook, _digest(current) == recorded, digests)


def _extra_status(path: Path, recorded: dict[str, str]) -> Status:
    """Return the Status of a notebook of notebooks/ that solutions/ does not generate."""
    try:
        generated = path.name in recorded or GENERATED_KEY in _parse(path.read_text(encoding="utf-8"))["metadata"]
    except (OSError, ValueError, KeyError):
        generated = False
    if generated:
        return Status("leftover", "has no counterpart in solutions/: left from a notebook since removed (delete it)")
    return Status("own", "has no counterpart in solutions/ and was not generated: your own notebook, left alone")


def _statuses(expected: dict[str, str], notebooks_dir: Path, recorded: dict[str, str]) -> dict[str, Status]:
    """Return {file name: Status} for the `expected` notebooks, then for the others in notebooks_dir."""
    found = {name: _status(notebooks_dir / name, text, recorded.get(name)) for name, text in expected.items()}
    for path in sorted(notebooks_dir.glob("*.ipynb")):
        if path.name not in expected:
            found[path.name] = _extra_status(path, recorded)
    return found


def statuses(solutions_dir: Path, notebooks_dir: Path) -> dict[str, Status]:
    """Return {file name: Status} of every notebook solutions_dir generates and every other one in notebooks_dir."""
    notebooks_dir = Path(notebooks_dir)
    return _statuses(expected_notebooks(solutions_dir), notebooks_dir, read_manifest(notebooks_dir)[0])


def _timestamp() -> str:
    """Return the current local time as the backups' names show it."""
    return time.strftime("%Y%m%d-%H%M%S")


def _back_up(target: Path, notebooks_dir: Path) -> Path:
    """Copy a learner's notebook to notebooks_dir/.backups/ under a time-stamped name no copy has; return the copy."""
    folder, when, content = notebooks_dir / BACKUPS, _timestamp(), target.read_bytes()
    folder.mkdir(exist_ok=True)
    for number in itertools.count(1):
        backup = folder / f"{target.stem}.{when}{'' if number == 1 else f'-{number}'}.ipynb"
        try:
            with backup.open("xb") as copied:  # "x": never over an earlier copy, even one made this second
                copied.write(content)
        except FileExistsError:
            continue
        shutil.copystat(target, backup)
        return backup
    raise AssertionError("unreachable")


def generate(solutions_dir: Path, notebooks_dir: Path, force: bool = False) -> list[str]:
    """Write notebooks_dir from solutions_dir, skipping (or with `force`, backing up) edited files; report each step."""
    notebooks_dir = Path(notebooks_dir)
    notebooks_dir.mkdir(parents=True, exist_ok=True)
    recorded, report = read_manifest(notebooks_dir)
    expected, manifest = expected_notebooks(solutions_dir), dict(recorded)
    for name, status in _statuses(expected, notebooks_dir, recorded).items():
        target = notebooks_dir / name
        if status.state == "current":
            manifest[name] = _digest(expected[name])
        if status.state in KEPT and not force:
            report += [] if status.state == "yours" else [f"kept {target}: {status.reason}"]
        if status.state in KEPT and force:
            report.append(f"backed up your {target} to {_back_up(target, notebooks_dir)}")
        elif status.state not in WRITTEN_BY_GENERATE:  # as generated, untouched with nothing new, kept, or not ours
            continue
        target.write_text(expected[name], encoding="utf-8")
        manifest[name] = _digest(expected[name])
        report.append(f"wrote {target}")
    (notebooks_dir / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return report


def out_of_step(solutions_dir: Path, notebooks_dir: Path) -> list[str]:
    """Return one line per notebook that misses what solutions_dir generates: missing, stale or left over.

    A notebook the learner edited is not out of step: `generate` keeps it (see `statuses`).
    """
    found = statuses(solutions_dir, notebooks_dir)
    return [f"{name}: {status.reason}" for name, status in found.items() if status.state in PROBLEMS]


def untidy(solutions_dir: Path) -> list[str]:
    """Return one line per solution notebook whose slide types or execution metadata the generator would change."""
    paths = conform(sorted(Path(solutions_dir).glob("*.ipynb")), solution_transforms())
    return [f"{path.name}: slide types or execution metadata in solutions/ are not as generated" for path in paths]


def tidy_solutions(solutions_dir: Path) -> list[str]:
    """Give the solution notebooks the rules' slide types and drop their execution timestamps; report each change."""
    paths = conform(sorted(Path(solutions_dir).glob("*.ipynb")), solution_transforms(), write=True)
    return [f"tidied {path} (set-up cell, slide types by rule, no execution timestamps)" for path in paths]


def execute(path: Path, timeout: int = 600) -> None:
    """Run a notebook top to bottom in a fresh kernel and store its outputs, tidy; refuse stderr noise."""
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    # No stored widget state: offline viewers then show each widget's static picture.
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        store_widget_state=False,
        resources={"metadata": {"path": str(Path(path).parent)}},
    )
    client.execute()
    noisy = [
        i
        for i, cell in enumerate(notebook.cells)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "stream" and out.get("name") == "stderr"
    ]
    if noisy:
        raise RuntimeError(f"{path}: cells {noisy} wrote to stderr; silence them before storing outputs")
    nbformat.write(apply(notebook, solution_transforms()), path)


def _parser() -> argparse.ArgumentParser:
    """Return the command line's parser."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.generate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--check", action="store_true", help="only report whether notebooks/ is in step")
    parser.add_argument("--force", action="store_true", help="replace notebooks a learner edited (backup kept)")
    parser.add_argument(
        "--execute",
        nargs="*",
        metavar="NAME",
        help="re-run these solution notebooks (all when no name is given) before generating",
    )
    parser.add_argument("--root", type=Path, default=Path("."), help="the course's folder (default: this one)")
    parser.add_argument("--solutions", type=Path, help="the solution notebooks (default: ROOT/solutions)")
    parser.add_argument("--notebooks", type=Path, help="the learner's notebooks (default: ROOT/notebooks)")
    return parser


def _execute_selected(solutions_dir: Path, names: list[str]) -> None:
    """Re-run the solution notebooks named in `names` (stem or file name; all when empty)."""
    for path in sorted(solutions_dir.glob("*.ipynb")):
        if not names or path.stem in names or path.name in names:
            start = time.perf_counter()
            execute(path)
            print(f"executed {path} in {time.perf_counter() - start:.1f} s")


def _check(solutions_dir: Path, notebooks_dir: Path) -> int:
    """Print where notebooks/ stands, a learner's edits included; return 1 if it is out of step or untidy."""
    recorded, lines = read_manifest(notebooks_dir)
    found = _statuses(expected_notebooks(solutions_dir), Path(notebooks_dir), recorded)
    lines += [f"{name}: {status.reason}" for name, status in found.items() if status.state in (*KEPT, "own")]
    problems = [f"{name}: {status.reason}" for name, status in found.items() if status.state in PROBLEMS]
    problems += untidy(solutions_dir)
    in_step = "notebooks/ is in step with solutions/" + (" (your edits above aside)" if lines else "")
    print("\n".join(lines + (problems or [in_step])))
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    solutions_dir = args.solutions or args.root / "solutions"
    notebooks_dir = args.notebooks or args.root / "notebooks"
    if not solutions_dir.is_dir():
        parser.error(f"{solutions_dir.absolute()} is not a folder: run from the course's folder or name it with --root")
    if args.check:
        return _check(solutions_dir, notebooks_dir)
    if args.execute is not None:
        _execute_selected(solutions_dir, args.execute)
    report = tidy_solutions(solutions_dir) + generate(solutions_dir, notebooks_dir, force=args.force)
    print("\n".join(report) or "nothing to do")
    return 0
