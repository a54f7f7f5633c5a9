"""A tiny HTTP client with cookies, for tests that need real concurrent requests to a real
server (the Flask test client runs requests one at a time in-process)."""
from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf(self, path: str) -> str:
        status, html = self.request(path)
        match = _CSRF.search(html)
        assert match, f"no CSRF token on {path} ({status})"
        return match.group(1)

    def post(self, path: str, data: dict) -> int:
        return self.request(path, data)[0]


def signed_in_tabs(base: str, username: str, password: str, page: str,
                   count: int) -> list[tuple[Browser, str]]:
    """`count` tabs of one person, each signed in and holding the CSRF token of `page`."""
    tabs = []
    for _ in range(count):
        tab = Browser(base)
        assert tab.post("/login", {"csrf_token": tab.csrf("/login"), "username": username,
                                   "password": password}) == 302
        tabs.append((tab, tab.csrf(page)))
    return tabs


def race(tabs: list[tuple[Browser, str]], path: str, form: dict) -> list[tuple[int, str]]:
    """POST the same form from every tab at the same moment; (status, body) of each."""
    barrier, answers = threading.Barrier(len(tabs)), []

    def post(tab: Browser, token: str) -> None:
        barrier.wait()
        answers.append(tab.request(path, {**form, "csrf_token": token}))

    threads = [threading.Thread(target=post, args=pair) for pair in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(answers) == len(tabs), "a racing request did not finish"
    return answers
