"""Built-in notifications: an in-app notification centre fed by `track_event`, and scheduled
reminders (`reminders.py`).

The listener runs after the change's commit in a session of its own; each notification is
keyed on (event key, person), so a redelivered event makes no second row. Texts are not
stored: `texts.render` writes them when they are read, in the reader's language.
"""
from __future__ import annotations

from typing import Any

from ...api import Event, every, hookimpl, listener_session, people_under
from . import store

# Events that tell the person they concern; the others are for other listeners (xAPI…).
PERSONAL = ("completion.issued", "completion.revoked", "pledge.returned",
            "pledge.acknowledged", "pledge.assessed", "pledge.can_file")


def link_for(event: Event) -> str:
    data = event.data
    if event.name.startswith("pledge."):
        return f"/pledges/{data.get('year', '')}"
    if event.name.startswith("completion."):
        return f"/courses/{data.get('course', '')}"
    return ""


def params_for(event: Event) -> dict[str, Any]:
    keep = ("course", "year", "title", "deadline", "rating")
    return {name: event.data[name] for name in keep if name in event.data}


@hookimpl
def track_event(event: Event) -> None:
    if event.name in PERSONAL and event.person_id is not None:
        recipients = [event.person_id]
    elif event.name == "plan.assigned" and event.unit_id is not None:
        recipients = None
    else:
        return
    with listener_session() as session:
        if recipients is None:
            recipients = people_under(session, event.unit_id)
            link = f"/pledges/{event.data.get('year', '')}"
        else:
            link = link_for(event)
        store.notify(session, event.name, event.key, recipients, params_for(event), link)
        session.commit()


@hookimpl
def header_figures():
    return {store.UNREAD_FIGURE: store.unread_figure()}


@hookimpl
def startup(app):
    # Daily at 00:00 UTC = 07:00 in Vietnam: reminders arrive in the morning.
    from .reminders import send_reminders
    from .delivery import init_app as init_delivery
    init_delivery(app)
    every(app, "elearn.notifications.reminders", send_reminders, minute="0", hour="0")


@hookimpl
def register_blueprints(app):
    from .api_views import bp as api_bp
    from .unsubscribe_views import bp as unsubscribe_bp
    from .views import bp
    return [bp, unsubscribe_bp, api_bp]
