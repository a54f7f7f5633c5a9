"""Completion records: issued when a course's rule is met (or recorded by a training centre for
in-person study), signed, never edited, revoked only by a separate record."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload

from ..content.model import Course
from ..extensions import db
from ..interfaces import LearnerRecord
from ..models import Completion, Revocation, User
from ..models.org import utcnow
from ..registry import current_registry
from . import audit, codes

ONLINE, IN_PERSON = "online", "in_person"


class Status(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    INVALID = "invalid"
    UNKNOWN = "unknown"


def _signed_text(completion: Completion) -> str:
    fields = {
        "code": completion.code, "user": completion.user_id, "unit": completion.unit_id,
        "course": completion.course_slug, "version": completion.course_version,
        "hash": completion.content_hash, "generation": completion.generation,
        "score": None if completion.score is None else f"{completion.score:.4f}",
        "method": completion.method, "recorded_by": completion.recorded_by_id,
        "at": completion.completed_at.isoformat(timespec="seconds"), "note": completion.note,
    }
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sign(completion: Completion) -> str:
    key = current_app.config["COMPLETION_SIGNING_KEY"].encode("utf-8")
    return hmac.new(key, _signed_text(completion).encode("utf-8"), hashlib.sha256).hexdigest()


def signature_valid(completion: Completion) -> bool:
    return hmac.compare_digest(sign(completion), completion.signature or "")


def active_completion(user_id: int, course_slug: str) -> Completion | None:
    return db.session.scalar(
        select(Completion).outerjoin(Revocation)
        .where(Completion.user_id == user_id, Completion.course_slug == course_slug,
               Revocation.id.is_(None)))


def learner_record(user: User, course: Course) -> LearnerRecord:
    from . import progress, quiz  # imported here: progress calls back into this module

    studied = frozenset(progress.studied_lessons(user, course))
    quiz_status = quiz.status(user, course) if course.quiz else None
    return LearnerRecord(lessons_studied=studied,
                         quiz_passed=bool(quiz_status and quiz_status.passed),
                         best_score=quiz_status.best_score if quiz_status else None)


def evaluate(user: User, course: Course) -> Completion | None:
    """Issue the completion if the course's rule is now met (idempotent). Commits."""
    existing = active_completion(user.id, course.slug)
    if existing is not None:
        return existing
    rule = current_registry().completion_rules[course.completion_rule]
    record = learner_record(user, course)
    if not rule.is_met(course, record):
        return None
    return issue(user, course, method=ONLINE, score=record.best_score)


def issue(user: User, course: Course, *, method: str, score: float | None,
          recorded_by: User | None = None, completed_at: datetime | None = None,
          note: str = "") -> Completion:
    """Create the one live completion of `course` for `user`, or return the one that exists.

    Safe under races: a unique constraint lets one writer win; the loser rolls back and
    returns the winner's record. Commits its own transaction.
    """
    for attempt in range(8):
        try:
            existing = active_completion(user.id, course.slug)
            if existing is not None:
                return existing
            completion = create(user, course, method=method, score=score,
                                recorded_by=recorded_by, completed_at=completed_at, note=note)
            db.session.commit()
            return completion
        except IntegrityError:
            db.session.rollback()  # someone else completed it first: the loop returns theirs
        except OperationalError:
            db.session.rollback()  # SQLite: another writer holds the lock; try again
            time.sleep(0.05 * (attempt + 1))
    raise RuntimeError("could not record the completion")


def create(user: User, course: Course, *, method: str, score: float | None,
           recorded_by: User | None = None, completed_at: datetime | None = None,
           note: str = "") -> Completion:
    """Add a signed completion and its audit entry to the current transaction (no commit)."""
    recorded_by_id = recorded_by.id if recorded_by else None
    generation = db.session.scalar(
        select(func.count()).select_from(Completion).join(Revocation)
        .where(Completion.user_id == user.id, Completion.course_slug == course.slug))
    completion = Completion(
        code=codes.new_code(), user_id=user.id, unit_id=user.unit_id,
        course_slug=course.slug, course_version=course.version,
        content_hash=course.content_hash, generation=generation,
        score=None if score is None else round(float(score), 4), method=method,
        completed_at=(completed_at or utcnow()).replace(microsecond=0),
        recorded_by_id=recorded_by_id, note=note.strip()[:500])
    completion.signature = sign(completion)
    db.session.add(completion)
    db.session.flush()
    audit.record("completion.issued", actor_id=recorded_by_id or user.id,
                 subject=completion.code,
                 data={"user": user.id, "course": course.slug, "version": course.version,
                       "hash": course.content_hash, "method": method,
                       "score": completion.score})
    return completion


def revoke(completion: Completion, reason: str, by: User) -> Revocation:
    revocation = Revocation(completion=completion, reason=reason.strip()[:500],
                            revoked_by_id=by.id)
    db.session.add(revocation)
    db.session.flush()
    audit.record("completion.revoked", actor_id=by.id, subject=completion.code,
                 data={"reason": revocation.reason, "user": completion.user_id,
                       "course": completion.course_slug})
    return revocation


@dataclass(frozen=True)
class Verification:
    status: Status
    completion: Completion | None


def verify(code: str) -> Verification:
    """Look up a normalised code. Raises codes.MalformedCode for a mistyped one."""
    normal = codes.normalise(code)
    completion = db.session.scalar(
        select(Completion).where(Completion.code == normal)
        .options(joinedload(Completion.revocation), joinedload(Completion.unit),
                 joinedload(Completion.user).joinedload(User.unit)))
    if completion is None:
        return Verification(Status.UNKNOWN, None)
    if not signature_valid(completion):
        return Verification(Status.INVALID, completion)
    if completion.revocation is not None:
        return Verification(Status.REVOKED, completion)
    return Verification(Status.VALID, completion)


def mask_name(full_name: str) -> str:
    """'Nguyễn Văn An' -> 'N. V. A**': enough to match a person in front of you, not to
    harvest names."""
    words = full_name.split()
    if not words:
        return ""
    initials = [f"{w[0]}." for w in words[:-1]]
    return " ".join(initials + [words[-1][0] + "*" * max(2, len(words[-1]) - 1)])
