"""Completion records: issued when a course's rule is met (or recorded by a training centre for
in-person study), signed, revoked only by a separate, signed record.

Revoking also sets the record's `revoked` flag, which its signature covers: the record
commits to its revocation, so deleting or editing the revocation row makes the certificate
read `invalid`, never `valid` again. `integrity_problems` cross-checks records, revocations
and the (key-authenticated) audit log for `flask elearn audit verify`.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from .. import events
from .. import keyring
from ..clock import utcnow
from ..content.model import Course
from ..extensions import db
from ..models import AuditEntry, Completion, Revocation, User
from ..plugin_guard import run_rule
from ..registry import current_registry
from . import audit, codes
from .learner_record import learner_record
from .unit_of_work import until_it_stands

ONLINE, IN_PERSON = "online", "in_person"


class Status(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    INVALID = "invalid"
    UNKNOWN = "unknown"


def _signed_text(completion: Completion, revoked: bool | None = None) -> str:
    fields: dict = {
        "code": completion.code, "user": completion.user_id, "unit": completion.unit_id,
        "course": completion.course_slug, "version": completion.course_version,
        "hash": completion.content_hash, "generation": completion.generation,
        "score": None if completion.score is None else f"{completion.score:.4f}",
        "method": completion.method, "recorded_by": completion.recorded_by_id,
        "at": completion.completed_at.isoformat(timespec="seconds"), "note": completion.note,
    }
    # Only a revoked record signs the flag, so records signed before it existed stay valid.
    if completion.revoked if revoked is None else revoked:
        fields["revoked"] = True
    return _canonical(fields)


def _canonical(fields: dict) -> str:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _hmac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _matches(kid: str | None, text: str, signature: str) -> bool:
    """Verified under the key the record names; a key removed from the keyring verifies
    nothing, so its records read invalid (constant-time compare as ever)."""
    key = keyring.secret_for("completion", kid)
    return key is not None and hmac.compare_digest(_hmac(key, text), signature or "")


def _revocation_text(revocation: Revocation, code: str) -> str:
    """Binds the revocation to its completion's code; the `revocation_of` key keeps these
    texts apart from completion texts signed with the same key."""
    return _canonical({
        "revocation_of": code, "reason": revocation.reason, "by": revocation.revoked_by_id,
        "at": revocation.revoked_at.isoformat(timespec="seconds")})


def sign(completion: Completion, revoked: bool | None = None) -> str:
    """Sign under the current key and record its id on the completion."""
    kid, key = keyring.current("completion")
    completion.key_id = kid
    return _hmac(key, _signed_text(completion, revoked))


def signature_valid(completion: Completion) -> bool:
    return _matches(completion.key_id, _signed_text(completion), completion.signature)


def sign_revocation(revocation: Revocation, code: str) -> str:
    kid, key = keyring.current("completion")
    revocation.key_id = kid
    return _hmac(key, _revocation_text(revocation, code))


def revocation_valid(revocation: Revocation, code: str) -> bool:
    return bool(revocation.signature) and _matches(
        revocation.key_id, _revocation_text(revocation, code), revocation.signature)


def active_completion(user_id: int, course_slug: str) -> Completion | None:
    return db.session.scalar(
        select(Completion).outerjoin(Revocation)
        .where(Completion.user_id == user_id, Completion.course_slug == course_slug,
               Revocation.id.is_(None), Completion.revoked.is_(False)))


def evaluate(user: User, course: Course) -> Completion | None:
    """Issue the completion if the course's rule is now met (idempotent). Commits.

    Writers call this after committing the step that may complete the course (a lesson
    studied, an attempt graded). It only reads the learner's record: an attempt past its
    deadline counts once `quiz.close_expired` has graded it."""
    existing = active_completion(user.id, course.slug)
    if existing is not None:
        return existing
    rule = current_registry().completion_rules[course.completion_rule]
    record = learner_record(user, course)
    if not run_rule(rule, course, record):
        return None
    return issue_once(user, course, method=ONLINE, score=record.best_score,
                      none_found=True)[0]


def issue(user: User, course: Course, *, method: str, score: float | None,
          recorded_by: User | None = None, completed_at: datetime | None = None,
          note: str = "") -> Completion:
    """Create the one live completion of `course` for `user`, or return the one that exists.

    Safe under races: a unique constraint lets one writer win; the loser rolls back and
    returns the winner's record. Commits its own transaction.
    """
    return issue_once(user, course, method=method, score=score, recorded_by=recorded_by,
                      completed_at=completed_at, note=note)[0]


def issue_once(user: User, course: Course, *, method: str, score: float | None,
               recorded_by: User | None = None, completed_at: datetime | None = None,
               note: str = "", none_found: bool = False) -> tuple[Completion, bool]:
    """As `issue`, also saying whether this call created the record (False: it existed, or
    a racing duplicate request created it first).

    `none_found`: the caller has just looked and found no live record (`evaluate`), so the
    first try does not look again (one statement less on the pass that completes a course);
    a duplicate created meanwhile still meets the unique constraint, and the retry looks."""
    looked = [none_found]

    def write():
        if not looked[0]:
            existing = active_completion(user.id, course.slug)
            if existing is not None:
                return existing, False
        looked[0] = False  # a retry (after a lost race) always looks
        completion = create(user, course, method=method, score=score,
                            recorded_by=recorded_by, completed_at=completed_at, note=note)
        db.session.commit()
        return completion, True

    return until_it_stands(write, what="the completion")


def create(user: User, course: Course, *, method: str, score: float | None,
           recorded_by: User | None = None, completed_at: datetime | None = None,
           note: str = "") -> Completion:
    """Add a signed completion and its audit entry to the current transaction (no commit)."""
    recorded_by_id = recorded_by.id if recorded_by else None
    generation = db.session.scalar(
        select(func.count()).select_from(Completion)
        .where(Completion.user_id == user.id, Completion.course_slug == course.slug,
               or_(Completion.revoked, Completion.revocation.has())))
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
    events.emit("completion.issued", key=f"completion.issued:{completion.code}",
                person_id=user.id, actor_id=recorded_by_id, unit_id=user.unit_id,
                data={"course": course.slug, "code": completion.code, "method": method})
    return completion


def revoke(completion: Completion, reason: str, by: User) -> Revocation:
    """Add a signed revocation, flag and re-sign the record, and audit it (no commit)."""
    revocation = Revocation(completion=completion, reason=reason.strip()[:500],
                            revoked_by_id=by.id, revoked_at=utcnow().replace(microsecond=0))
    db.session.add(revocation)
    revocation.signature = sign_revocation(revocation, completion.code)
    completion.revoked = True
    completion.signature = sign(completion)
    db.session.flush()
    audit.record("completion.revoked", actor_id=by.id, subject=completion.code,
                 data={"reason": revocation.reason, "user": completion.user_id,
                       "course": completion.course_slug})
    events.emit("completion.revoked", key=f"completion.revoked:{completion.code}",
                person_id=completion.user_id, actor_id=by.id, unit_id=completion.unit_id,
                data={"course": completion.course_slug, "code": completion.code})
    return revocation


def revoke_once(completion_id: int, reason: str, by: User) -> tuple[Revocation | None, bool]:
    """Revoke a completion and commit, once however many duplicate requests race: returns
    the revocation and whether this call made it (False: it was already revoked). The row
    lock (PostgreSQL) or the unique revocation per completion (SQLite) lets one writer win."""
    def write():
        completion = db.session.scalar(
            select(Completion).where(Completion.id == completion_id).with_for_update()
            .execution_options(populate_existing=True))
        if completion is None:
            return None, False
        existing = db.session.scalar(
            select(Revocation).where(Revocation.completion_id == completion_id))
        if existing is not None or completion.revoked:
            db.session.rollback()  # release the row lock
            return existing, False
        revocation = revoke(completion, reason, by)
        db.session.commit()
        return revocation, True

    return until_it_stands(write, what="the revocation")


@dataclass(frozen=True)
class Verification:
    status: Status
    completion: Completion | None


@cache
def _lookup_query() -> Select:
    """Built once: public look-ups are the busiest route, and composing the statement with its
    loader options each time cost a sixth of one (bench/profile_routes.py verify)."""
    return (select(Completion).where(Completion.code == bindparam("code"))
            .options(joinedload(Completion.revocation), joinedload(Completion.unit),
                     joinedload(Completion.user).joinedload(User.unit)))


def verify(code: str) -> Verification:
    """Look up a normalised code. Raises codes.MalformedCode for a mistyped one."""
    normal = codes.normalise(code)
    completion = db.session.scalar(_lookup_query(), {"code": normal})
    if completion is None:
        return Verification(Status.UNKNOWN, None)
    return Verification(status_of(completion), completion)


def status_of(completion: Completion) -> Status:
    if not signature_valid(completion):
        return Status.INVALID
    revocation = completion.revocation
    if completion.revoked:
        # The signed record says revoked: its revocation must be there, unaltered.
        if revocation is None or not revocation_valid(revocation, completion.code):
            return Status.INVALID
        return Status.REVOKED
    # A revocation row never makes a record valid (even an unsigned one from before
    # revocations were signed).
    return Status.REVOKED if revocation is not None else Status.VALID


def mask_name(full_name: str) -> str:
    """'Nguyễn Văn An' -> 'N. V. A**': enough to match a person in front of you, not to
    harvest names."""
    words = full_name.split()
    if not words:
        return ""
    initials = [f"{w[0]}." for w in words[:-1]]
    return " ".join(initials + [words[-1][0] + "*" * max(2, len(words[-1]) - 1)])


@dataclass(frozen=True)
class Problem:
    """One finding of `integrity_problems`: which record, and why (translated)."""

    subject: str
    message: str


def integrity_problems() -> list[Problem]:
    """Records whose status could have been changed behind the application's back: a
    changed record, a revoked record whose revocation is missing or altered, a revocation
    the record does not acknowledge, or an audited revocation or issue the tables lost.
    Trust its audit cross-checks once `audit.verify_chain` passed (entries are
    key-authenticated)."""
    problems: list[Problem] = []
    rows = db.session.execute(
        select(Completion, Revocation).outerjoin(Revocation).order_by(Completion.id)
        .execution_options(yield_per=1000))
    for completion, revocation in rows:
        code = codes.display(completion.code)
        if keyring.secret_for("completion", completion.key_id) is None:
            problems.append(Problem(code, _(
                "signed with key %(kid)s, which is not in the completion keyring (restore "
                "it from a backup)", kid=completion.key_id)))
        elif not signature_valid(completion):
            problems.append(Problem(code, _("the completion record was changed (its signature "
                                            "does not match)")))
        elif completion.revoked and revocation is None:
            problems.append(Problem(code, _("the completion is revoked but its revocation "
                                            "record was removed")))
        elif revocation is not None and not revocation.signature:
            problems.append(Problem(code, _("the revocation is not signed (from before "
                                            "signing): run flask elearn audit seal once")))
        elif revocation is not None and not revocation_valid(revocation, completion.code):
            problems.append(Problem(code, _("the revocation record was changed (its signature "
                                            "does not match)")))
        elif revocation is not None and not completion.revoked:
            problems.append(Problem(code, _("a revocation exists but the completion record "
                                            "was put back to its unrevoked state")))
    revoked_codes = select(Completion.code).where(Completion.revoked)
    existing_codes = select(Completion.code)
    for action, known, message in (
            ("completion.revoked", revoked_codes,
             _("the audit log records its revocation but the completion reads unrevoked")),
            ("completion.issued", existing_codes,
             _("the audit log records it was issued but the completion record is missing"))):
        lost = db.session.scalars(
            select(AuditEntry.subject).where(AuditEntry.action == action,
                                             AuditEntry.subject.not_in(known))
            .distinct().order_by(AuditEntry.subject))
        problems += [Problem(codes.display(subject), message) for subject in lost]
    return problems


def seal_legacy_revocations() -> int:
    """Sign revocations made before revocations were signed, flagging and re-signing their
    completion; only where the completion's own signature still holds and the audit log
    recorded the revocation (an unsigned row slipped in later stays reported). No commit."""
    sealed = 0
    audited = select(AuditEntry.id).where(AuditEntry.action == "completion.revoked",
                                          AuditEntry.subject == Completion.code)
    rows = db.session.execute(select(Completion, Revocation).join(Revocation)
                              .where(Revocation.signature == "", audited.exists()))
    for completion, revocation in rows:
        if not signature_valid(completion):
            continue  # a changed record stays invalid; audit verify names it
        revocation.revoked_at = revocation.revoked_at.replace(microsecond=0)
        revocation.signature = sign_revocation(revocation, completion.code)
        completion.revoked = True
        completion.signature = sign(completion)
        sealed += 1
    return sealed
