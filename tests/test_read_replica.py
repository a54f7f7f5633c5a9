"""Read replica (ELEARN_READ_REPLICA_URL): dashboards and exports read a real streaming
standby of the test PostgreSQL server; a write path reads the primary; a standby that stops
answering is skipped with a warning.

Routing is proven by pausing the standby's replay: a row written on the primary afterwards
is missing from what reads the replica and present in what reads the primary. (A standby
mirrors the primary, so with replay running both would agree.)"""
from __future__ import annotations

import csv
import io
import logging
import time
from datetime import date

import pytest
from openpyxl import load_workbook

from elearn.clock import local_today
from elearn.extensions import db
from elearn.models import Role
from elearn.registry import current_registry
from elearn.services import completions
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.orgs import create_unit, unit_by_code
from elearn.services.reports import dashboard
from elearn.testing import csrf_token, job_id_from, login, run_queued_jobs

from kit import PASSWORD, make_site, pass_time, csrf, write_quiz_course

COURSE = "cd-2016-toan-khoa"
YEAR = local_today().year
AS_OF = "Số liệu tính đến"     # the dashboard's "figures as of" notice, in Vietnamese


@pytest.fixture
def on_postgres(database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("a streaming read replica is a PostgreSQL feature; SQLite has none")
    return database_url


@pytest.fixture
def standby(on_postgres, standby):  # noqa: F811  (the module's standby, PostgreSQL only)
    standby.resume_replay()
    standby.wait_for_replay()
    return standby


def province(app) -> None:
    with app.app_context():
        p = create_unit("P", "Tỉnh", "province")
        a = create_unit("A", "Huyện A", "district", p)
        grant_role(create_user("officer", "Cán bộ tuyên giáo", PASSWORD, p), Role.OFFICER, p)
        for username in ("a1", "a2"):
            create_user(username, f"Người {username}", PASSWORD, a)
        completions.create(find_user("a1"), current_registry().course(COURSE),
                           method="online", score=90)
        db.session.commit()


def complete_on_primary(app, username: str) -> None:
    with app.app_context():
        completions.create(find_user(username), current_registry().course(COURSE),
                           method="online", score=95)
        db.session.commit()


def completed(app) -> int:
    with app.app_context():
        return dashboard(unit_by_code("P"), course=COURSE, year=YEAR).total.completed


def eventually(check, seconds: float = 10) -> None:
    """Run `check` again for a few seconds until it is true: under a loaded machine the
    standby's answer has been seen to trail its reported replay position for a moment
    (1 run in 3 of the whole suite on two workers), after `wait_for_replay`."""
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.1)


def completed_on_replica(app, expected: int) -> int:
    """`completed` once it is `expected` (see `eventually`), or as it is then."""
    eventually(lambda: completed(app) == expected)
    return completed(app)


def test_dashboard_and_csv_export_read_the_replica_and_say_as_of_when_it_lags(
        make_app, standby, on_postgres):
    replicated = make_app(READ_REPLICA_URL=standby.url(on_postgres),
                          READ_REPLICA_LAG_NOTICE_SECONDS=0)
    primary_only = make_app()
    province(primary_only)
    standby.wait_for_replay()
    assert completed_on_replica(replicated, 1) == completed(primary_only) == 1

    standby.pause_replay()
    try:
        complete_on_primary(primary_only, "a2")
        assert completed(primary_only) == 2
        assert completed(replicated) == 1, "the dashboard service did not read the replica"

        client = replicated.test_client()
        login(client, "officer", PASSWORD)
        page = client.get(f"/dashboard/?unit=P&course={COURSE}&year={YEAR}")
        assert page.status_code == 200
        assert AS_OF in page.get_data(as_text=True)
        export = client.get(f"/dashboard/export/completions.csv?unit=P&year={YEAR}")
        assert export.status_code == 200
        rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
        assert [row[1] for row in rows[1:]] == ["a1"], "the export did not read the replica"
        missing = client.get(f"/dashboard/missing?unit=P&course={COURSE}&year={YEAR}")
        assert "Người a2" in missing.get_data(as_text=True)   # not yet completed, there
        # XLSX is prepared by a job: the worker reads the replica too (and counts there).
        path = f"/dashboard/export/completions.xlsx?unit=P&year={YEAR}"
        job = job_id_from(client.post(path, data={"csrf_token": csrf_token(client, path)}))
        run_queued_jobs(replicated)
        sheet = load_workbook(io.BytesIO(client.get(f"/jobs/{job}/download").data)).active
        assert [row[1] for row in list(sheet.values)[1:]] == ["a1"]
    finally:
        standby.resume_replay()
    standby.wait_for_replay()
    assert completed(replicated) == 2
    # Caught up: no notice at the default threshold. (At 0 s, the other tests' writes on
    # the shared primary, not yet replayed at that very instant, would count as lag.)
    current = make_app(READ_REPLICA_URL=standby.url(on_postgres)).test_client()
    login(current, "officer", PASSWORD)
    page = current.get(f"/dashboard/?unit=P&course={COURSE}&year={YEAR}").get_data(as_text=True)
    assert AS_OF not in page and "Huyện A" in page


def test_a_learners_own_progress_after_a_write_is_read_from_the_primary(
        make_app, course_root, standby, on_postgres):
    write_quiz_course(course_root, "khoa-quiz")
    site = make_site(make_app, course_root, READ_REPLICA_URL=standby.url(on_postgres))
    client = site.test_client()
    client.set_cookie("lang", "en")
    login(client, "hocvien", PASSWORD)
    lesson = "/courses/khoa-quiz/lessons/01-mot"
    client.get(lesson)
    pass_time(site)
    standby.wait_for_replay()
    standby.pause_replay()
    try:
        studied = client.post(f"{lesson}/studied",
                              data={"csrf_token": csrf(client, lesson), "go": "stay"})
        assert studied.status_code in (200, 303)
        assert "1 of 2 lessons studied" in client.get("/").get_data(as_text=True)
        with site.app_context():   # the dashboard, meanwhile, reads the paused replica
            board = dashboard(unit_by_code("T"), course="khoa-quiz", year=YEAR)
            assert board.total.lessons_studied == 0
    finally:
        standby.resume_replay()


def test_a_stopped_replica_falls_back_to_the_primary_with_a_warning(
        make_app, standby, on_postgres, caplog, monkeypatch):
    # Not retried within this test however slow the machine: the warning is logged once.
    monkeypatch.setattr("elearn.services.read_replica.DOWN_RETRY_SECONDS", 600.0)
    replicated = make_app(READ_REPLICA_URL=standby.url(on_postgres))
    province(replicated)
    standby.wait_for_replay()
    assert completed_on_replica(replicated, 1) == 1
    standby.stop()
    try:
        complete_on_primary(replicated, "a2")
        with caplog.at_level(logging.WARNING, logger="elearn.services.read_replica"):
            assert completed(replicated) == 2
            client = replicated.test_client()
            login(client, "officer", PASSWORD)
            page = client.get(f"/dashboard/?unit=P&course={COURSE}&year={YEAR}")
            assert page.status_code == 200 and AS_OF not in page.get_data(as_text=True)
            export = client.get(f"/dashboard/export/completions.csv?unit=P&year={YEAR}")
            assert export.status_code == 200 and "a2" in export.get_data(as_text=True)
        warnings = [r for r in caplog.records if "read replica unavailable" in r.getMessage()]
        assert len(warnings) == 1    # once, not per request
    finally:
        standby.start()


def test_a_replica_of_a_database_that_is_not_postgresql_is_refused_at_start(tmp_path):
    from elearn import create_app
    from elearn.testing import base_config

    with pytest.raises(ValueError, match="ELEARN_DATABASE_URL is sqlite"):
        create_app(base_config(f"sqlite:///{tmp_path / 'x.sqlite3'}",
                               READ_REPLICA_URL="postgresql+psycopg://elearn@127.0.0.1/x"))
    with pytest.raises(ValueError, match="ELEARN_READ_REPLICA_URL is sqlite"):
        create_app(base_config("postgresql+psycopg://elearn@127.0.0.1/x",
                               READ_REPLICA_URL=f"sqlite:///{tmp_path / 'y.sqlite3'}"))


def test_every_dashboard_export_and_the_pledge_bundles_work_on_the_replica(
        make_app, standby, on_postgres):
    from elearn.services.exports import DATASETS
    from kit import build_world

    app = make_app(READ_REPLICA_URL=standby.url(on_postgres))
    with app.app_context():
        build_world()
    standby.wait_for_replay()
    officer = app.test_client()
    login(officer, "role.officer", PASSWORD)
    eventually(lambda: len(officer.get(f"/dashboard/export/completions.csv?unit=A&year={YEAR}")
                           .get_data(as_text=True).splitlines()) >= 2)
    for dataset in DATASETS:
        response = officer.get(f"/dashboard/export/{dataset}.csv?unit=A&year={YEAR}")
        assert response.status_code == 200, dataset
        assert len(response.get_data(as_text=True).splitlines()) >= 2, dataset
    reviewer = app.test_client()
    login(reviewer, "role.reviewer", PASSWORD)
    xlsx = reviewer.get(f"/review/export.xlsx?unit=A&year={YEAR}")
    assert xlsx.status_code == 200
    assert "Người A" in {cell for row in load_workbook(io.BytesIO(xlsx.data)).active.values
                         for cell in row}
    assert reviewer.get(f"/review/export.pdf?unit=A&year={YEAR}").status_code == 200
