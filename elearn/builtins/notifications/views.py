"""The notification centre's pages: the list, mark read, preferences. Parse, call, render."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Optional, Regexp

from ...api import AUTHENTICATED, AppForm, lazy_gettext as _l, permission
import elearn.builtins.notifications.store as store  # the module, not the package (no import circle)
from .texts import KINDS, breakdown, kind_label, render

bp = Blueprint("notifications", __name__, url_prefix="/notifications",
               template_folder="templates")
HOUR = r"^([01]\d|2[0-3]):[0-5]\d$"


class PreferencesForm(AppForm):
    language = SelectField(_l("Language"), choices=[
        SelectChoice("", _l("The site's language")), SelectChoice("vi", "Tiếng Việt"),
        SelectChoice("en", "English")])
    quiet_start = StringField(_l("Quiet hours from (Vietnam time, HH:MM)"),
                              validators=[Optional(), Regexp(HOUR, message=_l(
                                  "Write the time as HH:MM, for example 22:00."))])
    quiet_end = StringField(_l("Quiet hours until (HH:MM)"),
                            validators=[Optional(), Regexp(HOUR, message=_l(
                                "Write the time as HH:MM, for example 06:30."))])


def kind_fields() -> list[tuple[str, str]]:
    return [(kind, f"kind_{kind.replace('.', '_')}") for kind in KINDS]


def by_field(name: str, channel: str) -> str:
    """The checkbox of one kind × channel cell: `by_<kind field>_<channel>`."""
    return f"by_{name}_{channel}"


@bp.app_context_processor
def header_count():
    def unread() -> int:
        if not current_user.is_authenticated:
            return 0
        figures = current_user.request_figures  # read with the sign-in (header_figures)
        if figures is not None and store.UNREAD_FIGURE in figures:
            return figures[store.UNREAD_FIGURE] or 0
        return store.unread_count(current_user.id)
    return {"unread_notifications": unread}


@bp.route("/")
@permission(AUTHENTICATED)
def index():
    page = store.page_of(current_user.id, request.args.get("page", 1, type=int) or 1)
    return render_template("notifications/index.html", page=page, render=render,
                           breakdown=breakdown)


@bp.route("/<int:notification_id>/read", methods=["POST"])
@permission(AUTHENTICATED)
def read_one(notification_id: int):
    if not store.owns(current_user.id, notification_id):
        abort(404)
    store.mark_read(current_user.id, notification_id)
    return redirect(url_for("notifications.index", page=request.form.get("page", 1, type=int)))


@bp.route("/read-all", methods=["POST"])
@permission(AUTHENTICATED)
def read_all():
    store.mark_read(current_user.id)
    flash(_("All notifications are marked read."))
    return redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@permission(AUTHENTICATED)
def preferences():
    saved = store.preferences_of(current_user.id)
    form = PreferencesForm(obj=saved)
    fields = kind_fields()
    channels = store.channel_labels()
    if form.validate_on_submit():
        store.save_preferences(
            current_user.id, kinds_on=[kind for kind, name in fields if request.form.get(name)],
            by={kind: [channel for channel in channels
                       if request.form.get(by_field(name, channel))] for kind, name in fields},
            language=form.language.data,
            quiet_start=form.quiet_start.data or "", quiet_end=form.quiet_end.data or "")
        flash(_("Your notification settings are saved."))
        return redirect(url_for("notifications.preferences"))
    status = 400 if form.errors else 200
    return render_template("notifications/preferences.html", form=form, fields=fields,
                           off=set(saved.kinds_off or []), kind_label=kind_label,
                           channels=channels, by=store.channel_table(current_user.id),
                           by_field=by_field), status
