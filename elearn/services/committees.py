"""Committees and the filing order they imply.

Routing (where a pledge goes) and "superiors first" (who must file before whom) read the
committee seats and their ranks, never "whoever holds a role":

- an ordinary member files to the committee of their own unit (the chi ủy of their cell), or of
  the nearest unit above that has one;
- a committee member files to that level's standing committee;
- a standing-committee member files to the whole committee, the standing office acknowledging;
- when nobody but the person could receive it, it goes one level up; never to nobody, and never
  to the person themselves.

The waiting rule only ever points at people with a strictly smaller key (depth of the filing
level, rank), so it has no cycles: someone can always file, and filing whoever can eventually
files everyone. tests/test_committees.py checks that on random trees.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Callable

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import CommitteeSeat, Pledge, Position, Unit, User
from ..models.pledges import FILED_OR_LATER
from . import audit
from .imports import ImportReport, RowResult, read_csv
from .orgs import ancestors, subtree_of, unit_by_code

POSITION_LABELS = {
    Position.SECRETARY: _l("Secretary"),
    Position.DEPUTY: _l("Deputy secretary"),
    Position.STANDING: _l("Standing committee member"),
    Position.MEMBER: _l("Committee member"),
}


class CommitteeError(ValueError):
    """A rule about committees was broken; the message is translated text."""


class ReviewBody(StrEnum):
    """Which seats of the receiving committee act on a pledge (acknowledge, return, rate)."""

    COMMITTEE = "committee"   # every member (a cell's chi ủy; a committee for its own people)
    STANDING = "standing"     # the standing committee (ban thường vụ)
    OFFICE = "office"         # the standing office (thường trực); the whole committee supervises

    def admits(self, position: Position) -> bool:
        if self is ReviewBody.OFFICE:
            return position.in_standing_office
        if self is ReviewBody.STANDING:
            return position.in_standing_committee
        return True


def position_label(position: str, unit: Unit | None = None) -> str:
    if position == Position.MEMBER and unit is not None and unit.level == "cell":
        return _("Cell committee member")
    return str(POSITION_LABELS.get(Position(position), position))


# -- reading seats ---------------------------------------------------------------------------

def seats_of(unit: Unit) -> list[CommitteeSeat]:
    """The unit's committee, highest rank first (active people only)."""
    seats = db.session.scalars(
        select(CommitteeSeat).join(User, CommitteeSeat.user_id == User.id)
        .where(CommitteeSeat.unit_id == unit.id, User.active)
        .options(joinedload(CommitteeSeat.user))).all()
    return sorted(seats, key=lambda s: (s.rank, s.user.full_name))


def _seats_by_unit(unit_ids: list[int]) -> dict[int, list[CommitteeSeat]]:
    found: dict[int, list[CommitteeSeat]] = {unit_id: [] for unit_id in unit_ids}
    if not unit_ids:
        return found
    for seat in db.session.scalars(
            select(CommitteeSeat).join(User, CommitteeSeat.user_id == User.id)
            .where(CommitteeSeat.unit_id.in_(unit_ids), User.active)
            .options(joinedload(CommitteeSeat.user), joinedload(CommitteeSeat.unit))):
        found[seat.unit_id].append(seat)
    return found


def highest_seat(user: User) -> CommitteeSeat | None:
    """The seat a person files from: the highest level, then the highest rank."""
    seats = [seat for seat in user.seats]
    if not seats:
        return None
    return min(seats, key=lambda s: (s.unit.path.count("/"), s.rank))


def chain_up(unit: Unit) -> list[Unit]:
    """The unit and its ancestors, nearest first."""
    return [unit, *reversed(ancestors(unit))]


# -- routing ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    unit: Unit
    body: ReviewBody
    reviewers: tuple[User, ...] = field(default=())


def _acting(seats: list[CommitteeSeat], body: ReviewBody, author_id: int) -> list[User]:
    return [s.user for s in sorted(seats, key=lambda s: (s.rank, s.user.full_name))
            if s.user_id != author_id and body.admits(Position(s.position))]


def route_for(user: User) -> Route | None:
    """Where this person's pledge goes, or None when no committee could receive it."""
    seat = highest_seat(user)
    start = seat.unit if seat else user.unit
    units = chain_up(start)
    seats = _seats_by_unit([u.id for u in units])
    if seat is not None:
        own = seats[seat.unit_id]
        preference = ((ReviewBody.STANDING, ReviewBody.COMMITTEE)
                      if Position(seat.position) is Position.MEMBER
                      else (ReviewBody.OFFICE, ReviewBody.STANDING, ReviewBody.COMMITTEE))
        for body in preference:
            people = _acting(own, body, user.id)
            if people:
                return Route(seat.unit, body, tuple(people))
        above = units[1:]
        preference_above = (ReviewBody.STANDING, ReviewBody.COMMITTEE)
    else:
        above = units
        preference_above = (ReviewBody.COMMITTEE,)
    for unit in above:
        for body in preference_above:
            people = _acting(seats[unit.id], body, user.id)
            if people:
                return Route(unit, body, tuple(people))
    return None


def acting_reviewers(pledge: Pledge) -> list[User]:
    """Who may acknowledge, return, rate and publish this pledge: never its author."""
    if pledge.review_unit is None:
        return []
    body = ReviewBody(pledge.review_body or ReviewBody.COMMITTEE)
    return _acting(seats_of(pledge.review_unit), body, pledge.user_id)


def supervisors(pledge: Pledge) -> list[User]:
    """Every member of the receiving committee sees the pledge and supervises it."""
    if pledge.review_unit is None:
        return []
    return [s.user for s in seats_of(pledge.review_unit) if s.user_id != pledge.user_id]


def can_act(user: User, pledge: Pledge) -> bool:
    return any(person.id == user.id for person in acting_reviewers(pledge))


def review_units_of(user: User) -> list[Unit]:
    """The units whose committee this person sits on."""
    return [seat.unit for seat in user.seats]


# -- filing order ----------------------------------------------------------------------------

def _routable(people: list[User]) -> list[User]:
    """Those of `people` whose pledge some committee can receive. Someone is waited for only
    if they can file: a lone member at the top cannot, and waiting would stop all below."""
    if not people:
        return []
    ids = [person.id for person in people]
    seats: dict[int, list[CommitteeSeat]] = {}
    for held in db.session.scalars(select(CommitteeSeat).where(CommitteeSeat.user_id.in_(ids))
                                   .options(joinedload(CommitteeSeat.unit))):
        seats.setdefault(held.user_id, []).append(held)
    colleagues: dict[int, int] = {}
    if seats:
        units = {held.unit_id for found in seats.values() for held in found}
        for unit_id, user_id in db.session.execute(
                select(CommitteeSeat.unit_id, CommitteeSeat.user_id)
                .join(User, CommitteeSeat.user_id == User.id)
                .where(CommitteeSeat.unit_id.in_(units), User.active)):
            colleagues[unit_id] = colleagues.get(unit_id, 0) + 1
    committee_above: dict[int, bool] = {}  # a seatless person files with any committee above
    routable = []
    for person in people:
        held = seats.get(person.id)
        if held:
            top = min(held, key=lambda s: (s.unit.path.count("/"), s.rank))
            if colleagues.get(top.unit_id, 0) > 1 or route_for(person) is not None:
                routable.append(person)
            continue
        if person.unit_id not in committee_above:
            chain = [u.id for u in chain_up(person.unit)]
            committee_above[person.unit_id] = any(_seats_by_unit(chain).values())
        if committee_above[person.unit_id]:
            routable.append(person)
    return routable


def must_file_first(user: User) -> list[User]:
    """Everyone who files before this person ("trên trước, dưới sau"), whether or not they
    have filed yet: higher ranks of their own committee, and the nearest committee above
    (which waited for the ones above it)."""
    seat = highest_seat(user)
    before: dict[int, User] = {}
    if seat is not None:
        units = chain_up(seat.unit)
        seats = _seats_by_unit([u.id for u in units])
        for other in seats[seat.unit_id]:
            if other.rank < seat.rank:
                before[other.user_id] = other.user
        above = units[1:]
    else:
        above = chain_up(user.unit)
        seats = _seats_by_unit([u.id for u in above])
    for unit in above:
        members = [s for s in seats[unit.id] if s.user_id != user.id]
        if members:
            before.update({s.user_id: s.user for s in members})
            break
    before.pop(user.id, None)
    return sorted(_routable(list(before.values())), key=lambda u: u.full_name)


def party_members_first(user: User) -> list[User]:
    """"Trong trước, ngoài sau": a cadre or civil servant outside the Party files after the
    party members of their unit. Committee members are never held back by this."""
    if user.is_party_member or user.seats:
        return []
    members = db.session.scalars(select(User).where(
        User.unit_id == user.unit_id, User.active, User.is_party_member, User.id != user.id,
        User.audience == user.audience).order_by(User.full_name)).all()
    return _routable(list(members))


def may_wait_for(filer: User) -> list[User]:
    """Everyone whose filing order could name `filer`: the people below the highest seat they
    hold (their committee's lower ranks and the units under it), or, for a seatless party
    member, the non-members of their unit. A superset; the caller checks each person."""
    seat = highest_seat(filer)
    if seat is not None:
        found = select(User).join(Unit, User.unit_id == Unit.id).where(
            subtree_of(seat.unit.path), User.active, User.id != filer.id)
    elif filer.is_party_member:
        found = select(User).where(User.unit_id == filer.unit_id, User.active,
                                   User.id != filer.id, User.is_party_member.is_(False))
    else:
        return []
    return list(db.session.scalars(found.order_by(User.id)))


def not_yet_filed(people: list[User], year: int) -> list[User]:
    if not people:
        return []
    filed = set(db.session.scalars(select(Pledge.user_id).where(
        Pledge.year == year, Pledge.user_id.in_([p.id for p in people]),
        Pledge.status.in_(FILED_OR_LATER))))
    return [person for person in people if person.id not in filed]


# -- administration --------------------------------------------------------------------------

def seat_by_id(seat_id: int) -> CommitteeSeat | None:
    return db.session.get(CommitteeSeat, seat_id)


def set_seat(unit: Unit, user: User, position: str, by: User | None,
             commit: bool = True) -> CommitteeSeat:
    """Seat someone on a unit's committee, or change their position; audited. Only one
    secretary per committee."""
    try:
        position = Position(position)
    except ValueError:
        raise CommitteeError(_("Choose a position.")) from None
    if position is Position.SECRETARY:
        other = db.session.scalar(select(CommitteeSeat).where(
            CommitteeSeat.unit_id == unit.id, CommitteeSeat.position == Position.SECRETARY,
            CommitteeSeat.user_id != user.id))
        if other is not None:
            raise CommitteeError(_("%(name)s is already the secretary of %(unit)s: change their "
                                   "position first.", name=other.user.full_name, unit=unit.name))
    seat = db.session.scalar(select(CommitteeSeat).where(CommitteeSeat.unit_id == unit.id,
                                                         CommitteeSeat.user_id == user.id))
    if seat is not None and seat.position == position:
        return seat
    if seat is None:
        seat = CommitteeSeat(unit=unit, user=user, position=position)
        db.session.add(seat)
    else:
        seat.position = position
    db.session.flush()
    audit.record("committee.seat_set", actor_id=by.id if by else None, subject=f"unit:{unit.id}",
                 data={"user": user.username, "position": str(position)})
    if commit:
        db.session.commit()
    return seat


def remove_seat(seat: CommitteeSeat, by: User | None) -> None:
    audit.record("committee.seat_removed", actor_id=by.id if by else None,
                 subject=f"unit:{seat.unit_id}", data={"user": seat.user.username,
                                                       "position": seat.position})
    db.session.delete(seat)
    db.session.commit()


SEAT_COLUMNS = ("unit_code", "username", "position")


def import_seats(raw: bytes, can_manage: Callable[[Unit], bool], by: User,
                 dry_run: bool) -> ImportReport:
    """Committee seats from `unit_code,username,position` rows: every bad line reported, and
    nothing written unless every row is correct."""
    rows, problems = read_csv(raw, SEAT_COLUMNS)
    report = ImportReport(problems=problems)
    secretaries: dict[int, int] = {}
    valid: list[tuple[Unit, User, str]] = []
    for line, row in rows:
        result = RowResult(line, f"{row.get('unit_code', '')} · {row.get('username', '')}")
        report.rows.append(result)
        unit = unit_by_code(row.get("unit_code"))
        user = db.session.scalar(select(User).where(
            User.username == (row.get("username") or "").lower()))
        position = row.get("position", "")
        if unit is None or not can_manage(unit):
            result.errors.append(_("Unknown unit, or not one you manage."))
        if user is None:
            result.errors.append(_("No person with that username."))
        if position not in {p.value for p in Position}:
            result.errors.append(_("Position must be one of: %(positions)s.",
                                   positions=", ".join(p.value for p in Position)))
        elif unit is not None and user is not None and position == Position.SECRETARY:
            if secretaries.setdefault(unit.id, user.id) != user.id:
                result.errors.append(_("%(unit)s has two secretaries in this file.",
                                       unit=unit.code))
        if not result.errors:
            existing = db.session.scalar(select(CommitteeSeat.position).where(
                CommitteeSeat.unit_id == unit.id, CommitteeSeat.user_id == user.id))
            result.action = ("unchanged" if existing == position
                             else "update" if existing else "create")
            valid.append((unit, user, position))
    if not report.ok or dry_run:
        return report
    # Secretaries replaced by the file step down first, so rows may come in any order.
    for unit_id, user_id in secretaries.items():
        for seat in db.session.scalars(select(CommitteeSeat).where(
                CommitteeSeat.unit_id == unit_id, CommitteeSeat.user_id != user_id,
                CommitteeSeat.position == Position.SECRETARY)):
            seat.position = Position.DEPUTY
    db.session.flush()
    for unit, user, position in valid:
        set_seat(unit, user, position, by, commit=False)
    db.session.commit()
    report.applied = True
    return report


def units_that_route_nowhere(root: Unit, limit: int = 50) -> list[Unit]:
    """Units of the subtree where an ordinary member's pledge would have no committee to go to
    (so an admin can fix the committees before anyone is refused)."""
    units = db.session.scalars(select(Unit).where(subtree_of(root.path)).order_by(Unit.path)
                               .limit(5000)).all()
    seated = set(db.session.scalars(select(CommitteeSeat.unit_id).distinct()))
    result = []
    for unit in units:
        ids = [int(part) for part in unit.path.strip("/").split("/")]
        if not seated.intersection(ids):
            result.append(unit)
            if len(result) >= limit:
                break
    return result
