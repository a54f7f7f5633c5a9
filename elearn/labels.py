"""Translated labels for internal values shown to people: one function per kind, so no screen or
file prints "cell" or "district_political_centre" on a Vietnamese page."""
from __future__ import annotations

from flask_babel import get_locale, lazy_gettext as _l

from .registry import current_registry

# Unit levels are free labels (orgs.LEVEL); the ones the project ships are named here, any other
# is shown as typed by the admin who created it.
_LEVELS = {
    "province": _l("Province"),
    "district": _l("District"),
    "grassroots": _l("Grassroots party committee"),
    "commune": _l("Commune"),
    "cell": _l("Party cell"),
    "political_school": _l("Provincial political school"),
    "district_political_centre": _l("District political centre"),
    "college": _l("College"),
    "faculty": _l("Faculty"),
    "class": _l("Class"),
}


def level_choices(current: str | None = None) -> list[tuple[str, str]]:
    """(value, name) of the shipped levels for a unit form's picker, and the unit's own level
    if it is another (levels are free labels; imports may bring any)."""
    choices = [(value, str(label)) for value, label in _LEVELS.items()]
    if current and current not in _LEVELS:
        choices.append((current, current))
    return choices


def level_label(level: str) -> str:
    """The reader's-language name of a unit level."""
    label = _LEVELS.get(level)
    return str(label) if label is not None else level


_ROLES = {
    "learner": _l("Learner"), "reviewer": _l("Reviewer (receives pledges)"),
    "verifier": _l("Verifier (training centre)"), "author": _l("Course author"),
    "officer": _l("Propaganda officer (reports)"), "inspector": _l("Inspector (read-only)"),
    "admin": _l("Administrator"),
}


def role_label(role: str) -> str:
    """The reader's-language name of a role (Role values are strings)."""
    label = _ROLES.get(str(role))
    return str(label) if label is not None else str(role)


_PLEDGE_STATUSES = {
    "draft": _l("draft"), "filed": _l("filed"), "returned": _l("returned"),
    "acknowledged": _l("acknowledged"), "self_assessed": _l("self-assessed"),
    "assessed": _l("assessed"), "not_started": _l("not started"),
}


def pledge_status_label(status: str) -> str:
    """The reader's-language name of a pledge status, for screens and exported files."""
    label = _PLEDGE_STATUSES.get(status)
    return str(label) if label is not None else status


def completion_method_label(method: str) -> str:
    """How a completion was earned, as the verify page and the centre list say it."""
    return str(_l("studied online") if method == "online" else _l("studied in class"))


def course_title(slug: str) -> str:
    """A course's title in the reader's language (what the catalogue shows); the slug only for
    a course no longer installed, so old records still say which course they were."""
    course = current_registry().course(slug)
    return course.title.get(str(get_locale() or "vi")) if course is not None else slug


_PACKAGE_STATUSES = {
    "staged": _l("waiting for activation"), "active": _l("active"),
    "superseded": _l("superseded"), "rejected": _l("rejected (the check failed)"),
}


def package_status_label(status: str) -> str:
    """The reader's-language name of an uploaded course package's status."""
    label = _PACKAGE_STATUSES.get(str(status))
    return str(label) if label is not None else str(status)
