"""The public plugin API: every name a plugin may use, in one module.

A plugin — the built-in ones under `elearn.builtins` and the example under
`plugins/elearn-centre-example` included — imports from here only; everything else in the
package may move between releases. Every name in `__all__` is documented in docs/plugins.md
(tests/test_plugin_api_documented.py checks it).
"""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext, ngettext

from . import __version__, hookimpl
from .credentials import OB_CONTEXTS as OPEN_BADGES_CONTEXTS, sign_credential
from .content.errors import ContentError, CourseLoadError
from .content.model import Course, Lesson, LocalText, Question
from .content.parsing import ParseContext
from .dates import format_day, format_moment
from .events import EVENT_NAMES, Event, listener_session
from .answer_fields import (
    CheckboxesField, ChoiceRadioField, TextAnswerField, choices, matches_field,
    order_from_positions, positions_field,
)
from .form_base import AppForm, AppSubForm
from .interfaces import (
    Arrangement, CertificateData, CertificateRenderer, CheckResult, CompletionRule,
    DeliveryFailed, DeliveryRefused, Exporter, Grade, InvalidAnswer, LearnerRecord,
    NotificationChannel, OutgoingMessage, PlanCourse, PledgeAuthor, PledgeCheck, PledgeContext,
    QuestionType, tokenised,
)
from .clock import LOCAL_ZONE, local_today, utcnow
from .models import Notification, NotificationPreference, OutboxEntry, Role, User
from .security import AUTHENTICATED, PUBLIC, permission
from .services.accounts import authenticate_local, create_user, find_user
from .services.audit import record as audit_record
from .services.outbox import (
    add as add_to_outbox, channels as notification_channels, register_sender,
    set_message_builder,
)
from .services.reminder_targets import (
    OfficerDigest, Reminder, due_reminders, officer_digests, people_under, reviewers_waiting,
)
from .services.unit_of_work import until_it_stands
from .spreadsheet import safe_row
from .urls import public_address, public_url_for, public_url_outside_request


def setting(name: str, default: object = None) -> object:
    """A setting of the running app (`ELEARN_<NAME>` in the environment, or instance/config.py):
    how a plugin reads its own configuration."""
    from flask import current_app
    return current_app.config.get(name, default)


def db_session():
    """The current unit of work's SQLAlchemy session (the request's, or the worker's): for a
    plugin's reads and writes of the tables it is given here (`Notification`, …). The plugin's
    own service functions commit; its views only call them."""
    from .extensions import db
    return db.session()


def csrf_exempt(view):
    """Exempt a view from the CSRF check, for a request no browser form makes (an RFC 8058
    one-click unsubscribe, a webhook): the view must carry its own permission (a signature)."""
    from .extensions import csrf
    return csrf.exempt(view)


def find_course(slug: str) -> Course | None:
    """The installed course with this slug, or None."""
    from .registry import current_registry
    return current_registry().course(slug)


def every(app, name: str, function, **when: str) -> None:
    """Run `function()` in an app context on a schedule of the job queue (crontab fields in
    UTC: `minute="0", hour="0"` is 07:00 in Vietnam). Call it from your `startup` hook."""
    from .jobqueue import queue
    queue(app).every(name, function, **when)


def config_list(value: object) -> list[str]:
    """A list setting as plugins receive it: a list, or comma-separated text from the
    environment (`ELEARN_COURSE_DIRS=a,b`)."""
    if not value:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(item) for item in value]  # type: ignore[attr-defined]


__all__ = [
    # registering
    "__version__", "hookimpl",
    # base classes a plugin subclasses
    "QuestionType", "CompletionRule", "CertificateRenderer", "PledgeCheck", "Exporter",
    # what the core hands to them, and what they hand back
    "Grade", "Arrangement", "tokenised", "InvalidAnswer", "LearnerRecord", "CertificateData",
    "CheckResult", "PledgeContext", "PledgeAuthor", "PlanCourse",
    # events after commit (track_event)
    "Event", "EVENT_NAMES", "listener_session",
    # notification channels (register_notification_channels)
    "NotificationChannel", "OutgoingMessage", "DeliveryFailed", "DeliveryRefused",
    # content
    "Course", "Lesson", "Question", "LocalText", "ParseContext", "ContentError",
    "CourseLoadError",
    # quiz answer fields
    "TextAnswerField", "ChoiceRadioField", "CheckboxesField", "choices", "positions_field",
    "order_from_positions", "matches_field",
    # pages, forms and people
    "permission", "PUBLIC", "AUTHENTICATED", "Role", "User", "AppForm", "AppSubForm",
    "public_url_for", "find_user", "create_user", "authenticate_local",
    # portable credentials
    "sign_credential", "OPEN_BADGES_CONTEXTS",
    # text, dates, files
    "gettext", "lazy_gettext", "ngettext", "format_day", "format_moment", "safe_row",
    "config_list", "setting",
    # notifications: storage, outbox, schedule, and who the scheduled ones are for
    "db_session", "Notification", "NotificationPreference", "OutboxEntry",
    "notification_channels", "add_to_outbox", "set_message_builder", "register_sender",
    "public_address",
    "public_url_outside_request", "audit_record", "until_it_stands", "csrf_exempt",
    "find_course", "every", "utcnow", "local_today", "LOCAL_ZONE", "people_under",
    "due_reminders", "Reminder", "reviewers_waiting", "officer_digests", "OfficerDigest",
]
