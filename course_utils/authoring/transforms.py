"""Notebook transforms of the authoring tools, each a small nbconvert Preprocessor (nbgrader's pattern).

- `InsertSetupCell`: the set-up cell that installs the course where it is missing (`setup_cell`), kept current;
- `ClearSolutions`: each answer between `### BEGIN SOLUTION` and `### END SOLUTION` -> the stub;
- `NotAttemptedOutputs`: each check cell's stored output -> the "not attempted" line;
- `AssignSlideTypes`: slide types by the course's rules (`course_utils.authoring.slide_rules`);
- `ClearExecutionMetadata`: no execution timestamps (`metadata.execution`) in any cell;
- `ClearWidgetState`: no stored widget state (offline pages then show each widget's picture).

They are enabled when made, so they run as they are or registered on an nbconvert exporter.
`solution_transforms()` tidy a solution notebook; `learner_transforms()` then make the learner's version.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from course_utils.authoring.markers import not_attempted_message
from course_utils.authoring.setup_cell import with_setup_cell
from course_utils.authoring.slide_rules import assign_slide_types, tags

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
_CHECK_CALL = re.compile(r"""check\(\s*["']([^"']+)["']""")

Resources = dict[str, Any]


def strip_solutions(source: str) -> str:
    """Replace every BEGIN/END SOLUTION block in `source` by the stub, at the block's indentation."""
    out, inside = [], False
    for number, line in enumerate(source.split("\n"), start=1):
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


class CoursePreprocessor(Preprocessor):
    """A Preprocessor enabled by default, so that calling it applies it."""

    enabled = Bool(True).tag(config=True)


class InsertSetupCell(CoursePreprocessor):
    """Put the current set-up cell (`course_utils.authoring.setup_cell`) before the notebook's first code cell."""

    def preprocess(self, nb: nbformat.NotebookNode, resources: Resources) -> tuple[nbformat.NotebookNode, Resources]:
        """Return the notebook with one set-up cell, of the current source, before the imports."""
        return with_setup_cell(nb), resources


class ClearSolutions(CoursePreprocessor):
    """Replace the answer of each exercise cell (tag `exercise`) by the stub and clear its outputs."""

    def preprocess_cell(
        self, cell: nbformat.NotebookNode, resources: Resources, index: int
    ) -> tuple[nbformat.NotebookNode, Resources]:
        """Stub out an exercise cell; refuse an answer in a cell not tagged `exercise`."""
        if "exercise" in tags(cell):
            if BEGIN not in cell.source:
                raise ValueError(f"cell {index} is tagged 'exercise' but holds no {BEGIN} block")
            cell.source = strip_solutions(cell.source)
            cell.outputs = []
        elif BEGIN in cell.source:
            raise ValueError(f"cell {index} holds a {BEGIN} block but is not tagged 'exercise'")
        return cell, resources


class NotAttemptedOutputs(CoursePreprocessor):
    """Store the "not attempted" line as the output of each check cell (tag `exercise-check`)."""

    def preprocess_cell(
        self, cell: nbformat.NotebookNode, resources: Resources, index: int
    ) -> tuple[nbformat.NotebookNode, Resources]:
        """Replace a check cell's outputs by the line its stub prints, keyed on its `check("ID", ...)` call."""
        if "exercise-check" in tags(cell):
            found = _CHECK_CALL.search(cell.source)
            if not found:
                raise ValueError(f"cell {index} is tagged 'exercise-check' but calls no check(\"ID\", ...)")
            text = not_attempted_message(found.group(1)) + "\n"
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        return cell, resources


class AssignSlideTypes(CoursePreprocessor):
    """Set every cell's slide type by the course's rules (metadata only)."""

    keep_hand_set = Bool(True, help="keep the slide types set by hand").tag(config=True)

    def preprocess(self, nb: nbformat.NotebookNode, resources: Resources) -> tuple[nbformat.NotebookNode, Resources]:
        """Return the notebook with the rules' slide types (see `slide_rules.assign_slide_types`)."""
        return assign_slide_types(nb, keep_hand_set=self.keep_hand_set), resources


class ClearExecutionMetadata(CoursePreprocessor):
    """Remove the execution timestamps (`metadata.execution`) that JupyterLab and nbclient store in cells."""

    def preprocess_cell(
        self, cell: nbformat.NotebookNode, resources: Resources, index: int
    ) -> tuple[nbformat.NotebookNode, Resources]:
        """Drop the cell's `execution` metadata."""
        cell.metadata.pop("execution", None)
        return cell, resources


class ClearWidgetState(CoursePreprocessor):
    """Remove the stored widget state: widget outputs fall back to their picture, and no widget manager is fetched."""

    def preprocess(self, nb: nbformat.NotebookNode, resources: Resources) -> tuple[nbformat.NotebookNode, Resources]:
        """Drop the notebook's `widgets` metadata."""
        nb.metadata.pop("widgets", None)
        return nb, resources


def solution_transforms(keep_hand_set: bool = True) -> list[Preprocessor]:
    """Return the transforms that tidy a solution notebook: the set-up cell, slide types by rule, no timestamps."""
    return [InsertSetupCell(), AssignSlideTypes(keep_hand_set=keep_hand_set), ClearExecutionMetadata()]


def learner_transforms() -> list[Preprocessor]:
    """Return the transforms that make the learner's version of a (tidy) solution notebook."""
    return [ClearSolutions(), NotAttemptedOutputs()]


def apply(notebook: nbformat.NotebookNode, preprocessors: Sequence[Preprocessor]) -> nbformat.NotebookNode:
    """Return a copy of the notebook passed through `preprocessors` in order; the input is left alone."""
    notebook, resources = copy.deepcopy(notebook), {}
    for preprocessor in preprocessors:
        notebook, resources = preprocessor(notebook, resources)
    return notebook


def learner_notebook(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the learner's version of a solution notebook: stubs in, check outputs 'not attempted'."""
    return apply(solution, learner_transforms())


def conform(paths: Iterable[Path], preprocessors: Sequence[Preprocessor], write: bool = False) -> list[Path]:
    """Return the notebooks that `preprocessors` change; with `write`, store the changed versions."""
    changed = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        transformed = apply(notebook, preprocessors)
        if transformed != notebook:
            changed.append(Path(path))
            if write:
                nbformat.write(transformed, path)
    return changed
