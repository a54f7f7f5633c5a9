"""The notification centre's unit of work: creating notifications from events and reminders,
counting, listing, marking read, and preferences. Writers commit; views only call these."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Iterable, Mapping

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ...api import (
    Notification, NotificationPreference, User, db_session, notification_channels, utcnow,
)
import elearn.builtins.notifications.delivery as delivery  # the module, not the package (no import circle)
import elearn.builtins.notifications.choices as choices  # the module, not the package
from .texts import KINDS

PAGE_SIZE = 20


def _insert_once(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert notifications, skipping any (key, person) already there: a redelivered event or
    a reminder run twice makes no second row. Returns the ids of the rows made."""
    if not rows:
        return []
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    made = session.scalars(
        dialect.insert(Notification).values(rows)
        .on_conflict_do_nothing(index_elements=["key", "user_id"])
        .returning(Notification.id)).all()
    for notification in session.scalars(select(Notification).where(Notification.id.in_(made))):
        delivery.schedule(notification, session)
    return list(made)


def wanted_by(session: Session, kind: str, user_ids: Iterable[int]) -> list[int]:
    """Those of `user_ids` who have not turned this kind off."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return []
    off = {pref.user_id for pref in session.scalars(select(NotificationPreference).where(
        NotificationPreference.user_id.in_(ids))) if kind in (pref.kinds_off or [])}
    return [user_id for user_id in ids if user_id not in off]


def notify(session: Session, kind: str, key: str, user_ids: Iterable[int],
           params: Mapping[str, Any], link: str = "") -> list[int]:
    """Add one notification per wanted person (once per key) to `session`; no commit."""
    now = utcnow()
    return _insert_once(session, [
        {"user_id": user_id, "kind": kind, "key": key, "params": dict(params), "link": link,
         "created_at": now}
        for user_id in wanted_by(session, kind, user_ids)])


# -- reading ---------------------------------------------------------------------------------

@cache
def _unread_query() -> Select:
    """Built once (composing the statement cost as much as running it): the API's list and
    the header of an API-token request ask."""
    return select(func.count()).select_from(Notification).where(
        Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))


UNREAD_FIGURE = "unread_notifications"


def unread_figure() -> Any:
    """The unread count as a header figure: read with the sign-in, no query of its own."""
    return (select(func.count()).select_from(Notification)
            .where(Notification.user_id == User.id, Notification.read_at.is_(None))
            .scalar_subquery())


def unread_count(user_id: int) -> int:
    """One COUNT on the (user_id, read_at) index, for the header when the sign-in look-up
    did not bring it (`unread_figure`)."""
    return db_session().scalar(_unread_query(), {"user_id": user_id}) or 0


@dataclass(frozen=True)
class Page:
    items: list[Notification]
    number: int
    has_next: bool


def page_of(user_id: int, number: int, per_page: int = PAGE_SIZE) -> Page:
    # Past a million pages is past the end; a bigger ?page= would overflow the OFFSET (500).
    number = min(max(1, number), 1_000_000)
    rows = list(db_session().scalars(
        select(Notification).where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset((number - 1) * per_page).limit(per_page + 1)))
    return Page(rows[:per_page], number, len(rows) > per_page)


def count_of(user_id: int) -> int:
    """All of a person's notifications, read or not (the API's list total)."""
    return db_session().scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id)) or 0


def one_of(user_id: int, notification_id: int) -> Notification | None:
    """The person's own notification, or None (someone else's is not theirs to see)."""
    return db_session().scalar(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user_id))


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one (only the person's own) or all of a person's notifications read; commits.
    Idempotent: already-read rows keep their first read time."""
    query = update(Notification).where(Notification.user_id == user_id,
                                       Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    changed = db_session().execute(query.values(read_at=utcnow())
                                 .execution_options(synchronize_session=False)).rowcount
    db_session().commit()
    return changed


def owns(user_id: int, notification_id: int) -> bool:
    return db_session().scalar(select(Notification.id).where(
        Notification.id == notification_id, Notification.user_id == user_id)) is not None


# -- preferences -----------------------------------------------------------------------------

def preferences_of(user_id: int) -> NotificationPreference:
    found = db_session().get(NotificationPreference, user_id)
    return found or NotificationPreference(user_id=user_id, kinds_off=[], channels={},
                                           language="", quiet_start="", quiet_end="")


def channel_table(user_id: int) -> dict[str, dict[str, bool]]:
    """Kind × installed channel (beyond in-app): on or off for this person, defaults included."""
    person = db_session().get(User, user_id)
    return choices.table(preferences_of(user_id).channels, KINDS, notification_channels(),
                         person.email if person is not None else None)


def channel_labels() -> dict[str, str]:
    """The installed channels beyond in-app, name → label in the reader's language."""
    return {name: str(channel.label or name) for name, channel in notification_channels().items()}


def save_preferences(user_id: int, *, kinds_on: Iterable[str],
                     by: Mapping[str, Iterable[str]], language: str, quiet_start: str,
                     quiet_end: str) -> None:
    """Validated by the form; commits. `by`: per kind, the channels beyond in-app checked
    (an installed channel left out is refused). Saving the same twice changes nothing."""
    found = db_session().get(NotificationPreference, user_id)
    if found is None:
        found = NotificationPreference(user_id=user_id)
        db_session().add(found)
    on = set(kinds_on)
    found.kinds_off = sorted(kind for kind in KINDS if kind not in on)
    found.channels = choices.from_form(by, KINDS, notification_channels())
    found.language, found.quiet_start, found.quiet_end = language, quiet_start, quiet_end
    db_session().commit()
