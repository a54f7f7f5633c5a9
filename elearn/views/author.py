"""Question statistics for course authors."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..models import Role
from ..registry import current_registry
from ..security import permission
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
