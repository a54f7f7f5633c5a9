"""Issue 14, the learner's next step, on SQLite and PostgreSQL through the test client: the
home page's plan for the year (courses, pledge, deadline, whom the person waits for), the
course page's resume button and locked-quiz reason, the result page's "course complete" with
the certificate and the pledge, the reading time without JavaScript (back to the button, the
message there), the key shown for a wrong answer, and the autosave's "answered" answer."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from elearn.clock import local_today
from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import Completion, Pledge, Position, StudyPlan, Unit
from elearn.services import codes
from elearn.services.accounts import create_user, find_user
from elearn.services.committees import set_seat
from elearn.services.orgs import create_unit
from elearn.testing import login

from kit import (
    PASSWORD, answer, attempt_row, csrf, make_site, pass_time, start_attempt,
    study_everything, submit, write_quiz_course,
)

SLUG = "khoa-quiz"
CERTIFICATE_LINK = re.compile(r'href="/certificates/[^"]')  # one certificate, not the menu
QUESTIONS = 5  # every question of the kit's bank, so each type is drawn


@pytest.fixture
def site(make_app, course_root):
    write_quiz_course(course_root, SLUG, draw=QUESTIONS, pass_mark=60)
    write_quiz_course(course_root, "khoa-khoa-dap-an", draw=QUESTIONS,
                      review="wrong_only_without_key")
    return make_site(make_app, course_root)


def signed_in(site, username="hocvien", language=None):
    client = site.test_client()
    if language:
        client.set_cookie("lang", language)
    login(client, username, PASSWORD)
    return client


def with_plan(site, *, superiors_first: bool = True) -> date:
    """This year's plan for the province: the trial course, a November deadline; a cell
    under it whose secretary and deputy file before its member `dangvien`."""
    year = local_today().year
    deadline = date(year, 11, 30)
    with site.app_context():
        province = db.session.scalar(select(Unit).where(Unit.code == "T"))
        cell = create_unit("CB1", "Chi bộ 1", "cell", province)
        create_user("dangvien", "Phạm Đảng Viên", PASSWORD, cell)
        secretary = create_user("bithu", "Lê Bí Thư", PASSWORD, cell)
        deputy = create_user("phobithu", "Võ Phó Bí Thư", PASSWORD, cell)
        set_seat(cell, secretary, Position.SECRETARY, None, commit=False)
        set_seat(cell, deputy, Position.DEPUTY, None, commit=False)
        db.session.add(StudyPlan(year=year, unit=province, title="Kế hoạch thử", audience="all",
                                 courses=json.dumps([SLUG]), deadline=deadline,
                                 superiors_first=superiors_first, template=DEFAULT_TEMPLATE))
        db.session.commit()
    return deadline


def file_pledge(site, username: str) -> None:
    with site.app_context():
        person = find_user(username)
        plan = db.session.scalar(select(StudyPlan))
        db.session.add(Pledge(user=person, plan=plan, year=plan.year, status="filed"))
        db.session.commit()


def rows(site) -> tuple[int, int]:
    with site.app_context():
        return (db.session.scalar(select(func.count(StudyPlan.id))),
                db.session.scalar(select(func.count(Pledge.id))))


def section(html: str, element_id: str) -> str:
    """The text of the element with this id, up to its closing tag (sections, divs)."""
    match = re.search(rf'<(section|div)[^>]*id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no #{element_id}"
    return match.group(2)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def pass_the_quiz(site, client, slug: str = SLUG) -> int:
    study_everything(site, client, slug)
    attempt_id = start_attempt(client, slug)
    for number in range(1, QUESTIONS + 1):
        assert answer(site, client, slug, attempt_id, number).status_code == 303
    assert submit(client, slug, attempt_id).status_code == 303
    return attempt_id


# -- the home page: this year's plan ------------------------------------------------------------

def test_the_home_page_shows_this_years_plan_and_whom_the_person_waits_for(site):
    deadline = with_plan(site)
    before = rows(site)
    client = signed_in(site, "dangvien")
    page = client.get("/").get_data(as_text=True)
    plan = text_of(section(page, "year-plan"))
    year = deadline.year
    assert f"Kế hoạch học tập năm {year} của bạn" in plan
    assert f"Hạn nộp bản đăng ký: 30/11/{year}" in plan
    assert "Các chuyên đề phải học (đã hoàn thành 0/1)" in plan
    assert f'href="/courses/{SLUG}/"' in section(page, "year-plan")
    assert "Khóa học thử khoa-quiz" in plan and "0 of 2" not in plan
    assert "chưa viết" in plan  # the pledge: not started
    # trên trước, dưới sau: the cell's secretary and deputy file first
    assert ("Đang chờ Lê Bí Thư, Võ Phó Bí Thư nộp trước (trên trước, dưới sau)."
            in plan), plan
    assert f'href="/pledges/{year}"' in section(page, "year-plan")
    assert rows(site) == before  # the home page only reads: no plan, no draft created

    file_pledge(site, "bithu")
    plan = text_of(section(client.get("/").get_data(as_text=True), "year-plan"))
    assert "Đang chờ Võ Phó Bí Thư nộp trước" in plan and "Lê Bí Thư" not in plan

    english = signed_in(site, "dangvien", "en").get("/").get_data(as_text=True)
    plan = text_of(section(english, "year-plan"))
    assert f"Your study plan for {year}" in plan and "Required courses (0 of 1 complete)" in plan
    assert "Waiting for Võ Phó Bí Thư to file first (superiors file first)." in plan


def test_the_secretary_waits_for_nobody_and_a_plan_without_the_rule_names_no_one(site):
    with_plan(site, superiors_first=False)
    for username in ("bithu", "dangvien"):
        plan = text_of(section(signed_in(site, username).get("/").get_data(as_text=True),
                               "year-plan"))
        assert "Đang chờ" not in plan, (username, plan)


def test_without_a_plan_for_the_year_the_home_page_shows_none_and_creates_none(site):
    page = signed_in(site).get("/").get_data(as_text=True)
    assert 'id="year-plan"' not in page and "Kế hoạch học tập năm" not in page
    assert rows(site) == (0, 0)
    assert 'id="year-plan"' not in site.test_client().get("/").get_data(as_text=True)


# -- the course page: resume, the quiz only when open -------------------------------------------

def test_the_course_page_resumes_at_the_first_unstudied_lesson_and_says_why_the_quiz_is_locked(
        site):
    client = signed_in(site)
    course = f"/courses/{SLUG}/"
    page = client.get(course).get_data(as_text=True)
    step = section(page, "next-step")
    assert f'href="/courses/{SLUG}/lessons/01-mot">Bắt đầu học bài 1</a>' in step
    assert f'/courses/{SLUG}/quiz/' not in page  # no way into a locked quiz
    assert "Bài kiểm tra mở sau khi bạn học xong tất cả các bài của khóa học." in page
    assert "0/2" in text_of(page)

    first = f"/courses/{SLUG}/lessons/01-mot"
    client.get(first)
    client.get(f"/courses/{SLUG}/lessons/02-hai")  # opened, not studied: still lesson 1
    assert "Tiếp tục bài 1" in section(client.get(course).get_data(as_text=True), "next-step")
    pass_time(site)
    client.post(f"{first}/studied", data={"csrf_token": csrf(client, first), "go": "stay"})
    step = section(client.get(course).get_data(as_text=True), "next-step")
    assert f'href="/courses/{SLUG}/lessons/02-hai">Tiếp tục bài 2</a>' in step
    english = signed_in(site, language="en").get(course).get_data(as_text=True)
    assert "Continue with lesson 2" in english and "1 of 2 lessons studied" in english

    second = f"/courses/{SLUG}/lessons/02-hai"
    client.post(f"{second}/studied", data={"csrf_token": csrf(client, second), "go": "stay"})
    page = client.get(course).get_data(as_text=True)
    step = section(page, "next-step")
    assert "Tiếp tục bài" not in step and "Bài kiểm tra mở sau" not in page
    assert f'<a class="button" href="/courses/{SLUG}/quiz/">Đến bài kiểm tra</a>' in step


# -- passing: course complete, the certificate, the pledge --------------------------------------

def test_passing_shows_course_complete_the_certificate_and_the_pledge_as_next_step(site):
    deadline = with_plan(site)
    client = signed_in(site, "dangvien")
    attempt_id = pass_the_quiz(site, client)
    assert attempt_row(site, attempt_id).passed
    with site.app_context():
        code = codes.display(db.session.scalar(select(Completion.code)))
    certificate = f'href="/certificates/{code}"'

    result = client.get(f"/courses/{SLUG}/quiz/{attempt_id}/result").get_data(as_text=True)
    assert "✓ Đã hoàn thành khóa học" in result and certificate in result
    assert (f"Bước tiếp theo: bản đăng ký năm {deadline.year} (hạn 30/11/{deadline.year})."
            in result)
    assert f'href="/pledges/{deadline.year}">Viết bản đăng ký năm {deadline.year}</a>' in result
    assert client.get(f"/certificates/{code}").status_code == 200  # the link leads somewhere

    course = client.get(f"/courses/{SLUG}/").get_data(as_text=True)
    assert "Đã hoàn thành khóa học" in section(course, "next-step")
    assert certificate in section(course, "next-step")
    home = client.get("/").get_data(as_text=True)
    assert certificate in home  # the course card at 100 % and the plan's course both link it
    assert "(đã hoàn thành 1/1)" in text_of(section(home, "year-plan"))


def test_a_failed_attempt_offers_no_certificate(site):
    client = signed_in(site)
    study_everything(site, client, SLUG)
    attempt_id = start_attempt(client, SLUG)
    for number in range(1, QUESTIONS + 1):
        answer(site, client, SLUG, attempt_id, number, wrong=True)
    submit(client, SLUG, attempt_id)
    result = client.get(f"/courses/{SLUG}/quiz/{attempt_id}/result").get_data(as_text=True)
    assert "Đã hoàn thành khóa học" not in result and not CERTIFICATE_LINK.search(result)
    course = client.get(f"/courses/{SLUG}/").get_data(as_text=True)
    assert not CERTIFICATE_LINK.search(course) and "Đã hoàn thành khóa học" not in course


# -- reading time without JavaScript ------------------------------------------------------------

def test_pressing_studied_early_without_javascript_returns_to_the_button_with_the_message_there(
        site):
    client = signed_in(site)
    lesson = f"/courses/{SLUG}/lessons/01-mot"
    page = client.get(lesson).get_data(as_text=True)
    study = section(page, "study")
    # The server's remaining seconds for the countdown; buttons enabled in the HTML itself
    assert 'data-reading-seconds="60"' in study and 'role="timer"' in study
    assert 'aria-live="polite"' in study and " disabled" not in study
    assert "sau 60 giây nữa" in study
    refused = client.post(f"{lesson}/studied", data={"csrf_token": csrf(client, lesson),
                                                     "go": "next"})
    assert refused.status_code == 303 and refused.headers["Location"] == f"{lesson}#study"
    page = client.get(lesson).get_data(as_text=True)
    message = "Vui lòng tiếp tục đọc: bạn có thể đánh dấu đã học bài này sau"
    assert page.count(message) == 1 and message in section(page, "study")
    assert client.get(lesson).get_data(as_text=True).count(message) == 0  # shown once


# -- quiz review and autosave -------------------------------------------------------------------

def marked_keys(html: str) -> list[str]:
    """The option texts marked as the right answer on a result page."""
    return re.findall(r'<span>([^<]+)</span> <strong class="key-mark">', html)


@pytest.mark.parametrize("slug, shows_key", [(SLUG, True), ("khoa-khoa-dap-an", False)])
def test_a_wrong_answer_marks_the_right_option_when_the_policy_shows_keys(site, slug,
                                                                         shows_key):
    client = signed_in(site)
    study_everything(site, client, slug)
    attempt_id = start_attempt(client, slug)
    for number in range(1, QUESTIONS + 1):
        answer(site, client, slug, attempt_id, number, wrong=True)
    submit(client, slug, attempt_id)
    result = client.get(f"/courses/{slug}/quiz/{attempt_id}/result").get_data(as_text=True)
    assert "✗ Sai" in result  # the wrong answers are listed either way
    expected = {"Năm 2016", "Tư tưởng", "Đạo đức", "Phong cách", "Đúng"}
    assert set(marked_keys(result)) == (expected if shows_key else set())


def test_the_question_list_marks_what_an_autosave_stored(site):
    """learn.js marks the list item after a successful save; this is the page it mirrors."""
    client = signed_in(site)
    study_everything(site, client, SLUG)
    attempt_id = start_attempt(client, SLUG)
    page = client.get(f"/courses/{SLUG}/quiz/{attempt_id}/2").get_data(as_text=True)
    assert re.search(r'class="qbtn"\s+aria-label="Câu 1"', page)  # not answered yet
    saved = answer(site, client, SLUG, attempt_id, 1, as_json=True)
    assert saved.status_code == 200 and saved.get_json()["saved"] is True
    page = client.get(f"/courses/{SLUG}/quiz/{attempt_id}/2").get_data(as_text=True)
    assert 'data-answered="đã trả lời"' in page  # the label learn.js adds to the list item
    assert re.search(r'class="qbtn answered"\s+aria-label="Câu 1 \(đã trả lời\)"', page)
