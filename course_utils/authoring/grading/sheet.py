"""The grade sheet: `grades.csv` and a readable `grades.html`, one row per notebook, one column per exercise."""

from __future__ import annotations

import csv
import html
import io
import os
import time
from collections.abc import Sequence
from pathlib import Path

from course_utils.authoring.grading.notebooks import Solution
from course_utils.authoring.grading.results import PASSED, STATUSES, NotebookResult

CSV_NAME, HTML_NAME = "grades.csv", "grades.html"
_LEAD = ["student", "notebook", "course notebook"]
_TAIL = ["passed", "exercises", "flags", "note", "seconds"]
_STYLE = """
body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; margin: 0 0 .2em; }
p.meta, p.legend { color: #555; margin: .2em 0 1em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: .35em .6em; text-align: left; vertical-align: top; }
thead th { background: #f0f0f0; position: sticky; top: 0; }
tfoot th, tfoot td { background: #f7f7f7; font-weight: 600; }
td.passed { background: #e3f5e1; } td.failed { background: #fde2e1; }
td.not-attempted { background: #f3f3f3; color: #666; } td.error { background: #fff1c9; }
td.timed-out { background: #f1e3fb; } td.none { background: #fff; }
td.total { font-weight: 600; white-space: nowrap; } td.note { color: #933; min-width: 12em; max-width: 24em; }
span.status { white-space: nowrap; }
div.detail { font-size: 12px; color: #444; max-width: 18em; overflow-wrap: anywhere; }
span.flag { display: block; font-size: 12px; color: #a15c00; font-weight: 600; }
"""


def exercise_columns(results: Sequence[NotebookResult], course: Sequence[Solution]) -> list[str]:
    """Return the exercise ids of every course notebook some row was matched to, in the course's order."""
    used = {result.course for result in results}
    return [exercise_id for solution in course if solution.name in used for exercise_id in solution.ids]


def _row(result: NotebookResult, columns: Sequence[str]) -> list[str]:
    """Return one CSV row: who, which notebook, each exercise's outcome, totals, flags and note."""
    cells = [result.outcomes[c].text() if c in result.outcomes else "" for c in columns]
    flags = "; ".join(f"{exercise_id}: {why}" for exercise_id, why in result.flags.items())
    totals = [str(result.passed()), str(len(result.outcomes))] if result.outcomes else ["", ""]
    return [
        result.student,
        result.notebook,
        result.course,
        *cells,
        *totals,
        flags,
        result.note,
        f"{result.seconds:.1f}",
    ]


def csv_text(results: Sequence[NotebookResult], columns: Sequence[str]) -> str:
    """Return the sheet as CSV: a header, then one row per notebook."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*_LEAD, *columns, *_TAIL])
    writer.writerows(_row(result, columns) for result in results)
    return buffer.getvalue()


def _td(result: NotebookResult, exercise_id: str) -> str:
    """Return one exercise's HTML cell: its status, coloured, with the detail and any flag below."""
    outcome = result.outcomes.get(exercise_id)
    if outcome is None:
        return '<td class="none"></td>'
    parts = [f'<span class="status">{html.escape(outcome.status)}</span>']
    if outcome.detail:
        parts.append(f'<div class="detail">{html.escape(outcome.detail)}</div>')
    if exercise_id in result.flags:
        parts.append(f'<span class="flag">⚑ {html.escape(result.flags[exercise_id])}</span>')
    return f'<td class="{outcome.status.replace(" ", "-")}">{"".join(parts)}</td>'


def _tr(result: NotebookResult, columns: Sequence[str]) -> str:
    """Return one notebook's HTML row."""
    lead = "".join(f"<td>{html.escape(text)}</td>" for text in (result.student, result.notebook, result.course))
    total = f"{result.passed()} / {len(result.outcomes)}" if result.outcomes else ""
    other = [f"{k}: {why}" for k, why in result.flags.items() if k not in columns]
    note = "; ".join([*other, result.note] if result.note else other)
    cells = "".join(_td(result, c) for c in columns)
    return f'<tr>{lead}{cells}<td class="total">{total}</td><td class="note">{html.escape(note)}</td></tr>'


def _footer(results: Sequence[NotebookResult], columns: Sequence[str]) -> str:
    """Return the totals row: for each exercise, how many of the notebooks that hold it passed it."""
    cells = []
    for exercise_id in columns:
        graded = [r.outcomes[exercise_id] for r in results if exercise_id in r.outcomes]
        cells.append(f"<td>{sum(o.status == PASSED for o in graded)} / {len(graded)}</td>")
    passed = sum(r.passed() for r in results)
    total = sum(len(r.outcomes) for r in results)
    return (
        f'<tr><th colspan="3">passed, of notebooks graded</th>{"".join(cells)}<td>{passed} / {total}</td><td></td></tr>'
    )


def html_text(results: Sequence[NotebookResult], columns: Sequence[str], folder: str, network: str) -> str:
    """Return the sheet as a self-contained HTML page; everything that comes from a notebook is escaped."""
    head = "".join(f"<th>{html.escape(name)}</th>" for name in [*_LEAD, *columns, "passed", "note"])
    body = "\n".join(_tr(result, columns) for result in results)
    when = time.strftime("%Y-%m-%d %H:%M")
    meta = f"{html.escape(folder)} · {len(results)} notebooks · {when} · {html.escape(network)}"
    legend = " · ".join(STATUSES) + " · ⚑ a remark on how the exercise was answered"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Grades: {html.escape(folder)}</title><style>{_STYLE}</style></head>\n<body>\n"
        f'<h1>Grades</h1><p class="meta">{meta}</p>\n'
        f"<table><thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n"
        f"<tfoot>{_footer(results, columns)}</tfoot></table>\n"
        f'<p class="legend">{html.escape(legend)}</p>\n</body></html>\n'
    )


def _write(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file, so a reader never sees half a sheet."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def write_sheet(
    results: Sequence[NotebookResult], course: Sequence[Solution], out: Path, folder: str, network: str
) -> tuple[Path, Path]:
    """Write grades.csv and grades.html into `out`; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    columns = exercise_columns(results, course)
    _write(out / CSV_NAME, csv_text(results, columns))
    _write(out / HTML_NAME, html_text(results, columns, folder, network))
    return out / CSV_NAME, out / HTML_NAME
