"""Git's part of `python -m course_utils.update`: find the new edition, check nothing blocks it, then take it.

`plan` reads and checks only (a fetch aside): the new edition is the upstream of the current branch
(or `--ref`), fetched first; the branch must fast-forward to it; a local change outside notebooks/ to a
file the new edition changes stops the update before anything is changed. `take` then undoes the
learner's changes in notebooks/ (already backed up) and fast-forwards; if git still refuses, the
learner's files are put back as they were.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path


class UpdateError(Exception):
    """Why the update stops, in one message that names the argument or the file to look at."""


@dataclass
class GitStep:
    """Taking the new edition with git: the commits, both editions' notebooks/, and the local changes undone."""

    top: Path  # the repository's folder
    prefix: str  # notebooks/'s path in the repository, with a trailing "/"
    head: str
    target: str
    label: str  # the new edition as named: the upstream or --ref
    branch: str  # the current branch ("" when HEAD is detached)
    touched: dict[str, bytes | None] = field(default_factory=dict)  # {path in notebooks/: content now, None: deleted}
    in_head: set[str] = field(default_factory=set)  # the paths in notebooks/ at HEAD
    target_files: dict[str, bytes] = field(default_factory=dict)  # {path in notebooks/: content} in the new edition
    edition: dict[str, bytes] = field(default_factory=dict)  # the new edition's notebooks: {file name: content}
    old: dict[str, bytes] = field(default_factory=dict)  # the learner's edition's notebooks (HEAD)


def _git(top: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run git in `top`; with `check`, raise UpdateError with git's own message when it fails."""
    try:
        done = subprocess.run(["git", *args], cwd=top, capture_output=True, timeout=600)
    except FileNotFoundError:
        raise UpdateError("git is not installed: take the new edition from a folder with --from FOLDER") from None
    if check and done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        raise UpdateError(f"`git {' '.join(args)}` failed: {said[-1] if said else f'exit status {done.returncode}'}")
    return done


def _out(top: Path, *args: str) -> str:
    """Return git's output, stripped."""
    return _git(top, *args).stdout.decode(errors="surrogateescape").strip()


def _succeeds(top: Path, *args: str) -> bool:
    """True when the git command exits 0."""
    return _git(top, *args, check=False).returncode == 0


def _repository(notebooks_dir: Path) -> tuple[Path, str]:
    """Return the repository's folder and notebooks/'s path in it (with a trailing "/")."""
    done = _git(notebooks_dir, "rev-parse", "--show-toplevel", check=False)
    if done.returncode != 0:
        raise UpdateError(
            f"--root: {notebooks_dir.absolute().parent} is not in a git repository; "
            "take the new edition from a folder with --from FOLDER"
        )
    top = Path(done.stdout.decode().strip())
    if not _succeeds(top, "rev-parse", "--verify", "--quiet", "HEAD"):
        raise UpdateError(f"the git repository {top} has no commit yet: there is no edition to update")
    relative = notebooks_dir.resolve().relative_to(top.resolve())
    return top, "" if relative == Path(".") else relative.as_posix() + "/"


def _target(top: Path, ref: str | None) -> tuple[str, str, str]:
    """Return the new edition's name, its commit and the current branch, after `git fetch`."""
    branch = _git(top, "symbolic-ref", "--quiet", "--short", "HEAD", check=False).stdout.decode().strip()
    if ref is None:
        if not branch:
            raise UpdateError("HEAD is detached (no branch checked out): switch to your branch, or use --ref REF")
        upstream = _git(top, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}", check=False)
        if upstream.returncode != 0:
            raise UpdateError(f"branch {branch} has no upstream: name the new edition with --ref (e.g. origin/main)")
        label = upstream.stdout.decode().strip()
        _git(top, "fetch", "--quiet")
    else:
        label = ref
        if _out(top, "remote"):
            _git(top, "fetch", "--all", "--quiet")
    found = _git(top, "rev-parse", "--verify", "--quiet", f"{label}^{{commit}}", check=False)
    if found.returncode != 0:
        raise UpdateError(f"--ref {ref}: no branch, tag or commit of that name, even after git fetch")
    return label, found.stdout.decode().strip(), branch


def _check_fast_forward(top: Path, head: str, target: str, label: str, prefix: str) -> None:
    """Raise UpdateError when the current branch holds commits the new edition does not have."""
    if _succeeds(top, "merge-base", "--is-ancestor", head, target):
        return
    own = _out(top, "rev-list", "--count", f"{target}..{head}")
    files = _out(top, "diff", "--name-only", "-z", f"{target}...{head}").split("\0")
    way = (
        f"if they only hold your answers, undo the commits and keep their changes with "
        f"`git reset $(git merge-base HEAD {label})`, then run the update again"
        if all(path.startswith(prefix) for path in files if path)
        else f"merge it yourself (`git merge {label}`)"
    )
    raise UpdateError(
        f"your branch has {own} commit(s) that {label} does not have, so it cannot be fast-forwarded to the new "
        f"edition (the update never rewrites your history): {way}"
    )


def _local_changes(top: Path) -> list[str]:
    """Return the paths (in the repository) of every local change: modified, staged, deleted or untracked."""
    fields = _git(top, "status", "--porcelain=v1", "-z", "--untracked-files=all").stdout.decode(
        errors="surrogateescape"
    )
    paths, parts = [], iter(fields.split("\0"))
    for entry in parts:
        if entry:
            paths.append(entry[3:])
            if entry[0] in "RC":  # a rename or copy names its origin next
                paths.append(next(parts))
    return paths


def _files(top: Path, commit: str, prefix: str) -> dict[str, bytes]:
    """Return {path in notebooks/: content} of every file under notebooks/ at `commit`."""
    listed = _out(top, "ls-tree", "-r", "-z", "--name-only", commit, "--", prefix or ".").split("\0")
    return {p[len(prefix) :]: _git(top, "cat-file", "blob", f"{commit}:{p}").stdout for p in listed if p}


def _notebooks(files: dict[str, bytes]) -> dict[str, bytes]:
    """Return the notebooks at the top of notebooks/ among `files`."""
    return {path: content for path, content in files.items() if "/" not in path and path.endswith(".ipynb")}


def _blocking(top: Path, head: str, target: str, prefix: str, local: list[str]) -> None:
    """Raise UpdateError when a local change outside notebooks/ is to a file the new edition changes."""
    changed = set(
        _git(top, "diff", "--name-only", "-z", head, target).stdout.decode(errors="surrogateescape").split("\0")
    )
    blocking = sorted({path for path in local if not path.startswith(prefix) and path in changed})
    if blocking:
        more = f" and {len(blocking) - 5} more" if len(blocking) > 5 else ""
        raise UpdateError(
            f"your local changes to {', '.join(blocking[:5])}{more} (outside notebooks/) are in the way: the new "
            "edition changes these files too. Commit them, set them aside (`git stash -u`) or undo them, then "
            "run the update again"
        )


def plan(notebooks_dir: Path, ref: str | None) -> GitStep:
    """Find the new edition and read both editions' notebooks/; raise UpdateError if anything would block it."""
    top, prefix = _repository(notebooks_dir)
    head = _out(top, "rev-parse", "HEAD")
    label, target, branch = _target(top, ref)
    _check_fast_forward(top, head, target, label, prefix)
    local = _local_changes(top)
    _blocking(top, head, target, prefix, local)
    before, after = _files(top, head, prefix), _files(top, target, prefix)
    backups = prefix + ".backups/"
    mine = [path[len(prefix) :] for path in local if path.startswith(prefix) and not path.startswith(backups)]
    touched = {path: _read(top / prefix / path) for path in mine if path in before or path in after}
    step = GitStep(top, prefix, head, target, label, branch, touched, set(before), after)
    step.edition, step.old = _notebooks(after), _notebooks(before)
    return step


def _read(path: Path) -> bytes | None:
    """Return a file's content, None when it is not there."""
    return path.read_bytes() if path.is_file() else None


def _put_back(step: GitStep) -> None:
    """Give the learner's changed files in notebooks/ back their content from before the update."""
    for path, content in step.touched.items():
        target = step.top / step.prefix / path
        if content is None:
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)


def take(step: GitStep, backup: Path | None) -> None:
    """Undo the learner's changes in notebooks/ (backed up in `backup`) and fast-forward to the new edition."""
    restore = [step.prefix + path for path in step.touched if path in step.in_head]
    added = [step.prefix + path for path in step.touched if path not in step.in_head]
    try:
        if restore:
            _git(step.top, "checkout", step.head, "--", *restore)
        for path in added:
            _git(step.top, "rm", "--cached", "--quiet", "--ignore-unmatch", "--", path)
            (step.top / path).unlink(missing_ok=True)
        _git(step.top, "merge", "--ff-only", "--quiet", step.target)
    except UpdateError as error:
        _put_back(step)
        kept = f" (a copy is in {backup})" if backup else ""
        raise UpdateError(f"{error}. Your files in notebooks/ are back as they were{kept}") from None


def label(step: GitStep) -> str:
    """Return the new edition's name and short commit."""
    return f"{step.label} ({step.target[:7]})"


def describe(step: GitStep, dry_run: bool) -> str:
    """Return the report's line on the commits: the fast-forward, or none needed."""
    if step.head == step.target:
        return f"The new edition {label(step)} is already checked out"
    where = step.branch or "HEAD"
    verb = "Would fast-forward" if dry_run else "Fast-forwarded"
    return f"{verb} {where} from {step.head[:7]} to the new edition {label(step)}"
