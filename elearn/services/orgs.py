"""Organisation tree rules: creating units and keeping materialised paths right."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Unit


def create_unit(code: str, name: str, level: str, parent: Unit | None = None) -> Unit:
    unit = Unit(code=code, name=name, level=level, parent=parent)
    db.session.add(unit)
    db.session.flush()  # the id is part of the path
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return unit


def ensure_unit(code: str, name: str, level: str, parent: Unit | None = None) -> Unit:
    """Get the unit with this code, or create it (idempotent set-up and imports)."""
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    return unit or create_unit(code, name, level, parent)


def subtree_filter(root: Unit):
    """SQL condition selecting `root` and every unit below it (one indexed prefix match)."""
    return Unit.path.startswith(root.path, autoescape=True)
