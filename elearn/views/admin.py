"""Administration: what loaded, what did not and why."""
from __future__ import annotations

from flask import Blueprint, render_template

from ..models import Role
from ..registry import current_registry
from ..security import permission

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/courses")
@permission(Role.ADMIN)
def courses():
    registry = current_registry()
    return render_template("admin/courses.html", registry=registry)
