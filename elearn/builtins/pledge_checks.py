"""Default plugin: the checks a pledge must pass before filing."""
from __future__ import annotations

from flask import url_for
from markupsafe import Markup, escape

from ..api import (
    CheckResult, PlanCourse, PledgeCheck, PledgeContext, format_day, gettext as _, hookimpl,
    ngettext,
)

NAMES_SHOWN = 5


def _names(people: tuple[str, ...]) -> str:
    shown = ", ".join(people[:NAMES_SHOWN])
    rest = len(people) - NAMES_SHOWN
    if rest > 0:
        shown += " " + ngettext("and %(num)d other", "and %(num)d others", rest)
    return shown


def _course_link(course: PlanCourse) -> Markup:
    """The course a person still has to study, as a link to it (its slug if it is gone)."""
    if course.title is None:
        return escape(course.slug)
    return Markup('<a href="{}">{}</a>').format(url_for("courses.course", slug=course.slug),
                                                course.title.get())


class StudyVerified(PledgeCheck):
    """Every course of the plan has a valid (signed, not revoked) completion that counts for
    the plan's year."""

    name = "study_verified"

    def check(self, context: PledgeContext) -> CheckResult:
        missing = [_course_link(course) for course in context.courses if not course.verified]
        if not missing:
            return CheckResult(True)
        # Translated without variables, then filled as Markup: the course titles are
        # escaped, the links kept.
        return CheckResult(
            False, escape(_("Your study is not verified yet for: %(courses)s."))
            % {"courses": Markup("; ").join(missing)},
            _("Finish these courses (every lesson and the quiz), or ask your training centre "
              "to record the class you attended. Study from an earlier year or an older course "
              "version may not count for this plan."))


class Routed(PledgeCheck):
    """Nothing is filed to nobody: a committee must be able to receive the pledge."""

    name = "routed"

    def check(self, context: PledgeContext) -> CheckResult:
        if context.routed:
            return CheckResult(True)
        return CheckResult(
            False, _("No committee can receive your pledge: %(unit)s and the units above it "
                     "have no other committee member.", unit=context.user.unit_name),
            _("Ask your administrator to set up your unit's committee."))


class SuperiorsFirst(PledgeCheck):
    """"Trên trước, dưới sau": higher ranks of one's own committee, and the committee of the
    level above, file first. Equal ranks never wait for each other."""

    name = "superiors_first"

    def check(self, context: PledgeContext) -> CheckResult:
        waiting = context.superiors_waiting
        if not context.superiors_first or not waiting:
            return CheckResult(True)
        return CheckResult(
            False, _("Superiors file first (trên trước, dưới sau): %(names)s has not filed a "
                     "pledge for %(year)d yet.", names=_names(waiting), year=context.year),
            _("Your draft is saved. You can file once they have filed theirs."))


class PartyMembersFirst(PledgeCheck):
    """"Trong trước, ngoài sau": where the plan asks for it, party members of a unit file
    before its cadres and civil servants outside the Party."""

    name = "inside_first"

    def check(self, context: PledgeContext) -> CheckResult:
        waiting = context.party_members_waiting
        if not context.inside_first or not waiting:
            return CheckResult(True)
        return CheckResult(
            False, _("Party members of %(unit)s file first (trong trước, ngoài sau): %(names)s "
                     "has not filed yet.", unit=context.user.unit_name, names=_names(waiting)),
            _("Your draft is saved. You can file once they have filed theirs."))


class BeforeDeadline(PledgeCheck):
    name = "deadline"

    def check(self, context: PledgeContext) -> CheckResult:
        if context.today <= context.deadline:
            return CheckResult(True)
        return CheckResult(
            False, _("The deadline for filing was %(date)s.", date=format_day(context.deadline)),
            _("Ask your propaganda officer to extend the deadline for your unit."))


@hookimpl
def register_pledge_checks() -> list[type[PledgeCheck]]:
    return [StudyVerified, Routed, SuperiorsFirst, PartyMembersFirst, BeforeDeadline]
