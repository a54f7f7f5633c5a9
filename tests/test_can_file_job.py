""""You can file now" is worked out by a queued job, not in the filing request: filing costs
the same however big the committee, the job tells each freed person once (a duplicate job or
a second run tells nobody again)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import event, select

from elearn.clock import local_today
from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import Job, Notification, Position, StudyPlan
from elearn.services import jobs, pledges
from elearn.services.accounts import create_user, find_user
from elearn.services.committees import set_seat
from elearn.services.orgs import create_unit
from elearn.testing import run_queued_jobs

from kit import PASSWORD
from test_events import YEAR, cell_with_plan, file_pledge


def told(app) -> list[str]:
    with app.app_context():
        return sorted(find_user_name(n.user_id) for n in db.session.scalars(
            select(Notification).where(Notification.kind == "pledge.can_file")))


def find_user_name(user_id: int) -> str:
    from elearn.models import User
    return db.session.get(User, user_id).username


def statements_while(app, action) -> int:
    """How many SQL statements `action` sends."""
    with app.app_context():
        engine = db.engine
    count = [0]

    def counted(*_args) -> None:
        count[0] += 1
    event.listen(engine, "before_cursor_execute", counted)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count[0]


def test_filing_queues_the_job_and_the_job_tells_each_freed_person_once(app):
    cell_with_plan(app, superiors_first=True)
    assert file_pledge(app, "btcb").status_code == 302
    assert told(app) == []   # not in the request
    with app.app_context():
        [job] = db.session.scalars(select(Job)).all()
        assert job.kind == "pledge.can_file" and job.status == "queued"
        # The same filing asked again (a retried request) is the same job.
        again = jobs.submit(pledges.CAN_FILE_JOB, dict(job.params), unit=find_user("btcb").unit)
        assert again.id == job.id
    [done] = run_queued_jobs(app)
    assert done.status == "done", done.error
    assert told(app) == ["pbtcb"]
    # Run again by hand (a redelivered message): nobody is told twice.
    with app.app_context():
        assert pledges.tell_who_can_file(find_user("btcb").id, job.params["year"]) == 1
        db.session.commit()
    assert told(app) == ["pbtcb"]
    assert file_pledge(app, "pbtcb").status_code == 302
    run_queued_jobs(app)
    assert told(app) == ["dv1", "dv2", "pbtcb"]


def two_cells(app, members: dict[str, int]) -> None:
    """Under one plan (superiors first), a cell per entry: secretary s<code>, deputy d<code>
    and that many members."""
    with app.app_context():
        top = create_unit("P", "Đảng bộ", "commune")
        for code, count in members.items():
            cell = create_unit(code, f"Chi bộ {code}", "cell", top)
            set_seat(cell, create_user(f"s{code}", "Bí thư", PASSWORD, cell),
                     Position.SECRETARY, None)
            set_seat(cell, create_user(f"d{code}", "Phó bí thư", PASSWORD, cell),
                     Position.DEPUTY, None)
            for number in range(count):
                create_user(f"m{code}{number}", f"Đảng viên {number}", PASSWORD, cell)
        db.session.add(StudyPlan(year=YEAR, unit=top, title="KH", audience="all",
                                 courses="[]", deadline=local_today() + timedelta(days=9),
                                 superiors_first=True, template=DEFAULT_TEMPLATE))
        db.session.commit()


def test_filing_costs_the_same_on_a_small_and_a_big_committee(app):
    two_cells(app, {"small": 2, "big": 40})
    costs = [statements_while(app, lambda code=code: file_pledge(app, f"s{code}"))
             for code in ("small", "big")]
    run_queued_jobs(app)
    assert told(app) == ["dbig", "dsmall"]   # the deputies; members wait for them
    # Measured: the filing request's SQL statements do not grow with the committee (the
    # first request warms a few caches; worked out in the request, 38 more members cost
    # at least one plan look-up each).
    assert costs[1] <= costs[0] + 5, costs
