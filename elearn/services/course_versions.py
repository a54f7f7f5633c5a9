"""Which content each course version was studied with, read back from the evidence.

Lesson views, quiz attempts and completions each stamp the course's slug, `version` and
content hash. A version whose content changed after learners used it makes that evidence
ambiguous ("v1.1.0" would name two different courses), so `flask elearn courses check` warns
when the folder's hash differs from every hash recorded under the same version.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, union
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import Completion, LessonView, QuizAttempt


class EvidenceUnavailable(Exception):
    """The site's database cannot be read (not configured, unreachable or not migrated)."""


def recorded_hashes(slug: str, version: str) -> set[str]:
    """Every content hash that learners' records carry for this course version."""
    statements = [select(model.content_hash).where(model.course_slug == slug,
                                                   model.course_version == version)
                  for model in (LessonView, QuizAttempt, Completion)]
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not Path(url.database).is_file():
        # Connecting would create an empty database file where an author only checks content.
        raise EvidenceUnavailable(f"{url.database} does not exist")
    try:
        return set(db.session.scalars(union(*statements)))
    except SQLAlchemyError as exc:
        # A read only; leave the session usable for whatever the command does next.
        db.session.rollback()
        raise EvidenceUnavailable(str(exc)) from exc
