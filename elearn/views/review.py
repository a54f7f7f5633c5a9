"""Committees (cell committees, standing committees) and inspectors: the pledges sent to them,
answers and year-end ratings, publication, bound volumes for every member, cell meetings,
the year's breakthrough content, exemplars, and bundles for circulation (PDF, XLSX)."""
from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from ..forms import (
    BreakthroughForm, ConfirmForm, CreateButtonForm, DecisionForm, MeetingForm, NominationForm, RatingForm,
    ReturnForm,
)
from ..models import Exemplar, Pledge, PledgeVolume, Role, Unit
from ..security import has_role, permission, scope_paths
from ..services import committees, pledge_review, pledges
from ..services.accounts import find_user
from ..services.lookups import find
from ..services.orgs import units_within
from ..services.pledge_exports import bundle_pdf, bundle_xlsx, volume_pdf
from .errors import render_error
from .scoping import get_or_404, unit_from_query, year_from_query

bp = Blueprint("review", __name__, url_prefix="/review")
READERS = (Role.REVIEWER, Role.INSPECTOR)


def pledge_scope(pledge_id: int, **_kwargs) -> Unit | None:
    """A pledge is reviewed where it was routed; an inspector reads it from the person's unit."""
    pledge = find(Pledge, pledge_id)
    if pledge is None:
        return None
    if pledge.review_unit is not None and (
            has_role(current_user, Role.REVIEWER, pledge.review_unit)
            or has_role(current_user, Role.INSPECTOR, pledge.review_unit)):
        return pledge.review_unit
    return pledge.user.unit


def _units_in_view() -> list[Unit]:
    """Units whose pledges this person may see, for the unit picker."""
    paths = scope_paths(current_user, Role.REVIEWER) + scope_paths(current_user, Role.INSPECTOR)
    return units_within(paths)


def _chosen_unit() -> Unit:
    return unit_from_query(READERS)


def _year() -> int:
    return year_from_query()


def _sits_on(unit: Unit) -> bool:
    return any(seat.unit_id == unit.id for seat in current_user.seats)


@bp.get("/")
@permission(*READERS)
def index():
    unit, year = _chosen_unit(), _year()
    return render_template(
        "review/index.html", unit=unit, year=year, routed=pledges.routed_to(unit, year),
        people=pledges.unit_overview(unit, year), units=_units_in_view(),
        queue=pledges.waiting_for(current_user), seats=committees.seats_of(unit),
        sits_on=_sits_on(unit), volumes=pledge_review.volumes_of(unit, year),
        breakthrough=pledge_review.breakthrough_for(unit, year),
        breakthrough_form=BreakthroughForm(obj=pledge_review.own_breakthrough(unit, year)),
        share=pledge_review.breakthrough_share(unit, year), confirm=ConfirmForm(),
        bind_form=CreateButtonForm(),
        position_label=committees.position_label)


@bp.get("/pledges/<int:pledge_id>")
@permission(*READERS, scope=pledge_scope)
def show(pledge_id: int):
    pledge = get_or_404(Pledge, pledge_id)
    queue = [p for p in pledges.waiting_for(current_user) if p.id != pledge.id]
    return render_template(
        "review/pledge.html", pledge=pledge, reviewer=committees.can_act(current_user, pledge),
        own=pledge.user_id == current_user.id,
        template=pledges.plan_template(pledge.plan),
        versions=pledge_review.filed_versions(pledge),
        checkins=pledge_review.checkins_of(pledge),
        acting=committees.acting_reviewers(pledge), supervisors=committees.supervisors(pledge),
        assessment=pledges.assessment_of(pledge), next_pledge=queue[0] if queue else None,
        return_form=ReturnForm(), rating_form=RatingForm(), confirm=ConfirmForm())


def review_scope(pledge_id: int, **_kwargs) -> Unit | None:
    pledge = find(Pledge, pledge_id)
    if pledge is None:
        return None
    return pledge.review_unit or pledge.user.unit


def _act(pledge_id: int, action, done: Callable[[str], str], public_link: bool = False) -> Response:
    """Run one answer on a pledge; refusals say why, in the reader's language. On success the
    reviewer is told whose pledge it was, where the next one is (or that none is left) and,
    after publishing, where the public page is."""
    pledge = get_or_404(Pledge, pledge_id)
    try:
        action(pledge)
    except pledges.NotYourReview as exc:
        return render_error(403, str(exc))
    except pledges.PledgeError as exc:
        flash(str(exc), "error")
        return redirect(url_for("review.show", pledge_id=pledge_id))
    flash(done(pledge.user.full_name), "info")
    if public_link:
        flash(_link(url_for("public.pledges", code=pledge.user.unit.code),
                    _("See it on the public page")), "info")
    queue = pledges.waiting_for(current_user)
    if queue:  # the reviewer lands on the next pledge waiting for them
        flash(_link(url_for("review.show", pledge_id=queue[0].id),
                    _("Next pledge waiting for you: %(name)s", name=queue[0].user.full_name)),
              "info")
        return redirect(url_for("review.show", pledge_id=queue[0].id))
    flash(_("Nothing left: no pledge is waiting for your answer."), "info")
    return redirect(url_for("review.show", pledge_id=pledge_id))


def _link(href: str, text: str) -> Markup:
    # Markup.format escapes both parts, so a name cannot inject HTML into the flash.
    return Markup('<a href="{}">{}</a>').format(href, text)


@bp.post("/pledges/<int:pledge_id>/acknowledge")
@permission(Role.REVIEWER, scope=review_scope)
def acknowledge(pledge_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _act(pledge_id, lambda p: pledges.acknowledge(p, current_user),
                lambda name: _("The pledge of %(name)s was acknowledged.", name=name))


@bp.post("/pledges/<int:pledge_id>/return")
@permission(Role.REVIEWER, scope=review_scope)
def return_pledge(pledge_id: int):
    form = ReturnForm()
    if not form.validate_on_submit():
        flash(_("Say what to change (at least 5 characters)."), "error")
        return redirect(url_for("review.show", pledge_id=pledge_id))
    return _act(pledge_id, lambda p: pledges.return_pledge(p, current_user, form.comment.data),
                lambda name: _("The pledge of %(name)s was returned for revision.", name=name))


@bp.post("/pledges/<int:pledge_id>/rate")
@permission(Role.REVIEWER, scope=review_scope)
def rate(pledge_id: int):
    form = RatingForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(pledge_id, lambda p: pledges.rate(p, current_user, form.rating.data,
                                                   form.comment.data or ""),
                lambda name: _("The year-end rating of %(name)s was saved.", name=name))


@bp.post("/pledges/<int:pledge_id>/publish")
@permission(Role.REVIEWER, scope=review_scope)
def publish(pledge_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    publish_it = request.form.get("publish") == "1"
    return _act(pledge_id, lambda p: pledges.set_published(p, current_user, publish_it),
                (lambda name: _("The pledge of %(name)s is now on the public page.", name=name))
                if publish_it else
                (lambda name: _("The pledge of %(name)s was withdrawn from the public page.",
                                name=name)),
                public_link=publish_it)


@bp.get("/export.<kind>")
@permission(*READERS)
def export(kind: str):
    if kind not in ("pdf", "xlsx"):
        abort(404)
    unit, year = _chosen_unit(), _year()
    rows = pledges.routed_to(unit, year)
    if kind == "pdf":
        body, mimetype = bundle_pdf(unit, year, rows), "application/pdf"
    else:
        body = bundle_xlsx(unit, year, rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="pledges-{unit.code}-{year}.{kind}"'})


# -- bound volumes ---------------------------------------------------------------------------

def volume_scope(volume_id: int, **_kwargs) -> Unit | None:
    volume = find(PledgeVolume, volume_id)
    return volume.unit if volume else None


@bp.post("/volumes")
@permission(Role.REVIEWER)
def bind_volume():
    form = CreateButtonForm()
    if not form.validate_on_submit():
        abort(400)
    unit, year = unit_from_query((Role.REVIEWER,)), _year()
    try:
        volume = pledge_review.bind_volume(unit, year, current_user, form.submitted_key())
    except pledge_review.ReviewError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The volume was bound: %(count)d pledges. Every committee member can open it.",
                count=len(pledge_review.volume_contents(volume))), "info")
    return redirect(url_for("review.index", unit=unit.code, year=year))


@bp.get("/volumes/<int:volume_id>.pdf")
@permission(*READERS, scope=volume_scope)
def volume(volume_id: int):
    volume = get_or_404(PledgeVolume, volume_id)
    body = volume_pdf(volume, pledge_review.volume_contents(volume))
    pledge_review.record_volume_download(volume, current_user)
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition":
            f'attachment; filename="volume-{volume.unit.code}-{volume.year}-{volume.id}.pdf"'})


# -- breakthrough content --------------------------------------------------------------------

@bp.post("/breakthrough")
@permission(Role.REVIEWER)
def breakthrough():
    unit, year = unit_from_query((Role.REVIEWER,)), _year()
    form = BreakthroughForm()
    if not form.validate_on_submit():
        flash(_("Give the breakthrough content (at most 300 characters)."), "error")
        return redirect(url_for("review.index", unit=unit.code, year=year))
    try:
        pledge_review.set_breakthrough(unit, year, form.title.data, form.description.data or "",
                                       current_user)
    except pledge_review.ReviewError as exc:
        return render_error(403, str(exc))
    flash(_("The breakthrough content for %(year)d was saved.", year=year), "info")
    return redirect(url_for("review.index", unit=unit.code, year=year))


# -- cell meetings ---------------------------------------------------------------------------

def _meeting_page(unit: Unit, year: int, form: MeetingForm, status: int = 200):
    return render_template(
        "review/meetings.html", unit=unit, year=year, form=form,
        meetings=pledge_review.meetings_of(unit, year), sits_on=_sits_on(unit),
        candidates=pledge_review.meeting_candidates(unit, year),
        people=[row.user for row in pledges.unit_overview(unit, year)]), status


@bp.get("/meetings")
@permission(*READERS)
def meetings():
    unit, year = _chosen_unit(), _year()
    return _meeting_page(unit, year, MeetingForm(request_key=secrets.token_urlsafe(16)))


@bp.post("/meetings")
@permission(Role.REVIEWER)
def record_meeting():
    unit, year = unit_from_query((Role.REVIEWER,)), _year()
    form = MeetingForm()
    if not form.validate_on_submit():
        return _meeting_page(unit, year, form, 400)
    checkins = {}
    for pledge in pledge_review.meeting_candidates(unit, form.held_on.data.year):
        progress = request.form.get(f"progress-{pledge.id}", "")
        if progress:
            checkins[pledge.id] = (progress, request.form.get(f"comment-{pledge.id}", ""))
    attendees = [int(value) for value in request.form.getlist("attendee") if value.isdigit()]
    try:
        pledge_review.record_meeting(unit, form.held_on.data, form.note.data or "", attendees,
                                     checkins, current_user, form.request_key.data or None)
    except pledge_review.ReviewError as exc:
        flash(str(exc), "error")
        return _meeting_page(unit, year, form, 400)
    flash(_("The cell meeting was recorded."), "info")
    return redirect(url_for("review.meetings", unit=unit.code, year=form.held_on.data.year))


# -- exemplars -------------------------------------------------------------------------------

def exemplar_scope(exemplar_id: int, **_kwargs) -> Unit | None:
    exemplar = find(Exemplar, exemplar_id)
    return exemplar.unit if exemplar else None


def _exemplar_page(unit: Unit, year: int, form: NominationForm, status: int = 200):
    return render_template(
        "review/exemplars.html", unit=unit, year=year, form=form, sits_on=_sits_on(unit),
        nominations=pledge_review.exemplars_for_review(current_user, year),
        can_decide=lambda e: pledge_review.can_decide(current_user, e),
        decision_form=DecisionForm()), status


@bp.get("/exemplars")
@permission(Role.REVIEWER)
def exemplars():
    unit, year = unit_from_query((Role.REVIEWER,)), _year()
    return _exemplar_page(unit, year, NominationForm())


@bp.post("/exemplars")
@permission(Role.REVIEWER)
def nominate():
    unit, year = unit_from_query((Role.REVIEWER,)), _year()
    form = NominationForm()
    if not form.validate_on_submit():
        return _exemplar_page(unit, year, form, 400)
    person = find_user(form.username.data or "") if form.kind.data == "person" else None
    try:
        pledge_review.nominate(unit, year, form.kind.data, person, form.name.data or "",
                               form.description.data, form.evidence.data or "", current_user,
                               form.submitted_key())
    except pledge_review.ReviewError as exc:
        flash(str(exc), "error")
        return _exemplar_page(unit, year, form, 400)
    flash(_("The nomination was sent to the level above."), "info")
    return redirect(url_for("review.exemplars", unit=unit.code, year=year))


@bp.post("/exemplars/<int:exemplar_id>/decide")
@permission(Role.REVIEWER, scope=exemplar_scope)
def decide(exemplar_id: int):
    exemplar = get_or_404(Exemplar, exemplar_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        pledge_review.decide(exemplar, form.decision.data, form.note.data or "", current_user)
    except pledge_review.ReviewError as exc:
        return render_error(403, str(exc))
    flash(_("The decision was recorded."), "info")
    return redirect(url_for("review.exemplars", unit=exemplar.unit.code, year=exemplar.year))
