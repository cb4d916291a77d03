"""The grader's parts (`python -m course_utils.grade`, see `course_utils.authoring.grade`).

- `notebooks`: submissions, exercise ids, course notebooks, the cells to run, the reference handed in;
- `results`: a check cell's outputs -> passed / failed / not attempted / error / timed out;
- `kernel`: a fresh kernel on the current Python, in a temporary folder, under `unshare -rn` where it can;
- `marking`: one submission graded, whatever goes wrong kept in its row;
- `sheet`: grades.csv and grades.html.
"""
