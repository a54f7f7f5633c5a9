"""Kept only for tests/test_plugins.py, which imports `write_course` from here: the course
builder is elearn.testing.write_course (tests use it and tests/kit.py)."""
from elearn.testing import PROJECT_ROOT, write_course  # noqa: F401
from elearn.testing.courses import BANK, COURSE, LESSON, dedent  # noqa: F401
