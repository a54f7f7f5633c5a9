"""The quiz engine end to end through the pages, on SQLite and PostgreSQL: drawing and
shuffling per attempt, the lesson gate, autosave with and without JavaScript, resuming, the
server's clock, attempt limits, highest grade, pass mark, review policies, grading once."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from elearn.extensions import db
from elearn.models import QuizAnswer, QuizAttempt
from elearn.testing import login

from kit import (
    PASSWORD, answer, as_state, attempt_row, csrf, form_state, make_site, pass_time,
    right_answer_form, start_attempt, study_everything, studied_learner, submit,
    write_quiz_course,
)

SLUG = "khoa-quiz"
QUIZ = f"/courses/{SLUG}/quiz/"


@pytest.fixture
def site(make_app, course_root, request):
    options = getattr(request, "param", {})
    write_quiz_course(course_root, SLUG, **options)
    return make_site(make_app, course_root)


@pytest.fixture
def learner(site):
    return studied_learner(site, SLUG)


def question_part(html: str) -> str:
    """The question's fieldset, without tokens that change per request (CSRF)."""
    return re.search(r'<fieldset class="question">.*?</fieldset>', html, re.S).group(0)


def finish(site, client, attempt_id, wrong=()):
    attempt = attempt_row(site, attempt_id)
    for number in range(1, len(attempt.question_ids) + 1):
        answer(site, client, SLUG, attempt_id, number, wrong=number in wrong)
    return submit(client, SLUG, attempt_id)


@pytest.mark.parametrize("site", [{"draw": 3}], indirect=True)
def test_an_attempt_draws_from_the_bank_and_a_reload_shows_the_same_attempt(site, learner):
    attempt_id = start_attempt(learner, SLUG)
    attempt = attempt_row(site, attempt_id)
    bank = {q.id for q in site.extensions["elearn.registry"].course(SLUG).quiz.questions}
    assert len(attempt.question_ids) == 3 and set(attempt.question_ids) <= bank
    assert attempt.seed and attempt.course_version == "2.1" and len(attempt.content_hash) == 64
    for number in (1, 2, 3):
        first = learner.get(f"{QUIZ}{attempt_id}/{number}").get_data(as_text=True)
        again = learner.get(f"{QUIZ}{attempt_id}/{number}").get_data(as_text=True)
        assert question_part(first) == question_part(again)
    # reloading the overview or starting again resumes the same attempt
    assert start_attempt(learner, SLUG) == attempt_id
    assert learner.get(f"{QUIZ}{attempt_id}/4").status_code == 404


def test_attempts_get_their_own_draw_and_order(site, learner):
    orders = set()
    for _ in range(4):
        attempt_id = start_attempt(learner, SLUG)
        orders.add(tuple(attempt_row(site, attempt_id).question_ids))
        submit(learner, SLUG, attempt_id)
    assert len(orders) > 1


def test_the_quiz_opens_only_after_every_lesson_is_studied(site):
    client = site.test_client()
    login(client, "hocvien", PASSWORD)
    page = client.get(QUIZ).get_data(as_text=True)
    assert "Bài kiểm tra mở sau khi bạn học xong tất cả các bài" in page
    assert 'action="/courses/khoa-quiz/quiz/start"' not in page
    token = csrf(client, QUIZ)
    response = client.post(f"{QUIZ}start", data={"csrf_token": token}, follow_redirects=True)
    assert "Bài kiểm tra mở sau khi bạn học xong tất cả các bài" in response.get_data(as_text=True)
    with site.app_context():
        assert db.session.scalar(select(QuizAttempt.id)) is None
    study_everything(site, client, SLUG)
    assert start_attempt(client, SLUG)


@pytest.mark.parametrize("site", [{"requires_lessons": False}], indirect=True)
def test_a_course_may_open_its_quiz_without_the_lessons(site):
    client = site.test_client()
    login(client, "hocvien", PASSWORD)
    assert start_attempt(client, SLUG)


def test_answers_are_saved_without_javascript_and_resume_on_another_device(site, learner):
    attempt_id = start_attempt(learner, SLUG)
    response = answer(site, learner, SLUG, attempt_id, 1, go="save")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/{attempt_id}/1")
    page = learner.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã lưu câu trả lời." in page  # the flash after Save
    answer(site, learner, SLUG, attempt_id, 2, go="next")
    phone = site.test_client()  # the connection dropped; the learner comes back elsewhere
    login(phone, "hocvien", PASSWORD)
    overview = phone.get(QUIZ).get_data(as_text=True)
    assert f'href="/courses/khoa-quiz/quiz/{attempt_id}/3"' in overview  # first unanswered
    attempt = attempt_row(site, attempt_id)
    for number in (1, 2):
        expected = as_state(right_answer_form(site, SLUG, attempt, attempt.question_ids[number - 1]))
        shown = form_state(phone.get(f"{QUIZ}{attempt_id}/{number}").get_data(as_text=True))
        assert shown == expected
    assert form_state(phone.get(f"{QUIZ}{attempt_id}/3").get_data(as_text=True)) == {}
    with site.app_context():
        saved = db.session.scalars(select(QuizAnswer).where(
            QuizAnswer.attempt_id == attempt_id).order_by(QuizAnswer.position)).all()
        assert [a.response is not None for a in saved] == [True, True, False, False, False]


def test_autosave_answers_json_and_moves_nowhere(site, learner):
    attempt_id = start_attempt(learner, SLUG)
    response = answer(site, learner, SLUG, attempt_id, 3, as_json=True)
    assert response.status_code == 200 and response.is_json
    assert response.json["saved"] is True and "Đã lưu lúc" in response.json["message"]
    assert set(response.json) == {"saved", "message", "seconds_left"}
    summary = learner.get(f"{QUIZ}{attempt_id}/summary").get_data(as_text=True)
    assert summary.count("Đã lưu câu trả lời") == 1 and summary.count("Chưa trả lời") == 4


def test_navigation_buttons_save_and_move(site, learner):
    attempt_id = start_attempt(learner, SLUG)
    assert answer(site, learner, SLUG, attempt_id, 2, go="next").headers["Location"] \
        .endswith(f"/{attempt_id}/3")
    assert answer(site, learner, SLUG, attempt_id, 2, go="previous").headers["Location"] \
        .endswith(f"/{attempt_id}/1")
    assert answer(site, learner, SLUG, attempt_id, 2, go="5").headers["Location"] \
        .endswith(f"/{attempt_id}/5")
    assert answer(site, learner, SLUG, attempt_id, 5, go="next").headers["Location"] \
        .endswith(f"/{attempt_id}/summary")


def test_an_invalid_answer_is_explained_and_nothing_is_saved(site, learner):
    attempt_id = start_attempt(learner, SLUG)
    attempt = attempt_row(site, attempt_id)
    number = attempt.question_ids.index("q-order") + 1
    page = learner.get(f"{QUIZ}{attempt_id}/{number}").get_data(as_text=True)
    names = re.findall(r'<select class="position" id="[^"]+" name="([^"]+)"', page)
    assert len(names) == 4
    data = {name: "1" for name in names}
    data.update(csrf_token=csrf(learner, QUIZ), go="save")
    response = learner.post(f"{QUIZ}{attempt_id}/{number}", data=data)
    assert response.status_code == 400
    assert "Mỗi mục phải có một vị trí khác nhau." in response.get_data(as_text=True)
    json = learner.post(f"{QUIZ}{attempt_id}/{number}", data=data,
                        headers={"Accept": "application/json"})
    assert json.status_code == 400 and json.json["saved"] is False
    # tampered choice values are refused by the field, not saved
    single = attempt.question_ids.index("q-single") + 1
    bad = learner.post(f"{QUIZ}{attempt_id}/{single}",
                       data={"csrf_token": csrf(learner, QUIZ), "answer": "b", "go": "save"})
    assert bad.status_code == 400
    with site.app_context():
        assert all(a.response is None for a in db.session.scalars(select(QuizAnswer)))


@pytest.mark.parametrize("site", [{"time_limit": 20}], indirect=True)
def test_resuming_shows_the_time_left_on_the_server_clock(site, learner):
    attempt_id = start_attempt(learner, SLUG)
    page = learner.get(f"{QUIZ}{attempt_id}/1").get_data(as_text=True)
    left = int(re.search(r'data-clock="(\d+)"', page).group(1))
    assert 1190 <= left <= 1200 and "Thời gian còn lại" in page
    pass_time(site, 15 * 60)
    page = learner.get(f"{QUIZ}{attempt_id}/1").get_data(as_text=True)
    assert 290 <= int(re.search(r'data-clock="(\d+)"', page).group(1)) <= 300
    assert re.search(r"Thời gian còn lại: (4:5\d|5:00)", learner.get(QUIZ).get_data(as_text=True))


@pytest.mark.parametrize("site", [{"time_limit": 10}], indirect=True)
def test_past_the_deadline_the_attempt_is_closed_and_graded_on_what_was_saved(site, learner):
    attempt_id = start_attempt(learner, SLUG)
    answer(site, learner, SLUG, attempt_id, 1)
    answer(site, learner, SLUG, attempt_id, 2)
    token = csrf(learner, QUIZ)
    pass_time(site, 11 * 60)
    # the next access closes it lazily: a page load goes to the result…
    response = learner.get(f"{QUIZ}{attempt_id}/3")
    assert response.status_code == 303 and response.headers["Location"].endswith("/result")
    attempt = attempt_row(site, attempt_id)
    assert attempt.state == "finished" and attempt.closed_by == "deadline"
    assert attempt.score == 40.0 and attempt.finished_at == attempt.deadline
    result = learner.get(f"{QUIZ}{attempt_id}/result").get_data(as_text=True)
    assert "Đã đóng khi hết giờ" in result
    # …and a late save is refused without changing anything
    late = learner.post(f"{QUIZ}{attempt_id}/3", data={"csrf_token": token, "answer": "x"},
                        headers={"Accept": "application/json"})
    assert late.status_code == 409 and late.json["closed"] is True
    assert attempt_row(site, attempt_id).score == 40.0


@pytest.mark.parametrize("site", [{"time_limit": 10}], indirect=True)
def test_an_expired_attempt_is_closed_by_whatever_touches_it_first(site, learner):
    attempt_id = start_attempt(learner, SLUG)
    answer(site, learner, SLUG, attempt_id, 1)
    pass_time(site, 11 * 60)
    overview = learner.get(QUIZ).get_data(as_text=True)  # the overview closes it
    assert "Tiếp tục lượt làm bài" not in overview and "20%" in overview
    response = submit(learner, SLUG, attempt_id, csrf(learner, QUIZ))
    assert response.status_code == 303
    page = learner.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã đóng khi hết giờ" in page


@pytest.mark.parametrize("site", [{"max_attempts": 2, "pass_mark": 80}], indirect=True)
def test_attempt_limit_pass_mark_and_the_highest_grade_counts(site, learner):
    first = start_attempt(learner, SLUG)
    finish(site, learner, first, wrong={1, 2})  # 60 %: below the pass mark
    assert attempt_row(site, first).score == 60.0 and not attempt_row(site, first).passed
    assert "Chưa đạt" in learner.get(f"{QUIZ}{first}/result").get_data(as_text=True)
    second = start_attempt(learner, SLUG)
    finish(site, learner, second)
    assert attempt_row(site, second).score == 100.0 and attempt_row(site, second).passed
    overview = learner.get(QUIZ).get_data(as_text=True)
    assert "Đã dùng 2/2 lượt" in overview and "Bạn đã dùng hết số lượt làm bài" in overview
    token = csrf(learner, QUIZ)
    refused = learner.post(f"{QUIZ}start", data={"csrf_token": token}, follow_redirects=True)
    assert "Bạn đã dùng hết số lượt làm bài" in refused.get_data(as_text=True)
    course = learner.get(f"/courses/{SLUG}/").get_data(as_text=True)
    assert 'value="3"' in course and "100%" in course  # 2 lessons + quiz passed


@pytest.mark.parametrize("site", [{"max_attempts": 0}], indirect=True)
def test_a_worse_later_attempt_does_not_lower_the_grade(site, learner):
    first = start_attempt(learner, SLUG)
    finish(site, learner, first)
    second = start_attempt(learner, SLUG)
    finish(site, learner, second, wrong={1, 2, 3, 4, 5})
    page = learner.get(f"{QUIZ}{second}/result").get_data(as_text=True)
    assert "0%" in page and "Điểm cao nhất (được tính): 100%" in page
    assert "100%" in learner.get("/").get_data(as_text=True)


def test_submitting_twice_grades_once(site, learner):
    attempt_id = start_attempt(learner, SLUG)
    answer(site, learner, SLUG, attempt_id, 1)
    token = csrf(learner, QUIZ)
    first = submit(learner, SLUG, attempt_id, token)
    graded = attempt_row(site, attempt_id)
    answer_after = learner.post(f"{QUIZ}{attempt_id}/2", data={"csrf_token": token})
    again = submit(learner, SLUG, attempt_id, token)  # replayed request, second tab
    assert first.status_code == again.status_code == 303
    assert answer_after.status_code == 303  # closed: sent to the result, nothing saved
    page = learner.get(again.headers["Location"]).get_data(as_text=True)
    assert "Lượt làm bài này đã được nộp; bài chỉ được chấm một lần." in page
    after = attempt_row(site, attempt_id)
    assert (after.score, after.finished_at, after.points) == \
        (graded.score, graded.finished_at, graded.points)


REVIEW_CASES = [({"review": "after_submit"}), ({"review": "score_only"}),
                ({"review": "after_pass", "pass_mark": 100})]


@pytest.mark.parametrize("site", REVIEW_CASES, indirect=True)
def test_review_follows_the_course_policy(site, learner, request):
    policy = request.node.callspec.params["site"]["review"]
    first = start_attempt(learner, SLUG)
    finish(site, learner, first, wrong={1})
    page = learner.get(f"{QUIZ}{first}/result").get_data(as_text=True)
    assert "80%" in page
    feedback_shown = "PHANHOI-" in page
    assert feedback_shown == (policy == "after_submit")
    assert ("✗ Sai" in page) == (policy == "after_submit")
    if policy == "after_pass":
        assert "sau khi đạt bài kiểm tra" in page
        second = start_attempt(learner, SLUG)
        finish(site, learner, second)
        # once passed, every attempt may be reviewed, the failed one too
        assert "PHANHOI-" in learner.get(f"{QUIZ}{first}/result").get_data(as_text=True)


def test_nobody_sees_or_touches_someone_elses_attempt(site, learner):
    attempt_id = start_attempt(learner, SLUG)
    other = site.test_client()
    login(other, "sinhvien", PASSWORD)
    token = csrf(other, "/")
    for path in (f"{QUIZ}{attempt_id}/1", f"{QUIZ}{attempt_id}/summary",
                 f"{QUIZ}{attempt_id}/result"):
        assert other.get(path).status_code == 404
    assert other.post(f"{QUIZ}{attempt_id}/submit",
                      data={"csrf_token": token}).status_code == 404
    assert attempt_row(site, attempt_id).state == "in_progress"
    assert site.test_client().get(f"{QUIZ}{attempt_id}/1").status_code == 302  # sign in first
