"""Accommodations: extra time or extra attempts a training centre grants one person on one
course's quiz, with the reason. The quiz engine reads them with a person's attempts
(`allowance_columns`, `allowance_from`); granting is audited and idempotent (a duplicate
request changes nothing and writes no second entry)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Accommodation, Unit, User
from ..clock import utcnow
from . import audit
from .orgs import within_any
from .unit_of_work import until_it_stands

MAX_EXTRA_MINUTES = 600
MAX_EXTRA_ATTEMPTS = 20


@dataclass(frozen=True)
class Allowance:
    """What a person gets on top of the course's quiz settings (nothing by default)."""

    extra_minutes: int = 0
    extra_attempts: int = 0
    reason: str = ""

    def __bool__(self) -> bool:
        return bool(self.extra_minutes or self.extra_attempts)


NONE = Allowance()


def allowance_from(extra_minutes: int | None, extra_attempts: int | None,
                   reason: str | None) -> Allowance:
    """From `allowance_columns`' values (all None: nothing granted)."""
    if extra_minutes is None:
        return NONE
    return Allowance(extra_minutes, extra_attempts or 0, reason or "")


@cache
def allowance_columns() -> tuple:
    """The allowance's three values as columns of another statement (same parameters:
    user_id, course_slug), for `allowance_from`: starting a quiz reads them with the
    person's attempts."""
    query = _allowance_query()
    return tuple(query.with_only_columns(column).scalar_subquery().label(column.key)
                 for column in query.selected_columns)


@cache
def _allowance_query():
    """Built once, three columns, no ORM object."""
    return select(Accommodation.extra_minutes, Accommodation.extra_attempts,
                  Accommodation.reason).where(
        Accommodation.user_id == bindparam("user_id"),
        Accommodation.course_slug == bindparam("course_slug"))


def grant(person: User, course_slug: str, *, extra_minutes: int, extra_attempts: int,
          reason: str, by: User) -> tuple[Accommodation, bool]:
    """Set the person's accommodation on the course (a new grant replaces the amounts) and
    commit. Returns the row and whether anything changed: the same grant again, or a
    racing duplicate of this request, changes nothing and is not audited twice."""
    reason = reason.strip()[:500]
    def write():
        row = db.session.scalar(
            select(Accommodation).where(Accommodation.user_id == person.id,
                                        Accommodation.course_slug == course_slug)
            .with_for_update().execution_options(populate_existing=True))
        wanted = (extra_minutes, extra_attempts, reason)
        if row is not None and (row.extra_minutes, row.extra_attempts, row.reason) == wanted:
            db.session.rollback()  # release the row lock
            return row, False
        if row is None:
            row = Accommodation(user_id=person.id, course_slug=course_slug)
            db.session.add(row)
        row.extra_minutes, row.extra_attempts, row.reason = wanted
        row.granted_by_id, row.granted_at = by.id, utcnow()
        db.session.flush()
        audit.record("accommodation.granted", actor_id=by.id,
                     subject=f"{person.username}/{course_slug}",
                     data={"user": person.id, "course": course_slug,
                           "extra_minutes": extra_minutes,
                           "extra_attempts": extra_attempts, "reason": reason})
        db.session.commit()
        return row, True

    return until_it_stands(write, what="the accommodation")


def within(paths: list[str], limit: int = 200) -> list[Accommodation]:
    """The latest accommodations of people in these subtrees (a centre's list)."""
    return list(db.session.scalars(
        select(Accommodation).join(User, Accommodation.user_id == User.id)
        .join(Unit, User.unit_id == Unit.id).where(within_any(paths))
        .options(joinedload(Accommodation.user).joinedload(User.unit),
                 joinedload(Accommodation.granted_by))
        .order_by(Accommodation.granted_at.desc(), Accommodation.id.desc()).limit(limit)))
