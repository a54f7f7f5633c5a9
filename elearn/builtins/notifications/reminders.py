"""Scheduled reminders: the deadline in 7 / 3 / 1 days to people a plan applies to who have
not filed yet, a weekly digest for committee members of the pledges waiting for them, and
the officers' weekly digest of their subtree (officer_digest.py).

Run daily by a periodic Huey task (registered at start-up). Who is reminded is the core's
answer (`due_reminders`, `reviewers_waiting` in elearn.api); this plugin words and sends.
Each reminder is one row however often the task runs: its key is (plan, milestone) or the ISO
week, unique per person.
"""
from __future__ import annotations

from datetime import date

from ...api import db_session, due_reminders, local_today, reviewers_waiting
import elearn.builtins.notifications.store as store  # the module, not the package (no import circle)
from .officer_digest import officer_digest

MILESTONES = (7, 3, 1)


def deadline_reminders(today: date) -> int:
    made = 0
    for due in due_reminders(today, MILESTONES):
        made += len(store.notify(
            db_session(), "reminder", f"reminder:plan:{due.plan_id}:d{due.days}",
            [due.person_id],
            {"days": due.days, "title": due.title, "deadline": due.deadline.isoformat()},
            f"/pledges/{due.year}"))
    return made


def weekly_digest(today: date) -> int:
    """Once per ISO week: each committee member with pledges waiting for them."""
    year, week, _day = today.isocalendar()
    made = 0
    for member_id, waiting in reviewers_waiting():
        made += len(store.notify(db_session(), "digest", f"digest:{year}-W{week:02d}",
                                 [member_id], {"count": waiting}, "/review/"))
    return made


def send_reminders(today: date | None = None) -> int:
    """All three kinds; commits. Returns how many notifications were made."""
    today = today or local_today()
    made = deadline_reminders(today) + weekly_digest(today) + officer_digest(today)
    db_session().commit()
    return made
