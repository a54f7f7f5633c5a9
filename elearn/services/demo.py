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
from ..models import Role, StudyPlan
from .accounts import create_user, find_user, grant_role
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

# (username, full name, unit code, position, audience, [(role, unit code)], description)
DEMO_PEOPLE = [
    ("admin", "Quản trị hệ thống", "T-DEMO", "Quản trị viên", "cadre",
     [(Role.ADMIN, "T-DEMO")], "admin (whole province)"),
    ("tuyengiao", "Lê Thị Thu Hà", "T-DEMO", "Chuyên viên Ban Tuyên giáo", "cadre",
     [(Role.OFFICER, "T-DEMO"), (Role.LEARNER, "T-DEMO")], "propaganda officer (province)"),
    ("giangvien", "Phạm Quốc Việt", "H-HT-TTCT", "Giảng viên", "cadre",
     [(Role.AUTHOR, "H-HT"), (Role.VERIFIER, "H-HT"), (Role.LEARNER, "H-HT-TTCT")],
     "training-centre verifier and author (district)"),
    ("bithu.anphu", "Lê Văn Đảng", "X-AP", "Bí thư Đảng ủy xã", "cadre",
     [(Role.REVIEWER, "X-AP"), (Role.LEARNER, "X-AP")],
     "grassroots party secretary (reviews cell secretaries; leader)"),
    ("bithu.phuhoa", "Nguyễn Văn Thành", "X-AP-CB1", "Bí thư Chi bộ", "cadre",
     [(Role.REVIEWER, "X-AP-CB1"), (Role.LEARNER, "X-AP-CB1")], "cell secretary (reviewer)"),
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
            user = create_user(username, full_name, DEMO_PASSWORD, units[unit_code],
                               position=position, audience=audience,
                               is_party_member=audience == "cadre")
        for role, grant_unit in grants:
            grant_role(user, role, units[grant_unit])
    for username in ("bithu.anphu", "bithu.phuhoa"):
        find_user(username).is_leader = True
    _demo_plan(units["T-DEMO"])
    db.session.commit()
    return [(username, description) for username, *_, description in DEMO_PEOPLE]


def _demo_plan(province) -> None:
    """This year's study plan for the demo province, so pledges can be tried at once."""
    year = date.today().year
    if db.session.scalar(select(StudyPlan.id).where(StudyPlan.year == year,
                                                    StudyPlan.unit_id == province.id)):
        return
    db.session.add(StudyPlan(
        year=year, unit=province, title=f"Kế hoạch học tập và làm theo năm {year} (demo)",
        audience="cadre", courses=json.dumps(["cd-2016-toan-khoa", "cd-2017-suy-thoai"]),
        deadline=date(year, 12, 31), superiors_first=True, template=DEFAULT_TEMPLATE))
