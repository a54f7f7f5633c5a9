"""A real learner's journey in a real headless Chromium (Debian's chromium + chromium-driver,
driven by Selenium) on a phone-sized screen, against the app served by a real threaded
server on 127.0.0.1 with a migrated SQLite file, once in Vietnamese and once in English:

join with an invitation code → study every lesson (the "studied" button waits for the
reading time with a live countdown and enables itself; pressed early anyway, the server
refuses and returns the reader to the button) → the question list marks each autosaved answer →
take the quiz with JavaScript autosave, a dropped connection and a page reload in the middle
that keeps every answer → pass → see 100 % progress.

Screenshots of every step go to test-output/browser/<language>/.
"""
from __future__ import annotations

import base64
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from elearn import create_app
from elearn.clock import local_today
from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import StudyPlan
from elearn.services.orgs import create_unit
from elearn.testing import PROJECT_ROOT, base_config, serve

from conftest import HEIGHT, WIDTH
from kit import write_quiz_course
from pagecheck import axe_violations, layout_problems, nu_errors, served_html

pytestmark = pytest.mark.slow

SLUG = "khoa-tren-dien-thoai"
MIN_READING = 2
PASSWORD = "Hoc-tap-va-lam-theo-2026"

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

TEXT = {
    "vi": {"too_early": "Vui lòng tiếp tục đọc", "next_lesson": "Đã học, sang bài tiếp theo",
           "to_quiz": "Đã học, đến bài kiểm tra", "start": "Bắt đầu làm bài", "true": "Đúng",
           "false": "Sai", "passed": "Đạt", "full": "Hoàn thành 100%",
           "empty": "Hoàn thành 0%", "welcome": "Chào mừng", "answered": "đã trả lời",
           "ready": "Bây giờ bạn có thể đánh dấu đã học bài này.", "wait": "giây nữa",
           "complete": "Đã hoàn thành khóa học", "certificate": "Giấy chứng nhận của bạn",
           "plan": "Kế hoạch học tập năm", "pledge": "Viết bản đăng ký năm"},
    "en": {"too_early": "Please keep reading", "next_lesson": "Studied, next lesson",
           "to_quiz": "Studied, go to the quiz", "start": "Start the quiz", "true": "True",
           "false": "False", "passed": "Passed", "full": "100% done", "empty": "0% done",
           "welcome": "Welcome", "answered": "answered",
           "ready": "You can now mark this lesson as studied.", "wait": "second",
           "complete": "Course complete", "certificate": "Your certificate",
           "plan": "Your study plan for", "pledge": "Write my pledge for"},
}


@pytest.fixture
def served(tmp_path, sqlite_template):
    """The app on a migrated SQLite file behind a real threaded WSGI server."""
    database = tmp_path / "elearn.sqlite3"
    shutil.copyfile(sqlite_template, database)
    courses = tmp_path / "courses"
    courses.mkdir()
    write_quiz_course(courses, SLUG, min_reading=MIN_READING, time_limit=15, max_attempts=3,
                      pass_mark=80, review="after_submit")
    app = create_app(base_config(f"sqlite:///{database}", PLUGINS=["elearn_centre_example"],
                                 COURSE_DIRS=[str(courses)]))
    with app.app_context():
        cell = create_unit("CB-THU", "Chi bộ thử nghiệm", "cell")
        # This year's plan names the course: the home page shows it, passing leads to the pledge
        db.session.add(StudyPlan(year=local_today().year, unit=cell, title="Kế hoạch thử",
                                 audience="all", courses=json.dumps([SLUG]),
                                 deadline=date(local_today().year, 12, 31),
                                 template=DEFAULT_TEMPLATE))
        db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["elearn", "invitations", "create", "--unit", "CB-THU", "--uses", "1"])
    assert result.exit_code == 0, result.output
    code = result.output.strip().splitlines()[-1]
    with serve(app) as base:
        yield app, base, code
    with app.app_context():
        db.engine.dispose()


class Journey:
    def __init__(self, driver, base: str, language: str):
        self.driver = driver
        self.base = base
        self.language = language
        self.text = TEXT[language]
        self.folder = PROJECT_ROOT / "test-output" / "browser" / language
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.step = 0
        self.problems: list[str] = []  # axe-core and layout findings, checked at the end
        self.served: list[Path] = []  # each page's HTML as served, for the Nu checker

    def shot(self, name: str) -> None:
        """A full-page screenshot at the phone's width; the page is checked with axe-core
        and for the phone layout, and its served HTML kept for the Nu checker."""
        self.step += 1
        self.problems += [f"{name}: {problem}" for problem in
                          axe_violations(self.driver) + layout_problems(self.driver, WIDTH)]
        source = served_html(self.driver)
        if source:  # (nothing while the test holds the connection offline)
            html = self.folder / f"{self.step:02d}-{name}.html"
            html.write_text(source, encoding="utf-8")
            self.served.append(html)
        height = self.driver.execute_script(
            "return Math.ceil(document.documentElement.scrollHeight)")
        image = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": WIDTH, "height": max(height, HEIGHT),
                     "scale": 1}})
        (self.folder / f"{self.step:02d}-{name}.png").write_bytes(
            base64.b64decode(image["data"]))

    def wait(self, condition, timeout: float = 15):
        return WebDriverWait(self.driver, timeout).until(condition)

    def page_text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "main").text

    def click_and_wait(self, element) -> None:
        """Click something that loads a new page, and wait for that page."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        element.click()

        def replaced(driver):
            try:
                old.tag_name
                return False
            except WebDriverException:  # stale: the old page is gone
                return driver.execute_script("return document.readyState") == "complete"

        self.wait(replaced)

    def button(self, text: str):
        return self.driver.find_element(
            By.XPATH, f"//main//button[normalize-space()='{text}'] | "
                      f"//main//a[normalize-space()='{text}']")

    def no_horizontal_scroll(self) -> None:
        width = self.driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= WIDTH, f"{self.driver.current_url} is {width}px wide"


def answer_rightly(journey: Journey, course) -> str:
    """Answer the question on the page from the bank (server-side knowledge): returns its id."""
    driver, language = journey.driver, journey.language
    legend = driver.find_element(By.CSS_SELECTOR, "fieldset.question legend").text.strip()
    question = next(q for q in course.quiz.questions if q.prompt.get(language) == legend)
    labels = {label.text.strip(): label
              for label in driver.find_elements(By.CSS_SELECTOR, "label.choice")}
    if question.type in ("single_choice", "multiple_choice"):
        for option in question.data["options"]:
            if option["correct"]:
                labels[option["text"].get(language)].click()
    elif question.type == "true_false":
        labels[journey.text["true" if question.data["answer"] else "false"]].click()
    elif question.type == "short_text":
        field = driver.find_element(By.CSS_SELECTOR, "fieldset.question input[type=text]")
        field.clear()
        field.send_keys(question.data["answers"][0])
        field.send_keys("\t")  # leaving the field fires change: the autosave runs
    elif question.type == "ordering":
        authored = [item["text"].get(language) for item in question.data["items"]]
        for row in driver.find_elements(By.CSS_SELECTOR, ".positions li"):
            text = row.find_element(By.TAG_NAME, "label").text.strip()
            Select(row.find_element(By.TAG_NAME, "select")).select_by_value(
                str(authored.index(text) + 1))
    else:
        raise AssertionError(question.type)
    journey.wait(lambda d: "saved" in d.find_element(By.ID, "save-status")
                 .get_attribute("class"))
    return question.id


def chosen(driver) -> dict:
    """What the question's fields show right now."""
    return driver.execute_script("""
        const state = {};
        for (const el of document.querySelectorAll('fieldset.question input, fieldset.question select')) {
          if ((el.type === 'radio' || el.type === 'checkbox') && !el.checked) continue;
          if (!el.value) continue;
          (state[el.name] = state[el.name] || []).push(el.value);
        }
        return state;""")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_learner_joins_studies_passes_and_sees_full_progress(served, browser, language):
    app, base, code = served
    course = app.extensions["elearn.registry"].course(SLUG)
    journey = Journey(browser, base, language)
    driver = browser
    text = journey.text

    driver.get(base + "/")
    if language == "en":
        journey.click_and_wait(driver.find_element(By.CSS_SELECTOR, "button[lang=en]"))
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
    journey.shot("home")

    # Join with the invitation code
    driver.get(f"{base}/join?code={code}")
    driver.find_element(By.NAME, "full_name").send_keys("Lê Văn Học")
    driver.find_element(By.NAME, "username").send_keys(f"le.hoc.{language}")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.NAME, "confirm").send_keys(PASSWORD)
    journey.shot("join")
    journey.click_and_wait(driver.find_element(By.CSS_SELECTOR, "main form [type=submit]"))
    assert driver.current_url == base + "/"
    assert text["welcome"] in journey.page_text() and text["empty"] in journey.page_text()
    plan = driver.find_element(By.ID, "year-plan").text
    assert text["plan"] in plan and "0/1" in plan.replace(" of ", "/") and text["pledge"] in plan
    journey.no_horizontal_scroll()
    journey.shot("catalogue")

    # Study every lesson: too early is refused, after the reading time it counts
    journey.click_and_wait(driver.find_element(By.CSS_SELECTOR, f"a[href='/courses/{SLUG}/']"))
    journey.shot("course")
    journey.click_and_wait(driver.find_element(By.CSS_SELECTOR, ".next-step a.button"))
    assert driver.current_url.endswith("/lessons/01-mot")  # "start with lesson 1"
    # Pressed early anyway (a script-less browser can): the server refuses and brings the
    # reader back to the button, with the message there.
    driver.execute_script("document.querySelectorAll('#study button').forEach("
                          "function (b) { b.disabled = false; });")
    journey.click_and_wait(journey.button(text["next_lesson"]))
    assert driver.current_url.endswith("/lessons/01-mot#study")
    assert text["too_early"] in driver.find_element(By.ID, "study").text
    journey.shot("lesson-1-too-early")
    # The countdown: the buttons wait, the sentence counts down, then they enable themselves
    studied = journey.button(text["next_lesson"])
    assert not studied.is_enabled()
    timer = driver.find_element(By.ID, "reading-time")
    assert timer.get_attribute("role") == "timer" and text["wait"] in timer.text
    live = driver.find_element(By.ID, "reading-ready")
    assert live.get_attribute("aria-live") == "polite" and live.text == ""
    journey.shot("lesson-1-counting-down")
    journey.wait(lambda d: studied.is_enabled(), timeout=MIN_READING + 5)
    assert live.text == text["ready"] and not timer.is_displayed()
    journey.shot("lesson-1-ready")
    journey.click_and_wait(studied)
    assert driver.current_url.endswith("/lessons/02-hai")
    journey.no_horizontal_scroll()
    journey.shot("lesson-2")
    to_quiz = journey.button(text["to_quiz"])
    assert not to_quiz.is_enabled()
    journey.wait(lambda d: to_quiz.is_enabled(), timeout=MIN_READING + 5)
    journey.click_and_wait(to_quiz)
    assert driver.current_url.endswith("/quiz/")
    journey.shot("quiz-overview")

    # Take the quiz
    journey.click_and_wait(journey.button(text["start"]))
    count = len(course.quiz.questions)
    answered = {}
    for number in range(1, count + 1):
        assert driver.current_url.endswith(f"/{number}")
        journey.no_horizontal_scroll()
        if number == 2:  # the connection drops while answering: nothing is lost
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
                "offline": True, "latency": 0, "downloadThroughput": -1,
                "uploadThroughput": -1})
            first = driver.find_element(By.CSS_SELECTOR, "fieldset.question input, "
                                                         "fieldset.question select")
            if first.tag_name == "select":
                Select(first).select_by_value("1")
            elif first.get_attribute("type") == "text":
                first.send_keys("x\t")
            elif first.get_attribute("type") == "checkbox":
                first.click()
                first.click()  # ticked and unticked again: the learner changed their mind
            else:
                first.click()
            journey.wait(lambda d: "offline" in d.find_element(By.ID, "save-status")
                         .get_attribute("class"))
            journey.shot("question-2-offline")
            driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
                "offline": False, "latency": 0, "downloadThroughput": -1,
                "uploadThroughput": -1})
            journey.wait(lambda d: "saved" in d.find_element(By.ID, "save-status")
                         .get_attribute("class"), timeout=20)
        in_list = driver.find_element(By.CSS_SELECTOR, "nav.qnav button[aria-current=step]")
        if number != 2:  # (question 2 was saved while offline above)
            assert "answered" not in in_list.get_attribute("class")
        answered[number] = answer_rightly(journey, course)
        # the autosave marks it in the question list, for sight and for screen readers (a
        # wait: on question 2 the save after reconnecting may still be on its way)
        journey.wait(lambda d: "answered" in in_list.get_attribute("class")
                     and in_list.get_attribute("aria-label").endswith(f"({text['answered']})"))
        journey.shot(f"question-{number}")
        if number == 3:  # reload in the middle of the attempt: the answers are still there
            before = chosen(driver)
            assert before
            driver.refresh()
            journey.wait(lambda d: d.execute_script("return document.readyState") == "complete")
            assert chosen(driver) == before
            journey.shot("question-3-after-reload")
            driver.get(driver.current_url.rsplit("/", 1)[0] + "/1")
            assert chosen(driver)  # and so is the first question's
            driver.get(driver.current_url.rsplit("/", 1)[0] + "/3")
        journey.click_and_wait(driver.find_element(
            By.CSS_SELECTOR, ".actions button[value=next], .actions button[value=summary]"))
    assert driver.current_url.endswith("/summary")
    journey.shot("summary")
    journey.click_and_wait(driver.find_element(By.CSS_SELECTOR, "main form [type=submit]"))
    assert driver.current_url.endswith("/result")
    result = journey.page_text()
    assert "100%" in result and text["passed"] in result and text["complete"] in result
    assert text["pledge"] in result  # and then the year's pledge
    journey.no_horizontal_scroll()
    journey.shot("result")
    # the next step is in view without scrolling through the review: the certificate
    certificate = journey.button(text["certificate"])
    assert certificate.location["y"] < HEIGHT * 2
    journey.click_and_wait(certificate)
    assert "/certificates/" in driver.current_url
    journey.shot("certificate")

    # 100 % progress
    journey.click_and_wait(driver.find_element(By.CSS_SELECTOR, "a.brand"))
    assert text["full"] in journey.page_text()
    plan = driver.find_element(By.ID, "year-plan").text
    assert "1/1" in plan.replace(" of ", "/") and text["certificate"] in plan
    assert driver.find_element(By.CSS_SELECTOR, "progress").get_attribute("value") == "3"
    journey.shot("catalogue-done")
    assert len(list(journey.folder.glob("*.png"))) >= 15
    # every step passed axe-core (no serious or critical violation) and the Nu HTML checker
    journey.problems += [f"{name}: Nu: {message}" for name, messages
                         in nu_errors(journey.served).items() for message in messages]
    assert not journey.problems, "\n".join(journey.problems)
