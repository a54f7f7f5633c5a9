"""Demo data: a small fictional province, a college, and people in every role.

Idempotent: units are found by code and people by username, so running it twice changes
nothing and loses nothing.
"""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from ..content.pledge_template import DEFAULT_TEMPLATE
from ..extensions import db
from ..clock import local_today, utcnow
from ..models import Pledge, PledgeStatus, PledgeVersion, Position, Role, StudyPlan
from . import committees
from .accounts import create_user, find_user, grant_role
from .committees import set_seat
from .pledges import STAFF_ONLY_ROLES
from .orgs import ensure_unit

DEMO_PASSWORD = "hoctap-2026"

# (code, name, level, parent code)
DEMO_UNITS = [
    ("T-DEMO", "Đảng bộ tỉnh Mẫu (demo)", "province", None),
    ("T-DEMO-TCT", "Trường Chính trị tỉnh Mẫu", "political_school", "T-DEMO"),
    ("H-HT", "Đảng bộ huyện Hưng Thịnh", "district", "T-DEMO"),
    ("H-HT-TTCT", "Trung tâm Chính trị huyện Hưng Thịnh", "district_political_centre", "H-HT"),
    ("X-AP", "Đảng bộ xã An Phú", "grassroots", "H-HT"),
    ("X-AP-CB1", "Chi bộ ấp Phú Hòa", "cell", "X-AP"),
    ("X-AP-CB2", "Chi bộ ấp Phú Lợi", "cell", "X-AP"),
    ("CD-MAU", "Trường Cao đẳng Sư phạm Mẫu", "college", "T-DEMO"),
    ("CD-MAU-K1", "Khoa Giáo dục Tiểu học", "faculty", "CD-MAU"),
    ("CD-MAU-K1-L1", "Lớp GDTH K45", "class", "CD-MAU-K1"),
]

# Committee members who are not listed demo logins: (username, full name, unit, position).
COMMITTEE_PEOPLE = [
    ("tinhuyvien.1", "Châu Văn Bảy", "T-DEMO", "Tỉnh ủy viên, Giám đốc Sở Nội vụ"),
    ("tinhuyvien.2", "Mai Thị Lan", "T-DEMO", "Tỉnh ủy viên, Chủ tịch Hội Liên hiệp Phụ nữ tỉnh"),
    ("tinhuyvien.3", "Kiều Văn Sáu", "T-DEMO", "Tỉnh ủy viên, Bí thư Thành ủy"),
    ("phobithu.hungthinh", "Vương Thị Nga", "H-HT", "Phó Bí thư Thường trực Huyện ủy"),
]

# (unit code, username, position): a standing committee of 3 in a committee of 7 for the
# province, two at the district, one at the commune, a chi ủy of 3 for cell Phú Hòa.
DEMO_SEATS = [
    ("T-DEMO", "bithu.tinh", Position.SECRETARY),
    ("T-DEMO", "phobithu.tinh", Position.DEPUTY),
    ("T-DEMO", "utv.tinh", Position.STANDING),
    ("T-DEMO", "bithu.hungthinh", Position.MEMBER),
    ("T-DEMO", "tinhuyvien.1", Position.MEMBER),
    ("T-DEMO", "tinhuyvien.2", Position.MEMBER),
    ("T-DEMO", "tinhuyvien.3", Position.MEMBER),
    ("H-HT", "bithu.hungthinh", Position.SECRETARY),
    ("H-HT", "phobithu.hungthinh", Position.DEPUTY),
    ("X-AP", "bithu.anphu", Position.SECRETARY),
    ("X-AP-CB1", "bithu.phuhoa", Position.SECRETARY),
    ("X-AP-CB1", "phobithu.phuhoa", Position.DEPUTY),
    ("X-AP-CB1", "chiuy.phuhoa", Position.MEMBER),
]
# Levels above the commune have already filed, so the demo's own people can try filing.
ALREADY_FILED = ("bithu.tinh", "phobithu.tinh", "utv.tinh", "bithu.hungthinh", "tinhuyvien.1",
                 "tinhuyvien.2", "tinhuyvien.3", "phobithu.hungthinh")

# (username, full name, unit code, position, audience, [(role, unit code)], description)
DEMO_PEOPLE = [
    ("admin", "Quản trị hệ thống", "T-DEMO", "Quản trị viên", "cadre",
     [(Role.ADMIN, "T-DEMO")], "admin (whole province)"),
    ("tuyengiao", "Lê Thị Thu Hà", "T-DEMO", "Chuyên viên Ban Tuyên giáo", "cadre",
     [(Role.OFFICER, "T-DEMO"), (Role.LEARNER, "T-DEMO")], "propaganda officer (province)"),
    ("giangvien", "Phạm Quốc Việt", "H-HT-TTCT", "Giảng viên", "cadre",
     [(Role.AUTHOR, "H-HT"), (Role.VERIFIER, "H-HT"), (Role.LEARNER, "H-HT-TTCT")],
     "training-centre verifier and author (district)"),
    ("bithu.tinh", "Trương Minh Quang", "T-DEMO", "Bí thư Tỉnh ủy", "cadre",
     [(Role.LEARNER, "T-DEMO")], "provincial secretary (files first; leader)"),
    ("phobithu.tinh", "Lâm Thị Hồng", "T-DEMO", "Phó Bí thư Thường trực Tỉnh ủy", "cadre",
     [(Role.LEARNER, "T-DEMO")], "deputy provincial secretary (standing office)"),
    ("utv.tinh", "Đỗ Văn Hùng", "T-DEMO", "Ủy viên Ban Thường vụ, Trưởng Ban Tuyên giáo", "cadre",
     [(Role.LEARNER, "T-DEMO")], "standing committee member"),
    ("bithu.hungthinh", "Phan Thanh Tùng", "H-HT", "Bí thư Huyện ủy", "cadre",
     [(Role.LEARNER, "H-HT")], "district secretary, provincial committee member"),
    ("bithu.anphu", "Lê Văn Đảng", "X-AP", "Bí thư Đảng ủy xã", "cadre",
     [(Role.LEARNER, "X-AP")],
     "commune party secretary (reviews cell secretaries; leader)"),
    ("bithu.phuhoa", "Nguyễn Văn Thành", "X-AP-CB1", "Bí thư Chi bộ", "cadre",
     [(Role.LEARNER, "X-AP-CB1")], "cell secretary (cell committee)"),
    ("phobithu.phuhoa", "Huỳnh Thị Mai", "X-AP-CB1", "Phó Bí thư Chi bộ", "cadre",
     [(Role.LEARNER, "X-AP-CB1")], "deputy cell secretary (cell committee)"),
    ("chiuy.phuhoa", "Tạ Văn Lộc", "X-AP-CB1", "Chi ủy viên", "cadre",
     [(Role.LEARNER, "X-AP-CB1")], "cell committee member"),
    ("dangvien.an", "Trần Thị Ân", "X-AP-CB1", "Trưởng ấp", "cadre",
     [(Role.LEARNER, "X-AP-CB1")], "party member, cell Phú Hòa"),
    ("dangvien.binh", "Võ Minh Bình", "X-AP-CB1", "Công an viên", "cadre",
     [(Role.LEARNER, "X-AP-CB1")], "party member, cell Phú Hòa"),
    ("dangvien.cuong", "Đặng Quốc Cường", "X-AP-CB2", "Chi hội trưởng Nông dân", "cadre",
     [(Role.LEARNER, "X-AP-CB2")], "party member, cell Phú Lợi"),
    ("kiemtra", "Hoàng Văn Khải", "H-HT", "Ủy viên Ủy ban Kiểm tra", "cadre",
     [(Role.INSPECTOR, "H-HT")], "inspector (district, read-only)"),
    ("sinhvien.dung", "Ngô Thùy Dung", "CD-MAU-K1-L1", "Sinh viên", "student",
     [(Role.LEARNER, "CD-MAU-K1-L1")], "college student"),
]


def load_demo() -> list[tuple[str, str]]:
    units = {}
    for code, name, level, parent_code in DEMO_UNITS:
        units[code] = ensure_unit(code, name, level, units.get(parent_code))
    for username, full_name, unit_code, position, audience, grants, _ in DEMO_PEOPLE:
        user = find_user(username)
        if user is None:
            # The demo's staff accounts (admin, inspector, lecturer) are not party members
            # of the demo province, so no study plan applies to them (issue #14 item 5).
            staff = any(role in STAFF_ONLY_ROLES for role, _unit in grants)
            user = create_user(username, full_name, DEMO_PASSWORD, units[unit_code],
                               position=position, audience=audience,
                               is_party_member=audience == "cadre" and not staff)
        for role, grant_unit in grants:
            grant_role(user, role, units[grant_unit])
    for username, full_name, unit_code, position in COMMITTEE_PEOPLE:
        if find_user(username) is None:
            create_user(username, full_name, DEMO_PASSWORD, units[unit_code], position=position)
    for username in ("bithu.tinh", "phobithu.tinh", "utv.tinh", "bithu.hungthinh",
                     "bithu.anphu", "bithu.phuhoa"):
        find_user(username).is_leader = True
    for unit_code, username, position in DEMO_SEATS:
        seated = {(s.unit_id, s.position) for s in find_user(username).seats}
        if (units[unit_code].id, position) not in seated:
            set_seat(units[unit_code], find_user(username), position, None, commit=False)
    plan = _demo_plan(units["T-DEMO"])
    if plan is not None:
        _already_filed(plan)
    db.session.commit()
    return [(username, description) for username, *_, description in DEMO_PEOPLE]


def _demo_plan(province) -> StudyPlan | None:
    """This year's study plan for the demo province, so pledges can be tried at once."""
    year = local_today().year
    if db.session.scalar(select(StudyPlan.id).where(StudyPlan.year == year,
                                                    StudyPlan.unit_id == province.id)):
        return None
    plan = StudyPlan(
        year=year, unit=province, title=f"Kế hoạch học tập và làm theo năm {year} (demo)",
        audience="cadre", courses=json.dumps(["cd-2016-toan-khoa", "cd-2017-suy-thoai"]),
        deadline=date(year, 12, 31), superiors_first=True, template=DEFAULT_TEMPLATE)
    db.session.add(plan)
    db.session.flush()
    return plan


def _already_filed(plan: StudyPlan) -> None:
    """Acknowledged pledges for the province and district committees (demo content)."""
    content = json.dumps({"ct05": [{
        "what": "Mỗi quý đi cơ sở ít nhất hai ngày, đối thoại trực tiếp với nhân dân",
        "by_when": "Hằng quý", "how": "Lịch công tác và biên bản đối thoại"}]},
        ensure_ascii=False)
    for username in ALREADY_FILED:
        user = find_user(username)
        route = committees.route_for(user)
        pledge = Pledge(user=user, plan=plan, year=plan.year, status=PledgeStatus.ACKNOWLEDGED,
                        draft=content, filed_at=utcnow(), acknowledged_at=utcnow(),
                        review_unit_id=route.unit.id if route else None,
                        review_body=str(route.body) if route else None)
        db.session.add(pledge)
        db.session.flush()
        db.session.add(PledgeVersion(pledge_id=pledge.id, number=1, content=content,
                                     outcome="acknowledged", answered_at=utcnow()))
