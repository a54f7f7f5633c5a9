"""Course pages, lessons (with the server-side reading clock) and course assets."""
from __future__ import annotations

from flask import (
    Blueprint, abort, flash, redirect, render_template, request, send_from_directory, url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from ..form_base import AppForm

from ..content.model import Course
from ..registry import current_registry
from ..security import AUTHENTICATED, permission
from ..services import catalogue, next_steps, progress
from ..services import quiz as quiz_service

bp = Blueprint("courses", __name__, url_prefix="/courses")

def course_or_404(slug: str) -> Course:
    """The course, if it exists and the signed-in person may open it."""
    course = current_registry().course(slug)
    if course is None or not catalogue.may_study(course, current_user):
        abort(404)
    return course


STUDY_ANCHOR = "study"
"""The id of the lesson page's study section, and the flash category shown inside it."""


class StudiedForm(AppForm):
    """Just the CSRF token; the button pressed says where to go next."""


@bp.get("/<slug>/")
@permission(AUTHENTICATED)
def course(slug: str):
    course = course_or_404(slug)
    views = progress.lesson_views(current_user, course)
    quiz_status = None
    if course.quiz:
        quiz_service.close_expired(current_user, course)  # shows a timed-out attempt graded
        quiz_status = quiz_service.status(current_user, course)
    certificate = next_steps.certificate_codes(current_user, [course.slug]).get(course.slug)
    return render_template("course.html", course=course, views=views,
                           progress=progress.course_progress(current_user, course),
                           quiz_status=quiz_status, certificate=certificate,
                           resume=next_steps.resume_lesson(course, views))


def _neighbours(course: Course, lesson):
    index = lesson.position - 1
    previous = course.lessons[index - 1] if index > 0 else None
    following = course.lessons[index + 1] if index + 1 < len(course.lessons) else None
    return previous, following


@bp.get("/<slug>/lessons/<lesson_slug>")
@permission(AUTHENTICATED)
def lesson(slug: str, lesson_slug: str):
    course = course_or_404(slug)
    lesson = course.lesson(lesson_slug)
    if lesson is None:
        abort(404)
    view = progress.open_lesson(current_user, course, lesson)  # starts the reading clock
    previous, following = _neighbours(course, lesson)
    return render_template("lesson.html", course=course, lesson=lesson, view=view,
                           html=lesson.html_for(str(get_locale())),
                           reading_seconds_left=progress.reading_seconds_left(course, view),
                           study_anchor=STUDY_ANCHOR,
                           previous=previous, following=following)


@bp.post("/<slug>/lessons/<lesson_slug>/studied")
@permission(AUTHENTICATED)
def studied(slug: str, lesson_slug: str):
    course = course_or_404(slug)
    lesson = course.lesson(lesson_slug)
    if lesson is None:
        abort(404)
    here = url_for("courses.lesson", slug=slug, lesson_slug=lesson_slug)
    if not StudiedForm().validate_on_submit():
        abort(400)
    if course.quiz:  # a timed-out pass counts towards the completion this lesson may bring
        quiz_service.close_expired(current_user, course)
    result = progress.mark_studied(current_user, course, lesson)
    if not result.studied:
        flash(ngettext("Please keep reading: you can mark this lesson as studied in "
                       "%(num)d second.",
                       "Please keep reading: you can mark this lesson as studied in "
                       "%(num)d seconds.", result.reading_seconds_left), STUDY_ANCHOR)
        # Back to the button, not the top of a long lesson: the reader keeps their place and
        # the message is shown there (lesson.html shows this category inside #study).
        return redirect(f"{here}#{STUDY_ANCHOR}", 303)
    _previous, following = _neighbours(course, lesson)
    go = request.form.get("go")
    if go == "next" and following is not None:
        return redirect(url_for("courses.lesson", slug=slug, lesson_slug=following.slug), 303)
    if go == "next" and course.quiz is not None:
        flash(_("Lesson studied. You have reached the end of the lessons."), "status")
        return redirect(url_for("quiz.overview", slug=slug), 303)
    flash(_("Lesson studied."), "status")
    return redirect(here if go != "course" else url_for("courses.course", slug=slug), 303)


@bp.get("/<slug>/assets/<path:filename>")
@permission(AUTHENTICATED)
def asset(slug: str, filename: str):
    course = course_or_404(slug)
    if course.assets_path is None:
        abort(404)
    # send_from_directory refuses paths that escape the folder. An author's SVG or HTML
    # opened directly must not run script on our origin: sandbox it.
    response = send_from_directory(course.assets_path, filename)
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
