"""The example's webhook channel against a real HTTP server on 127.0.0.1: signed JSON, the
text in the person's language, retried after a 503 and received once."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from elearn.extensions import db
from elearn.jobqueue import EmbeddedWorker
from elearn.services.accounts import create_user
from elearn.services.orgs import create_unit
from elearn.testing import wait_for_outbox

SECRET = "gateway-secret"


class Gateway(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []
    answers: list[int] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        code = self.answers.pop(0) if self.answers else 200
        if code == 200:
            self.received.append((dict(self.headers), body))
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def gateway():
    Gateway.received, Gateway.answers = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_posts_signed_json_once_after_a_busy_gateway(make_app, gateway):
    from elearn.builtins.notifications import store

    Gateway.answers = [503]
    app = make_app(PLUGINS=["elearn_centre_example"], PUBLIC_URL="https://hoctap.example.vn",
                   CENTRE_WEBHOOK_URL=f"http://127.0.0.1:{gateway.server_port}/hook",
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
    [(headers, body)] = Gateway.received
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
