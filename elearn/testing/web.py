"""Pages through real forms, and a real server with a browser-less client for it.

`csrf_token` / `login` / `AuthActions` work on Flask's test client; `serve(app)` puts the app
behind a real threaded HTTP server on 127.0.0.1, and `Browser` (one cookie jar, safe across
threads like the tabs of one browser) talks to it, for tests of concurrent requests.
"""
from __future__ import annotations

import contextlib
import http.client
import re
import threading
from http.cookies import SimpleCookie
from json import dumps
from typing import Any, Iterator, NamedTuple
from urllib.parse import urlencode, urlsplit

from flask import Flask
from flask.testing import FlaskClient

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_from(html: str, where: str = "the page") -> str:
    """The CSRF token of the first form in a page's HTML."""
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {where}"
    return match.group(1)


def csrf_token(client: FlaskClient, path: str) -> str:
    """Fetch a page and return the CSRF token of its first form, as a browser would."""
    return csrf_from(client.get(path).get_data(as_text=True), path)


def login(client: FlaskClient, username: str, password: str, **kwargs: Any):
    """Sign in through the login form (CSRF token included); the response of the POST.
    Extra keyword arguments go to the test client's `post` (headers, environ_base, …)."""
    token = csrf_token(client, "/login")
    return client.post("/login", data={"csrf_token": token, "username": username,
                                       "password": password}, **kwargs)


class AuthActions:
    """Sign a test client in and out through the real forms (Flask tutorial style)."""

    def __init__(self, client: FlaskClient):
        self._client = client

    def login(self, username: str, password: str):
        return login(self._client, username, password)

    def logout(self):
        return self._client.post("/logout", data={"csrf_token": csrf_token(self._client, "/")})


def signed_in_client(app: Flask, username: str, password: str, **headers: str) -> FlaskClient:
    """A new test client of `app`, signed in as `username` (asserts that it worked)."""
    client = app.test_client()
    response = login(client, username, password, headers=headers or None)
    assert response.status_code == 302, (username, response.status_code)
    return client


# -- a real server and a browser-less client for it ---------------------------------------


@contextlib.contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a free port) from a real threaded WSGI server; yields the
    base URL. For tests of concurrent requests: the test client runs one at a time."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]
    text: str


class Browser:
    """A browser-less HTTP client with one cookie jar that never follows redirects. Safe to
    use from several threads at once, like several tabs of one browser."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        address = urlsplit(self.base)
        self._host, self._port = address.hostname or "127.0.0.1", address.port or 80
        self.cookies: dict[str, str] = {}
        self._lock = threading.Lock()

    def open(self, method: str, path: str, data: dict | list | None = None,
             headers: dict[str, str] | None = None,
             files: dict[str, tuple[str, bytes]] | None = None, json: Any = None) -> Answer:
        """Send one request; form `data` is URL-encoded (lists as repeated fields), or sent as
        multipart/form-data together with `files` ({field: (file name, bytes)}); or `json`."""
        connection = http.client.HTTPConnection(self._host, self._port, timeout=60)
        with self._lock:
            cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        sent = {"User-Agent": "elearn-test", **({"Cookie": cookie} if cookie else {}),
                **(headers or {})}
        body = None
        if files is not None:
            from urllib3 import encode_multipart_formdata  # comes with selenium (tests only)

            body, sent["Content-Type"] = encode_multipart_formdata({**(data or {}), **files})
        elif json is not None:
            body = dumps(json)
            sent["Content-Type"] = "application/json"
        elif data is not None:
            body = urlencode(data, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()
        with self._lock:
            for header in response.headers.get_all("Set-Cookie") or ():
                for name, morsel in SimpleCookie(header).items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
        return Answer(response.status, dict(response.headers), text)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        """GET `path`, or POST `data` to it; (status, body)."""
        answer = self.open("GET" if data is None else "POST", path, data)
        return answer.status, answer.text

    def post(self, path: str, data: dict) -> int:
        return self.open("POST", path, data).status

    def csrf(self, path: str) -> str:
        status, html = self.request(path)
        return csrf_from(html, f"{path} ({status})")

    def login(self, username: str, password: str) -> None:
        status = self.post("/login", {"csrf_token": self.csrf("/login"), "username": username,
                                      "password": password})
        assert status == 302, (username, status)


def signed_in_tabs(base: str, username: str, password: str, page: str,
                   count: int) -> list[tuple[Browser, str]]:
    """`count` tabs of one person, each signed in and holding the CSRF token of `page`."""
    tabs = []
    for _ in range(count):
        tab = Browser(base)
        tab.login(username, password)
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
