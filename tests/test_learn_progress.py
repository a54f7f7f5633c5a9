"""The learner's catalogue and lessons, on SQLite and PostgreSQL: courses for the person's
audience grouped by kind and year with progress; lessons counted as studied only after the
course's reading time on the server clock; learner state stamped with the course version
and content hash; lesson HTML rendered once per content hash, not per request."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from elearn.content import loader
from elearn.extensions import db
from elearn.models import Completion, LessonView
from elearn.testing import login

from kit import (
    PASSWORD, answer, attempt_row, csrf, make_site, pass_time, start_attempt,
    study_everything, submit, user_id, write_quiz_course,
)

SLUG = "khoa-quiz"


@pytest.fixture
def site(make_app, course_root):
    write_quiz_course(course_root, "toan-khoa", kind="full_term", year=2021, audience="cadre")
    write_quiz_course(course_root, "nam-2023", kind="annual", year=2023, audience="all")
    write_quiz_course(course_root, SLUG, kind="annual", year=2025, audience="all")
    write_quiz_course(course_root, "sinh-vien", kind="student", year=2025, audience="student")
    return make_site(make_app, course_root)


def signed_in(site, username="hocvien", language=None):
    client = site.test_client()
    if language:
        client.set_cookie("lang", language)
    login(client, username, PASSWORD)
    return client


def headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).strip()
            for h in re.findall(r"<h[34][^>]*>(.*?)</h[34]>", html, re.S)]


def test_the_catalogue_shows_the_persons_audience_grouped_by_kind_and_year(site):
    cadre = signed_in(site).get("/").get_data(as_text=True)
    assert headings(cadre)[:5] == ["Chuyên đề toàn khóa", "Năm 2021", "Chuyên đề năm",
                                   "Năm 2025", "Năm 2023"]
    assert "Khóa học thử sinh-vien" not in cadre and "Khóa học thử toan-khoa" in cadre
    student = signed_in(site, "sinhvien", "en").get("/").get_data(as_text=True)
    assert "Trial course sinh-vien" in student and "Trial course toan-khoa" not in student
    assert "Student courses" in headings(student) and "Full-term topics" not in student
    # a course outside one's audience is not for them by its address either
    assert signed_in(site, "sinhvien").get("/courses/toan-khoa/").status_code == 404
    assert signed_in(site).get("/courses/sinh-vien/lessons/01-mot").status_code == 404


def test_each_course_has_a_progress_bar_from_lessons_and_quiz(site):
    client = signed_in(site, language="en")
    page = client.get("/").get_data(as_text=True)
    # three course folders for a cadre (not the student one) and the plugin's course
    assert page.count("<progress") == 4 and '<progress max="3" value="0"' in page
    assert "0% done" in page and "0 of 2 lessons studied" in page
    lesson = f"/courses/{SLUG}/lessons/01-mot"
    client.get(lesson)
    pass_time(site)
    client.post(f"{lesson}/studied", data={"csrf_token": csrf(client, lesson), "go": "stay"})
    page = client.get("/").get_data(as_text=True)
    assert "33% done" in page and "1 of 2 lessons studied" in page


def test_a_lesson_counts_only_after_the_reading_time_on_the_server_clock(site):
    client = signed_in(site)
    first = f"/courses/{SLUG}/lessons/01-mot"
    page = client.get(first).get_data(as_text=True)
    assert "Bài 1/2" in page and "Khoảng 2 phút đọc" in page
    assert 'rel="next" href="/courses/khoa-quiz/lessons/02-hai"' in page
    assert "sau 60 giây nữa" in page
    refused = client.post(f"{first}/studied", data={"csrf_token": csrf(client, first),
                                                    "go": "next"})
    assert refused.status_code == 303 and refused.headers["Location"] == first + "#study"
    page = client.get(first).get_data(as_text=True)
    assert re.search(r"Vui lòng tiếp tục đọc: bạn có thể đánh dấu đã học bài này sau "
                     r"(59|60) giây nữa\.", page)
    # opening it again does not restart the clock, but it has not run out either
    with site.app_context():
        view = db.session.scalar(select(LessonView))
        assert view.studied_at is None
    pass_time(site, 61)
    moved = client.post(f"{first}/studied", data={"csrf_token": csrf(client, first),
                                                  "go": "next"})
    assert moved.headers["Location"] == f"/courses/{SLUG}/lessons/02-hai"
    english = signed_in(site, language="en").get(first).get_data(as_text=True)
    assert "✓ Studied" in english and 'rel="prev"' not in english


def test_studying_without_opening_the_lesson_starts_the_clock_instead(site):
    client = signed_in(site)
    second = f"/courses/{SLUG}/lessons/02-hai"
    token = csrf(client, f"/courses/{SLUG}/")
    response = client.post(f"{second}/studied", data={"csrf_token": token},
                           follow_redirects=True)
    assert "sau 60 giây nữa" in response.get_data(as_text=True)


def test_learner_state_names_the_course_version_and_content_hash(site):
    client = signed_in(site)
    course = site.extensions["elearn.registry"].course(SLUG)
    study_everything(site, client, SLUG)
    attempt_id = start_attempt(client, SLUG)
    with site.app_context():
        views = db.session.scalars(select(LessonView).where(
            LessonView.user_id == user_id(site, "hocvien"))).all()
        assert {(v.course_slug, v.course_version, v.content_hash) for v in views} == \
            {(SLUG, "2.1", course.content_hash)}
        assert all(v.studied_at >= v.opened_at for v in views)
    attempt = attempt_row(site, attempt_id)
    assert (attempt.course_slug, attempt.course_version, attempt.content_hash) == \
        (SLUG, "2.1", course.content_hash)


def test_finishing_the_course_shows_full_progress_in_both_languages(site):
    client = signed_in(site)
    course = site.extensions["elearn.registry"].course(SLUG)
    study_everything(site, client, SLUG)
    attempt_id = start_attempt(client, SLUG)
    for number in range(1, 6):
        answer(site, client, SLUG, attempt_id, number)
    submit(client, SLUG, attempt_id)
    page = client.get(f"/courses/{SLUG}/").get_data(as_text=True)
    assert '<progress max="3" value="3"' in page and "Hoàn thành 100%" in page
    assert "✓ Đạt" in page
    with site.app_context():  # passing completed the course: its record names what was studied
        completion = db.session.scalar(select(Completion))
        assert (completion.course_slug, completion.course_version, completion.content_hash) \
            == (SLUG, "2.1", course.content_hash)
        assert completion.user_id == user_id(site, "hocvien") and completion.score == 100.0
    client.set_cookie("lang", "en")
    assert "100% done" in client.get("/").get_data(as_text=True)


def test_dates_and_numbers_are_localised(site):
    client = signed_in(site)
    course = site.extensions["elearn.registry"].course(SLUG)
    for lesson in course.lessons:
        client.get(f"/courses/{SLUG}/lessons/{lesson.slug}")
    pass_time(site)
    path = f"/courses/{SLUG}/lessons/01-mot"
    client.post(f"{path}/studied", data={"csrf_token": csrf(client, path)})
    vi = client.get(path).get_data(as_text=True)
    client.set_cookie("lang", "en")
    en = client.get(path).get_data(as_text=True)
    # Vietnamese short dates put the day first; English ones the month (with AM/PM)
    assert re.search(r"\d{2}:\d{2} \d{1,2}/\d{1,2}/\d{2}", vi), vi
    assert re.search(r"\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2}\s?[AP]M", en), en
    with site.test_request_context():
        from flask_babel import format_decimal, force_locale

        with force_locale("vi"):
            assert format_decimal(2.5) == "2,5"
    half = client.get("/")  # 1 of 3 steps: a localised percent
    assert "33% done" in half.get_data(as_text=True)


def test_lesson_markdown_is_rendered_once_at_load_not_per_request(make_app, course_root,
                                                                   monkeypatch):
    calls = []
    original = loader.render_markdown

    def counting(text):
        calls.append(text)
        return original(text)

    monkeypatch.setattr(loader, "render_markdown", counting)
    write_quiz_course(course_root, SLUG)
    site = make_site(make_app, course_root)
    assert calls  # rendered while the course loaded (the Course carries its content hash)
    calls.clear()
    client = signed_in(site)
    for _ in range(3):
        page = client.get(f"/courses/{SLUG}/lessons/02-hai").get_data(as_text=True)
        assert "<h2>Phần 2</h2>" in page
    assert calls == []
