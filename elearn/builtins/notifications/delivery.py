"""Where delivery channels plug in.

`schedule(notification)` is called once for each notification row, right after it is added,
in the same transaction (so a rolled-back notification schedules nothing). In-app delivery
needs nothing more: the row is the delivery. For every other channel the person chose for
that kind (or that is on by default, choices.py), one outbox row is added, keyed on
(notification, channel); the outbox queues it after the commit and sends it once
(elearn/services/outbox.py). Quiet hours delay a delivery to their end, never drop it.

`message_for(entry)` turns an outbox row back into the message a channel sends, in the
person's language at sending time.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Session

from ...api import (
    LOCAL_ZONE, DeliveryRefused, Notification, NotificationPreference, OutboxEntry,
    OutgoingMessage, User, add_to_outbox, db_session, notification_channels, public_address,
    public_url_outside_request, set_message_builder, utcnow,
)
import elearn.builtins.notifications.unsubscribe as unsubscribe  # the module, not the package (no import circle)
import elearn.builtins.notifications.choices as choices  # the module, not the package
from .texts import breakdown, render


def schedule(notification: Notification, session: Session | None = None) -> None:
    """Add the notification's outbox rows to `session` (no commit): one per channel it goes to."""
    session = session or db_session()
    available = notification_channels()
    if not available:
        return
    preference = session.get(NotificationPreference, notification.user_id)
    person = session.get(User, notification.user_id)
    saved = preference.channels if preference is not None else None
    email = person.email if person is not None else None
    wait_until = quiet_until(preference, utcnow())
    for name, channel in available.items():
        if not choices.chosen(saved, notification.kind, name, channel, email):
            continue
        add_to_outbox(session, key=f"notification:{notification.id}:{name}", channel=name,
                   user_id=notification.user_id, notification_id=notification.id,
                   not_before=wait_until)


def _hour(text: str) -> time | None:
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except (AttributeError, ValueError):
        return None


def quiet_until(preference: NotificationPreference | None, now: datetime) -> datetime | None:
    """The end of the person's quiet hours (naive UTC) if `now` falls inside them, else None.
    Hours are Vietnam time; a span like 22:00–06:30 crosses midnight."""
    if preference is None:
        return None
    start, end = _hour(preference.quiet_start), _hour(preference.quiet_end)
    if start is None or end is None or start == end:
        return None
    local = now.replace(tzinfo=timezone.utc).astimezone(LOCAL_ZONE)
    clock = local.time().replace(second=0, microsecond=0)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return ends.astimezone(timezone.utc).replace(tzinfo=None)


def language_of(person: User, preference: NotificationPreference | None) -> str:
    return (preference.language if preference is not None and preference.language else
            person.locale or current_app.config["BABEL_DEFAULT_LOCALE"])


def message_for(entry: OutboxEntry) -> OutgoingMessage:
    """The message for one outbox row, texts in the person's language."""
    notification = db_session().get(Notification, entry.notification_id) \
        if entry.notification_id is not None else None
    person = db_session().get(User, entry.user_id) if entry.user_id is not None else None
    if notification is None or person is None:
        raise DeliveryRefused("the notification or its person no longer exists")
    preference = db_session().get(NotificationPreference, person.id)
    language = language_of(person, preference)
    with force_locale(language):
        text = render(notification.kind, notification.params or {})
        details = breakdown(notification.kind, notification.params or {})
    # The subject is the summary; the body adds an officer digest's lines, each with its link.
    body = "\n".join([text, *(f"- {line}: {public_address(path)}" for line, path in details)])
    return OutgoingMessage(
        key=entry.key, kind=notification.kind, user_id=person.id,
        recipient_name=person.full_name, email=person.email, phone=person.phone,
        language=language, subject=text if len(text) <= 120 else text[:117] + "…", text=body,
        link=public_address(notification.link or "/notifications/"),
        unsubscribe_url=public_url_outside_request(
            "notifications_unsubscribe.confirm",
            token=unsubscribe.token_for(person.id, notification.kind)),
        data=dict(notification.params or {}))


def init_app(app) -> None:
    set_message_builder(app, message_for)
