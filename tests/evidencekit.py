"""Set-up for completion and verification tests: a centre, its people, a course."""
from __future__ import annotations

from elearn.extensions import db
from elearn.models import Role
from elearn.registry import current_registry
from elearn.services import completions
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.orgs import create_unit

PASSWORD = "mat-khau-dai"
COURSE = "cd-2016-toan-khoa"


def build_centre() -> None:
    province = create_unit("T", "Tỉnh", "province")
    district = create_unit("H", "Huyện Hưng Thịnh", "district", province)
    other = create_unit("K", "Huyện Khác", "district", province)
    cell = create_unit("H-C1", "Chi bộ Phú Hòa", "cell", district)
    outside = create_unit("K-C1", "Chi bộ Khác", "cell", other)
    grant_role(create_user("ttct", "Phạm Quốc Việt", PASSWORD, district), Role.VERIFIER, district)
    create_user("hoc.vien", "Nguyễn Thị Ánh Tuyết", PASSWORD, cell)
    create_user("ban.ngoai", "Trần Văn Ngoại", PASSWORD, outside)
    db.session.commit()


def complete(username: str = "hoc.vien", slug: str = COURSE, score: float = 90.0):
    return completions.issue(find_user(username), current_registry().course(slug),
                             method=completions.ONLINE, score=score)
