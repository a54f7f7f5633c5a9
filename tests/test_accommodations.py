"""Accommodations: a training centre grants one person in its units extra time or attempts
on a course's quiz, with a reason; the grant is audited once, listed for the centre, shown to
the person, and applied by the quiz engine. On SQLite and PostgreSQL."""
from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.models import Accommodation, AuditEntry, QuizAttempt, Role
from elearn.services import audit
from elearn.services.accounts import create_user, grant_role
from elearn.services.orgs import create_unit, unit_by_code
from elearn.testing import signed_in_client

from kit import (
    PASSWORD, attempt_row, csrf, make_site, start_attempt, study_everything, submit,
    write_quiz_course,
)

SLUG = "khoa-quiz"
PAGE = "/centre/accommodations"


@pytest.fixture
def site(make_app, course_root):
    """One try of 10 minutes; a centre verifying province T, and a person outside it."""
    write_quiz_course(course_root, SLUG, min_reading=0, max_attempts=1, time_limit=10)
    app = make_site(make_app, course_root)
    with app.app_context():
        grant_role(create_user("ttct", "Phạm Quốc Việt", PASSWORD, unit_by_code("T")),
                   Role.VERIFIER, unit_by_code("T"))
        create_user("ngoai", "Người Ngoài", PASSWORD, create_unit("K", "Tỉnh khác", "province"))
        db.session.commit()
    return app


def signed_in(app, username):
    return signed_in_client(app, username, PASSWORD)


def grant(client, **fields):
    form = {"csrf_token": csrf(client, PAGE), "username": "hocvien", "course": SLUG,
            "extra_minutes": "15", "extra_attempts": "1", "reason": "Mất điện giữa giờ thi"}
    form.update(fields)
    return client.post(PAGE, data=form)


def audited(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "accommodation.granted"))


def test_the_quiz_engine_applies_extra_attempts_and_time(site):
    learner = signed_in(site, "hocvien")
    study_everything(site, learner, SLUG)
    first = start_attempt(learner, SLUG)
    assert attempt_row(site, first).deadline - attempt_row(site, first).started_at \
        == timedelta(minutes=10)
    submit(learner, SLUG, first)
    refused = learner.post(f"/courses/{SLUG}/quiz/start",
                           data={"csrf_token": csrf(learner, f"/courses/{SLUG}/quiz/")})
    assert refused.headers["Location"].endswith(f"/courses/{SLUG}/quiz/")  # one try, used
    with site.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1

    centre = signed_in(site, "ttct")
    assert grant(centre).status_code == 302
    page = html.unescape(learner.get(f"/courses/{SLUG}/quiz/").get_data(as_text=True))
    assert "thêm 15 phút và 1 lần làm bài (Mất điện giữa giờ thi)" in page
    assert "Đã dùng 1/2 lượt" in page and "25 phút" in page
    second = start_attempt(learner, SLUG)
    row = attempt_row(site, second)
    assert row.number == 2 and row.deadline - row.started_at == timedelta(minutes=25)


def test_granting_is_audited_once_listed_and_replaced(site):
    centre = signed_in(site, "ttct")
    assert grant(centre).status_code == 302
    again = grant(centre)  # a double click: nothing changes, no second entry
    assert again.status_code == 302
    listing = html.unescape(centre.get(PAGE).get_data(as_text=True))
    assert "đã được cấp trước đó" in listing
    assert "Nguyễn Học Viên" in listing and "Mất điện giữa giờ thi" in listing
    assert audited(site) == 1
    assert grant(centre, extra_minutes="30", extra_attempts="0").status_code == 302
    with site.app_context():
        row = db.session.scalar(select(Accommodation))
        assert (row.extra_minutes, row.extra_attempts) == (30, 0)
        assert row.granted_by.username == "ttct"
        assert db.session.scalar(select(func.count()).select_from(Accommodation)) == 1
        assert audit.verify_chain().ok
    assert audited(site) == 2


@pytest.mark.parametrize("fields, message", [
    ({"username": "ngoai"}, "Không có ai với tên đăng nhập này"),
    ({"extra_minutes": "0", "extra_attempts": "0"}, "thêm thời gian, thêm lần làm bài"),
    ({"extra_minutes": "-5"}, None),
    ({"extra_attempts": "nhiều"}, None),
    ({"reason": "x"}, None),
])
def test_bad_grants_get_a_clear_400_and_change_nothing(site, fields, message):
    centre = signed_in(site, "ttct")
    response = grant(centre, **fields)
    assert response.status_code == 400
    if message:
        assert message in html.unescape(response.get_data(as_text=True))
    with site.app_context():
        assert db.session.scalar(select(func.count()).select_from(Accommodation)) == 0
    assert audited(site) == 0


def test_grants_need_csrf_and_the_verifier_role(site):
    centre = signed_in(site, "ttct")
    no_token = centre.post(PAGE, data={"username": "hocvien", "course": SLUG,
                                       "extra_minutes": "15", "reason": "Lý do đầy đủ"})
    assert no_token.status_code == 400
    learner = signed_in(site, "hocvien")
    assert learner.get(PAGE).status_code == 403
    token = csrf(learner, f"/courses/{SLUG}/quiz/")
    assert learner.post(PAGE, data={"csrf_token": token, "username": "hocvien", "course": SLUG,
                                    "extra_minutes": "99", "reason": "Tự cấp cho mình"}
                        ).status_code == 403
    with site.app_context():
        assert db.session.scalar(select(func.count()).select_from(Accommodation)) == 0
