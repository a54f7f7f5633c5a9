"""A multi-host deployment on this machine (`scripts/stack`): nginx in front of two gunicorn
app servers, one job worker, PostgreSQL and Redis, all real processes on 127.0.0.1.

Through nginx only, it shows that the servers share their state (rate-limit counts, the
cached dashboard, the job queue) and that killing one app server with SIGKILL under a stream
of writes loses no write that was acknowledged. One test, because it kills a server: the
phases share one stack (starting it takes ~30 s) and run in this order.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from elearn import create_app
from elearn.extensions import db
from elearn.models import FormSubmission, Invitation, Job, Unit, User
from elearn.services import reports
from elearn.testing import PROJECT_ROOT, Browser, base_config

from kit import PASSWORD, build_world

pytestmark = pytest.mark.slow

STACK = PROJECT_ROOT / "scripts" / "stack"
LOOKUPS_PER_MINUTE = 10


def _require(program: str) -> None:
    if shutil.which(program) is None and not Path("/usr/sbin", program).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{program} is missing: CI installs it (.ci/run)")
        pytest.skip(f"{program} is not installed")


def _stack(command: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(STACK), command], env=env, capture_output=True,
                          text=True, timeout=240)


@pytest.fixture
def stack(tmp_path, monkeypatch):
    for program in ("nginx", "redis-server", "gunicorn"):
        if program == "gunicorn":
            pytest.importorskip("gunicorn")
        else:
            _require(program)
    env = {**os.environ, "ELEARN_STACK_DIR": str(tmp_path / "stack"),
           "ELEARN_VERIFY_LOOKUPS_PER_MINUTE": str(LOOKUPS_PER_MINUTE),
           "ELEARN_DASHBOARD_CACHE_SECONDS": "600", "STACK_PYTHON": sys.executable}
    started = _stack("start", env)
    try:
        assert started.returncode == 0, started.stderr + _logs(tmp_path / "stack")
        again = _stack("start", env)  # idempotent: the running stack, not a second one
        assert again.returncode == 0 and again.stdout == started.stdout
        state = json.loads((tmp_path / "stack" / "stack.json").read_text())
        # This process reaches the same database and keys as the servers (to seed, to check).
        monkeypatch.setenv("ELEARN_INSTANCE_PATH", str(tmp_path / "stack" / "instance"))
        app = create_app(base_config(state["database_url"]))
        with app.app_context():
            build_world()
            db.session.commit()
        yield state, app
    finally:
        stopped = _stack("stop", env)
        assert stopped.returncode == 0, stopped.stderr
        assert _stack("status", env).returncode == 3


def _logs(folder: Path) -> str:
    return "".join(f"\n== {log.name}\n{log.read_text(errors='replace')[-1500:]}"
                   for log in sorted((folder / "logs").glob("*.log")))


def _on(browser: Browser, host: str, path: str):
    """GET `path` from `host`, and only from it: nginx takes turns between the two servers
    (one nginx worker, one request at a time), so a cheap page answered by the other server
    first makes the next request go to `host`."""
    for _ in range(4):
        if browser.open("GET", "/login").headers.get("X-Elearn-Host") != host:
            break
    answer = browser.open("GET", path)
    assert answer.headers.get("X-Elearn-Host") == host, answer.headers
    return answer


def test_two_app_servers_behind_nginx_share_state_and_lose_no_acknowledged_write(stack):
    state, app = stack
    base = state["url"]
    _rate_limit_is_counted_across_both_servers(base)
    _dashboard_cached_by_one_server_is_served_by_the_other(base, app)
    _a_job_sent_through_both_servers_is_done_exactly_once(base, app)
    _killing_a_server_under_writes_loses_no_acknowledged_write(base, app, state)


def _rate_limit_is_counted_across_both_servers(base: str) -> None:
    browser = Browser(base)
    hosts, statuses = [], []
    for n in range(LOOKUPS_PER_MINUTE + 1):
        # A forged X-Forwarded-For does not make a new client: the app trusts only the
        # address nginx appends (ELEARN_PROXY_FIX_X_FOR=1).
        answer = browser.open("GET", "/api/v1/verify/KHONG-CO", headers={
            "X-Forwarded-For": f"10.0.0.{n}"})
        hosts.append(answer.headers.get("X-Elearn-Host"))
        statuses.append(answer.status)
    assert set(hosts[:LOOKUPS_PER_MINUTE]) == {"app1", "app2"}, hosts
    # Each server alone saw only about half the lookups: only shared counts trip the limit.
    assert 429 not in statuses[:LOOKUPS_PER_MINUTE], statuses
    assert statuses[LOOKUPS_PER_MINUTE] == 429, statuses
    # …and the other server refuses too.
    assert browser.open("GET", "/api/v1/verify/KHONG-CO").status == 429


def _dashboard_cached_by_one_server_is_served_by_the_other(base: str, app) -> None:
    officer = Browser(base)
    officer.login("role.officer", PASSWORD)
    path = "/dashboard/export/summary.csv"
    first = _on(officer, "app1", path)
    assert first.status == 200, first.text[:300]
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == "A-1"))
        district = unit.parent
        before = reports.dashboard(district, course=None, year=_year(), audience="all")
        from elearn.services.accounts import create_user
        create_user("nguoi.moi", "Người Mới", PASSWORD, unit)
        db.session.commit()
        after = reports.dashboard(district, course=None, year=_year(), audience="all")
    assert after.total.people == before.total.people + 1  # a fresh figure would differ
    second = _on(officer, "app2", path)
    assert second.status == 200
    assert second.text == first.text  # app2 served the figures app1 cached in Redis


def _year() -> int:
    from elearn.clock import local_today

    return local_today().year


def _multipart(data: bytes, csrf: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    body.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
               f"{csrf}\r\n".encode())
    body.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
               f"filename=\"people.csv\"\r\nContent-Type: text/csv\r\n\r\n".encode())
    body.write(data + f"\r\n--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


def _post_file(browser: Browser, path: str, data: bytes, csrf: str):
    import http.client

    body, content_type = _multipart(data, csrf)
    address = urlsplit(browser.base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    try:
        connection.request("POST", path, body=body, headers={
            "Content-Type": content_type, "Cookie": cookie, "User-Agent": "elearn-test"})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location"), response.getheader(
            "X-Elearn-Host")
    finally:
        connection.close()


def _a_job_sent_through_both_servers_is_done_exactly_once(base: str, app) -> None:
    admin = Browser(base)
    admin.login("role.admin", PASSWORD)
    csrf = admin.csrf("/admin/people/import")
    people = ("full_name,unit_code,position,type,email,phone\n" + "".join(
        f"Nhân Viên {n},A-1,Đảng viên,party_member,stack{n}@example.vn,\n" for n in range(5))
    ).encode()
    answers = []
    # The same file from the same person: one idempotency key. Sent until both servers
    # have taken it (nginx takes turns, so two or three sends).
    while {host for *_, host in answers} != {"app1", "app2"}:
        assert len(answers) < 6, answers
        answers.append(_post_file(admin, "/admin/people/import", people, csrf))
    assert all(status == 303 for status, *_ in answers), answers
    assert len({location for _, location, _ in answers}) == 1, answers
    job_id = int(answers[0][1].rstrip("/").rsplit("/", 1)[1])
    deadline = time.monotonic() + 90
    while True:
        with app.app_context():
            job = db.session.get(Job, job_id)
            status, attempts = job.status, job.attempts
            jobs = db.session.scalar(select(func.count()).select_from(Job))
            imported = db.session.scalar(select(func.count()).select_from(User).where(
                User.email.like("stack%@example.vn")))
            db.session.rollback()
        if status not in ("queued", "running") or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert (status, attempts, jobs, imported) == ("done", 1, 1, 5)


def _killing_a_server_under_writes_loses_no_acknowledged_write(base: str, app,
                                                               state: dict) -> None:
    acknowledged: list[tuple[str, float]] = []
    refused: list[int] = []
    stop_at = [time.monotonic() + 60]
    killed_at: list[float] = []
    lock = threading.Lock()

    def writer() -> None:
        admin = Browser(base)
        admin.login("role.admin", PASSWORD)
        csrf = admin.csrf("/admin/invitations/")
        while time.monotonic() < stop_at[0]:
            key = uuid.uuid4().hex
            form = {"csrf_token": csrf, "unit_code": "A-1", "audience": "cadre",
                    "max_uses": "3", "days": "7", "request_key": key}
            # A client resends what got no answer (same key: a duplicate, not a new write).
            for _attempt in range(3):
                try:
                    status = admin.open("POST", "/admin/invitations/", form).status
                except OSError:
                    status = 0
                if 200 <= status < 400:
                    with lock:
                        acknowledged.append((key, time.monotonic()))
                    break
                with lock:
                    refused.append(status)

    writers = [threading.Thread(target=writer) for _ in range(4)]
    for thread in writers:
        thread.start()
    time.sleep(3)
    os.killpg(state["pids"]["app2"], signal.SIGKILL)
    killed_at.append(time.monotonic())
    time.sleep(4)
    stop_at[0] = time.monotonic()
    for thread in writers:
        thread.join(120)
    assert not any(thread.is_alive() for thread in writers)

    after_kill = [key for key, at in acknowledged if at > killed_at[0] + 0.5]
    print(f"writes acknowledged: {len(acknowledged)} ({len(after_kill)} after the kill); "
          f"answers resent: {len(refused)} {sorted(set(refused))}")
    assert len(acknowledged) >= 10 and after_kill, (len(acknowledged), refused)
    keys = [key for key, _ in acknowledged]
    with app.app_context():
        claims = dict(db.session.execute(select(FormSubmission.key, FormSubmission.result_id)
                                         .where(FormSubmission.key.in_(keys))).all())
        created = set(db.session.scalars(select(Invitation.id)))
    assert set(keys) <= set(claims), "an acknowledged write is missing"
    assert all(claims[key] in created for key in keys)
    assert len(set(claims[key] for key in keys)) == len(keys)  # one invitation per write
    # nginx goes on answering, from the server that is left.
    browser = Browser(base)
    answers = [browser.open("GET", "/login") for _ in range(4)]
    assert [a.status for a in answers] == [200] * 4
    assert {a.headers.get("X-Elearn-Host") for a in answers} == {"app1"}
