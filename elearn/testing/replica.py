"""A real streaming standby of the test PostgreSQL server, for read-replica tests.

`streaming_standby(primary_url)` copies the running primary with `pg_basebackup -R -X
stream`, starts the copy in hot standby on its own port and socket folder, and waits until
it is in recovery and has replayed what the primary had written. The `standby` fixture (one
per test module that asks for it) wraps it; it skips without PostgreSQL like the
`postgres_template` fixture (and fails under CI=true).

The standby mirrors every database of the primary, so a test's own database (created from
the template) exists on it too: `standby.url(database_url)` is the same database there.

As root (CI), PostgreSQL refuses to run, so the standby runs as the `postgres` system user,
as scripts/with-postgres runs the primary.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

# A standby must allow at least as much as its primary, or recovery stops at once
# ("insufficient parameter settings"): scripts/with-postgres raises max_connections to 200,
# which is why a standby with the defaults never came up.
MUST_MATCH = ("max_connections", "max_worker_processes", "max_wal_senders",
              "max_prepared_transactions", "max_locks_per_transaction")
START_SECONDS = 60


def _bindir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                   key=lambda p: [int(x) for x in p.parent.name.split(".") if x.isdigit()])
    for candidate in reversed(found):
        if (candidate / "pg_basebackup").exists():
            return candidate
    located = shutil.which("pg_basebackup")
    if located:
        return Path(located).parent
    raise RuntimeError("pg_basebackup not found: install the PostgreSQL server package")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _plain(url: str) -> str:
    """A SQLAlchemy URL as libpq takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@dataclass
class Standby:
    """A running hot standby: its port, and the controls a replica test needs."""

    primary_url: str
    port: int
    folder: Path
    bindir: Path
    as_owner: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database_url: str) -> str:
        """The same database (a SQLAlchemy URL on the primary) on the standby."""
        from sqlalchemy.engine import make_url

        return make_url(database_url).set(port=self.port).render_as_string(hide_password=False)

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self.as_owner, str(self.bindir / "pg_ctl"), "-D", str(self.data),
                        *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=START_SECONDS + 10)

    def start(self) -> None:
        options = (f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c hot_standby=on "
                   "-c fsync=off")
        try:
            self._ctl("-l", str(self.folder / "standby.log"), "-w", "-t", str(START_SECONDS),
                      "-o", options, "start")
        except subprocess.CalledProcessError:
            raise RuntimeError("the standby did not start:\n" + self.log()) from None
        self.wait_until_in_recovery()

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")

    def log(self) -> str:
        path = self.folder / "standby.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else "(no log)"

    def query(self, sql: str, database: str = "postgres", params: Any = None) -> Any:
        """The first value of `sql` run on the standby."""
        return _scalar(_plain(self.url(self.primary_url).rsplit("/", 1)[0] + "/" + database),
                       sql, params)

    def wait_until_in_recovery(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if self.query("SELECT pg_is_in_recovery()"):
                    return
                raise RuntimeError("the copy started as a primary, not a standby")
            except Exception as error:  # noqa: BLE001  (not accepting connections yet)
                if isinstance(error, RuntimeError) or time.monotonic() > deadline:
                    raise RuntimeError(f"standby not ready: {error}\n{self.log()}") from None
                time.sleep(0.1)

    def wait_for_replay(self, timeout: float = 30) -> None:
        """Wait until the standby has replayed everything the primary has written so far."""
        target = _flushed_wal_position(_plain(self.primary_url))
        deadline = time.monotonic() + timeout
        while not self.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                             params=(target,)):
            if time.monotonic() > deadline:
                raise AssertionError(f"standby did not replay up to {target}:\n{self.log()}")
            time.sleep(0.05)

    def pause_replay(self) -> None:
        """Stop applying the primary's changes (they keep arriving and wait)."""
        self.query("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 30
        while self.query("SELECT pg_get_wal_replay_pause_state()") != "paused":
            if time.monotonic() > deadline:
                raise AssertionError("standby replay did not pause")
            time.sleep(0.05)

    def resume_replay(self) -> None:
        self.query("SELECT pg_wal_replay_resume()")


def _flushed_wal_position(url: str) -> str:
    """Everything the primary has written so far, flushed: with synchronous_commit off (the
    test servers') a commit can wait in the WAL buffers, past pg_current_wal_lsn(), and a
    wait on that position passed before the standby had it (a flaky dashboard test). One
    transaction that commits synchronously flushes the WAL up to its own commit record."""
    import psycopg

    with psycopg.connect(url, connect_timeout=5) as connection:
        connection.execute("SET LOCAL synchronous_commit = on")
        connection.execute("SELECT txid_current()")  # an xid: the commit writes a record
        connection.commit()
        connection.autocommit = True
        # The insert position: every record any session has put in the WAL so far, written
        # out or not (the wait then also covers commits still in the WAL writer's buffers).
        return connection.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0]


def _scalar(url: str, sql: str, params: Any = None) -> Any:
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
        row = connection.execute(sql, params).fetchone()
    return row[0] if row else None


@contextmanager
def streaming_standby(primary_url: str) -> Iterator[Standby]:
    """A hot standby of the server at `primary_url` (a superuser's URL, as scripts/with-
    postgres gives), streaming from it over 127.0.0.1; stopped and removed afterwards."""
    from sqlalchemy.engine import make_url

    primary = make_url(primary_url)
    settings = {name: _scalar(_plain(primary_url), f"SHOW {name}") for name in MUST_MATCH}
    wal_level = _scalar(_plain(primary_url), "SHOW wal_level")
    if wal_level not in ("replica", "logical"):
        raise RuntimeError(f"the primary has wal_level={wal_level}; a standby needs replica")
    bindir = _bindir()
    folder = Path(tempfile.mkdtemp(prefix="elearn-standby-"))
    as_owner: list[str] = []
    if os.getuid() == 0:
        # initdb and postgres refuse root: the copy belongs to the postgres system user.
        shutil.chown(folder, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    standby = Standby(primary_url, _free_port(), folder, bindir, as_owner)
    try:
        copied = subprocess.run(
            [*as_owner, str(bindir / "pg_basebackup"), "-D", str(standby.data), "-R",
             "-X", "stream", "-c", "fast", "--no-sync", "-h", primary.host or "127.0.0.1",
             "-p", str(primary.port or 5432), "-U", primary.username or "postgres"],
            capture_output=True, text=True, timeout=120)
        if copied.returncode:
            raise RuntimeError(f"pg_basebackup failed: {copied.stderr}")
        with open(standby.data / "postgresql.auto.conf", "a") as conf:
            conf.write("".join(f"{name} = '{value}'\n" for name, value in settings.items()))
        standby.start()
        standby.wait_for_replay()
        yield standby
    finally:
        subprocess.run([*as_owner, str(bindir / "pg_ctl"), "-D", str(standby.data),
                        "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def standby() -> Iterator[Standby]:
    """A streaming standby of the test PostgreSQL server (see `streaming_standby`), for the
    tests of one module: it is stopped after them, so the rest of the suite does not pay for
    replaying every test database the primary creates."""
    url = os.environ.get("ELEARN_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("ELEARN_TEST_POSTGRES_URL is not set: replica tests must run in CI")
        pytest.skip("no PostgreSQL server (set ELEARN_TEST_POSTGRES_URL or use make test)")
    with streaming_standby(url) as running:
        yield running
