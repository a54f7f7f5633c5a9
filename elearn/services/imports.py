"""CSV imports of units and people: every bad row reported by line, and all-or-nothing.

A units import runs inside one transaction against the live database, so a dry run sees
exactly what the real run would do; a dry run, or any error, rolls everything back. A people
import (run as a job, see job_handlers) checks every row first, hashes outside any
transaction, then writes all rows in one short transaction.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass, field
from typing import Callable, Iterable

from flask_babel import gettext as _
from sqlalchemy import insert, select

from ..extensions import db
from ..models import PersonAudience, Role, RoleGrant, Unit, UnitMembership, User
from ..clock import utcnow
from .accounts import (
    hash_temporary_password, normalise_email, normalise_phone, temporary_password,
    username_base,
)
from . import counter_marks
from .orgs import UnitError, create_unit, move_unit, unit_by_code, validate_unit_fields

UNIT_COLUMNS = ("code", "name", "level", "parent_code")
PEOPLE_COLUMNS = ("full_name", "unit_code", "position", "type", "email", "phone")
PEOPLE_OPTIONAL = ("username",)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PERSON_TYPES = {"party_member": (PersonAudience.CADRE, True),
                "cadre": (PersonAudience.CADRE, False),
                "student": (PersonAudience.STUDENT, False)}


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

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ImportReport":
        return cls(rows=[RowResult(**row) for row in data.get("rows", [])],
                   problems=list(data.get("problems", [])), applied=data.get("applied", False))


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


Progress = Callable[[int, int], None]
CHUNK = 500          # rows per IN (...) look-up; well under every backend's parameter limit
PROGRESS_EVERY = 500


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _existing(column, values: set[str]) -> set[str]:
    """Which of `values` already exist in `column`: one query per CHUNK values."""
    found: set[str] = set()
    for chunk in _chunks(sorted(values)):
        found.update(db.session.scalars(select(column).where(column.in_(chunk))))
    return found


def _units_by_code(codes: set[str]) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for chunk in _chunks(sorted(codes)):
        units.update((unit.code, unit) for unit in
                     db.session.scalars(select(Unit).where(Unit.code.in_(chunk))))
    return units


def _assign_usernames(wanted: list[str], reserved: set[str]) -> list[str]:
    """Unused usernames for these stems (base, base2, base3, …), a few queries in all;
    `reserved` are the names the file gives explicitly."""
    taken: set[str] = set(reserved)
    result: list[str | None] = [None] * len(wanted)
    number = {index: 1 for index in range(len(wanted))}
    pending = list(range(len(wanted)))
    while pending:
        candidates = {index: wanted[index] if number[index] == 1 else
                      f"{wanted[index]}{number[index]}" for index in pending}
        in_use = _existing(User.username, set(candidates.values()))
        retry = []
        for index in pending:
            candidate = candidates[index]
            if candidate in in_use or candidate in taken:
                number[index] += 1
                retry.append(index)
            else:
                taken.add(candidate)
                result[index] = candidate
        pending = retry
    return result


@dataclass
class _PersonRow:
    row: dict[str, str]
    result: RowResult
    unit: Unit | None
    email: str | None
    phone: str | None
    username: str | None
    password_hash: str = ""


def import_people(data: bytes | str, *, dry_run: bool,
                  allowed: Callable[[Unit], bool] = lambda unit: True,
                  progress: Progress | None = None,
                  before_commit: Callable[[ImportReport], bool] | None = None,
                  ) -> ImportReport:
    """Create people with a temporary password they must change at first sign-in.

    Duplicates (within the file or with existing accounts, by username, e-mail or phone) are
    errors: nothing is imported until the file is clean.

    Three phases so a big file never holds the database: (1) read and check every row with a
    few bulk queries; (2) with no transaction open, hash the temporary passwords; (3) write
    every row in one short transaction, all-or-nothing. `before_commit` runs inside that
    transaction (a job marks itself done there); False rolls everything back.
    """
    rows, problems = read_csv(data, PEOPLE_COLUMNS, PEOPLE_OPTIONAL)
    report = ImportReport(problems=problems)
    if problems:
        return report
    report_progress = progress or (lambda done, total: None)
    report_progress(0, len(rows))
    people = _check_people(rows, report, allowed)
    db.session.rollback()   # end the read transaction before the slow part
    if not report.ok:
        return report
    unnamed = [person for person in people if not person.username]
    usernames = _assign_usernames(
        [username_base(p.row["full_name"], p.email, p.phone) for p in unnamed],
        {person.username for person in people if person.username})
    for person, username in zip(unnamed, usernames):
        person.username = username
    for person in people:
        username = person.username
        person.result.action = "create"
        person.result.key = f"{person.row['full_name']} ({username})"
    db.session.rollback()
    if dry_run:
        report_progress(len(rows), len(rows))
        return report
    every = max(1, min(PROGRESS_EVERY, len(people) // 100))   # about each 1 %
    for count, person in enumerate(people, start=1):
        password = temporary_password()
        person.password_hash = hash_temporary_password(password)
        person.result.detail = password
        if count % every == 0:
            report_progress(count, len(rows))
    _write_people(people)
    if before_commit is not None and not before_commit(report):
        db.session.rollback()
        raise ImportAbandoned()
    db.session.commit()
    report.applied = True
    report_progress(len(rows), len(rows))
    return report


class ImportAbandoned(RuntimeError):
    """Another worker took over this import; this one wrote nothing."""


def _check_people(rows: list[tuple[int, dict[str, str]]], report: ImportReport,
                  allowed: Callable[[Unit], bool]) -> list[_PersonRow]:
    units = _units_by_code({row["unit_code"] for _line, row in rows if row["unit_code"]})
    people = []
    for line, row in rows:
        result = RowResult(line, row["full_name"])
        report.rows.append(result)
        people.append(_PersonRow(row, result, units.get(row["unit_code"]),
                                 normalise_email(row.get("email")),
                                 normalise_phone(row.get("phone")),
                                 (row.get("username") or "").lower() or None))
    taken = {
        "username": _existing(User.username, {p.username for p in people if p.username}),
        "email": _existing(User.email, {p.email for p in people if p.email}),
        "phone": _existing(User.phone, {p.phone for p in people if p.phone}),
    }
    seen: dict[tuple[str, str], int] = {}
    for person in people:
        row, result, unit, email = person.row, person.result, person.unit, person.email
        if not row["full_name"] or len(row["full_name"]) > 200:
            result.errors.append(_("The full name is required (at most 200 characters)."))
        if row["type"] not in PERSON_TYPES:
            result.errors.append(_("The type must be party_member, cadre or student."))
        if email and not EMAIL.match(email):
            result.errors.append(_("%(email)s is not an e-mail address.", email=email))
        if not email and not person.phone:
            result.errors.append(_("Give an e-mail address or a phone number."))
        if unit is None:
            result.errors.append(_("Unit %(code)s does not exist.", code=row["unit_code"] or "-"))
        elif not allowed(unit):
            result.errors.append(_("Unit %(code)s is outside the units you manage.",
                                   code=unit.code))
        values = (("username", person.username), ("email", email), ("phone", person.phone))
        for kind, value in values:
            if value and (kind, value) in seen:
                result.errors.append(_("%(value)s appears again (first on line %(line)d).",
                                       value=value, line=seen[(kind, value)]))
            elif value:
                seen[(kind, value)] = result.line
        if any(value and value in taken[kind] for kind, value in values):
            result.errors.append(_("Someone with this username, e-mail or phone already has an "
                                   "account."))
    return people


def _write_people(people: list[_PersonRow]) -> None:
    """Insert every person, their membership and learner role: three bulk statements."""
    now = utcnow()
    records = []
    for person in people:
        audience, party_member = PERSON_TYPES[person.row["type"]]
        records.append({
            "username": person.username, "full_name": person.row["full_name"].strip(),
            "password_hash": person.password_hash, "unit_id": person.unit.id,
            "position": person.row["position"].strip(), "audience": audience,
            "is_party_member": party_member, "email": person.email, "phone": person.phone,
            "must_change_password": True, "created_at": now})
    ids = db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True),
                             records).all()
    counter_marks.touch_users(ids)  # their units' dashboard counters
    db.session.execute(insert(UnitMembership), [
        {"user_id": user_id, "unit_id": record["unit_id"], "position": record["position"],
         "started_at": now} for user_id, record in zip(ids, records)])
    db.session.execute(insert(RoleGrant), [
        {"user_id": user_id, "unit_id": record["unit_id"], "role": Role.LEARNER,
         "granted_at": now} for user_id, record in zip(ids, records)])
