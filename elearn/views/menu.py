"""The site header's menu: which links a reader sees, in their language.

Which links show depends only on the language, the roles held, the audience (cadre or
student) and the script root, so the list is worked out once per such combination and app
(a handful of lists) instead of by ten template macro calls on every page: that was a tenth
of a signed-in page's time (bench/floor.py). The template marks the current entry and writes
the person's name and the unread count, which change per request.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# (endpoint, label, shown to holders of any of these roles), after the links everyone signed
# in has: certificates, notifications, and pledges for cadres.
_FOR_ROLES = (
    ("review.index", _l("Review"), {"reviewer", "inspector"}),
    ("plans.index", _l("Study plans"), {"officer", "admin"}),
    ("dashboard.index", _l("Dashboard"), {"officer", "verifier", "inspector"}),
    ("inspections.index", _l("Inspections"), {"reviewer", "inspector", "officer"}),
    ("author.index", _l("Question statistics"), {"author"}),
    ("centre.completions_list", _l("Training centre"), {"verifier"}),
    ("admin.index", _l("Administration"), {"admin"}),
)
_ANONYMOUS = (("auth.login", _l("Sign in")), ("verify.form", _l("Verify a certificate")))
NOTIFICATIONS = "notifications.index"  # the built-in notification centre's page, when loaded


@dataclass(frozen=True)
class MenuEntry:
    href: str
    label: str
    css_class: str = ""
    counts_unread: bool = False  # shows the number of unread notifications


def _entries(roles: frozenset[str] | None, audience: str | None) -> tuple[MenuEntry, ...]:
    if roles is None:
        return tuple(MenuEntry(url_for(endpoint), str(label)) for endpoint, label in _ANONYMOUS)
    entries = [MenuEntry(url_for("certificates.mine"), str(_l("Certificates")))]
    if NOTIFICATIONS in current_app.view_functions:
        entries.append(MenuEntry(url_for(NOTIFICATIONS), str(_l("Notifications")),
                                 "notifications-link", counts_unread=True))
    if audience == "cadre":
        entries.append(MenuEntry(url_for("pledges.index"), str(_l("Pledges"))))
    entries += [MenuEntry(url_for(endpoint), str(label)) for endpoint, label, holders
                in _FOR_ROLES if holders & roles]
    return tuple(entries)


def site_menu() -> tuple[MenuEntry, ...]:
    """Template global: the header's links after the person's own (their name, which links
    to their profile), or the signed-out reader's links."""
    signed_in = current_user.is_authenticated
    roles = current_user.role_names if signed_in else None
    audience = current_user.audience if signed_in else None
    key = (str(get_locale()), request.script_root, roles, audience)
    made = current_app.extensions.setdefault("elearn.menus", {})
    entries = made.get(key)
    if entries is None:
        entries = made[key] = _entries(roles, audience)
    return entries


def is_current(href: str) -> bool:
    """Template global: whether the reader is on this menu entry's page or one under it
    (aria-current="page")."""
    path = request.path
    return path == href or (href != "/" and path.startswith(href))
