"""Committees as data: routing by rank, "superiors first" that never deadlocks, and the
seat import. The property test builds random organisation trees with random committees (on
SQLite and PostgreSQL) and proves that someone can always file and that filing whoever can
eventually files everyone a committee can receive."""
from __future__ import annotations

import itertools
from datetime import date

from hypothesis import HealthCheck, given, settings, strategies as st

from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import Pledge, Position, StudyPlan, Unit, User
from elearn.services import committees
from elearn.services.committees import ReviewBody, set_seat
from elearn.services.orgs import create_unit

YEAR = 2026
_serial = itertools.count()


def person(name: str, unit: Unit, *, party: bool = True) -> User:
    # Nobody signs in here: a placeholder hash keeps thousands of people cheap to create.
    user = User(username=f"u{next(_serial)}", full_name=name, password_hash="-", unit=unit,
                is_party_member=party)
    db.session.add(user)
    db.session.flush()
    return user


def seat(unit: Unit, user: User, position: Position) -> None:
    set_seat(unit, user, position, None, commit=False)


# -- routing, by the rules of the article ------------------------------------------------------

def test_routing_follows_the_committees(app):
    with app.app_context():
        province = create_unit("P", "Tỉnh ủy", "province")
        commune = create_unit("X", "Đảng ủy xã", "grassroots", province)
        cell = create_unit("C", "Chi bộ", "cell", commune)
        secretary, deputy, standing = (person(n, province) for n in ("Bí thư", "Phó", "UVBTV"))
        member = person("Tỉnh ủy viên", province)
        for who, position in ((secretary, Position.SECRETARY), (deputy, Position.DEPUTY),
                              (standing, Position.STANDING), (member, Position.MEMBER)):
            seat(province, who, position)
        commune_secretary = person("Bí thư xã", commune)
        seat(commune, commune_secretary, Position.SECRETARY)
        cell_secretary, cell_deputy, cell_member = (person(n, cell) for n in ("BT", "PBT", "CUV"))
        seat(cell, cell_secretary, Position.SECRETARY)
        seat(cell, cell_deputy, Position.DEPUTY)
        seat(cell, cell_member, Position.MEMBER)
        ordinary = person("Đảng viên", cell)
        db.session.commit()

        def route(user):
            found = committees.route_for(user)
            return found.unit.code, found.body, {u.full_name for u in found.reviewers}

        # A cell member files to the chi ủy; a chi ủy member to its secretary and deputy.
        assert route(ordinary) == ("C", ReviewBody.COMMITTEE, {"BT", "PBT", "CUV"})
        assert route(cell_member) == ("C", ReviewBody.STANDING, {"BT", "PBT"})
        # The cell secretary: the deputy acknowledges, the whole chi ủy supervises.
        assert route(cell_secretary) == ("C", ReviewBody.OFFICE, {"PBT"})
        # A lone commune secretary goes one level up, to the standing committee there.
        assert route(commune_secretary) == ("P", ReviewBody.STANDING, {"Bí thư", "Phó",
                                                                       "UVBTV"})
        # Committee members file to the standing committee; standing members to the whole
        # committee with the standing office acknowledging; never to themselves.
        assert route(member) == ("P", ReviewBody.STANDING, {"Bí thư", "Phó", "UVBTV"})
        assert route(standing) == ("P", ReviewBody.OFFICE, {"Bí thư", "Phó"})
        assert route(secretary) == ("P", ReviewBody.OFFICE, {"Phó"})
        assert route(deputy) == ("P", ReviewBody.OFFICE, {"Bí thư"})

        # Superiors first: the secretary first, then deputies, then members; equal ranks
        # never wait for each other; a level's committee before the people below it.
        names = lambda people: {p.full_name for p in people}  # noqa: E731
        assert names(committees.must_file_first(secretary)) == set()
        assert names(committees.must_file_first(deputy)) == {"Bí thư"}
        assert names(committees.must_file_first(member)) == {"Bí thư", "Phó", "UVBTV"}
        assert names(committees.must_file_first(commune_secretary)) == {
            "Bí thư", "Phó", "UVBTV", "Tỉnh ủy viên"}
        assert names(committees.must_file_first(cell_secretary)) == {"Bí thư xã"}
        assert names(committees.must_file_first(ordinary)) == {"BT", "PBT", "CUV"}
        other_deputy = person("Phó 2", province)
        seat(province, other_deputy, Position.DEPUTY)
        assert deputy not in committees.must_file_first(other_deputy)


def test_a_lone_top_secretary_routes_nowhere_and_blocks_nobody(app):
    with app.app_context():
        province = create_unit("P", "Tỉnh ủy", "province")
        cell = create_unit("C", "Chi bộ", "cell", province)
        alone = person("Bí thư", province)
        seat(province, alone, Position.SECRETARY)
        cell_secretary, member = person("BT", cell), person("ĐV", cell)
        seat(cell, cell_secretary, Position.SECRETARY)
        db.session.commit()
        assert committees.route_for(alone) is None
        assert committees.must_file_first(cell_secretary) == []
        assert committees.route_for(cell_secretary).unit.code == "P"


# -- the property: no deadlock, ever -------------------------------------------------------------

POSITIONS = [Position.SECRETARY, Position.DEPUTY, Position.STANDING, Position.MEMBER]


@st.composite
def organisations(draw):
    """A random tree (1–12 units, any depth) with random committees and people."""
    count = draw(st.integers(1, 12))
    parents = [None] + [draw(st.integers(0, i - 1)) for i in range(1, count)]
    units = []
    for index in range(count):
        people = draw(st.lists(st.tuples(st.booleans(),                    # party member
                                         st.sampled_from([None, *POSITIONS]),  # seat here
                                         st.booleans()),                   # also seat above
                               max_size=6))
        units.append((parents[index], people))
    return units, draw(st.booleans())


def build(units) -> list[User]:
    made: list[Unit] = []
    everyone: list[User] = []
    tag = next(_serial)
    for index, (parent, people) in enumerate(units):
        unit = create_unit(f"R{tag}-{index}", f"Đơn vị {index}", "unit",
                           made[parent] if parent is not None else None)
        made.append(unit)
        has_secretary = False
        for number, (party, position, above) in enumerate(people):
            user = person(f"Người {tag}.{index}.{number}", unit, party=party)
            everyone.append(user)
            if position is not None and party:
                if position is Position.SECRETARY and has_secretary:
                    position = Position.DEPUTY
                has_secretary |= position is Position.SECRETARY
                seat(unit, user, position)
                if above and parent is not None:
                    seat(made[parent], user, Position.MEMBER)
    db.session.flush()
    for user in everyone:
        db.session.refresh(user)
    return everyone


def can_file(user: User, inside_first: bool) -> bool:
    if committees.route_for(user) is None:
        return False
    if committees.not_yet_filed(committees.must_file_first(user), YEAR):
        return False
    return not (inside_first
                and committees.not_yet_filed(committees.party_members_first(user), YEAR))


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(organisation=organisations())
def test_someone_can_always_file_and_everyone_eventually_does(app, organisation):
    units, inside_first = organisation
    with app.app_context():
        plan = StudyPlan(year=YEAR, unit=create_unit(f"PLAN{next(_serial)}", "Kế hoạch", "x"),
                         title="x", courses="[]", deadline=date(YEAR, 12, 31),
                         template=DEFAULT_TEMPLATE, inside_first=inside_first)
        db.session.add(plan)
        everyone = build(units)
        routable = [user for user in everyone if committees.route_for(user) is not None]
        # Only people with no other committee member anywhere above them route nowhere.
        for user in everyone:
            if user not in routable:
                highest = committees.highest_seat(user)
                start = highest.unit if highest else user.unit
                assert [s for u in committees.chain_up(start) for s in committees.seats_of(u)
                        if s.user_id != user.id] == []
        waiting = list(routable)
        while waiting:
            ready = [user for user in waiting if can_file(user, inside_first)]
            assert ready, "deadlock: nobody left can file"
            for user in ready:  # they file, in any order
                db.session.add(Pledge(user=user, plan=plan, year=YEAR, status="filed"))
                waiting.remove(user)
            db.session.flush()
        db.session.rollback()


# -- the seat import -------------------------------------------------------------------------

def test_seats_import_from_csv_all_or_nothing(app):
    with app.app_context():
        cell = create_unit("C", "Chi bộ", "cell")
        for name in ("an", "binh"):
            user = person(name, cell)
            user.username = name
        db.session.commit()
        manages = lambda unit: True  # noqa: E731
        bad = committees.import_seats(
            b"unit_code,username,position\nC,an,secretary\nC,khong.co,member\nC,binh,boss\n",
            manages, None, dry_run=False)
        assert not bad.ok and [row.line for row in bad.rows if row.errors] == [3, 4]
        assert committees.seats_of(db.session.get(Unit, cell.id)) == []
        good = committees.import_seats(
            b"unit_code,username,position\nC,an,secretary\nC,binh,member\n", manages, None,
            dry_run=False)
        assert good.ok and good.applied
        assert [(s.user.username, s.position) for s in committees.seats_of(cell)] == [
            ("an", "secretary"), ("binh", "member")]
        # A file that swaps the secretary applies in any row order.
        swapped = committees.import_seats(
            b"unit_code,username,position\nC,an,member\nC,binh,secretary\n", manages, None,
            dry_run=False)
        assert swapped.ok
        assert [(s.user.username, s.position) for s in committees.seats_of(cell)] == [
            ("binh", "secretary"), ("an", "member")]
