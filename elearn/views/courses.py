"""Course pages, lessons and course assets."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, send_from_directory
from flask_babel import get_locale

from ..registry import current_registry
from ..security import AUTHENTICATED, permission

bp = Blueprint("courses", __name__, url_prefix="/courses")


def _course_or_404(slug: str):
    course = current_registry().course(slug)
    if course is None:
        abort(404)
    return course


@bp.get("/<slug>/")
@permission(AUTHENTICATED)
def course(slug: str):
    return render_template("course.html", course=_course_or_404(slug))


@bp.get("/<slug>/lessons/<lesson_slug>")
@permission(AUTHENTICATED)
def lesson(slug: str, lesson_slug: str):
    course = _course_or_404(slug)
    lesson = course.lesson(lesson_slug)
    if lesson is None:
        abort(404)
    index = lesson.position - 1
    previous = course.lessons[index - 1] if index > 0 else None
    following = course.lessons[index + 1] if index + 1 < len(course.lessons) else None
    return render_template("lesson.html", course=course, lesson=lesson,
                           html=lesson.html_for(str(get_locale())),
                           previous=previous, following=following)


@bp.get("/<slug>/assets/<path:filename>")
@permission(AUTHENTICATED)
def asset(slug: str, filename: str):
    course = _course_or_404(slug)
    if course.assets_path is None:
        abort(404)
    # send_from_directory refuses paths that escape the folder.
    return send_from_directory(course.assets_path, filename)
