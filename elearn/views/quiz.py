"""The learner's quiz: overview, one question a page with autosave, summary, submit, review.

Thin: the rules (drawing, the clock, saving, grading once, review policy) live in
elearn.services.quiz. Every form works without JavaScript; static/learn.js only saves each
answer as it changes (the same POST, asking for JSON) and runs the countdown.
"""
from __future__ import annotations

from flask import (
    Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for,
)
from flask_babel import format_time, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from ..clock import local_today, utcnow
from ..form_base import AppForm

from ..interfaces import InvalidAnswer
from ..security import AUTHENTICATED, permission
from ..services import next_steps
from ..services import quiz as quiz_service
from .courses import course_or_404

bp = Blueprint("quiz", __name__, url_prefix="/courses/<slug>/quiz")


class ActionForm(AppForm):
    """CSRF only: start, submit."""


class AnswerForm(AppForm):
    """One field, `answer`: the question type's (unbound) field, given per form. WTForms
    takes its fields from the class; a class made per request (for its one field) cost the
    question page and the autosave ~0.2 ms each, mostly WTForms scanning the new class."""

    def __init__(self, field, **kwargs):
        self._unbound_fields = [("answer", field)]  # what Form.__init__ binds
        super().__init__(**kwargs)


def answer_form(course, presented, prefix: str = ""):
    """A form with one field, `answer`, built by the question's type. On a POST it reads the
    request; otherwise it shows the saved answer."""
    if request.method == "POST":
        return AnswerForm(presented.field, prefix=prefix)
    saved = quiz_service.saved_field_data(course, presented)
    return AnswerForm(presented.field, formdata=None, data={"answer": saved}, prefix=prefix)


def _language() -> str:
    return str(get_locale() or "vi")


def _course_with_quiz(slug: str):
    course = course_or_404(slug)
    if course.quiz is None:
        abort(404)
    return course


def _attempt_or_404(course, attempt_id: int, *, with_answers: bool = True,
                   close_others: bool = True):
    """The learner's attempt, closed and graded first if its time ran out (with its saved
    answers, unless the page never shows them)."""
    attempt = quiz_service.open_attempt(current_user, course, attempt_id,
                                        with_answers=with_answers, close_others=close_others)
    if attempt is None:
        abort(404)
    return attempt


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.get("/")
@permission(AUTHENTICATED)
def overview(slug: str):
    course = _course_with_quiz(slug)
    status = quiz_service.current_status(current_user, course)
    resume_at = None
    if status.in_progress is not None:
        presented = quiz_service.present(course, status.in_progress, _language(), lazy=True)
        resume_at = next((p.number for p in presented if not p.answered), 1)
    return render_template("quiz.html", course=course, status=status, form=ActionForm(),
                           resume_at=resume_at,
                           seconds_left=quiz_service.seconds_left(status.in_progress)
                           if status.in_progress else None)


@bp.post("/start")
@permission(AUTHENTICATED)
def start(slug: str):
    course = _course_with_quiz(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        attempt = quiz_service.start_attempt(current_user, course)
    except quiz_service.QuizError as error:
        flash(str(error.message), "error")
        return redirect(url_for("quiz.overview", slug=slug), 303)
    return redirect(url_for("quiz.question", slug=slug, attempt_id=attempt.id, number=1), 303)


def _closed(course, attempt):
    """Where a request for a finished attempt goes."""
    if wants_json():
        return jsonify(saved=False, closed=True,
                       message=_("This attempt is closed; your saved answers were graded."),
                       redirect=url_for("quiz.result", slug=course.slug,
                                        attempt_id=attempt.id)), 409
    flash(_("This attempt is closed; your saved answers were graded."), "status")
    return redirect(url_for("quiz.result", slug=course.slug, attempt_id=attempt.id), 303)


@bp.route("/<int:attempt_id>/<int:number>", methods=["GET", "POST"])
@permission(AUTHENTICATED)
def question(slug: str, attempt_id: int, number: int):
    course = _course_with_quiz(slug)
    # The autosave (a POST) reads no saved answer: it only writes one.
    attempt = _attempt_or_404(course, attempt_id, with_answers=request.method == "GET")
    if not attempt.in_progress:
        return _closed(course, attempt)
    questions = quiz_service.present(course, attempt, _language(), lazy=True, current=number)
    if not 1 <= number <= len(questions):
        abort(404)
    current = questions[number - 1]
    form = answer_form(course, current)
    error = None
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                answer = quiz_service.parse_answer(course, current, form.answer.data)
            except InvalidAnswer as invalid:
                error = str(invalid)
            else:
                if not quiz_service.save_answer(course, attempt, current.question, answer):
                    return _closed(course, attempt)
                return _after_save(course, attempt, number, len(questions))
        else:
            error = "; ".join(str(e) for e in form.answer.errors) or _(
                "Your answer could not be saved. Please check it and try again.")
        if wants_json():
            return jsonify(saved=False, message=error), 400
    return render_template("quiz_question.html", course=course, attempt=attempt,
                           questions=questions, current=current, form=form, error=error,
                           seconds_left=quiz_service.seconds_left(attempt),
                           question_labels=_question_labels(len(questions))), \
        400 if error else 200


def _question_labels(count: int) -> tuple[str, ...]:
    """"Question 1" … "Question <count>" in the reader's language, for the page's button per
    question: made once per language and count, not translated and formatted again for every
    button of every view (a third of the page's translations)."""
    made = current_app.extensions.setdefault("elearn.question_labels", {})
    key = (str(get_locale()), count)
    labels = made.get(key)
    if labels is None:
        labels = made[key] = tuple(_("Question %(num)d", num=number)
                                   for number in range(1, count + 1))
    return labels


def _after_save(course, attempt, number: int, count: int):
    if wants_json():
        saved_at = format_time(utcnow(), "medium")
        return jsonify(saved=True, message=_("Saved at %(time)s", time=saved_at),
                       seconds_left=quiz_service.seconds_left(attempt))
    go = request.form.get("go", "save")
    target = number
    if go == "next":
        target = number + 1
    elif go == "previous":
        target = number - 1
    elif go.isascii() and go.isdigit():  # "²".isdigit() is true, int("²") fails
        target = int(go)
    if go == "summary" or target > count:
        return redirect(url_for("quiz.summary", slug=course.slug, attempt_id=attempt.id), 303)
    if go == "save":
        flash(_("Your answer was saved."), "status")
    target = min(max(target, 1), count)
    return redirect(url_for("quiz.question", slug=course.slug, attempt_id=attempt.id,
                            number=target), 303)


@bp.get("/<int:attempt_id>/summary")
@permission(AUTHENTICATED)
def summary(slug: str, attempt_id: int):
    course = _course_with_quiz(slug)
    attempt = _attempt_or_404(course, attempt_id)
    if not attempt.in_progress:
        return _closed(course, attempt)
    questions = quiz_service.present(course, attempt, _language(), lazy=True)
    return render_template("quiz_summary.html", course=course, attempt=attempt,
                           questions=questions, form=ActionForm(),
                           seconds_left=quiz_service.seconds_left(attempt))


@bp.post("/<int:attempt_id>/submit")
@permission(AUTHENTICATED)
def submit(slug: str, attempt_id: int):
    course = _course_with_quiz(slug)
    attempt = _attempt_or_404(course, attempt_id, with_answers=False)  # grading reads them
    if not ActionForm().validate_on_submit():
        abort(400)
    graded_now = attempt.in_progress and quiz_service.submit(course, attempt)
    if attempt.closed_by == quiz_service.CLOSED_BY_DEADLINE:
        flash(_("The time ran out; your saved answers were graded."), "status")
    elif graded_now:
        flash(_("Your attempt was submitted."), "status")
    else:
        flash(_("This attempt was already submitted; it was graded once."), "status")
    return redirect(url_for("quiz.result", slug=slug, attempt_id=attempt.id), 303)


@bp.get("/<int:attempt_id>/result")
@permission(AUTHENTICATED)
def result(slug: str, attempt_id: int):
    course = _course_with_quiz(slug)
    # current_status closes any other attempt of the person that ran out (one read of them).
    attempt = _attempt_or_404(course, attempt_id, close_others=False)
    if attempt.in_progress:
        return redirect(url_for("quiz.question", slug=slug, attempt_id=attempt.id, number=1))
    status = quiz_service.current_status(current_user, course)
    review = quiz_service.review(course, attempt, status, _language())
    # One page shows every question: a prefix per question keeps the element ids unique.
    forms = {item.presented.number: answer_form(course, item.presented, prefix=f"q{item.presented.number}")
             for item in review.items}
    # Passing is not the end: the certificate, then the year's pledge, are the next steps.
    certificate = next_steps.certificate_codes(current_user, [slug]).get(slug) \
        if status.passed else None
    plan = next_steps.year_plan(current_user, local_today().year) if certificate else None
    return render_template("quiz_result.html", course=course, attempt=attempt, status=status,
                           review=review, forms=forms, form=ActionForm(),
                           certificate=certificate, plan=plan)
