"""Per-unit counters for the dashboards, kept in the transaction of every change that moves
them, so a national dashboard reads a few rows per unit instead of every person.

Design (issue #15, item 4). Each row of `unit_counters` holds one figure for a unit's *own*
active members — (unit, plan year or 0, course slug or "", audience, metric) → n. A dashboard
sums the rows of a subtree by the unit path's prefix range, bucketed by child: its cost grows
with the number of units (10^4–10^5), never with people or completions.

Why a unit's figures are *recounted* rather than incremented: the figures count people, not
events — "enrolled" is a person with a lesson opened *or* a completion, "completed" over all
courses is a person with at least one, "filed" is a person's best pledge status of the year.
An increment would need each person's state before and after every change, read under a lock
anyway. Recounting the unit's own members (tens to hundreds of people) is a handful of indexed
aggregate queries, obviously equal to the full recount, and concurrency-safe by one rule:

* every transaction that moved a unit's figures takes the unit's row lock (PostgreSQL:
  ``SELECT … FOR NO KEY UPDATE``; SQLite has one writer anyway) *after* its own change is flushed,
  then recounts. Two writers in one unit serialise on that lock; the second recounts after the
  first has committed (READ COMMITTED: each statement sees every commit), so it counts both
  and no count is lost. Locks are taken in id order, so two movers never deadlock.

What moves figures is noticed in one place: a session listener notes, at each flush, people
(and so units) whose `User` row (unit, active, audience), lesson views, completions,
revocations, pledges or role grants changed, and the years of changed study plans; services
writing with bulk statements note the people they touched (`counter_marks.touch_users`). Just
before the commit the noted units are recounted. A plan changes who is "to file" across its
whole subtree, so a plan change recounts that year's `planned` figure for every unit (rare, an
officer's action). Who a plan applies to is `services.pledges.plan_applies`, not re-derived.

`flask elearn counters rebuild` recomputes everything (one transaction per batch of units);
`flask elearn counters check` compares the rows with a recount (docs/deploy.md).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import chain
from typing import Callable, Iterable, Iterator

from sqlalchemy import (
    and_, case, delete, event, func, insert, literal, or_, select, tuple_, union,
)
from sqlalchemy.orm import Session, attributes

from ..extensions import db
from ..models import (
    Completion, LessonView, Pledge, PledgeStatus, Revocation, RoleGrant, StudyPlan, Unit,
    UnitCounter, User,
)
from ..models.pledges import ACKNOWLEDGED_OR_LATER, FILED_OR_LATER
from ..registry import current_registry
from . import counter_marks
from .orgs import subtree_of
from .pledges import plan_applies

PEOPLE = "people"
COURSE_METRICS = ("enrolled", "lessons_studied", "completed")
"""Per course (and "" for all courses), year 0."""
YEAR_METRICS = ("filed", "acknowledged", "assessed", "planned")
"""Per plan year, course ""."""
METRICS = (PEOPLE, *COURSE_METRICS, *YEAR_METRICS)
ALL_COURSES = ""
NO_YEAR = 0
BATCH = 2000

Key = tuple[int, int, str, str, str]
"""(unit_id, year, course_slug, audience, metric)"""


# -- recounting -------------------------------------------------------------------------------

def _members(unit_ids: list[int] | None):
    """Active people of these units (all units: None), as a condition on `User`."""
    condition = User.active.is_(True)
    return condition if unit_ids is None else and_(condition, User.unit_id.in_(unit_ids))


def _mine(column, unit_ids: list[int] | None):
    """Keep a fact table to these units' people before joining (all units: no filter)."""
    if unit_ids is None:
        return literal(True)
    return column.in_(select(User.id).where(User.unit_id.in_(unit_ids)))


def recount(unit_ids: list[int] | None = None) -> dict[Key, int]:
    """Every non-zero figure of these units' own members (all units: None), from the facts."""
    figures: dict[Key, int] = defaultdict(int)
    members = _members(unit_ids)

    for unit_id, audience, n in db.session.execute(
            select(User.unit_id, User.audience, func.count()).where(members)
            .group_by(User.unit_id, User.audience)):
        figures[(unit_id, NO_YEAR, ALL_COURSES, audience or "", PEOPLE)] += n

    # enrolled: opened a lesson of the course or holds a completion of it (in person too).
    active_completions = (select(Completion.user_id, Completion.course_slug)
                          .outerjoin(Revocation).where(Revocation.id.is_(None),
                                                       _mine(Completion.user_id, unit_ids)))
    opened = select(LessonView.user_id, LessonView.course_slug).where(
        _mine(LessonView.user_id, unit_ids))
    enrolled = union(opened, active_completions).subquery()
    completed = active_completions.distinct().subquery()
    for metric, facts in (("enrolled", enrolled), ("completed", completed)):
        base = select().select_from(facts).join(User, User.id == facts.c.user_id).where(members)
        for unit_id, audience, course, n in db.session.execute(
                base.add_columns(User.unit_id, User.audience, facts.c.course_slug,
                                 func.count())
                .group_by(User.unit_id, User.audience, facts.c.course_slug)):
            figures[(unit_id, NO_YEAR, course, audience or "", metric)] += n
        for unit_id, audience, n in db.session.execute(
                base.add_columns(User.unit_id, User.audience,
                                 func.count(func.distinct(facts.c.user_id)))
                .group_by(User.unit_id, User.audience)):
            figures[(unit_id, NO_YEAR, ALL_COURSES, audience or "", metric)] += n

    for unit_id, audience, course, n in db.session.execute(
            select(User.unit_id, User.audience, LessonView.course_slug,
                   func.count(LessonView.studied_at))
            .join(User, User.id == LessonView.user_id).where(members)
            .group_by(User.unit_id, User.audience, LessonView.course_slug)):
        for slug in (course, ALL_COURSES):
            figures[(unit_id, NO_YEAR, slug, audience or "", "lessons_studied")] += n

    rank = case((Pledge.status == PledgeStatus.ASSESSED, 3),
                (Pledge.status.in_(ACKNOWLEDGED_OR_LATER), 2),
                (Pledge.status.in_(FILED_OR_LATER), 1), else_=0)
    best = (select(Pledge.user_id, Pledge.year, func.max(rank).label("rank"))
            .where(_mine(Pledge.user_id, unit_ids))
            .group_by(Pledge.user_id, Pledge.year).subquery())
    for unit_id, audience, year, filed, acknowledged, assessed in db.session.execute(
            select(User.unit_id, User.audience, best.c.year,
                   func.sum(case((best.c.rank >= 1, 1), else_=0)),
                   func.sum(case((best.c.rank >= 2, 1), else_=0)),
                   func.sum(case((best.c.rank >= 3, 1), else_=0)))
            .join(User, User.id == best.c.user_id).where(members)
            .group_by(User.unit_id, User.audience, best.c.year)):
        for metric, n in (("filed", filed), ("acknowledged", acknowledged),
                          ("assessed", assessed)):
            figures[(unit_id, year, ALL_COURSES, audience or "", metric)] += int(n or 0)

    for year in plan_years():
        figures.update(_planned(year, unit_ids))
    return {key: n for key, n in figures.items() if n}


def plan_years() -> list[int]:
    """Years with a study plan: only they store `planned` (see `planned_without_plan`)."""
    return list(db.session.scalars(select(StudyPlan.year).distinct()))


def _planned(year: int, unit_ids: list[int] | None) -> dict[Key, int]:
    statement = (select(User.unit_id, User.audience, func.count())
                 .join(Unit, User.unit_id == Unit.id)
                 .where(_members(unit_ids), plan_applies(year))
                 .group_by(User.unit_id, User.audience))
    return {(unit_id, year, ALL_COURSES, audience or "", "planned"): n
            for unit_id, audience, n in db.session.execute(statement) if n}


def planned_without_plan(year: int) -> bool:
    """In a year with no plan at all, the default plan (course.yaml's pledge years) applies to
    everyone — `plan_applies` says so; the dashboard then shows `people` as `planned`."""
    return any(year in course.pledge_years for course in current_registry().courses.values())


def stored(unit_ids: list[int] | None = None) -> dict[Key, int]:
    statement = select(UnitCounter.unit_id, UnitCounter.year, UnitCounter.course_slug,
                       UnitCounter.audience, UnitCounter.metric, UnitCounter.n)
    if unit_ids is not None:
        statement = statement.where(UnitCounter.unit_id.in_(unit_ids))
    return {tuple(row[:5]): row[5] for row in db.session.execute(statement) if row[5]}


def _write(figures: dict[Key, int]) -> None:
    if figures:
        db.session.execute(insert(UnitCounter), [
            {"unit_id": u, "year": y, "course_slug": c, "audience": a, "metric": m, "n": n}
            for (u, y, c, a, m), n in figures.items()])


def refresh_units(unit_ids: Iterable[int], *, every_unit: bool = False) -> None:
    """Recount these units inside the caller's transaction (which commits). `every_unit`:
    the ids are all units, so the recount reads whole tables (one pass each, no filter)."""
    ids = sorted({int(i) for i in unit_ids if i is not None})
    if not ids:
        return
    # The lock first (see the module docstring), then our own rows go, then the recount.
    # FOR NO KEY UPDATE: writers serialise on it, while rows that merely reference the
    # unit (a completion's unit_id takes KEY SHARE) do not deadlock against it.
    db.session.execute(select(Unit.id).where(Unit.id.in_(ids)).order_by(Unit.id)
                       .with_for_update(key_share=True))
    have, want = stored(None if every_unit else ids), recount(None if every_unit else ids)
    # Only what moved is written: opening an already-opened lesson leaves the table alone.
    gone = [key for key in have if want.get(key) != have[key]]
    for start in range(0, len(gone), 500):
        db.session.execute(delete(UnitCounter).where(tuple_(
            UnitCounter.unit_id, UnitCounter.year, UnitCounter.course_slug,
            UnitCounter.audience, UnitCounter.metric).in_(gone[start:start + 500])))
    _write({key: n for key, n in want.items() if have.get(key) != n})


def refresh_planned(years: Iterable[int]) -> None:
    """A plan of these years changed: recount who is to file, for every unit."""
    for year in sorted(set(years)):
        db.session.execute(delete(UnitCounter).where(UnitCounter.year == year,
                                                     UnitCounter.metric == "planned"))
        _write(_planned(year, None))


# -- noticing changes -------------------------------------------------------------------------

_USER_FIELDS = ("unit_id", "active", "audience")


def _old_and_new(obj, name: str) -> Iterator:
    history = attributes.get_history(obj, name)
    yield from chain(history.added or (), history.unchanged or (), history.deleted or ())


def _note_flush(session: Session, _context) -> None:
    """After each flush (the session still lists what it wrote): note what moves figures."""
    noted = None
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, User):
            if obj in session.dirty and not any(
                    attributes.get_history(obj, f).has_changes() for f in _USER_FIELDS):
                continue
            noted = noted or counter_marks.pending(session)
            noted.units.update(u for u in _old_and_new(obj, "unit_id") if u is not None)
        elif isinstance(obj, (LessonView, Completion, Pledge, RoleGrant)):
            noted = noted or counter_marks.pending(session)
            noted.users.update(u for u in _old_and_new(obj, "user_id") if u is not None)
        elif isinstance(obj, Revocation):
            noted = noted or counter_marks.pending(session)
            noted.completions.update(c for c in _old_and_new(obj, "completion_id")
                                     if c is not None)
        elif isinstance(obj, StudyPlan):
            noted = noted or counter_marks.pending(session)
            noted.plan_years.update(y for y in _old_and_new(obj, "year") if y is not None)


def _settle(session: Session) -> None:
    """Before the commit: recount the noted units in this same transaction."""
    session.flush()
    noted = counter_marks.pending(session)
    if not noted:
        return
    counter_marks.forget(session)
    users = set(noted.users)
    if noted.completions:
        users.update(session.scalars(select(Completion.user_id)
                                     .where(Completion.id.in_(noted.completions))))
    units = set(noted.units)
    if users:
        units.update(session.scalars(select(User.unit_id).where(User.id.in_(users))))
    refresh_units(units)
    refresh_planned(noted.plan_years)


def _drop(session: Session, *_args) -> None:
    counter_marks.forget(session)


def install(session_class: type[Session]) -> None:
    """Listen on the app's session class (once per process, whatever the number of apps)."""
    for name, listener in (("after_flush", _note_flush), ("before_commit", _settle),
                           ("after_rollback", _drop)):
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)


# -- rebuild and check ------------------------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    unit_id: int
    unit_code: str
    lines: tuple[str, ...]


def _unit_batches(size: int) -> Iterator[list[int]]:
    ids = list(db.session.scalars(select(Unit.id).order_by(Unit.id)))
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def rebuild(*, batch: int = BATCH, progress: Callable[[int], None] | None = None) -> int:
    """Recompute every unit's counters from the facts; one transaction per batch of units
    (a batch as large as the tree recounts whole tables in one pass each: fastest, one long
    transaction). Returns the number of units."""
    done = 0
    total = db.session.scalar(select(func.count()).select_from(Unit))
    for ids in _unit_batches(batch):
        refresh_units(ids, every_unit=len(ids) == total)
        db.session.commit()
        done += len(ids)
        if progress:
            progress(done)
    return done


def built() -> bool:
    """Whether any counter is stored, or nobody is there to count (a fresh database)."""
    return (db.session.scalar(select(UnitCounter.unit_id).limit(1)) is not None
            or db.session.scalar(select(User.id).where(User.active.is_(True)).limit(1)) is None)


def check(*, batch: int = BATCH) -> list[Difference]:
    """Units whose stored counters differ from a recount (read-only)."""
    differences = []
    total = db.session.scalar(select(func.count()).select_from(Unit))
    for ids in _unit_batches(batch):
        whole = None if len(ids) == total else ids
        have, want = stored(whole), recount(whole)
        by_unit: dict[int, list[str]] = defaultdict(list)
        for key in sorted(set(have) | set(want), key=str):
            if have.get(key, 0) != want.get(key, 0):
                unit_id, year, course, audience, metric = key
                by_unit[unit_id].append(
                    f"{metric}[year={year or '-'} course={course or '*'} audience={audience}]"
                    f" {have.get(key, 0)}≠{want.get(key, 0)}")
        codes = dict(db.session.execute(select(Unit.id, Unit.code)
                                        .where(Unit.id.in_(list(by_unit)))).all())
        differences += [Difference(u, codes.get(u, "?"), tuple(lines))
                        for u, lines in sorted(by_unit.items())]
        db.session.rollback()
    return differences


# -- reading ----------------------------------------------------------------------------------

def subtree_figures(path: str, bucket, *, course: str | None, year: int,
                    audience: str) -> dict[str, dict[str, int]]:
    """The chosen figures summed per `bucket` (an expression over `Unit.path`) for the units
    whose path starts with `path`: {bucket: {metric: n}}."""
    wanted = or_(
        and_(UnitCounter.year == NO_YEAR, UnitCounter.course_slug == ALL_COURSES,
             UnitCounter.metric == PEOPLE),
        and_(UnitCounter.year == NO_YEAR, UnitCounter.course_slug == (course or ALL_COURSES),
             UnitCounter.metric.in_(COURSE_METRICS)),
        and_(UnitCounter.year == year, UnitCounter.course_slug == ALL_COURSES,
             UnitCounter.metric.in_(YEAR_METRICS)))
    conditions = [subtree_of(path), wanted]
    if audience in ("cadre", "student"):
        conditions.append(UnitCounter.audience == audience)
    statement = (select(bucket.label("bucket"), UnitCounter.metric, func.sum(UnitCounter.n))
                 .select_from(UnitCounter).join(Unit, Unit.id == UnitCounter.unit_id)
                 .where(*conditions).group_by(bucket, UnitCounter.metric))
    result: dict[str, dict[str, int]] = defaultdict(dict)
    for key, metric, n in db.session.execute(statement):
        result[key or ""][metric] = int(n or 0)
    if year not in plan_years() and planned_without_plan(year):
        for figures in result.values():
            figures["planned"] = figures.get(PEOPLE, 0)
    return result
