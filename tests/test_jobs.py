"""The job queue, end to end: Huey on its real SQLite queue (and on a real Redis server),
a real consumer (threads, or a `flask elearn worker` process that is killed), both databases.
"""
from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from werkzeug.serving import make_server

from elearn.extensions import db
from elearn.jobqueue import EmbeddedWorker, queue
from elearn.models import Job, Role, RoleGrant, Unit, UnitMembership, User
from elearn.services import imports, job_handlers, jobs
from elearn.services.accounts import create_user, grant_role
from elearn.services.orgs import unit_by_code
from elearn.testing import (
    PROJECT_ROOT, Browser, csrf_token, job_id_from, run_queued_jobs, signed_in_client,
    wait_until_finished,
)

from kit import PASSWORD

HEADER = "full_name,unit_code,position,type,email,phone\n"


def people_csv(count: int, unit: str = "A-1", prefix: str = "nv") -> bytes:
    rows = [f"Nhân Viên {n},{unit},Đảng viên,party_member,{prefix}{n}@example.vn,"
            for n in range(count)]
    return (HEADER + "\n".join(rows) + "\n").encode()


def signed_in(app, username: str):
    return signed_in_client(app, username, PASSWORD)


def upload(client, data: bytes, dry_run: bool = False):
    form = {"csrf_token": csrf_token(client, "/admin/people/import"),
            "file": (io.BytesIO(data), "people.csv")}
    if dry_run:
        form["dry_run"] = "y"
    return client.post("/admin/people/import", data=form, content_type="multipart/form-data")


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def imported_people(app, prefix: str = "nv") -> int:
    return count(app, User, User.email.like(f"{prefix}%@example.vn"))


def queued_messages(app) -> int:
    """Job messages waiting on the queue (not the periodic housekeeping task)."""
    return sum(1 for task in queue(app).huey.pending() if task.name.endswith("run_job"))


def job_row(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def test_a_web_import_is_queued_then_run_by_a_real_consumer(app, world):
    admin = signed_in(app, "role.admin")
    job_id = job_id_from(upload(admin, people_csv(3)))
    waiting = admin.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Đang chờ" in waiting and 'http-equiv="refresh"' in waiting
    assert imported_people(app) == 0          # the request only stored the file

    [job] = run_queued_jobs(app)
    assert (job.status, job.done, job.total, job.attempts) == ("done", 3, 3, 1)
    page = admin.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Đã kết thúc" in page and page.count("Mật khẩu tạm") == 3
    assert 'http-equiv="refresh"' not in page
    assert imported_people(app) == 3
    with app.app_context():
        assert db.session.get(Job, job_id).input is None    # the upload is not kept
    # Only the person who asked sees it (the report holds temporary passwords).
    assert signed_in(app, "role.verifier").get(f"/jobs/{job_id}").status_code == 404
    assert "Nhập danh sách người dùng" in admin.get("/jobs/").get_data(as_text=True)
    assert admin.get("/admin/jobs?status=done").status_code == 200
    assert admin.get("/admin/jobs?status=nonsense").status_code == 400


def test_duplicate_requests_make_one_job_and_one_message(app, world):
    data = people_csv(5)
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.username == "role.admin"))
        paths = [db.session.scalar(select(Unit.path).where(Unit.code == "A"))]

    def submit(_n: int) -> int:
        # What the import page submits for this admin, eight times at once.
        with app.app_context():
            return job_handlers.submit_people_import(
                data, dry_run=False, requested_by=db.session.get(User, admin_id),
                scope_paths=paths, locale="vi").id

    with ThreadPoolExecutor(8) as pool:
        ids = set(pool.map(submit, range(8)))
    web = job_id_from(upload(signed_in(app, "role.admin"), data))
    assert ids == {web} and count(app, Job) == 1
    assert queued_messages(app) == 1
    [job] = run_queued_jobs(app)
    assert job.status == "done" and imported_people(app) == 5
    # Asking again for work that is done returns the finished job; nothing runs twice.
    assert job_id_from(upload(signed_in(app, "role.admin"), data)) == web
    assert queued_messages(app) == 0 and imported_people(app) == 5


def test_an_error_in_the_middle_is_retried_and_leaves_one_consistent_result(
        app, world, monkeypatch):
    real_hash, calls = imports.hash_temporary_password, []

    def fails_once_midway(password: str) -> str:
        calls.append(password)
        if len(calls) == 10:
            raise OSError("the disk went away")
        return real_hash(password)

    monkeypatch.setattr(imports, "hash_temporary_password", fails_once_midway)
    job_id = job_id_from(upload(signed_in(app, "role.admin"), people_csv(20)))
    [job] = run_queued_jobs(app)
    assert (job.id, job.status, job.attempts, job.error) == (job_id, "done", 2, None)
    assert len(calls) == 30                                  # 9 + the failure, then 20
    assert imported_people(app) == 20
    people = select(User.id).where(User.email.like("nv%@example.vn"))
    assert count(app, UnitMembership, UnitMembership.user_id.in_(people)) == 20
    assert count(app, RoleGrant, RoleGrant.user_id.in_(people)) == 20


def test_a_worker_killed_mid_job_leaves_nothing_and_the_job_runs_again(
        make_app, database_url, world, tmp_path, app, clock):
    """A `flask elearn worker` process is SIGKILLed while it hashes; a new worker takes the
    orphaned job once its heartbeat is stale, and the end state is the same."""
    slow = "scrypt:16384:8:1"      # ~40 ms a row, so the kill lands mid-job
    env = dict(os.environ, FLASK_APP="elearn", ELEARN_LOAD_ENTRYPOINTS="false",
               ELEARN_SQLALCHEMY_DATABASE_URI=database_url, ELEARN_COURSE_DIRS="[]",
               ELEARN_SECRET_KEY="test-secret-key",
               ELEARN_JOBS_QUEUE_FILE=app.config["JOBS_QUEUE_FILE"],
               ELEARN_JOBS_DIR=app.config["JOBS_DIR"], ELEARN_TEMPORARY_PASSWORD_HASH=slow,
               ELEARN_INSTANCE_PATH=str(tmp_path / "instance"))
    with app.app_context():
        job_id = job_handlers.submit_people_import(people_csv(150), dry_run=False,
                                                   requested_by=None, scope_paths=None,
                                                   locale="vi").id
    worker = subprocess.Popen([sys.executable, "-m", "flask", "elearn", "worker",
                               "--workers", "1"], cwd=PROJECT_ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job = job_row(app, job_id)
            if job.status == "running" and job.done >= 20:
                break
            assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
            time.sleep(0.05)
        else:
            pytest.fail("the worker never started the job")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
    orphan = job_row(app, job_id)
    assert orphan.status == "running" and orphan.done < 150
    assert imported_people(app) == 0                     # nothing half-written

    successor = make_app(JOBS_STALE_SECONDS=1, TEMPORARY_PASSWORD_HASH=slow)
    clock.advance(1.2)
    [job] = run_queued_jobs(successor, timeout=90)
    assert (job.status, job.attempts, job.done, job.total) == ("done", 2, 150, 150)
    assert imported_people(app) == 150


def test_failures_are_shown_on_the_admin_jobs_page(make_app, database_url, world, monkeypatch):
    app = make_app(JOBS_RETRIES=1)
    admin = signed_in(app, "role.admin")
    bad = people_csv(2) + "Người Lạ,NOWHERE,,party_member,la@example.vn,\n".encode()
    rejected = job_id_from(upload(admin, bad))

    def broken(password: str) -> str:
        raise RuntimeError("ổ đĩa đầy")

    monkeypatch.setattr(imports, "hash_temporary_password", broken)
    crashing = job_id_from(upload(admin, people_csv(2, prefix="other")))
    run_queued_jobs(app)
    assert job_row(app, rejected).attempts == 1            # bad rows are not retried
    assert job_row(app, crashing).attempts == 2            # one retry, then failed
    listing = admin.get("/admin/jobs?status=failed").get_data(as_text=True)
    assert "Có 1 lỗi: chưa nhập dữ liệu nào." in listing
    assert "RuntimeError: ổ đĩa đầy" in listing
    # The person who asked sees which line is wrong.
    page = admin.get(f"/jobs/{rejected}").get_data(as_text=True)
    assert "NOWHERE" in page and "Thất bại" in page
    assert imported_people(app) == 0 and imported_people(app, "other") == 0
    # Only administrators see the jobs page, and only the jobs of their own subtree.
    assert signed_in(app, "role.officer").get("/admin/jobs").status_code == 403
    with app.app_context():
        other = create_user("admin.b", "Quản trị B", PASSWORD, unit_by_code("B-1"))
        grant_role(other, Role.ADMIN, unit_by_code("B"))
        db.session.commit()
    elsewhere = signed_in(app, "admin.b").get("/admin/jobs").get_data(as_text=True)
    assert "ổ đĩa đầy" not in elsewhere and "Không có tác vụ nào." in elsewhere


def test_others_keep_signing_in_and_writing_during_a_big_import(app, world):
    """Real HTTP through a real threaded server while a real consumer imports."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    statuses, during = [], 0
    try:
        with app.app_context():
            job_id = job_handlers.submit_people_import(people_csv(1500), dry_run=False,
                                                       requested_by=None, scope_paths=None,
                                                       locale="vi").id
        with EmbeddedWorker(app):
            while True:
                running = job_row(app, job_id).status in ("queued", "running")
                browser = Browser(base)
                token = browser.csrf("/login")
                signed = browser.post("/login", {"csrf_token": token,
                                                 "username": "role.officer",
                                                 "password": PASSWORD})
                token = browser.csrf("/profile/")
                wrote = browser.post("/language", {"csrf_token": token, "language": "en",
                                                   "next": "/"})
                statuses.append((signed, wrote))
                during += running
                if not running:
                    break
            wait_until_finished(app)
    finally:
        server.shutdown()
    assert during >= 3, "the import finished before anyone else could ask"
    assert set(statuses) == {(302, 302)}, statuses
    assert job_row(app, job_id).status == "done" and imported_people(app) == 1500


def test_an_xlsx_export_is_prepared_by_a_job_and_expires(make_app, world, clock):
    app = make_app(JOBS_RESULT_HOURS=1 / 3600)      # the file is kept for one second
    officer = signed_in(app, "role.officer")
    offer = officer.get("/dashboard/export/completions.xlsx?unit=A")
    assert offer.status_code == 200 and "Chuẩn bị tệp" in offer.get_data(as_text=True)
    token = csrf_token(officer, "/dashboard/export/completions.xlsx?unit=A")
    job_id = job_id_from(officer.post("/dashboard/export/completions.xlsx?unit=A",
                                      data={"csrf_token": token}))
    assert officer.post("/dashboard/export/completions.xlsx?unit=B",
                        data={"csrf_token": token}).status_code == 403
    assert officer.post("/dashboard/export/completions.xlsx?unit=A").status_code == 400
    [job] = run_queued_jobs(app)
    assert job.status == "done" and job.total == 1
    page = officer.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f"/jobs/{job_id}/download" in page
    download = officer.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    assert 'filename=completions-A-' in download.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(download.data)).active.values)
    assert rows[0][0] == "Họ và tên" and [row[1] for row in rows[1:]] == ["nguoi.a"]
    assert signed_in(app, "role.inspector").get(f"/jobs/{job_id}/download").status_code == 404

    clock.advance(1.1)
    with app.app_context():
        jobs.housekeeping()      # the periodic task
        assert db.session.get(Job, job_id).result_path is None
    assert not Path(job.result_path).exists()
    assert officer.get(f"/jobs/{job_id}/download").status_code == 404
    assert "đã hết hạn" in officer.get(f"/jobs/{job_id}").get_data(as_text=True)


def test_the_command_line_import_waits_prints_and_works_without_a_worker(app, world,
                                                                         tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(people_csv(3))
    bad.write_bytes(people_csv(1, prefix="x") + b"Ai Do,NOWHERE,,cadre,ai@example.vn,\n")
    runner = app.test_cli_runner()
    checked = runner.invoke(args=["elearn", "people", "import", str(bad), "--dry-run"])
    assert checked.exit_code == 1 and "line 3" in checked.output
    done = runner.invoke(args=["elearn", "people", "import", str(good)])
    assert done.exit_code == 0, done.output
    assert done.output.count("temporary password:") == 3 and "imported 3 row(s)" in done.output
    assert "job 2: done 3/3" in done.output
    assert imported_people(app) == 3
    queued = runner.invoke(args=["elearn", "people", "import", str(good).replace(
        "good", "good"), "--no-wait", "--dry-run"])
    assert queued.exit_code == 0 and "queued" in queued.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing: CI installs it (.ci/run)")
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


def test_the_same_jobs_run_on_redis(make_app, world, redis_url):
    app = make_app(REDIS_URL=redis_url)
    assert type(queue(app).huey).__name__ == "RedisHuey"
    admin = signed_in(app, "role.admin")
    job_id = job_id_from(upload(admin, people_csv(4)))
    assert job_id_from(upload(admin, people_csv(4))) == job_id
    assert queued_messages(app) == 1
    [job] = run_queued_jobs(app)
    assert job.status == "done" and imported_people(app) == 4
