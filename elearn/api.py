"""The public plugin API: every name a plugin may use, in one module.

A plugin — the built-in ones under `elearn.builtins` and the example under
`plugins/elearn-centre-example` included — imports from here only; everything else in the
package may move between releases. Every name in `__all__` is documented in docs/plugins.md
(tests/test_plugin_api_documented.py checks it).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext, lazy_gettext, ngettext

from . import __version__, hookimpl
from .credentials import OB_CONTEXTS as OPEN_BADGES_CONTEXTS, sign_credential
from .content.errors import ContentError, CourseLoadError
from .content.model import Course, Lesson, LocalText, Question
from .content.parsing import ParseContext
from .clock import iso_local
from .dates import format_day, format_moment
from .events import EVENT_NAMES, Event, listener_session
from .api_v1_kit import ApiBlueprint, ApiPageArgs, ApiPageSchema, api_page
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
from .security import AUTHENTICATED, PUBLIC, permission, token_scope
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
from .services.external_ids import ExternalIdTaken
from .spreadsheet import safe_row
from .urls import public_address, public_url_for, public_url_outside_request

if TYPE_CHECKING:
    from flask import Flask

    from .models import Unit


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


def person_with_external_id(kind: str, value: str) -> User | None:
    """The person linked to an external identifier (e.g. a sign-on provider's subject)."""
    from .services import external_ids
    return external_ids.person_with(kind, value)


def person_by_id(user_id: int) -> User | None:
    """The person with this id, or None."""
    from .services import external_ids
    return external_ids.person_by_id(user_id)


def person_scope(user_id: int, **_kwargs: object) -> "Unit | None":
    """A `permission(..., scope=person_scope)` resolver for pages about one person
    (`<int:user_id>` in the route): the role must be held over the person's unit."""
    person = person_by_id(user_id)
    return person.unit if person is not None else None


def external_id_of(person: User, kind: str) -> str | None:
    """The person's external identifier of `kind`, or None."""
    from .services import external_ids
    return external_ids.value_of(person, kind)


def link_external_id(person: User, kind: str, value: str, *, by: User) -> bool:
    """Link a person to an external identifier (audited; True if something changed).
    Raises ExternalIdTaken when it is someone else's."""
    from .services import external_ids
    return external_ids.link(person, kind, value, by=by)


def unlink_external_id(person: User, kind: str, *, by: User) -> bool:
    """Remove a person's external identifier of `kind` (audited; True if there was one)."""
    from .services import external_ids
    return external_ids.unlink(person, kind, by=by)


def create_learner_with_external_id(kind: str, value: str, *, unit_code: str, full_name: str,
                                    email: str | None = None) -> User | None:
    """A new person holding no role (never an admin), in unit `unit_code`, linked to an
    external identifier; the person already linked when there is one; None for an unknown
    unit. For sign-in plugins that create accounts on first sign-in."""
    from .services import external_ids
    return external_ids.create_linked_learner(kind, value, unit_code=unit_code,
                                              full_name=full_name, email=email)


def sign_in(person: User) -> None:
    """Sign `person` in for the current request, as the password form does (a server-side
    session, then Flask-Login): for sign-in plugins with their own pages (single sign-on)."""
    from flask import request
    from flask_login import login_user

    from .services import sessions
    sessions.start_session(person, request.remote_addr or "unknown",
                           request.user_agent.string or "")
    login_user(person)


def offer_sign_in(app: "Flask", endpoint: str, label: str) -> None:
    """Show a button to `endpoint` labelled `label` beside the password form of the sign-in
    page (a single sign-on provider's, for instance)."""
    offers = app.extensions.setdefault("elearn.sign_in_offers", [])
    offers.append((endpoint, label))
    app.jinja_env.globals["sign_in_offers"] = tuple(offers)


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
    # sign-in plugins (single sign-on)
    "sign_in", "offer_sign_in", "person_by_id", "person_scope", "person_with_external_id",
    "external_id_of",
    "link_external_id", "unlink_external_id", "create_learner_with_external_id",
    "ExternalIdTaken",
    # endpoints in the JSON API v1 (register_blueprints)
    "ApiBlueprint", "ApiPageArgs", "ApiPageSchema", "api_page", "iso_local", "token_scope",
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
