"""The settings table of docs/deploy.md, generated from elearn/config.py (`scripts/settings-table
--write` rewrites it; tests/test_deploy_docs.py checks it is current and complete)."""
from __future__ import annotations

from pathlib import Path

from .config import Defaults

BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"

# Settings read outside Defaults (by Flask, the app factory or a service), documented too.
EXTRA: dict[str, tuple[str, str]] = {
    "INSTANCE_PATH": ("`instance/` in the checkout",
                      "folder for the SQLite database, keys, keyrings, instance courses "
                      "(environment only)"),
    "LOG_LEVEL": ("`INFO`", "log level (DEBUG shows CLI tracebacks)"),
    "PLUGIN_FAILURES_KEPT": ("20", "plugin failures kept per plugin for the admin page"),
    "SESSION_COOKIE_SECURE": ("`False` (Secure anyway over HTTPS)",
                              "force the Secure flag on the session cookie"),
    "SQLALCHEMY_DATABASE_URI": ("from `DATABASE_URL`", "Flask-SQLAlchemy's own name for "
                                "DATABASE_URL (wins when both are set)"),
    "WTF_I18N_ENABLED": ("`True`", "form messages in the reader's language (Flask-WTF)"),
}

DESCRIPTIONS: dict[str, str] = {
    "DATABASE_URL": "SQLAlchemy URL, e.g. `postgresql+psycopg://elearn@/elearn`; unset: SQLite "
                    "file `instance/elearn.sqlite3`",
    "SECRET_KEY": "session signing key; unset: generated once into `instance/secret_key`",
    "COURSE_DIRS": "JSON list of folders holding course folders; unset: `courses/` and "
                   "`instance/courses/`",
    "PLUGINS": "plugin modules to load",
    "BLOCKED_PLUGINS": "plugin names never to load",
    "LOAD_ENTRYPOINTS": "discover installed `elearn.plugins` entry points",
    "LANGUAGES": "interface languages",
    "BABEL_DEFAULT_LOCALE": "language when the reader chose none",
    "BABEL_DEFAULT_TIMEZONE": "time zone dates are shown and exported in",
    "SQLALCHEMY_ENGINE_OPTIONS": "SQLAlchemy engine options (pool size, recycle, pre-ping)",
    "SESSION_COOKIE_HTTPONLY": "session cookie hidden from scripts",
    "SESSION_COOKIE_SAMESITE": "session cookie SameSite",
    "REMEMBER_COOKIE_HTTPONLY": "remember-me cookie hidden from scripts",
    "REMEMBER_COOKIE_SAMESITE": "remember-me cookie SameSite",
    "REMEMBER_COOKIE_SECURE": "remember-me cookie only over HTTPS",
    "WTF_CSRF_TIME_LIMIT": "seconds a form's CSRF token lasts",
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": "failed sign-ins per account per window",
    "LOGIN_MAX_FAILURES_PER_ADDRESS": "failed sign-ins per address per window",
    "LOGIN_FAILURE_WINDOW_SECONDS": "the sign-in throttling window",
    "LOGIN_ADDRESS_SLOWDOWN_SECONDS": "past the per-address limit, one attempt per this many "
                                      "seconds",
    "SESSION_IDLE_MINUTES": "a sign-in ends after this much idle time",
    "SESSION_MAX_DAYS": "a sign-in ends after this many days in any case",
    "INVITATION_DEFAULT_DAYS": "days an invitation stays open",
    "COMPLETION_SIGNING_KEY": "key `k1` of the completion keyring until the first `flask "
                              "elearn keys rotate completion`; unset: `instance/completion_key`",
    "AUDIT_KEY": "key `k1` of the audit keyring until the first `flask elearn keys rotate "
                 "audit`; unset: `instance/audit_key`",
    "VERIFY_LOOKUPS_PER_MINUTE": "public verification look-ups per address per minute",
    "VERIFY_CACHE_SECONDS": "how long the answer to a public verification look-up is kept "
                            "(0: never). Each reuse first checks that the record, its "
                            "revocation, the names shown and the keys are unchanged, so "
                            "every change shows at once",
    "API_TOKEN_RATE_LIMIT": "requests one API token may make, counted per token wherever it "
                            "is used from (Flask-Limiter notation, e.g. `60 per minute`)",
    "RATELIMIT_STORAGE_URI": "where limits are counted (`memory://` per process; "
                             "`redis://…` shared by all workers)",
    "RATELIMIT_HEADERS_ENABLED": "send rate-limit headers",
    "DASHBOARD_CACHE_SECONDS": "how long a dashboard result is reused",
    "READ_REPLICA_URL": "a streaming PostgreSQL standby that dashboards and exports read from "
                        "(see Read replica above); unset: everything reads the primary",
    "READ_REPLICA_LAG_NOTICE_SECONDS": "past this lag the dashboard says its figures are "
                                       "\"as of\" the standby's last replayed transaction",
    "ANNOUNCE_HOST": "a name sent as `X-Elearn-Host` on every response (to see which app "
                     "server answered behind a load balancer); unset: no header",
    "COURSE_PACKAGES_DIR": "where each host unpacks activated course uploads; unset: "
                           "`instance/course-packages/`",
    "COURSE_REVISION_CHECK_SECONDS": "how often a worker looks whether courses were "
                                     "activated or reloaded elsewhere",
    "COURSE_UPLOAD_MAX_FILES": "files an uploaded course package may hold",
    "COURSE_UPLOAD_MAX_BYTES": "unpacked size an uploaded course package may reach",
    "OUTBOX_RETRIES": "tries of a failed delivery (e-mail, webhook, xAPI) after the first",
    "OUTBOX_RETRY_DELAY": "seconds before the first retry; doubled each time",
    "OUTBOX_STALE_SECONDS": "a delivery claimed by a worker longer ago than this is tried again",
    "MAIL_BACKEND": "Flask-Mailman back end; `smtp` sends for real",
    "MAIL_SERVER": "SMTP server for notification e-mail",
    "MAIL_PORT": "SMTP port",
    "MAIL_USE_TLS": "STARTTLS to the SMTP server",
    "MAIL_USE_SSL": "SMTP over TLS from the first byte",
    "MAIL_USERNAME": "SMTP user",
    "MAIL_PASSWORD": "SMTP password (environment or `instance/config.py`, never the repository)",
    "MAIL_DEFAULT_SENDER": "From: address of notification e-mail",
    "MAIL_TIMEOUT": "seconds to wait for the SMTP server",
    "XAPI_ENDPOINT": "a learning record store's xAPI address; set, statements are sent there",
    "XAPI_USERNAME": "the LRS's Basic-auth user",
    "XAPI_PASSWORD": "the LRS's Basic-auth password",
    "XAPI_ACTOR_EMAIL": "identify people to the LRS by e-mail instead of a site account",
    "SITE_NAME": "the platform's name as issuer of Open Badges credentials; unset: `elearn`",
    "PROXY_FIX_X_FOR": "trusted reverse proxies in front of the app (1 behind nginx)",
    "PUBLIC_URL": "the public address (`https://hoctap.example.vn`) for QR codes and links",
    "MAX_CONTENT_LENGTH": "largest request body in bytes (nginx `client_max_body_size` "
                          "matches it)",
    "SEND_FILE_MAX_AGE_DEFAULT": "browser cache seconds for static files",
    "REDIS_URL": "Redis (`redis://127.0.0.1:6379/0`) for the job queue; unset: SQLite queue "
                 "file",
    "JOBS_QUEUE_FILE": "the SQLite queue file; unset: `instance/jobs-queue.sqlite3`",
    "JOBS_DIR": "job result files; unset: `instance/jobs/`",
    "JOBS_RESULT_HOURS": "result files are deleted after this many hours",
    "JOBS_RETRIES": "retries of a failing job",
    "JOBS_RETRY_DELAY": "first retry delay in seconds (doubles)",
    "JOBS_STALE_SECONDS": "a running job silent this long is run again",
    "OIDC_ISSUER": "single sign-on: the OpenID Connect provider's issuer URL (discovery at "
                   "`<issuer>/.well-known/openid-configuration`); unset: no single sign-on",
    "OIDC_CLIENT_ID": "the client id elearn is registered under at the provider",
    "OIDC_CLIENT_SECRET": "the client secret from the provider (environment or "
                          "`instance/config.py`, never the repository)",
    "OIDC_SCOPES": "scopes asked of the provider (`openid` is always asked)",
    "OIDC_DISPLAY_NAME": "the provider's name on the sign-in button (\"Đăng nhập bằng …\")",
    "OIDC_AUTO_CREATE": "code of the unit where people with an unknown subject are created "
                        "as plain learners (never admins); unset: they are refused",
    "PASSWORD_HASH": "Werkzeug hash method for chosen passwords",
    "TEMPORARY_PASSWORD_HASH": "Werkzeug hash method for generated temporary passwords",
}


def default_settings() -> dict[str, object]:
    return {name: getattr(Defaults, name) for name in vars(Defaults)
            if name.isupper() and not name.startswith("_")}


def _default_text(value: object) -> str:
    if value is None:
        return "unset"
    if value == [] or value == {}:
        return "none"
    return f"`{value!r}`" if not isinstance(value, str) else f"`{value}`"


def table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, value in default_settings().items():
        rows.append(f"| `ELEARN_{name}` | {_default_text(value)} | "
                    f"{DESCRIPTIONS.get(name, '')} |")
    for name, (default, meaning) in sorted(EXTRA.items()):
        rows.append(f"| `ELEARN_{name}` | {default} | {meaning} |")
    return "\n".join(rows)


def rewrite(doc: Path) -> bool:
    """Put the current table between the markers; True if the file changed."""
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{table()}\n{END}{tail}"
    if new != text:
        doc.write_text(new, encoding="utf-8")
    return new != text
