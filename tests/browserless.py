"""A tiny HTTP client with cookies, for tests that need real concurrent requests to a real
server (the Flask test client runs requests one at a time in-process)."""
from __future__ import annotations

import http.cookiejar
import re
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
