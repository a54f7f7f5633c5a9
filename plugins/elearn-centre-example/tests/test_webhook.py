"""The example's webhook channel against a real HTTP server on 127.0.0.1: signed JSON, the
text in the person's language, retried after a 503 and received once."""
from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from elearn.extensions import db
from elearn.jobqueue import EmbeddedWorker
from elearn.services.accounts import create_user
from elearn.services.orgs import create_unit
from elearn.testing import recording_server, wait_for_outbox

SECRET = "gateway-secret"


@pytest.fixture
def gateway():
    with recording_server() as server:
        yield server


def test_webhook_posts_signed_json_once_after_a_busy_gateway(make_app, gateway):
    from elearn.builtins.notifications import store

    gateway.answers.append(503)
    app = make_app(PLUGINS=["elearn_centre_example"], PUBLIC_URL="https://hoctap.example.vn",
                   CENTRE_WEBHOOK_URL=f"{gateway.url}/hook",
                   CENTRE_WEBHOOK_SECRET=SECRET)
    with app.app_context():
        unit = create_unit("C", "Chi bộ", "cell")
        person = create_user("dv1", "Nguyễn Văn Một", "mat-khau-dai-1", unit)
        person.phone = "0901234567"
        db.session.commit()
        store.notify(db.session, "pledge.acknowledged", "ack:1", [person.id], {"year": 2026},
                     "/pledges/2026")
        store.notify(db.session, "pledge.acknowledged", "ack:1", [person.id], {"year": 2026},
                     "/pledges/2026")  # the same change twice: one delivery
        db.session.commit()
    with EmbeddedWorker(app):
        [row] = wait_for_outbox(app, count=1)
    assert row.status == "sent" and row.attempts == 2 and row.channel == "centre_webhook"
    [(headers, body)] = gateway.received
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Elearn-Signature"], expected)
    assert headers["Idempotency-Key"] == row.key
    sent = json.loads(body)
    assert sent["phone"] == "0901234567" and sent["kind"] == "pledge.acknowledged"
    assert sent["text"] == "Bản cam kết năm 2026 của đồng chí đã được tiếp nhận."
    assert sent["link"] == "https://hoctap.example.vn/pledges/2026"


def test_without_a_url_the_webhook_is_not_a_channel(make_app):
    from elearn.services import outbox

    app = make_app(PLUGINS=["elearn_centre_example"])
    with app.app_context():
        assert "centre_webhook" not in outbox.channels()
        assert "email" in outbox.channels()
