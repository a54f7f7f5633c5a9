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
from .models import Role, User
from .security import AUTHENTICATED, PUBLIC, permission
from .services.accounts import authenticate_local, create_user, find_user
from .spreadsheet import safe_row
from .urls import public_url_for


def setting(name: str, default: object = None) -> object:
    """A setting of the running app (`ELEARN_<NAME>` in the environment, or instance/config.py):
    how a plugin reads its own configuration."""
    from flask import current_app
    return current_app.config.get(name, default)


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
    # endpoints in the JSON API v1 (register_blueprints)
    "ApiBlueprint", "ApiPageArgs", "ApiPageSchema", "api_page", "iso_local",
    # portable credentials
    "sign_credential", "OPEN_BADGES_CONTEXTS",
    # text, dates, files
    "gettext", "lazy_gettext", "ngettext", "format_day", "format_moment", "safe_row",
    "config_list", "setting",
]
