"""The dashboard on a 360 px phone in a real headless Chromium, against the app behind a real
threaded server: the chart fits without sideways scrolling, its labels are drawn at 12 px or
more, and its bars take the course bars' colour. Screenshot: test-output/browser/dashboard/."""
from __future__ import annotations

import base64
import shutil
import threading
from datetime import date

import pytest

from elearn.clock import local_today
from elearn import create_app
from elearn.extensions import db
from elearn.models import Role
from elearn.registry import current_registry
from elearn.services import completions
from elearn.services.accounts import create_user, grant_role
from elearn.services.orgs import create_unit
from elearn.testing import PROJECT_ROOT, base_config

pytestmark = pytest.mark.slow

WIDTH, HEIGHT = 360, 740
PASSWORD = "Hoc-tap-va-lam-theo-2026"
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402



@pytest.fixture
def served(tmp_path, sqlite_template):
    from werkzeug.serving import make_server

    database = tmp_path / "elearn.sqlite3"
    shutil.copyfile(sqlite_template, database)
    app = create_app(base_config(f"sqlite:///{database}"))
    with app.app_context():
        province = create_unit("P", "Tỉnh Hưng Thịnh", "province")
        course = current_registry().course("cd-2016-toan-khoa")
        for d in range(6):
            district = create_unit(f"D{d}", f"Đảng bộ huyện Phú Hòa số {d}", "district",
                                   province)
            for n in range(d + 2):
                person = create_user(f"nguoi.{d}.{n}", f"Người {d}.{n}", PASSWORD, district)
                if n % 2 == 0:
                    completions.create(person, course, method="in_person", score=None)
        grant_role(create_user("tuyengiao", "Tuyên giáo", PASSWORD, province),
                   Role.OFFICER, province)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    with app.app_context():
        db.engine.dispose()


def _open_dashboard_as_officer(browser, served: str) -> None:
    """Sign in through the form already on screen (/login) and open the province's board."""
    browser.find_element(By.NAME, "username").send_keys("tuyengiao")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit], main form "
                                          "input[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda d: "/login" not in d.current_url)
    browser.get(f"{served}/dashboard/?unit=P&year={local_today().year}")


def test_dashboard_chart_reads_on_a_360_px_phone(served, browser):  # noqa: F811
    browser.get(f"{served}/login")
    _open_dashboard_as_officer(browser, served)
    folder = PROJECT_ROOT / "test-output" / "browser" / "dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return Math.ceil(document.documentElement.scrollHeight)")
    image = browser.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": WIDTH, "height": max(height, HEIGHT), "scale": 1}})
    (folder / "dashboard-360.png").write_bytes(base64.b64decode(image["data"]))

    assert browser.execute_script("return document.documentElement.scrollWidth") <= WIDTH
    sizes = browser.execute_script(
        "return [...document.querySelectorAll('figure.chart svg text')]"
        ".map(t => t.getBoundingClientRect().height)")
    assert len(sizes) == 7 * 3 and min(sizes) >= 12, sizes
    chart = browser.find_element(By.CSS_SELECTOR, "figure.chart svg")
    assert chart.size["width"] <= WIDTH
    fills = browser.execute_script(
        "return [...document.querySelectorAll('figure.chart rect.bar.completed')]"
        ".map(r => getComputedStyle(r).fill)")
    assert fills and set(fills) == {"rgb(24, 128, 56)"}  # #188038, the course bars' green
    # Table bars in the chart's colours (a light accent would make Chromium draw a dark track).
    accents = browser.execute_script(
        "return [...document.querySelectorAll('table progress')]"
        ".map(p => p.className + ' ' + getComputedStyle(p).accentColor)")
    assert "completed rgb(24, 128, 56)" in accents and "filed rgb(26, 115, 232)" in accents
    assert "Đảng bộ huyện Phú Hòa số 5" in browser.find_element(By.TAG_NAME, "main").text


@pytest.mark.parametrize("language", ["vi", "en"])
def test_dashboard_table_reads_on_a_360_px_phone(served, browser, language):  # noqa: F811
    """Issue #14 item 3: the per-unit table scrolls sideways inside its own box (the page
    does not), in columns wide enough for their words, with the unit's name held at the left
    edge while the figures scroll. Screenshots before and after scrolling are kept."""
    browser.get(f"{served}/login")
    if language != "vi":
        browser.find_element(By.CSS_SELECTOR, f"header button[lang={language}]").click()
        WebDriverWait(browser, 15).until(
            lambda d: d.execute_script("return document.documentElement.lang") == language)
    _open_dashboard_as_officer(browser, served)
    folder = PROJECT_ROOT / "test-output" / "browser" / "dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    box = browser.find_element(By.CSS_SELECTOR, "div.scroll:has(> #chart-figures)")
    browser.execute_script("arguments[0].scrollIntoView()", box)

    def shot(name: str) -> None:
        rect = browser.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            "return [r.top + window.scrollY, r.height]", box)
        image = browser.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": rect[0], "width": WIDTH, "height": rect[1], "scale": 1}})
        (folder / f"{name}-{language}.png").write_bytes(base64.b64decode(image["data"]))

    shot("table-360")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= WIDTH
    sizes = browser.execute_script("return [arguments[0].scrollWidth, arguments[0].clientWidth]",
                                   box)
    assert sizes[0] > sizes[1], sizes  # the table scrolls in its box rather than squeeze
    # No column squeezed to a word per line: every cell is at least 8 rem (128 px) wide and
    # a unit's name takes at most three lines.
    widths = browser.execute_script(
        "return [...document.querySelectorAll('#chart-figures td, #chart-figures th')]"
        ".map(c => c.getBoundingClientRect().width)")
    assert widths and min(widths) >= 128, widths
    lines = browser.execute_script(
        "return [...document.querySelectorAll('#chart-figures td:first-child a')].map(a => {"
        " const h = parseFloat(getComputedStyle(a).lineHeight);"
        " return Math.round(a.getBoundingClientRect().height / h); })")
    assert len(lines) == 6 and max(lines) <= 3, lines
    # Scrolled to the far right, the names are still in view at the box's left edge.
    browser.execute_script("arguments[0].scrollLeft = arguments[0].scrollWidth", box)
    edges = browser.execute_script(
        "const b = arguments[0].getBoundingClientRect().left;"
        "return [...document.querySelectorAll('#chart-figures td:first-child')]"
        ".map(c => Math.round(c.getBoundingClientRect().left - b))", box)
    assert edges and set(edges) == {0}, edges
    last = browser.execute_script(
        "return document.querySelector('#chart-figures td:last-child').getBoundingClientRect()"
        ".right")
    assert last <= WIDTH + 1
    shot("table-360-scrolled")
