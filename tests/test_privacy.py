"""Personal pages and files are not cached, and server-side sessions end: after an idle time
and after an absolute lifetime (both configurable), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from elearn.extensions import db
from elearn.models import UserSession
from elearn.clock import utcnow
from elearn.testing import csrf_token, login, signed_in_client

from test_permissions import app  # noqa: F401 (fixture)
from kit import PASSWORD

NO_STORE = "private, no-store"


def signed_in(app, username="nguoi.a"):  # noqa: F811
    return signed_in_client(app, username, PASSWORD)


def test_signed_in_pages_and_personal_files_are_not_cached(app, world):  # noqa: F811
    client = signed_in(app)
    code = world.codes["a"]
    for path in ("/", "/profile/", "/certificates/", f"/certificates/{code}",
                 f"/certificates/{code}.pdf", "/pledges/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == NO_STORE, path
    assert client.get(f"/certificates/{code}.pdf").content_type == "application/pdf"
    officer = signed_in(app, "role.officer")
    export = officer.get("/dashboard/export/pledges.csv?unit=A")
    assert export.status_code == 200 and export.headers["Cache-Control"] == NO_STORE


def test_public_pages_and_static_files_stay_cacheable(app, world):  # noqa: F811
    anonymous = app.test_client()
    assert anonymous.get("/verify").headers.get("Cache-Control") != NO_STORE
    client = signed_in(app)
    static = client.get("/static/elearn.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get(
        "Cache-Control", "")


def _age_sessions(app, *, created: timedelta, seen: timedelta) -> None:  # noqa: F811
    with app.app_context():
        now = utcnow()
        db.session.execute(update(UserSession).values(created_at=now - created,
                                                      last_seen_at=now - seen))
        db.session.commit()


def _sessions(app) -> int:  # noqa: F811
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(UserSession))


@pytest.mark.parametrize("created, seen, still_in", [
    (timedelta(days=400), timedelta(days=400), False),   # the reported case
    (timedelta(hours=9), timedelta(hours=8, minutes=1), False),   # idle past 8 h
    (timedelta(days=31), timedelta(minutes=1), False),   # active, but past 30 days
    (timedelta(days=29), timedelta(hours=7), True),
])
def test_sessions_end_after_idle_time_and_absolute_lifetime(app, world, created, seen,  # noqa: F811,E501
                                                            still_in):
    client = signed_in(app)
    _age_sessions(app, created=created, seen=seen)
    response = client.get("/profile/")
    if still_in:
        assert response.status_code == 200
        assert _sessions(app) == 1
    else:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert _sessions(app) == 0  # the row is gone: the cookie can never come back


def test_session_lifetimes_come_from_the_environment(make_app, monkeypatch):
    from elearn.services.accounts import create_user
    from elearn.services.orgs import create_unit

    monkeypatch.setenv("ELEARN_SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("ELEARN_SESSION_MAX_DAYS", "2")
    site = make_app()
    assert site.config["SESSION_IDLE_MINUTES"] == 30
    with site.app_context():
        create_user("an", "An", PASSWORD, create_unit("T", "Tỉnh", "province"))
        db.session.commit()
    client = site.test_client()
    assert login(client, "an", PASSWORD).status_code == 302
    _age_sessions(site, created=timedelta(minutes=40), seen=timedelta(minutes=29))
    assert client.get("/profile/").status_code == 200
    _age_sessions(site, created=timedelta(minutes=40), seen=timedelta(minutes=31))
    assert client.get("/profile/").status_code == 302
    assert login(client, "an", PASSWORD).status_code == 302
    _age_sessions(site, created=timedelta(days=2, minutes=1), seen=timedelta(minutes=1))
    assert client.get("/profile/").status_code == 302


def test_a_bad_lifetime_setting_stops_start_up_with_one_clear_line(make_app, monkeypatch):
    monkeypatch.setenv("ELEARN_SESSION_MAX_DAYS", '"thirty"')
    with pytest.raises(ValueError, match="ELEARN_SESSION_MAX_DAYS must be a number"):
        make_app()


def test_signing_out_still_ends_the_session(app, world, client, auth):  # noqa: F811
    assert auth.login("nguoi.a", PASSWORD).status_code == 302
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/profile/").status_code == 302
