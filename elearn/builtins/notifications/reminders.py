"""Scheduled reminders: the deadline in 7 / 3 / 1 days to people a plan applies to who have
not filed yet, a weekly digest for committee members of the pledges waiting for them, and
the officers' weekly digest of their subtree (officer_digest.py).

Run daily by a periodic Huey task (registered at start-up). Each reminder is one row however
often the task runs: its key is (plan, milestone) or the ISO week, unique per person.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ...clock import local_today
from ...extensions import db
from ...models import CommitteeSeat, DeadlineExtension, Pledge, StudyPlan, Unit, User
from ...models.pledges import FILED_OR_LATER
from ...services import pledges
from ...services.orgs import subtree_of
import elearn.builtins.notifications.store as store  # the module, not the package (no import circle)
from .officer_digest import officer_digest

MILESTONES = (7, 3, 1)


def _near(plan: StudyPlan, today: date) -> bool:
    """Cheap first cut: some deadline of the plan (its own or an extension) is a milestone."""
    deadlines = {plan.deadline, *db.session.scalars(select(DeadlineExtension.deadline).where(
        DeadlineExtension.plan_id == plan.id))}
    return any((deadline - today).days in MILESTONES for deadline in deadlines)


def deadline_reminders(today: date) -> int:
    made = 0
    plans = db.session.scalars(select(StudyPlan).where(
        StudyPlan.year.in_((today.year - 1, today.year, today.year + 1)))).all()
    for plan in plans:
        if not _near(plan, today):
            continue
        filed = set(db.session.scalars(select(Pledge.user_id).where(
            Pledge.plan_id == plan.id, Pledge.status.in_(FILED_OR_LATER))))
        people = db.session.scalars(select(User).join(Unit, User.unit_id == Unit.id).where(
            subtree_of(plan.unit.path), User.active))
        for person in people:
            if person.id in filed:
                continue
            # The plan that applies is the most specific one (a unit below may have its own).
            if pledges.applicable_plan(person, plan.year, create_default=False) is not plan:
                continue
            deadline = pledges.deadline_for(plan, person.unit)  # extensions count
            days = (deadline - today).days
            if days not in MILESTONES:
                continue
            made += len(store.notify(
                db.session, "reminder", f"reminder:plan:{plan.id}:d{days}", [person.id],
                {"days": days, "title": plan.title, "deadline": deadline.isoformat()},
                f"/pledges/{plan.year}"))
    return made


def weekly_digest(today: date) -> int:
    """Once per ISO week: each committee member with pledges waiting for them."""
    year, week, _day = today.isocalendar()
    made = 0
    members = db.session.scalars(select(User).where(
        User.id.in_(select(CommitteeSeat.user_id)), User.active))
    for member in members:
        waiting = len(pledges.waiting_for(member))
        if waiting:
            made += len(store.notify(db.session, "digest", f"digest:{year}-W{week:02d}",
                                     [member.id], {"count": waiting}, "/review/"))
    return made


def send_reminders(today: date | None = None) -> int:
    """Both kinds; commits. Returns how many notifications were made."""
    today = today or local_today()
    made = deadline_reminders(today) + weekly_digest(today) + officer_digest(today)
    db.session.commit()
    return made
