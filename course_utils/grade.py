"""`python -m course_utils.grade SUBMISSIONS/`: a grade sheet for a class (the tool is course_utils.authoring.grade)."""

import sys

from course_utils.authoring.grade import main

if __name__ == "__main__":
    sys.exit(main())
