"""Admins set each unit's committee: who sits on it and in which ranked position, one by one
or from a CSV file."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms import ConfirmForm, SeatForm
from ..models import CommitteeSeat, Role, Unit
from ..security import permission
from ..services import committees
from ..services.accounts import find_user
from .scoping import csv_import_page, get_or_404, manages, unit_scope

bp = Blueprint("committees", __name__, url_prefix="/admin")


def _page(unit: Unit, form: SeatForm, status: int = 200):
    return render_template(
        "admin/committee.html", unit=unit, form=form, seats=committees.seats_of(unit),
        confirm=ConfirmForm(), position_label=committees.position_label,
        nowhere=committees.units_that_route_nowhere(unit, limit=20)), status


@bp.route("/units/<int:unit_id>/committee", methods=["GET", "POST"])
@permission(Role.ADMIN, scope=unit_scope)
def committee(unit_id: int):
    unit = get_or_404(Unit, unit_id)
    form = SeatForm()
    if not form.is_submitted():
        return _page(unit, form)
    if not form.validate_on_submit():
        return _page(unit, form, 400)
    person = find_user(form.username.data)
    if person is None:
        form.username.errors.append(_("No person with that username."))
        return _page(unit, form, 400)
    try:
        committees.set_seat(unit, person, form.position.data, current_user)
    except committees.CommitteeError as exc:
        form.position.errors.append(str(exc))
        return _page(unit, form, 400)
    flash(_("%(name)s sits on the committee of %(unit)s as %(position)s.",
            name=person.full_name, unit=unit.name,
            position=committees.position_label(form.position.data, unit)), "info")
    return redirect(url_for("committees.committee", unit_id=unit.id))


def seat_scope(unit_id: int, seat_id: int, **_kwargs) -> Unit | None:
    seat = committees.seat_by_id(seat_id)
    return seat.unit if seat is not None and seat.unit_id == unit_id else None


@bp.post("/units/<int:unit_id>/committee/<int:seat_id>/remove")
@permission(Role.ADMIN, scope=seat_scope)
def remove(unit_id: int, seat_id: int):
    if not ConfirmForm().validate_on_submit():
        flash(_("Your form expired. Please try again."), "error")
        return redirect(url_for("committees.committee", unit_id=unit_id))
    seat = get_or_404(CommitteeSeat, seat_id)
    name = seat.user.full_name
    committees.remove_seat(seat, current_user)
    flash(_("%(name)s no longer sits on this committee.", name=name), "info")
    return redirect(url_for("committees.committee", unit_id=unit_id))


@bp.route("/committees/import", methods=["GET", "POST"])
@permission(Role.ADMIN)
def import_seats():
    return csv_import_page(
        lambda data, dry_run: committees.import_seats(data, manages, current_user, dry_run),
        _("Import committee seats"), committees.SEAT_COLUMNS)
