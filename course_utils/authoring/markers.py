"""Markers shared by the learner's checker and the authoring tools: the "not attempted" line, the set-up cell's tag.

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


# The tag of the set-up cell that opens every notebook (`course_utils.authoring.setup_cell`): it installs the
# course where it is missing. Slides skip it, grading does not run it, and the imports cell after it stays "first".
SETUP_TAG = "course-setup"
# The folder the set-up cell clones the course into, where `course_utils.stored_results` also looks.
CLONE_FOLDER = "normalizing-flows-course"
