"""The course's authoring tools: notebooks, slides and the nbval plugin. None of them imports TensorFlow.

- `markers`: the "not attempted" line a check cell prints (shared with `course_utils.exercises`);
- `slide_rules`: slide types by rule, from each cell's kind, tags and height on a slide;
- `transforms`: nbconvert preprocessors: answers -> stubs, check outputs, slide types, no execution timestamps;
- `generate`: notebooks/ from solutions/ (`python -m course_utils.generate`);
- `slides`: offline reveal.js decks and a static site (`python -m course_utils.slides`);
- `pytest_plugin`: nbval reports a learner can act on (a pytest11 entry point).

Each module imports only those above it in this list (`pytest_plugin` only `markers`).
"""
