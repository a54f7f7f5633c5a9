"""Per-kind channel choice: the preferences page is a table of kind × channel checkboxes
(in-app always, e-mail, any installed channel), stored per cell and honoured when the outbox
rows are made; sensible defaults for people who never saved it."""
from __future__ import annotations

from sqlalchemy import select

from elearn.builtins.notifications import store
from elearn.extensions import db
from elearn.models import Notification, NotificationPreference, OutboxEntry
from elearn.services.accounts import create_user, find_user
from elearn.services.orgs import create_unit
from elearn.testing import login

from kit import PASSWORD, csrf
from test_events import plugin_module  # noqa: F401
from test_channels import CHANNELS

PATH = "/notifications/preferences"


def person_with_email(app, email: str | None = "mot@example.vn") -> int:
    with app.app_context():
        unit = create_unit("C", "Chi bộ", "cell")
        person = create_user("dv1", "Nguyễn Văn Một", PASSWORD, unit)
        person.email = email
        db.session.commit()
        return person.id


def notify(app, kind: str, key: str) -> None:
    with app.app_context():
        store.notify(db.session, kind, key, [find_user("dv1").id], {"year": 2026}, "/")
        db.session.commit()


def outbox_rows(app) -> list[OutboxEntry]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxEntry)))


def checked(page: str, name: str) -> bool:
    start = page.index(f'name="{name}"')
    return "checked" in page[start:page.index(">", start)]


def test_defaults_send_what_needs_acting_on_by_email_and_nothing_else(make_app):
    app = make_app()
    person_with_email(app)
    notify(app, "pledge.returned", "r1")
    notify(app, "reminder", "d1")
    notify(app, "plan.assigned", "p1")
    with app.app_context():
        sent = set(db.session.execute(select(OutboxEntry.channel, Notification.kind).join(
            Notification, Notification.id == OutboxEntry.notification_id)).all())
    assert sent == {("email", "pledge.returned"), ("email", "reminder")}
    client = app.test_client()
    assert login(client, "dv1", PASSWORD).status_code == 302
    page = client.get(PATH).get_data(as_text=True)
    assert checked(page, "by_kind_reminder_email") and checked(page, "by_kind_digest_email")
    assert checked(page, "by_kind_pledge_returned_email")
    assert not checked(page, "by_kind_plan_assigned_email")
    assert checked(page, "kind_plan_assigned")  # in-app: everything on


def test_someone_without_an_address_gets_no_email_by_default(make_app):
    app = make_app()
    person_with_email(app, None)
    notify(app, "pledge.returned", "r1")
    assert outbox_rows(app) == []


def test_the_table_is_stored_per_cell_and_honoured(make_app, plugin_module):
    plugin_module("my_channels", CHANNELS)
    app = make_app(PLUGINS=["my_channels"])
    person_id = person_with_email(app)
    client = app.test_client()
    assert login(client, "dv1", PASSWORD).status_code == 302
    page = client.get(PATH).get_data(as_text=True)
    assert ">Gateway</th>" in page  # a plugin's channel is a column of its own
    assert checked(page, "by_kind_plan_assigned_gateway")  # takes everything by default
    form = {"csrf_token": csrf(client, PATH), "language": "",
            "kind_pledge_returned": "y", "kind_pledge_acknowledged": "y",
            "by_kind_pledge_acknowledged_email": "y",    # on: not a default
            "by_kind_pledge_returned_gateway": "y"}      # e-mail off, gateway on
    for _twice in range(2):
        assert client.post(PATH, data=form).status_code == 302
    with app.app_context():
        saved = db.session.get(NotificationPreference, person_id).channels
    assert saved["pledge.returned"] == {"email": False, "gateway": True, "buggy": False}
    assert saved["pledge.acknowledged"] == {"email": True, "gateway": False, "buggy": False}
    page = client.get(PATH).get_data(as_text=True)
    assert not checked(page, "by_kind_pledge_returned_email")
    assert checked(page, "by_kind_pledge_acknowledged_email")
    notify(app, "pledge.returned", "r1")
    notify(app, "pledge.acknowledged", "a1")
    with app.app_context():
        sent = set(db.session.execute(select(OutboxEntry.channel, Notification.kind).join(
            Notification, Notification.id == OutboxEntry.notification_id)).all())
    assert sent == {("gateway", "pledge.returned"), ("email", "pledge.acknowledged")}


def test_the_table_needs_its_csrf_token(make_app):
    app = make_app()
    person_id = person_with_email(app)
    client = app.test_client()
    assert login(client, "dv1", PASSWORD).status_code == 302
    assert client.post(PATH, data={"kind_reminder": "y"}).status_code == 400
    with app.app_context():
        assert db.session.get(NotificationPreference, person_id) is None
