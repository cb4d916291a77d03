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
`exercises.check("ID", ...)`. notebooks/.generated.json records the hash of each notebook
as generated, which is how a learner's edits are recognised and kept.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import time
from pathlib import Path

import nbformat

from course_utils.authoring.transforms import apply, conform, learner_notebook, solution_transforms

MANIFEST = ".generated.json"
BACKUPS = ".backups"


def render(notebook: nbformat.NotebookNode) -> str:
    """Return the notebook as the exact text written to disk."""
    return nbformat.writes(notebook) + "\n"


def _digest(text: str) -> str:
    """Return the sha256 hex digest of `text`."""
    return hashlib.sha256(text.encode()).hexdigest()


def expected_notebooks(solutions_dir: Path) -> dict[str, str]:
    """Return {file name: text} of the learner notebooks that solutions_dir generates."""
    return {
        path.name: render(learner_notebook(apply(nbformat.read(path, as_version=4), solution_transforms())))
        for path in sorted(Path(solutions_dir).glob("*.ipynb"))
    }


def _back_up(target: Path, notebooks_dir: Path) -> Path:
    """Copy a learner's notebook to notebooks_dir/.backups/ under a time-stamped name; return the copy."""
    backup = notebooks_dir / BACKUPS / f"{target.stem}.{time.strftime('%Y%m%d-%H%M%S')}.ipynb"
    backup.parent.mkdir(exist_ok=True)
    shutil.copy2(target, backup)
    return backup


def generate(solutions_dir: Path, notebooks_dir: Path, force: bool = False) -> list[str]:
    """Write notebooks_dir from solutions_dir, skipping (or with `force`, backing up) edited files."""
    notebooks_dir = Path(notebooks_dir)
    notebooks_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = notebooks_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    report = []
    for name, text in expected_notebooks(solutions_dir).items():
        target = notebooks_dir / name
        current = target.read_text() if target.exists() else None
        if current == text:
            manifest[name] = _digest(text)
            continue
        if current is not None and _digest(current) != manifest.get(name):
            if not force:
                report.append(
                    f"kept {target}: it was changed since it was generated "
                    "(run with --force to replace it; a backup copy is kept)"
                )
                continue
            report.append(f"backed up your {target} to {_back_up(target, notebooks_dir)}")
        target.write_text(text)
        manifest[name] = _digest(text)
        report.append(f"wrote {target}")
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return report


def out_of_step(solutions_dir: Path, notebooks_dir: Path) -> list[str]:
    """Return one line per notebook in notebooks_dir that differs from what solutions_dir generates."""
    expected, notebooks_dir = expected_notebooks(solutions_dir), Path(notebooks_dir)
    problems = [f"{name}: missing from {notebooks_dir}" for name in expected if not (notebooks_dir / name).exists()]
    problems += [
        f"{name}: differs from what solutions/{name} generates"
        for name, text in expected.items()
        if (notebooks_dir / name).exists() and (notebooks_dir / name).read_text() != text
    ]
    extra = {p.name for p in notebooks_dir.glob("*.ipynb")} - set(expected)
    problems += [f"{name}: has no counterpart in solutions/" for name in sorted(extra)]
    return problems


def untidy(solutions_dir: Path) -> list[str]:
    """Return one line per solution notebook whose slide types or execution metadata the generator would change."""
    paths = conform(sorted(Path(solutions_dir).glob("*.ipynb")), solution_transforms())
    return [f"{path.name}: slide types or execution metadata in solutions/ are not as generated" for path in paths]


def tidy_solutions(solutions_dir: Path) -> list[str]:
    """Give the solution notebooks the rules' slide types and drop their execution timestamps; report each change."""
    paths = conform(sorted(Path(solutions_dir).glob("*.ipynb")), solution_transforms(), write=True)
    return [f"tidied {path} (slide types by rule, no execution timestamps)" for path in paths]


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


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    solutions_dir = args.solutions or args.root / "solutions"
    notebooks_dir = args.notebooks or args.root / "notebooks"
    if not solutions_dir.is_dir():
        parser.error(f"{solutions_dir.absolute()} is not a folder: run from the course's folder or name it with --root")
    if args.check:
        problems = out_of_step(solutions_dir, notebooks_dir) + untidy(solutions_dir)
        print("\n".join(problems) or "notebooks/ is in step with solutions/")
        return 1 if problems else 0
    if args.execute is not None:
        _execute_selected(solutions_dir, args.execute)
    report = tidy_solutions(solutions_dir) + generate(solutions_dir, notebooks_dir, force=args.force)
    print("\n".join(report) or "nothing to do")
    return 0
