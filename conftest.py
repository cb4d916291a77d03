"""The course's pytest plugin, course_utils.authoring.pytest_plugin, is a pytest11 entry point (pyproject.toml).

Installing the course (`pip install -e .`, as requirements.txt does) makes every pytest run load it;
listing it here too would register it twice.
"""
