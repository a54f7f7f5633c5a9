"""pytest fixtures for elearn and its plugins (registered through the pytest11 entry point).

Database tests run on a real SQLite file and on a real PostgreSQL server: request the
`app` fixture (parametrised over both backends) or `make_app` for custom configuration.
PostgreSQL comes from ELEARN_TEST_POSTGRES_URL (scripts/with-postgres starts a throw-away
server); without it those tests are skipped locally and fail under CI=true.
"""
from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

BACKENDS = ("sqlite", "postgresql")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def base_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "LOAD_ENTRYPOINTS": False,
        "COURSE_DIRS": [str(PROJECT_ROOT / "courses")],
        "DASHBOARD_CACHE_SECONDS": 0,
        # Every test creates and signs in people: full-cost scrypt (~0.15 s each) would be a
        # large share of the suite. Still scrypt, so the stored format is the real one.
        "PASSWORD_HASH": "scrypt:1024:8:1",
    }
    config.update(overrides)
    return config


def migrate_database(database_url: str) -> None:
    """Apply every Alembic migration to an empty database, as `flask db upgrade` does."""
    from flask_migrate import upgrade

    from . import create_app

    app = create_app(base_config(database_url, COURSE_DIRS=[]))
    with app.app_context():
        upgrade()
        from .extensions import db

        db.engine.dispose()


def _postgres_admin_url() -> str | None:
    return os.environ.get("ELEARN_TEST_POSTGRES_URL")


def _pg_execute(sql: str) -> None:
    import psycopg

    url = _postgres_admin_url().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test clones (CREATE DATABASE … TEMPLATE)."""
    if not _postgres_admin_url():
        if os.environ.get("CI"):
            pytest.fail("ELEARN_TEST_POSTGRES_URL is not set: PostgreSQL tests must run in CI")
        pytest.skip("no PostgreSQL server (set ELEARN_TEST_POSTGRES_URL or use make test)")
    name = f"elearn_template_{uuid.uuid4().hex[:8]}"
    _pg_execute(f'CREATE DATABASE "{name}"')
    migrate_database(_with_database(_postgres_admin_url(), name))
    yield name
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    migrate_database(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> Iterator[str]:
    """A fresh, migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "elearn.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"elearn_test_{uuid.uuid4().hex[:12]}"
    _pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _with_database(_postgres_admin_url(), name)
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def make_app(database_url, tmp_path) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database with extra configuration; engines are disposed after."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        from . import create_app

        # Each test has its own job queue and result folder.
        overrides.setdefault("JOBS_QUEUE_FILE", str(tmp_path / "jobs-queue.sqlite3"))
        overrides.setdefault("JOBS_DIR", str(tmp_path / "jobs"))
        overrides.setdefault("JOBS_RETRY_DELAY", 0.2)
        app = create_app(base_config(database_url, **overrides))
        apps.append(app)
        return app

    yield factory
    from .extensions import db

    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient, path: str) -> str:
    """Fetch a page and return the CSRF token of its first form, as a browser would."""
    html = client.get(path).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"csrf_token": token, "username": username,
                                       "password": password})
