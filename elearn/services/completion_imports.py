"""CSV import of in-person completions recorded by a training centre: all-or-nothing."""
from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from flask_babel import gettext as _

from ..clock import local_today
from ..models import User
from ..registry import current_registry
from . import audit, codes, completions
from .accounts import find_user
from .imports import ImportReport, RowResult, _transaction, read_csv

COLUMNS = ("username", "course_slug", "completed_on")
OPTIONAL = ("score", "note")


def import_completions(data: bytes | str, *, dry_run: bool, recorded_by: User,
                       allowed: Callable[[User], bool]) -> ImportReport:
    rows, problems = read_csv(data, COLUMNS, OPTIONAL)
    report = ImportReport(problems=problems)
    if problems:
        return report
    registry = current_registry()
    checked = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        result = RowResult(line, f"{row['username']} · {row['course_slug']}")
        report.rows.append(result)
        person = find_user(row["username"])
        course = registry.course(row["course_slug"])
        if person is None:
            result.errors.append(_("No account with username %(name)s.", name=row["username"]))
        elif not allowed(person):
            result.errors.append(_("%(name)s is outside the units you verify.",
                                   name=row["username"]))
        if course is None:
            result.errors.append(_("No course %(slug)s.", slug=row["course_slug"] or "-"))
        when = _parse_date(row["completed_on"])
        if when is None:
            result.errors.append(_("The date must look like 2026-03-31 and not be in the "
                                   "future."))
        score = None
        if row.get("score"):
            try:
                score = float(row["score"].replace(",", "."))
                if not 0 <= score <= 100:
                    raise ValueError
            except ValueError:
                result.errors.append(_("The score must be a number from 0 to 100."))
        key = (row["username"].lower(), row["course_slug"])
        if key in seen:
            result.errors.append(_("%(value)s appears again (first on line %(line)d).",
                                   value=result.key, line=seen[key]))
        seen.setdefault(key, line)
        if person is not None and course is not None and not result.errors \
                and completions.active_completion(person.id, course.slug) is not None:
            result.errors.append(_("%(name)s has already completed this course.",
                                   name=row["username"]))
        checked.append((row, result, person, course, when, score))

    def apply() -> None:
        for row, result, person, course, when, score in checked:
            if result.errors:
                continue
            completion = completions.create(
                person, course, method=completions.IN_PERSON, score=score,
                recorded_by=recorded_by, completed_at=datetime.combine(when, datetime.min.time()),
                note=row.get("note", ""))
            result.action = "create"
            result.detail = "" if dry_run else codes.display(completion.code)
        audit.record("completion.import", actor_id=recorded_by.id,
                     data={"rows": len(checked), "dry_run": dry_run})

    return _transaction(report, dry_run, apply)


def _parse_date(text: str) -> date | None:
    try:
        value = date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return value if value <= local_today() else None
