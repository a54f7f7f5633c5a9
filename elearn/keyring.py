"""Keyrings: the secrets completions and audit entries are signed with, by key id.

A keyring lives in `instance/keys/<name>/`: one `<kid>.key` file per key (mode 0600) and a
`CURRENT` file naming the key new signatures use. Every key in the folder verifies, so a
record signed under an old key stays valid after rotation; removing a key's file makes the
records signed under it read `invalid`.

Before the first rotation the folder does not exist and the keyring is the single key of the
older settings (COMPLETION_SIGNING_KEY / AUDIT_KEY, or their instance files) under the id
`k1`: the id the 0016 migration gave every existing record. The first rotation writes that
key to the folder as `k1.key`; from then on the folder alone is the keyring.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from flask import current_app

LEGACY_KEY_ID = "k1"
NAMES = {"completion": "COMPLETION_SIGNING_KEY", "audit": "AUDIT_KEY"}
_KID = re.compile(r"^k(\d{1,6})$")


class KeyringError(Exception):
    """The keyring folder is unusable (no current key, or one that has no file)."""


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    created: datetime | None   # None for the settings key not yet written to the folder
    current: bool


def folder(name: str) -> Path:
    return _folder(current_app.instance_path, name)


@lru_cache(maxsize=64)
def _folder(instance_path: str, name: str) -> Path:
    # Built once per instance folder: every public look-up stats the folder, and composing
    # the path cost more than the stat (bench/profile_routes.py verify).
    return Path(instance_path) / "keys" / name


def _key_files(path: Path) -> dict[str, Path]:
    if not path.is_dir():
        return {}
    return {p.stem: p for p in path.glob("*.key") if _KID.match(p.stem)}


def _current_id(path: Path, files: dict[str, Path]) -> str:
    try:
        kid = (path / "CURRENT").read_text().strip()
    except FileNotFoundError:
        raise KeyringError(f"{path}: CURRENT is missing") from None
    if kid not in files:
        raise KeyringError(f"{path}: the current key {kid!r} has no {kid}.key file")
    return kid


def _legacy_secret(name: str) -> str:
    return current_app.config[NAMES[name]]


_cache: dict[Path, tuple[int, str, dict[str, str]]] = {}


def _load(name: str) -> tuple[str, dict[str, str]]:
    """(current id, secrets by id). Re-read when the folder changes (a key file added or
    removed, CURRENT replaced), so a rotation by the CLI reaches running workers without a
    restart while a busy export does not read files per record."""
    path = folder(name)
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return LEGACY_KEY_ID, {LEGACY_KEY_ID: _legacy_secret(name)}
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1], cached[2]
    files = _key_files(path)
    if not files:
        return LEGACY_KEY_ID, {LEGACY_KEY_ID: _legacy_secret(name)}
    loaded = {kid: p.read_text().strip() for kid, p in files.items()}
    kid = _current_id(path, files)
    _cache[path] = (stamp, kid, loaded)
    return kid, loaded


def secrets_by_id(name: str) -> dict[str, str]:
    """Every key that verifies, by id."""
    return dict(_load(name)[1])


def fingerprint(name: str) -> str:
    """A digest of every key that verifies, changed by any key added, removed or replaced:
    a remembered verdict (the public verification cache) is reused only under the same
    keyring. A digest, so the secrets never leave the process (the cache may be Redis)."""
    return _digest(tuple(sorted(_load(name)[1].items())))


@lru_cache(maxsize=16)
def _digest(keys: tuple[tuple[str, str], ...]) -> str:
    # Hashed once per keyring seen, not per look-up.
    return hashlib.sha256(repr(keys).encode("utf-8")).hexdigest()[:32]


def current(name: str) -> tuple[str, bytes]:
    """(key id, secret) that new signatures use."""
    kid, loaded = _load(name)
    return kid, loaded[kid].encode("utf-8")


def secret_for(name: str, kid: str | None) -> bytes | None:
    """The secret of key `kid`, or None when that key is not in the keyring (removed)."""
    secret = _load(name)[1].get(kid or "")
    return None if secret is None else secret.encode("utf-8")


def listing(name: str) -> list[KeyInfo]:
    path = folder(name)
    files = _key_files(path)
    if not files:
        return [KeyInfo(LEGACY_KEY_ID, None, True)]
    now = _current_id(path, files)
    return [KeyInfo(kid, datetime.fromtimestamp(p.stat().st_mtime, timezone.utc), kid == now)
            for kid, p in sorted(files.items(), key=lambda item: _number(item[0]))]


def rotate(name: str) -> str:
    """Make a new current key; the old ones stay and keep verifying. Returns its id."""
    path = folder(name)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    files = _key_files(path)
    if not files:
        _write_private(path / f"{LEGACY_KEY_ID}.key", _legacy_secret(name))
        files = _key_files(path)
    kid = f"k{max(_number(k) for k in files) + 1}"
    _write_private(path / f"{kid}.key", secrets.token_hex(32))
    # Written then renamed: a reader never sees a half-written CURRENT.
    staging = path / "CURRENT.new"
    staging.unlink(missing_ok=True)
    _write_private(staging, kid)
    os.replace(staging, path / "CURRENT")
    return kid


def _number(kid: str) -> int:
    match = _KID.match(kid)
    return int(match.group(1)) if match else 0


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
