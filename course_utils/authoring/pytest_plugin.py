"""The course's pytest plugin (a pytest11 entry point): nbval reports a learner can act on.

- stderr is not compared (TensorFlow writes to it at import in some environments);
- an exercise whose stub is still in place is reported as *skipped* ("not attempted");
- an exercise answered wrongly fails with the checker's message, not a kernel traceback.

pyproject.toml registers it, so every pytest run of an environment with the course installed
loads it; it imports no TensorFlow (the notebooks' kernels quiet TF themselves).
"""

from __future__ import annotations

import re
from collections.abc import Generator

import pluggy
import pytest

from course_utils.authoring.markers import NOT_ATTEMPTED_PREFIX

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _is_nbval_cell(item: pytest.Item) -> bool:
    """True for an nbval notebook-cell item."""
    return type(item).__name__ == "IPyNbCell"


def pytest_collectstart(collector: pytest.Collector) -> None:
    """Stop nbval from comparing stderr output."""
    if type(collector).__name__ == "IPyNbFile":
        collector.skip_compare += ("stderr",)


def _stdout(item: pytest.Item) -> str:
    """Return what the cell printed on stdout in this run."""
    return "".join(
        out.get("text", "")
        for out in (item.test_outputs or [])
        if out.get("output_type") == "stream" and out.get("name") == "stdout"
    )


def _exercise_failure(item: pytest.Item) -> str | None:
    """Return the checker's message if the cell failed with ExerciseFailed, else None."""
    for out in item.test_outputs or []:
        if out.get("output_type") == "error" and out.get("ename") == "ExerciseFailed":
            return _ANSI.sub("", out.get("evalue", ""))
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Generator[None, pluggy.Result, None]:
    """Report not-attempted exercises as skipped and wrong answers with the checker's message."""
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or not _is_nbval_cell(item):
        return
    if report.passed:
        for line in _stdout(item).splitlines():
            if line.startswith(NOT_ATTEMPTED_PREFIX):
                report.outcome = "skipped"
                report.longrepr = (str(item.path), 0, line)
                return
    elif report.failed:
        message = _exercise_failure(item)
        if message:
            report.longrepr = f"Exercise answer is wrong (cell {item.cell_num}):\n{message}"
