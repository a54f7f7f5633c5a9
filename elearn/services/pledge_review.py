"""What committees do with filed pledges during the year: read them as filed (with the
commitment and the manifestations chosen), take them into cell meetings, bind them into a volume
every member receives, set the year's breakthrough content, and nominate exemplars."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import events
from ..clock import iso_local, local_today, utcnow
from ..content.manifestations import Manifestation, manifestations
from ..content.model import LocalText
from ..extensions import db
from ..spreadsheet import safe_cell
from ..models import (
    Breakthrough, CellMeeting, Exemplar, ExemplarStatus, Pledge, PledgeCheckin, PledgeVersion,
    PledgeVolume, Unit, User,
)
from ..models.pledges import FILED_OR_LATER
from . import audit, committees, submissions
from .orgs import subtree_of, within_any

PROGRESS = ("on_track", "behind")


class ReviewError(ValueError):
    """A rule was broken; the message is translated text."""


# -- reading what was filed ------------------------------------------------------------------

@dataclass(frozen=True)
class FiledVersion:
    version: PledgeVersion
    content: dict[str, list[dict[str, Any]]]
    commitment: LocalText | None
    manifestations: tuple[tuple[Manifestation, str], ...]


def as_filed(version: PledgeVersion) -> FiledVersion:
    commitment = json.loads(version.commitment or "{}")
    catalogue = manifestations()
    chosen = tuple((catalogue.by_id(item["id"]), item.get("guard", ""))
                   for item in json.loads(version.manifestations or "[]")
                   if catalogue.by_id(item.get("id", "")))
    return FiledVersion(version, json.loads(version.content),
                        LocalText.of(commitment["vi"], en=commitment.get("en") or commitment["vi"])
                        if commitment.get("vi") else None, chosen)


def filed_versions(pledge: Pledge) -> list[FiledVersion]:
    return [as_filed(version) for version in pledge.versions]


# -- breakthrough content --------------------------------------------------------------------

def breakthrough_for(unit: Unit, year: int) -> Breakthrough | None:
    """The nearest breakthrough content set for the unit or a unit above it."""
    ids = [int(part) for part in unit.path.strip("/").split("/")]
    found = db.session.scalars(select(Breakthrough).join(Unit, Breakthrough.unit_id == Unit.id)
                               .where(Breakthrough.unit_id.in_(ids), Breakthrough.year == year)
                               .order_by(func.length(Unit.path).desc())).first()
    return found


def own_breakthrough(unit: Unit, year: int) -> Breakthrough | None:
    return db.session.scalar(select(Breakthrough).where(Breakthrough.unit_id == unit.id,
                                                        Breakthrough.year == year))


def ensure_committee_member(user: User, unit: Unit) -> None:
    if not any(seat.unit_id == unit.id for seat in user.seats):
        raise ReviewError(_("Only members of the committee of %(unit)s can do this.",
                            unit=unit.name))


def set_breakthrough(unit: Unit, year: int, title: str, description: str, by: User) -> Breakthrough:
    """The committee sets (or rewrites) its unit's breakthrough content for the year."""
    ensure_committee_member(by, unit)
    title, description = title.strip(), description.strip()
    current = own_breakthrough(unit, year)
    if current is not None and (current.title, current.description) == (title, description):
        return current
    if current is None:
        current = Breakthrough(unit_id=unit.id, year=year, title=title, description=description,
                               set_by_id=by.id)
        db.session.add(current)
    else:
        current.title, current.description = title, description
        current.set_by_id, current.set_at = by.id, utcnow()
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent first setting won: apply ours on top of it
        db.session.rollback()
        return set_breakthrough(unit, year, title, description, by)
    audit.record("breakthrough.set", actor_id=by.id, subject=f"unit:{unit.id}",
                 data={"year": year, "title": title})
    db.session.commit()
    return current


def breakthrough_share(unit: Unit, year: int) -> tuple[int, int]:
    """(filed pledges in the subtree with a commitment tied to the breakthrough content, filed
    pledges in the subtree). A filed pledge's draft is what was filed, so one LIKE counts it."""
    base = (select(func.count()).select_from(Pledge).join(User, Pledge.user_id == User.id)
            .join(Unit, User.unit_id == Unit.id)
            .where(Pledge.year == year, Pledge.status.in_(FILED_OR_LATER),
                   subtree_of(unit.path)))
    total = db.session.scalar(base) or 0
    tied = db.session.scalar(base.where(Pledge.draft.like('%"breakthrough": true%'))) or 0
    return tied, total


# -- cell meetings ---------------------------------------------------------------------------

def meeting_candidates(unit: Unit, year: int) -> list[Pledge]:
    """Pledges a meeting of this unit reviews: its own people's filed pledges of the year."""
    return list(db.session.scalars(
        select(Pledge).join(User, Pledge.user_id == User.id)
        .where(User.unit_id == unit.id, Pledge.year == year, Pledge.status.in_(FILED_OR_LATER))
        .options(joinedload(Pledge.user)).order_by(User.full_name)))


def record_meeting(unit: Unit, held_on: date, note: str, attendee_ids: list[int],
                   checkins: dict[int, tuple[str, str]], by: User,
                   request_key: str | None = None) -> CellMeeting:
    """Record a cell meeting and its check-ins, and commit; ReviewError (nothing kept, not
    even a half-built meeting in the session) when a rule is broken."""
    try:
        return _record_meeting(unit, held_on, note, attendee_ids, checkins, by, request_key)
    except ReviewError:
        db.session.rollback()
        raise


def _record_meeting(unit: Unit, held_on: date, note: str, attendee_ids: list[int],
                    checkins: dict[int, tuple[str, str]], by: User,
                    request_key: str | None = None) -> CellMeeting:
    """Record a cell meeting with a progress note per pledge reviewed. The form carries a
    one-time key, so a repeated submission returns the meeting already recorded."""
    ensure_committee_member(by, unit)
    if request_key:
        existing = db.session.scalar(select(CellMeeting).where(
            CellMeeting.request_key == request_key))
        if existing is not None:
            return existing
    if held_on > local_today():
        raise ReviewError(_("A meeting cannot be recorded before it is held."))
    allowed = {pledge.id: pledge for pledge in meeting_candidates(unit, held_on.year)}
    members = {user.id for user in db.session.scalars(select(User).where(
        User.unit_id == unit.id, User.active))}
    meeting = CellMeeting(unit_id=unit.id, held_on=held_on, note=note.strip()[:5000],
                          recorded_by_id=by.id, request_key=request_key or None)
    meeting.attendees = list(db.session.scalars(select(User).where(
        User.id.in_([i for i in attendee_ids if i in members]))))
    for pledge_id, (progress, comment) in checkins.items():
        if pledge_id not in allowed:
            raise ReviewError(_("A pledge in the list is not one of this cell's pledges."))
        if progress not in PROGRESS:
            raise ReviewError(_("Say for each pledge whether it is on track or behind."))
        meeting.checkins.append(PledgeCheckin(pledge_id=pledge_id, progress=progress,
                                              comment=comment.strip()[:1000]))
    if not meeting.checkins:
        raise ReviewError(_("Review at least one pledge at the meeting."))
    db.session.add(meeting)
    try:
        db.session.flush()
    except IntegrityError:  # the same form sent twice at once: the first one stands
        db.session.rollback()
        existing = db.session.scalar(select(CellMeeting).where(
            CellMeeting.request_key == request_key))
        if existing is None:
            raise
        return existing
    audit.record("meeting.recorded", actor_id=by.id, subject=f"meeting:{meeting.id}",
                 data={"unit": unit.code, "held_on": held_on.isoformat(),
                       "pledges": sorted(checkins)})
    events.emit("meeting.recorded", key=f"meeting.recorded:meeting:{meeting.id}",
                person_id=None, actor_id=by.id, unit_id=unit.id,
                data={"meeting_id": meeting.id, "held_on": held_on.isoformat(),
                      "pledges": sorted(checkins)})
    db.session.commit()
    return meeting


def meetings_of(unit: Unit, year: int) -> list[CellMeeting]:
    return list(db.session.scalars(
        select(CellMeeting).where(CellMeeting.unit_id == unit.id,
                                  CellMeeting.held_on >= date(year, 1, 1),
                                  CellMeeting.held_on < date(year + 1, 1, 1))
        .order_by(CellMeeting.held_on.desc())))


def checkins_of(pledge: Pledge) -> list[PledgeCheckin]:
    """A person's history of check-ins at cell meetings, oldest first."""
    return list(db.session.scalars(
        select(PledgeCheckin).join(CellMeeting, PledgeCheckin.meeting_id == CellMeeting.id)
        .where(PledgeCheckin.pledge_id == pledge.id)
        .options(joinedload(PledgeCheckin.meeting)).order_by(CellMeeting.held_on)))


# -- bound volumes ---------------------------------------------------------------------------

def bind_volume(unit: Unit, year: int, by: User, key: str | None = None) -> PledgeVolume:
    """Bind the pledges routed to this committee (their latest filed versions) as of now, and
    commit. The form's one-time `key` makes a repeated submission return the same volume."""
    ensure_committee_member(by, unit)
    unit_id, unit_code, by_id = unit.id, unit.code, by.id

    def create() -> PledgeVolume:
        rows = db.session.execute(
            select(Pledge.id, func.max(PledgeVersion.number))
            .join(PledgeVersion, PledgeVersion.pledge_id == Pledge.id)
            .join(User, Pledge.user_id == User.id)
            .where(Pledge.review_unit_id == unit_id, Pledge.year == year,
                   Pledge.status.in_(FILED_OR_LATER))
            .group_by(Pledge.id, User.full_name).order_by(User.full_name)).all()
        if not rows:
            raise ReviewError(_("No pledge has been filed with this committee yet."))
        volume = PledgeVolume(unit_id=unit_id, year=year, bound_by_id=by_id,
                              entries=json.dumps([[pledge_id, number]
                                                  for pledge_id, number in rows]))
        db.session.add(volume)
        db.session.flush()
        audit.record("volume.bound", actor_id=by_id, subject=f"volume:{volume.id}",
                     data={"unit": unit_code, "year": year, "pledges": len(rows)})
        return volume

    return submissions.once(key, f"volume.bind:unit:{unit_id}:{year}", by, create,
                            lambda id_: db.session.get(PledgeVolume, id_), what="the volume")


def volumes_of(unit: Unit, year: int) -> list[PledgeVolume]:
    return list(db.session.scalars(select(PledgeVolume).where(
        PledgeVolume.unit_id == unit.id, PledgeVolume.year == year)
        .order_by(PledgeVolume.bound_at.desc())))


def volume_contents(volume: PledgeVolume) -> list[tuple[Pledge, FiledVersion]]:
    entries = json.loads(volume.entries)
    versions = {(v.pledge_id, v.number): v for v in db.session.scalars(
        select(PledgeVersion).where(PledgeVersion.pledge_id.in_([e[0] for e in entries]))
        .options(joinedload(PledgeVersion.pledge).joinedload(Pledge.user)))}
    return [(versions[(pledge_id, number)].pledge, as_filed(versions[(pledge_id, number)]))
            for pledge_id, number in entries if (pledge_id, number) in versions]


def record_volume_download(volume: PledgeVolume, by: User) -> None:
    """Every download of a bound volume is in the audit log (a named, audited read)."""
    audit.record("volume.downloaded", actor_id=by.id, subject=f"volume:{volume.id}",
                 data={"unit_id": volume.unit_id, "year": volume.year})
    db.session.commit()


def volume_readers(volume: PledgeVolume) -> list[User]:
    """Every member of the committee and of the committee of the level above."""
    unit = volume.unit
    readers = {seat.user_id: seat.user for seat in committees.seats_of(unit)}
    if unit.parent is not None:
        readers.update({seat.user_id: seat.user for seat in committees.seats_of(unit.parent)})
    return sorted(readers.values(), key=lambda u: u.full_name)


# -- exemplars -------------------------------------------------------------------------------

def nominate(unit: Unit, year: int, kind: str, person: User | None, name: str,
             description: str, evidence: str, by: User, key: str | None = None) -> Exemplar:
    """Nominate an exemplar to the level above, and commit. The same name nominated again is
    the same nomination, and the form's one-time `key` makes a repeated submission (racing
    duplicates included) return it."""
    ensure_committee_member(by, unit)
    if kind not in ("person", "collective"):
        raise ReviewError(_("Choose a person or a collective."))
    if kind == "person":
        if person is None or not person.unit.path.startswith(unit.path):
            raise ReviewError(_("Give the username of a person of %(unit)s.", unit=unit.name))
        name = person.full_name
    elif not name.strip():
        raise ReviewError(_("Give the name of the collective."))
    unit_id, unit_code, by_id = unit.id, unit.code, by.id
    person_id = person.id if person else None

    def create() -> Exemplar:
        duplicate = db.session.scalar(select(Exemplar).where(
            Exemplar.unit_id == unit_id, Exemplar.year == year, Exemplar.name == name.strip(),
            Exemplar.status != ExemplarStatus.REJECTED))
        if duplicate is not None:
            return duplicate  # a repeated nomination is the same nomination
        exemplar = Exemplar(unit_id=unit_id, year=year, kind=kind, user_id=person_id,
                            name=name.strip()[:300], description=description.strip()[:3000],
                            evidence=evidence.strip()[:3000], nominated_by_id=by_id)
        db.session.add(exemplar)
        db.session.flush()
        audit.record("exemplar.nominated", actor_id=by_id, subject=f"exemplar:{exemplar.id}",
                     data={"unit": unit_code, "year": year, "name": exemplar.name})
        return exemplar

    return submissions.once(key, f"exemplar.nominate:unit:{unit_id}:{year}", by, create,
                            lambda id_: db.session.get(Exemplar, id_), what="the nomination")


def can_decide(user: User, exemplar: Exemplar) -> bool:
    """The level above decides: a member of a committee of an ancestor unit, never the
    nominee or the one who nominated."""
    if user.id in (exemplar.user_id, exemplar.nominated_by_id):
        return False
    return any(exemplar.unit.path.startswith(seat.unit.path) and seat.unit_id != exemplar.unit_id
               for seat in user.seats)


def decide(exemplar: Exemplar, decision: str, note: str, by: User) -> None:
    if not can_decide(by, exemplar):
        raise ReviewError(_("The committee of the level above decides on this nomination."))
    if decision not in (ExemplarStatus.APPROVED, ExemplarStatus.REJECTED):
        raise ReviewError(_("Choose a decision."))
    if exemplar.status != ExemplarStatus.NOMINATED:
        if exemplar.status == decision:
            return
        raise ReviewError(_("This nomination has already been decided."))
    moved = db.session.execute(
        update(Exemplar).where(Exemplar.id == exemplar.id,
                               Exemplar.status == ExemplarStatus.NOMINATED)
        .values(status=decision, decided_by_id=by.id, decided_at=utcnow(),
                decision_note=note.strip()[:1000]).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.rollback()
        return
    audit.record(f"exemplar.{decision}", actor_id=by.id, subject=f"exemplar:{exemplar.id}")
    db.session.commit()
    db.session.refresh(exemplar)


def exemplars_for_review(user: User, year: int) -> list[Exemplar]:
    """Nominations from this person's committees and from the units below them."""
    paths = [seat.unit.path for seat in user.seats]
    if not paths:
        return []
    return list(db.session.scalars(
        select(Exemplar).join(Unit, Exemplar.unit_id == Unit.id)
        .where(within_any(paths), Exemplar.year == year)
        .order_by(Exemplar.status, Unit.path, Exemplar.name)))


def approved_exemplars(unit: Unit, year: int | None = None) -> list[Exemplar]:
    query = (select(Exemplar).join(Unit, Exemplar.unit_id == Unit.id)
             .where(subtree_of(unit.path), Exemplar.status == ExemplarStatus.APPROVED))
    if year is not None:
        query = query.where(Exemplar.year == year)
    return list(db.session.scalars(query.order_by(Exemplar.year.desc(), Unit.path,
                                                  Exemplar.name)))


def exemplars_csv(rows: list[Exemplar]) -> str:
    """Approved exemplars as CSV; every cell from user text is neutralised for spreadsheets."""
    import csv
    import io

    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow([_("Year"), _("Unit"), _("Exemplar"), _("Kind"), _("What they did"),
                     _("Approved on")])
    for row in rows:
        writer.writerow([row.year, safe_cell(row.unit.name), safe_cell(row.name),
                         _("A person") if row.kind == "person" else _("A collective"),
                         safe_cell(row.description), iso_local(row.decided_at)])
    return output.getvalue()
