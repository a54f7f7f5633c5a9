"""The xAPI plugin: elearn activity as xAPI statements in a centre's LRS (Learning Record
Store), so centres that already run one see lessons opened and studied, quizzes started,
passed or failed, and courses completed there.

Built in (not a separate package) because any centre may have an LRS and it needs only the
standard library; it does nothing until ELEARN_XAPI_ENDPOINT is set (with
ELEARN_XAPI_USERNAME / _PASSWORD for Basic auth). It is the second listener of `track_event`:
each statement is written to the outbox in the listener's own transaction and sent by the
job queue (retried with backoff, failures on /admin/outbox), PUT to
`<endpoint>/statements?statementId=<uuid5 of the event key>`, so a resend is the same
statement.
"""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request

from flask import current_app

from ...api import (
    DeliveryFailed, DeliveryRefused, Event, OutboxEntry, User, add_to_outbox, find_course,
    hookimpl, listener_session, register_sender,
)
from . import statements

CHANNEL = "xapi"
VERSION = "1.0.3"
TIMEOUT_SECONDS = 15


def _base() -> str:
    return current_app.config.get("PUBLIC_URL") or "http://localhost"


@hookimpl
def track_event(event: Event) -> None:
    if not current_app.config.get("XAPI_ENDPOINT") or event.person_id is None:
        return
    if event.name not in statements.HEARD:
        return
    base = _base()
    with listener_session() as session:
        person = session.get(User, event.person_id)
        if person is None:
            return
        email = person.email if current_app.config.get("XAPI_ACTOR_EMAIL") else None
        course = find_course(str(event.data.get("course", "")))
        titles = {course.slug: course.title.get("vi")} if course is not None else {}
        statement = statements.for_event(event, base, statements.actor(base, person.id, email),
                                         titles)
        if statement is None:
            return
        add_to_outbox(session, key=f"xapi:{statement['id']}", channel=CHANNEL,
                   user_id=person.id, payload=statement)
        session.commit()


def send(entry: OutboxEntry) -> None:
    """PUT one statement to the LRS; raises DeliveryFailed (retry) or DeliveryRefused."""
    config = current_app.config
    endpoint = (config.get("XAPI_ENDPOINT") or "").rstrip("/")
    if not endpoint:
        raise DeliveryRefused("ELEARN_XAPI_ENDPOINT is not set")
    statement = entry.payload
    url = f"{endpoint}/statements?" + urllib.parse.urlencode({"statementId": statement["id"]})
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": VERSION}
    if config.get("XAPI_USERNAME"):
        pair = f"{config['XAPI_USERNAME']}:{config.get('XAPI_PASSWORD') or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    request = urllib.request.Request(url, data=json.dumps(statement).encode(), method="PUT",
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            answer.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 409:   # the LRS has this statement id already: it arrived before
            return
        if exc.code in (408, 429) or exc.code >= 500:
            raise DeliveryFailed(f"LRS answered HTTP {exc.code}") from exc
        raise DeliveryRefused(f"LRS answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc


@hookimpl
def startup(app):
    register_sender(app, CHANNEL, send)
