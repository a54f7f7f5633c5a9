"""Every pledge action is idempotent under concurrent duplicates: eight identical requests at
once through a real threaded server make one effect and one audit entry, and nobody gets a
5xx — filing, returning, acknowledging, the self-assessment and the rating, on SQLite and
PostgreSQL."""
from __future__ import annotations

import json
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from elearn.clock import local_today
from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import AuditEntry, Pledge, PledgeVersion, Position, StudyPlan
from elearn.services import committees, pledges
from elearn.services.accounts import create_user
from elearn.services.committees import set_seat
from elearn.services.orgs import create_unit
from elearn.testing import Browser, race, serve, signed_in_tabs


PASSWORD = "mat-khau-dai"
YEAR = local_today().year
RACERS = 8


@pytest.fixture
def served(app, monkeypatch):
    with app.app_context():
        cell = create_unit("C", "Chi bộ", "cell")
        secretary = create_user("btcb", "Bí thư chi bộ", PASSWORD, cell)
        set_seat(cell, create_user("pbtcb", "Phó bí thư", PASSWORD, cell), Position.DEPUTY,
                 None)
        set_seat(cell, secretary, Position.SECRETARY, None)
        for username in ("dv1", "dv2"):
            create_user(username, f"Đảng viên {username}", PASSWORD, cell)
        db.session.add(StudyPlan(year=YEAR, unit=cell, title="KH", audience="cadre",
                                 courses="[]", deadline=local_today() + timedelta(days=9),
                                 superiors_first=False, template=DEFAULT_TEMPLATE))
        db.session.commit()
    # Hold each request between its checks and its write, so the duplicates truly overlap.
    for module, name in ((pledges, "run_checks"), (committees, "can_act"),
                         (pledges, "_latest")):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _o=original, **k: (time.sleep(0.2),
                                                                        _o(*a, **k))[1])
    with serve(app) as base:
        yield app, base


def tabs(base: str, username: str, page: str) -> list[tuple[Browser, str]]:
    return signed_in_tabs(base, username, PASSWORD, page, RACERS)


def at_once(opened, path: str, data: dict) -> list[int]:
    return [status for status, _body in race(opened, path, data)]


def audit_count(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == action))


def state(app, username: str):
    with app.app_context():
        pledge = db.session.scalar(select(Pledge).where(Pledge.user.has(username=username)))
        versions = db.session.scalar(select(func.count()).select_from(PledgeVersion).where(
            PledgeVersion.pledge_id == pledge.id))
        return pledge.id, pledge.status, versions


FILING = {"file": "y", "accepted": "y", "ct05-0-what": "Gặp gỡ 5 hộ dân mỗi tháng",
          "ct05-0-by_when": "Hằng tháng", "ct05-0-how": "Sổ ghi chép"}


def test_concurrent_duplicates_have_one_effect_each(served):
    app, base = served
    page = f"/pledges/{YEAR}"
    for username in ("dv1", "dv2"):
        statuses = at_once(tabs(base, username, page), page, FILING)
        assert all(status in (302, 303) for status in statuses), statuses
        assert state(app, username)[1:] == ("filed", 1)
    assert audit_count(app, "pledge.filed") == 2

    first, _status, _versions = state(app, "dv1")
    second, _status, _versions = state(app, "dv2")
    reviewer = tabs(base, "btcb", f"/review/pledges/{first}")
    statuses = at_once(reviewer, f"/review/pledges/{first}/acknowledge", {})
    assert all(status == 302 for status in statuses), statuses
    assert state(app, "dv1")[1] == "acknowledged"
    assert audit_count(app, "pledge.acknowledged") == 1

    statuses = at_once(reviewer, f"/review/pledges/{second}/return",
                       {"comment": "Nêu rõ cách kiểm tra"})
    assert all(status == 302 for status in statuses), statuses
    assert state(app, "dv2")[1] == "returned"
    assert audit_count(app, "pledge.returned") == 1

    assessment = f"/pledges/{YEAR}/assessment"
    statuses = at_once(tabs(base, "dv1", assessment), assessment,
                       {"ct05-0-result": "done", "ct05-0-evidence": "Sổ ghi chép 12 tháng"})
    assert all(status in (302, 303) for status in statuses), statuses
    assert statuses.count(302) == 1
    assert state(app, "dv1")[1] == "self_assessed"
    assert audit_count(app, "pledge.self_assessed") == 1

    statuses = at_once(reviewer, f"/review/pledges/{first}/rate",
                       {"rating": "good", "comment": "Tốt"})
    assert all(status == 302 for status in statuses), statuses
    assert state(app, "dv1")[1] == "assessed"
    assert audit_count(app, "pledge.assessed") == 1
    with app.app_context():
        pledge = db.session.get(Pledge, first)
        assert pledge.rating == "good"
        assert json.loads(pledge.self_assessment)["ct05-0"]["result"] == "done"
