"""Profile one benchmark scenario in-process with pyinstrument (pip install pyinstrument).

    ELEARN_DATABASE_URL=sqlite:///bench/results/copy.sqlite3 \\
        .venv/bin/python bench/profile_routes.py lesson [--requests 300] [--html out.html]
    … bench/profile_routes.py lesson --flat 25     # cProfile: calls and CPU ms per request

From a worktree whose venv is installed from another checkout, put the worktree first:
PYTHONPATH=. (the script's own folder, bench/, is first on sys.path, not the project).

Scenarios: lesson, verify, quiz, dashboard (as in bench/run.py, through Flask's test client:
no server, no network, so the profile shows only the app's own time). Use a copy of a
seeded database: the quiz scenario writes attempts.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "bench-hoctap-2026"


def sign_in(client, username: str, page: str) -> str:
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": username,
                                           "password": PASSWORD})
    assert response.status_code in (302, 303), response.status_code
    return CSRF.search(client.get(page).get_data(as_text=True)).group(1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=("lesson", "verify", "quiz", "dashboard"))
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    parser.add_argument("--flat", type=int, metavar="N",
                        help="instead: cProfile, the N functions with the most own time")
    parser.add_argument("--callers", metavar="REGEX",
                        help="with --flat: also who calls the functions matching REGEX")
    args = parser.parse_args()
    os.environ.setdefault("ELEARN_VERIFY_LOOKUPS_PER_MINUTE", "1000000000")

    from pyinstrument import Profiler
    from sqlalchemy import func, select

    from elearn import create_app
    from elearn.extensions import db
    from elearn.models import Completion, LessonView, QuizAttempt, User
    from elearn.registry import current_registry

    app = create_app()
    client = app.test_client()
    with app.app_context():
        courses = [c for c in current_registry().courses.values()
                   if c.audience in ("cadre", "all") and c.quiz]
        lessons = [f"/courses/{c.slug}/lessons/{lesson.slug}" for c in courses
                   for lesson in c.lessons]
        learner = db.session.scalar(select(User.username).where(
            User.audience == "cadre", User.username.like("bench.u%"),
            User.id.in_(select(Completion.user_id))).order_by(User.id))
        studied = (select(LessonView.user_id).where(LessonView.studied_at.is_not(None))
                   .group_by(LessonView.user_id).having(func.count() >= 8))
        takers = list(db.session.scalars(select(User.username).where(
            User.audience == "cadre", User.id.in_(studied),
            User.id.not_in(select(QuizAttempt.user_id))).limit(args.requests // 4 + 5)))
        codes = list(db.session.scalars(select(Completion.code).limit(args.requests)))

    def one_quiz_flow(client, slug: str, token: str) -> None:
        start = client.post(f"/courses/{slug}/quiz/start", data={"csrf_token": token})
        path = start.headers["Location"].rsplit("/", 1)[0]
        page = client.get(path + "/1").get_data(as_text=True)
        value = re.search(r'name="answer" type="(\w+)" value="([^"]*)"', page)
        answer = value.group(2) if value and value.group(1) != "text" else "Hồ Chí Minh"
        client.post(path + "/1", data={"csrf_token": token, "answer": answer, "go": "save"},
                    headers={"Accept": "application/json"})
        client.post(path + "/submit", data={"csrf_token": token})

    if args.scenario == "lesson":
        sign_in(client, learner, lessons[0])
        work = [lambda p=p: client.get(p) for p in lessons] * (args.requests // len(lessons))
    elif args.scenario == "verify":
        # As in the load run (2,000 codes round robin): each code is looked up again.
        work = [lambda c=c: client.get(f"/api/v1/verify/{c}") for c in codes[:30]] * 10
    elif args.scenario == "dashboard":
        sign_in(client, "bench.officer", "/profile/")
        work = [lambda: client.get("/dashboard/?unit=BENCH")] * max(1, args.requests // 50)
    else:
        work = []
        for username in takers[: max(6, args.requests // 4)]:
            taker = app.test_client()
            token = sign_in(taker, username, f"/courses/{courses[0].slug}/quiz/")
            work.append(lambda c=taker, t=token: one_quiz_flow(c, courses[0].slug, t))

    for call in work[:5]:  # warm up: imports, template compilation, caches
        call()
    count = max(1, len(work) - 5) * (4 if args.scenario == "quiz" else 1)
    if args.flat:  # own time per function: where the interpreter spends it, frame by frame
        import cProfile
        import pstats
        flat = cProfile.Profile()
        cpu = time.process_time()
        flat.enable()
        for call in work[5:]:
            call()
        flat.disable()
        cpu = time.process_time() - cpu
        stats = pstats.Stats(flat)
        # CPU time and Python calls per request: fair on a shared, loaded machine, where wall
        # time measures the neighbours (cProfile roughly doubles the CPU time; compare runs
        # with each other, not with the load benchmark).
        print(f"{args.scenario}: {count} requests, {stats.total_calls / count:,.0f} Python "
              f"calls and {1000 * cpu / count:.2f} ms CPU per request (under cProfile)")
        stats.sort_stats("tottime").print_stats(args.flat)
        if args.callers:
            stats.print_callers(args.callers)
        return 0
    profiler = Profiler(interval=0.0005)
    started, cpu = time.perf_counter(), time.process_time()
    with profiler:
        for call in work[5:]:
            call()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{args.scenario}: {count} requests in {elapsed:.2f}s = "
          f"{1000 * elapsed / count:.2f} ms per request, {1000 * cpu / count:.2f} ms CPU "
          f"(one thread, no server)")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        with open(args.html, "w") as out:
            out.write(profiler.output_html())
    return 0


if __name__ == "__main__":
    sys.exit(main())
