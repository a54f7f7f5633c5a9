"""The officers' weekly digest: what waits in their subtree — pledges not filed, pledges
waiting for review, course completions missing for a plan due soon — counted per child unit
from the dashboard's figures, with a link to each unit's dashboard; once a week."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from elearn.clock import local_today
from elearn.builtins.notifications.delivery import message_for
from elearn.builtins.notifications.reminders import send_reminders
from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import Notification, OutboxEntry, Position, Role, StudyPlan, User
from elearn.services import reports
from elearn.services.accounts import create_user, find_user, grant_role, set_locale
from elearn.services.committees import set_seat
from elearn.services.orgs import create_unit
from elearn.testing import login

from kit import PASSWORD
from test_events import YEAR, file_pledge

DAY = 24 * 3600
PUBLIC = "https://hoctap.example.vn"


def district(app) -> None:
    """District D (officer tg, with an e-mail address) over cells C1 (secretary btcb, dv1, dv2)
    and C2 (dv3); a plan on D due in 10 days; dv1 has filed, then the plan got a course."""
    with app.app_context():
        top = create_unit("D", "Huyện ủy", "district")
        officer = create_user("tg", "Cán bộ tuyên giáo", PASSWORD, top)
        officer.email = "tg@example.vn"
        grant_role(officer, Role.OFFICER, top)
        first = create_unit("C1", "Chi bộ Một", "cell", top)
        second = create_unit("C2", "Chi bộ Hai", "cell", top)
        set_seat(first, create_user("btcb", "Bí thư", PASSWORD, first), Position.SECRETARY, None)
        for username, unit in (("dv1", first), ("dv2", first), ("dv3", second)):
            create_user(username, f"Đảng viên {username}", PASSWORD, unit)
        db.session.add(StudyPlan(year=YEAR, unit=top, title="KH", audience="all", courses="[]",
                                 deadline=local_today() + timedelta(days=10),
                                 superiors_first=False, template=DEFAULT_TEMPLATE))
        db.session.commit()
    assert file_pledge(app, "dv1").status_code == 302
    with app.app_context():
        db.session.scalar(select(StudyPlan)).courses = '["khoa-mot"]'
        db.session.commit()


def digests(app) -> list[Notification]:
    with app.app_context():
        return list(db.session.scalars(select(Notification).where(
            Notification.kind == "digest.officer")))


def test_the_officer_hears_per_child_unit_what_waits_once_a_week(make_app, clock):
    app = make_app(PUBLIC_URL=PUBLIC)
    district(app)
    with app.app_context():
        assert send_reminders() >= 1
        assert send_reminders() == 0   # the same week again: nothing new
    [digest] = digests(app)
    by_code = {row["code"]: row for row in digest.params["rows"]}
    assert by_code["C1"] == {"code": "C1", "name": "Chi bộ Một", "not_filed": 2, "waiting": 1,
                             "missing": 3}
    assert by_code["C2"] == {"code": "C2", "name": "Chi bộ Hai", "not_filed": 1, "waiting": 0,
                             "missing": 1}
    assert (digest.params["not_filed"], digest.params["waiting"]) == (4, 1)
    # The figures are the dashboard's own.
    with app.app_context():
        board = reports.dashboard(find_user("tg").unit, course=None, year=YEAR)
        [row] = [r for r in board.rows if r.unit and r.unit.code == "C1"]
        assert row.planned - row.filed == 2 and row.filed - row.acknowledged == 1
    client = app.test_client()
    assert login(client, "tg", PASSWORD).status_code == 302
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Chi bộ Một — chưa nộp: 2, chờ xem xét: 1, còn thiếu hoàn thành khóa học: 3" in page
    assert f'href="/dashboard/?unit=C1&amp;year={YEAR}"' in page
    assert client.get(f"/dashboard/?unit=C1&year={YEAR}").status_code == 200
    # By e-mail (on by default for the digest) in the officer's language, links absolute.
    with app.app_context():
        set_locale(find_user("tg"), "en")
        entry = db.session.scalar(select(OutboxEntry).where(
            OutboxEntry.notification_id == digest.id, OutboxEntry.channel == "email"))
        message = message_for(entry)
    assert message.subject.startswith("Waiting in Huyện ủy: pledges not filed: 4;")
    assert (f"- Chi bộ Một — not filed: 2, waiting for review: 1, completions missing: 3: "
            f"{PUBLIC}/dashboard/?unit=C1&year={YEAR}") in message.text
    # Next week: a new digest.
    clock.advance(7 * DAY)
    with app.app_context():
        send_reminders()
    assert len(digests(app)) == 2


def test_each_officer_hears_of_their_own_subtree_only(make_app):
    app = make_app()
    district(app)
    with app.app_context():
        cell_officer = create_user("tg2", "Cán bộ chi bộ", PASSWORD, find_user("dv3").unit)
        grant_role(cell_officer, Role.OFFICER, cell_officer.unit)
        db.session.commit()
        send_reminders()
        mine = {db.session.get(User, n.user_id).username: n.params for n in digests(app)}
    assert set(mine) == {"tg", "tg2"}  # not the secretary, not the members
    assert {row["code"] for row in mine["tg"]["rows"]} == {"D", "C1", "C2"}
    # Placed on C2 itself: one row, C2's people (dv3 and tg2), nothing of C1.
    assert mine["tg2"]["rows"] == [{"code": "C2", "name": "Chi bộ Hai", "not_filed": 2,
                                    "waiting": 0, "missing": 2}]
