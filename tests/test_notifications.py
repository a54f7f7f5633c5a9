"""The built-in notification centre: events become one notification per person (once per
change, even redelivered), a count in the header, a page to read and mark them, per-person
preferences; texts in the reader's language at read time."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from elearn.clock import local_today
from elearn.events import dispatch
from elearn.extensions import db
from elearn.models import Notification, Pledge
from elearn.services import pledges, plans
from elearn.services.accounts import find_user, set_locale
from elearn.testing import login

from kit import PASSWORD, csrf
from test_events import YEAR, cell_with_plan, file_pledge, plugin_module  # noqa: F401


def signed_in(app, username: str):
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def return_pledge_of(app, username: str) -> None:
    with app.app_context():
        pledge = db.session.scalar(select(Pledge).where(
            Pledge.user_id == find_user(username).id))
        pledges.return_pledge(pledge, find_user("btcb"), "Nêu rõ cách kiểm tra")


def rows(app, username: str) -> list[Notification]:
    with app.app_context():
        return list(db.session.scalars(select(Notification).where(
            Notification.user_id == find_user(username).id)))


def test_a_returned_pledge_is_one_notification_counted_listed_and_marked_read(app):
    cell_with_plan(app)
    assert file_pledge(app, "dv1").status_code == 302
    return_pledge_of(app, "dv1")
    [made] = rows(app, "dv1")
    assert made.kind == "pledge.returned" and made.read_at is None
    assert rows(app, "btcb") == []  # the reviewer is not told of their own answer
    client = signed_in(app, "dv1")
    home = client.get("/").get_data(as_text=True)
    assert 'class="count"' in home and ">1</span>" in home
    page = client.get("/notifications/").get_data(as_text=True)
    assert f"Bản cam kết năm {YEAR} của đồng chí đã được trả lại" in page
    # Another person cannot mark it read.
    other = signed_in(app, "dv2")
    assert other.post(f"/notifications/{made.id}/read", data={
        "csrf_token": csrf(other, "/notifications/")}).status_code == 404
    assert rows(app, "dv1")[0].read_at is None
    # Without the CSRF token nothing changes.
    assert client.post(f"/notifications/{made.id}/read").status_code == 400
    assert client.post(f"/notifications/{made.id}/read", data={
        "csrf_token": csrf(client, "/notifications/")}).status_code == 302
    assert rows(app, "dv1")[0].read_at is not None
    assert 'class="count"' not in client.get("/").get_data(as_text=True)
    # The text follows the reader's language, also for an old notification.
    with app.app_context():
        set_locale(find_user("dv1"), "en")
    english = signed_in(app, "dv1").get("/notifications/").get_data(as_text=True)
    assert f"Your pledge for {YEAR} was returned" in english


def test_a_redelivered_event_makes_no_second_notification(make_app, plugin_module):
    plugin_module("event_listener", """
        from elearn.api import hookimpl
        HEARD = []
        @hookimpl
        def track_event(event):
            HEARD.append(event)
        """)
    import event_listener
    app = make_app(PLUGINS=["event_listener"])
    cell_with_plan(app)
    assert file_pledge(app, "dv1").status_code == 302
    return_pledge_of(app, "dv1")
    returned = [e for e in event_listener.HEARD if e.name == "pledge.returned"][0]
    with app.app_context():
        dispatch(returned)
        dispatch(returned)
    assert len(rows(app, "dv1")) == 1


def test_mark_all_read_and_pages(app):
    cell_with_plan(app)
    with app.app_context():
        dv1 = find_user("dv1")
        db.session.add_all(Notification(user_id=dv1.id, kind="pledge.can_file",
                                        params={"year": YEAR}, key=f"k{i}") for i in range(25))
        db.session.commit()
    client = signed_in(app, "dv1")
    first = client.get("/notifications/").get_data(as_text=True)
    assert first.count('name="page"') == 20  # one "mark read" button per unread row
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert second.count('name="page"') == 5
    assert client.get("/notifications/?page=abc").status_code == 200
    assert client.post("/notifications/read-all", data={
        "csrf_token": csrf(client, "/notifications/")}).status_code == 302
    assert all(row.read_at is not None for row in rows(app, "dv1"))


def test_preferences_turn_a_kind_off_and_refuse_a_bad_hour(app):
    cell_with_plan(app)
    client = signed_in(app, "dv1")
    path = "/notifications/preferences"
    bad = client.post(path, data={"csrf_token": csrf(client, path), "channel": "email",
                                  "language": "en", "quiet_start": "25:99"})
    assert bad.status_code == 400
    assert "HH:MM" in bad.get_data(as_text=True)
    ok = client.post(path, data={"csrf_token": csrf(client, path), "channel": "email",
                                 "language": "en", "quiet_start": "22:00", "quiet_end": "06:30",
                                 "kind_pledge_acknowledged": "y"})
    assert ok.status_code == 302
    assert file_pledge(app, "dv1").status_code == 302
    return_pledge_of(app, "dv1")
    assert rows(app, "dv1") == []  # "returned" is off now
    page = client.get(path).get_data(as_text=True)
    assert 'value="22:00"' in page and 'value="06:30"' in page


def test_a_new_plan_tells_everyone_under_its_unit(app):
    cell_with_plan(app)
    with app.app_context():
        cell = find_user("dv1").unit
        plans.save_plan(None, plans.PlanFields(
            year=YEAR + 1, unit=cell, title="Kế hoạch năm sau", audience="all",
            deadline=local_today() + timedelta(days=300), courses=[], superiors_first=False,
            template="", inside_first=False, study_since=None), by=find_user("btcb"))
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "plan.assigned")) == 4
    page = signed_in(app, "dv2").get("/notifications/").get_data(as_text=True)
    assert "Kế hoạch năm sau" in page
