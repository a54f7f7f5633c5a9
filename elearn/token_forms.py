"""The forms of the API token pages (profile and admin)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .form_base import OnceForm
from .labels import role_label
from .services.api_tokens import SCOPES, SERVICE_ROLES


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _expiry_choices() -> list[tuple[str, str]]:
    return [("30", _l("30 days")), ("90", _l("90 days")), ("365", _l("One year")),
            ("date", _l("On a date I choose"))]


class TokenForm(OnceForm):
    name = StringField(_l("Name (what the token is for)"),
                       validators=[DataRequired(), Length(max=100)])
    scopes = Checkboxes(_l("What it may do"),
                        choices=lambda: [(name, f"{name} — {text}")
                                         for name, text in SCOPES.items()],
                        validators=[DataRequired()])
    expires = SelectField(_l("Expires"), choices=_expiry_choices, default="90")
    until = DateField(_l("Expiry date (at most one year away)"), validators=[Optional()])
    submit = SubmitField(_l("Create token"))


class ServiceTokenForm(TokenForm):
    unit_code = StringField(_l("Unit code"), validators=[DataRequired(), Length(max=64)])
    roles = Checkboxes(_l("Roles of the service account"),
                       choices=lambda: [(role.value, role_label(role))
                                        for role in SERVICE_ROLES])
    submit = SubmitField(_l("Create service token"))
