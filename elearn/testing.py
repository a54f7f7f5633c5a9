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
* the `clock` fixture: move the app's clock forward instead of sleeping.
"""
from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import threading
import uuid
from datetime import datetime, timedelta, timezone
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple
from urllib.parse import urlencode, urlsplit

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


def csrf_from(html: str, where: str = "the page") -> str:
    """The CSRF token of the first form in a page's HTML."""
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {where}"
    return match.group(1)


def csrf_token(client: FlaskClient, path: str) -> str:
    """Fetch a page and return the CSRF token of its first form, as a browser would."""
    return csrf_from(client.get(path).get_data(as_text=True), path)


def login(client: FlaskClient, username: str, password: str, **kwargs: Any):
    """Sign in through the login form (CSRF token included); the response of the POST.
    Extra keyword arguments go to the test client's `post` (headers, environ_base, …)."""
    token = csrf_token(client, "/login")
    return client.post("/login", data={"csrf_token": token, "username": username,
                                       "password": password}, **kwargs)


class AuthActions:
    """Sign a test client in and out through the real forms (Flask tutorial style)."""

    def __init__(self, client: FlaskClient):
        self._client = client

    def login(self, username: str, password: str):
        return login(self._client, username, password)

    def logout(self):
        return self._client.post("/logout", data={"csrf_token": csrf_token(self._client, "/")})


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


def signed_in_client(app: Flask, username: str, password: str, **headers: str) -> FlaskClient:
    """A new test client of `app`, signed in as `username` (asserts that it worked)."""
    client = app.test_client()
    response = login(client, username, password, headers=headers or None)
    assert response.status_code == 302, (username, response.status_code)
    return client


# -- a real server and a browser-less client for it ---------------------------------------


@contextlib.contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a free port) from a real threaded WSGI server; yields the
    base URL. For tests of concurrent requests: the test client runs one at a time."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]
    text: str


class Browser:
    """A browser-less HTTP client with one cookie jar that never follows redirects. Safe to
    use from several threads at once, like several tabs of one browser."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        address = urlsplit(self.base)
        self._host, self._port = address.hostname or "127.0.0.1", address.port or 80
        self.cookies: dict[str, str] = {}
        self._lock = threading.Lock()

    def open(self, method: str, path: str, data: dict | list | None = None,
             headers: dict[str, str] | None = None) -> Answer:
        """Send one request; form `data` is URL-encoded (lists as repeated fields)."""
        connection = http.client.HTTPConnection(self._host, self._port, timeout=60)
        with self._lock:
            cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        sent = {"User-Agent": "elearn-test", **({"Cookie": cookie} if cookie else {}),
                **(headers or {})}
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()
        with self._lock:
            for header in response.headers.get_all("Set-Cookie") or ():
                for name, morsel in SimpleCookie(header).items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
        return Answer(response.status, dict(response.headers), text)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        """GET `path`, or POST `data` to it; (status, body)."""
        answer = self.open("GET" if data is None else "POST", path, data)
        return answer.status, answer.text

    def post(self, path: str, data: dict) -> int:
        return self.open("POST", path, data).status

    def csrf(self, path: str) -> str:
        status, html = self.request(path)
        return csrf_from(html, f"{path} ({status})")

    def login(self, username: str, password: str) -> None:
        status = self.post("/login", {"csrf_token": self.csrf("/login"), "username": username,
                                      "password": password})
        assert status == 302, (username, status)


def signed_in_tabs(base: str, username: str, password: str, page: str,
                   count: int) -> list[tuple[Browser, str]]:
    """`count` tabs of one person, each signed in and holding the CSRF token of `page`."""
    tabs = []
    for _ in range(count):
        tab = Browser(base)
        tab.login(username, password)
        tabs.append((tab, tab.csrf(page)))
    return tabs


def race(tabs: list[tuple[Browser, str]], path: str, form: dict) -> list[tuple[int, str]]:
    """POST the same form from every tab at the same moment; (status, body) of each."""
    barrier, answers = threading.Barrier(len(tabs)), []

    def post(tab: Browser, token: str) -> None:
        barrier.wait()
        answers.append(tab.request(path, {**form, "csrf_token": token}))

    threads = [threading.Thread(target=post, args=pair) for pair in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(answers) == len(tabs), "a racing request did not finish"
    return answers


# -- a movable clock ----------------------------------------------------------------------


class MovableClock:
    """The wall clock as the app (elearn.clock), Huey and cookies read it, which a test moves
    forward instead of sleeping. Monotonic clocks (timeouts) are left alone."""

    def __init__(self, traveller: Any):
        self._traveller = traveller

    def advance(self, seconds: float) -> None:
        self._traveller.shift(timedelta(seconds=seconds))


@pytest.fixture
def clock() -> Iterator[MovableClock]:
    """Time runs on from now, in every thread of this process, and `clock.advance(s)` jumps."""
    import time_machine

    with time_machine.travel(datetime.now(timezone.utc), tick=True) as traveller:
        yield MovableClock(traveller)
