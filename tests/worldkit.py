"""A small two-district world for permission and scope tests."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import insert

from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import (
    Exemplar, Inspection, Pledge, PledgeVersion, PledgeVolume, Position, Role, StudyPlan, Unit,
)
from elearn.registry import current_registry
from elearn.services import codes, completions
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.committees import set_seat
from elearn.services.invitations import create_invitation
from elearn.services.orgs import create_unit

PASSWORD = "mat-khau-dai-1"
ROLES = [role for role in Role]


@dataclass
class World:
    ids: dict[str, int] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)


def build_world() -> World:
    """Province P with districts A and B; one person per role, each holding it on A."""
    world = World()
    province = create_unit("P", "Tỉnh thử", "province")
    district_a = create_unit("A", "Huyện A", "district", province)
    district_b = create_unit("B", "Huyện B", "district", province)
    cell_a = create_unit("A-1", "Chi bộ A1", "cell", district_a)
    cell_b = create_unit("B-1", "Chi bộ B1", "cell", district_b)
    for role in ROLES:
        user = create_user(f"role.{role.value}", f"Người {role.value}", PASSWORD, cell_a)
        grant_role(user, role, district_a)
    # Reviewing is done by committees: the reviewer also sits on district A's committee.
    set_seat(district_a, find_user("role.reviewer"), Position.SECRETARY, None, commit=False)
    create_user("khong.vai.tro", "Người không có vai trò", PASSWORD, cell_a)
    person_a = create_user("nguoi.a", "Người A", PASSWORD, cell_a)
    person_b = create_user("nguoi.b", "Người B", PASSWORD, cell_b)
    grant_a = grant_role(person_a, Role.LEARNER, cell_a)
    grant_b = grant_role(person_b, Role.LEARNER, cell_b)
    invitation_a = create_invitation(cell_a)
    invitation_b = create_invitation(cell_b)
    course = next(iter(current_registry().courses.values()))
    completion_a = completions.create(person_a, course, method="online", score=90)
    completion_b = completions.create(person_b, course, method="online", score=90)
    plan_a = StudyPlan(year=date.today().year, unit=district_a, title="A", audience="all",
                       courses="[]", deadline=date.today(), template=DEFAULT_TEMPLATE)
    plan_b = StudyPlan(year=date.today().year, unit=district_b, title="B", audience="all",
                       courses="[]", deadline=date.today(), template=DEFAULT_TEMPLATE)
    db.session.add_all([plan_a, plan_b])
    ids = {}
    for side, person, plan, unit in (("a", person_a, plan_a, district_a),
                                     ("b", person_b, plan_b, district_b)):
        pledge = Pledge(user=person, plan=plan, year=plan.year, status="filed",
                        review_unit=unit)
        db.session.add(pledge)
        db.session.flush()
        db.session.add(PledgeVersion(pledge_id=pledge.id, number=1, content="{}"))
        volume = PledgeVolume(unit=unit, year=plan.year, entries=f"[[{pledge.id}, 1]]")
        exemplar = Exemplar(unit=unit, year=plan.year, kind="collective", name=f"Chi bộ {side}",
                            description="Gương mẫu")
        db.session.add_all([volume, exemplar])
        inspection = Inspection(committee_unit=unit, inspected_unit=unit, held_on=date.today(),
                                scope="x")
        db.session.add(inspection)
        db.session.flush()
        seat = set_seat(unit, person, Position.MEMBER, None, commit=False)
        ids.update({f"pledge_{side}": pledge.id, f"plan_{side}": plan.id,
                    f"inspection_{side}": inspection.id, f"volume_{side}": volume.id,
                    f"exemplar_{side}": exemplar.id, f"seat_{side}": seat.id,
                    f"district_{side}": unit.id})
    db.session.flush()
    world.ids.update(unit_a=cell_a.id, unit_b=cell_b.id, person_a=person_a.id,
                     person_b=person_b.id, grant_a=grant_a.id, grant_b=grant_b.id,
                     invitation_a=invitation_a.id, invitation_b=invitation_b.id,
                     completion_a=completion_a.id, completion_b=completion_b.id, **ids)
    world.codes = {"a": codes.display(completion_a.code), "b": codes.display(completion_b.code)}
    db.session.commit()
    return world


def bulk_tree(districts: int, grassroots: int, cells: int) -> int:
    """Insert a province tree fast (explicit ids and paths); returns the number of units."""
    rows, next_id = [], 1_000_000

    def add(code, name, level, parent_id, path):
        nonlocal next_id
        next_id += 1
        rows.append({"id": next_id, "code": code, "name": name, "level": level,
                     "parent_id": parent_id, "path": f"{path}{next_id}/"})
        return next_id, f"{path}{next_id}/"

    root_id, root_path = add("BIG", "Tỉnh lớn", "province", None, "/")
    for d in range(districts):
        d_id, d_path = add(f"BIG-{d}", f"Huyện {d}", "district", root_id, root_path)
        for g in range(grassroots):
            g_id, g_path = add(f"BIG-{d}-{g}", f"Xã {d}.{g}", "grassroots", d_id, d_path)
            for c in range(cells):
                add(f"BIG-{d}-{g}-{c}", f"Chi bộ {d}.{g}.{c}", "cell", g_id, g_path)
    db.session.execute(insert(Unit), rows)
    db.session.commit()
    return len(rows)
