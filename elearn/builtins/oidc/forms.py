"""The admin's forms on a person's single sign-on page (CSRF through AppForm)."""
from __future__ import annotations

from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ...api import AppForm, lazy_gettext as _l

# OpenID Connect Core 1.0, 2: a subject is at most 255 ASCII characters.
SUBJECT_MAX = 255


class LinkForm(AppForm):
    subject = StringField(_l("Subject (sub) at the provider"),
                          validators=[DataRequired(), Length(max=SUBJECT_MAX)])
    link = SubmitField(_l("Link"))


class UnlinkForm(AppForm):
    unlink = SubmitField(_l("Unlink"))
