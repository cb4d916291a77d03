"""`python -m course_utils.slides`: offline decks and site (the tools are in course_utils.authoring.slides)."""

import sys

from course_utils.authoring.slides.cli import main

if __name__ == "__main__":
    sys.exit(main())
