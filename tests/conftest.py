"""Shared fixtures. The database fixtures (`app`, `client`, `make_app`, `database_url`), the
`auth` fixture (AuthActions: sign in and out through the real forms) and the movable `clock`
come from elearn.testing, which plugin authors get too; so do the helpers (`login`,
`csrf_token`, `signed_in_client`, `serve` and `Browser`, `write_course`, `run_queued_jobs`).
What the tests build (courses with every question type, the centre, the world) is in kit.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from kit import World, build_centre, build_world


@pytest.fixture
def course_root(tmp_path) -> Path:
    root = tmp_path / "courses"
    root.mkdir()
    return root


@pytest.fixture
def world(app) -> World:
    """Province P with districts A and B, one person per role (see kit.build_world)."""
    with app.app_context():
        return build_world()


@pytest.fixture
def centre(app) -> Flask:
    """A district that verifies completions, its learner and an outsider (kit.build_centre)."""
    with app.app_context():
        build_centre()
    return app
