"""The study plan's pledge-template editor (issue #14 item 12) in the real headless Chromium
at 360 px, in Vietnamese and English, on the demo: axe-core (no serious or critical
violation), the Nu HTML checker (no error), nothing wider than the phone; rows are added with
the plain submit buttons (no script) and the page comes back at the rows; Enter in a field
still saves. Screenshots: test-output/browser/plan-editor/."""
from __future__ import annotations

import shutil
import time

import pytest

from elearn import create_app
from elearn.extensions import db
from elearn.services.demo import DEMO_PASSWORD, load_demo
from elearn.testing import PROJECT_ROOT, base_config, serve
from conftest import HEIGHT, WIDTH
from pagecheck import axe_violations, layout_problems, nu_errors, screenshot, served_html

pytestmark = pytest.mark.slow
By = pytest.importorskip("selenium.webdriver.common.by").By
Keys = pytest.importorskip("selenium.webdriver.common.keys").Keys


@pytest.fixture
def demo(tmp_path, sqlite_template):
    database = tmp_path / "elearn.sqlite3"
    shutil.copyfile(sqlite_template, database)
    app = create_app(base_config(f"sqlite:///{database}"))
    with app.app_context():
        load_demo()
    with serve(app) as base:
        yield base
    with app.app_context():
        db.engine.dispose()


def _wait(browser, condition, what: str) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _rows(browser) -> int:
    return len(browser.find_elements(By.CSS_SELECTOR, "li.template-row"))


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_template_editor_on_a_phone(demo, browser, language, tmp_path):
    browser.get(demo + "/")
    if language != "vi":
        browser.find_element(By.CSS_SELECTOR, f"header button[lang={language}]").click()
        _wait(browser, lambda: browser.execute_script(
            "return document.documentElement.lang") == language, "language")
    browser.get(demo + "/login")
    browser.find_element(By.NAME, "username").send_keys("tuyengiao")
    browser.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form [type=submit]").click()
    _wait(browser, lambda: "/login" not in browser.current_url, "sign in")
    browser.get(demo + "/plans/")
    browser.find_element(By.CSS_SELECTOR, "main .cards a").click()
    plan_url = browser.current_url
    folder = PROJECT_ROOT / "test-output" / "browser" / "plan-editor"
    folder.mkdir(parents=True, exist_ok=True)

    problems = [*axe_violations(browser), *layout_problems(browser, WIDTH)]
    page = tmp_path / f"plan-{language}.html"
    page.write_text(served_html(browser), encoding="utf-8")
    screenshot(browser, folder / f"plan-{language}.png", WIDTH, HEIGHT)
    problems += [f"Nu: {m}" for messages in nu_errors([page]).values() for m in messages]
    assert not problems, "\n".join(problems)

    before = _rows(browser)
    browser.find_element(By.CSS_SELECTOR, "button[name=pledge-action][value=add]").click()
    _wait(browser, lambda: _rows(browser) == before + 1, "a row added")
    assert browser.current_url.endswith("#pledge-sections")
    new = browser.find_element(By.NAME, f"pledge-sections-{before}-title_vi")
    assert new.get_attribute("value") == ""
    new.send_keys("Nêu gương", Keys.ENTER)  # Enter saves the plan, as before the editor
    _wait(browser, lambda: browser.find_elements(By.CSS_SELECTOR, ".flash, [role=status]")
          or "#" not in browser.current_url, "saved")
    _wait(browser, lambda: _rows(browser) == before + 1
          and browser.find_element(By.NAME, f"pledge-sections-{before}-title_vi")
          .get_attribute("value") == "Nêu gương", "the new section saved")
    assert browser.current_url.split("#")[0] == plan_url
    screenshot(browser, folder / f"plan-saved-{language}.png", WIDTH, HEIGHT)
