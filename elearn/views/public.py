"""Public supervision: leaders' pledges that their reviewers chose to publish."""
from __future__ import annotations

import json

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from ..extensions import db
from ..models import Pledge, Unit, User
from ..security import PUBLIC, permission
from ..services.orgs import subtree_of, unit_by_code
from ..services.pledges import plan_template

bp = Blueprint("public", __name__, url_prefix="/public")


@bp.get("/units/<code>/pledges")
@permission(PUBLIC)
def pledges(code: str):
    unit = unit_by_code(code)
    if unit is None:
        abort(404)
    rows = db.session.scalars(
        select(Pledge).join(User, Pledge.user_id == User.id).join(Unit, User.unit_id == Unit.id)
        .where(Pledge.is_published, User.is_leader, subtree_of(unit.path))
        .order_by(Pledge.year.desc(), User.full_name)).all()
    items = [(p, plan_template(p.plan), json.loads(p.versions[-1].content)) for p in rows
             if p.versions]
    return render_template("public/pledges.html", unit=unit, items=items)
