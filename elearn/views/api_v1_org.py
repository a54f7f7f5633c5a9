"""JSON API v1 for centres and officers, in their scope: record and revoke completions, keep
units and people in step with member-management software (by external id), a unit's pledge
status and dashboard figures; and the public catalogue.

The same permissions and services as the pages: recording is `completions.issue_once` with
the centre page's checks, the figures are the dashboard's `reports.cached_dashboard`, the
pledge list is the review page's `pledges.unit_overview`. Writes are idempotent: the same
request twice has one effect (200 instead of 201 the second time) and one audit entry.
Writes from a browser session send the CSRF token in the `X-CSRFToken` header.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import wraps
from typing import Any, Callable

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint, abort

from .. import api_schemas_org as schemas
from ..clock import local_today
from ..labels import pledge_status_label
from ..models import Role, Unit, User
from ..registry import current_registry
from ..security import PUBLIC, has_role, permission, scope_paths, token_scope
from ..services import (
    catalogue, completions, pledges, recording, reports, sync, verification,
)
from ..services.accounts import find_user
from ..services.orgs import unit_by_code
from .api_v1 import PROBLEMS, _completion, _language, _page, _slice

bp = Blueprint("api_v1_org", __name__, url_prefix="/api/v1",
               description="JSON API v1 for centres and officers, in their scope")

VIEWERS = (Role.OFFICER, Role.VERIFIER, Role.INSPECTOR)  # the dashboard's
READERS = (Role.REVIEWER, Role.INSPECTOR)                # the pledge review pages'
WRITE_PROBLEMS = {**PROBLEMS, 409: {**PROBLEMS[404], "description": "Conflicts with the "
                                    "stored state (a code or username used by another)"}}


def _unit_scope(code: str, **_kwargs: Any) -> Unit | None:
    return unit_by_code(code)


def _completion_scope(code: str, **_kwargs: Any) -> Unit | None:
    completion = verification.by_code(code)
    return completion.user.unit if completion else None


def _refuse_outside(unit_of: Callable[[str], Unit | None]) -> Callable:
    """Sync writes: an existing record outside the caller's subtrees is refused before the
    body is read (a new one is checked against its parent by the service)."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(external_id: str, **kwargs: Any):
            unit = unit_of(external_id)
            if unit is not None and not has_role(current_user, Role.ADMIN, unit):
                abort(403, message=_("This record is outside the units you administer."))
            return view(external_id=external_id, **kwargs)
        return guarded
    return decorate


def _unit_of_synced_unit(external_id: str) -> Unit | None:
    return sync.unit_by_external_id(external_id)


def _unit_of_synced_person(external_id: str) -> Unit | None:
    person = sync.person_by_external_id(external_id)
    return person.unit if person else None


def _answer(outcome: sync.Outcome, shaped: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return shaped, 201 if outcome.created else 200


def _sync(action: Callable[..., sync.Outcome], *args: Any) -> sync.Outcome:
    """Run a sync action as the caller, within the units they administer; a refusal becomes
    its problem answer."""
    try:
        return action(*args, by=current_user, scope=scope_paths(current_user, Role.ADMIN))
    except sync.SyncRefused as refused:
        abort(refused.status, message=refused.message)


# -- public ----------------------------------------------------------------------------------


@bp.route("/catalogue", methods=["GET"])
@permission(PUBLIC)
@bp.arguments(schemas.PageArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.CataloguePage)
@bp.doc(responses={k: v for k, v in PROBLEMS.items() if k in (400, 422)})
def catalogue_list(page: int, per_page: int):
    """The courses on offer (to a signed-in person: those for their audience), titles in the
    caller's language."""
    viewer = current_user if current_user.is_authenticated else None
    courses = catalogue.visible_courses(viewer)
    items = [{"slug": course.slug, "title": course.title.get(_language()),
              "version": course.version, "year": course.year,
              "audience": str(course.audience),
              "url": url_for("courses.course", slug=course.slug)}
             for course in _slice(courses, page, per_page)]
    return _page(len(courses), page, per_page, items)


# -- completions -----------------------------------------------------------------------------


def _centre_completion(completion) -> dict[str, Any]:
    return {**_completion(completion), "holder": completion.user.full_name,
            "username": completion.user.username, "unit": completion.user.unit.code,
            "revoked": completion.revocation is not None or bool(completion.revoked)}


@bp.route("/completions", methods=["POST"])
@token_scope("write:completions")
@permission(Role.VERIFIER)
@bp.arguments(schemas.RecordCompletion)
@bp.response(201, schemas.CentreCompletion, description="recorded now")
@bp.alt_response(200, schema=schemas.CentreCompletion,
                 description="the person already holds this course: their completion")
@bp.doc(responses=WRITE_PROBLEMS)
def record_completion(body: dict[str, Any]):
    """Record an in-person completion (the centre's record page): for a person in a unit I
    verify, a date not in the future. Sent again, it answers the same completion (200); with
    an `Idempotency-Key` header (at most 64 characters), a retry answers the first
    completion even if it was revoked since."""
    person = find_user(body["username"])
    course = current_registry().course(body["course"])
    if person is None or not has_role(current_user, Role.VERIFIER, person.unit):
        abort(404, message=_("No one with this username in the units you verify."))
    if course is None:
        abort(404, message=_("No course with this slug."))
    if body["completed_on"] > local_today():
        abort(422, message=_("The date cannot be in the future."))
    completion, created = recording.record_in_person(
        person, course, score=body.get("score"), by=current_user,
        completed_at=datetime.combine(body["completed_on"], datetime.min.time()),
        note=body.get("note") or "", key=request.headers.get("Idempotency-Key"))
    return _centre_completion(completion), 201 if created else 200


@bp.route("/completions/<code>/revoke", methods=["POST"])
@token_scope("write:completions")
@permission(Role.VERIFIER, scope=_completion_scope)
@bp.arguments(schemas.Revoke)
@bp.response(200, schemas.CentreCompletion)
@bp.doc(responses=WRITE_PROBLEMS)
def revoke_completion(body: dict[str, Any], code: str):
    """Revoke a completion of someone in a unit I verify, with a reason. Revoking it again
    changes nothing and answers the revoked completion."""
    completion = verification.by_code(code)
    completions.revoke_once(completion.id, body["reason"], current_user)
    return _centre_completion(verification.by_code(code))


# -- sync: units and people ------------------------------------------------------------------


def _unit_out(unit: Unit) -> dict[str, Any]:
    return {"external_id": unit.external_id, "code": unit.code, "name": unit.name,
            "level": unit.level, "parent": unit.parent.code if unit.parent else None,
            "active": unit.active}


def _person_out(person: User, external_id: str) -> dict[str, Any]:
    return {"external_id": external_id, "username": person.username,
            "full_name": person.full_name, "unit": person.unit.code,
            "position": person.position, "audience": person.audience,
            "is_party_member": person.is_party_member, "active": person.active}


@bp.route("/units/<external_id>", methods=["PUT"])
@token_scope("write:people")
@permission(Role.ADMIN)
@_refuse_outside(_unit_of_synced_unit)
@bp.arguments(schemas.UnitBody)
@bp.response(200, schemas.UnitOut, description="updated, or already as sent")
@bp.alt_response(201, schema=schemas.UnitOut, description="created")
@bp.doc(responses=WRITE_PROBLEMS)
def put_unit(body: dict[str, Any], external_id: str):
    """Create or update a unit by its external id, under a parent in my subtree. The same
    body twice changes nothing the second time."""
    data = sync.UnitData(code=body["code"].strip(), name=body["name"],
                         level=body["level"].strip(), parent=body["parent"].strip())
    outcome = _sync(sync.upsert_unit, external_id, data)
    return _answer(outcome, _unit_out(outcome.record))


@bp.route("/units/<external_id>", methods=["DELETE"])
@token_scope("write:people")
@permission(Role.ADMIN)
@_refuse_outside(_unit_of_synced_unit)
@bp.response(200, schemas.UnitOut, description="deactivated (or already)")
@bp.doc(responses=WRITE_PROBLEMS)
def delete_unit(external_id: str):
    """Deactivate a unit (never deleted); refused while it holds active people or units."""
    outcome = _sync(sync.deactivate_unit, external_id)
    return _unit_out(outcome.record)


@bp.route("/people/<external_id>", methods=["PUT"])
@token_scope("write:people")
@permission(Role.ADMIN)
@_refuse_outside(_unit_of_synced_person)
@bp.arguments(schemas.PersonBody)
@bp.response(200, schemas.PersonOut, description="updated, or already as sent")
@bp.alt_response(201, schema=schemas.PersonOut, description="created")
@bp.doc(responses=WRITE_PROBLEMS)
def put_person(body: dict[str, Any], external_id: str):
    """Create or update a person by their external id, in a unit of my subtree. Roles are
    never granted here (that stays a page action); the same body twice changes nothing."""
    data = sync.PersonData(
        username=body["username"], full_name=body["full_name"], unit=body["unit"].strip(),
        position=body.get("position") or "", audience=body["audience"],
        is_party_member=body["is_party_member"], email=body.get("email"),
        phone=body.get("phone"))
    outcome = _sync(sync.upsert_person, external_id, data)
    return _answer(outcome, _person_out(outcome.record, external_id))


@bp.route("/people/<external_id>", methods=["DELETE"])
@token_scope("write:people")
@permission(Role.ADMIN)
@_refuse_outside(_unit_of_synced_person)
@bp.response(200, schemas.PersonOut, description="deactivated (or already)")
@bp.doc(responses=WRITE_PROBLEMS)
def delete_person(external_id: str):
    """Deactivate a person: they can no longer sign in; their completions and pledges stay."""
    outcome = _sync(sync.deactivate_person, external_id)
    return _person_out(outcome.record, external_id)


# -- a unit's pledges and figures ------------------------------------------------------------


@bp.route("/units/<code>/pledges", methods=["GET"])
@token_scope("read:reports")
@permission(*READERS, scope=_unit_scope)
@bp.arguments(schemas.YearArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.UnitPledgesPage)
@bp.doc(responses=PROBLEMS)
def unit_pledges(code: str, page: int, per_page: int, year: int | None):
    """The pledge status of everyone in the unit (not below it), as the review page shows it:
    counts per status and the people, a page at a time."""
    unit, year = unit_by_code(code), year or local_today().year
    people = pledges.unit_overview(unit, year)
    counts = Counter(row.status for row in people)
    items = [{"username": row.user.username, "full_name": row.user.full_name,
              "status": row.status,
              "status_label": (pledge_status_label(row.status) if row.pledge is not None
                               else _("Not started"))}
             for row in _slice(people, page, per_page)]
    return {**_page(len(people), page, per_page, items), "unit": unit.code, "year": year,
            "counts": dict(counts)}


def _figures(row: reports.Row) -> dict[str, Any]:
    return {"unit": row.unit.code if row.unit else None,
            "name": row.unit.name if row.unit else None,
            **{name: getattr(row, name) for name in (
                "people", "enrolled", "lessons_studied", "completed", "planned", "filed",
                "acknowledged", "assessed")}}


@bp.route("/units/<code>/report", methods=["GET"])
@token_scope("read:reports")
@permission(*VIEWERS, scope=_unit_scope)
@bp.arguments(schemas.ReportArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.UnitReportPage)
@bp.doc(responses=PROBLEMS)
def unit_report(code: str, page: int, per_page: int, year: int | None, course: str | None,
                audience: str):
    """The dashboard's figures for the unit, one row per child unit (and one for people
    attached to the unit itself), with the unit's total."""
    if course and current_registry().course(course) is None:
        abort(404, message=_("No course with this slug."))
    year = year or local_today().year
    board = reports.cached_dashboard(unit_by_code(code), course=course or None, year=year,
                                     audience=audience)
    items = [_figures(row) for row in _slice(board.rows, page, per_page)]
    return {**_page(len(board.rows), page, per_page, items), "unit": board.unit.code,
            "year": year, "total": _figures(board.total)}
