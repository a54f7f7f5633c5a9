"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), and waiting for the outbox.

`smtp_server` (fixture) yields a `MailServer`: `.port`, `.messages` (parsed
`email.message.EmailMessage`s, in arrival order), `.raw_messages` (the bytes as sent),
`.fail_next(n, code)` to answer the next n DATA commands with a temporary (4xx) or permanent (5xx) error, and `.config()` for the app's
MAIL_* settings pointing at it."""
from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Iterator

import pytest
from flask import Flask


class _Handler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.failures: list[int] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd
        with self.lock:
            if self.failures:
                code = self.failures.pop(0)
                return f"{code} {'try again later' if code < 500 else 'refused'}"
            data = envelope.original_content or envelope.content
            self.raw.append(data)
            self.messages.append(message_from_bytes(data, policy=policy.default))
        return "250 OK"


class MailServer:
    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.handler = _Handler()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.messages)

    @property
    def raw_messages(self) -> list[bytes]:
        """The messages exactly as they came over the wire."""
        with self.handler.lock:
            return list(self.handler.raw)

    def fail_next(self, times: int = 1, code: int = 451) -> None:
        with self.handler.lock:
            self.handler.failures.extend([code] * times)

    def config(self) -> dict[str, Any]:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_USE_TLS": False,
                "MAIL_DEFAULT_SENDER": "Học tập <hoctap@example.vn>", "MAIL_TIMEOUT": 5}

    def start(self) -> "MailServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[MailServer]:
    server = MailServer().start()
    try:
        yield server
    finally:
        server.stop()


def wait_for_outbox(app: Flask, timeout: float = 30, *, count: int | None = None) -> list[Any]:
    """Every outbox row once none is pending or sending (and at least `count` exist), or at
    the timeout; detached from the session."""
    from sqlalchemy import select

    from ..extensions import db
    from ..models import OutboxEntry

    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            rows = list(db.session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)))
            settled = all(row.status in ("sent", "failed") for row in rows) and \
                (count is None or len(rows) >= count)
            if settled or time.monotonic() > deadline:
                for row in rows:
                    db.session.expunge(row)
                return rows
        time.sleep(0.05)
