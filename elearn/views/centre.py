"""Training-centre pages for verifiers: completions in their subtree, in-person records,
CSV import, revocation, and accommodations (extra quiz time or attempts)."""
from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from ..clock import local_today
from ..forms import (
    AccommodationForm, BulkCertificatesForm, RecordCompletionForm, RevokeForm, SelectChoice,
)
from ..models import Completion, Role, Unit, User
from ..registry import current_registry
from ..security import has_role, permission, scope_paths
from ..services import (
    accommodations, bulk_certificates, centre, codes, completion_imports, completions,
)
from ..services.accounts import find_user
from ..services.lookups import find
from ..services.orgs import unit_by_code
from .scoping import csv_import_page, get_or_404

bp = Blueprint("centre", __name__, url_prefix="/centre")
PAGE_SIZE = 50


def verifies(person: User | None) -> bool:
    return person is not None and has_role(current_user, Role.VERIFIER, person.unit)


def completion_scope(completion_id: int, **_kwargs) -> Unit | None:
    completion = find(Completion, completion_id)
    return completion.user.unit if completion else None


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/completions")
@permission(Role.VERIFIER)
def completions_list():
    registry = current_registry()
    filters = {key: request.args.get(key, "").strip()
               for key in ("course", "unit", "status", "from", "to")}
    wanted = centre.CompletionFilter(course=filters["course"], unit=filters["unit"],
                                     status=filters["status"], since=_date_arg("from"),
                                     until=_date_arg("to"))
    page = centre.completions_page(scope_paths(current_user, Role.VERIFIER), wanted,
                                   per_page=PAGE_SIZE)
    return render_template("centre/completions.html", page=page, filters=filters,
                           courses=registry.courses.values(), display=codes.display,
                           revoke_form=RevokeForm())


@bp.route("/certificates", methods=["GET", "POST"])
@permission(Role.VERIFIER)
def bulk_certificates_page():
    """One ZIP of a class's certificate PDFs, prepared by a job (progress, then the file).
    GET may carry the completions list's filters, so the list links here as it is filtered."""
    form = BulkCertificatesForm()
    form.course.choices = [SelectChoice(c.slug, c.title.get()) for c in
                           current_registry().courses.values()]
    if not form.is_submitted():
        form.course.data = request.args.get("course") or None
        form.unit.data = request.args.get("unit", "").strip()
        form.since.data, form.until.data = _date_arg("from"), _date_arg("to")
        return render_template("centre/certificates.html", form=form)
    if form.validate_on_submit():
        unit_code = (form.unit.data or "").strip()
        unit = unit_by_code(unit_code) if unit_code else None
        if unit_code and (unit is None or not has_role(current_user, Role.VERIFIER, unit)):
            form.unit.errors.append(_("No unit with this code among the units you verify."))
        if form.since.data and form.until.data and form.since.data > form.until.data:
            form.until.errors.append(_("The end date is before the start date."))
        if not form.errors:
            job = bulk_certificates.submit(
                scope_paths(current_user, Role.VERIFIER),
                centre.CompletionFilter(course=form.course.data, unit=unit_code,
                                        method=form.method.data, since=form.since.data,
                                        until=form.until.data),
                requested_by=current_user, base_url=request.url_root,
                locale=str(get_locale()))
            return redirect(url_for("jobs.show", job_id=job.id), 303)
    return render_template("centre/certificates.html", form=form), 400


def _record_form() -> RecordCompletionForm:
    form = RecordCompletionForm()
    form.course.choices = [SelectChoice(c.slug, c.title.get()) for c in
                           current_registry().courses.values()]
    return form


@bp.route("/completions/record", methods=["GET", "POST"])
@permission(Role.VERIFIER)
def record():
    form = _record_form()
    if not form.validate_on_submit():
        return render_template("centre/record.html", form=form), 400 if form.is_submitted() else 200
    person = find_user(form.username.data)
    course = current_registry().course(form.course.data)
    if not verifies(person):
        form.username.errors.append(_("No one with this username in the units you verify."))
    elif form.completed_on.data > local_today():
        form.completed_on.errors.append(_("The date cannot be in the future."))
    if form.errors:
        return render_template("centre/record.html", form=form), 400
    completion, created = completions.issue_once(
        person, course, method=completions.IN_PERSON,
        score=float(form.score.data) if form.score.data is not None else None,
        recorded_by=current_user,
        completed_at=datetime.combine(form.completed_on.data, datetime.min.time()),
        note=form.note.data or "")
    if not created:  # done before, or by a duplicate of this request a moment ago
        form.username.errors.append(_("%(name)s has already completed this course.",
                                      name=person.full_name))
        return render_template("centre/record.html", form=form), 400
    flash(_("Recorded: %(name)s completed %(course)s (code %(code)s).", name=person.full_name,
            course=course.title.get(), code=codes.display(completion.code)), "info")
    return redirect(url_for("centre.completions_list"))


@bp.route("/completions/import", methods=["GET", "POST"])
@permission(Role.VERIFIER)
def import_completions():
    return csv_import_page(
        lambda data, dry_run: completion_imports.import_completions(
            data, dry_run=dry_run, recorded_by=current_user, allowed=verifies),
        _("Import in-person completions"),
        completion_imports.COLUMNS + completion_imports.OPTIONAL)


@bp.post("/completions/<int:completion_id>/revoke")
@permission(Role.VERIFIER, scope=completion_scope)
def revoke(completion_id: int):
    completion = get_or_404(Completion, completion_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("Give a reason of at least 5 characters to revoke a completion."), "error")
        return redirect(url_for("centre.completions_list"))
    _revocation, created = completions.revoke_once(completion.id, form.reason.data,
                                                   current_user)
    if created:
        flash(_("The completion %(code)s was revoked.", code=codes.display(completion.code)),
              "info")
    else:  # revoked before, or by a duplicate of this request a moment ago
        flash(_("This completion was already revoked."), "error")
    return redirect(url_for("centre.completions_list"))


@bp.route("/accommodations", methods=["GET", "POST"])
@permission(Role.VERIFIER)
def accommodations_page():
    """Grant one person in the centre's units extra time or attempts on a course's quiz."""
    form = AccommodationForm()
    form.course.choices = [SelectChoice(c.slug, c.title.get()) for c in
                           current_registry().courses.values() if c.quiz]
    status = 200
    if form.validate_on_submit():
        person = find_user(form.username.data)
        minutes, attempts = form.extra_minutes.data or 0, form.extra_attempts.data or 0
        if not verifies(person):
            form.username.errors.append(_("No one with this username in the units you verify."))
        elif not (minutes or attempts):
            form.extra_minutes.errors.append(_("Grant extra minutes, extra attempts or both."))
        else:
            course = current_registry().course(form.course.data)
            _row, changed = accommodations.grant(
                person, course.slug, extra_minutes=minutes, extra_attempts=attempts,
                reason=form.reason.data, by=current_user)
            flash(_("%(name)s now has %(minutes)d extra minutes and %(attempts)d extra "
                    "attempts on %(course)s.", name=person.full_name, minutes=minutes,
                    attempts=attempts, course=course.title.get()) if changed
                  else _("This accommodation was already granted."), "info")
            return redirect(url_for("centre.accommodations_page"))
    if form.is_submitted():
        status = 400
    titles = {c.slug: c.title.get() for c in current_registry().courses.values()}
    return render_template(
        "centre/accommodations.html", form=form, titles=titles,
        granted=accommodations.within(scope_paths(current_user, Role.VERIFIER))), status
