"""Take a new edition of the course and keep every exercise answer you wrote in notebooks/.

    python -m course_utils.update                  # git fetch, then this branch fast-forwarded to its upstream
    python -m course_utils.update --ref origin/v2  # the new edition is this branch, tag or commit (after git fetch)
    python -m course_utils.update --from FOLDER    # the new edition is in FOLDER: an unpacked course, or its notebooks/
    python -m course_utils.update --dry-run        # say what would happen, change nothing

Run from the course's folder, or name it with --root. In order:
1. Check: the new edition is found, no change of yours outside notebooks/ is in git's way, your branch
   has no commits of its own, every notebook of the new edition reads. Otherwise it stops, nothing changed.
2. Back up: each file of notebooks/ that the update replaces and that holds changes of yours (with git: it
   differs from the committed version) is copied to notebooks/.backups/<time>/, a new folder each run.
3. Take the new edition: with git, your changes in notebooks/ are undone (git checkout) and the branch is
   fast-forwarded (git merge --ff-only); with --from, its notebooks are copied into notebooks/.
4. Merge: each exercise you answered (its cells differ from the stub) goes back into the new edition's
   cells of the same exercise id (course_utils.authoring.answers), outputs cleared; every other cell is
   the new edition's. An answer to an exercise the new edition retired is reported; it stays in the backup.
It prints a line per notebook: answers kept, cells updated, retired ids, your copy. When nothing is new,
nothing is written. Only nbformat and git are needed: no TensorFlow, no nbconvert.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_utils.authoring import update_git
from course_utils.authoring.answers import (
    Answer,
    Group,
    Merged,
    choose_answers,
    exercise_sources,
    find_answers,
    homes_of,
    merge,
    other_edits,
)
from course_utils.authoring.grading.notebooks import Unreadable, read_notebook
from course_utils.authoring.update_git import GitStep, UpdateError

BACKUPS = ".backups"  # notebooks/.backups/, where `python -m course_utils.generate --force` keeps its copies too
TIME_FORMAT = "%Y%m%d-%H%M%S"  # the generator's time stamp in its backups' names
MANIFEST = ".generated.json"  # the generator's record of what it wrote (course_utils.authoring.generate)


@dataclass
class Plan:
    """What the update reads before it changes anything: both editions, and git's part."""

    notebooks_dir: Path
    edition: dict[str, bytes]  # the new edition's notebooks: {file name: content}
    old: dict[str, bytes] = field(default_factory=dict)  # the learner's edition (git's HEAD), when known
    extra: dict[str, bytes] = field(default_factory=dict)  # other files of notebooks/ it brings (--from)
    git: GitStep | None = None
    source: str = ""  # where the new edition came from, for the report


@dataclass
class Outcome:
    """The merge, for every notebook: what to write and what to tell the learner."""

    merged: dict[str, Merged]  # the new edition's notebooks, answers in
    final: dict[str, bytes]  # their content to write
    found: dict[str, dict[str, Answer]]  # {learner notebook: its answers}
    left_out: list[Answer]
    retired: dict[str, list[str]]  # {learner notebook: answered ids the new edition no longer has}
    edits: dict[str, int]  # {learner notebook: cells outside its exercises the learner added or edited}
    problems: list[str]


def render(notebook: nbformat.NotebookNode) -> bytes:
    """Return a notebook as the generator writes it."""
    return (nbformat.writes(notebook) + "\n").encode()


def _parse(name: str, content: bytes) -> nbformat.NotebookNode:
    """Read a notebook of the new edition, or raise UpdateError naming it."""
    try:
        return nbformat.reads(content.decode("utf-8"), as_version=4)
    except Exception as error:  # nbformat raises JSON, validation and version errors of many kinds
        first = (str(error).strip().splitlines() or [""])[0][:100]
        raise UpdateError(
            f"the new edition's {name} is not a readable notebook ({type(error).__name__}: {first})"
        ) from None


def _parse_or_none(content: bytes) -> nbformat.NotebookNode | None:
    """Read a notebook of the learner's edition; None when it does not read."""
    try:
        return nbformat.reads(content.decode("utf-8"), as_version=4)
    except Exception:  # then its stubs are unknown: an answer is told from the new edition's stub alone
        return None


def _folder_edition(folder: Path, notebooks_dir: Path) -> Plan:
    """Return the Plan of taking the new edition's notebooks from `folder` (a course, or its notebooks/)."""
    if not folder.is_dir():
        raise UpdateError(f"--from {folder}: no such folder")
    source = folder / "notebooks" if (folder / "notebooks").is_dir() else folder
    if source.resolve() == notebooks_dir.resolve():
        raise UpdateError(f"--from {folder}: that is your own notebooks/; name the folder of the new edition")
    edition = {path.name: path.read_bytes() for path in sorted(source.glob("*.ipynb"))}
    if not edition:
        raise UpdateError(f"--from {folder}: no notebooks (*.ipynb) in {source}")
    extra = {MANIFEST: (source / MANIFEST).read_bytes()} if (source / MANIFEST).is_file() else {}
    return Plan(notebooks_dir, edition, extra=extra, source=f"the new edition's notebooks from {source}")


def _read_learner(plan: Plan) -> tuple[dict[str, nbformat.NotebookNode], list[str]]:
    """Return the learner's notebooks the answers come from, and a line per one that does not read."""
    wanted = set(plan.edition) | set(plan.old) if plan.git else None  # with git: the course's notebooks
    found, problems = {}, []
    for path in sorted(plan.notebooks_dir.glob("*.ipynb")):
        if wanted is not None and path.name not in wanted:
            continue
        try:
            found[path.name] = read_notebook(path)
        except Unreadable as error:
            problems.append(f"{path.name}: not a readable notebook ({error}), so no answer is taken from it")
    return found, problems


def _stubs(editions: dict[str, nbformat.NotebookNode]) -> dict[str, list[Group]]:
    """Return {exercise id: its stubs in the new edition}."""
    stubs: dict[str, list[Group]] = {}
    for notebook in editions.values():
        for exercise_id, group in exercise_sources(notebook).items():
            stubs.setdefault(exercise_id, []).append(group)
    return stubs


def _merge_all(plan: Plan, learner: dict[str, nbformat.NotebookNode], problems: list[str]) -> Outcome:
    """Find the learner's answers and put them into every notebook of the new edition."""
    editions = {name: _parse(name, content) for name, content in plan.edition.items()}
    olds = {name: nb for name, content in plan.old.items() if (nb := _parse_or_none(content)) is not None}
    stubs = _stubs(editions)
    found = {
        name: find_answers(notebook, name, stubs, exercise_sources(olds[name]) if name in olds else None)
        for name, notebook in learner.items()
    }
    homes = homes_of(editions)
    chosen, left_out = choose_answers(found, homes)
    merged = {name: merge(editions[name], name, chosen, learner.get(name)) for name in editions}
    final = {name: render(m.notebook) if m.kept else plan.edition[name] for name, m in merged.items()}
    retired = {name: [i for i in answers if i not in homes] for name, answers in found.items()}
    edits = {name: other_edits(notebook, olds[name]) for name, notebook in learner.items() if name in olds}
    return Outcome(merged, final, found, left_out, retired, edits, problems)


def _at_risk(plan: Plan, outcome: Outcome) -> tuple[dict[str, Path], bool]:
    """Return {path in notebooks/: file} of the learner's files the update replaces, and whether anything changes."""
    if plan.git:
        step = plan.git
        at_risk = {path: plan.notebooks_dir / path for path, now in step.touched.items() if now is not None}
        finals = {path: outcome.final.get(path, step.target_files.get(path)) for path in step.touched}
        changes = step.head != step.target or any(finals[path] != step.touched[path] for path in step.touched)
        return at_risk, changes
    wanted = {**outcome.final, **plan.extra}
    current = {name: path.read_bytes() for name in wanted if (path := plan.notebooks_dir / name).is_file()}
    at_risk = {name: plan.notebooks_dir / name for name in current if current[name] != wanted[name]}
    return at_risk, any(current.get(name) != content for name, content in wanted.items())


def back_up(notebooks_dir: Path, files: dict[str, Path]) -> Path:
    """Copy `files` ({path in notebooks/: file}) byte for byte into a new notebooks/.backups/<time>/; return it."""
    backups, when = notebooks_dir / BACKUPS, time.strftime(TIME_FORMAT)
    backups.mkdir(exist_ok=True)
    for number in itertools.count(1):
        folder = backups / (when if number == 1 else f"{when}-{number}")
        try:
            folder.mkdir()  # never into an earlier run's folder, even one made this second
        except FileExistsError:
            continue
        break
    for relative, path in sorted(files.items()):
        copy = folder / relative
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy)
    return folder


def _write(plan: Plan, outcome: Outcome) -> None:
    """Write the merged notebooks (and, with --from, every notebook of the new edition) into notebooks/."""
    wanted = {**outcome.final, **plan.extra}
    for name, content in wanted.items():
        target = plan.notebooks_dir / name
        ours = plan.git.target_files.get(name) if plan.git else None
        if content != ours and (not target.is_file() or target.read_bytes() != content):
            target.write_bytes(content)


def _shown(path: Path) -> str:
    """Return `path` relative to the current folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _notebook_line(name: str, plan: Plan, outcome: Outcome, copy: Path | None) -> list[str]:
    """Return the report's lines for one notebook."""
    merged, had = outcome.merged.get(name), name in outcome.found
    if merged is None:
        parts = ["not in the new edition" + (" (removed)" if plan.git else " (left as it is)")]
    elif not had:
        parts = ["new in this edition"]
    elif merged.kept or merged.updated or copy is not None or outcome.retired.get(name):
        parts = [f"answers kept: {', '.join(merged.kept) or 'none'}", f"cells updated: {merged.updated}"]
    else:
        parts = ["nothing new"]
    if outcome.retired.get(name):
        stays = "your copy" if copy is not None else "this notebook"
        parts.append(f"retired: {', '.join(outcome.retired[name])} (your answer stays in {stays})")
    if copy is not None:
        parts.append(f"your copy: {_shown(copy)}")
    notes = list(merged.notes) if merged else []
    notes += [f"{a.exercise_id}: this answer is not carried over" for a in outcome.left_out if a.notebook == name]
    if outcome.edits.get(name):
        notes.append(f"{outcome.edits[name]} other cell(s) you added or edited are not carried over (see your copy)")
    return [f"{name}: " + "; ".join(parts)] + ["  " + note for note in notes]


def _report(plan: Plan, outcome: Outcome, backup: Path | None, at_risk: dict[str, Path], dry_run: bool) -> list[str]:
    """Return the report: the backup, the new edition, then a line per notebook."""
    lines = ["Dry run: nothing is written."] if dry_run else []
    if at_risk:
        where = _shown(backup) if backup else _shown(plan.notebooks_dir / BACKUPS) + "/<time>"
        lines.append(f"{'Would back up' if dry_run else 'Backed up'} {len(at_risk)} file(s) of notebooks/ to {where}/")
    if plan.git:
        lines.append(update_git.describe(plan.git, dry_run))
    else:
        lines.append(f"{'Would take' if dry_run else 'Took'} {plan.source}")
    for name in sorted(set(outcome.merged) | set(outcome.found)):
        copy = (backup or plan.notebooks_dir / BACKUPS / "<time>") / name if name in at_risk else None
        lines += _notebook_line(name, plan, outcome, copy)
    return lines + outcome.problems


def update(notebooks_dir: Path, ref: str | None = None, source: Path | None = None, dry_run: bool = False) -> list[str]:
    """Take the new edition (git, or the folder `source`) into notebooks_dir, keeping the answers; return the report."""
    try:
        if source is not None:
            plan = _folder_edition(source, notebooks_dir)
        else:
            step = update_git.plan(notebooks_dir, ref)
            plan = Plan(notebooks_dir, step.edition, old=step.old, git=step)
        learner, problems = _read_learner(plan)
        outcome = _merge_all(plan, learner, problems)
        at_risk, changes = _at_risk(plan, outcome)
    except UpdateError as error:
        raise UpdateError(f"{error}. Nothing was changed") from None
    if not changes:
        held = update_git.label(plan.git) if plan.git else plan.source
        return [f"Nothing to do: notebooks/ already holds {held}, with your answers"]
    if dry_run:
        return _report(plan, outcome, None, at_risk, dry_run)
    backup = back_up(notebooks_dir, at_risk) if at_risk else None
    if plan.git:
        update_git.take(plan.git, backup)
    _write(plan, outcome)
    return _report(plan, outcome, backup, at_risk, dry_run)


def _parser() -> argparse.ArgumentParser:
    """Return the command line's parser."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.update", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    taken = parser.add_mutually_exclusive_group()
    taken.add_argument("--ref", help="take the new edition from this branch, tag or commit (default: the upstream)")
    taken.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="FOLDER",
        help="take the new edition's notebooks from FOLDER (no git)",
    )
    parser.add_argument("--dry-run", action="store_true", help="only say what would happen; write nothing")
    parser.add_argument("--root", type=Path, default=Path("."), help="the course's folder (default: this one)")
    parser.add_argument("--notebooks", type=Path, help="your notebooks (default: ROOT/notebooks)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    notebooks_dir = args.notebooks or args.root / "notebooks"
    if not notebooks_dir.is_dir():
        where = "--notebooks" if args.notebooks else "--root"
        parser.error(f"{where}: no notebooks/ folder at {notebooks_dir.absolute()}; run from the course's folder")
    try:
        report = update(notebooks_dir, ref=args.ref, source=args.source, dry_run=args.dry_run)
    except UpdateError as error:
        parser.error(str(error))
    print("\n".join(report))
    return 0
