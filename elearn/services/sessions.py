"""Server-side records of sign-ins, so a session can be ended for real (sign-out, deactivation)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from functools import lru_cache
from typing import Any, Sequence

from sqlalchemy import Select, String, bindparam, cast, delete, select, update
from sqlalchemy.exc import DBAPIError

from ..extensions import db
from ..models import CommitteeSeat, RoleGrant, Unit, User, UserSession
from ..clock import utcnow
from ..sql_functions import comma_joined
from . import header_figures
from .header_figures import Figure
from .unit_of_work import as_loaded

# Touching last_seen_at on every request would turn every page view into a write.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


def _lifetimes() -> tuple[timedelta, timedelta]:
    """(idle time, absolute lifetime) after which a server-side session ends."""
    config = current_app.config
    return (timedelta(minutes=float(config["SESSION_IDLE_MINUTES"])),
            timedelta(days=float(config["SESSION_MAX_DAYS"])))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def start_session(user: User, address: str = "", user_agent: str = "") -> str:
    token = secrets.token_urlsafe(32)
    # The person's expired sessions are cleared here, so the table does not grow forever.
    idle, max_age = _lifetimes()
    now = utcnow()
    db.session.execute(delete(UserSession).where(
        UserSession.user_id == user.id,
        (UserSession.last_seen_at < now - idle) | (UserSession.created_at < now - max_age)))
    db.session.add(UserSession(token_hash=_digest(token), user=user, address=address[:64],
                               user_agent=user_agent[:255]))
    db.session.commit()
    user.session_token = token
    return token


# The person's columns, read as plain values and put on a User by `_person_from`.
_PERSON_COLUMNS = tuple(User.__table__.c)
_PERSON_ATTRIBUTES = tuple(User.__mapper__.get_property_by_column(column).key
                           for column in _PERSON_COLUMNS)
_ACTIVE = _PERSON_ATTRIBUTES.index("active")


@lru_cache(maxsize=32)  # one per app's set of header figures
def _session_query(figures: tuple[Figure, ...] = ()) -> Select:
    """Built once: this runs on every signed-in request, and putting the statement and its
    loader options together again each time cost about a third of the look-up.

    One row, plain columns: the sign-in's times, the roles the person holds with the paths of
    the units they hold them on, which is all the page header and the permission checks need
    (`security.held_paths`), the plugins' header figures (`header_figures`), which would
    otherwise be a query each, and last the person's own columns. Loading grant and seat
    objects with their units on every request cost more than the rest of the look-up, and
    loading them lazily on staff pages took two more queries (bench/profile_routes.py)."""
    grants = (select(comma_joined(cast(RoleGrant.role, String) + ":" + Unit.path))
              .select_from(RoleGrant).join(Unit, RoleGrant.unit_id == Unit.id)
              .where(RoleGrant.user_id == User.id).scalar_subquery())
    seats = (select(comma_joined(Unit.path))
             .select_from(CommitteeSeat).join(Unit, CommitteeSeat.unit_id == Unit.id)
             .where(CommitteeSeat.user_id == User.id).scalar_subquery())
    return (select(UserSession.id, UserSession.created_at, UserSession.last_seen_at,
                   grants, seats, *(figure.column for figure in figures), *_PERSON_COLUMNS)
            .join(User, UserSession.user_id == User.id)
            .where(UserSession.token_hash == bindparam("digest")))


def _person_from(values: Sequence[Any]) -> User:
    """The signed-in person as a persistent User of this request's session, built from the
    look-up's columns (`as_loaded`: the ORM's own loading of the same row cost ~45 µs more on
    every signed-in request, bench/floor.py)."""
    return as_loaded(User, dict(zip(_PERSON_ATTRIBUTES, values)))


def load_session(token: str) -> User | None:
    params = {"digest": _digest(token)}
    figures = header_figures.figures()
    try:
        # On the session's connection: plain columns (see _person_from).
        row = db.session.connection().execute(_session_query(figures), params).first()
    except DBAPIError as error:
        if not figures:
            raise
        db.session.rollback()
        header_figures.drop_failing(db.session, _session_query, params, error)
        figures = header_figures.figures()
        row = db.session.connection().execute(_session_query(figures), params).first()
    if row is None:
        return None
    record_id, created_at, last_seen_at, grants, seats = row[:5]
    values = row[5 + len(figures):]
    if not values[_ACTIVE]:
        return None
    now = utcnow()
    idle, max_age = _lifetimes()
    if now - last_seen_at > idle or now - created_at > max_age:
        # Expired: the row goes, so the cookie can never sign in again.
        db.session.execute(delete(UserSession).where(UserSession.id == record_id))
        db.session.commit()
        return None
    if now - last_seen_at > min(LAST_SEEN_RESOLUTION, idle / 2):
        db.session.execute(update(UserSession).where(UserSession.id == record_id)
                           .values(last_seen_at=now))
        db.session.commit()
    user = _person_from(values)
    user.session_token = token
    user.request_held_paths = User.held_paths_from(grants, seats)
    user.request_figures = {figure.name: value for figure, value in zip(figures, row[5:])}
    # A snapshot for the request's language: reading `user.locale` after a commit would reload
    # the whole row just to pick the language of a flash message. "" is "read: none chosen"
    # (None would send select_locale back to the expired column).
    user.request_locale = user.locale or ""
    return user


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _digest(token)))
        db.session.commit()


def end_all_sessions(user: User, keep_token: str | None = None) -> None:
    """Sign someone out everywhere (but for the session `keep_token`, if given)."""
    condition = UserSession.user_id == user.id
    if keep_token:
        condition = condition & (UserSession.token_hash != _digest(keep_token))
    db.session.execute(delete(UserSession).where(condition))
