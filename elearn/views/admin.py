"""Administration home, and what loaded, what did not and why."""
from __future__ import annotations

from flask import Blueprint, render_template

from ..models import Role
from ..registry import current_registry
from ..security import permission

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@permission(Role.ADMIN)
def index():
    return render_template("admin/index.html")


@bp.get("/courses")
@permission(Role.ADMIN)
def courses():
    return render_template("admin/courses.html", registry=current_registry())
