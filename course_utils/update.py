"""`python -m course_utils.update`: a new edition, your answers kept (the tool is course_utils.authoring.update)."""

import sys

from course_utils.authoring.update import main

if __name__ == "__main__":
    sys.exit(main())
