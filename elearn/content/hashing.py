"""Content hash of a course folder: stamped on attempts and completions as evidence."""
from __future__ import annotations

import hashlib
from pathlib import Path

_IGNORED = {"__pycache__", ".DS_Store"}


def content_hash(folder: Path) -> str:
    """SHA-256 over every file's relative path and bytes, in a stable order."""
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = file.relative_to(folder)
        if _IGNORED.intersection(relative.parts) or file.suffix == ".pyc":
            continue
        digest.update(relative.as_posix().encode("utf-8") + b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
