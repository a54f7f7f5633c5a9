"""Pledge rules: which plan applies, drafting, the checks before filing, routing to the right
reviewer, review, year-end assessment, publication."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..content.pledge_template import DEFAULT_TEMPLATE, PledgeTemplate, parse_template
from ..extensions import db
from ..models import (
    DeadlineExtension, Pledge, PledgeStatus, PledgeVersion, Role, RoleGrant, StudyPlan, Unit, User,
)
from ..models.org import utcnow
from ..registry import current_registry
from . import audit
from .orgs import ancestors

LIMITS = {"what": 300, "by_when": 100, "how": 200}
RATINGS = ("excellent", "good", "fulfilled", "not_fulfilled")
SELF_RESULTS = ("done", "partly", "not_done")
FILED_OR_LATER = (PledgeStatus.FILED, PledgeStatus.ACKNOWLEDGED, PledgeStatus.SELF_ASSESSED,
                  PledgeStatus.ASSESSED)


class PledgeError(ValueError):
    """A rule was broken; the message is translated text."""


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str = ""
    next_step: str = ""
    check: str = ""


class PledgeRefused(PledgeError):
    def __init__(self, failures: list[CheckResult]):
        self.failures = failures
        super().__init__("; ".join(f.message for f in failures))


# -- plans -----------------------------------------------------------------------------------

def plan_courses(plan: StudyPlan) -> list[str]:
    return list(json.loads(plan.courses or "[]"))


def plan_template(plan: StudyPlan) -> PledgeTemplate:
    template, errors = parse_template(plan.template)
    if template is None:  # saved templates are validated; fall back rather than break filing
        template, _errors = parse_template(DEFAULT_TEMPLATE)
    return template


def root_of(unit: Unit) -> Unit:
    chain = ancestors(unit)
    return chain[0] if chain else unit


def default_plan(year: int, unit: Unit) -> StudyPlan | None:
    """The plan course.yaml implies (courses with this year in pledge_years), created once
    for the top of the person's tree so officers can adjust it like any other."""
    slugs = [c.slug for c in current_registry().courses.values() if year in c.pledge_years]
    if not slugs:
        return None
    root = root_of(unit)
    plan = StudyPlan(year=year, unit_id=root.id, audience="all", courses=json.dumps(slugs),
                     deadline=date(year, 12, 31), superiors_first=True, template=DEFAULT_TEMPLATE,
                     title=_("Study plan %(year)d", year=year))
    db.session.add(plan)
    db.session.flush()
    return plan


def applicable_plan(user: User, year: int, create_default: bool = True) -> StudyPlan | None:
    """The most specific plan of that year whose subtree holds the person's unit."""
    path_ids = [int(part) for part in user.unit.path.strip("/").split("/")]
    candidates = db.session.scalars(
        select(StudyPlan).join(Unit, StudyPlan.unit_id == Unit.id)
        .where(StudyPlan.year == year, StudyPlan.unit_id.in_(path_ids),
               StudyPlan.audience.in_(["all", user.audience]))
        .order_by(func.length(Unit.path).desc(), StudyPlan.id.desc())).first()
    if candidates is None and create_default:
        any_plan = db.session.scalar(select(StudyPlan.id).where(StudyPlan.year == year))
        if any_plan is None:
            return default_plan(year, user.unit)
    return candidates


def deadline_for(plan: StudyPlan, unit: Unit) -> date:
    """The plan's deadline, or the latest extension granted to the unit or an ancestor."""
    path_ids = [int(part) for part in unit.path.strip("/").split("/")]
    extended = db.session.scalar(select(func.max(DeadlineExtension.deadline)).where(
        DeadlineExtension.plan_id == plan.id, DeadlineExtension.unit_id.in_(path_ids)))
    return max(plan.deadline, extended) if extended else plan.deadline


# -- routing ---------------------------------------------------------------------------------

def reviewers_of(unit: Unit) -> list[User]:
    return list(db.session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.unit_id == unit.id, RoleGrant.role == Role.REVIEWER, User.active)
        .order_by(User.full_name)))


def review_unit_for(user: User) -> Unit | None:
    """Where the pledge goes: the nearest unit (own first, then upwards) with a reviewer other
    than the person. Committee members (placed at their committee's unit) file to that level's
    standing committee; a cell secretary, who reviews their own cell, files to the level
    above."""
    chain = [*ancestors(user.unit), user.unit][::-1]
    for unit in chain:
        others = [r for r in reviewers_of(unit) if r.id != user.id]
        if others:
            return unit
    return None


# -- drafting --------------------------------------------------------------------------------

def pledge_for(user: User, plan: StudyPlan, create: bool = True) -> Pledge | None:
    pledge = db.session.scalar(select(Pledge).where(Pledge.user_id == user.id,
                                                    Pledge.plan_id == plan.id))
    if pledge is None and create:
        pledge = Pledge(user=user, plan=plan, year=plan.year, status=PledgeStatus.DRAFT)
        db.session.add(pledge)
        db.session.flush()
    return pledge


def content_of(pledge: Pledge) -> dict[str, list[dict[str, str]]]:
    return json.loads(pledge.draft or "{}")


@dataclass(frozen=True)
class FieldProblem:
    too_long: bool
    message: str

    def __str__(self) -> str:
        return self.message


def clean_content(template: PledgeTemplate, data: dict[str, Any]
                  ) -> tuple[dict[str, list[dict[str, str]]], dict[str, FieldProblem]]:
    """Keep only the template's sections and non-empty commitments; report what is missing
    or too long, by field ("<section>-<index>-<field>")."""
    content, errors = {}, {}
    for section in template.sections:
        items = data.get(section.key) or []
        kept = []
        for index, item in enumerate(items[:template.max_commitments]):
            entry = {key: str(item.get(key, "") or "").strip() for key in LIMITS}
            if not any(entry.values()):
                continue
            for key, limit in LIMITS.items():
                if len(entry[key]) > limit:
                    errors[f"{section.key}-{index}-{key}"] = FieldProblem(True, _(
                        "Keep it short: at most %(limit)d characters.", limit=limit))
            if not (entry["what"] and entry["by_when"] and entry["how"]):
                errors.setdefault(f"{section.key}-{index}-what", FieldProblem(False, _(
                    "Say what you will do, by when, and how it can be checked.")))
            kept.append(entry)
        content[section.key] = kept
    return content, errors


def save_draft(pledge: Pledge, data: dict[str, Any]) -> dict[str, FieldProblem]:
    """Save what the person wrote (even incomplete: a draft may be unfinished). Returns the
    problems to show; text over the limits is not saved."""
    if pledge.status not in (PledgeStatus.DRAFT, PledgeStatus.RETURNED):
        raise PledgeError(_("This pledge has been filed; it can change only if it is returned."))
    content, errors = clean_content(plan_template(pledge.plan), data)
    if not any(problem.too_long for problem in errors.values()):
        pledge.draft = json.dumps(content, ensure_ascii=False)
        pledge.draft_saved_at = utcnow()
    return errors


# -- checks and filing -----------------------------------------------------------------------

@dataclass(frozen=True)
class PledgeContext:
    user: User
    plan: StudyPlan
    pledge: Pledge
    today: date


def run_checks(pledge: Pledge, today: date | None = None) -> list[CheckResult]:
    context = PledgeContext(pledge.user, pledge.plan, pledge, today or date.today())
    results = []
    for name, check in current_registry().pledge_checks.items():
        result = check.check(context)
        results.append(CheckResult(result.ok, result.message, result.next_step, name))
    return results


def file(pledge: Pledge, today: date | None = None) -> PledgeVersion:
    if pledge.status not in (PledgeStatus.DRAFT, PledgeStatus.RETURNED):
        raise PledgeError(_("This pledge has already been filed."))
    content, errors = clean_content(plan_template(pledge.plan), content_of(pledge))
    if errors or not any(content.values()):
        raise PledgeError(_("Write at least one commitment, each with what you will do, by "
                            "when, and how it can be checked."))
    failures = [r for r in run_checks(pledge, today) if not r.ok]
    if failures:
        raise PledgeRefused(failures)
    review_unit = review_unit_for(pledge.user)
    number = len(pledge.versions) + 1
    version = PledgeVersion(pledge=pledge, number=number,
                            content=json.dumps(content, ensure_ascii=False))
    db.session.add(version)
    pledge.status = PledgeStatus.FILED
    pledge.filed_at = utcnow()
    pledge.review_unit_id = review_unit.id if review_unit else None
    db.session.flush()
    audit.record("pledge.filed", actor_id=pledge.user_id, subject=f"pledge:{pledge.id}",
                 data={"version": number, "year": pledge.year,
                       "review_unit": review_unit.code if review_unit else None})
    return version


def _latest(pledge: Pledge) -> PledgeVersion:
    # A filed pledge always has a version; a row imported or repaired by hand may not, and
    # answering it must then say so rather than fail.
    if not pledge.versions:
        raise PledgeError(_("This pledge has no filed version to answer."))
    return pledge.versions[-1]


def acknowledge(pledge: Pledge, reviewer: User) -> None:
    if pledge.status != PledgeStatus.FILED:
        raise PledgeError(_("Only a filed pledge can be acknowledged."))
    version = _latest(pledge)
    version.outcome, version.answered_at, version.answered_by_id = (
        "acknowledged", utcnow(), reviewer.id)
    pledge.status, pledge.acknowledged_at = PledgeStatus.ACKNOWLEDGED, utcnow()
    pledge.reviewed_by_id = reviewer.id
    audit.record("pledge.acknowledged", actor_id=reviewer.id, subject=f"pledge:{pledge.id}",
                 data={"version": version.number})


def return_pledge(pledge: Pledge, reviewer: User, comment: str) -> None:
    if pledge.status != PledgeStatus.FILED:
        raise PledgeError(_("Only a filed pledge can be returned."))
    comment = comment.strip()
    if len(comment) < 5:
        raise PledgeError(_("Say what to change (at least 5 characters)."))
    version = _latest(pledge)
    version.outcome, version.comment = "returned", comment[:1000]
    version.answered_at, version.answered_by_id = utcnow(), reviewer.id
    pledge.status = PledgeStatus.RETURNED
    audit.record("pledge.returned", actor_id=reviewer.id, subject=f"pledge:{pledge.id}",
                 data={"version": version.number, "comment": version.comment})


def self_assess(pledge: Pledge, results: dict[str, dict[str, str]]) -> None:
    if pledge.status != PledgeStatus.ACKNOWLEDGED:
        raise PledgeError(_("You can assess your pledge once it has been acknowledged."))
    content = json.loads(_latest(pledge).content)
    cleaned = {}
    for section, items in content.items():
        for index, _item in enumerate(items):
            key = f"{section}-{index}"
            answer = results.get(key, {})
            if answer.get("result") not in SELF_RESULTS:
                raise PledgeError(_("Assess every commitment: done, partly done or not done."))
            cleaned[key] = {"result": answer["result"],
                            "evidence": str(answer.get("evidence", "")).strip()[:500]}
    pledge.self_assessment = json.dumps(cleaned, ensure_ascii=False)
    pledge.status = PledgeStatus.SELF_ASSESSED
    audit.record("pledge.self_assessed", actor_id=pledge.user_id, subject=f"pledge:{pledge.id}")


def rate(pledge: Pledge, reviewer: User, rating: str, comment: str) -> None:
    if pledge.status != PledgeStatus.SELF_ASSESSED:
        raise PledgeError(_("The person has not assessed their pledge yet."))
    if rating not in RATINGS:
        raise PledgeError(_("Choose a rating."))
    pledge.rating, pledge.rating_comment = rating, comment.strip()[:1000]
    pledge.status, pledge.assessed_at = PledgeStatus.ASSESSED, utcnow()
    audit.record("pledge.assessed", actor_id=reviewer.id, subject=f"pledge:{pledge.id}",
                 data={"rating": rating})


def set_published(pledge: Pledge, by: User, published: bool) -> None:
    if published and not (pledge.user.is_leader and pledge.status in (
            PledgeStatus.ACKNOWLEDGED, PledgeStatus.SELF_ASSESSED, PledgeStatus.ASSESSED)):
        raise PledgeError(_("Only leaders' acknowledged pledges can be published."))
    pledge.is_published = published
    audit.record("pledge.published" if published else "pledge.unpublished", actor_id=by.id,
                 subject=f"pledge:{pledge.id}")


# -- supervision -----------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonStatus:
    user: User
    pledge: Pledge | None

    @property
    def status(self) -> str:
        return self.pledge.status if self.pledge else "not_started"


def unit_overview(unit: Unit, year: int) -> list[PersonStatus]:
    """Everyone in the unit (not below it) with their pledge of that year, if any."""
    people = db.session.scalars(select(User).where(User.unit_id == unit.id, User.active)
                                .order_by(User.full_name)).all()
    pledges = {p.user_id: p for p in db.session.scalars(
        select(Pledge).where(Pledge.year == year, Pledge.user_id.in_([p.id for p in people]))
        .options(joinedload(Pledge.plan)))}
    return [PersonStatus(person, pledges.get(person.id)) for person in people]


def routed_to(unit: Unit, year: int) -> list[Pledge]:
    return list(db.session.scalars(
        select(Pledge).where(Pledge.review_unit_id == unit.id, Pledge.year == year)
        .options(joinedload(Pledge.user)).order_by(Pledge.filed_at)))
