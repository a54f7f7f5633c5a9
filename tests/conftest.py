"""Shared fixtures. The database fixtures (app, client, make_app, database_url) come from
elearn.testing, which plugin authors get too."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def course_root(tmp_path) -> Path:
    root = tmp_path / "courses"
    root.mkdir()
    return root
