"""Where delivery channels plug in.

`schedule(notification)` is called once for each notification row, right after it is added,
in the same transaction (so a rolled-back notification schedules nothing). In-app delivery
needs nothing more: the row is the delivery. E-mail and other channels (issue #16 item 3)
will queue their outbox entry here, reading the person's channel choice and quiet hours.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from ...models import Notification


def schedule(notification: Notification, session: Session | None = None) -> None:
    """Hand a new notification to its channels. In-app only for now: nothing to do."""
    return None
