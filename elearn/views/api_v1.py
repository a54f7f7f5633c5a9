"""JSON API v1: a person's catalogue, completions and pledge; a centre's completions.

Signed in by the site's session cookie or by an API token (`Authorization: Bearer elt_…`);
each route declares the token scope it needs with `token_scope`. Every route declares its permission like the pages do, and answers errors as
RFC 9457 problem details (`views/problems.py`). Views parse, call a service, shape the answer.
"""
from __future__ import annotations

from typing import Any, Sequence

from flask import request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint, abort

from .. import api_schemas as schemas
from ..clock import iso_local, local_today
from ..labels import pledge_status_label
from ..models import Completion, Role
from ..registry import current_registry
from ..security import AUTHENTICATED, permission, scope_paths, token_scope
from ..services import catalogue, centre, codes, completions, next_steps, verification
from ..services.progress import progress_for
from ..urls import public_url_for

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1",
               description="JSON API v1 (session cookie or API token)")

PROBLEMS = {status: {"description": description, "content": {
    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for status, description in ((400, "Refused input (NUL, too long)"), (401, "Not signed in"),
                                (403, "Not allowed"),
                                (404, "Not found"), (422, "Bad parameters"),
                                (429, "Too many requests with this API token"))}


def _language() -> str:
    return str(get_locale() or "vi")


def _page(total: int, page: int, per_page: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The list envelope: the page's items, where it is, and the address of the next page."""
    more = page * per_page < total
    args = {**request.args.to_dict(), "page": page + 1, "per_page": per_page}
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "next": url_for(request.endpoint, **args) if more else None}


def _slice(rows: Sequence[Any], page: int, per_page: int) -> Sequence[Any]:
    return rows[(page - 1) * per_page: page * per_page]


def _completion(completion: Completion) -> dict[str, Any]:
    course = current_registry().course(completion.course_slug)
    shown = codes.display(completion.code)
    return {
        "code": shown, "course": completion.course_slug,
        "course_title": course.title.get(_language()) if course else completion.course_slug,
        "version": completion.course_version, "completed_at": iso_local(completion.completed_at),
        "method": completion.method, "score": completion.score,
        "status": completions.status_of(completion).value,
        "certificate_url": public_url_for("certificates.show", code=shown),
        "verify_url": public_url_for("verify.page", code=shown),
    }


@bp.route("/me/courses", methods=["GET"])
@token_scope("read:me")
@permission(AUTHENTICATED)
@bp.arguments(schemas.PageArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.MyCoursesPage)
@bp.doc(responses=PROBLEMS)
def my_courses(page: int, per_page: int):
    """The catalogue as the home page shows it, with my progress in each course."""
    courses = catalogue.visible_courses(current_user)
    shown = list(_slice(courses, page, per_page))
    progress = progress_for(current_user, shown)
    certificates = next_steps.certificate_codes(current_user, [c.slug for c in shown])
    items = []
    for course in shown:
        done = progress[course.slug]
        items.append({
            "slug": course.slug, "title": course.title.get(_language()),
            "version": course.version, "year": course.year,
            "may_study": catalogue.may_study(course, current_user),
            "lessons_total": done.lessons_total, "lessons_studied": done.lessons_studied,
            "has_quiz": done.has_quiz, "quiz_passed": done.quiz_passed,
            "best_score": done.best_score, "complete": done.complete,
            "certificate_code": certificates.get(course.slug),
            "url": url_for("courses.course", slug=course.slug),
        })
    return _page(len(courses), page, per_page, items)


@bp.route("/me/completions", methods=["GET"])
@token_scope("read:me")
@permission(AUTHENTICATED)
@bp.arguments(schemas.PageArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.MyCompletionsPage)
@bp.doc(responses=PROBLEMS)
def my_completions(page: int, per_page: int):
    """My completions, newest first, with the certificate's public address."""
    rows = verification.completions_of(current_user)
    return _page(len(rows), page, per_page,
                 [_completion(row) for row in _slice(rows, page, per_page)])


@bp.route("/me/pledge", methods=["GET"])
@token_scope("read:me")
@permission(AUTHENTICATED)
@bp.response(200, schemas.MyPledge)
@bp.doc(responses=PROBLEMS)
def my_pledge():
    """This year's study plan: my pledge's status, the deadline, the plan's courses."""
    plan = next_steps.year_plan(current_user, local_today().year)
    if plan is None:
        abort(404, message=_("No study plan applies to you this year."))
    status = plan.pledge.status if plan.pledge is not None else "not_started"
    return {
        "year": plan.year, "title": plan.title, "deadline": plan.deadline, "status": status,
        "status_label": (pledge_status_label(status) if plan.pledge is not None
                         else _("Not started")),
        "may_edit": plan.may_edit_pledge, "courses_done": plan.courses_done,
        "courses": [{"slug": item.slug,
                     "title": item.course.title.get(_language()) if item.course else item.slug,
                     "certificate_code": item.certificate} for item in plan.courses],
        "waiting_for": plan.superiors_waiting + plan.party_members_waiting,
    }


@bp.route("/completions", methods=["GET"])
@token_scope("read:completions")
@permission(Role.VERIFIER)
@bp.arguments(schemas.CompletionFilterArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.UnitCompletionsPage)
@bp.doc(responses=PROBLEMS)
def unit_completions(page: int, per_page: int, unit: str, course: str, status: str):
    """Completions of people in the units I verify (as the centre's page lists them)."""
    wanted = centre.CompletionFilter(course=course.strip(), unit=unit.strip(), status=status)
    found = centre.completions_page(scope_paths(current_user, Role.VERIFIER), wanted,
                                    page=page, per_page=per_page)
    items = [{**_completion(row), "holder": row.user.full_name,
              "username": row.user.username, "unit": row.user.unit.code}
             for row in found.items]
    return _page(found.total or 0, page, per_page, items)
