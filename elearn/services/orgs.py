"""Organisation tree rules: units, materialised paths, subtree queries, moves."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement

from ..extensions import db
from ..models import Unit
from ..natural import in_tree_order, path_ids, sibling_key

UNIT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
LEVEL = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class UnitError(ValueError):
    """A unit rule was broken; the message is translated text."""


def create_unit(code: str, name: str, level: str, parent: Unit | None = None) -> Unit:
    unit = Unit(code=code, name=name, level=level, parent=parent)
    db.session.add(unit)
    db.session.flush()  # the id is part of the path
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return unit


def ensure_unit(code: str, name: str, level: str, parent: Unit | None = None) -> Unit:
    """Get the unit with this code, or create it (idempotent set-up)."""
    return unit_by_code(code) or create_unit(code, name, level, parent)


@cache
def _by_code_query() -> Select:
    return select(Unit).where(Unit.code == bindparam("code"))


def unit_by_code(code: str | None) -> Unit | None:
    # The statement is built once: every dashboard and admin page looks its unit up by code.
    if not code:
        return None
    return db.session.scalar(_by_code_query(), {"code": code.strip()})


def validate_unit_fields(code: str, name: str, level: str) -> list[str]:
    problems = []
    if not UNIT_CODE.match(code or ""):
        problems.append(_("The code must be 1–64 letters, digits, '.', '_' or '-'."))
    if not (name or "").strip() or len(name) > 255:
        problems.append(_("The name is required (at most 255 characters)."))
    if not LEVEL.match(level or ""):
        problems.append(_("The level must be a short lowercase label such as cell or district."))
    return problems


def subtree_of(path: str, column=Unit.path) -> ColumnElement[bool]:
    """SQL condition for `path` and everything below it: one index range scan.

    Paths are "/1/7/42/"; every descendant starts with the prefix, and under byte order
    the prefix's last "/" followed by "0" (the next character) bounds them from above.
    """
    return and_(column >= path, column < path[:-1] + chr(ord("/") + 1))


def within_any(paths: list[str], column=Unit.path) -> ColumnElement[bool]:
    if not paths:
        return literal(False)
    return or_(*(subtree_of(path, column) for path in paths))


def is_within(unit: Unit, root: Unit) -> bool:
    return unit.path.startswith(root.path)


def move_unit(unit: Unit, new_parent: Unit | None) -> None:
    """Re-parent a unit; its whole subtree follows in one UPDATE."""
    if new_parent is not None and is_within(new_parent, unit):
        raise UnitError(_("A unit cannot be moved under itself or one of its own units."))
    if (new_parent.id if new_parent else None) == unit.parent_id:
        return
    old = unit.path
    new = f"{new_parent.path if new_parent else '/'}{unit.id}/"
    db.session.flush()
    db.session.execute(
        update(Unit).where(subtree_of(old))
        .values(path=literal(new) + func.substr(Unit.path, len(old) + 1))
        .execution_options(synchronize_session=False))
    unit.parent = new_parent
    db.session.flush()
    db.session.expire_all()


def add_unit(code: str, name: str, level: str, parent: Unit) -> Unit:
    """Create a unit and commit (the admin page). A duplicate of the request racing this one
    meets the unique code and is refused like any used code."""
    try:
        unit = create_unit(code.strip(), name.strip(), level.strip(), parent)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise UnitError(_("Code %(code)s is already used.", code=code)) from None
    return unit


def save_unit(unit: Unit, *, name: str, level: str, parent: Unit | None) -> None:
    """Rename and re-parent a unit and commit; UnitError (nothing saved) if the move is not
    allowed."""
    unit.name, unit.level = name.strip(), level.strip()
    try:
        move_unit(unit, parent)
    except UnitError:
        db.session.rollback()
        raise
    db.session.commit()


def children(unit: Unit | None) -> list[Unit]:
    condition = Unit.parent_id == unit.id if unit else Unit.parent_id.is_(None)
    return sorted(db.session.scalars(select(Unit).where(condition)), key=sibling_key)


@dataclass
class UnitPage:
    """One page of units in tree order (what the `pager` macro reads)."""

    items: list[Unit]
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def units_page(paths: list[str], search: str = "", page: int = 1,
               per_page: int = 100) -> UnitPage:
    """The units in these subtrees (and matching the search text, in code or name) as a tree
    with siblings in natural order, one page of them. Natural order cannot be written in SQL
    portably, so the ordering columns of every match are read (four small columns: a
    province's few thousand units) and only the page's units are loaded in full."""
    statement = select(Unit.id, Unit.path, Unit.code, Unit.name).where(within_any(paths))
    if search:
        like = f"%{search}%"
        statement = statement.where(or_(Unit.code.ilike(like), Unit.name.ilike(like)))
    rows = db.session.execute(statement).all()
    found = {row.id for row in rows}
    missing = {i for row in rows for i in path_ids(row.path)} - found
    ancestors = {row.id: row for row in db.session.execute(
        select(Unit.id, Unit.path, Unit.code, Unit.name).where(Unit.id.in_(missing)))} \
        if missing else {}
    ordered = [row.id for row in in_tree_order(rows, ancestors)]
    page = max(page, 1)
    ids = ordered[(page - 1) * per_page:page * per_page]
    loaded = {unit.id: unit for unit in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return UnitPage([loaded[i] for i in ids], page, max(1, math.ceil(len(ordered) / per_page)),
                    len(ordered))


def ancestors(unit: Unit) -> list[Unit]:
    """From the root down to the unit's parent, in one query."""
    ids = [int(part) for part in unit.path.strip("/").split("/")[:-1]]
    if not ids:
        return []
    found = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


@cache
def _name_query() -> Select:
    return select(Unit.name).where(Unit.id == bindparam("unit_id"))


def root_name(unit: Unit) -> str:
    """The name of the top of the unit's tree (a public verification names it as issuer):
    one column, not an ORM object, because every public look-up asks for it."""
    root_id = int(unit.path.strip("/").split("/")[0])
    if root_id == unit.id:
        return unit.name
    return db.session.scalar(_name_query(), {"unit_id": root_id}) or unit.name


def units_within(paths: list[str], limit: int = 500) -> list[Unit]:
    """Units in these subtrees (at most `limit`), in tree order with natural sibling order."""
    return in_tree_order(db.session.scalars(select(Unit).where(within_any(paths))
                                            .order_by(Unit.path).limit(limit)))
