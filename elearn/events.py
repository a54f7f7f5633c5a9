"""State changes told to plugins, once, after they are committed (the `track_event` hook).

A service calls `emit(...)` inside its unit of work, next to its audit entry. The event waits
on the SQLAlchemy session (`session.info`) and is handed to every `track_event`
implementation only when that session's transaction commits; a rollback drops it. So a
duplicate request that lost a race (and rolled back) tells nobody, and a listener never hears
of a change that did not happen.

Listeners run after the commit, each inside `plugin_guard` (a listener that raises is logged
and listed on /admin/plugins; the request carries on). The request's session has just
committed and may not run SQL inside the hook: a listener that writes opens its own session
with `listener_session()` and commits it itself. An event's `key` names the state change (not
the delivery), so a listener that keys its rows on it stays idempotent if an event is ever
delivered twice.
"""
from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator, Mapping

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from .clock import utcnow
from .extensions import db
from .plugin_guard import guarded_impl, implementations

log = logging.getLogger("elearn.events")
PENDING = "elearn_events"

# The closed set of event names; docs/plugins.md lists them with their `data`.
EVENT_NAMES: frozenset[str] = frozenset({
    "plan.assigned",         # a study plan was created for a unit (unit_id; person_id None)
    "lesson.opened",         # a learner opened a lesson for the first time
    "lesson.studied",        # a learner marked a lesson studied
    "attempt.started",       # a learner started a quiz attempt
    "attempt.graded",        # a quiz attempt was submitted or closed and graded
    "completion.issued",     # a completion (certificate) was issued
    "completion.revoked",    # a completion was revoked
    "pledge.filed",          # a pledge (a new version of it) was filed
    "pledge.returned",       # a reviewer returned a pledge for changes
    "pledge.acknowledged",   # a reviewer acknowledged a pledge
    "pledge.assessed",       # a reviewer rated a pledge at year end
    "meeting.recorded",      # a cell meeting was recorded (unit_id; person_id None)
    "pledge.can_file",       # the last superior someone waited for filed: they may file now
})


@dataclass(frozen=True)
class Event:
    """One committed state change. `key` identifies the change itself (e.g.
    "pledge.filed:pledge:12:v2"), the same however often it is delivered."""

    name: str
    key: str
    person_id: int | None
    actor_id: int | None = None
    unit_id: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    occurred_at: datetime = field(default_factory=utcnow)


def emit(name: str, *, key: str, person_id: int | None, actor_id: int | None = None,
         unit_id: int | None = None, data: Mapping[str, Any] | None = None,
         session: Session | None = None) -> Event:
    """Hold an event on the current unit of work; it is dispatched after the commit.
    The same key twice in one transaction is one event."""
    if name not in EVENT_NAMES:
        raise ValueError(f"unknown event name {name!r}")
    happened = Event(name, key, person_id, actor_id, unit_id, dict(data or {}))
    session = session or db.session()
    if not session.in_transaction():
        session.begin()  # so a rollback before any SQL still ends (and drops) the event
    held: dict[str, Event] = session.info.setdefault(PENDING, {})
    held.setdefault(key, happened)
    return held[key]


def dispatch(happened: Event) -> None:
    """Hand one event to every `track_event` implementation, each guarded."""
    if not has_app_context():
        log.warning("event %s outside an app context was not delivered", happened.key)
        return
    hook = current_app.extensions["elearn.plugin_manager"].hook.track_event
    for impl in implementations(hook, call_order=True):
        guarded_impl("track_event", impl, event=happened)


@contextlib.contextmanager
def listener_session() -> Iterator[Session]:
    """A session of its own for a listener that writes (the request's has just committed)."""
    with Session(db.engine) as session:
        yield session


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    held = session.info.pop(PENDING, None)
    for happened in (held or {}).values():
        dispatch(happened)


@sa_event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: Any) -> None:
    # The outermost transaction ended without `after_commit` taking its events: it rolled
    # back (or the session closed), so the changes they tell of never happened.
    if transaction.parent is None:
        session.info.pop(PENDING, None)
