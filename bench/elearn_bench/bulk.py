"""A national-size bench province on PostgreSQL, written with COPY (`flask elearn bench seed
--copy`): 1,000,000 people and 4,000,000 completions in minutes, for the dashboard counters.

The ORM/executemany path (`seeding.seed_province`) signs every completion, grades every quiz
answer and chains an audit entry per record; at this size that alone would take hours on the
2-core machine. This path writes what the dashboards count, and nothing else:

* the unit tree of `seeding._build_units` (same shape and paths), `--units` of them;
* people spread over the cells (3 % on upper units), 8 % students, one shared password hash;
  the three bench staff accounts with their roles and memberships (so `bench.officer` signs
  in and opens the dashboard); people have no membership or learner-grant rows;
* completions, round-robin over person × course; past one per pair, re-issues (the earlier
  record revoked, generation 1) — every row with a unique code, but the signature is a
  placeholder: `flask elearn audit verify` does not pass on this data, by design;
* this year's study plan on the root and `--pledges` pledges in every status.

No lesson views, quiz attempts or audit entries. The counters are rebuilt by the seed command
afterwards (`flask elearn counters rebuild`), as an operator would after a bulk import.
"""
from __future__ import annotations

import random
import time
from datetime import date, timedelta
from typing import Any, Callable, Iterable

from sqlalchemy import select

from elearn.clock import utcnow
from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import Role, StudyPlan, Unit, User
from elearn.registry import current_registry
from elearn.services.accounts import hash_password

from . import seeding
from .seeding import (
    BENCH_PASSWORD, INSPECTOR, OFFICER, USERNAME_PREFIX, VERIFIER, SeedError, SeedReport, Sizes,
)

STATUSES = ("draft", "filed", "returned", "acknowledged", "self_assessed", "assessed")


def _copy(table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> int:
    """COPY rows into `table` inside the session's transaction (psycopg 3)."""
    raw = db.session.connection().connection.driver_connection
    count = 0
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def seed_with_copy(sizes: Sizes, *, seed: int = 2026,
                   progress: Callable[[str], None] | None = None) -> SeedReport:
    if db.engine.dialect.name != "postgresql":
        raise SeedError("--copy needs PostgreSQL (COPY); leave it out on SQLite")
    sizes.check()
    if seeding.bench_province_exists():
        raise SeedError(f"the bench province (unit {seeding.BENCH_ROOT_CODE}) already exists")
    say = progress or (lambda _line: None)
    started = time.perf_counter()
    rng = random.Random(seed)
    report = SeedReport(sizes, seeding.BENCH_ROOT_CODE)
    now = utcnow().replace(microsecond=0)
    courses = list(current_registry().courses.values())
    if not courses:
        raise SeedError("no course is loaded: the seed needs the shipped courses")

    step = time.perf_counter()
    unit_rows, _levels = seeding._build_units(rng, sizes.units, seeding._next_id(Unit), now)
    seeding._bulk(Unit, unit_rows)
    root_id = unit_rows[0]["id"]
    cells = [u["id"] for u in unit_rows if u["level"] == "cell"] or [root_id]
    upper = [u["id"] for u in unit_rows if u["level"] != "cell"]
    say(f"units: {len(unit_rows)} in {time.perf_counter() - step:.1f}s")

    step = time.perf_counter()
    password_hash = hash_password(BENCH_PASSWORD)
    first_user = seeding._next_id(User)
    width = max(5, len(str(sizes.people)))
    homes: list[int] = []
    audiences: list[str] = []

    def people_rows():
        for index in range(sizes.people):
            unit_id = rng.choice(upper) if upper and rng.random() < 0.03 else rng.choice(cells)
            audience = "student" if rng.random() < 0.08 else "cadre"
            homes.append(unit_id)
            audiences.append(audience)
            yield (first_user + index, f"{USERNAME_PREFIX}{index + 1:0{width}d}",
                   f"Người thử {index + 1}", password_hash, False, unit_id,
                   "Sinh viên" if audience == "student" else "Đảng viên", audience,
                   audience == "cadre", False, True, now)

    columns = ("id", "username", "full_name", "password_hash", "must_change_password",
               "unit_id", "position", "audience", "is_party_member", "is_leader", "active",
               "created_at")
    n_people = _copy("users", columns, people_rows())
    staff_rows, grants = [], []
    for offset, (username, name, roles) in enumerate([
            (OFFICER, "Lê Thị Thu Hà (bench)", (Role.OFFICER, Role.LEARNER)),
            (VERIFIER, "Phạm Quốc Việt (bench)", (Role.VERIFIER,)),
            (INSPECTOR, "Hoàng Văn Khải (bench)", (Role.INSPECTOR,))]):
        staff_id = first_user + sizes.people + offset
        staff_rows.append(seeding._user_row(staff_id, username, name, password_hash, root_id,
                                            "Cán bộ", "cadre", leader=False, at=now))
        grants += [{"user_id": staff_id, "unit_id": root_id, "role": role.value,
                    "granted_at": now, "granted_by_id": None} for role in roles]
    seeding._bulk(User, staff_rows)
    from elearn.models import RoleGrant, UnitMembership
    seeding._bulk(UnitMembership, ({"user_id": r["id"], "unit_id": root_id,
                                    "position": "Cán bộ", "started_at": now, "ended_at": None}
                                   for r in staff_rows))
    seeding._bulk(RoleGrant, grants)
    verifier_id = staff_rows[1]["id"]
    say(f"people: {n_people} (+3 staff) in {time.perf_counter() - step:.1f}s")

    step = time.perf_counter()
    first_completion = seeding._next_id(seeding.Completion)
    revoked_ids: list[int] = []
    pairs = sizes.people * len(courses)

    def completion_rows():
        for n in range(sizes.completions):
            generation, pair = divmod(n, pairs)
            person, course_index = divmod(pair, len(courses))
            course = courses[course_index]
            completion_id = first_completion + n
            # A pair re-issued later (generation + 1 exists) is revoked at this generation.
            revoked = n + pairs < sizes.completions
            if revoked:
                revoked_ids.append(completion_id)
            online = rng.random() < 0.85
            yield (completion_id, f"B{completion_id:011d}", first_user + person,
                   homes[person], course.slug, course.version, course.content_hash,
                   generation, round(rng.uniform(70, 100), 1) if online else None,
                   "online" if online else "in_person",
                   now - timedelta(days=rng.uniform(1, 700), seconds=-generation),
                   None if online else verifier_id, "", "bench-bulk-unsigned", revoked, "k1")

    columns = ("id", "code", "user_id", "unit_id", "course_slug", "course_version",
               "content_hash", "generation", "score", "method", "completed_at",
               "recorded_by_id", "note", "signature", "revoked", "key_id")
    n_completions = _copy("completions", columns, completion_rows())
    n_revocations = _copy(
        "revocations", ("completion_id", "reason", "revoked_by_id", "revoked_at", "signature",
                        "key_id"),
        ((cid, "Cấp lại (bench)", verifier_id, now, "", "k1") for cid in revoked_ids))
    db.session.commit()
    say(f"completions: {n_completions} ({n_revocations} revoked) "
        f"in {time.perf_counter() - step:.1f}s")

    step = time.perf_counter()
    year = date.today().year
    plan = StudyPlan(year=year, unit_id=root_id, title=f"Kế hoạch học tập {year} (bench)",
                     audience="cadre", courses="[]", deadline=date(year, 12, 31),
                     template=DEFAULT_TEMPLATE, created_by_id=staff_rows[0]["id"])
    db.session.add(plan)
    db.session.flush()
    filers = rng.sample(range(sizes.people), min(sizes.pledges, sizes.people))
    n_pledges = _copy(
        "pledges", ("user_id", "plan_id", "year", "status", "draft", "draft_commitment",
                    "self_assessment", "rating_comment", "is_published"),
        ((first_user + p, plan.id, year, rng.choice(STATUSES), "{}", "{}", "{}", "", False)
         for p in filers if audiences[p] == "cadre"))
    db.session.commit()
    say(f"plan and pledges: {n_pledges} in {time.perf_counter() - step:.1f}s")

    seeding._fix_sequences()
    for table in ("revocations", "pledges", "unit_memberships", "role_grants"):
        db.session.execute(seeding.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"))
    db.session.commit()
    assert db.session.scalar(select(User.id).where(User.username == OFFICER))
    report.counts = {"units": len(unit_rows), "people": n_people, "staff": 3,
                     "completions": n_completions, "revocations": n_revocations,
                     "pledges": n_pledges}
    report.notes.append("bulk COPY seed: completions are not signed and have no audit "
                        "entries; no lesson views or quiz attempts")
    report.seconds = time.perf_counter() - started
    return report
