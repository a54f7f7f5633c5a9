"""Administration home, and what loaded, what did not and why."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms import CourseActivateForm, CourseReloadForm
from ..models import JobStatus, Role
from ..registry import current_registry
from ..security import permission
from ..services import course_packages
from ..services import jobs as job_service
from ..services import outbox as outbox_service
from ..services import plugin_failures
from .scoping import admin_paths

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@permission(Role.ADMIN)
def index():
    return render_template("admin/index.html")


@bp.get("/courses")
@permission(Role.ADMIN)
def courses():
    return _courses_page()


def _courses_page(status: int = 200):
    return render_template("admin/courses.html", registry=current_registry(),
                           staged=course_packages.staged_packages(),
                           revision=course_packages.current_revision(),
                           activate_form=CourseActivateForm(),
                           reload_form=CourseReloadForm()), status


@bp.post("/courses/<int:package_id>/activate")
@permission(Role.ADMIN)
def activate_course(package_id: int):
    if not CourseActivateForm().validate_on_submit():
        return _courses_page(status=400)
    done = course_packages.activate(package_id, current_user.id)
    if done is None:
        abort(404)
    if done:
        flash(_("The course version was activated: learners study it now."), "info")
    else:
        flash(_("This upload is already active, or it cannot be activated."), "info")
    return redirect(url_for("admin.courses"), 303)


@bp.post("/courses/reload")
@permission(Role.ADMIN)
def reload_courses():
    form = CourseReloadForm()
    if not form.validate_on_submit():
        return _courses_page(status=400)
    # Optional() lets blank-ish text ("\r\n") through: only digits name a revision.
    text = (form.revision.data or "").strip()
    seen = int(text) if text.isdecimal() else None
    course_packages.reload_courses(current_user.id, seen)
    flash(_("The courses were read again on every worker."), "info")
    return redirect(url_for("admin.courses"), 303)


@bp.get("/jobs")
@permission(Role.ADMIN)
def jobs():
    status = request.args.get("status") or None
    if status is not None and status not in set(JobStatus):
        abort(400)
    return render_template("admin/jobs.html", status=status, statuses=list(JobStatus),
                           jobs=job_service.jobs_for_admin(admin_paths(), status))


@bp.get("/outbox")
@permission(Role.ADMIN)
def outbox():
    """Deliveries that failed for good (e-mail, webhooks, xAPI), with their last error."""
    return render_template("admin/outbox.html", counts=outbox_service.counts(),
                           failed=outbox_service.failed_entries())


@bp.post("/outbox/<int:entry_id>/retry")
@permission(Role.ADMIN)
def outbox_retry(entry_id: int):
    if outbox_service.retry_failed(entry_id):
        flash(_("The delivery is queued again."))
    return redirect(url_for("admin.outbox"), 303)


@bp.get("/plugins")
@permission(Role.ADMIN)
def plugins():
    return render_template("admin/plugins.html", plugins=plugin_failures.overview())
