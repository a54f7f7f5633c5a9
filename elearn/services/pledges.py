"""Pledge rules: which plan applies, drafting, the checks before filing, routing to the right
reviewer, review, year-end assessment, publication."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, false, func, or_, select, true, update
from sqlalchemy.orm import joinedload

from ..clock import local_date, local_today, utcnow
from ..content.manifestations import manifestations
from ..content.pledge_template import DEFAULT_TEMPLATE, PledgeTemplate, parse_template
from ..extensions import db
from ..interfaces import CheckResult, PlanCourse, PledgeAuthor, PledgeContext
from ..models import (
    Completion, DeadlineExtension, Pledge, PledgeStatus, PledgeVersion, Role, RoleGrant, StudyPlan,
    Unit, User,
)
from ..models.pledges import ACKNOWLEDGED_OR_LATER, EDITABLE
from ..registry import current_registry
from ..plugin_guard import run_pledge_check
from .. import events
from . import counter_marks
from . import audit, catalogue, committees, completions, jobs
from .orgs import ancestors, subtree_of

log = logging.getLogger(__name__)

LIMITS = {"what": 300, "by_when": 100, "how": 200}
GUARD_LIMIT = 300          # a guard measure against one manifestation
MAX_MANIFESTATIONS = 5     # the few a person's post is most exposed to, not all 27
RATINGS = ("excellent", "good", "fulfilled", "not_fulfilled")
SELF_RESULTS = ("done", "partly", "not_done")


class PledgeError(ValueError):
    """A rule was broken; the message is translated text."""


class NotYourReview(PledgeError):
    """The person may not act on this pledge (their own, or not routed to their committee)."""


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


# Accounts that run the system rather than study in it (admin, inspector, the training
# centre's lecturers and verifiers, authors). Officers are not here: the propaganda officers
# are party members who plan and file like everyone else.
STAFF_ONLY_ROLES = frozenset({Role.ADMIN, Role.INSPECTOR, Role.AUTHOR, Role.VERIFIER})


def files_pledges(user: User) -> bool:
    """May a plan apply to this person at all? Party members always; other cadres unless they
    hold a staff role (issue #14 item 5: the demo admin, inspector and lecturer were listed as
    "not yet filed"). The plan's audience (cadre, student, all) is checked by the plan."""
    return user.is_party_member or not any(g.role in STAFF_ONLY_ROLES for g in user.grants)


def _files_pledges_sql() -> ColumnElement[bool]:
    """`files_pledges` as an SQL condition on `User`."""
    staff = select(RoleGrant.id).where(RoleGrant.user_id == User.id,
                                       RoleGrant.role.in_([r.value for r in STAFF_ONLY_ROLES]))
    return or_(User.is_party_member, ~staff.exists())


def applicable_plan(user: User, year: int, create_default: bool = True) -> StudyPlan | None:
    """The most specific plan of that year whose subtree holds the person's unit (None for
    people no plan applies to: see `files_pledges`)."""
    if not files_pledges(user):
        return None
    path_ids = [int(part) for part in user.unit.path.strip("/").split("/")]
    candidates = db.session.scalars(
        select(StudyPlan).join(Unit, StudyPlan.unit_id == Unit.id)
        .where(StudyPlan.year == year, StudyPlan.unit_id.in_(path_ids),
               StudyPlan.audience.in_(catalogue.audiences_of(user)))
        .order_by(func.length(Unit.path).desc(), StudyPlan.id.desc())).first()
    if candidates is None and create_default:
        any_plan = db.session.scalar(select(StudyPlan.id).where(StudyPlan.year == year))
        if any_plan is None:
            return default_plan(year, user.unit)
    return candidates


def plan_applies(year: int) -> ColumnElement[bool]:
    """`applicable_plan` as an SQL condition on `User` joined to its `Unit`, for counting and
    listing many people in one query: a plan of `year` on the person's unit or an ancestor,
    for an audience in `catalogue.audiences_of` the person; or, in a year with no plan at all,
    the default plan course.yaml implies (the whole tree, every audience).

    The year's plans are few and read once here, so the condition is plain comparisons per
    row (index ranges on the unit path), not a subquery per person."""
    plans = db.session.execute(select(Unit.path, StudyPlan.audience)
                               .join(Unit, StudyPlan.unit_id == Unit.id)
                               .where(StudyPlan.year == year)).all()
    if not plans:
        courses = current_registry().courses.values()
        if not any(year in course.pledge_years for course in courses):
            return false()
        return _files_pledges_sql()
    everyone = set(catalogue.audiences_of(None))
    return and_(_files_pledges_sql(), or_(*(and_(subtree_of(path), true() if audience in everyone
                                                 else User.audience == audience)
                                            for path, audience in set(plans))))


def min_versions(plan: StudyPlan) -> dict[str, str]:
    return dict(json.loads(plan.min_versions or "{}"))


def _version_key(version: str) -> tuple:
    """"1.10" > "1.9": compare dotted numbers as numbers, anything else as text."""
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in str(version).replace("-", ".").split("."))


def completion_counts(plan: StudyPlan, completion: Completion) -> bool:
    """Does this completion count for the plan's year (issued on or after `study_since`, of at
    least the plan's minimum course version)?"""
    if plan.study_since and local_date(completion.completed_at) < plan.study_since:
        return False
    minimum = min_versions(plan).get(completion.course_slug)
    return not minimum or _version_key(completion.course_version) >= _version_key(minimum)


def deadline_for(plan: StudyPlan, unit: Unit) -> date:
    """The plan's deadline, or the latest extension granted to the unit or an ancestor."""
    path_ids = [int(part) for part in unit.path.strip("/").split("/")]
    extended = db.session.scalar(select(func.max(DeadlineExtension.deadline)).where(
        DeadlineExtension.plan_id == plan.id, DeadlineExtension.unit_id.in_(path_ids)))
    return max(plan.deadline, extended) if extended else plan.deadline


# -- routing ---------------------------------------------------------------------------------

def review_route(user: User) -> committees.Route | None:
    """Where the person's pledge would go now (see services/committees.py)."""
    return committees.route_for(user)


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
            if item.get("breakthrough"):
                entry["breakthrough"] = True
            for key, limit in LIMITS.items():
                if len(entry[key]) > limit:
                    errors[f"{section.key}-{index}-{key}"] = FieldProblem(True, _(
                        "Keep it short: at most %(limit)d characters.", limit=limit))
            if not all(entry[key] for key in LIMITS):
                errors.setdefault(f"{section.key}-{index}-what", FieldProblem(False, _(
                    "Say what you will do, by when, and how it can be checked.")))
            kept.append(entry)
        content[section.key] = kept
    return content, errors


def clean_commitment(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, FieldProblem]]:
    """The commitment on the 27 manifestations: accepted or not, and the manifestations chosen
    as most relevant to the person's post, each with its guard measure."""
    known = set(manifestations().ids)
    chosen, errors = [], {}
    for item in data.get("manifestations") or []:
        manifestation_id = str(item.get("id", "")).strip()
        guard = str(item.get("guard", "") or "").strip()
        if manifestation_id not in known or any(c["id"] == manifestation_id for c in chosen):
            continue
        if len(guard) > GUARD_LIMIT:
            errors[f"guard-{manifestation_id}"] = FieldProblem(True, _(
                "Keep it short: at most %(limit)d characters.", limit=GUARD_LIMIT))
        chosen.append({"id": manifestation_id, "guard": guard})
    if len(chosen) > MAX_MANIFESTATIONS:
        errors["manifestations"] = FieldProblem(False, _(
            "Choose at most %(count)d manifestations: the ones your post is most exposed to.",
            count=MAX_MANIFESTATIONS))
    return {"accepted": bool(data.get("accepted")), "manifestations": chosen}, errors


def commitment_of(pledge: Pledge) -> dict[str, Any]:
    return json.loads(pledge.draft_commitment or "{}") or {"accepted": False,
                                                           "manifestations": []}


def save_draft(pledge: Pledge, data: dict[str, Any],
               commitment: dict[str, Any] | None = None) -> dict[str, FieldProblem]:
    """Save what the person wrote (even incomplete: a draft may be unfinished). Returns the
    problems to show; text over the limits is not saved."""
    if pledge.status not in EDITABLE:
        raise PledgeError(_("This pledge has been filed; it can change only if it is returned."))
    content, errors = clean_content(plan_template(pledge.plan), data)
    if commitment is not None:
        cleaned, commitment_errors = clean_commitment(commitment)
        errors.update(commitment_errors)
    if not any(problem.too_long for problem in errors.values()):
        pledge.draft = json.dumps(content, ensure_ascii=False)
        if commitment is not None:
            pledge.draft_commitment = json.dumps(cleaned, ensure_ascii=False)
        pledge.draft_saved_at = utcnow()
    db.session.commit()
    return errors


# -- checks and filing -----------------------------------------------------------------------

def pledge_context(pledge: Pledge, today: date | None = None) -> PledgeContext:
    """The snapshot pledge checks see: everything they decide on, read here, once."""
    user, plan = pledge.user, pledge.plan
    registry = current_registry()
    courses = []
    for slug in plan_courses(plan):
        completion = completions.active_completion(user.id, slug)
        verified = (completion is not None and completions.signature_valid(completion)
                    and completion_counts(plan, completion))
        course = registry.course(slug)
        courses.append(PlanCourse(slug, course.title if course else None, verified))
    superiors = (committees.not_yet_filed(committees.must_file_first(user), plan.year)
                 if plan.superiors_first else [])
    members = (committees.not_yet_filed(committees.party_members_first(user), plan.year)
               if plan.inside_first else [])
    return PledgeContext(
        user=PledgeAuthor(user.id, user.full_name, user.position, user.unit.name,
                          bool(user.is_leader)),
        year=plan.year, today=today or local_today(), deadline=deadline_for(plan, user.unit),
        superiors_first=bool(plan.superiors_first), inside_first=bool(plan.inside_first),
        courses=tuple(courses), routed=review_route(user) is not None,
        superiors_waiting=tuple(person.full_name for person in superiors),
        party_members_waiting=tuple(person.full_name for person in members))


def run_checks(pledge: Pledge, today: date | None = None) -> list[CheckResult]:
    """Every registered check on one snapshot; a check that raises answers "unavailable"
    (and so refuses filing) instead of breaking the pledge page."""
    context = pledge_context(pledge, today)
    return [run_pledge_check(name, check, context)
            for name, check in current_registry().pledge_checks.items()]


def _claim(pledge: Pledge, from_statuses: tuple[str, ...], **values: Any) -> bool:
    """Move the pledge out of one of `from_statuses` in one conditional UPDATE: of concurrent
    duplicates exactly one wins, the others see that it already moved."""
    moved = db.session.execute(
        update(Pledge).where(Pledge.id == pledge.id, Pledge.status.in_(from_statuses))
        .values(**values).execution_options(synchronize_session=False))
    if moved.rowcount == 1:
        counter_marks.touch_users([pledge.user_id])  # the dashboards' filed/assessed figures
    return moved.rowcount == 1


def file(pledge: Pledge, today: date | None = None) -> PledgeVersion:
    """File the draft: checks, routing, one new version, one audit entry; committed."""
    if pledge.status not in EDITABLE:
        raise PledgeError(_("This pledge has already been filed."))
    template = plan_template(pledge.plan)
    content, errors = clean_content(template, content_of(pledge))
    if errors or not any(content.values()):
        raise PledgeError(_("Write at least one commitment, each with what you will do, by "
                            "when, and how it can be checked."))
    commitment = commitment_of(pledge)
    failures = [r for r in run_checks(pledge, today) if not r.ok]
    if template.commitment is not None and not commitment.get("accepted"):
        failures.append(CheckResult(
            False, _("You have not made the commitment on the 27 manifestations."),
            _("Tick \"I make this commitment\" under the commitment, and choose the "
              "manifestations your post is most exposed to."), "commitment"))
    if failures:
        raise PledgeRefused(failures)
    route = review_route(pledge.user)
    if route is None:  # the routing check refuses this first; never file to nobody
        raise PledgeError(_("No committee can receive your pledge yet."))
    if not _claim(pledge, EDITABLE,
                  status=PledgeStatus.FILED, filed_at=utcnow(), review_unit_id=route.unit.id,
                  review_body=str(route.body)):
        db.session.rollback()
        raise PledgeError(_("This pledge has already been filed."))
    number = db.session.scalar(select(func.count()).select_from(PledgeVersion)
                               .where(PledgeVersion.pledge_id == pledge.id)) + 1
    commitment_text = ({"vi": template.commitment.get("vi"), "en": template.commitment.get("en")}
                       if template.commitment else {})
    version = PledgeVersion(pledge_id=pledge.id, number=number,
                            content=json.dumps(content, ensure_ascii=False),
                            commitment=json.dumps(commitment_text, ensure_ascii=False),
                            manifestations=json.dumps(commitment.get("manifestations", []),
                                                      ensure_ascii=False))
    db.session.add(version)
    db.session.flush()
    audit.record("pledge.filed", actor_id=pledge.user_id, subject=f"pledge:{pledge.id}",
                 data={"version": number, "year": pledge.year, "review_unit": route.unit.code,
                       "review_body": str(route.body)})
    events.emit("pledge.filed", key=f"pledge.filed:pledge:{pledge.id}:v{number}",
                person_id=pledge.user_id, actor_id=pledge.user_id, unit_id=route.unit.id,
                data={"pledge_id": pledge.id, "year": pledge.year, "version": number})
    db.session.commit()
    db.session.refresh(pledge)
    # Who may file now is worked out by a queued job, not in this request: on a big committee
    # it reads every member's plan and superiors. Keyed on this filing: a duplicate is one job.
    try:
        jobs.submit(CAN_FILE_JOB, {"filer": pledge.user_id, "year": pledge.year,
                                   "version": number}, unit=pledge.user.unit)
    except Exception:  # noqa: BLE001 - the pledge is filed; a lost job only delays the news
        log.exception("could not queue the can-file job of pledge %s", pledge.id)
    return version


CAN_FILE_JOB = "pledge.can_file"


def tell_who_can_file(filer_id: int, year: int) -> int:
    """The queued half of filing: a `pledge.can_file` event for each person the filer's
    pledge freed. Keyed per (person, year), so a job run twice, or two filings that free the
    same person, tell them once. No commit (the job's unit of work commits)."""
    filer = db.session.get(User, filer_id)
    if filer is None:
        return 0
    freed = newly_free(filer, year)
    for person in freed:
        events.emit("pledge.can_file", key=f"pledge.can_file:user:{person.id}:{year}",
                    person_id=person.id, actor_id=filer_id, unit_id=person.unit_id,
                    data={"year": year, "after": filer_id})
    return len(freed)


def newly_free(filer: User, year: int) -> list[User]:
    """Who waited (superiors first, or party members first) for `filer`, whose filing is
    committed (or in this transaction), and now waits for nobody: they may file now."""
    free = []
    for person in committees.not_yet_filed(committees.may_wait_for(filer), year):
        plan = applicable_plan(person, year, create_default=False)
        if plan is None:
            continue
        first = ((committees.must_file_first(person) if plan.superiors_first else [])
                 + (committees.party_members_first(person) if plan.inside_first else []))
        if any(p.id == filer.id for p in first) and not committees.not_yet_filed(first, year):
            free.append(person)
    return free


def _latest(pledge: Pledge) -> PledgeVersion:
    # A filed pledge always has a version; a row imported or repaired by hand may not, and
    # answering it must then say so rather than fail.
    if not pledge.versions:
        raise PledgeError(_("This pledge has no filed version to answer."))
    return pledge.versions[-1]


def ensure_reviewer(pledge: Pledge, reviewer: User) -> None:
    """Refuse anyone but the committee members the pledge was routed to; never the author."""
    if reviewer.id == pledge.user_id:
        raise NotYourReview(_("You cannot acknowledge, return, rate or publish your own pledge: "
                              "your committee does that."))
    if not committees.can_act(reviewer, pledge):
        raise NotYourReview(_("This pledge was sent to %(unit)s; only its committee members "
                              "can answer it.", unit=pledge.review_unit.name
                              if pledge.review_unit else "—"))


def _answered(name: str, pledge: Pledge, reviewer: User, version: int | None,
              **data: Any) -> None:
    """The event of a reviewer's answer, told to the pledge's author after the commit."""
    step = f"v{version}" if version is not None else str(pledge.year)
    events.emit(name, key=f"{name}:pledge:{pledge.id}:{step}", person_id=pledge.user_id,
                actor_id=reviewer.id, unit_id=pledge.review_unit_id,
                data={"pledge_id": pledge.id, "year": pledge.year, "version": version, **data})


def acknowledge(pledge: Pledge, reviewer: User) -> None:
    ensure_reviewer(pledge, reviewer)
    if pledge.status != PledgeStatus.FILED or not _claim(
            pledge, (PledgeStatus.FILED,), status=PledgeStatus.ACKNOWLEDGED,
            acknowledged_at=utcnow(), reviewed_by_id=reviewer.id):
        db.session.rollback()
        raise PledgeError(_("Only a filed pledge can be acknowledged."))
    version = _latest(pledge)
    version.outcome, version.answered_at, version.answered_by_id = (
        "acknowledged", utcnow(), reviewer.id)
    audit.record("pledge.acknowledged", actor_id=reviewer.id, subject=f"pledge:{pledge.id}",
                 data={"version": version.number})
    _answered("pledge.acknowledged", pledge, reviewer, version.number)
    db.session.commit()
    db.session.refresh(pledge)


def return_pledge(pledge: Pledge, reviewer: User, comment: str) -> None:
    ensure_reviewer(pledge, reviewer)
    comment = comment.strip()
    if len(comment) < 5:
        raise PledgeError(_("Say what to change (at least 5 characters)."))
    if pledge.status != PledgeStatus.FILED or not _claim(
            pledge, (PledgeStatus.FILED,), status=PledgeStatus.RETURNED):
        db.session.rollback()
        raise PledgeError(_("Only a filed pledge can be returned."))
    version = _latest(pledge)
    version.outcome, version.comment = "returned", comment[:1000]
    version.answered_at, version.answered_by_id = utcnow(), reviewer.id
    audit.record("pledge.returned", actor_id=reviewer.id, subject=f"pledge:{pledge.id}",
                 data={"version": version.number, "comment": version.comment})
    _answered("pledge.returned", pledge, reviewer, version.number)
    db.session.commit()
    db.session.refresh(pledge)


def assessment_of(pledge: Pledge) -> dict[str, dict[str, str]]:
    return json.loads(pledge.self_assessment or "{}")


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
    if not _claim(pledge, (PledgeStatus.ACKNOWLEDGED,), status=PledgeStatus.SELF_ASSESSED,
                  self_assessment=json.dumps(cleaned, ensure_ascii=False)):
        db.session.rollback()
        raise PledgeError(_("You can assess your pledge once it has been acknowledged."))
    audit.record("pledge.self_assessed", actor_id=pledge.user_id, subject=f"pledge:{pledge.id}")
    db.session.commit()
    db.session.refresh(pledge)


def rate(pledge: Pledge, reviewer: User, rating: str, comment: str) -> None:
    ensure_reviewer(pledge, reviewer)
    if rating not in RATINGS:
        raise PledgeError(_("Choose a rating."))
    if pledge.status != PledgeStatus.SELF_ASSESSED or not _claim(
            pledge, (PledgeStatus.SELF_ASSESSED,), status=PledgeStatus.ASSESSED, rating=rating,
            rating_comment=comment.strip()[:1000], assessed_at=utcnow()):
        db.session.rollback()
        raise PledgeError(_("The person has not assessed their pledge yet."))
    audit.record("pledge.assessed", actor_id=reviewer.id, subject=f"pledge:{pledge.id}",
                 data={"rating": rating})
    _answered("pledge.assessed", pledge, reviewer, None, rating=rating)
    db.session.commit()
    db.session.refresh(pledge)


def set_published(pledge: Pledge, by: User, published: bool) -> None:
    ensure_reviewer(pledge, by)
    if published and not (pledge.user.is_leader and pledge.status in ACKNOWLEDGED_OR_LATER):
        raise PledgeError(_("Only leaders' acknowledged pledges can be published."))
    if pledge.is_published == published:
        return  # a repeated click changes nothing and records nothing
    moved = db.session.execute(
        update(Pledge).where(Pledge.id == pledge.id, Pledge.is_published == (not published))
        .values(is_published=published, published_at=utcnow() if published else None)
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.rollback()
        return
    audit.record("pledge.published" if published else "pledge.unpublished", actor_id=by.id,
                 subject=f"pledge:{pledge.id}")
    db.session.commit()
    db.session.refresh(pledge)


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


def waiting_for(user: User) -> list[Pledge]:
    """Pledges this person can answer now (filed, or self-assessed at year end), oldest first:
    the reviewer's queue."""
    unit_ids = [seat.unit_id for seat in user.seats]
    if not unit_ids:
        return []
    candidates = db.session.scalars(
        select(Pledge).where(Pledge.review_unit_id.in_(unit_ids), Pledge.user_id != user.id,
                             Pledge.status.in_((PledgeStatus.FILED, PledgeStatus.SELF_ASSESSED)))
        .options(joinedload(Pledge.user)).order_by(Pledge.filed_at, Pledge.id)).all()
    positions = {seat.unit_id: committees.Position(seat.position) for seat in user.seats}
    return [pledge for pledge in candidates
            if committees.ReviewBody(pledge.review_body or "committee").admits(
                positions[pledge.review_unit_id])]


def published_pledges(unit: Unit) -> list[Pledge]:
    """Leaders' pledges of the subtree that their committees published, newest year first."""
    rows = db.session.scalars(
        select(Pledge).join(User, Pledge.user_id == User.id).join(Unit, User.unit_id == Unit.id)
        .where(Pledge.is_published, User.is_leader, subtree_of(unit.path))
        .options(joinedload(Pledge.user), joinedload(Pledge.versions))
        .order_by(Pledge.year.desc(), Unit.path, User.full_name)).unique().all()
    return [pledge for pledge in rows if pledge.versions]


def routed_to(unit: Unit, year: int) -> list[Pledge]:
    return list(db.session.scalars(
        select(Pledge).where(Pledge.review_unit_id == unit.id, Pledge.year == year)
        .options(joinedload(Pledge.user)).order_by(Pledge.filed_at)))


def pledges_of(user: User) -> list[Pledge]:
    """A person's pledges, newest year first."""
    return list(db.session.scalars(select(Pledge).where(Pledge.user_id == user.id)
                                   .order_by(Pledge.year.desc())))
