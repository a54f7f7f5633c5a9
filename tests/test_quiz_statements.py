"""The quiz's round trips, on SQLite and PostgreSQL: each step of the flow (start, question
page, autosave, submit) sends the database only the statements it needs (issue #15 item 7).
Each statement is a round trip on PostgreSQL and, for a write, time under SQLite's one writer
lock; the autosave runs on every answer a learner gives.

Only the quiz's own statements are counted (its tables), so the session load and the page
frame, which other code owns, can change without touching these numbers. Counts, not times:
they fail when a change re-reads a row, loads what a step never uses, or splits a write."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from elearn.extensions import db
from elearn.models import QuizAnswer, QuizAttempt

from kit import (
    attempt_row, csrf, make_site, right_answer_form, studied_learner, write_quiz_course,
)

SLUG = "khoa-quiz"
QUIZ = f"/courses/{SLUG}/quiz"
QUIZ_TABLES = re.compile(r"\b(quiz_attempts|quiz_answers|lesson_views|accommodations)\b")


@pytest.fixture
def site(make_app, course_root):
    write_quiz_course(course_root, SLUG, draw=5, time_limit=30)
    return make_site(make_app, course_root)


@pytest.fixture
def learner(site):
    return studied_learner(site, SLUG)


@contextmanager
def quiz_statements(app):
    """The statements on the quiz's tables sent while the block runs."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def note(conn, cursor, statement, parameters, context, executemany):
        if QUIZ_TABLES.search(statement):
            seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def reads(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if s.startswith("SELECT") and f"FROM {table}" in s]


def test_each_quiz_step_sends_only_the_statements_it_needs(site, learner):
    # PostgreSQL writes the attempt with its answer rows, the autosave's claim with its
    # answer, and the grades with the attempt's totals, each as one statement.
    postgresql = site.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    token = csrf(learner, f"{QUIZ}/")
    with quiz_statements(site) as start:
        response = learner.post(f"{QUIZ}/start", data={"csrf_token": token})
    assert response.status_code == 303
    path = response.headers["Location"].rsplit("/", 1)[0]
    attempt_id = int(path.rsplit("/", 1)[1])
    # The attempts (read once for the deadline check and the status) with the lessons
    # studied and the accommodation, in one statement; the attempt and its five empty
    # answers (on SQLite one executemany).
    writes = [s.split(" (")[0] for s in start if not s.startswith("SELECT")]
    if postgresql:
        assert len(start) == 2, start
        assert writes == ["WITH new_attempt AS"]
    else:
        assert len(start) == 3, start
        assert writes == ["INSERT INTO quiz_attempts", "INSERT INTO quiz_answers"]

    with quiz_statements(site) as page:
        assert learner.get(f"{path}/1").status_code == 200
    assert len(page) == 1, page  # the attempt with its saved answers, in one statement

    row = attempt_row(site, attempt_id)
    data = right_answer_form(site, SLUG, row, row.question_ids[0])
    with quiz_statements(site) as save:
        saved = learner.post(f"{path}/1", data={**data, "csrf_token": token, "go": "save"},
                             headers={"Accept": "application/json"})
    assert saved.status_code == 200 and saved.get_json()["saved"] is True
    # Find the attempt, claim its row, write the answer: no answer read, nothing re-read.
    assert len(save) == (2 if postgresql else 3), save
    assert not reads(save, "quiz_answers")

    with quiz_statements(site) as submit:
        done = learner.post(f"{path}/submit", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["Location"].endswith("/result")
    # Find, claim, read the answers (after the claim), grade them, record the grade.
    assert len(submit) == (4 if postgresql else 5), submit
    assert len(reads(submit, "quiz_attempts")) == 1

    # And the flow did what it always did: the saved answer was graded.
    with site.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        first = db.session.scalar(select(QuizAnswer).where(
            QuizAnswer.attempt_id == attempt_id, QuizAnswer.question_id == row.question_ids[0]))
        assert attempt.state == "finished" and attempt.closed_by == "submit"
        assert first.response is not None and first.fraction == 1.0
        assert attempt.points == first.points and attempt.max_points == 5.0


def test_a_question_page_shown_again_in_english_shows_english_choices(site, learner):
    """The question views are kept per attempt, language included: the same page in the
    other language never shows the first language's choices."""
    token = csrf(learner, f"{QUIZ}/")
    path = learner.post(f"{QUIZ}/start", data={"csrf_token": token}) \
        .headers["Location"].rsplit("/", 1)[0]
    row = attempt_row(site, int(path.rsplit("/", 1)[1]))
    number = row.question_ids.index("q-single") + 1 if "q-single" in row.question_ids else None
    if number is None:  # not drawn this time: the multiple choice question always has texts
        number = row.question_ids.index("q-multiple") + 1
        vietnamese, english = "Phong cách", "Style"
    else:
        vietnamese, english = "Năm 2016", "In 2016"
    first = learner.get(f"{path}/{number}").get_data(as_text=True)
    assert vietnamese in first and english not in first
    learner.post("/language", data={"csrf_token": token, "language": "en"})
    again = learner.get(f"{path}/{number}").get_data(as_text=True)
    assert english in again and vietnamese not in again
