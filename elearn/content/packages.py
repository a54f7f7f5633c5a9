"""Course packages: a course folder as a zip (or inside a plugin wheel), safely.

`build_zip` writes the deterministic zip `flask elearn courses package` makes; `unpack`
extracts an uploaded zip or wheel refusing anything that could escape the target folder or
fill the disk (zip-slip, absolute paths, symlinks, too many or too large files); `diff_courses`
says what changed between the running version and an upload.
"""
from __future__ import annotations

import io
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from flask_babel import lazy_gettext as _l

from .hashing import _course_files
from .loader import COURSE_FILE
from .model import Course

# Fixed timestamp and permissions: the same folder always gives the same bytes.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)
_CHUNK = 64 * 1024


class PackageRefused(Exception):
    """The upload cannot be unpacked safely or holds no course; args[0] is translated text."""


def build_zip(folder: Path) -> bytes:
    """The course folder as a zip with the folder at its root, byte-for-byte reproducible."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for file, relative in _course_files(folder):
            info = zipfile.ZipInfo(f"{folder.name}/{relative}", date_time=_ZIP_DATE)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, file.read_bytes())
    return out.getvalue()


def unpack(data: bytes, target: Path, *, max_files: int, max_bytes: int) -> Path:
    """Extract `data` (a .zip or .whl) into the empty folder `target`; the one course folder
    it holds. A zip has the course at its root or one level down; a wheel anywhere in it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise PackageRefused(_l("The file is not a zip archive (.zip or .whl).")) from None
    if len(members) > max_files:
        raise PackageRefused(_l("The archive holds more than %(num)d files.", num=max_files))
    declared = 0
    for member in members:
        _refuse_unsafe(member)
        declared += member.file_size
        if declared > max_bytes:
            raise _too_large(max_bytes)
    written = 0
    with archive:
        for member in members:
            if member.is_dir():
                continue
            path = target.joinpath(*PurePosixPath(member.filename).parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            # The sizes in the archive's directory can lie (a zip bomb): count what comes out.
            try:
                with archive.open(member) as source, path.open("wb") as sink:
                    while chunk := source.read(_CHUNK):
                        written += len(chunk)
                        if written > max_bytes:
                            raise _too_large(max_bytes)
                        sink.write(chunk)
            except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError,
                    ValueError, OSError) as exc:
                raise PackageRefused(_l("The archive is damaged: %(name)s cannot be read.",
                                        name=member.filename)) from exc
    return _course_folder(target)


def _too_large(max_bytes: int) -> PackageRefused:
    return PackageRefused(_l("The archive unpacks to more than %(num)d MB.",
                             num=max_bytes // (1024 * 1024)))


def _refuse_unsafe(member: zipfile.ZipInfo) -> None:
    name = member.filename
    parts = PurePosixPath(name).parts
    mode = member.external_attr >> 16
    if (not name or name.startswith(("/", "\\")) or "\\" in name or "\0" in name
            or ".." in parts or (parts and ":" in parts[0])):
        raise PackageRefused(_l("The archive has an unsafe path: %(name)s", name=name[:200]))
    if stat.S_ISLNK(mode):
        raise PackageRefused(_l("The archive holds a symbolic link: %(name)s", name=name[:200]))


def _course_folder(root: Path) -> Path:
    found = sorted(p.parent for p in root.rglob(COURSE_FILE)
                   if p.is_file() and not any(part.endswith(".dist-info")
                                              for part in p.relative_to(root).parts))
    if not found:
        raise PackageRefused(_l("No course.yaml found: put the course folder at the root of "
                                "the zip (or one level down)."))
    if len(found) > 1:
        raise PackageRefused(_l("The archive holds %(num)d courses; upload one at a time.",
                                num=len(found)))
    return found[0]


@dataclass(frozen=True)
class CourseDiff:
    """What an upload changes compared with the running version of the same course."""

    old_version: str | None
    old_hash: str | None
    new_version: str
    new_hash: str
    lessons_added: tuple[str, ...]
    lessons_changed: tuple[str, ...]
    lessons_removed: tuple[str, ...]
    questions_added: tuple[str, ...]
    questions_changed: tuple[str, ...]
    questions_removed: tuple[str, ...]

    @property
    def same_version_new_content(self) -> bool:
        """The content changed but `version` did not: records could not tell them apart."""
        return (self.old_hash is not None and self.old_hash != self.new_hash
                and self.old_version == self.new_version)


def diff_courses(old: Course | None, new: Course) -> CourseDiff:
    old_lessons = {lesson.slug: _lesson_key(lesson) for lesson in (old.lessons if old else ())}
    new_lessons = {lesson.slug: _lesson_key(lesson) for lesson in new.lessons}
    old_questions = _questions(old)
    new_questions = _questions(new)
    lessons = _compare(old_lessons, new_lessons)
    questions = _compare(old_questions, new_questions)
    return CourseDiff(old.version if old else None, old.content_hash if old else None,
                      new.version, new.content_hash, *lessons, *questions)


def _lesson_key(lesson: Any) -> Any:
    return (repr(lesson.title), repr(lesson.summary), tuple(sorted(lesson.html.items())))


def _questions(course: Course | None) -> dict[str, Any]:
    if course is None or course.quiz is None:
        return {}
    return {q.id: repr((q.type, q.prompt, q.points, q.feedback, dict(q.data), q.lesson, q.tags))
            for q in course.quiz.questions}


def _compare(old: dict[str, Any], new: dict[str, Any]
             ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    added = tuple(key for key in new if key not in old)
    changed = tuple(key for key in new if key in old and old[key] != new[key])
    removed = tuple(key for key in old if key not in new)
    return added, changed, removed
