"""Content hash of a course folder: stamped on attempts and completions as evidence."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterator

_IGNORED = {"__pycache__", ".DS_Store"}


def _course_files(folder: Path) -> Iterator[tuple[Path, str]]:
    """(file, relative POSIX path) of every file that belongs to the course, in a stable order."""
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = file.relative_to(folder)
        if _IGNORED.intersection(relative.parts) or file.suffix == ".pyc":
            continue
        yield file, relative.as_posix()


def content_hash(folder: Path) -> str:
    """SHA-256 over every file's relative path and bytes, in a stable order."""
    digest = hashlib.sha256()
    for file, relative in _course_files(folder):
        digest.update(relative.encode("utf-8") + b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def fingerprint(folder: Path) -> tuple[str, str]:
    """(content hash, hash of contents and modification times) of a course folder.

    The second value keys the loader's cache of parsed courses: any edit (or touch) of any file
    makes it differ, so a changed course is parsed again. The first is the evidence hash."""
    contents, stamped = hashlib.sha256(), hashlib.sha256()
    for file, relative in _course_files(folder):
        data = file.read_bytes()
        for digest in (contents, stamped):
            digest.update(relative.encode("utf-8") + b"\0")
            digest.update(data)
            digest.update(b"\0")
        stamped.update(str(file.stat().st_mtime_ns).encode() + b"\0")
    return contents.hexdigest(), stamped.hexdigest()
