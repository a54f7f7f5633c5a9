"""Dashboards: who studied, completed and filed, per unit.

A drill-down level sums the per-unit counters (`services/counters.py`) of the chosen unit's
subtree, bucketed by the child unit on each unit's path: its cost follows the number of units,
not of people. The lists of who is missing are per-person queries over the subtree.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app

from sqlalchemy import String, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import contains_eager
from sqlalchemy.sql.expression import FunctionElement

from ..extensions import db
from ..models import Completion, Pledge, Revocation, Unit, User
from ..models.pledges import FILED_OR_LATER
from ..natural import sibling_key
from ..shared_state import remembered
from . import counters, pledge_review
from .orgs import subtree_of
from .pledges import plan_applies
from .read_replica import on_replica, stale_since



class first_segment(FunctionElement):
    """The text before the first "/" (the child unit's id in a remaining path)."""

    type = String()
    inherit_cache = True


@compiles(first_segment, "postgresql")
def _first_segment_pg(element, compiler, **kw):
    return "split_part(%s, '/', 1)" % compiler.process(element.clauses, **kw)


@compiles(first_segment)
def _first_segment_default(element, compiler, **kw):
    text = compiler.process(element.clauses, **kw)
    return f"substr({text}, 1, instr({text}, '/') - 1)"


@dataclass(frozen=True)
class UnitRef:
    """A unit as the dashboard shows it: plain values, safe to cache across requests."""

    id: int
    code: str
    name: str

    @classmethod
    def of(cls, unit: Unit) -> "UnitRef":
        return cls(unit.id, unit.code, unit.name)


@dataclass
class Row:
    """One unit's figures. They nest, so they add up: completed ≤ enrolled ≤ people (enrolled
    is everyone who opened a lesson or holds a completion, in-person ones too) and
    assessed ≤ acknowledged ≤ filed; planned ≤ people are those a plan applies to (a pledge
    is only opened under a plan, so filed ≤ planned unless a plan was narrowed since)."""

    unit: UnitRef | None       # None: people attached directly to the chosen unit
    people: int = 0
    enrolled: int = 0
    lessons_studied: int = 0
    completed: int = 0
    filed: int = 0
    acknowledged: int = 0
    assessed: int = 0
    planned: int = 0

    def rate(self, count: int) -> float:
        return count / self.people if self.people else 0.0

    def filing_rate(self, count: int) -> float:
        """A share of the people who are to file (a plan applies to them)."""
        return count / self.planned if self.planned else 0.0


@dataclass
class Dashboard:
    unit: UnitRef
    total: Row
    rows: list[Row] = field(default_factory=list)
    # Names this computation of the figures (it travels with the cached copy): the page keys
    # its cached markup on it, so the markup is never older than the figures it shows.
    stamp: str = field(default_factory=lambda: secrets.token_hex(8), compare=False)
    # When the figures were read from a lagging replica: the time they are as of (UTC).
    as_of: datetime | None = field(default=None, compare=False)


@on_replica
def dashboard(unit: Unit, *, course: str | None, year: int, audience: str = "all") -> Dashboard:
    """One drill-down level from the per-unit counters (`services/counters.py`): the rows of
    the subtree summed per child unit, so the page costs what the number of units costs."""
    remainder = func.substr(Unit.path, len(unit.path) + 1)
    bucket = case((Unit.path == unit.path, literal("")), else_=first_segment(remainder))
    figures = counters.subtree_figures(unit.path, bucket, course=course, year=year,
                                       audience=audience)
    # A bucket is shown when it has people (every figure counts active members).
    results = [(key, figures[key]) for key in figures if figures[key].get("people")]
    child_ids = [int(key) for key, _ in results if key]
    children = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(child_ids)))}
    total, rows = Row(UnitRef.of(unit)), []
    for bucket_id, counts in results:
        child = children.get(int(bucket_id)) if bucket_id else None
        row = Row(UnitRef.of(child) if child else None,
                  **{name: counts.get(name, 0) for name in _FIGURES})
        rows.append(row)
        for name in _FIGURES:
            setattr(total, name, getattr(total, name) + getattr(row, name))
    # Units without anyone yet still appear, so a drill-down shows the whole level.
    for child in db.session.scalars(select(Unit).where(Unit.parent_id == unit.id)):
        if child.id not in children:
            rows.append(Row(UnitRef.of(child)))
    rows.sort(key=lambda r: (r.unit is not None, sibling_key(r.unit) if r.unit else ()))
    return Dashboard(UnitRef.of(unit), total, rows)


_FIGURES = ("people", "enrolled", "lessons_studied", "completed", "filed", "acknowledged",
            "assessed", "planned")


def cached_dashboard(unit: Unit, *, course: str | None, year: int,
                     audience: str = "all") -> Dashboard:
    """The dashboard, reused for DASHBOARD_CACHE_SECONDS: a province's officers opening the
    same page at once cost one query, and the figures are at most that old."""
    def compute() -> Dashboard:
        board = dashboard(unit, course=course, year=year, audience=audience)
        # The replica's lag is read with the figures it describes and kept with them, not
        # on every view of the cached figures (two queries, one on each server).
        board.as_of = stale_since()
        return board

    ttl = current_app.config.get("DASHBOARD_CACHE_SECONDS", 0)
    if not ttl:
        return compute()
    # "dashboard2": a board cached by the previous release (in Redis, across a deploy) has
    # no stamp; a new key name leaves those to expire. Name it anew when Dashboard changes.
    return remembered(f"dashboard2:{unit.id}:{course}:{year}:{audience}", ttl, compute)


def breakthrough_figures(unit: Unit, year: int) -> tuple[int, int] | None:
    """(tied, filed) of `pledge_review.breakthrough_share` when a breakthrough content is set
    for the unit or above it, else None; reused like the other figures of the page for
    DASHBOARD_CACHE_SECONDS: its two counts scan the subtree's pledges (a LIKE over the
    drafts), which at a province's size costs more than the rest of the page, and the
    look-up of the content itself was one query on every request."""
    def compute() -> tuple[int, int] | tuple[()]:
        if pledge_review.breakthrough_for(unit, year) is None:
            return ()  # not None: the cache takes None for "not stored"
        return pledge_review.breakthrough_share(unit, year)

    ttl = current_app.config.get("DASHBOARD_CACHE_SECONDS", 0)
    found = remembered(f"dashboard-breakthrough:{unit.id}:{year}", ttl, compute) if ttl \
        else compute()
    return tuple(found) if found else None


def missing(unit: Unit, *, what: str, course: str | None, year: int, audience: str = "all",
            columns: tuple = ()):
    """People in the subtree who have not completed (the course) or not filed (that year).

    Selects `User` (with its unit) or, for exports, just the given columns."""
    conditions = _missing_conditions(unit, what=what, course=course, year=year,
                                     audience=audience)
    return _people(conditions, *columns).order_by(Unit.path, User.full_name)


def _missing_conditions(unit: Unit, *, what: str, course: str | None, year: int,
                        audience: str) -> list:
    # NOT EXISTS, not an outer join on a grouped subquery: the database probes each person's
    # completions or pledges by index and stops a page's query after its rows, instead of
    # grouping every completion of the tree first (the first page of a province: 90 → 17 ms
    # on SQLite, 50,000 people).
    conditions = [subtree_of(unit.path), User.active]
    if audience in ("cadre", "student"):
        conditions.append(User.audience == audience)
    if what == "completion":
        completed = (select(Completion.id).outerjoin(Revocation)
                     .where(Completion.user_id == User.id, Revocation.id.is_(None)))
        if course:
            completed = completed.where(Completion.course_slug == course)
        conditions.append(~completed.exists())
    else:  # only people who are to file: a plan applies to them
        filed = select(Pledge.id).where(Pledge.user_id == User.id, Pledge.year == year,
                                        Pledge.status.in_(FILED_OR_LATER))
        conditions += [~filed.exists(), plan_applies(year)]  # plan_applies reads the plans
    return conditions


def _people(conditions: list, *columns):
    statement = (select(*columns) if columns else
                 select(User).options(contains_eager(User.unit)))
    return statement.select_from(User).join(Unit, User.unit_id == Unit.id).where(*conditions)


@on_replica
def missing_page(unit: Unit, *, what: str, course: str | None, year: int,
                 audience: str = "all", per_page: int = 100):
    """One page of `missing` (the page number comes from ?page=)."""
    conditions = _missing_conditions(unit, what=what, course=course, year=year,
                                     audience=audience)
    page = db.paginate(_people(conditions).order_by(Unit.path, User.full_name),
                       per_page=per_page, error_out=False, count=False)
    # Counted on the bare rows, not over a subquery of every column of a person and their
    # unit as Flask-SQLAlchemy's count does: the count is most of this page's time.
    page.total = db.session.scalar(_people(conditions, func.count()))
    return page
