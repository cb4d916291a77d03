"""The catalogue of learners' answers: every right one must pass, every wrong one must fail on the case that
catches it, with the reason the exercise's comparison gives (or the error the answer raised).

A test file per notebook lists its answers with `right(...)` and `wrong(...)` and parametrizes two tests
over them with `ids` such as `01.2-right-slogdet` and `01.2-wrong-no-abs`. The assertions look only at
the case description and the reason, the texts the exercise modules write, not at the checker's layout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from course_utils import exercises


@dataclass(frozen=True)
class Answer:
    """A learner's answer to one exercise; a wrong one names the case that must catch it and its reason."""

    exercise_id: str
    function: Callable[..., Any]
    case: str | None = None
    reason: str | None = None


def right(exercise_id: str, name: str, function: Callable[..., Any]) -> Any:
    """A right answer, as a pytest parameter with the id 'ID-right-NAME'."""
    return pytest.param(Answer(exercise_id, function), id=f"{exercise_id}-right-{name}")


def wrong(exercise_id: str, name: str, function: Callable[..., Any], case: str, reason: str) -> Any:
    """A wrong answer that must fail on the case described as `case` with `reason` in the message."""
    return pytest.param(Answer(exercise_id, function, case, reason), id=f"{exercise_id}-wrong-{name}")


def assert_passes(answer: Answer, capsys: pytest.CaptureFixture) -> None:
    """The check prints that the exercise passed."""
    exercises.check(answer.exercise_id, answer.function)
    out = capsys.readouterr().out
    assert f"Passed: exercise {answer.exercise_id}" in out, out


def assert_fails(answer: Answer) -> str:
    """The check raises ExerciseFailed (nothing else) on the right case, with the right reason; return the message."""
    descriptions = [case.description for case in exercises.get(answer.exercise_id).cases()]
    assert descriptions.count(answer.case) == 1, f"{answer.case!r} is not one case of {descriptions}"
    with pytest.raises(exercises.ExerciseFailed) as failure:
        exercises.check(answer.exercise_id, answer.function)
    message = str(failure.value)
    others = [d for d in descriptions if d != answer.case and d not in answer.case and d in message]
    assert answer.case in message and not others, f"expected to fail on {answer.case!r}:\n{message}"
    assert answer.reason in message, f"{answer.reason!r} not in:\n{message}"
    return message
