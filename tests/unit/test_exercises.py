"""The exercise checker: right answers pass (however written), wrong ones fail helpfully."""

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from course_utils import exercises
from course_utils._tf import tf


def stub(*args, **kwargs):
    raise NotImplementedError()


@pytest.fixture(autouse=True)
def first_failure(monkeypatch):
    """Each test sees the first hint level: failures of earlier tests are not counted."""
    monkeypatch.setattr(exercises, "_FAILURES", {})


@pytest.mark.parametrize("exercise_id", exercises.exercise_ids())
def test_every_reference_answer_passes(exercise_id, capsys):
    exercises.check(exercise_id, exercises.get(exercise_id).reference)
    # the last line: a slow machine may print a "Still checking" line first
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"Passed: exercise {exercise_id}")


@pytest.mark.parametrize("exercise_id", exercises.exercise_ids())
def test_every_stub_is_reported_as_not_attempted(exercise_id, capsys):
    exercises.check(exercise_id, stub)
    assert capsys.readouterr().out == exercises.not_attempted_message(exercise_id) + "\n"
    assert exercises.answer(exercise_id) is exercises.get(exercise_id).reference


def test_every_notebook_has_at_least_three_exercises():
    per_notebook = {}
    for exercise_id in exercises.exercise_ids():
        per_notebook.setdefault(exercise_id.split(".")[0], []).append(exercise_id)
    course = sorted(path.name[:2] for path in (Path(__file__).resolve().parents[2] / "solutions").glob("*.ipynb"))
    assert sorted(per_notebook) == course
    assert all(len(ids) >= 3 for ids in per_notebook.values()), per_notebook


def test_an_equivalent_answer_written_differently_passes(capsys):
    def my_log_prob(x, shift, log_scale):
        return stats.norm(loc=shift, scale=np.exp(log_scale)).logpdf(x)

    def my_log_det(bijector, x):
        x = tf.constant(x)
        with tf.GradientTape() as g:
            g.watch(x)
            out = bijector(x)
        return np.linalg.slogdet(g.batch_jacobian(out, x).numpy())[1]

    def my_sampler(base, bijector, n, seed):  # another random stream: only the distribution matters
        return bijector.forward(base.sample(n, seed=seed + 100))

    exercises.check("01.1", my_log_prob)
    exercises.check("01.2", my_log_det)
    exercises.check("01.3", my_sampler)
    assert capsys.readouterr().out.count("Passed:") == 3


def test_wrong_answer_says_what_was_tried_expected_and_got():
    def forgot_log_det(x, shift, log_scale):
        z = (x - shift) / np.exp(log_scale)
        return -0.5 * z**2 - 0.5 * np.log(2 * np.pi)

    with pytest.raises(exercises.ExerciseFailed) as failure:
        exercises.check("01.1", forgot_log_det)
    message = str(failure.value)
    assert "case 3 of 4 (a stretch by 2)" in message  # cases 1-2 have log_scale 0 and pass
    assert "log_scale=0.6931" in message and "expected:" in message and "got:" in message
    assert "Hint:" in message and "-log_scale" in message


def test_wrong_shape_is_reported_with_both_shapes():
    with pytest.raises(exercises.ExerciseFailed, match=r"shape is \(1,\), expected \(5,\)"):
        exercises.check("01.1", lambda x, shift, log_scale: np.zeros(1))


def test_an_error_inside_the_answer_becomes_a_readable_failure():
    def crashes(bijector, x):
        return tf.linalg.det(tf.ones([3, 2]))  # TF raises deep inside

    with pytest.raises(exercises.ExerciseFailed) as failure:
        exercises.check("01.2", crashes)
    message = str(failure.value)
    assert "your function raised InvalidArgumentError" in message and "Hint:" in message
    assert failure.value.__cause__ is None and failure.value.__suppress_context__


def test_sampling_inverse_direction_fails_the_distribution_test():
    def backwards(base, bijector, n, seed):
        return bijector.inverse(base.sample(n, seed=seed)).numpy()

    with pytest.raises(exercises.ExerciseFailed, match="do not follow the flow's distribution"):
        exercises.check("01.3", backwards)


def test_not_attempted_prints_one_line_and_answer_falls_back_to_reference(capsys):
    exercises.check("01.1", stub)
    out = capsys.readouterr().out
    assert out == exercises.not_attempted_message("01.1") + "\n"
    assert out.startswith(exercises.NOT_ATTEMPTED_PREFIX)
    assert exercises.answer("01.1") is exercises.get("01.1").reference


def test_answer_returns_the_learners_function_after_it_passed(capsys):
    def mine(x, shift, log_scale):
        return exercises.get("01.1").reference(x, shift, log_scale)

    exercises.check("01.1", mine)
    assert exercises.answer("01.1") is mine
    with pytest.raises(exercises.ExerciseFailed):
        exercises.check("01.1", lambda x, shift, log_scale: x)
    assert exercises.answer("01.1") is exercises.get("01.1").reference  # a later wrong answer is not kept


def test_bad_calls_are_named():
    with pytest.raises(ValueError, match="exercise_id must be one of"):
        exercises.check("99.9", stub)
    with pytest.raises(exercises.ExerciseFailed, match="expected a function"):
        exercises.check("01.1", 3.0)
