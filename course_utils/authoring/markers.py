"""The line a check cell prints for an exercise not attempted yet: the generator stores it, the pytest plugin reads it.

TensorFlow-free on purpose: the learner's checker (`course_utils.exercises`) and the authoring
tools share these without one importing the other.
"""

NOT_ATTEMPTED_PREFIX = "Not attempted:"


def not_attempted_message(exercise_id: str) -> str:
    """Return the line printed when the stub of `exercise_id` is still in place."""
    return (
        f"{NOT_ATTEMPTED_PREFIX} exercise {exercise_id} still raises NotImplementedError; "
        "the reference answer stands in for it so the rest of the notebook runs."
    )
