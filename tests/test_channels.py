"""Notification channels through the outbox: e-mail to a real SMTP server on 127.0.0.1
(aiosmtpd), sent by a real Huey consumer; once per (notification, channel) whatever fails or
repeats; one-click unsubscribe (RFC 8058) with a signed token; failures shown to admins."""
from __future__ import annotations

import threading
from datetime import datetime
from email.header import decode_header
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from elearn.builtins.notifications import store
from elearn.builtins.notifications.delivery import quiet_until
from elearn.extensions import db
from elearn.jobqueue import EmbeddedWorker
from elearn.models import NotificationPreference, OutboxEntry, Role
from elearn.services import outbox
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.orgs import create_unit
from elearn.testing import login, wait_for_outbox

from kit import PASSWORD, csrf
from test_events import YEAR, cell_with_plan, file_pledge, plugin_module  # noqa: F401
from test_notifications import return_pledge_of

PUBLIC = "https://hoctap.example.vn"


@pytest.fixture
def mail_app(make_app, smtp_server):
    app = make_app(PUBLIC_URL=PUBLIC, **smtp_server.config())
    with app.app_context():
        unit = create_unit("C", "Chi bộ", "cell")
        person = create_user("dv1", "Nguyễn Văn Một", PASSWORD, unit)
        person.email = "mot@example.vn"
        create_user("dv2", "Trần Thị Hai", PASSWORD, unit)
        db.session.commit()
        store.save_preferences(person.id, kinds_on=["pledge.returned", "reminder"],
                               by={"pledge.returned": ["email"], "reminder": ["email"]}, language="", quiet_start="", quiet_end="")
    return app


def notify(app, username: str = "dv1", key: str = "pledge.returned:1",
           kind: str = "pledge.returned") -> None:
    with app.app_context():
        store.notify(db.session, kind, key, [find_user(username).id], {"year": YEAR},
                     f"/pledges/{YEAR}")
        db.session.commit()


def sent_rows(app) -> list[OutboxEntry]:
    return wait_for_outbox(app)


def test_an_email_has_both_parts_vietnamese_subject_and_one_click_unsubscribe(
        mail_app, smtp_server):
    notify(mail_app)
    notify(mail_app)  # the same change again: no second row, no second e-mail
    with EmbeddedWorker(mail_app):
        [row] = wait_for_outbox(mail_app, count=1)
    assert row.status == "sent" and row.attempts == 1 and row.channel == "email"
    [message] = smtp_server.messages
    assert message["To"] == "Nguyễn Văn Một <mot@example.vn>"
    subject = f"Bản cam kết năm {YEAR} của đồng chí đã được trả lại"
    # (Python's encoder folds the long encoded subject onto the next line; readers drop the
    # folding white space, as RFC 5322 says.)
    assert message["Subject"].strip() == subject + ": đề nghị chỉnh sửa và nộp lại."
    # On the wire the Vietnamese subject is RFC 2047 encoded, and decodes back exactly.
    [raw] = smtp_server.raw_messages
    head = raw.split(b"\r\n\r\n", 1)[0]
    head.decode("ascii")  # every header is 7-bit on the wire…
    assert b"=?utf-8?" in head.split(b"Subject:", 1)[1].lower()  # …the subject RFC 2047 encoded
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].strip().strip("<>")
    assert link.startswith(PUBLIC + "/unsubscribe/")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert subject in text and subject in html
    assert f"{PUBLIC}/pledges/{YEAR}" in text and f'href="{PUBLIC}/pledges/{YEAR}"' in html
    assert link in text
    # One click from the mail client (no session, no CSRF token) turns that kind off.
    client = mail_app.test_client()
    path = urlsplit(link).path
    tampered = path[:-2] + ("AA" if not path.endswith("AA") else "BB")
    assert client.post(tampered, data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert client.get(tampered).status_code == 404
    with mail_app.app_context():
        assert "pledge.returned" not in store.preferences_of(find_user("dv1").id).kinds_off
    for _twice in range(2):
        answer = client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert answer.status_code == 200
    with mail_app.app_context():
        assert store.preferences_of(find_user("dv1").id).kinds_off.count("pledge.returned") == 1
    notify(mail_app, key="pledge.returned:2")
    with mail_app.app_context():
        assert db.session.scalar(select(OutboxEntry).where(
            OutboxEntry.key.contains(":email"), OutboxEntry.id != row.id)) is None


def test_the_unsubscribe_page_asks_first_and_needs_its_csrf_token(mail_app, smtp_server):
    with mail_app.app_context():
        from elearn.builtins.notifications.unsubscribe import token_for
        token = token_for(find_user("dv1").id, "reminder")
    client = mail_app.test_client()
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True)
    with mail_app.app_context():  # GET changed nothing
        assert "reminder" not in store.preferences_of(find_user("dv1").id).kinds_off
    assert client.post(f"/unsubscribe/{token}").status_code == 400  # no token, no change
    with mail_app.app_context():
        assert "reminder" not in store.preferences_of(find_user("dv1").id).kinds_off
    answer = client.post(f"/unsubscribe/{token}",
                         data={"csrf_token": csrf(client, f"/unsubscribe/{token}")})
    assert answer.status_code == 200
    with mail_app.app_context():
        assert "reminder" in store.preferences_of(find_user("dv1").id).kinds_off
    # A token for a kind that does not exist, or not ours at all: 404, never a 500.
    assert client.get("/unsubscribe/not-a-token").status_code == 404


def test_a_temporary_failure_is_retried_and_the_email_arrives_once(mail_app, smtp_server):
    smtp_server.fail_next(2, 451)
    notify(mail_app)
    with EmbeddedWorker(mail_app, workers=2):
        [row] = wait_for_outbox(mail_app, count=1)
    assert row.status == "sent" and row.attempts == 3, (row.status, row.last_error)
    assert len(smtp_server.messages) == 1


def test_a_server_that_is_down_is_retried_until_it_comes_back(make_app, smtp_server):
    from elearn.testing import MailServer

    down = MailServer()  # a free port nobody listens on yet
    app = make_app(PUBLIC_URL=PUBLIC, OUTBOX_RETRY_DELAY=0.5, **down.config())
    with app.app_context():
        unit = create_unit("C", "Chi bộ", "cell")
        person = create_user("dv1", "Một", PASSWORD, unit)
        person.email = "mot@example.vn"
        db.session.commit()
        store.save_preferences(person.id, kinds_on=["pledge.returned"], by={"pledge.returned": ["email"]},
                               language="en", quiet_start="", quiet_end="")
    notify(app)
    with EmbeddedWorker(app):
        import time
        deadline = time.monotonic() + 10
        while True:
            with app.app_context():
                row = db.session.scalar(select(OutboxEntry))
                if row.attempts >= 1 and row.last_error:
                    break
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert row.status in ("pending", "sending") and "Connection" in row.last_error
        down.start()
        try:
            [row] = wait_for_outbox(app, count=1)
            assert row.status == "sent" and row.attempts >= 2
            assert len(down.messages) == 1
            assert down.messages[0]["Subject"] == f"Your pledge for {YEAR} was returned: " \
                "please revise and file it again."
        finally:
            down.stop()


def test_a_permanent_refusal_fails_once_and_admins_see_it(mail_app, smtp_server):
    smtp_server.fail_next(1, 550)
    notify(mail_app)
    with EmbeddedWorker(mail_app):
        [row] = wait_for_outbox(mail_app, count=1)
    assert row.status == "failed" and row.attempts == 1 and "550" in row.last_error
    assert smtp_server.messages == []
    with mail_app.app_context():
        admin = create_user("qt", "Quản trị", PASSWORD, find_user("dv1").unit)
        grant_role(admin, Role.ADMIN, admin.unit)
        db.session.commit()
    client = mail_app.test_client()
    assert login(client, "qt", PASSWORD).status_code == 302
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "550" in page and "Nguyễn Văn Một" in page
    # Asking again sends it (the server now accepts), once even if asked twice.
    token = csrf(client, "/admin/outbox")
    for _twice in range(2):
        assert client.post(f"/admin/outbox/{row.id}/retry",
                           data={"csrf_token": token}).status_code == 303
    with EmbeddedWorker(mail_app):
        [row] = wait_for_outbox(mail_app, count=1)
    assert row.status == "sent" and len(smtp_server.messages) == 1


def test_two_workers_claiming_the_same_row_send_it_once(mail_app, smtp_server):
    notify(mail_app)
    with mail_app.app_context():
        entry_id = db.session.scalar(select(OutboxEntry.id))
    results: list[object] = []

    def work() -> None:
        with mail_app.app_context():
            results.append(outbox.deliver(entry_id))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, results)) == ["None"] * 5 + ["sent"]
    assert len(smtp_server.messages) == 1


def test_quiet_hours_delay_and_do_not_drop():
    preference = NotificationPreference(quiet_start="22:00", quiet_end="06:30")
    # 23:00 in Vietnam is 16:00 UTC: wait until 06:30 Vietnam = 23:30 UTC.
    assert quiet_until(preference, datetime(2026, 12, 4, 16, 0)) == datetime(2026, 12, 4, 23, 30)
    assert quiet_until(preference, datetime(2026, 12, 4, 5, 0)) is None   # 12:00 in Vietnam
    daytime = NotificationPreference(quiet_start="12:00", quiet_end="13:30")
    assert quiet_until(daytime, datetime(2026, 12, 4, 5, 15)) == datetime(2026, 12, 4, 6, 30)


def test_quiet_hours_hold_the_email_until_they_end(mail_app, smtp_server):
    with mail_app.app_context():
        person = find_user("dv1")
        store.save_preferences(person.id, kinds_on=["pledge.returned"], by={"pledge.returned": ["email"]},
                               language="", quiet_start="00:00", quiet_end="23:59")
    notify(mail_app)
    with mail_app.app_context():
        row = db.session.scalar(select(OutboxEntry))
        assert row.not_before is not None
        assert outbox.deliver(row.id) is None  # not due: nothing sent, still pending
        assert db.session.get(OutboxEntry, row.id).status == "pending"
    assert smtp_server.messages == []


def test_a_returned_pledge_reaches_the_person_by_email(make_app, smtp_server):
    app = make_app(PUBLIC_URL=PUBLIC, **smtp_server.config())
    cell_with_plan(app)
    with app.app_context():
        person = find_user("dv1")
        person.email = "dv1@example.vn"
        db.session.commit()
        store.save_preferences(person.id, kinds_on=["pledge.returned"], by={"pledge.returned": ["email"]},
                               language="", quiet_start="", quiet_end="")
    assert file_pledge(app, "dv1").status_code == 302
    return_pledge_of(app, "dv1")
    with EmbeddedWorker(app):
        rows = wait_for_outbox(app, count=1)
    assert [(row.channel, row.status) for row in rows] == [("email", "sent")]
    [message] = smtp_server.messages
    assert message["To"].endswith("<dv1@example.vn>")


CHANNELS = """
    from elearn.api import DeliveryFailed, NotificationChannel, hookimpl, lazy_gettext
    SENT = []
    FLAKY = {"left": 1}

    class Gateway(NotificationChannel):
        name = "gateway"
        label = lazy_gettext("Gateway")
        opt_in = False   # every notification, whatever the person chose

        def deliver(self, message):
            if FLAKY["left"]:
                FLAKY["left"] -= 1
                raise DeliveryFailed("busy")
            SENT.append(message)

    class Buggy(NotificationChannel):
        name = "buggy"
        opt_in = False

        def deliver(self, message):
            raise KeyError("a bug in the plugin")

    @hookimpl
    def register_notification_channels():
        return [Gateway(), Buggy]
    """


def test_hook_register_notification_channels_adds_channels_each_guarded(
        make_app, smtp_server, plugin_module):
    from elearn.models import PluginFailureEntry

    channels = plugin_module("my_channels", CHANNELS)
    plugin_module("broken_channels", """
        from elearn.api import hookimpl
        @hookimpl
        def register_notification_channels():
            raise RuntimeError("no channels today")
        """)
    app = make_app(PUBLIC_URL=PUBLIC, PLUGINS=["broken_channels", "my_channels"],
                   **smtp_server.config())
    with app.app_context():
        unit = create_unit("C", "Chi bộ", "cell")
        person = create_user("dv1", "Nguyễn Văn Một", PASSWORD, unit)
        person.phone = "0901234567"
        db.session.commit()
    notify(app)
    with EmbeddedWorker(app):
        rows = {row.channel: row for row in wait_for_outbox(app, count=2)}
    # In-app is the person's choice: no e-mail row; both always-on channels got one.
    assert set(rows) == {"gateway", "buggy"}
    assert rows["gateway"].status == "sent" and rows["gateway"].attempts == 2
    [message] = channels.SENT
    assert message.phone == "0901234567" and message.language == "vi"
    assert message.text.startswith(f"Bản cam kết năm {YEAR}")
    assert message.link == f"{PUBLIC}/pledges/{YEAR}"
    assert message.key == rows["gateway"].key
    # The buggy channel failed that delivery only, once, and is listed for administrators.
    assert rows["buggy"].status == "failed" and rows["buggy"].attempts == 1
    assert "a bug in the plugin" in rows["buggy"].last_error
    with app.app_context():
        kinds = {(failure.plugin, failure.kind) for failure in
                 db.session.scalars(select(PluginFailureEntry))}
    assert ("broken_channels", "register_notification_channels") in kinds
    assert smtp_server.messages == []
