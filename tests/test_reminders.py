"""Scheduled reminders on a movable clock: 7 / 3 / 1 days before each person's deadline
(extensions count) to those who have not filed, each once; a weekly digest of pledges waiting
for each committee member; the daily task is registered with the job queue."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from elearn.clock import local_today
from elearn.extensions import db
from elearn.jobqueue import queue
from elearn.models import Notification, StudyPlan
from elearn.builtins.notifications.reminders import send_reminders
from elearn.services import plans
from elearn.services.accounts import find_user

from test_events import cell_with_plan, file_pledge

DAY = 24 * 3600


def reminded(app) -> list[tuple[str, int]]:
    with app.app_context():
        return sorted((find_user_name(n.user_id), n.params.get("days"))
                      for n in db.session.scalars(select(Notification).where(
                          Notification.kind == "reminder")))


def find_user_name(user_id: int) -> str:
    from elearn.models import User
    return db.session.get(User, user_id).username


def run(app) -> int:
    with app.app_context():
        return send_reminders()


def new_reminders(app) -> int:
    """Run the daily task; how many deadline reminders it added."""
    before = len(reminded(app))
    run(app)
    return len(reminded(app)) - before


def test_deadline_reminders_at_7_3_1_days_once_each_to_those_not_filed(app, clock):
    cell_with_plan(app)  # the deadline is 9 days away
    assert new_reminders(app) == 0
    clock.advance(2 * DAY)
    assert new_reminders(app) == 4  # everyone, 7 days before
    assert new_reminders(app) == 0  # a second run the same day adds nothing
    assert file_pledge(app, "dv1").status_code == 302
    clock.advance(4 * DAY)
    assert new_reminders(app) == 3  # 3 days: dv1 has filed
    clock.advance(2 * DAY)
    assert new_reminders(app) == 3
    everyone = reminded(app)
    assert [days for name, days in everyone if name == "dv1"] == [7]
    assert sorted(days for name, days in everyone if name == "dv2") == [1, 3, 7]
    clock.advance(2 * DAY)
    assert new_reminders(app) == 0  # past the deadline: nothing more


def test_an_extension_moves_the_reminders(app, clock):
    cell_with_plan(app)
    with app.app_context():
        plan = db.session.scalar(select(StudyPlan))
        cell = find_user("dv1").unit
        plans.extend_deadline(plan, cell, plan.deadline + timedelta(days=5),
                              by=find_user("btcb"))
    clock.advance(2 * DAY)  # 7 days before the plan's own deadline, 12 before the extended
    assert new_reminders(app) == 0
    clock.advance(5 * DAY)
    assert new_reminders(app) == 4
    with app.app_context():
        row = db.session.scalar(select(Notification).where(Notification.kind == "reminder"))
        assert row.params["deadline"] == (local_today() + timedelta(days=7)).isoformat()


def test_weekly_digest_tells_the_committee_what_waits_once_a_week(app, clock):
    cell_with_plan(app)
    assert file_pledge(app, "dv1").status_code == 302
    run(app)
    with app.app_context():
        digests = list(db.session.scalars(select(Notification).where(
            Notification.kind == "digest")))
        assert {find_user_name(n.user_id) for n in digests} == {"btcb", "pbtcb"}
        assert all(n.params == {"count": 1} for n in digests)
    run(app)
    clock.advance(7 * DAY)
    run(app)
    with app.app_context():
        assert len(list(db.session.scalars(select(Notification).where(
            Notification.kind == "digest")))) == 4


def test_the_daily_reminder_task_is_scheduled(app):
    names = [task.name for task in queue(app).huey._registry.periodic_tasks]
    assert "elearn.notifications.reminders" in names
