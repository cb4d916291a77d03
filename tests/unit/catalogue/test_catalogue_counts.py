"""The catalogue covers every exercise (at least 2 right answers, 3 wrong ones and one odd return each); every
exercise's comparison answers odd values with a reason; the cases' arguments follow the reference's parameters."""

import importlib
import inspect
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from course_utils import exercises
from course_utils._tf import tfb, tfd

NOTEBOOKS = sorted(
    path.stem.removeprefix("test_catalogue_") for path in Path(__file__).parent.glob("test_catalogue_[0-9]*.py")
)


def _ids(kind: str) -> list[str]:
    """The pytest ids of every right or wrong answer of the catalogue."""
    modules = [importlib.import_module(f"test_catalogue_{notebook}") for notebook in NOTEBOOKS]
    return [parameter.id for module in modules for parameter in getattr(module, kind.upper())]


@pytest.mark.parametrize("exercise_id", exercises.exercise_ids())
def test_every_exercise_has_right_wrong_and_odd_answers(exercise_id):
    right = Counter(i.split("-right-")[0] for i in _ids("right"))
    wrong = Counter(i.split("-wrong-")[0] for i in _ids("wrong"))
    odd = Counter(i.split("-wrong-")[0] for i in _ids("wrong") if "-wrong-odd-" in i)
    assert right[exercise_id] >= 2 and wrong[exercise_id] - odd[exercise_id] >= 3 and odd[exercise_id] >= 1


def test_the_ids_are_unique():
    ids = _ids("right") + _ids("wrong")
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("exercise_id", exercises.exercise_ids())
def test_the_cases_pass_their_arguments_in_the_order_of_the_reference(exercise_id):
    exercise = exercises.get(exercise_id)
    parameters = list(inspect.signature(exercise.reference).parameters)
    assert all(list(case.kwargs) == parameters for case in exercise.cases())


ODD_VALUES = {
    "none": None,
    "inf": float("inf"),
    "nan": float("nan"),
    "dict": {"value": 1.0},
    "string": "maf?",
    "bool": True,
    "distribution": tfd.Normal(0.0, 1.0),
    "bijector": tfb.Exp(),
    "function": lambda *args: None,
    "ragged": [np.zeros(2), np.zeros(3)],
    "objects": np.array([None, "a"], dtype=object),
    "empty": [],
    "complex": 1 + 2j,
    "huge": 10**400,
}


@pytest.mark.parametrize("exercise_id", exercises.exercise_ids())
def test_every_comparison_gives_a_reason_for_odd_values_and_never_raises(exercise_id):
    exercise = exercises.get(exercise_id)
    case = exercise.cases()[0]
    expected = exercise.reference(**case.kwargs)
    for name, value in ODD_VALUES.items():
        reason = exercise.compare(value, expected, case)
        assert isinstance(reason, str) and reason, (name, reason)
