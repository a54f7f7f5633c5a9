"""A class's certificates in one ZIP, prepared by a job on the real queue (both databases):
scoped like the centre's list, revoked completions left out, one job however often the
button is pressed while it runs, the file offered with progress and expiring."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.models import Job
from elearn.registry import current_registry
from elearn.services import codes, completions, jobs
from elearn.services.accounts import create_user, find_user
from elearn.services.orgs import unit_by_code
from elearn.testing import (
    csrf_token, job_id_from, race, run_queued_jobs, serve, signed_in_client, signed_in_tabs,
)

from kit import CENTRE_COURSE as COURSE, PASSWORD, build_centre, complete

PAGE = "/centre/certificates"
CLASS_DAY = "2026-03-05"


def signed_in(app, username: str):
    return signed_in_client(app, username, PASSWORD)


def build_class(app) -> dict[str, str]:
    """In district H: one online completion, one in class on CLASS_DAY, one revoked, one of
    another course; outside it (district K) one more. Display codes by who holds them."""
    with app.app_context():
        build_centre()
        cell = unit_by_code("H-C1")
        for username, name in (("lop.vien", "Lê Văn Lớp"), ("bi.thu.hoi", "Đỗ Thu Hồi")):
            create_user(username, name, PASSWORD, cell)
        db.session.commit()
        course = current_registry().course(COURSE)
        found = {"online": complete().code, "outside": complete("ban.ngoai").code}
        found["in_class"] = completions.issue(
            find_user("lop.vien"), course, method=completions.IN_PERSON, score=80,
            recorded_by=find_user("ttct"),
            completed_at=datetime.fromisoformat(CLASS_DAY + " 08:00")).code
        revoked = complete("bi.thu.hoi")
        found["revoked"] = revoked.code
        completions.revoke_once(revoked.id, "Ghi nhầm người học", find_user("ttct"))
        found["other_course"] = complete("lop.vien", slug="cd-2017-suy-thoai").code
        return {key: codes.display(code) for key, code in found.items()}


def ask(client, **form):
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "course": COURSE,
                                   **form})


def zip_of(client, job_id: int) -> zipfile.ZipFile:
    response = client.get(f"/jobs/{job_id}/download")
    assert response.status_code == 200, response.status_code
    assert 'filename=certificates-cd-2016-toan-khoa-' in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.data))


def job_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Job))


def test_a_class_gets_one_zip_of_its_valid_certificates(make_app, clock):
    app = make_app(JOBS_RESULT_HOURS=1 / 3600)      # the file is kept for one second
    code = build_class(app)
    verifier = signed_in(app, "ttct")
    offer = verifier.get(f"{PAGE}?course={COURSE}")
    assert offer.status_code == 200 and "Chứng nhận của một lớp" in offer.get_data(as_text=True)
    assert PAGE in verifier.get("/centre/completions").get_data(as_text=True)

    job_id = job_id_from(ask(verifier))
    # Pressed again while it waits: the same job, nothing queued twice.
    assert job_id_from(ask(verifier)) == job_id and job_count(app) == 1
    waiting = verifier.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Đang chờ" in waiting and 'http-equiv="refresh"' in waiting

    [job] = run_queued_jobs(app)
    assert (job.status, job.done, job.total) == ("done", 2, 2), job.error
    page = verifier.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f"/jobs/{job_id}/download" in page and "Tệp được giữ đến" in page
    bundle = zip_of(verifier, job_id)
    assert sorted(bundle.namelist()) == sorted([
        f"le-van-lop-{code['in_class']}.pdf", f"nguyen-thi-anh-tuyet-{code['online']}.pdf"])
    text = " ".join(page.extract_text() for page in PdfReader(
        io.BytesIO(bundle.read(f"nguyen-thi-anh-tuyet-{code['online']}.pdf"))).pages)
    # The same renderer as the single certificate: the name, the code, the verify link.
    assert "Nguyễn Thị Ánh Tuyết" in text and code["online"] in text
    assert f"/verify/{code['online']}" in text.replace("\n", "")
    # Only the person who asked gets the file.
    assert signed_in(app, "hoc.vien").get(f"/jobs/{job_id}/download").status_code == 404

    # Finished: asking again is new work (completions may have been added since).
    assert job_id_from(ask(verifier)) != job_id and job_count(app) == 2

    clock.advance(1.1)
    with app.app_context():
        jobs.housekeeping()
    assert not Path(job.result_path).exists()
    assert verifier.get(f"/jobs/{job_id}/download").status_code == 404
    assert "đã hết hạn" in verifier.get(f"/jobs/{job_id}").get_data(as_text=True)


def test_an_in_person_session_and_the_units_filter(make_app):
    app = make_app()
    code = build_class(app)
    verifier = signed_in(app, "ttct")
    session = job_id_from(ask(verifier, method="in_person", since=CLASS_DAY, until=CLASS_DAY))
    cell = job_id_from(ask(verifier, unit="H-C1", method="online"))
    empty = job_id_from(ask(verifier, method="in_person", since="2020-01-01",
                            until="2020-01-02"))
    finished = {job.id: job for job in run_queued_jobs(app)}
    assert zip_of(verifier, session).namelist() == [f"le-van-lop-{code['in_class']}.pdf"]
    assert zip_of(verifier, cell).namelist() == [
        f"nguyen-thi-anh-tuyet-{code['online']}.pdf"]
    # Nothing matches: a clear message, no empty file.
    assert finished[empty].status == "failed" and finished[empty].result_path is None
    assert "Không có chứng nhận hợp lệ nào" in verifier.get(f"/jobs/{empty}").get_data(
        as_text=True)


@pytest.mark.parametrize("form, message", [
    ({"unit": "K-C1"}, "Không có đơn vị nào mang mã này"),         # outside the scope
    ({"unit": "KHONG-CO"}, "Không có đơn vị nào mang mã này"),
    ({"course": "khong-co-khoa"}, None),                          # WTForms' own message
    ({"since": "2026-13-45"}, None),
    ({"since": "2026-03-05", "until": "2026-03-01"}, "Ngày kết thúc trước ngày bắt đầu"),
])
def test_bad_choices_get_a_clear_400_and_no_job(make_app, form, message):
    app = make_app()
    build_class(app)
    verifier = signed_in(app, "ttct")
    response = ask(verifier, **form)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'role="alert"' in body and (message is None or message in body)
    assert verifier.post(PAGE, data={"course": COURSE}).status_code == 400   # no CSRF token
    assert job_count(app) == 0


def test_pressing_in_many_tabs_at_once_makes_one_job(make_app):
    app = make_app()
    build_class(app)
    with serve(app) as base:
        tabs = signed_in_tabs(base, "ttct", PASSWORD, PAGE, 6)
        answers = race(tabs, PAGE, {"course": COURSE})
    assert {status for status, _body in answers} == {303}
    assert job_count(app) == 1
