"""The signed one-click unsubscribe is audited: the RFC 8058 POST and the page's form each
record one entry; two clicks, or eight at the same moment through a real server, are one
change and one entry."""
from __future__ import annotations

from sqlalchemy import select

from elearn.builtins.notifications import store
from elearn.builtins.notifications.unsubscribe import token_for
from elearn.extensions import db
from elearn.models import AuditEntry
from elearn.services.accounts import create_user, find_user
from elearn.services.audit import verify_chain
from elearn.services.orgs import create_unit
from elearn.testing import Browser, race, serve

from kit import PASSWORD, csrf


def person(app) -> int:
    with app.app_context():
        made = create_user("dv1", "Nguyễn Văn Một", PASSWORD, create_unit("C", "Chi bộ", "cell"))
        db.session.commit()
        return made.id


def entries(app) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "notifications.unsubscribed")))


def test_one_click_twice_is_one_change_and_one_entry(app):
    user_id = person(app)
    with app.app_context():
        path = f"/unsubscribe/{token_for(user_id, 'reminder')}"
    client = app.test_client()
    for _twice in range(2):
        assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    [entry] = entries(app)
    assert entry.actor_id == user_id and entry.subject == f"user:{user_id}"
    assert '"kind":"reminder"' in entry.data and '"how":"one-click"' in entry.data
    # The page's form for the same kind changes nothing more, audits nothing more.
    assert client.post(path, data={"csrf_token": csrf(client, path)}).status_code == 200
    assert len(entries(app)) == 1
    # Another kind through the page: its own entry.
    with app.app_context():
        other = f"/unsubscribe/{token_for(user_id, 'digest')}"
    assert client.post(other, data={"csrf_token": csrf(client, other)}).status_code == 200
    assert sorted('"how":"page"' in e.data for e in entries(app)) == [False, True]
    with app.app_context():
        assert store.preferences_of(user_id).kinds_off == ["digest", "reminder"]
        assert verify_chain().ok


def test_refused_requests_audit_nothing(app):
    user_id = person(app)
    with app.app_context():
        path = f"/unsubscribe/{token_for(user_id, 'reminder')}"
        gone = f"/unsubscribe/{token_for(user_id + 99, 'reminder')}"
    client = app.test_client()
    assert client.get(path).status_code == 200                   # asking changes nothing
    assert client.post(path).status_code == 400                  # no CSRF token
    assert client.post(gone, data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert entries(app) == []


def test_eight_clicks_at_once_are_one_change_and_one_entry(app):
    user_id = person(app)
    with app.app_context():
        path = f"/unsubscribe/{token_for(user_id, 'pledge.returned')}"
    with serve(app) as base:
        # Mail clients, not browsers: no session, no CSRF token, the RFC 8058 body.
        answers = race([(Browser(base), "") for _ in range(8)], path,
                       {"List-Unsubscribe": "One-Click"})
    assert [status for status, _body in answers] == [200] * 8
    assert len(entries(app)) == 1
    with app.app_context():
        assert store.preferences_of(user_id).kinds_off == ["pledge.returned"]
        assert find_user("dv1") is not None and verify_chain().ok
