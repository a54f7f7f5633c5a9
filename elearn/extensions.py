"""Flask extensions, created unbound and initialised by the app factory."""
from __future__ import annotations

import sqlite3
from typing import Any, Callable

from flask import current_app, request
from flask_caching import Cache
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from .babel_domain import RequestCachedBabel
from .read_routing import RoutingSession
from . import bearer

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
migrate = Migrate()
babel = RequestCachedBabel()
login_manager = LoginManager()


class BearerAwareCSRF(CSRFProtect):
    """CSRF protection, except for a request with an API token: a token request is never
    signed in by the cookie a browser would send along (app.load_user ignores the cookie
    then), and a page elsewhere cannot make a browser send an Authorization header."""

    def protect(self, *args: Any, **kwargs: Any) -> None:
        if bearer.presented_secret() is not None:
            return None
        return super().protect(*args, **kwargs)


csrf = BearerAwareCSRF()
# Per-address limits on public lookups, counted in memory by default (per worker) so a lookup
# costs no database write; with ELEARN_REDIS_URL (or RATELIMIT_STORAGE_URI) the counts live
# in Redis, shared between workers and hosts (see shared_state).
limiter = Limiter(key_func=get_remote_address, default_limits=[], application_limits=[
    # Every API token has its own budget (ELEARN_API_TOKEN_RATE_LIMIT), counted by token.
    ApplicationLimit(limit_provider=bearer.token_rate_limit, key_function=bearer.rate_key,
                     exempt_when=bearer.without_token, scope="api-token")])


def rate_limited(limit_value: Any, **options: Any) -> Callable:
    """`limiter.limit`, marking the view so `_nothing_to_count` lets its requests be counted."""
    def decorate(view: Callable) -> Callable:
        limited = limiter.limit(limit_value, **options)(view)
        limited.elearn_rate_limited = True  # functools.wraps carries it through `permission`
        return limited
    return decorate


@limiter.request_filter
def _nothing_to_count() -> bool:
    """Skip Flask-Limiter for a request that no limit applies to: no API token and a view
    without its own limit. Resolving an empty set of limits cost ~0.4 ms on every page."""
    if bearer.presented_secret() is not None:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "elearn_rate_limited", False)

# Cached figures: per worker (SimpleCache) by default, Redis with ELEARN_REDIS_URL.
cache = Cache()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers and a writer work at once; SQLite must carry a province.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
