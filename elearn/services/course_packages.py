"""Publishing courses without a developer (issue #13): upload, check, compare, activate, reload.

An upload is stored whole in the database (`course_packages`) so that every host can extract
it; it is checked exactly as `flask elearn courses check` checks a folder, compared with the
running version, and waits (staged) until an admin activates it. Activating and reloading
raise the registry revision; every worker rebuilds its courses when it sees the revision move
(`services/course_runtime.py`). Completions keep the version and hash they were issued with,
so earlier versions stay verifiable.
"""
from __future__ import annotations

import hashlib

import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from ..clock import utcnow
from ..content.errors import ContentError, CourseLoadError
from ..content.loader import COURSE_FILE, SLUG, is_course_folder, load_course
from ..content.model import Course
from ..content.packages import CourseDiff, PackageRefused, diff_courses, unpack
from ..content.yamlsource import YamlSyntaxError, load_yaml
from ..extensions import db
from ..guess_cli import report_lines
from ..models import CoursePackage, CourseRegistryRevision, PackageStatus
from ..registry import Registry, completion_rule_problem, current_registry
from . import audit
from .unit_of_work import until_it_stands

__all__ = ["CheckReport", "PackageRefused", "PackageView", "activate", "check_folder",
           "current_revision", "package_view", "published_folders", "reload_courses",
           "site_folder", "stage", "staged_packages"]

# app.extensions key: when this worker last compared the revision (monotonic seconds).
CHECKED_AT = "elearn.course_revision_checked_at"


@dataclass(frozen=True)
class CheckReport:
    """What `courses check` says about one folder: errors as file:line (relative to the upload
    or to the course path), the guessing table, warnings. `course` is None when it did not load."""

    course: Course | None
    errors: tuple[str, ...]
    guessing: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.course is not None and not self.errors


def check_folder(folder: Path, relative_to: Path, registry: Registry | None = None
                 ) -> CheckReport:
    """Load and check `folder` as `flask elearn courses check` does; never cached errors."""
    registry = registry or current_registry()
    try:
        course = load_course(folder, registry.question_types)
    except CourseLoadError as exc:
        return CheckReport(None, tuple(_relative(e, relative_to) for e in exc.errors), (), ())
    refused = completion_rule_problem(course, registry.completion_rules)
    errors = [_relative(refused, relative_to)] if refused is not None else []
    guessing: list[str] = []
    warnings: list[str] = []
    if course.quiz is not None and course.quiz.questions:
        lines, warned, within = report_lines(course, registry.question_types)
        guessing, warnings = list(lines), [w.replace(str(relative_to) + os.sep, "")
                                           for w in warned]
        if not within:
            errors.append(lines[-1].strip())
    return CheckReport(course, tuple(errors), tuple(guessing), tuple(warnings))


def _relative(error: ContentError, root: Path) -> str:
    try:
        path = error.path.relative_to(root)
    except ValueError:
        path = error.path
    return str(ContentError(path, error.line, error.message))


# -- uploads --------------------------------------------------------------------------------

def _limits() -> dict[str, int]:
    config = current_app.config
    return {"max_files": int(config["COURSE_UPLOAD_MAX_FILES"]),
            "max_bytes": int(config["COURSE_UPLOAD_MAX_BYTES"])}


def stage(data: bytes, filename: str, user_id: int) -> CoursePackage:
    """Check an uploaded .zip/.whl and keep it: staged when the check passes, rejected (kept
    for its report) when not. Raises PackageRefused when it cannot even be unpacked safely.
    The same bytes uploaded again (a double submit) give back the first package."""
    with tempfile.TemporaryDirectory(prefix="elearn-upload-") as scratch:
        root = Path(scratch)
        folder = unpack(data, root, **_limits())
        report = check_folder(folder, root)
        slug, version = _identity(folder, report.course)
        content_hash = report.course.content_hash if report.course else ""

    digest = hashlib.sha256(data).hexdigest()

    def write() -> CoursePackage:
        same = db.session.scalar(select(CoursePackage).where(
            CoursePackage.uploaded_by == user_id, CoursePackage.data_sha256 == digest))
        if same is not None:
            return same
        package = CoursePackage(
            slug=slug, version=version, content_hash=content_hash, filename=filename[:200],
            data=data, data_sha256=digest, uploaded_by=user_id,
            status=PackageStatus.STAGED if report.ok else PackageStatus.REJECTED)
        db.session.add(package)
        db.session.flush()
        audit.record("course.upload", actor_id=user_id, subject=f"course:{slug}",
                     data={"package": package.id, "version": version, "hash": content_hash,
                           "status": package.status})
        db.session.commit()
        return package

    return until_it_stands(write, what="course upload")


def _identity(folder: Path, course: Course | None) -> tuple[str, str]:
    """Slug and version, from the loaded course or, for a broken one, as far as readable."""
    if course is not None:
        return course.slug, course.version
    try:
        raw = load_yaml((folder / COURSE_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlSyntaxError):
        raw = None
    raw = raw if isinstance(raw, dict) else {}
    return (str(raw.get("slug") or folder.name)[:100], str(raw.get("version") or "?")[:50])


@dataclass(frozen=True)
class PackageView:
    package: CoursePackage
    report: CheckReport
    diff: CourseDiff | None
    running: Course | None


def package_view(package_id: int) -> PackageView | None:
    """An upload's check report and its differences from the running version."""
    package = db.session.get(CoursePackage, package_id)
    if package is None:
        return None
    folder, root = materialise(package)
    report = check_folder(folder, root)
    running = current_registry().course(package.slug)
    diff = diff_courses(running, report.course) if report.course is not None else None
    return PackageView(package, report, diff, running)


def staged_packages() -> list[CoursePackage]:
    return list(db.session.scalars(select(CoursePackage).where(
        CoursePackage.status == PackageStatus.STAGED).order_by(CoursePackage.id)))


def recent_packages(limit: int = 20) -> list[CoursePackage]:
    return list(db.session.scalars(select(CoursePackage)
                                   .order_by(CoursePackage.id.desc()).limit(limit)))


def materialise(package: CoursePackage) -> tuple[Path, Path]:
    """(course folder, extraction root) of a package on this host, extracted once per content
    (folder named by the bytes' package id and hash; a rename makes it appear whole)."""
    base = Path(current_app.config.get("COURSE_PACKAGES_DIR")
                or Path(current_app.instance_path) / "course-packages")
    root = base / f"{package.id}-{package.content_hash[:16] or 'unchecked'}"
    if not root.is_dir():
        base.mkdir(parents=True, exist_ok=True)
        scratch = base / f".{root.name}.{uuid.uuid4().hex}"
        scratch.mkdir()
        try:
            unpack(package.data, scratch, **_limits())
            os.rename(scratch, root)
        except OSError:
            if not root.is_dir():  # another worker did not win the race: a real failure
                raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return next(p.parent for p in sorted(root.rglob(COURSE_FILE))
                if not any(part.endswith(".dist-info") for part in p.parts)), root


def published_folders() -> list[tuple[str, Path]]:
    """(source, folder) of every active package, extracted on this host. Nothing when the
    database cannot say (not migrated yet: `flask db upgrade` builds an app too)."""
    try:
        active = list(db.session.scalars(select(CoursePackage).where(
            CoursePackage.status == PackageStatus.ACTIVE).order_by(CoursePackage.id)))
        found = [(f"upload #{p.id}", materialise(p)[0]) for p in active]
    except SQLAlchemyError:
        db.session.rollback()
        return []
    return found


# -- activation and reload ------------------------------------------------------------------

def current_revision(strict: bool = False) -> int | None:
    """The registry revision in the database; None when it cannot be read (`strict`: the
    database error is raised, for a command to say what is wrong)."""
    if strict:
        return db.session.scalar(select(CourseRegistryRevision.revision)
                                 .where(CourseRegistryRevision.id == 1)) or 0
    try:
        return db.session.scalar(select(CourseRegistryRevision.revision)
                                 .where(CourseRegistryRevision.id == 1)) or 0
    except SQLAlchemyError:
        db.session.rollback()
        return None


def _raise_revision() -> None:
    moved = db.session.execute(update(CourseRegistryRevision)
                               .where(CourseRegistryRevision.id == 1)
                               .values(revision=CourseRegistryRevision.revision + 1,
                                       changed_at=utcnow()))
    if moved.rowcount == 0:
        db.session.add(CourseRegistryRevision(id=1, revision=1))


def _check_now() -> None:
    """This worker compares the revision on its next request (the others within seconds)."""
    current_app.extensions[CHECKED_AT] = float("-inf")


def activate(package_id: int, user_id: int) -> bool | None:
    """Make a staged package the running version of its course; the previous active package
    of that course is superseded. Idempotent: of duplicates sent together one activates and
    is audited; the others find it done (False). None: no such package."""
    def write() -> bool | None:
        package = db.session.get(CoursePackage, package_id)
        if package is None:
            return None
        claimed = db.session.execute(
            update(CoursePackage)
            .where(CoursePackage.id == package_id, CoursePackage.status == PackageStatus.STAGED)
            .values(status=PackageStatus.ACTIVE, activated_by=user_id, activated_at=utcnow())
            .execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            db.session.rollback()
            return False
        db.session.execute(
            update(CoursePackage)
            .where(CoursePackage.slug == package.slug, CoursePackage.id != package_id,
                   CoursePackage.status == PackageStatus.ACTIVE)
            .values(status=PackageStatus.SUPERSEDED).execution_options(synchronize_session=False))
        _raise_revision()
        audit.record("course.activate", actor_id=user_id, subject=f"course:{package.slug}",
                     data={"package": package_id, "version": package.version,
                           "hash": package.content_hash})
        db.session.commit()
        return True

    done = until_it_stands(write, what="course activation")
    _check_now()
    return done


def reload_courses(user_id: int | None, seen_revision: int | None = None) -> bool:
    """Ask every worker to re-scan the course folders. With `seen_revision` (the admin page's)
    duplicates of one press reload once: only the first finds the revision it saw."""
    def write() -> bool:
        statement = update(CourseRegistryRevision).where(CourseRegistryRevision.id == 1)
        if seen_revision is not None:
            statement = statement.where(CourseRegistryRevision.revision == seen_revision)
        moved = db.session.execute(statement.values(
            revision=CourseRegistryRevision.revision + 1, changed_at=utcnow()))
        if moved.rowcount != 1:
            db.session.rollback()
            return False
        audit.record("course.reload", actor_id=user_id, subject="courses",
                     data={"from_revision": seen_revision})
        db.session.commit()
        return True

    done = until_it_stands(write, what="course reload")
    _check_now()
    return done


# -- preview of the site's own folders ------------------------------------------------------

def site_folder(slug: str) -> Path | None:
    """The folder of course `slug` on the site's course path (COURSE_DIRS and the plugins'
    folders), whether or not it loads, so an author sees its errors too."""
    if not SLUG.match(slug):  # a slug, never a path: "..", "x/../y" name nothing
        return None
    registry = current_registry()
    course = registry.course(slug)
    candidates: list[Path] = []
    if course is not None and course.path is not None and not course.source.startswith("upload"):
        candidates.append(course.path)
    candidates += [p.folder for p in registry.course_problems if p.folder is not None]
    for directory in current_app.config.get("COURSE_DIRS") or ():
        candidates.append(Path(directory) / slug)
    for folder in candidates:
        if is_course_folder(folder) and (folder.name == slug or folder == candidates[0]):
            return folder
    return None


@dataclass(frozen=True)
class PreviewQuestion:
    id: str
    type: str
    prompt: object  # LocalText
    points: float
    key: str | None  # the right answer in words: for the author's eyes only


def preview_questions(course: Course, language: str | None) -> list[PreviewQuestion]:
    """Every question of the bank with its key, as an author previews it (never a learner)."""
    if course.quiz is None:
        return []
    types = current_registry().question_types
    return [PreviewQuestion(q.id, q.type, q.prompt, q.points,
                            types[q.type].key_text(q, language) if q.type in types else None)
            for q in course.quiz.questions]


def preview_site_course(slug: str) -> tuple[Path, CheckReport] | None:
    """The site's folder of course `slug`, read fresh from disk (an edit shows on reload)."""
    folder = site_folder(slug)
    if folder is None:
        return None
    return folder, check_folder(folder, folder.parent)
