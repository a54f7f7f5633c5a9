"""The training centre's list of completions in its subtrees, with its filters."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Completion, Unit, User
from .orgs import subtree_of, unit_by_code, within_any


@dataclass(frozen=True)
class CompletionFilter:
    """The list's filters as typed; empty means any."""

    course: str = ""
    unit: str = ""
    status: str = ""           # "", "valid" or "revoked"
    since: date | None = None  # completed on or after this day
    until: date | None = None  # completed on or before this day
    method: str = ""           # "", "online" or "in_person"


def completions_page(paths: list[str], wanted: CompletionFilter, per_page: int = 50,
                     page: int | None = None) -> Pagination:
    """Completions of people in these subtrees, newest first; the page comes from ?page=
    unless given."""
    return db.paginate(completions_statement(paths, wanted), page=page, per_page=per_page,
                       error_out=False)


def completions_statement(paths: list[str], wanted: CompletionFilter) -> Select:
    """The list's query: also what a class's certificate bundle contains (one scope rule)."""
    statement = (select(Completion).join(User, Completion.user_id == User.id)
                 .join(Unit, User.unit_id == Unit.id)
                 .where(within_any(paths))
                 .options(joinedload(Completion.user), joinedload(Completion.revocation))
                 .order_by(Completion.completed_at.desc(), Completion.id.desc()))
    if wanted.course:
        statement = statement.where(Completion.course_slug == wanted.course)
    if wanted.unit:
        unit = unit_by_code(wanted.unit)
        statement = statement.where(subtree_of(unit.path) if unit else Unit.id.is_(None))
    if wanted.status == "valid":
        statement = statement.where(~Completion.revocation.has())
    elif wanted.status == "revoked":
        statement = statement.where(Completion.revocation.has())
    if wanted.method:
        statement = statement.where(Completion.method == wanted.method)
    if wanted.since:
        statement = statement.where(
            Completion.completed_at >= datetime.combine(wanted.since, datetime.min.time()))
    if wanted.until:
        statement = statement.where(Completion.completed_at < datetime.combine(
            wanted.until + timedelta(days=1), datetime.min.time()))
    return statement
