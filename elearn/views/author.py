"""Course authors: question statistics; publishing a course (upload, check, diff, preview)."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from ..forms import CourseUploadForm
from ..labels import package_status_label
from ..models import Role
from ..registry import current_registry
from ..security import permission
from ..services import course_packages
from ..services.question_stats import question_stats

bp = Blueprint("author", __name__, url_prefix="/author")


@bp.get("/")
@permission(Role.AUTHOR)
def index():
    return render_template("author/index.html", courses=current_registry().courses.values())


@bp.get("/courses/<slug>/questions")
@permission(Role.AUTHOR)
def questions(slug: str):
    course = current_registry().course(slug)
    if course is None or course.quiz is None:
        abort(404)
    prompts = {q.id: q.prompt for q in course.quiz.questions}
    return render_template("author/questions.html", course=course, stats=question_stats(slug),
                           prompts=prompts)


# -- publishing (issue #13): upload, check report and diff, preview ------------------------

@bp.route("/courses/upload", methods=["GET", "POST"])
@permission(Role.AUTHOR)
def upload():
    form = CourseUploadForm()
    if request.method == "GET":
        return _upload_page(form)
    if not form.validate_on_submit():
        return _upload_page(form, status=400)
    file = form.file.data
    try:
        package = course_packages.stage(file.read(), file.filename or "course.zip",
                                        current_user.id)
    except course_packages.PackageRefused as refused:
        return _upload_page(form, status=400, refused=refused.args[0])
    return redirect(url_for("author.package", package_id=package.id), 303)


def _upload_page(form: CourseUploadForm, status: int = 200, **context):
    return render_template("author/upload.html", form=form,
                           packages=course_packages.recent_packages(),
                           package_status_label=package_status_label, **context), status


@bp.get("/courses/<int:package_id>")
@permission(Role.AUTHOR)
def package(package_id: int):
    view = course_packages.package_view(package_id)
    if view is None:
        abort(404)
    return render_template("author/package.html", view=view, report=view.report,
                           package_status_label=package_status_label)


@bp.get("/courses/<int:package_id>/preview")
@permission(Role.AUTHOR)
def package_preview(package_id: int):
    view = course_packages.package_view(package_id)
    if view is None:
        abort(404)
    return _preview(view.report, back=url_for("author.package", package_id=package_id))


@bp.get("/preview/<slug>")
@permission(Role.AUTHOR)
def preview(slug: str):
    found = course_packages.preview_site_course(slug)
    if found is None:
        abort(404)
    return _preview(found[1], back=url_for("author.index"), folder=found[0])


def _preview(report, back: str, folder=None):
    language = str(get_locale())
    questions = (course_packages.preview_questions(report.course, language)
                 if report.course is not None else [])
    return render_template("author/preview.html", report=report, course=report.course,
                           questions=questions, language=language, back=back, folder=folder)
