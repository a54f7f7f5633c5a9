"""The helpers elearn.testing gives tests and plugin authors do what they say."""
from __future__ import annotations

import time
from datetime import timedelta

from elearn.clock import local_today, utcnow
from elearn.extensions import db
from elearn.services.accounts import create_user
from elearn.services.orgs import create_unit


def test_the_clock_fixture_moves_the_apps_time_without_waiting(clock):
    before, today, started = utcnow(), local_today(), time.monotonic()
    clock.advance(2 * 24 * 3600)
    moved = utcnow() - before
    assert timedelta(days=2) <= moved < timedelta(days=2, minutes=1)
    assert local_today() == today + timedelta(days=2)
    assert time.monotonic() - started < 5  # timeouts still run on real time


def test_auth_actions_sign_in_and_out_through_the_real_forms(app, client, auth):
    with app.app_context():
        create_user("an", "An", "mat-khau-dai-2026", create_unit("T", "Tỉnh", "province"))
        db.session.commit()
    assert client.get("/profile/").status_code == 302
    assert auth.login("an", "sai-mat-khau").status_code == 401
    assert auth.login("an", "mat-khau-dai-2026").status_code == 302
    assert client.get("/profile/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/profile/").status_code == 302


def test_recording_server_answers_as_told_and_records_every_request():
    import urllib.error
    import urllib.request

    from elearn.testing import recording_server

    refuse_bad = lambda method, path, headers, body: 400 if body == b"bad" else None  # noqa: E731
    with recording_server(decide=refuse_bad) as server:
        server.answers.append(503)
        codes = []
        for body in (b"first", b"second", b"bad"):
            request = urllib.request.Request(f"{server.url}/hook", data=body, method="POST",
                                             headers={"X-Test": "yes"})
            try:
                codes.append(urllib.request.urlopen(request, timeout=10).status)
            except urllib.error.HTTPError as exc:
                codes.append(exc.code)
    assert codes == [503, 200, 400]
    assert [r.status for r in server.requests] == [503, 200, 400]
    [(headers, body)] = server.received
    assert body == b"second" and headers["X-Test"] == "yes"
    assert server.requests[0].path == "/hook" and server.requests[0].method == "POST"
