"""Benchmark: 10,000 deadline reminders to 10,000 people, queued and sent as e-mail through
the outbox and a real Huey consumer to a local SMTP server (aiosmtpd). Not part of the test
suite.

    .venv/bin/python bench/notifications.py                    # SQLite file, 10,000 people
    .venv/bin/python bench/notifications.py --people 1000 --workers 4
    scripts/with-postgres .venv/bin/python bench/notifications.py --db postgresql

Steps: a fresh migrated database in a temporary folder; N people with an e-mail address who
chose e-mail (bulk insert); then, timed separately:

1. queue: `store.notify(...)` makes the N reminder notifications and their N outbox rows in
   one transaction, and the commit puts N messages on the Huey queue (SQLite file queue);
2. send: a Huey consumer (`--workers` threads, as `flask elearn worker` runs them) claims,
   renders (text + HTML, Vietnamese) and sends each over SMTP to aiosmtpd on 127.0.0.1.

Prints both throughputs and checks that every person got exactly one e-mail.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()

    from sqlalchemy import insert, select, func

    from elearn import create_app
    from elearn.builtins.notifications import store
    from elearn.extensions import db
    from elearn.jobqueue import EmbeddedWorker
    from elearn.models import NotificationPreference, OutboxEntry, Unit, User
    from elearn.services.orgs import create_unit
    from elearn.testing import base_config, migrate_database
    from elearn.testing.mail import MailServer

    folder = Path(tempfile.mkdtemp(prefix="elearn-bench-notify-"))
    if args.db == "postgresql":
        from sqlalchemy import create_engine, text
        admin = os.environ["ELEARN_TEST_POSTGRES_URL"]
        name = f"elearn_bench_notify_{uuid.uuid4().hex[:8]}"
        with create_engine(admin, isolation_level="AUTOCOMMIT").connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
    migrate_database(url)
    mail = MailServer().start()
    app = create_app(base_config(url, COURSE_DIRS=[], PUBLIC_URL="https://hoctap.example.vn",
                                 JOBS_QUEUE_FILE=str(folder / "queue.sqlite3"),
                                 OUTBOX_RETRY_DELAY=1, **mail.config()))
    with app.app_context():
        unit = create_unit("BENCH", "Chi bộ thử tải", "cell")
        unit_id = unit.id
        db.session.execute(insert(User), [
            {"username": f"dv{i:05d}", "full_name": f"Đảng viên số {i}",
             "email": f"dv{i:05d}@example.vn", "password_hash": "!", "unit_id": unit_id}
            for i in range(args.people)])
        db.session.commit()
        ids = list(db.session.scalars(select(User.id).where(User.unit_id == unit_id)))
        db.session.execute(insert(NotificationPreference), [
            {"user_id": user_id, "kinds_off": [], "channel": "email", "language": "",
             "quiet_start": "", "quiet_end": ""} for user_id in ids])
        db.session.commit()

        started = time.perf_counter()
        made = store.notify(db.session, "reminder", "reminder:plan:1:d3", ids,
                            {"days": 3, "title": "Chuyên đề 2026", "deadline": "2026-12-31"},
                            "/pledges/2026")
        db.session.commit()
        queued_seconds = time.perf_counter() - started
        queued = db.session.scalar(select(func.count()).select_from(OutboxEntry))
    assert len(made) == queued == args.people, (len(made), queued)

    started = time.perf_counter()
    with EmbeddedWorker(app, workers=args.workers):
        while True:
            with app.app_context():
                left = db.session.scalar(select(func.count()).select_from(OutboxEntry).where(
                    OutboxEntry.status.in_(("pending", "sending"))))
            if not left:
                break
            time.sleep(0.2)
        sent_seconds = time.perf_counter() - started
    with app.app_context():
        failed = db.session.scalar(select(func.count()).select_from(OutboxEntry).where(
            OutboxEntry.status == "failed"))
    received = mail.messages
    mail.stop()
    recipients = {message["To"] for message in received}
    print(f"database: {args.db}; people: {args.people}; consumer threads: {args.workers}")
    print(f"queue:  {args.people} notifications + outbox rows + queue messages in "
          f"{queued_seconds:.1f} s = {args.people / queued_seconds:,.0f} per second")
    print(f"send:   {len(received)} e-mails over SMTP in {sent_seconds:.1f} s = "
          f"{len(received) / sent_seconds:,.0f} per second; failed: {failed}")
    print(f"once each: {len(received) == len(recipients) == args.people}")


if __name__ == "__main__":
    main()
