"""CSV imports of units and people: every bad row reported by line, and all-or-nothing.

The import runs inside one transaction against the live database, so a dry run sees exactly
what the real run would do; a dry run, or any error, rolls everything back.
"""
from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from typing import Callable, Iterable

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..extensions import db
from ..models import Audience, Role, Unit, User
from .accounts import (
    MIN_PASSWORD_LENGTH, create_user, grant_role, normalise_email, normalise_phone,
    suggest_username,
)
from .orgs import UnitError, create_unit, move_unit, unit_by_code, validate_unit_fields

UNIT_COLUMNS = ("code", "name", "level", "parent_code")
PEOPLE_COLUMNS = ("full_name", "unit_code", "position", "type", "email", "phone")
PEOPLE_OPTIONAL = ("username",)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PERSON_TYPES = {"party_member": (Audience.CADRE, True), "cadre": (Audience.CADRE, False),
                "student": (Audience.STUDENT, False)}


@dataclass
class RowResult:
    line: int
    key: str
    action: str = ""          # create, update, unchanged, error
    errors: list[str] = field(default_factory=list)
    detail: str = ""          # e.g. the generated username and temporary password


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)   # file-level problems
    applied: bool = False

    @property
    def error_count(self) -> int:
        return len(self.problems) + sum(1 for row in self.rows if row.errors)

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def read_csv(data: bytes | str, required: Iterable[str], optional: Iterable[str] = (),
             ) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """Rows with their line numbers (header is line 1), or file-level problems."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")  # Excel writes a BOM
        except UnicodeDecodeError:
            return [], [_("The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again.")]
    reader = csv.DictReader(io.StringIO(data, newline=""))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [column for column in required if column not in headers]
    if missing:
        return [], [_("Missing columns: %(columns)s. The first line must name the columns: "
                      "%(expected)s.", columns=", ".join(missing),
                      expected=", ".join(list(required) + list(optional)))]
    reader.fieldnames = headers
    rows = []
    start = 2
    try:
        for record in reader:
            cleaned = {key: (value or "").strip() for key, value in record.items() if key}
            if any(cleaned.values()):
                rows.append((start, cleaned))
            start = reader.line_num + 1
    except csv.Error as exc:
        return [], [_("Line %(line)d cannot be read: %(problem)s", line=reader.line_num,
                      problem=str(exc))]
    if not rows:
        return [], [_("The file has no rows to import.")]
    return rows, []


def _transaction(report: ImportReport, dry_run: bool, apply: Callable[[], None]) -> ImportReport:
    try:
        apply()
        db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    if dry_run or not report.ok:
        db.session.rollback()
    else:
        db.session.commit()
        report.applied = True
    return report


def import_units(data: bytes | str, *, dry_run: bool,
                 allowed: Callable[[Unit], bool] = lambda unit: True) -> ImportReport:
    """Create or update units by code (idempotent). `allowed` limits an admin to their scope."""
    rows, problems = read_csv(data, UNIT_COLUMNS)
    report = ImportReport(problems=problems)
    if problems:
        return report
    results = {}
    for line, row in rows:
        result = RowResult(line, row["code"])
        result.errors = validate_unit_fields(row["code"], row["name"], row["level"])
        if row["code"] in results:
            result.errors.append(_("Code %(code)s appears again (first on line %(line)d).",
                                   code=row["code"], line=results[row["code"]].line))
        else:
            results[row["code"]] = result
        report.rows.append(result)

    def apply() -> None:
        pending = [(line, row, result) for (line, row), result in zip(rows, report.rows)
                   if not result.errors]
        # Parents may come later in the file: apply rows whose parent is known, repeatedly.
        while pending:
            progressed = []
            for item in pending:
                line, row, result = item
                parent = unit_by_code(row["parent_code"]) if row["parent_code"] else None
                if row["parent_code"] and parent is None:
                    continue
                _apply_unit(row, parent, result, allowed)
                progressed.append(item)
            if not progressed:
                for _line, row, result in pending:
                    result.errors.append(_("Parent unit %(code)s does not exist (nor does any "
                                           "row create it), or the rows form a loop.",
                                           code=row["parent_code"]))
                break
            pending = [item for item in pending if item not in progressed]

    return _transaction(report, dry_run, apply)


def _apply_unit(row: dict[str, str], parent: Unit | None, result: RowResult,
                allowed: Callable[[Unit], bool]) -> None:
    if parent is not None and not allowed(parent) or parent is None and not allowed(None):
        result.errors.append(_("You may not place units under %(code)s.",
                               code=row["parent_code"] or "-"))
        return
    unit = unit_by_code(row["code"])
    if unit is None:
        create_unit(row["code"], row["name"], row["level"], parent)
        result.action = "create"
        return
    if not allowed(unit):
        result.errors.append(_("Unit %(code)s is outside the units you manage.", code=unit.code))
        return
    changed = (unit.name, unit.level, unit.parent_id) != (row["name"], row["level"],
                                                         parent.id if parent else None)
    unit.name, unit.level = row["name"], row["level"]
    try:
        move_unit(unit, parent)
    except UnitError as exc:
        result.errors.append(str(exc))
        return
    result.action = "update" if changed else "unchanged"


def import_people(data: bytes | str, *, dry_run: bool,
                  allowed: Callable[[Unit], bool] = lambda unit: True) -> ImportReport:
    """Create people with a temporary password they must change at first sign-in.

    Duplicates (within the file or with existing accounts, by username, e-mail or phone) are
    errors: nothing is imported until the file is clean.
    """
    rows, problems = read_csv(data, PEOPLE_COLUMNS, PEOPLE_OPTIONAL)
    report = ImportReport(problems=problems)
    if problems:
        return report
    seen: dict[tuple[str, str], int] = {}
    checked = []
    for line, row in rows:
        result = RowResult(line, row["full_name"])
        report.rows.append(result)
        email, phone = normalise_email(row.get("email")), normalise_phone(row.get("phone"))
        username = (row.get("username") or "").lower() or None
        if not row["full_name"] or len(row["full_name"]) > 200:
            result.errors.append(_("The full name is required (at most 200 characters)."))
        if row["type"] not in PERSON_TYPES:
            result.errors.append(_("The type must be party_member, cadre or student."))
        if email and not EMAIL.match(email):
            result.errors.append(_("%(email)s is not an e-mail address.", email=email))
        if not email and not phone:
            result.errors.append(_("Give an e-mail address or a phone number."))
        unit = unit_by_code(row["unit_code"])
        if unit is None:
            result.errors.append(_("Unit %(code)s does not exist.", code=row["unit_code"] or "-"))
        elif not allowed(unit):
            result.errors.append(_("Unit %(code)s is outside the units you manage.",
                                   code=unit.code))
        for kind, value in (("username", username), ("email", email), ("phone", phone)):
            if value and (kind, value) in seen:
                result.errors.append(_("%(value)s appears again (first on line %(line)d).",
                                       value=value, line=seen[(kind, value)]))
            elif value:
                seen[(kind, value)] = line
        clauses = [column == value for column, value in
                   ((User.username, username), (User.email, email), (User.phone, phone)) if value]
        if clauses and db.session.scalar(select(User.id).where(or_(*clauses))):
            result.errors.append(_("Someone with this username, e-mail or phone already has an "
                                   "account."))
        checked.append((row, result, unit, email, phone, username))

    def apply() -> None:
        taken: set[str] = set()
        for row, result, unit, email, phone, username in checked:
            if result.errors:
                continue
            audience, party_member = PERSON_TYPES[row["type"]]
            username = username or suggest_username(row["full_name"], email, phone, taken)
            taken.add(username)
            password = "" if dry_run else secrets.token_urlsafe(9)[:max(MIN_PASSWORD_LENGTH, 12)]
            user = create_user(username, row["full_name"], password or "dry-run-only", unit,
                               position=row["position"], audience=audience,
                               is_party_member=party_member, email=email, phone=phone,
                               must_change_password=True)
            grant_role(user, Role.LEARNER, unit)
            result.action = "create"
            result.key = f"{row['full_name']} ({username})"
            result.detail = password

    return _transaction(report, dry_run, apply)
