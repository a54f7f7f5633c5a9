"""Backups: the database, the keyrings and the instance files that matter, in one folder with
a manifest (format, application version, schema revision, time, SHA-256 of every file).

PostgreSQL is dumped with `pg_dump --format=custom` and restored with `pg_restore`; SQLite is
copied with its online backup API (consistent while the site runs). The keyrings are what
make the database's signatures checkable: a database restored without them reads every
completion `invalid`. Backups therefore hold secrets: every file is written 0600, every
folder 0700.

Left out, on purpose: the job queue and job result files (transient: results are deleted
after JOBS_RESULT_HOURS, a queued job is re-run from the page that asked for it), and the
SQLite database file itself (copied through the backup API instead of byte by byte).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Iterator

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import inspect, select, text

from .. import keyring
from ..clock import utcnow
from ..extensions import db
from ..models import AuditEntry, Completion

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE, PG_FILE = "database.sqlite3", "database.dump"
# Instance files restored with the database. config.py may hold settings and secrets;
# secret_key keeps people signed in; instance courses are the content completions name.
INSTANCE_FILES = ("config.py", "secret_key")
INSTANCE_DIRS = ("courses",)
# Tables whose rows make a database "in use": restore will not overwrite it without --force.
IN_USE_TABLES = ("users", "units", "completions", "pledges")


class BackupRefused(Exception):
    """One translated line saying why nothing was written."""


@dataclass(frozen=True)
class Restored:
    revision: str | None
    keyrings: list[str]
    files: int


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)


@contextmanager
def _private_files() -> Iterator[None]:
    """Everything created inside is readable by its owner only (folders made on the way
    by mkdir(parents=True) included). The CLI is single-threaded, so the process umask is
    safe to change here."""
    before = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(before)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq_url(url) -> str:
    """The SQLAlchemy URL as pg_dump/pg_restore take it (no driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_env(url) -> dict[str, str]:
    # The password goes through the environment, not the command line (ps shows that).
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupRefused(_("%(program)s is not installed (the PostgreSQL client tools are "
                              "needed)", program=command[0])) from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise BackupRefused(_("%(program)s failed: %(error)s", program=command[0],
                              error=last))


def require_schema() -> None:
    """Touch the columns this code signs into: an unreachable, unmigrated or older database
    fails here, before anything is written, and the CLI names the cause in one line."""
    db.session.execute(select(Completion.key_id).limit(1))
    db.session.execute(select(AuditEntry.key_id).limit(1))
    db.session.rollback()


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _known_revisions() -> set[str]:
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    return {script.revision for script in scripts.walk_revisions()}


def _instance() -> Path:
    return Path(current_app.instance_path)


def _copy_private(source: Path, target: Path) -> None:
    _private_dir(target.parent)
    shutil.copyfile(source, target)
    target.chmod(0o600)


def _write_private(path: Path, content: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)


def create(out: Path) -> dict:
    """Write a backup into `out` (new or empty); returns the manifest."""
    require_schema()
    with _private_files():
        return _create(out)


def _create(out: Path) -> dict:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupRefused(_("%(path)s is not empty: back up into a new folder",
                              path=str(out)))
    _private_dir(out)
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        target = sqlite3.connect(out / SQLITE_FILE)
        source = sqlite3.connect(url.database)
        with target:
            source.backup(target)
        source.close()
        target.close()
        (out / SQLITE_FILE).chmod(0o600)
    elif url.get_backend_name() == "postgresql":
        fd = os.open(out / PG_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              "--file", str(out / PG_FILE), "--dbname", _libpq_url(url)], _pg_env(url))
    else:
        raise BackupRefused(_("backups support SQLite and PostgreSQL, not %(backend)s",
                              backend=url.get_backend_name()))
    for name in keyring.NAMES:
        _backup_keyring(name, out / "keys" / name)
    instance = _instance()
    for name in INSTANCE_FILES:
        if (instance / name).is_file():
            _copy_private(instance / name, out / "instance" / name)
    for name in INSTANCE_DIRS:
        for path in sorted((instance / name).rglob("*")) if (instance / name).is_dir() else []:
            if path.is_file():
                _copy_private(path, out / "instance" / path.relative_to(instance))
    manifest = {
        "format": FORMAT,
        "application": _application_version(),
        "alembic_revision": current_revision(),
        "backend": url.get_backend_name(),
        "created": utcnow().isoformat(timespec="seconds") + "Z",
        "files": {str(p.relative_to(out)): _sha256(p)
                  for p in sorted(out.rglob("*")) if p.is_file()},
    }
    _write_private(out / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return manifest


def _backup_keyring(name: str, target: Path) -> None:
    """Every key that verifies, as a keyring folder (the settings key becomes k1.key)."""
    _private_dir(target)
    current_id, _secret = keyring.current(name)
    for kid, secret in keyring.secrets_by_id(name).items():
        _write_private(target / f"{kid}.key", secret + "\n")
    _write_private(target / "CURRENT", current_id + "\n")


def _application_version() -> str:
    try:
        return metadata.version("elearn")
    except metadata.PackageNotFoundError:
        return "unknown"


def read_manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
        files = dict(manifest["files"])
        int(manifest["format"])
    except (OSError, ValueError, KeyError, TypeError):
        raise BackupRefused(_("%(path)s is not a backup made by flask elearn backup create",
                              path=str(source))) from None
    if manifest["format"] > FORMAT:
        raise BackupRefused(_("this backup's format is newer than this version of elearn: "
                              "upgrade elearn first"))
    for name, digest in files.items():
        path = source / name
        if ".." in Path(name).parts or not path.is_file() or _sha256(path) != digest:
            raise BackupRefused(_("%(file)s is missing or changed since the backup was made "
                                  "(checksum mismatch)", file=name))
    return manifest


def database_in_use() -> bool:
    tables = set(inspect(db.engine).get_table_names())
    with db.engine.connect() as connection:
        for table in IN_USE_TABLES:
            if table in tables and connection.execute(
                    text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None:
                return True
    return False


def restore(source: Path, *, force: bool = False) -> Restored:
    """Restore the database, keyrings and instance files of a backup into this site's
    database, created by `flask db upgrade` and still empty (or any, with `force`)."""
    require_schema()
    with _private_files():
        return _restore(source, force)


def _restore(source: Path, force: bool) -> Restored:
    manifest = read_manifest(source)
    revision = manifest.get("alembic_revision")
    if revision is not None and revision not in _known_revisions():
        raise BackupRefused(_("the backup's database schema (revision %(revision)s) is newer "
                              "than this version of elearn knows: upgrade elearn first",
                              revision=revision))
    url = db.engine.url
    backend = url.get_backend_name()
    if manifest.get("backend") != backend:
        raise BackupRefused(_("this is a %(backup)s backup; the site's database is "
                              "%(site)s", backup=manifest.get("backend"), site=backend))
    instance = _instance()
    keys_present = any((instance / "keys").glob("*/*.key"))
    if not force and (database_in_use() or keys_present):
        raise BackupRefused(_("the database or the keyrings are not empty: restoring would "
                              "overwrite them (add --force to do so)"))
    db.session.remove()
    db.engine.dispose()
    if backend == "sqlite":
        source_db = sqlite3.connect(source / SQLITE_FILE)
        target = sqlite3.connect(url.database)
        with target:
            source_db.backup(target)
        source_db.close()
        target.close()
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--dbname", _libpq_url(url), str(source / PG_FILE)],
             _pg_env(url))
    restored_rings = []
    for name in keyring.NAMES:
        backed_up = source / "keys" / name
        if backed_up.is_dir():
            target_dir = keyring.folder(name)
            if target_dir.exists():
                shutil.rmtree(target_dir)
            for path in backed_up.iterdir():
                _copy_private(path, target_dir / path.name)
            target_dir.chmod(0o700)
            restored_rings.append(name)
    files = 0
    for path in sorted((source / "instance").rglob("*")):
        if path.is_file():
            target = instance / path.relative_to(source / "instance")
            # This machine's own settings (its database URL…) win over the old machine's.
            if target == instance / "config.py" and target.exists():
                target = instance / "config.py.restored"
            _copy_private(path, target)
            files += 1
    return Restored(revision, restored_rings, files)
