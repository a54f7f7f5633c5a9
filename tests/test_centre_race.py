"""A training centre's actions fired as 8 concurrent duplicate POSTs (a double click, a
retried request, several tabs) through a real threaded server, on SQLite and PostgreSQL:
one effect, one audit entry, no 5xx, and every duplicate gets a clear answer."""
from __future__ import annotations

import html
import time

import pytest
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.models import Accommodation, AuditEntry, Completion, Revocation
from elearn.services import audit, completions
from elearn.testing import Browser, race, serve, signed_in_tabs

from kit import CENTRE_COURSE as COURSE, PASSWORD, build_centre, complete

RACERS = 8


@pytest.fixture
def served(app, monkeypatch):
    """The centre's site on a real threaded server; each write is held between its checks
    and its insert, so the duplicates truly overlap."""
    with app.app_context():
        build_centre()
    sign = completions.sign
    monkeypatch.setattr(completions, "sign",
                        lambda c, revoked=None: (time.sleep(0.3), sign(c, revoked))[1])
    with serve(app) as base:
        yield app, base


def verifier_tabs(base: str, page: str) -> list[tuple[Browser, str]]:
    return signed_in_tabs(base, "ttct", PASSWORD, page, RACERS)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_duplicate_in_person_records_make_one_completion(served):
    app, base = served
    tabs = verifier_tabs(base, "/centre/completions/record")
    answers = race(tabs, "/centre/completions/record",
                   {"username": "hoc.vien", "course": COURSE, "completed_on": "2026-03-15",
                    "score": "85", "note": "Lớp tháng 3"})
    statuses = sorted(status for status, _body in answers)
    assert statuses == [302] + [400] * (RACERS - 1), statuses
    refusals = [html.unescape(body) for status, body in answers if status == 400]
    assert all("Nguyễn Thị Ánh Tuyết đã hoàn thành khóa học này." in body for body in refusals)
    with app.app_context():
        assert count(Completion) == 1
        assert count(AuditEntry, AuditEntry.action == "completion.issued") == 1
        assert audit.verify_chain().ok and not completions.integrity_problems()


def test_duplicate_revocations_revoke_once(served):
    app, base = served
    with app.app_context():
        completion = complete()
        completion_id, code = completion.id, completion.code
    tabs = verifier_tabs(base, "/centre/completions")
    answers = race(tabs, f"/centre/completions/{completion_id}/revoke",
                   {"reason": "Không tham dự lớp"})
    assert [status for status, _body in answers] == [302] * RACERS
    flashes = [html.unescape(tab.request("/centre/completions")[1]) for tab, _token in tabs]
    done = [page for page in flashes if "Đã thu hồi kết quả hoàn thành" in page]
    already = [page for page in flashes if "đã bị thu hồi trước đó" in page]
    assert (len(done), len(already)) == (1, RACERS - 1)
    with app.app_context():
        assert count(Revocation) == 1
        assert count(AuditEntry, AuditEntry.action == "completion.revoked") == 1
        assert completions.verify(code).status == completions.Status.REVOKED
        assert audit.verify_chain().ok and not completions.integrity_problems()


def test_duplicate_accommodation_grants_grant_once(served, monkeypatch):
    app, base = served
    record = audit.record
    monkeypatch.setattr(audit, "record", lambda *a, **k: (time.sleep(0.3), record(*a, **k))[1])
    tabs = verifier_tabs(base, "/centre/accommodations")
    answers = race(tabs, "/centre/accommodations",
                   {"username": "hoc.vien", "course": COURSE, "extra_minutes": "15",
                    "extra_attempts": "1", "reason": "Mất điện giữa giờ thi"})
    assert [status for status, _body in answers] == [302] * RACERS
    flashes = [html.unescape(tab.request("/centre/accommodations")[1]) for tab, _t in tabs]
    assert sum("nay được thêm 15 phút" in page for page in flashes) == 1
    assert sum("đã được cấp trước đó" in page for page in flashes) == RACERS - 1
    with app.app_context():
        assert count(Accommodation) == 1
        assert count(AuditEntry, AuditEntry.action == "accommodation.granted") == 1
        assert audit.verify_chain().ok
