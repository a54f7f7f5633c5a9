"""Sign-in limits hold under a concurrent burst: real requests through a real threaded
server, on SQLite and PostgreSQL. Each password check is held for a moment so the requests
truly overlap; the limit must still let exactly `limit` passwords be checked."""
from __future__ import annotations

import threading
import time

import pytest
from werkzeug.serving import make_server

from elearn.extensions import db
from elearn.services import accounts
from elearn.services.accounts import create_user
from elearn.services.orgs import create_unit
from elearn.testing import Browser


PASSWORD = "mat-khau-dai"
LIMIT = 5
RACERS = 15


@pytest.fixture
def server(serve):
    return serve()


@pytest.fixture
def serve(make_app, monkeypatch):
    servers = []

    def start(**config):
        return _start(make_app, monkeypatch, servers, **{
            "LOGIN_MAX_FAILURES_PER_ACCOUNT": LIMIT, "LOGIN_MAX_FAILURES_PER_ADDRESS": 1000,
            **config})

    yield start
    for httpd in servers:
        httpd.shutdown()


def _start(make_app, monkeypatch, servers, **config):
    app = make_app(**config)
    with app.app_context():
        province = create_unit("T", "Tỉnh", "province")
        create_user("an", "Nguyễn Văn An", PASSWORD, province)
        for n in range(RACERS):
            create_user(f"dong.nghiep{n}", f"Đồng nghiệp {n}", PASSWORD, province)
        db.session.commit()
    checks = []
    check = accounts.check_password_hash

    def slow_counted_check(stored, given):
        checks.append(given)
        time.sleep(0.2)
        return check(stored, given)

    monkeypatch.setattr(accounts, "check_password_hash", slow_counted_check)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    servers.append(httpd)
    return f"http://127.0.0.1:{httpd.server_port}", checks


def burst(requests) -> list[int]:
    barrier, statuses = threading.Barrier(len(requests)), []

    def run(send):
        barrier.wait()
        statuses.append(send())

    threads = [threading.Thread(target=run, args=(send,)) for send in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def test_a_concurrent_burst_against_one_account_checks_only_the_limit(server):
    base, checks = server
    tabs = [Browser(base) for _ in range(RACERS)]
    tokens = [tab.csrf("/login") for tab in tabs]
    statuses = burst([lambda tab=tab, token=token: tab.post("/login", {
        "csrf_token": token, "username": "an", "password": "sai-roi"})
        for tab, token in zip(tabs, tokens)])
    assert len(checks) == LIMIT, f"{len(checks)} passwords checked for a limit of {LIMIT}"
    assert sorted(statuses) == [401] * LIMIT + [429] * (RACERS - LIMIT)
    # The account is now locked for the window, the right password included.
    late = Browser(base)
    assert late.post("/login", {"csrf_token": late.csrf("/login"), "username": "an",
                                "password": PASSWORD}) == 429


def test_the_current_password_check_is_throttled_under_a_burst(server):
    base, checks = server
    tabs = []
    for _ in range(RACERS):  # one stolen session open in many tabs
        tab = Browser(base)
        assert tab.post("/login", {"csrf_token": tab.csrf("/login"), "username": "an",
                                   "password": PASSWORD}) == 302
        tabs.append((tab, tab.csrf("/profile/password")))
    checks.clear()
    statuses = burst([lambda tab=tab, token=token: tab.post("/profile/password", {
        "csrf_token": token, "current": "doan-thu", "new": "mat-khau-moi-1",
        "confirm": "mat-khau-moi-1"}) for tab, token in tabs])
    assert len(checks) == LIMIT, f"{len(checks)} current passwords checked for {LIMIT}"
    assert sorted(statuses) == [400] * LIMIT + [429] * (RACERS - LIMIT)
    tab, token = tabs[0]
    status, html = tab.request("/profile/password", {
        "csrf_token": token, "current": PASSWORD, "new": "mat-khau-moi-1",
        "confirm": "mat-khau-moi-1"})
    assert status == 429 and "Sai mật khẩu quá nhiều lần" in html


def test_an_address_past_its_failures_is_paced_not_locked_even_under_a_burst(serve):
    base, checks = serve(LOGIN_MAX_FAILURES_PER_ADDRESS=3, LOGIN_ADDRESS_SLOWDOWN_SECONDS=60)
    guesser = Browser(base)
    for n in range(3):  # someone in the office guesses, and fails
        assert guesser.post("/login", {"csrf_token": guesser.csrf("/login"),
                                       "username": f"dong.nghiep{n}", "password": "sai"}) == 401
    colleagues = [Browser(base) for _ in range(RACERS)]
    tokens = [tab.csrf("/login") for tab in colleagues]
    checks.clear()
    statuses = burst([lambda n=n, tab=tab, token=token: tab.post("/login", {
        "csrf_token": token, "username": f"dong.nghiep{n}", "password": PASSWORD})
        for n, (tab, token) in enumerate(zip(colleagues, tokens))])
    # One attempt per pace from the address: exactly one password checked (and it signs
    # in, as it is right); the rest are asked to wait a minute, not locked for the window.
    assert len(checks) == 1
    assert sorted(statuses) == [302] + [429] * (RACERS - 1)
    late = Browser(base)
    status, html = late.request("/login", {"csrf_token": late.csrf("/login"), "username": "an",
                                           "password": PASSWORD})
    assert status == 429 and "từ mạng của bạn" in html
