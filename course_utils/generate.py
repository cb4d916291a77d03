"""Make the learner's notebooks/ from solutions/: each answer becomes a stub, all else stays.

    python -m course_utils.generate            # write notebooks/ (never over a learner's edits)
    python -m course_utils.generate --check    # exit 1 if notebooks/ is out of step
    python -m course_utils.generate --force    # replace edited notebooks, keeping a backup copy
    python -m course_utils.generate --execute  # first re-run solutions/ to refresh stored outputs

Both solutions/ and notebooks/ get the slide types of course_utils.slides.assign_slide_types
(metadata only: outputs are untouched); types set by hand are kept.

In solutions/, an exercise cell (tag `exercise`) holds its answer between the lines
`### BEGIN SOLUTION` and `### END SOLUTION`; a check cell (tag `exercise-check`) calls
`exercises.check("ID", ...)`. notebooks/.generated.json records the hash of each notebook
as generated, which is how a learner's edits are recognised and kept.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat

from course_utils.exercises import not_attempted_message
from course_utils.slides import assign_in_place, assign_slide_types, unassigned

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
MANIFEST = ".generated.json"
BACKUPS = ".backups"
ROOT = Path(__file__).resolve().parent.parent
_CHECK_CALL = re.compile(r"""check\(\s*["']([^"']+)["']""")


def strip_solutions(source: str) -> str:
    """Replace every BEGIN/END SOLUTION block in `source` by the stub, at the block's indentation."""
    lines, out, inside = source.split("\n"), [], False
    for number, line in enumerate(lines, start=1):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise ValueError(f"line {number}: {BEGIN} inside another solution block")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            out.extend(indent + stub for stub in STUB)
        elif marker == END:
            if not inside:
                raise ValueError(f"line {number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN} without {END}")
    return "\n".join(out)


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    """Return the cell's tags."""
    return cell.get("metadata", {}).get("tags", [])


def learner_notebook(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the learner's version of a solution notebook: stubs in, check outputs 'not attempted'."""
    notebook = copy.deepcopy(solution)
    for index, cell in enumerate(notebook.cells):
        if "exercise" in _tags(cell):
            if BEGIN not in cell.source:
                raise ValueError(f"cell {index} is tagged 'exercise' but holds no {BEGIN} block")
            cell.source = strip_solutions(cell.source)
            cell.outputs = []
        elif BEGIN in cell.source:
            raise ValueError(f"cell {index} holds a {BEGIN} block but is not tagged 'exercise'")
        if "exercise-check" in _tags(cell):
            found = _CHECK_CALL.search(cell.source)
            if not found:
                raise ValueError(f"cell {index} is tagged 'exercise-check' but calls no check(\"ID\", ...)")
            cell.outputs = [nbformat.v4.new_output(
                "stream", name="stdout", text=not_attempted_message(found.group(1)) + "\n")]
    return notebook


def render(notebook: nbformat.NotebookNode) -> str:
    """Return the notebook as the exact text written to disk."""
    return nbformat.writes(notebook) + "\n"


def _digest(text: str) -> str:
    """Return the sha256 hex digest of `text`."""
    return hashlib.sha256(text.encode()).hexdigest()


def expected_notebooks(solutions_dir: Path) -> dict[str, str]:
    """Return {file name: text} of the learner notebooks that solutions_dir generates."""
    return {path.name: render(learner_notebook(assign_slide_types(nbformat.read(path, as_version=4))))
            for path in sorted(Path(solutions_dir).glob("*.ipynb"))}


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
                report.append(f"kept {target}: it was changed since it was generated "
                              "(run with --force to replace it; a backup copy is kept)")
                continue
            backup = notebooks_dir / BACKUPS / f"{target.stem}.{time.strftime('%Y%m%d-%H%M%S')}.ipynb"
            backup.parent.mkdir(exist_ok=True)
            shutil.copy2(target, backup)
            report.append(f"backed up your {target} to {backup}")
        target.write_text(text)
        manifest[name] = _digest(text)
        report.append(f"wrote {target}")
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return report


def out_of_step(solutions_dir: Path, notebooks_dir: Path) -> list[str]:
    """Return one line per notebook in notebooks_dir that differs from what solutions_dir generates."""
    expected = expected_notebooks(solutions_dir)
    problems = [f"{name}: missing from {notebooks_dir}" for name in expected
                if not (Path(notebooks_dir) / name).exists()]
    problems += [f"{name}: differs from what solutions/{name} generates" for name, text in expected.items()
                 if (Path(notebooks_dir) / name).exists() and (Path(notebooks_dir) / name).read_text() != text]
    extra = {p.name for p in Path(notebooks_dir).glob("*.ipynb")} - set(expected)
    problems += [f"{name}: has no counterpart in solutions/" for name in sorted(extra)]
    return problems


def execute(path: Path, timeout: int = 600) -> None:
    """Run a notebook top to bottom in a fresh kernel and store its outputs; refuse stderr noise."""
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    # No stored widget state: offline viewers then show each widget's static picture.
    NotebookClient(notebook, timeout=timeout, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    noisy = [i for i, cell in enumerate(notebook.cells) for out in cell.get("outputs", [])
             if out.get("output_type") == "stream" and out.get("name") == "stderr"]
    if noisy:
        raise RuntimeError(f"{path}: cells {noisy} wrote to stderr; silence them before storing outputs")
    nbformat.write(assign_slide_types(notebook), path)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report whether notebooks/ is in step")
    parser.add_argument("--force", action="store_true", help="replace notebooks a learner edited (backup kept)")
    parser.add_argument("--execute", nargs="*", metavar="NAME",
                        help="re-run these solution notebooks (all when no name is given) before generating")
    parser.add_argument("--solutions", type=Path, default=ROOT / "solutions")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    args = parser.parse_args(argv)
    if args.check:
        problems = out_of_step(args.solutions, args.notebooks)
        problems += [f"{name}: slide types in solutions/ are not assigned"
                     for name in unassigned(sorted(args.solutions.glob("*.ipynb")))]
        print("\n".join(problems) or "notebooks/ is in step with solutions/")
        return 1 if problems else 0
    if args.execute is not None:
        for path in sorted(args.solutions.glob("*.ipynb")):
            if not args.execute or path.stem in args.execute or path.name in args.execute:
                start = time.perf_counter()
                execute(path)
                print(f"executed {path} in {time.perf_counter() - start:.1f} s")
    report = assign_in_place(sorted(args.solutions.glob("*.ipynb")))
    report += generate(args.solutions, args.notebooks, force=args.force)
    print("\n".join(report) or "nothing to do")
    return 0


if __name__ == "__main__":
    sys.exit(main())
