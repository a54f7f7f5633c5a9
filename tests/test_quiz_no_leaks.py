"""No answer key, correctness flag or feedback reaches a learner before the attempt is
submitted: walk a whole attempt (catalogue, course, lessons, quiz overview, start, every
question page, saves with and without JavaScript, a refused answer, the summary, resuming on
another device) in both languages and scan every response body."""
from __future__ import annotations

import json
import re

import pytest


from kit import (
    QUIZ_BANK as BANK, NEW_TYPES_BANK, NUMERIC_KEY, PASSWORD, attempt_row, csrf, make_site,
    right_answer_form, start_attempt, study_everything, write_quiz_course,
)
from elearn.content.yamlsource import load_yaml
from elearn.testing import login

SLUG = "khoa-quiz"
QUIZ = f"/courses/{SLUG}/quiz/"


def secrets_of_the_bank() -> tuple[list[str], list[str]]:
    """(texts that must never appear, authored option ids that must never be a value)."""
    texts, ids = [], []
    for question in load_yaml(BANK + NEW_TYPES_BANK)["questions"]:
        feedback = question.get("feedback") or {}
        texts += list(feedback.values()) if isinstance(feedback, dict) else [feedback]
        texts += [str(a) for a in question.get("answers", [])]  # short-text keys
        ids += [o["id"] for o in question.get("options", [])]
    texts += [NUMERIC_KEY, NUMERIC_KEY.replace(",", ".")]  # the numeric key, either way
    return texts, sorted(set(ids))


FORBIDDEN_TEXTS, AUTHORED_IDS = secrets_of_the_bank()
FORBIDDEN_WORDS = ["correct", "PHANHOI", "FEEDBACK", "KHOADAPAN", "fraction", "✓ Right",
                   "✗ Wrong", "Partly right", "✓ Đúng", "✗ Sai", "Đúng một phần"]


def assert_no_key(label: str, body: str) -> None:
    lowered = body.lower()
    for text in FORBIDDEN_TEXTS:
        assert text.lower() not in lowered, (label, text)
    for word in FORBIDDEN_WORDS:
        assert word.lower() not in lowered, (label, word)
    for option_id in AUTHORED_IDS:
        assert f'value="{option_id}"' not in body, (label, option_id)
        assert f'"{option_id}"' not in body or not body.lstrip().startswith("{"), (label, body)


@pytest.fixture
def site(make_app, course_root):
    # Every question type, the core's matching and numeric included, all drawn.
    write_quiz_course(course_root, SLUG, time_limit=30, review="after_submit", draw=7,
                      bank=BANK + NEW_TYPES_BANK)
    return make_site(make_app, course_root)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_no_response_before_submission_holds_the_key(site, language):
    client = site.test_client()
    client.set_cookie("lang", language)
    login(client, "hocvien", PASSWORD)
    seen: list[tuple[str, str]] = []

    def get(path: str) -> str:
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, (path, response.status_code)
        seen.append((f"GET {path}", response.get_data(as_text=True)))
        return seen[-1][1]

    def post(path: str, data: dict, *, as_json: bool = False, expect=(200,)):
        headers = {"Accept": "application/json"} if as_json else {}
        response = client.post(path, data=data, headers=headers, follow_redirects=True)
        assert response.status_code in expect, (path, response.status_code)
        seen.append((f"POST {path}", response.get_data(as_text=True)))
        return response

    get("/")
    get(f"/courses/{SLUG}/")
    study_everything(site, client, SLUG)
    for lesson in ("01-mot", "02-hai"):
        get(f"/courses/{SLUG}/lessons/{lesson}")
    get(QUIZ)
    attempt_id = start_attempt(client, SLUG)
    attempt = attempt_row(site, attempt_id)
    token = csrf(client, QUIZ)
    count = len(attempt.question_ids)
    for number, question_id in enumerate(attempt.question_ids, start=1):
        page = get(f"{QUIZ}{attempt_id}/{number}")
        if question_id == "q-order":  # shown in an order that is not the key
            course = site.extensions["elearn.registry"].course(SLUG)
            authored = [i["text"].get(language) for i in
                        course.quiz.question("q-order").data["items"]]
            shown = [t for t in re.findall(r'<label for="answer-t[0-9a-f]+">([^<]+)</label>',
                                           page)]
            assert sorted(shown) == sorted(authored) and shown != authored
            names = re.findall(r'name="(answer-t[0-9a-f]+)"', page)
            refused = post(f"{QUIZ}{attempt_id}/{number}",
                           {"csrf_token": token, "go": "save", **{n: "1" for n in names}},
                           expect=(400,))
            assert {"vi": "Mỗi mục phải có một vị trí khác nhau.",
                    "en": "Give each item a different position."}[language] \
                in refused.get_data(as_text=True)
            post(f"{QUIZ}{attempt_id}/{number}",
                 {"csrf_token": token, **{n: "2" for n in names}}, as_json=True, expect=(400,))
        if question_id == "q-match":  # one list, in the same order, for every left item
            course = site.extensions["elearn.registry"].course(SLUG)
            question = course.quiz.question("q-match")
            selects = re.findall(r'<select[^>]*name="answer-t[0-9a-f]+"[^>]*>(.*?)</select>',
                                 page, re.S)
            assert len(selects) == len(question.data["pairs"]) and len(set(selects)) == 1
            for item in question.data["pairs"] + question.data["rights"]:
                assert item["id"] not in page  # authored ids would pair them up
        if question_id == "q-number":  # junk is refused in words, with a 400, never saved
            refused = post(f"{QUIZ}{attempt_id}/{number}",
                           {"csrf_token": token, "go": "save", "answer": "bảy mươi ba"},
                           expect=(400,))
            assert {"vi": "Hãy nhập một số, ví dụ 3,5 hoặc -12.",
                    "en": "Type a number, for example 3,5 or -12."}[language] \
                in refused.get_data(as_text=True)
        # the right answer, autosaved as the page's script does (its page would show the
        # learner's own typed key, which is no leak)…
        data = right_answer_form(site, SLUG, attempt, question_id)
        autosaved = post(f"{QUIZ}{attempt_id}/{number}", {**data, "csrf_token": token},
                         as_json=True)
        assert autosaved.json["saved"] is True
        assert set(autosaved.json) == {"saved", "message", "seconds_left"}
        # …then a wrong one with the Save button without JavaScript, and moving on
        wrong = right_answer_form(site, SLUG, attempt, question_id, wrong=True)
        post(f"{QUIZ}{attempt_id}/{number}", {**wrong, "csrf_token": token, "go": "save"})
        post(f"{QUIZ}{attempt_id}/{number}", {**wrong, "csrf_token": token,
                                              "go": "next" if number < count else "summary"})
    get(f"{QUIZ}{attempt_id}/summary")
    # resume on another device
    phone = site.test_client()
    phone.set_cookie("lang", language)
    login(phone, "hocvien", PASSWORD)
    overview = phone.get(QUIZ).get_data(as_text=True)
    seen.append(("GET overview (phone)", overview))
    resume = re.search(rf'href="({QUIZ}{attempt_id}/\d+)"', overview).group(1)
    seen.append(("GET resume (phone)", phone.get(resume).get_data(as_text=True)))
    seen.append(("GET learn.js", client.get("/static/learn.js").get_data(as_text=True)))

    assert len(seen) > 25
    for label, body in seen:
        assert_no_key(label, body)

    # The same scan finds the feedback once the attempt is submitted (after_submit policy):
    result = client.post(f"{QUIZ}{attempt_id}/submit", data={"csrf_token": token},
                         follow_redirects=True).get_data(as_text=True)
    with pytest.raises(AssertionError):
        assert_no_key("result", result)
    marker = "PHANHOI-DON" if language == "vi" else "FEEDBACK-SINGLE"
    assert marker in result


def test_the_scan_would_catch_a_leak():
    with pytest.raises(AssertionError):
        assert_no_key("page", '<input type="radio" name="answer" value="b">')
    with pytest.raises(AssertionError):
        assert_no_key("json", json.dumps({"saved": True, "correct": False}))
    with pytest.raises(AssertionError):
        assert_no_key("page", "<p>chỉ thị khoadapan-05-ct/tw</p>")


# -- after submission: each review policy shows the key only when it says so ------------------

POLICIES = ["after_submit", "score_only", "after_pass", "after_last_attempt",
            "wrong_only_without_key"]
KEY_LINE = {"vi": "Đáp án đúng:", "en": "Right answer:"}
VERDICTS = ["✓ Right", "✗ Wrong", "Partly right", "✓ Đúng", "✗ Sai", "Đúng một phần"]
SINGLE_KEY = {"vi": "Đáp án đúng: Năm 2016", "en": "Right answer: In 2016"}
ORDER_KEY = {"vi": "Bước học tập → Bước đăng ký → Bước làm theo → Bước tự đánh giá",
             "en": "Step study → Step pledge → Step follow → Step self-review"}


POLICY_NOTE = {
    "after_submit": {"vi": "Được xem sau mỗi lượt làm bài.", "en": "Shown after each attempt."},
    "score_only": {"vi": "Chỉ hiển thị điểm của bạn.", "en": "Only your score is shown."},
    "after_pass": {"vi": "Được xem khi bạn đã đạt.", "en": "Shown once you pass."},
    "after_last_attempt": {"vi": "Được xem khi bạn đã đạt hoặc đã dùng hết số lượt làm bài.",
                           "en": "Shown once you pass or have used all your attempts."},
    "wrong_only_without_key": {
        "vi": "Sau mỗi lượt, bạn biết câu nào sai nhưng không được xem đáp án đúng.",
        "en": "After each attempt you see which answers were wrong, but not the right answers."},
}


def assert_review(label: str, body: str, language: str, *, key: bool, verdicts: bool) -> None:
    lowered = body.lower()
    if key:
        assert SINGLE_KEY[language] in body, label  # a wrong answer marks the right option
        assert ORDER_KEY[language] in body, label
        assert "KHOADAPAN-05-CT/TW" in body, label
        assert ("PHANHOI-" if language == "vi" else "FEEDBACK-") in body, label
        # the right options are marked in the lists: single choice 1, multiple choice 3,
        # true/false 1 (all answered wrong)
        assert body.count('class="key-mark"') == 5, label
    else:
        for text in FORBIDDEN_TEXTS:
            assert text.lower() not in lowered, (label, text)
        for marker in (KEY_LINE[language], 'class="key"', 'class="key-mark"',
                       'class="feedback"', "→"):
            assert marker not in body, (label, marker)
    assert any(word in body for word in VERDICTS) == verdicts, label


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("policy", POLICIES)
def test_each_review_policy_reveals_the_key_only_when_it_says(make_app, course_root, policy,
                                                             language):
    write_quiz_course(course_root, SLUG, review=policy, max_attempts=2, pass_mark=60)
    site = make_site(make_app, course_root)
    client = site.test_client()
    client.set_cookie("lang", language)
    login(client, "hocvien", PASSWORD)
    study_everything(site, client, SLUG)

    def fail_an_attempt() -> int:
        attempt_id = start_attempt(client, SLUG)
        attempt = attempt_row(site, attempt_id)
        token = csrf(client, QUIZ)
        for number, question_id in enumerate(attempt.question_ids, start=1):
            wrong = right_answer_form(site, SLUG, attempt, question_id, wrong=True)
            client.post(f"{QUIZ}{attempt_id}/{number}", data={**wrong, "csrf_token": token})
        client.post(f"{QUIZ}{attempt_id}/submit", data={"csrf_token": token})
        assert attempt_row(site, attempt_id).score == 0
        return attempt_id

    def page(path: str) -> str:
        response = client.get(path)
        assert response.status_code == 200, path
        return response.get_data(as_text=True)

    first = fail_an_attempt()
    shows_answers = policy in ("after_submit", "wrong_only_without_key")
    assert_review("first result", page(f"{QUIZ}{first}/result"), language,
                  key=policy == "after_submit", verdicts=shows_answers)
    overview = page(QUIZ)
    assert_review("overview", overview, language, key=False, verdicts=False)
    assert POLICY_NOTE[policy][language] in overview  # the learner knows before starting
    # The last attempt is running: every attempt is used, but it could still use a key.
    second = start_attempt(client, SLUG)
    assert_review("first result during the last attempt", page(f"{QUIZ}{first}/result"),
                  language, key=policy == "after_submit", verdicts=shows_answers)
    client.post(f"{QUIZ}{second}/submit", data={"csrf_token": csrf(client, QUIZ)})
    # No attempt left: after_last_attempt now shows everything, after_pass still nothing.
    at_the_end = policy in ("after_submit", "after_last_attempt")
    for attempt_id in (first, second):
        assert_review(f"result {attempt_id} at the end", page(f"{QUIZ}{attempt_id}/result"),
                      language, key=at_the_end,
                      verdicts=at_the_end or policy == "wrong_only_without_key")


def test_the_review_policies_are_defined_by_passing_and_attempts_left():
    from types import SimpleNamespace

    from elearn.content.model import ReviewPolicy
    from elearn.services.quiz import review_access

    def access(policy, *, passed=False, left=1, running=None):
        status = SimpleNamespace(passed=passed, attempts_left=left, in_progress=running)
        return review_access(ReviewPolicy(policy), status)

    assert access("after_submit") == (True, True)
    assert access("score_only", passed=True, left=0) == (False, False)
    assert access("wrong_only_without_key", passed=True, left=0) == (True, False)
    assert access("after_pass", left=0) == (False, False)
    assert access("after_pass", passed=True) == (True, True)
    assert access("after_last_attempt") == (False, False)
    assert access("after_last_attempt", left=None) == (False, False)  # unlimited attempts
    assert access("after_last_attempt", left=0, running=object()) == (False, False)
    assert access("after_last_attempt", left=0) == (True, True)
    assert access("after_last_attempt", passed=True, left=None) == (True, True)
