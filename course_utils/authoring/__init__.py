"""The course's authoring tools: notebooks, slides and the nbval plugin. None of them imports TensorFlow.

- `markers`: the "not attempted" line a check cell prints (shared with `course_utils.exercises`), the set-up cell's tag;
- `setup_cell`: the first cell of every notebook, which installs the course where it is missing (Colab);
- `slide_rules`: slide types by rule, from each cell's kind, tags and height on a slide;
- `transforms`: nbconvert preprocessors: set-up cell, answers -> stubs, check outputs, slide types, no timestamps;
- `generate`: notebooks/ from solutions/ (`python -m course_utils.generate`);
- `answers`, `update_git`, `update`: a new edition with the learner's answers kept (`python -m course_utils.update`;
  nbformat and git only);
- `slides`: offline reveal.js decks and a static site (`python -m course_utils.slides`);
- `pytest_plugin`: nbval reports a learner can act on (a pytest11 entry point);
- `grade`, `grading`: a class's grade sheet (`python -m course_utils.grade`).

Each module imports only those above it in this list (`pytest_plugin` only `markers`).
"""
