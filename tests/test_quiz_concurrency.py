"""Real concurrent requests through a real threaded WSGI server, on SQLite and PostgreSQL:
a double click, two tabs or a replayed request grade an attempt once; two tabs starting the
quiz get one attempt; saves racing a submit are either in the grade or refused."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.models import QuizAnswer, QuizAttempt
from elearn.services import quiz as quiz_service
from elearn.testing import Browser, serve

from kit import (
    PASSWORD, attempt_row, make_site, pass_time, right_answer_form, write_quiz_course,
)

SLUG = "khoa-quiz"
QUIZ = f"/courses/{SLUG}/quiz/"


@pytest.fixture
def served(make_app, course_root):
    write_quiz_course(course_root, SLUG, min_reading=0, requires_lessons=False)
    app = make_site(make_app, course_root)
    with serve(app) as base:
        browser = Browser(base)
        browser.login("hocvien", PASSWORD)
        yield app, browser


def at_once(count: int, action) -> list:
    """Run `action(i)` in `count` threads released together; return their results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = action(index)
        except Exception as error:  # noqa: BLE001 - reported by the assertions
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def start(browser: Browser) -> int:
    status, headers, _ = browser.open("POST", f"{QUIZ}start",
                                         {"csrf_token": browser.csrf(QUIZ)})
    assert status == 303
    return int(headers["Location"].rstrip("/").split("/")[-2])


@pytest.fixture
def counted_grading(monkeypatch):
    """Count the gradings, and make each slow so racing requests overlap for real."""
    calls = []
    grade = quiz_service._grade_answers

    def slow_grade(course, answers):
        calls.append(threading.get_ident())
        time.sleep(0.3)
        return grade(course, answers)

    monkeypatch.setattr(quiz_service, "_grade_answers", slow_grade)
    return calls


def test_concurrent_submits_grade_the_attempt_once(served, counted_grading):
    app, browser = served
    attempt_id = start(browser)
    attempt = attempt_row(app, attempt_id)
    for number, question_id in enumerate(attempt.question_ids[:3], start=1):
        data = right_answer_form(app, SLUG, attempt, question_id)
        data.update(csrf_token=browser.csrf(f"{QUIZ}{attempt_id}/{number}"), go="save")
        assert browser.open("POST", f"{QUIZ}{attempt_id}/{number}", data)[0] == 303
    token = browser.csrf(QUIZ)
    results = at_once(8, lambda _: browser.open(
        "POST", f"{QUIZ}{attempt_id}/submit", {"csrf_token": token}))
    assert [r[0] for r in results] == [303] * 8, results
    assert all(r[1]["Location"].endswith(f"/{attempt_id}/result") for r in results)
    assert len(counted_grading) == 1
    graded = attempt_row(app, attempt_id)
    assert graded.state == "finished" and graded.score == 60.0 and graded.points == 3.0
    with app.app_context():
        points = db.session.scalar(select(func.sum(QuizAnswer.points)).where(
            QuizAnswer.attempt_id == attempt_id))
    assert points == 3.0


def test_submits_racing_the_deadline_grade_once(served, counted_grading):
    app, browser = served
    with app.app_context():  # give the attempt a deadline, then let it pass
        attempt_id = start(browser)
        attempt = db.session.get(QuizAttempt, attempt_id)
        attempt.deadline = attempt.started_at
        db.session.commit()
    pass_time(app, 60)
    token = browser.csrf("/")  # a page that does not touch the attempt
    results = at_once(6, lambda i: browser.open(
        *(("POST", f"{QUIZ}{attempt_id}/submit", {"csrf_token": token}) if i % 2
          else ("GET", f"{QUIZ}{attempt_id}/1"))))
    assert sorted(r[0] for r in results) == [303] * 6, results
    assert len(counted_grading) == 1
    assert attempt_row(app, attempt_id).closed_by == "deadline"


def test_two_tabs_starting_at_once_get_one_attempt(served):
    app, browser = served
    token = browser.csrf(QUIZ)
    results = at_once(6, lambda _: browser.open("POST", f"{QUIZ}start",
                                                   {"csrf_token": token}))
    assert [r[0] for r in results] == [303] * 6, results
    assert len({r[1]["Location"] for r in results}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_saves_racing_a_submit_are_graded_or_refused_never_lost(served):
    app, browser = served
    attempt_id = start(browser)
    attempt = attempt_row(app, attempt_id)
    token = browser.csrf(QUIZ)
    posts = []
    for number, question_id in enumerate(attempt.question_ids, start=1):
        data = right_answer_form(app, SLUG, attempt, question_id)
        data.update(csrf_token=token, go="save")
        posts.append((f"{QUIZ}{attempt_id}/{number}", data))

    def act(index: int):
        if index == len(posts):
            return browser.open("POST", f"{QUIZ}{attempt_id}/submit", {"csrf_token": token})
        path, data = posts[index]
        return browser.open("POST", path, data, {"Accept": "application/json"})

    results = at_once(len(posts) + 1, act)
    saves, submitted = results[:-1], results[-1]
    assert submitted[0] == 303
    assert {r[0] for r in saves} <= {200, 409}, saves
    accepted = sum(1 for r in saves if r[0] == 200)
    graded = attempt_row(app, attempt_id)
    # every save the server accepted is in the grade; every refused one changed nothing
    assert graded.points == accepted and graded.score == accepted * 20.0
    with app.app_context():
        answers = db.session.scalars(select(QuizAnswer).where(
            QuizAnswer.attempt_id == attempt_id)).all()
        assert sum(a.response is not None for a in answers) == accepted
        assert all(a.saved_at <= graded.finished_at for a in answers if a.saved_at)
