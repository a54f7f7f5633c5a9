"""Every page of every role's journey, in the real Chromium at 360×740 px: axe-core finds no
serious or critical violation, the Nu HTML checker no error, nothing is wider than the phone,
fields are at least 44 px tall and check boxes 20 px, each form has one primary button, and
the menu marks the page the reader is on. A screenshot of each page goes to
test-output/a11y/<language>/<login>/.

The walk: sign in as each demo login (services/demo.py) and follow the links of the menu,
then the links on those pages (one page per route and login), the way a person finds them.
"""
from __future__ import annotations

import shutil
import time
from collections import deque
from urllib.parse import urlsplit

import pytest

from elearn import create_app
from elearn.extensions import db
from elearn.registry import current_registry
from elearn.services import codes, completions
from elearn.services.accounts import find_user
from elearn.services.demo import DEMO_PASSWORD, load_demo
from elearn.testing import PROJECT_ROOT, base_config, serve

from conftest import HEIGHT, WIDTH
from pagecheck import axe_violations, layout_problems, nu_errors, screenshot, served_html

pytestmark = pytest.mark.slow

By = pytest.importorskip("selenium.webdriver.common.by").By
from selenium.common.exceptions import WebDriverException  # noqa: E402

# One login per role of the demo; None is the visitor who has not signed in.
ROLES = {
    "anonymous": None,
    "learner": "dangvien.an",
    "student": "sinhvien.dung",
    "secretary": "bithu.anphu",
    "centre-author": "giangvien",
    "officer": "tuyengiao",
    "inspector": "kiemtra",
    "admin": "admin",
}
# The English walk: a subset, for the second language's longer words (role → link depth:
# 0 = the menu's pages only).
ENGLISH = {"anonymous": 2, "learner": 2, "admin": 0}
# Files, feeds and downloads are not pages.
NOT_PAGES = {"static", "main.favicon", "courses.asset", "certificates.download", "verify.api",
             "review.volume", "review.export", "dashboard.export", "public.press",
             "public.exemplars_csv", "banks.template", "jobs.download"}
PAGES_PER_LOGIN = 24
# The course with the longest title: its certificate and public verification page.
LONG_TITLE = "cd-2017-suy-thoai"


@pytest.fixture
def demo_site(tmp_path, sqlite_template):
    """The demo province on a migrated SQLite file with the shipped courses and the centre
    plugin, behind a real threaded WSGI server."""
    database = tmp_path / "elearn.sqlite3"
    shutil.copyfile(sqlite_template, database)
    app = create_app(base_config(f"sqlite:///{database}", PLUGINS=["elearn_centre_example"]))
    with app.app_context():
        load_demo()
        code = codes.display(completions.issue(
            find_user("dangvien.an"), current_registry().course(LONG_TITLE),
            method=completions.ONLINE, score=90.0).code)
    with serve(app) as base:
        yield app, base, code
    with app.app_context():
        db.engine.dispose()


class Walk:
    def __init__(self, app, driver, base: str):
        self.adapter = app.url_map.bind("127.0.0.1")
        self.driver, self.base = driver, base
        self.shots = PROJECT_ROOT / "test-output" / "a11y"
        self.html_folder = self.shots / "html"  # as served: what the Nu checker reads
        self.pages: dict[str, str] = {}  # saved HTML file name → "language login URL"
        # Pages found beyond the menu (profile, a course, a lesson…) look alike for every
        # login: checked once per language, which halves the walk.
        self.beyond_menu: set[tuple[str, str]] = set()
        self.seconds = {"screenshots": 0.0, "axe": 0.0}  # the checks' share of the walk
        self.failures: list[str] = []

    def endpoint(self, url: str) -> str | None:
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != urlsplit(self.base).netloc:
            return None
        try:
            endpoint, _ = self.adapter.match(parts.path, method="GET")
        except Exception:  # noqa: BLE001 — not a route of ours (a redirect, a 405): not a page
            return None
        return None if endpoint in NOT_PAGES else endpoint

    def sign_in(self, username: str | None, language: str) -> None:
        driver = self.driver
        driver.delete_all_cookies()
        driver.get(self.base + "/")
        if language != "vi":
            driver.find_element(By.CSS_SELECTOR, f"header button[lang={language}]").click()
            deadline = time.monotonic() + 20
            while self.script("return document.documentElement.lang") != language:
                assert time.monotonic() < deadline, "the language did not change"
                time.sleep(0.05)
            self.loaded()
        if username:
            driver.get(self.base + "/login")
            driver.find_element(By.NAME, "username").send_keys(username)
            driver.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
            driver.find_element(By.CSS_SELECTOR, "main form [type=submit]").click()
            deadline = time.monotonic() + 20
            while "/login" in driver.current_url:
                assert time.monotonic() < deadline, f"{username} could not sign in"
                time.sleep(0.05)
            self.loaded()

    def script(self, source: str):
        """Run `source` in the page, or None while the page is being replaced."""
        try:
            return self.driver.execute_script(source)
        except WebDriverException:
            return None

    def loaded(self) -> None:
        deadline = time.monotonic() + 20
        while self.driver.execute_script("return document.readyState") != "complete":
            assert time.monotonic() < deadline, self.driver.current_url
            time.sleep(0.05)

    def links(self, selector: str) -> list[str]:
        return [a.get_attribute("href") for a in self.driver.find_elements(By.CSS_SELECTOR,
                                                                             selector)
                if a.get_attribute("href")]

    def walk(self, role: str, username: str | None, language: str,
             also: tuple[str, ...] = (), depth_limit: int = 2) -> int:
        """Visit and check the pages `username` reaches; the number of pages checked."""
        self.sign_in(username, language)
        folder = self.shots / language / role
        folder.mkdir(parents=True)
        menu = [self.base + "/"] + self.links("header.site nav a")
        queue = deque((url, 0) for url in menu + [self.base + path for path in also])
        seen: set[str] = set()
        count = 0
        while queue and count < PAGES_PER_LOGIN:
            url, depth = queue.popleft()
            endpoint = self.endpoint(url)
            if endpoint is None or endpoint in seen:
                continue
            if depth and url not in menu:
                if (language, endpoint) in self.beyond_menu:
                    continue
                self.beyond_menu.add((language, endpoint))
            seen.add(endpoint)
            self.driver.get(url.split("#")[0])
            self.loaded()
            if self.endpoint(self.driver.current_url) != endpoint:  # redirected elsewhere
                continue
            count += 1
            where = f"{language} {role} {urlsplit(url).path}"
            name = f"{language}-{role}-{count:02d}-{endpoint.replace('.', '-')}"
            started = time.monotonic()
            screenshot(self.driver, folder / f"{count:02d}-{endpoint}.png", WIDTH, HEIGHT)
            self.seconds["screenshots"] += time.monotonic() - started
            started = time.monotonic()
            self.failures += [f"{where}: {problem}" for problem in axe_violations(self.driver)]
            self.seconds["axe"] += time.monotonic() - started
            self.failures += [f"{where}: {problem}"
                              for problem in layout_problems(self.driver, WIDTH)]
            if url.rstrip("/") in (m.rstrip("/") for m in menu[1:]):
                current = self.driver.find_elements(
                    By.CSS_SELECTOR, "header.site nav a[aria-current=page]")
                if len(current) != 1:
                    self.failures.append(f"{where}: {len(current)} menu links marked current")
            (self.html_folder / f"{name}.html").write_text(served_html(self.driver),
                                                           encoding="utf-8")
            self.pages[f"{name}.html"] = where
            if depth < depth_limit:
                queue.extend((link, depth + 1) for link in self.links("main a[href]"))
        return count


def test_every_page_of_every_role_passes_axe_and_the_nu_checker(demo_site, browser):
    app, base, code = demo_site
    walk = Walk(app, browser, base)
    shutil.rmtree(walk.shots, ignore_errors=True)
    walk.html_folder.mkdir(parents=True)
    also = {"anonymous": (f"/verify/{code}",)}
    started = time.monotonic()
    counted = {}
    for language, roles in (("vi", dict.fromkeys(ROLES, 2)), ("en", ENGLISH)):
        for role, depth in roles.items():
            counted[f"{language} {role}"] = walk.walk(role, ROLES[role], language,
                                                       also.get(role, ()), depth)
    walked = time.monotonic() - started
    started = time.monotonic()
    for name, messages in nu_errors(sorted(walk.html_folder.glob("*.html"))).items():
        walk.failures.extend(f"{walk.pages.get(name, name)}: Nu: {m}" for m in messages)
    checked = time.monotonic() - started
    print(f"\n{sum(counted.values())} pages ({counted}); walk {walked:.1f} s, of which axe "
          f"{walk.seconds['axe']:.1f} s and screenshots {walk.seconds['screenshots']:.1f} s; "
          f"Nu checker {checked:.1f} s")
    (walk.shots / "problems.txt").write_text("\n".join(walk.failures) + "\n", encoding="utf-8")
    assert all(count >= 2 for count in counted.values()), counted
    assert sum(counted.values()) >= 80, counted
    assert not walk.failures, (f"{len(walk.failures)} problems (all in "
                               f"test-output/a11y/problems.txt):\n" + "\n".join(walk.failures[:40]))


ACCENT = "rgb(179, 38, 30)"
WHITE = "rgb(255, 255, 255)"


def style(driver, element, *names: str) -> list[str]:
    return driver.execute_script(
        "const s = getComputedStyle(arguments[0]);"
        "return arguments[1].map(n => s.getPropertyValue(n));", element, list(names))


def test_phone_layout_primary_actions_touch_sizes_menu_and_long_titles(demo_site, browser):
    """Issue #14 item 10, measured in Chromium at 360 px."""
    app, base, code = demo_site
    walk = Walk(app, browser, base)
    driver = browser

    # The public verification page: a long course title wraps by words at full width
    walk.sign_in(None, "vi")
    driver.get(f"{base}/verify/{code}")
    title = driver.find_element(By.XPATH, "//dl[@class='facts']/dd[4]")
    assert title.size["width"] >= 300, title.size  # the phone's width, not a narrow column
    words = title.text.split()
    assert len(words) > 20
    lines = title.size["height"] / float(style(driver, title, "line-height")[0].rstrip("px"))
    assert lines < len(words) / 3, (lines, len(words))  # several words on each line
    assert driver.execute_script("return document.documentElement.scrollWidth") <= WIDTH

    # The learner's pledge: "Lưu bản nháp" is outlined, "Nộp bản đăng ký" the one solid button;
    # check boxes are 20 px; fields 44 px tall and full width
    walk.sign_in("dangvien.an", "vi")
    driver.get(f"{base}/pledges/")
    driver.get(driver.find_element(By.CSS_SELECTOR, "main a[href^='/pledges/2']")
               .get_attribute("href"))
    save = driver.find_element(By.XPATH, "//main//input[@value='Lưu bản nháp']")
    file = driver.find_element(By.XPATH, "//main//input[@value='Nộp bản đăng ký']")
    assert style(driver, save, "background-color", "border-top-color") == [WHITE, ACCENT]
    assert style(driver, file, "background-color")[0] == ACCENT
    accepted = driver.find_element(By.NAME, "accepted")
    assert accepted.size["width"] >= 20 and accepted.size["height"] >= 20, accepted.size
    field = driver.find_element(By.CSS_SELECTOR, "main input[type=text]:not([type=hidden])")
    assert field.size["height"] >= 44 and field.size["width"] >= 280, field.size

    # The menu: one row of links without underlines, scrolling sideways; the current page marked
    driver.get(f"{base}/certificates/")
    nav = driver.find_element(By.CSS_SELECTOR, "header.site nav")
    links = nav.find_elements(By.TAG_NAME, "a")
    assert len(links) >= 3
    assert nav.size["height"] < 60, nav.size  # one row, not 3–4 wrapped rows
    assert {link.location["y"] for link in links} == {links[0].location["y"]}
    assert all(style(driver, link, "text-decoration-line")[0] == "none" for link in links)
    current = nav.find_elements(By.CSS_SELECTOR, "a[aria-current=page]")
    assert [a.get_attribute("href") for a in current] == [f"{base}/certificates/"]
    assert style(driver, current[0], "background-color")[0] == ACCENT
    assert all(link.size["height"] >= 44 for link in links)

    # The profile: the phone field is a full-width, 44 px field
    driver.get(f"{base}/profile/")
    phone = driver.find_element(By.CSS_SELECTOR, "main input[type=tel]")
    assert phone.size["height"] >= 44 and phone.size["width"] >= 280, phone.size

    # A lesson: its own headings are smaller than its title
    driver.get(f"{base}/courses/{LONG_TITLE}/")
    driver.get(driver.find_element(By.CSS_SELECTOR, "main a[href*='/lessons/']")
               .get_attribute("href"))
    title_size = float(style(driver, driver.find_element(By.CSS_SELECTOR, ".lesson h1"),
                             "font-size")[0].rstrip("px"))
    headings = driver.find_elements(By.CSS_SELECTOR, ".lesson > div h1, .lesson > div h2, "
                                                     ".lesson > div h3, .lesson > div h4")
    assert headings, "the lesson has headings of its own"
    assert all(float(style(driver, h, "font-size")[0].rstrip("px")) < title_size
               for h in headings)

    # The secretary's review: "Trả lại để sửa" (an <input type=submit class=secondary>, as
    # ReturnForm renders it) is outlined beside the solid "Tiếp nhận"
    walk.sign_in("bithu.anphu", "vi")
    driver.get(f"{base}/review/")
    returned = driver.execute_script(
        "const b = document.createElement('input'); b.type = 'submit'; b.className ="
        " 'secondary'; b.value = 'Trả lại để sửa'; document.querySelector('main')"
        ".append(b); return b;")
    assert style(driver, returned, "background-color", "border-top-color") == [WHITE, ACCENT]

    # The admin's course table scrolls sideways instead of squeezing a word per line
    walk.sign_in("admin", "vi")
    driver.get(f"{base}/admin/courses")
    region = driver.find_element(By.CSS_SELECTOR, "main .scroll")
    table = region.find_element(By.TAG_NAME, "table")
    assert table.size["width"] > region.size["width"]
    assert region.get_attribute("tabindex") == "0"  # reachable by keyboard to scroll
    first = table.find_element(By.CSS_SELECTOR, "tbody td")
    assert first.size["width"] >= 150, first.size
    assert driver.execute_script("return document.documentElement.scrollWidth") <= WIDTH
