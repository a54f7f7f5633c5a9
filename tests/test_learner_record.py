"""Reading a learner's record never writes; closing a timed-out attempt is an explicit step.

Before, building the record a completion rule judges went through the quiz's status, which
closed and graded expired attempts and then issued the completion from inside the read. Now
the read is only a read, and the pages that show the quiz close expired attempts first, so
what the learner sees is unchanged.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.models import AuditEntry, Completion, QuizAttempt, User
from elearn.services import quiz
from elearn.services.learner_record import learner_record
from elearn.testing import login

from kit import (
    PASSWORD, answer, attempt_row, make_site, pass_time, start_attempt, study_everything,
    write_quiz_course,
)

SLUG = "khoa-quiz"


@pytest.fixture
def site(make_app, course_root):
    write_quiz_course(course_root, SLUG, time_limit=10, draw=3)
    return make_site(make_app, course_root)


@pytest.fixture
def timed_out(site):
    """A learner who studied every lesson and answered every question right, then let the
    quiz's time run out without submitting: (client, attempt id)."""
    client = site.test_client()
    login(client, "hocvien", PASSWORD)
    study_everything(site, client, SLUG)
    attempt_id = start_attempt(client, SLUG)
    for number in range(1, len(attempt_row(site, attempt_id).question_ids) + 1):
        answer(site, client, SLUG, attempt_id, number)
    pass_time(site, 11 * 60)
    return client, attempt_id


def _completions() -> int:
    return db.session.scalar(select(func.count()).select_from(Completion))


def _learner(site) -> tuple[User, object]:
    course = site.extensions["elearn.registry"].course(SLUG)
    return db.session.scalar(select(User).where(User.username == "hocvien")), course


def test_reading_the_record_or_the_quiz_status_closes_nothing(site, timed_out):
    _client, attempt_id = timed_out
    with site.app_context():
        user, course = _learner(site)
        audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
        record = learner_record(user, course)
        status = quiz.status(user, course)
        assert record.quiz_passed is False and record.best_score is None
        assert status.in_progress is not None and status.in_progress.id == attempt_id
        assert _completions() == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
    assert attempt_row(site, attempt_id).state == "in_progress"


def test_close_expired_grades_once_and_issues_the_completion(site, timed_out):
    _client, attempt_id = timed_out
    with site.app_context():
        user, course = _learner(site)
        assert quiz.close_expired(user, course) == 1
        assert quiz.close_expired(user, course) == 0  # already closed: nothing more happens
        assert learner_record(user, course).quiz_passed is True
        assert _completions() == 1
    attempt = attempt_row(site, attempt_id)
    assert attempt.state == "finished" and attempt.closed_by == "deadline"
    assert attempt.score == 100.0 and attempt.passed


def test_opening_the_course_page_shows_the_timed_out_attempt_graded(site, timed_out):
    client, attempt_id = timed_out
    page = client.get(f"/courses/{SLUG}/")
    assert page.status_code == 200
    attempt = attempt_row(site, attempt_id)
    assert attempt.state == "finished" and attempt.passed
    with site.app_context():
        assert _completions() == 1
        assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1
