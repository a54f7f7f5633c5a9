"""The outbox: messages that leave the site, sent once each through the job queue.

A feature adds a row with `add(session, …)` inside its own transaction (a notification and
its e-mail commit together, or neither does). After that transaction commits, each new row is
put on the queue (`elearn.outbox.deliver`, carrying only the row id). The worker:

1. claims the row with one conditional UPDATE (pending, due, or sending with a stale claim) →
   sending, attempts + 1; the attempt number is the fencing token. Duplicate messages and
   two workers therefore send once.
2. finds the row's sender: a notification channel (`register_notification_channels`) or a
   sender a feature registered with `register_sender` (xAPI), and calls it inside
   `plugin_guard`.
3. records sent / failed / pending-again. A retryable failure (`DeliveryFailed`) is re-raised
   while Huey has retries left, so Huey tries again with backoff; a `DeliveryRefused`, an
   unexpected exception (a plugin bug: listed on /admin/plugins too) or the last retry marks
   the row failed, listed for administrators on /admin/outbox.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable

from flask import Flask, current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..clock import utcnow
from ..extensions import db
from ..interfaces import DeliveryFailed, NotificationChannel, OutgoingMessage
from ..jobqueue import queue
from ..models import OutboxEntry
from ..models.outbox import FAILED, PENDING, SENDING, SENT
from ..plugin_guard import guarded_impl, implementations, report

log = logging.getLogger(__name__)
TASK = "elearn.outbox.deliver"
NEW = "elearn_outbox_new"
Sender = Callable[[OutboxEntry], None]


# -- channels and senders --------------------------------------------------------------------

def load_channels(app: Flask) -> dict[str, NotificationChannel]:
    """Every registered channel by name (first registration of a name wins), each hook call
    guarded: a plugin whose hook raises adds no channel and is listed on /admin/plugins."""
    found: dict[str, NotificationChannel] = {}
    hook = app.extensions["elearn.plugin_manager"].hook.register_notification_channels
    for impl in implementations(hook):
        result, failure = guarded_impl("register_notification_channels", impl)
        for item in (result or []) if failure is None else []:
            channel = item() if isinstance(item, type) else item
            if getattr(channel, "name", None) and channel.name not in found:
                found[channel.name] = channel
    return found


def channels() -> dict[str, NotificationChannel]:
    app = current_app._get_current_object()
    cached = app.extensions.get("elearn.channels")
    if cached is None:
        cached = app.extensions["elearn.channels"] = load_channels(app)
    return cached


def register_sender(app: Flask, channel: str, sender: Sender) -> None:
    """A non-notification sender (xAPI): rows with this `channel` go to `sender(entry)`, which
    raises `DeliveryFailed` / `DeliveryRefused` like a channel."""
    app.extensions.setdefault("elearn.outbox_senders", {})[channel] = sender


def set_message_builder(app: Flask, build: Callable[[OutboxEntry], OutgoingMessage]) -> None:
    """How a notification row becomes an `OutgoingMessage` (the notifications feature owns its
    texts; the outbox only sends). `build` raises DeliveryRefused when there is nothing to
    send (the person or notification is gone)."""
    app.extensions["elearn.outbox_message"] = build


def init_app(app: Flask) -> None:
    queue(app).task(TASK, deliver, retries=app.config["OUTBOX_RETRIES"],
                    retry_delay=app.config["OUTBOX_RETRY_DELAY"])


# -- adding ----------------------------------------------------------------------------------

def add(session: Session, *, key: str, channel: str, user_id: int | None = None,
        notification_id: int | None = None, payload: dict[str, Any] | None = None,
        not_before: datetime | None = None) -> int | None:
    """Add one row to `session`'s transaction unless its key is there already (then None).
    It is queued when that transaction commits; no commit here."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    made = session.scalar(dialect.insert(OutboxEntry).values(
        key=key, channel=channel, user_id=user_id, notification_id=notification_id,
        payload=payload or {}, status=PENDING, attempts=0, not_before=not_before,
        created_at=utcnow()).on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxEntry.id))
    if made is not None:
        session.info.setdefault(NEW, []).append((made, not_before))
    return made


@sa_event.listens_for(Session, "after_commit")
def _queue_after_commit(session: Session) -> None:
    new = session.info.pop(NEW, None)
    for entry_id, not_before in new or ():
        _enqueue(entry_id, not_before)


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_on_rollback(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(NEW, None)


def _enqueue(entry_id: int, not_before: datetime | None) -> None:
    try:
        queue().call(TASK, entry_id, eta=not_before if not_before and not_before > utcnow()
                     else None)
    except Exception:  # noqa: BLE001 - the row is kept; `requeue_stuck` finds it again
        log.exception("outbox entry %s could not be queued", entry_id)


# -- sending ---------------------------------------------------------------------------------

def claim(entry_id: int) -> int | None:
    """Take the row for this worker: the attempt number, or None (sent, failed, not due, or
    another worker holds it)."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["OUTBOX_STALE_SECONDS"])
    attempts = db.session.scalar(select(OutboxEntry.attempts).where(OutboxEntry.id == entry_id))
    if attempts is None:
        return None
    result = db.session.execute(update(OutboxEntry).where(
        OutboxEntry.id == entry_id, OutboxEntry.attempts == attempts,
        or_(OutboxEntry.not_before.is_(None), OutboxEntry.not_before <= now),
        or_(OutboxEntry.status == PENDING,
            (OutboxEntry.status == SENDING) & (OutboxEntry.claimed_at < stale)))
        .values(status=SENDING, attempts=attempts + 1, claimed_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return attempts + 1 if result.rowcount == 1 else None


def _record(entry_id: int, attempt: int, **values: Any) -> None:
    db.session.execute(update(OutboxEntry).where(
        OutboxEntry.id == entry_id, OutboxEntry.attempts == attempt,
        OutboxEntry.status == SENDING).values(**values)
        .execution_options(synchronize_session=False))
    db.session.commit()


def _sender_for(entry: OutboxEntry) -> tuple[str, Callable[..., None], Any] | None:
    """(kind of plugin call, function, its argument) for the row, or None."""
    senders = current_app.extensions.get("elearn.outbox_senders", {})
    if entry.channel in senders:
        return "outbox_sender", senders[entry.channel], entry
    channel = channels().get(entry.channel)
    build = current_app.extensions.get("elearn.outbox_message")
    if channel is None or build is None:
        return None
    return "notification_channel", channel.deliver, build(entry)


def deliver(entry_id: int, retries_left: int = 0) -> str | None:
    """Send one row if this worker can claim it; the row's status afterwards (None: not
    claimed). Raises DeliveryFailed for Huey to retry while retries are left."""
    attempt = claim(entry_id)
    if attempt is None:
        return None
    entry = db.session.get(OutboxEntry, entry_id)
    try:
        found = _sender_for(entry)
    except DeliveryFailed as exc:   # the message cannot be built (the person has gone)
        _record(entry_id, attempt, status=FAILED, last_error=_describe(exc))
        return FAILED
    if found is None:
        _record(entry_id, attempt, status=FAILED,
                last_error=f"no channel named {entry.channel!r} is installed")
        return FAILED
    kind, send, argument = found
    db.session.rollback()   # end the read transaction: sending may take seconds
    try:
        send(argument)
    except DeliveryFailed as exc:
        error, retryable = _describe(exc), exc.retryable
    except Exception as exc:  # noqa: BLE001 - a plugin's bug fails this delivery only
        error, retryable = report(kind, entry.channel, send, exc, entry.key).error, False
    else:
        _record(entry_id, attempt, status=SENT, sent_at=utcnow(), last_error=None)
        return SENT
    if retryable and retries_left > 0:
        _record(entry_id, attempt, status=PENDING, last_error=error)
        raise DeliveryFailed(error)
    _record(entry_id, attempt, status=FAILED, last_error=error)
    return FAILED


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


# -- for administrators ----------------------------------------------------------------------

def failed_entries(limit: int = 200) -> list[OutboxEntry]:
    """The latest failed deliveries, newest first."""
    return list(db.session.scalars(select(OutboxEntry).where(OutboxEntry.status == FAILED)
                                   .order_by(OutboxEntry.id.desc()).limit(limit)))


def counts() -> dict[str, int]:
    rows = db.session.execute(select(OutboxEntry.status, func.count())
                              .group_by(OutboxEntry.status))
    found = {status: 0 for status in (PENDING, SENDING, SENT, FAILED)}
    found.update({status: number for status, number in rows})
    return found


def retry_failed(entry_id: int) -> bool:
    """An administrator asks again: a failed row goes back to pending and on the queue once
    (a second click finds it pending and changes nothing). Commits."""
    result = db.session.execute(update(OutboxEntry).where(
        OutboxEntry.id == entry_id, OutboxEntry.status == FAILED).values(
        status=PENDING, not_before=None).execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount == 1:
        _enqueue(entry_id, None)
    return result.rowcount == 1


def requeue_stuck(ids: Iterable[int] | None = None) -> int:
    """Queue again rows that are due and pending, or sending with a stale claim (a worker
    died, a message was lost); the claim keeps this from sending anything twice."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["OUTBOX_STALE_SECONDS"])
    query = select(OutboxEntry.id).where(
        or_(OutboxEntry.not_before.is_(None), OutboxEntry.not_before <= now),
        or_((OutboxEntry.status == PENDING) & (OutboxEntry.created_at < stale),
            (OutboxEntry.status == SENDING) & (OutboxEntry.claimed_at < stale)))
    if ids is not None:
        query = query.where(OutboxEntry.id.in_(list(ids)))
    found = list(db.session.scalars(query))
    for entry_id in found:
        _enqueue(entry_id, None)
    return len(found)
