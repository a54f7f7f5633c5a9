"""The quiz flow's four requests one by one, in-process: CPU, wall time, statements, and how
each transaction ended, per request (start, question page, autosave, submit).

    ELEARN_DATABASE_URL=postgresql+psycopg://…/copy_of_the_seed \\
        .venv/bin/python bench/quiz_steps.py [--flows 200] [--statements]

Through Flask's test client (no server), on a copy of a seeded database: each flow starts an
attempt for a person who has none, so a database serves one run. On PostgreSQL the wall time
includes the server's share of the work, which the load benchmark's two cores also carry.
"""
from __future__ import annotations

import argparse
import collections
import re
import sys
import time

from profile_routes import sign_in

STEPS = ("start", "question", "save", "submit")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--statements", action="store_true",
                        help="also print each step's statements (their first 90 characters)")
    args = parser.parse_args()

    from sqlalchemy import event, func, select

    from elearn import create_app
    from elearn.extensions import db
    from elearn.models import LessonView, QuizAttempt, User
    from elearn.registry import current_registry

    app = create_app()
    counts: collections.Counter = collections.Counter()
    texts: dict[str, list[str]] = collections.defaultdict(list)
    step = ["-"]
    with app.app_context():
        courses = [c for c in current_registry().courses.values()
                   if c.audience in ("cadre", "all") and c.quiz]
        studied = (select(LessonView.user_id).where(LessonView.studied_at.is_not(None))
                   .group_by(LessonView.user_id).having(func.count() >= 8))
        takers = list(db.session.scalars(select(User.username).where(
            User.audience == "cadre", User.id.in_(studied),
            User.id.not_in(select(QuizAttempt.user_id))).limit(args.flows + 5)))

        @event.listens_for(db.engine, "before_cursor_execute")
        def _statement(_conn, _cursor, statement, *_rest):
            counts[step[0]] += 1
            if statement not in texts[step[0]]:
                texts[step[0]].append(statement)

        @event.listens_for(db.engine, "commit")
        def _commit(_conn):
            counts[step[0] + " commit"] += 1

        @event.listens_for(db.engine, "rollback")
        def _rollback(_conn):  # SQLAlchemy's end of the session: on PostgreSQL a no-op when
            # every statement was a plain read (elearn/psycopg_reads.py: no transaction)
            counts[step[0] + " rollback"] += 1

    cpu: collections.Counter = collections.Counter()
    wall: collections.Counter = collections.Counter()

    def timed(name: str, call):
        step[0] = name
        started, used = time.perf_counter(), time.process_time()
        response = call()
        cpu[name] += time.process_time() - used
        wall[name] += time.perf_counter() - started
        step[0] = "-"
        return response

    slug = courses[0].slug
    flows = []
    for username in takers:
        client = app.test_client()
        flows.append((client, sign_in(client, username, f"/courses/{slug}/quiz/")))
    for number, (client, token) in enumerate(flows):
        if number == 5:  # the first flows warm up imports, templates and caches
            for kept in (counts, cpu, wall):
                kept.clear()
            texts.clear()
        started = timed("start", lambda: client.post(f"/courses/{slug}/quiz/start",
                                                     data={"csrf_token": token}))
        path = started.headers["Location"].rsplit("/", 1)[0]
        page = timed("question", lambda: client.get(path + "/1")).get_data(as_text=True)
        value = re.search(r'name="answer" type="(\w+)" value="([^"]*)"', page)
        answer = value.group(2) if value and value.group(1) != "text" else "Hồ Chí Minh"
        saved = timed("save", lambda: client.post(
            path + "/1", data={"csrf_token": token, "answer": answer, "go": "save"},
            headers={"Accept": "application/json"}))
        assert saved.status_code == 200, saved.status_code
        timed("submit", lambda: client.post(path + "/submit", data={"csrf_token": token}))
    measured = max(1, len(flows) - 5)
    print(f"{measured} flows on {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}")
    for name in STEPS:
        print(f"{name:9s} CPU {1000 * cpu[name] / measured:.2f} ms, wall "
              f"{1000 * wall[name] / measured:.2f} ms, {counts[name] / measured:.1f} "
              f"statements, {counts[name + ' commit'] / measured:.1f} commits, "
              f"{counts[name + ' rollback'] / measured:.1f} rollbacks")
        if args.statements:
            for statement in texts[name]:
                print("    " + " ".join(statement.split())[:90])
    return 0


if __name__ == "__main__":
    sys.exit(main())
