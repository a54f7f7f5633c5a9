"""The xAPI plugin against a local LRS stand-in (a real HTTP server on 127.0.0.1 that checks
the headers and keeps statements by id): lessons studied, quizzes passed and failed and
courses completed arrive once each, as xAPI 1.0.3, after a failing LRS comes back."""
from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from elearn.events import Event, dispatch
from elearn.extensions import db
from elearn.jobqueue import EmbeddedWorker
from elearn.models import OutboxEntry
from elearn.services.accounts import create_user, find_user
from elearn.services.orgs import create_unit
from elearn.testing import recording_server, wait_for_outbox

from kit import PASSWORD

PUBLIC = "https://hoctap.example.vn"
AUTH = "Basic " + base64.b64encode(b"lrs-user:lrs-pass").decode()


class LRS:
    """What the LRS stand-in kept: statements by id, refusals, the next answers to give."""

    statements: dict[str, dict] = {}
    refused: list[str] = []
    answers: list[int] = []


def lrs_answer(method: str, path: str, headers: dict[str, str], body: bytes) -> int:
    """An LRS's checks: xAPI version, credentials, the statement's own id in the address."""
    problems = []
    if method != "PUT":
        problems.append("method")
    if headers.get("X-Experience-API-Version") != "1.0.3":
        problems.append("version")
    if headers.get("Authorization") != AUTH:
        problems.append("auth")
    url = urlsplit(path)
    statement_id = parse_qs(url.query).get("statementId", [""])[0]
    statement = json.loads(body)
    if url.path != "/xapi/statements" or statement.get("id") != statement_id:
        problems.append("address")
    code = 400 if problems else (LRS.answers.pop(0) if LRS.answers else 204)
    if problems:
        LRS.refused.append(",".join(problems))
    elif code == 204:
        LRS.statements.setdefault(statement_id, statement)
    return code


@pytest.fixture
def lrs():
    LRS.statements, LRS.refused, LRS.answers = {}, [], []
    with recording_server(decide=lrs_answer) as server:
        yield server


def event(name: str, key: str, person_id: int, **data) -> Event:
    return Event(name, key, person_id, person_id, None, data,
                 datetime(2026, 12, 4, 6, 30, 15, 123456))


def test_statements_reach_the_lrs_once_each_with_ids_verbs_and_results(make_app, lrs):
    app = make_app(PUBLIC_URL=PUBLIC, XAPI_ENDPOINT=f"{lrs.url}/xapi/",
                   XAPI_USERNAME="lrs-user", XAPI_PASSWORD="lrs-pass")
    LRS.answers = [503]   # the LRS is busy at first: retried, still once
    with app.test_request_context():
        unit = create_unit("C", "Chi bộ", "cell")
        person = create_user("dv1", "Nguyễn Văn Một", "mat-khau-dai-1", unit)
        person.email = "mot@example.vn"
        db.session.commit()
        pid = person.id
        happened = [
            event("lesson.opened", f"lesson.opened:user:{pid}:k:l1", pid, course="k",
                  lesson="l1"),
            event("attempt.started", f"attempt.started:user:{pid}:k:1", pid, course="k",
                  number=1),
            event("lesson.studied", f"lesson.studied:user:{pid}:k:l1", pid, course="k",
                  lesson="l1"),
            event("attempt.graded", "attempt.graded:attempt:1", pid, course="k", score=40,
                  passed=False),
            event("attempt.graded", "attempt.graded:attempt:2", pid, course="k", score=85,
                  passed=True),
            event("completion.issued", "completion.issued:ABC", pid, course="k", code="ABC"),
            event("pledge.filed", "pledge.filed:pledge:1:v1", pid),   # not for the LRS
        ]
        for each in happened + happened[:2]:   # two redelivered: nothing more
            dispatch(each)
    with EmbeddedWorker(app):
        rows = wait_for_outbox(app, count=6)
    assert [row.status for row in rows] == ["sent"] * 6 and LRS.refused == []
    assert sorted(row.attempts for row in rows) == [1, 1, 1, 1, 1, 2]
    stored = LRS.statements
    assert len(stored) == 6
    by_verb = [(s["verb"]["id"].rsplit("/", 1)[1], s["object"]["id"]) for s in
               stored.values()]
    assert ("launched", f"{PUBLIC}/courses/k/lessons/l1") in by_verb
    assert ("launched", f"{PUBLIC}/courses/k/quiz") in by_verb
    assert ("completed", f"{PUBLIC}/courses/k/lessons/l1") in by_verb
    assert ("failed", f"{PUBLIC}/courses/k/quiz") in by_verb
    assert ("passed", f"{PUBLIC}/courses/k/quiz") in by_verb
    assert ("completed", f"{PUBLIC}/courses/k/") in by_verb
    passed = next(s for s in stored.values() if s["verb"]["id"].endswith("/passed"))
    assert passed["result"] == {"score": {"scaled": 0.85, "raw": 85.0, "min": 0, "max": 100},
                                "success": True, "completion": True}
    assert passed["timestamp"] == "2026-12-04T06:30:15Z"
    assert passed["id"] == str(uuid.uuid5(uuid.NAMESPACE_URL,
                                          f"{PUBLIC}/xapi/attempt.graded:attempt:2"))
    # The person is an account on the site, never their e-mail (not configured).
    assert passed["actor"] == {"objectType": "Agent",
                               "account": {"homePage": PUBLIC, "name": str(pid)}}
    assert "mot@example.vn" not in json.dumps(stored)


def test_without_an_endpoint_nothing_is_queued(make_app):
    app = make_app()
    with app.test_request_context():
        unit = create_unit("C", "Chi bộ", "cell")
        person = create_user("dv1", "Một", "mat-khau-dai-1", unit)
        db.session.commit()
        dispatch(event("completion.issued", "completion.issued:X", person.id, course="k"))
        assert db.session.query(OutboxEntry).count() == 0
        assert find_user("dv1") is not None


def test_a_refusing_lrs_fails_the_statement_for_admins_to_see(make_app, lrs):
    app = make_app(PUBLIC_URL=PUBLIC, XAPI_ENDPOINT=f"{lrs.url}/xapi",
                   XAPI_USERNAME="wrong", XAPI_PASSWORD="x", XAPI_ACTOR_EMAIL=True)
    with app.test_request_context():
        unit = create_unit("C", "Chi bộ", "cell")
        person = create_user("dv1", "Một", "mat-khau-dai-1", unit)
        person.email = "mot@example.vn"
        db.session.commit()
        dispatch(event("completion.issued", "completion.issued:X", person.id, course="k"))
        statement = db.session.query(OutboxEntry).one().payload
        assert statement["actor"] == {"objectType": "Agent", "mbox": "mailto:mot@example.vn"}
    with EmbeddedWorker(app):
        [row] = wait_for_outbox(app, count=1)
    assert row.status == "failed" and row.attempts == 1 and "HTTP 400" in row.last_error
    assert LRS.refused == ["auth"] and LRS.statements == {}


def test_opening_a_lesson_and_starting_the_quiz_are_launched_statements(make_app, lrs,
                                                                         tmp_path, clock):
    from elearn.testing import csrf_token, login, write_course

    write_course(tmp_path / "courses")
    app = make_app(PUBLIC_URL=PUBLIC, COURSE_DIRS=[str(tmp_path / "courses")],
                   XAPI_ENDPOINT=f"{lrs.url}/xapi",
                   XAPI_USERNAME="lrs-user", XAPI_PASSWORD="lrs-pass")
    with app.app_context():
        create_user("dv1", "Một", PASSWORD, create_unit("C", "Chi bộ", "cell"))
        db.session.commit()
    client = app.test_client()
    assert login(client, "dv1", PASSWORD).status_code == 302
    course = "/courses/khoa-thu"
    for lesson in ("01-mot", "02-hai", "01-mot"):   # opened again: the first opening only
        assert client.get(f"{course}/lessons/{lesson}").status_code == 200
    clock.advance(3600)   # the reading time has passed
    for lesson in ("01-mot", "02-hai"):
        path = f"{course}/lessons/{lesson}"
        assert client.post(f"{path}/studied", data={
            "csrf_token": csrf_token(client, path)}).status_code in (302, 303)
    started = client.post(f"{course}/quiz/start",
                          data={"csrf_token": csrf_token(client, f"{course}/quiz/")})
    assert "/quiz/" in started.headers["Location"] and \
        not started.headers["Location"].endswith("/quiz/")
    with EmbeddedWorker(app):
        rows = wait_for_outbox(app, count=5)
    assert {row.status for row in rows} == {"sent"} and len(rows) == 5
    assert sorted((s["verb"]["id"].rsplit("/", 1)[1], s["object"]["id"])
                  for s in LRS.statements.values()) == [
        ("completed", f"{PUBLIC}/courses/khoa-thu/lessons/01-mot"),
        ("completed", f"{PUBLIC}/courses/khoa-thu/lessons/02-hai"),
        ("launched", f"{PUBLIC}/courses/khoa-thu/lessons/01-mot"),
        ("launched", f"{PUBLIC}/courses/khoa-thu/lessons/02-hai"),
        ("launched", f"{PUBLIC}/courses/khoa-thu/quiz")]
