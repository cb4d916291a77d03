"""The course's pytest set-up lives in course_utils.pytest_plugin, so other folders can load it too."""
pytest_plugins = ["course_utils.pytest_plugin"]
