"""Two requests that complete a course at the same moment produce exactly one Completion:
real concurrent requests through a real threaded server, on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
import time

from sqlalchemy import func, select
from werkzeug.serving import make_server

from elearn.extensions import db
from elearn.models import AuditEntry, Completion
from elearn.services import completions
from elearn.services.accounts import create_user
from elearn.services.orgs import create_unit
from elearn.testing import Browser, write_course
from kit import ONE_LESSON_COURSE




def test_racing_requests_that_complete_a_course_create_one_record(make_app, course_root,
                                                                   monkeypatch):
    write_course(course_root, "mot-bai", course=ONE_LESSON_COURSE)
    app = make_app(COURSE_DIRS=[str(course_root)])
    with app.app_context():
        create_user("hoc.vien", "Học Viên", "mat-khau-dai", create_unit("T", "Tỉnh", "province"))
        db.session.commit()
    # Hold every request between "no completion yet" and its insert, so they truly overlap.
    sign = completions.sign
    monkeypatch.setattr(completions, "sign", lambda c: (time.sleep(0.3), sign(c))[1])

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    racers = 4
    tabs = []
    for _ in range(racers):  # four tabs of the same person, each signed in
        tab = Browser(base)
        token = tab.csrf("/login")
        assert tab.post("/login", {"csrf_token": token, "username": "hoc.vien",
                                   "password": "mat-khau-dai"}) == 302
        tabs.append((tab, tab.csrf("/courses/mot-bai/lessons/01-mot")))
    barrier, statuses = threading.Barrier(racers), []

    def study(tab, token):
        barrier.wait()
        statuses.append(tab.post("/courses/mot-bai/lessons/01-mot/studied",
                                 {"csrf_token": token}))

    threads = [threading.Thread(target=study, args=pair) for pair in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    server.shutdown()
    assert len(statuses) == racers and all(status in (302, 303) for status in statuses)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Completion)) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "completion.issued")) == 1
