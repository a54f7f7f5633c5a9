"""Flask extensions, created unbound and initialised by the app factory."""
from __future__ import annotations

import sqlite3
from typing import Any

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


class TokenBudgetLimiter(Limiter):
    """Flask-Limiter, whose check before every request has one limit to count: the per-token
    budget, exempt without a token (`bearer.without_token`). Such a request skips the check at
    once: resolving the exempt limit first cost ~20 µs on every page. (Should a later
    Flask-Limiter stop calling this method, the exemption still gives the same answer.)"""

    def _check_request_limit(self, callable_name: str | None = None,
                             in_middleware: bool = True) -> None:
        if in_middleware and bearer.without_token():
            return None
        return super()._check_request_limit(callable_name, in_middleware)


# Rate-limit counts, in memory by default (per worker) so counting costs no database write;
# with ELEARN_REDIS_URL (or RATELIMIT_STORAGE_URI) in Redis, shared between workers and hosts
# (see shared_state). Public look-ups are counted in the same storage by `lookup_limits`.
limiter = TokenBudgetLimiter(key_func=get_remote_address, default_limits=[], application_limits=[
    # Every API token has its own budget (ELEARN_API_TOKEN_RATE_LIMIT), counted by token.
    ApplicationLimit(limit_provider=bearer.token_rate_limit, key_function=bearer.rate_key,
                     exempt_when=bearer.without_token, scope="api-token")])

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
