"""pytest fixtures for elearn and its plugins (registered through the pytest11 entry point).

Database tests run on a real SQLite file and on a real PostgreSQL server: request the
`app` fixture (parametrised over both backends) or `make_app` for custom configuration.
PostgreSQL comes from ELEARN_TEST_POSTGRES_URL (scripts/with-postgres starts a throw-away
server); without it those tests are skipped locally and fail under CI=true.

Helpers for tests of pages (also for plugin authors):

* `csrf_token(client, path)`, `login(client, username, password)` and `AuthActions` (the
  `auth` fixture): sign in through the real form, as the Flask tutorial does;
* `serve(app)`: the app behind a real threaded HTTP server on 127.0.0.1, and `Browser`, a
  browser-less client with its own cookies for it (`signed_in_tabs` and `race` send the same
  form from several tabs at once);
* the `clock` fixture: move the app's clock forward instead of sleeping;
* `write_course(root)`: a small valid course folder to load, or to break on purpose;
* `run_queued_jobs(app)`: run what the job queue holds with a real consumer;
* `recording_server()`: a real HTTP server on 127.0.0.1 that records each request and answers
  with the status codes you queue (a webhook gateway, an xAPI LRS);
* `Elements(html)`: a served page's elements and attributes, as a browser parses them.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

# Plain `assert`s in the helpers explain themselves when they fail, as in a test module.
pytest.register_assert_rewrite("elearn.testing.courses", "elearn.testing.jobs",
                               "elearn.testing.replica", "elearn.testing.web")

from .clock import MovableClock, clock  # noqa: E402, F401  (the fixture, for pytest)
from .courses import write_course
from .jobs import job_id_from, run_queued_jobs, wait_until_finished
from .mail import MailServer, smtp_server, wait_for_outbox  # noqa: F401  (fixture)
from .pages import Elements
from .recording import Recorded, RecordingServer, recording_server
from .replica import Standby, standby, streaming_standby  # noqa: F401  (standby: fixture)
from .web import (
    Answer, AuthActions, Browser, csrf_from, csrf_token, login, race, serve, signed_in_client,
    signed_in_tabs,
)

__all__ = [
    "BACKENDS", "PROJECT_ROOT", "Answer", "AuthActions", "Browser", "Elements", "MailServer",
    "MovableClock", "Standby", "streaming_standby", "wait_for_outbox", "Recorded", "RecordingServer",
    "recording_server",
    "base_config", "csrf_from", "csrf_token", "job_id_from", "login", "migrate_database", "race",
    "run_queued_jobs", "serve", "signed_in_client", "signed_in_tabs", "wait_until_finished",
    "write_course",
]

BACKENDS = ("sqlite", "postgresql")
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


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

    from .. import create_app

    app = create_app(base_config(database_url, COURSE_DIRS=[]))
    with app.app_context():
        upgrade()
        from ..extensions import db

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
        from .. import create_app

        # Each test has its own job queue and result folder.
        overrides.setdefault("JOBS_QUEUE_FILE", str(tmp_path / "jobs-queue.sqlite3"))
        overrides.setdefault("JOBS_DIR", str(tmp_path / "jobs"))
        overrides.setdefault("JOBS_RETRY_DELAY", 0.2)
        overrides.setdefault("OUTBOX_RETRY_DELAY", 0.2)
        app = create_app(base_config(database_url, **overrides))
        apps.append(app)
        return app

    yield factory
    from ..extensions import db

    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if "elearn.read_replica" in app.extensions:   # ELEARN_READ_REPLICA_URL's engine
            app.extensions["elearn.read_replica"].engine.dispose()


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def auth(client) -> AuthActions:
    """Sign the `client` fixture in and out: `auth.login(username, password)`, `auth.logout()`."""
    return AuthActions(client)

