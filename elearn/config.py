"""Configuration: defaults, then instance/config.py, then ELEARN_* environment variables."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

from flask import Flask
from limits import parse_many

from .shared_state import configure as configure_shared_state
from .urls import check_public_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Defaults:
    # None means "derive at start-up" (see finalise).
    DATABASE_URL: str | None = None
    SECRET_KEY: str | None = None
    COURSE_DIRS: list[str] | None = None
    PLUGINS: list[str] = []
    BLOCKED_PLUGINS: list[str] = []
    LOAD_ENTRYPOINTS = True

    LANGUAGES = ["vi", "en"]
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"

    # No ping on every checkout (it cost PostgreSQL 16-43 % of throughput in bench/);
    # connections are recycled instead. Set {"pool_pre_ping": true} if the database
    # restarts under a running app.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_recycle": 1800}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 30
    LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
    # Past LOGIN_MAX_FAILURES_PER_ADDRESS, an address may try once every this many seconds.
    LOGIN_ADDRESS_SLOWDOWN_SECONDS = 5
    # Server-side sessions end after this much idle time and, in any case, after this age.
    SESSION_IDLE_MINUTES = 8 * 60
    SESSION_MAX_DAYS = 30
    INVITATION_DEFAULT_DAYS = 30
    COMPLETION_SIGNING_KEY: str | None = None
    AUDIT_KEY: str | None = None
    VERIFY_LOOKUPS_PER_MINUTE = 30
    # A public look-up's answer is remembered this long (0: never). Each use first checks, in
    # one query, that nothing it shows has changed (services/public_verification.py), so any
    # change shows at once; the time only bounds the memory a rarely scanned code holds.
    VERIFY_CACHE_SECONDS = 600
    # Requests one API token may make (Flask-Limiter notation), counted per token.
    API_TOKEN_RATE_LIMIT = "600 per hour;60 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    DASHBOARD_CACHE_SECONDS = 60
    # A streaming PostgreSQL standby that dashboards and exports read from; unset: the primary.
    READ_REPLICA_URL: str | None = None
    # Past this lag the dashboard says its figures are "as of" the replica's last replay.
    READ_REPLICA_LAG_NOTICE_SECONDS = 5
    # Number of trusted reverse proxies in front of the app (X-Forwarded-For hops to trust).
    PROXY_FIX_X_FOR = 0
    # A name sent as the X-Elearn-Host header of every response (checking a load balancer).
    ANNOUNCE_HOST: str | None = None
    # The platform's name as issuer of portable credentials (Open Badges); unset: "elearn".
    SITE_NAME: str | None = None
    # The address people reach the site at (https://hoctap.example.vn), used in certificates'
    # QR codes and links and in invitation links; unset, the request's host is used.
    PUBLIC_URL: str | None = None
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    SEND_FILE_MAX_AGE_DEFAULT = 3600
    # Job queue (Huey): Redis when ELEARN_REDIS_URL is set, else an SQLite file in instance/.
    REDIS_URL: str | None = None
    JOBS_QUEUE_FILE: str | None = None          # default instance/jobs-queue.sqlite3
    JOBS_DIR: str | None = None                 # result files; default instance/jobs
    JOBS_RESULT_HOURS = 24                      # result files are deleted after this
    JOBS_RETRIES = 3
    JOBS_RETRY_DELAY = 10                       # seconds, doubled on each retry
    # A running job whose worker has not reported for this long is run again elsewhere.
    JOBS_STALE_SECONDS = 120
    # Published courses (issue #13): uploads are extracted here, one folder per content hash
    # (default instance/course-packages); each worker looks at the registry revision in the
    # database at most this often and rebuilds its courses when another worker changed them.
    COURSE_PACKAGES_DIR: str | None = None
    COURSE_REVISION_CHECK_SECONDS = 2.0
    COURSE_UPLOAD_MAX_FILES = 2000
    COURSE_UPLOAD_MAX_BYTES = 50 * 1024 * 1024     # unpacked, all files together
    # Outbox deliveries (e-mail, webhooks, xAPI): tries after the first, first delay doubled
    # each time; a delivery claimed longer ago than OUTBOX_STALE_SECONDS is tried again.
    OUTBOX_RETRIES = 5
    OUTBOX_RETRY_DELAY = 30
    OUTBOX_STALE_SECONDS = 300
    # E-mail (Flask-Mailman). Secrets come from the environment (ELEARN_MAIL_PASSWORD) or
    # instance/config.py, never from the repository.
    # Flask-Mailman would swap in an in-memory backend under TESTING; tests use a real server.
    MAIL_BACKEND = "smtp"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "elearn@localhost"
    MAIL_TIMEOUT = 30
    # xAPI: statements go to this LRS (…/xapi/, statements are PUT to …/statements) when set.
    XAPI_ENDPOINT: str | None = None
    XAPI_USERNAME: str | None = None
    XAPI_PASSWORD: str | None = None
    XAPI_ACTOR_EMAIL = False     # True: identify people by mbox (their e-mail), else by account
    # Single sign-on (elearn/builtins/oidc): on when the issuer and client id are set.
    OIDC_ISSUER: str | None = None
    OIDC_CLIENT_ID: str | None = None
    OIDC_CLIENT_SECRET: str | None = None
    OIDC_SCOPES = "openid profile email"
    OIDC_DISPLAY_NAME = "OpenID Connect"
    OIDC_AUTO_CREATE: str | None = None   # a unit code: unknown subjects become learners there
    # How passwords people choose are hashed (werkzeug method string). Tests use a cheaper
    # scrypt cost so thousands of test sign-ins stay fast; production keeps the default.
    PASSWORD_HASH = "scrypt"
    # Hash for generated temporary passwords (see accounts.hash_temporary_password).
    TEMPORARY_PASSWORD_HASH = "scrypt:1024:8:1"


def load_config(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("ELEARN")
    if test_config:
        app.config.update(test_config)
    finalise(app)


def finalise(app: Flask) -> None:
    config = app.config
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = (
            config.get("DATABASE_URL") or f"sqlite:///{instance / 'elearn.sqlite3'}")
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret(instance / "secret_key")
    # Completion records are signed with their own key: rotating the session key must not
    # invalidate every certificate, and a leaked session key must not forge one.
    if not config.get("COMPLETION_SIGNING_KEY"):
        config["COMPLETION_SIGNING_KEY"] = _instance_secret(instance / "completion_key")
    # The audit log's entries are authenticated with a key the database never holds, so
    # whoever can write the database cannot rewrite an entry and re-hash the chain after it.
    if not config.get("AUDIT_KEY"):
        config["AUDIT_KEY"] = _instance_secret(instance / "audit_key")
    for name in ("SESSION_IDLE_MINUTES", "SESSION_MAX_DAYS"):
        try:
            config[name] = float(config[name])
        except (TypeError, ValueError):
            raise ValueError(f"ELEARN_{name} must be a number, not {config[name]!r}") from None
        if config[name] <= 0:
            raise ValueError(f"ELEARN_{name} must be greater than 0")
    try:
        parse_many(str(config["API_TOKEN_RATE_LIMIT"]))
    except ValueError:
        raise ValueError("ELEARN_API_TOKEN_RATE_LIMIT must read like '60 per minute', not "
                         f"{config['API_TOKEN_RATE_LIMIT']!r}") from None
    configure_shared_state(config)
    config["PUBLIC_URL"] = check_public_url(config.get("PUBLIC_URL"))
    if config.get("COURSE_DIRS") is None:
        config["COURSE_DIRS"] = [str(p) for p in (PROJECT_ROOT / "courses", instance / "courses")
                                 if p.is_dir()]


def _instance_secret(path: Path) -> str:
    """A per-installation key, generated on first run and never committed.

    Several workers start at once on a fresh install: each writes its key to a private file
    and links it into place, which only one can do (`link` refuses an existing name), so every
    worker ends up reading the one complete key."""
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    try:
        os.link(draft, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        draft.unlink()
    return key
