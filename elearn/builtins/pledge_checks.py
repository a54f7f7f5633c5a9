"""Default plugin: the checks a pledge must pass before filing."""
from __future__ import annotations

from flask_babel import format_date, gettext as _
from sqlalchemy import select

from .. import hookimpl
from ..extensions import db
from ..interfaces import PledgeCheck
from ..models import Pledge
from ..registry import current_registry
from ..services import completions
from ..services.pledges import (
    FILED_OR_LATER, CheckResult, PledgeContext, deadline_for, plan_courses, review_unit_for,
    reviewers_of,
)


class StudyVerified(PledgeCheck):
    """Every course of the plan has a valid (signed, not revoked) completion."""

    name = "study_verified"

    def check(self, context: PledgeContext) -> CheckResult:
        registry = current_registry()
        missing = []
        for slug in plan_courses(context.plan):
            completion = completions.active_completion(context.user.id, slug)
            if completion is None or not completions.signature_valid(completion):
                course = registry.course(slug)
                missing.append(course.title.get() if course else slug)
        if not missing:
            return CheckResult(True)
        return CheckResult(
            False, _("Your study is not verified yet for: %(courses)s.",
                     courses="; ".join(missing)),
            _("Finish these courses (every lesson and the quiz), or ask your training centre "
              "to record the class you attended."))


class SuperiorsFirst(PledgeCheck):
    """"Trên trước, dưới sau": the reviewers who receive this pledge have filed theirs."""

    name = "superiors_first"

    def check(self, context: PledgeContext) -> CheckResult:
        if not context.plan.superiors_first:
            return CheckResult(True)
        unit = review_unit_for(context.user)
        if unit is None:
            return CheckResult(True)
        waiting = []
        for reviewer in reviewers_of(unit):
            if reviewer.id == context.user.id:
                continue
            status = db.session.scalar(select(Pledge.status).where(
                Pledge.user_id == reviewer.id, Pledge.year == context.plan.year))
            if status not in FILED_OR_LATER:
                waiting.append(reviewer.full_name)
        if not waiting:
            return CheckResult(True)
        return CheckResult(
            False, _("Superiors file first: %(names)s (%(unit)s) has not filed a pledge for "
                     "%(year)d yet.", names=", ".join(waiting), unit=unit.name,
                     year=context.plan.year),
            _("Your draft is saved. You can file once they have filed theirs."))


class BeforeDeadline(PledgeCheck):
    name = "deadline"

    def check(self, context: PledgeContext) -> CheckResult:
        deadline = deadline_for(context.plan, context.user.unit)
        if context.today <= deadline:
            return CheckResult(True)
        return CheckResult(
            False, _("The deadline for filing was %(date)s.", date=format_date(deadline)),
            _("Ask your propaganda officer to extend the deadline for your unit."))


@hookimpl
def register_pledge_checks() -> list[type[PledgeCheck]]:
    return [StudyVerified, SuperiorsFirst, BeforeDeadline]
