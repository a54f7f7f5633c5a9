"""Rows for exports, read lazily from the database in batches (memory stays flat)."""
from __future__ import annotations

from functools import cache
from typing import Iterator

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..clock import iso_local
from ..extensions import db
from ..labels import completion_method_label, course_title, pledge_status_label
from ..models import Completion, Pledge, Revocation, Unit, User
from . import codes, reports
from .orgs import subtree_of
from .read_replica import on_replica
from .reports import Dashboard

BATCH = 2000


@on_replica
def lazy_rows(statement) -> Iterator[tuple]:
    """Run the query only when the response starts streaming, and read it in batches."""
    yield from db.session.execute(statement.execution_options(yield_per=BATCH))


def completions_header() -> list[str]:
    return [_("Full name"), _("Username"), _("Unit"), _("Course"), _("Version"),
            _("Content hash"), _("How"), _("Score"), _("Completed on"), _("Code"),
            _("Status")]


def _completions_statement(unit: Unit, course: str | None):
    statement = (select(User.full_name, User.username, Unit.name, Completion.course_slug,
                        Completion.course_version, Completion.content_hash, Completion.method,
                        Completion.score, Completion.completed_at, Completion.code,
                        Revocation.id, Completion.revoked)
                 .join(User, Completion.user_id == User.id)
                 .join(Unit, User.unit_id == Unit.id)
                 .outerjoin(Revocation, Revocation.completion_id == Completion.id)
                 .where(subtree_of(unit.path)).order_by(Completion.id))
    if course:
        statement = statement.where(Completion.course_slug == course)
    return statement


@on_replica
def completions_rows(unit: Unit, course: str | None = None) -> Iterator[tuple]:
    statement = _completions_statement(unit, course)
    valid, revoked = _("valid"), _("revoked")
    # A file repeats a few titles and labels over thousands of rows: each is looked up (a
    # gettext call) once per export, not per row; the language is fixed within one export.
    title, how = cache(course_title), cache(completion_method_label)
    result = db.session.execute(statement.execution_options(yield_per=BATCH))
    for (name, username, unit_name, slug, version, digest, method, score, at, code, rev,
         flagged) in result:
        yield (name, username, unit_name, title(slug), version, digest, how(method), score,
               iso_local(at), codes.display(code), revoked if rev or flagged else valid)


def pledge_header() -> list[str]:
    return [_("Full name"), _("Username"), _("Unit"), _("Position"), _("Status"), _("Filed")]


def _pledge_statement(unit: Unit, year: int):
    return (select(User.full_name, User.username, Unit.name, User.position, Pledge.status,
                   Pledge.filed_at)
            .join(Unit, User.unit_id == Unit.id)
            .outerjoin(Pledge, (Pledge.user_id == User.id) & (Pledge.year == year))
            .where(subtree_of(unit.path), User.active).order_by(Unit.path, User.full_name))


@on_replica
def pledge_rows(unit: Unit, year: int) -> Iterator[tuple]:
    statement = _pledge_statement(unit, year)
    status_label = cache(pledge_status_label)  # once per status and export, as above
    for name, username, unit_name, position, status, filed in db.session.execute(
            statement.execution_options(yield_per=BATCH)):
        yield (name, username, unit_name, position, status_label(status or "not_started"),
               iso_local(filed))


def summary_header() -> list[str]:
    return [_("Unit"), _("People"), _("Enrolled"), _("Lessons studied"), _("Completed"),
            _("Pledges filed"), _("Acknowledged"), _("Assessed"), _("People to file")]


def summary_rows(board: Dashboard) -> Iterator[tuple]:
    for row in [board.total, *board.rows]:
        name = row.unit.name if row.unit else _("Directly in %(unit)s", unit=board.unit.name)
        yield (name, row.people, row.enrolled, row.lessons_studied, row.completed, row.filed,
               row.acknowledged, row.assessed, row.planned)


DATASETS = ("summary", "completions", "pledges", "missing-completion", "missing-pledge")


def dataset(unit: Unit, name: str, *, year: int, course: str | None, audience: str = "all",
            count: bool = True) -> tuple[list[str], Iterator[tuple], int | None]:
    """Header, lazy rows and (with `count`, for a job's progress) the number of rows of one
    dashboard export. Raises KeyError for an unknown dataset."""
    _count = _row_count if count else (lambda statement: None)
    filters = {"year": year, "course": course, "audience": audience}
    if name == "summary":
        board = reports.cached_dashboard(unit, **filters)
        return summary_header(), summary_rows(board), len(board.rows) + 1
    if name == "completions":
        statement = _completions_statement(unit, course)
        return completions_header(), completions_rows(unit, course), _count(statement)
    if name == "pledges":
        return pledge_header(), pledge_rows(unit, year), _count(_pledge_statement(unit, year))
    if name in ("missing-completion", "missing-pledge"):
        statement = reports.missing(unit, what=name.split("-")[1], **filters,
                                    columns=(User.full_name, User.username, Unit.name,
                                             User.position))
        return pledge_header()[:4], lazy_rows(statement), _count(statement)
    raise KeyError(name)


@on_replica
def _row_count(statement) -> int:
    return db.session.scalar(select(func.count()).select_from(
        statement.order_by(None).subquery()))
