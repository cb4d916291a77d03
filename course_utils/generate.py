"""`python -m course_utils.generate`: notebooks/ from solutions/ (the tool is course_utils.authoring.generate)."""

import sys

from course_utils.authoring.generate import main

if __name__ == "__main__":
    sys.exit(main())
