"""Every creating form is idempotent under duplicates (the one-time form key): the same form
sent twice in a row, or eight times at once through a real threaded server, makes one record
and one audit entry, nobody gets a 5xx, and every answer ends on the page a single submit
would — on SQLite and PostgreSQL. A form without its key creates as it always did."""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from elearn.clock import local_today, utcnow
from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import (
    AuditEntry, Exemplar, FormSubmission, Inspection, Invitation, Pledge, PledgeVersion,
    PledgeVolume, Position, Role, StudyPlan,
)
from elearn.services import submissions
from elearn.services.accounts import authenticate_local, create_user, find_user, grant_role
from elearn.services.committees import set_seat
from elearn.services.orgs import create_unit
from elearn.testing import csrf_token, login, race, serve, signed_in_tabs

PASSWORD = "mat-khau-dai"
COURSE = "cd-2016-toan-khoa"
YEAR = local_today().year
RACERS = 8
_KEY = re.compile(r'<input[^>]*name="request_key"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class Action:
    """One creating form: who sends it, from which page, to where, and what it makes."""

    user: str
    page: str
    path: str
    form: dict[str, Any]
    model: Any
    audit: str
    status: int
    # Text of the answer that must be the same for every duplicate (the result's page).
    same: str = r'href="([^"]+)"'
    extra: dict[str, Any] = field(default_factory=dict)


ACTIONS = {
    "inspection": Action(
        "btxa", "/inspections/", "/inspections/",
        {"unit_code": "C", "kind": "inspection", "held_on": local_today().isoformat(),
         "scope": "Việc thực hiện bản đăng ký năm nay", "findings": "Còn chung chung"},
        Inspection, "inspection.recorded", 302),
    "plan": Action(
        "quantri", "/plans/", "/plans/",
        {"year": YEAR, "unit_code": "C", "title": "Kế hoạch chi bộ", "audience": "cadre",
         "courses": [COURSE], "deadline": f"{YEAR}-12-31", "template": DEFAULT_TEMPLATE},
        StudyPlan, "plan.created", 302),
    "invitation": Action(
        "quantri", "/admin/invitations/", "/admin/invitations/",
        {"unit_code": "C", "audience": "cadre", "max_uses": 5, "days": 7},
        Invitation, "invitation.created", 201, same=r'class="code">([^<]+)<' ),
    "password": Action(
        "quantri", "/admin/people/{dv0}/password", "/admin/people/{dv0}/password", {},
        None, "password.reset", 200, same=r"<code[^>]*>([^<]+)</code>"),
    "volume": Action(
        "btcb", f"/review/?unit=C&year={YEAR}", f"/review/volumes?unit=C&year={YEAR}", {},
        PledgeVolume, "volume.bound", 302),
    "exemplar": Action(
        "btcb", f"/review/exemplars?unit=C&year={YEAR}",
        f"/review/exemplars?unit=C&year={YEAR}",
        {"kind": "collective", "name": "Tổ tự quản ấp Phú Hòa",
         "description": "Giữ đường làng sạch đẹp suốt năm"},
        Exemplar, "exemplar.nominated", 302),
}


@pytest.fixture
def world(app):
    """A commune (its secretary inspects), a cell whose secretary binds and nominates, an
    admin, and two filed pledges routed to the cell."""
    with app.app_context():
        commune = create_unit("X", "Đảng ủy xã An Phú", "grassroots")
        cell = create_unit("C", "Chi bộ ấp Phú Hòa", "cell", commune)
        plan = StudyPlan(year=YEAR, unit=commune, title="KH xã", audience="cadre",
                         courses=json.dumps([COURSE]), deadline=local_today() + timedelta(days=9),
                         superiors_first=False, inside_first=False, template=DEFAULT_TEMPLATE)
        db.session.add(plan)
        set_seat(commune, create_user("btxa", "Bí thư xã", PASSWORD, commune),
                 Position.SECRETARY, None)
        set_seat(cell, create_user("btcb", "Bí thư chi bộ", PASSWORD, cell),
                 Position.SECRETARY, None)
        grant_role(create_user("quantri", "Quản trị", PASSWORD, commune), Role.ADMIN, commune)
        for number in range(2):
            member = create_user(f"dv{number}", f"Đảng viên {number}", PASSWORD, cell)
            pledge = Pledge(user=member, plan=plan, year=YEAR, status="filed", review_unit=cell)
            pledge.versions.append(PledgeVersion(number=1, content="{}"))
            db.session.add(pledge)
        db.session.commit()
        return {"dv0": find_user("dv0").id}


def paths(action: Action, world: dict) -> tuple[str, str]:
    return action.page.format(**world), action.path.format(**world)


def key_from(html: str) -> str:
    match = _KEY.search(html)
    assert match, "the form carries no one-time key"
    return match.group(1)


def made(app, action: Action) -> int:
    """How many records the action made (for a password reset: how many resets)."""
    with app.app_context():
        if action.model is None:
            return audit_count(app, action.audit)
        baseline = {StudyPlan: 1}.get(action.model, 0)  # the fixture's own plan
        return db.session.scalar(select(func.count()).select_from(action.model)) - baseline


def audit_count(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == name))


def result_of(action: Action, status: int, body: str) -> str:
    """The page an answer ends on: the redirect target, the code or the password shown."""
    assert status == action.status, (status, body[:500])
    match = re.search(action.same, body)
    assert match, body[:2000]
    return match.group(1)


@pytest.fixture
def served(app, world, monkeypatch):
    # Hold every request between finding no claim for its key and claiming it, so the eight
    # duplicates all get past the check before any of them writes: only the unique key (and
    # the retry) can keep them to one record.
    original = submissions._prune
    monkeypatch.setattr(submissions, "_prune", lambda: (time.sleep(0.2), original())[1])
    with serve(app) as base:
        yield base


@pytest.mark.parametrize("name", list(ACTIONS))
def test_eight_duplicates_at_once_make_one_record_and_one_entry(app, world, served, name):
    action = ACTIONS[name]
    page, path = paths(action, world)
    tabs = signed_in_tabs(served, action.user, PASSWORD, page, RACERS)
    _status, html = tabs[0][0].request(page)
    answers = race(tabs, path, {**action.form, "request_key": key_from(html)})
    statuses = [status for status, _body in answers]
    assert all(status < 500 for status in statuses), statuses
    assert made(app, action) == 1, statuses
    assert audit_count(app, action.audit) == 1
    # Every duplicate ends where the first did: the same plan, code or temporary password.
    assert len({result_of(action, status, body) for status, body in answers}) == 1
    if name == "password":  # the password every answer showed is the one that works
        with app.app_context():
            assert authenticate_local("dv0", result_of(action, *answers[0])) is not None


@pytest.mark.parametrize("name", list(ACTIONS))
def test_a_double_submit_makes_one_record(app, world, name):
    action = ACTIONS[name]
    page, path = paths(action, world)
    client = app.test_client()
    assert login(client, action.user, PASSWORD).status_code == 302
    html = client.get(page).get_data(as_text=True)
    form = {**action.form, "csrf_token": csrf_token(client, page), "request_key": key_from(html)}
    first, second = client.post(path, data=form), client.post(path, data=form)
    assert made(app, action) == 1 and audit_count(app, action.audit) == 1
    assert result_of(action, first.status_code, first.get_data(as_text=True)) == result_of(
        action, second.status_code, second.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FormSubmission)) == 1


@pytest.mark.parametrize("name", ["inspection", "invitation", "password"])
def test_a_form_without_its_key_creates_as_before(app, world, name):
    """An old page or a script sends no key: each submission is a new one, as before."""
    action = ACTIONS[name]
    page, path = paths(action, world)
    client = app.test_client()
    assert login(client, action.user, PASSWORD).status_code == 302
    form = {**action.form, "csrf_token": csrf_token(client, page)}
    for _ in range(2):
        assert client.post(path, data=form).status_code == action.status
    assert made(app, action) == 2


def test_the_page_after_a_new_code_carries_a_new_key(app, world):
    """After a code is made the page shows the form again: the next code is a new one."""
    client = app.test_client()
    assert login(client, "quantri", PASSWORD).status_code == 302
    html = client.get("/admin/invitations/").get_data(as_text=True)
    form = {**ACTIONS["invitation"].form, "csrf_token": csrf_token(client, "/admin/invitations/")}
    answer = client.post("/admin/invitations/", data={**form, "request_key": key_from(html)})
    again = client.post("/admin/invitations/", data={
        **form, "request_key": key_from(answer.get_data(as_text=True))})
    assert again.status_code == 201 and made(app, ACTIONS["invitation"]) == 2


def test_a_refused_submission_keeps_no_claim(app, world):
    """A refusal (nothing to bind yet) leaves the key free: the form works once it can."""
    with app.app_context():
        db.session.execute(Pledge.__table__.update().values(status="draft"))
        db.session.commit()
    action = ACTIONS["volume"]
    client = app.test_client()
    assert login(client, "btcb", PASSWORD).status_code == 302
    html = client.get(action.page).get_data(as_text=True)
    form = {"csrf_token": csrf_token(client, action.page), "request_key": key_from(html)}
    assert client.post(action.path, data=form).status_code == 302
    assert made(app, action) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FormSubmission)) == 0
        db.session.execute(Pledge.__table__.update().values(status="filed"))
        db.session.commit()
    assert client.post(action.path, data=form).status_code == 302
    assert made(app, action) == 1


def test_keys_older_than_a_day_are_pruned(app, world):
    client = app.test_client()
    assert login(client, "btxa", PASSWORD).status_code == 302
    action = ACTIONS["inspection"]

    def send() -> None:
        html = client.get(action.page).get_data(as_text=True)
        assert client.post(action.path, data={
            **action.form, "csrf_token": csrf_token(client, action.page),
            "request_key": key_from(html)}).status_code == 302

    send()
    with app.app_context():  # a day and a minute ago
        db.session.execute(FormSubmission.__table__.update().values(
            created_at=utcnow() - submissions.KEEP_FOR - timedelta(minutes=1)))
        db.session.commit()
    send()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FormSubmission)) == 1
