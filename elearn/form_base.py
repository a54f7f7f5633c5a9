"""The base classes of every form: WTForms' own messages ("This field is required.") in the
reader's language, from the project's catalogue.

WTForms ships catalogues for many languages but none for Vietnamese, and Flask-WTF's
i18n support (WTF_I18N_ENABLED) only loads those shipped catalogues. These bases keep that
switch but look the messages up through Flask-Babel, where `wtforms_messages.py` puts them.
"""
from __future__ import annotations

import secrets

from flask import current_app, has_app_context
from flask_babel import get_translations
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField


class BabelTranslations:
    """The `gettext`/`ngettext` pair WTForms asks of a form's translations (it formats the
    result itself, so no variables are substituted here)."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


TRANSLATIONS = BabelTranslations()


class TranslatedMeta:
    """Mixed into the form's `Meta` (WTForms merges a form's `Meta` with its bases')."""

    def get_translations(self, form) -> BabelTranslations | None:
        if has_app_context() and not current_app.config.get("WTF_I18N_ENABLED", True):
            return None  # WTForms' built-in English
        return TRANSLATIONS

    def render_field(self, field, render_kw):
        # A page holds several forms (sign-out, language, one per row of a table), each with
        # its CSRF token, hidden inputs and submit button: no label points at those, so they
        # go without an id rather than repeat id="csrf_token" or id="submit" on one page.
        if getattr(field.widget, "input_type", None) in ("hidden", "submit"):
            render_kw = {"id": False, **render_kw}
        return super().render_field(field, render_kw)


class AppForm(FlaskForm):
    """A page's form (Flask-WTF adds the CSRF field)."""

    Meta = TranslatedMeta


class AppSubForm(Form):
    """A form nested in another through FormField (it has no CSRF field of its own)."""

    Meta = TranslatedMeta


def new_request_key() -> str:
    return secrets.token_urlsafe(16)


class OnceForm(AppForm):
    """A form that creates something: it carries a one-time key, made when the form is
    rendered, so the services can tell a duplicate of the same submission from a new one
    (see `services/submissions.py`). Render it with `{{ form.request_key() }}`."""

    request_key = HiddenField(default=new_request_key)

    def submitted_key(self) -> str | None:
        """The key this submission came with; None from an old page or a script without one
        (those create as before)."""
        return (self.request_key.raw_data or [None])[0] or None

    def renew_key(self) -> None:
        """A fresh key for a form shown again after a successful submission: the next
        submission from that page is a new one, not a duplicate."""
        self.request_key.data = new_request_key()
