"""Benchmark data: a realistic province of tens of thousands of people, written in bulk.

`flask elearn bench seed` (this plugin's command) calls `seed_province()`. Everything goes
through batched ``session.execute(insert(Model), rows)`` with ids assigned here (one id range
per table, the PostgreSQL sequences moved past them at the end), so 50,000 people, 200,000
completions and 150,000 quiz attempts are written in minutes, not hours. The rows are what the
services would have written, and every rule that decides a value comes from the core:

* units form one tree (province → districts → grassroots → cells) with the materialised path
  `elearn.services.orgs.create_unit` gives (``/<id>/<id>/…/``);
* every person has one valid hash from `elearn.services.accounts.hash_password` (computed
  once, shared: the password is `BENCH_PASSWORD`), a learner grant and a membership of their
  unit; the first person of each unit reviews it; `bench.officer`, `bench.verifier` and
  `bench.inspector` hold their role on the province;
* quiz attempts use the real draw (`elearn.services.quiz.draw_questions`), each answer is
  graded by its question type's `grade()`, and points, score and pass come from
  `elearn.content.scoring` (the functions the quiz service uses);
* completions are signed with `elearn.services.completions.sign` / `sign_revocation`, carry
  codes from `elearn.services.codes.new_code`, and each one has its `completion.issued` entry
  in the hash-chained audit log, hashed and authenticated with `elearn.services.audit`'s
  `canonical`, `entry_hash` and `entry_mac` (so `flask elearn audit verify` passes);
* pledges belong to this year's study plan on the province, in every status, with a
  version for each filed one.

Why not call the writing services (`completions.issue_once`, `audit.record`, `quiz.submit`)
row by row: each one is a unit of work with its own commit, a compare-and-swap on the audit
head per entry and, for completions, an evaluation of the learner's record. That is the point
of them on a live site, and a commit per row here: `audit.record` with its commit alone took
5.4 ms a row on the (loaded, shared) 2-core machine, ~20 minutes for the full seed's ~226,000
entries, where the bulk path wrote 20,000 completions with their 26,404 entries in 14 s. So the seed calls the pure functions those services are built on
(hashing, signing, grading, scoring) and writes the rows itself, in the order the services
would have; `tests/test_seeding.py` checks the result with the core's own verifiers.

A deterministic `random.Random(seed)` drives every choice, so two runs with the same sizes
build the same province (codes and the scrypt salt excepted).
"""
from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable, Iterator

from sqlalchemy import MetaData, func, insert, select, text, update

from elearn.content.pledge_template import DEFAULT_TEMPLATE, parse_template
from elearn.content.scoring import answer_points, passes, score_percent
from elearn.extensions import db
from elearn.models import (
    AuditEntry, AuditHead, Completion, LessonView, Pledge, PledgeStatus, PledgeVersion,
    QuizAnswer, QuizAttempt, Revocation, Role, RoleGrant, StudyPlan, Unit, UnitMembership, User,
)
from elearn.models.learning import AttemptState
from elearn.clock import utcnow
from elearn.registry import current_registry
from elearn.services import audit, codes, completions
from elearn.services.accounts import hash_password
from elearn.services.quiz import CLOSED_BY_SUBMIT, draw_questions

BENCH_ROOT_CODE = "BENCH"
BENCH_PASSWORD = "bench-hoctap-2026"
USERNAME_PREFIX = "bench.u"
OFFICER = "bench.officer"
VERIFIER = "bench.verifier"
INSPECTOR = "bench.inspector"
BATCH = 5000

# Bulk-written tables whose ids are assigned here (their PostgreSQL sequences are moved on).
_EXPLICIT_ID_TABLES = ("units", "users", "quiz_attempts", "completions", "study_plans",
                       "pledges", "audit_entries")

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
          "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Thu", "Hoàng",
          "Xuân", "Kim"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Khánh",
         "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Phúc", "Phương", "Quang", "Sơn",
         "Tâm", "Thảo", "Thành", "Trang", "Tuấn", "Vân", "Việt", "Yến", "Ánh", "Đạt"]
PLACES = ["An Phú", "Bình Minh", "Cẩm Giang", "Đông Hòa", "Hòa Bình", "Hưng Thịnh", "Long Hải",
          "Mỹ Lộc", "Ngọc Lâm", "Phú Hòa", "Phước Long", "Quang Trung", "Tân Thành",
          "Thạnh Mỹ", "Thuận An", "Trung Sơn", "Vĩnh Lợi", "Xuân Hòa", "Yên Bình", "Kim Sơn"]
COMMITMENTS = [
    ("Nghiên cứu kỹ văn kiện, vận dụng vào nhiệm vụ được giao", "Quý II", "Báo cáo thu hoạch"),
    ("Giữ gìn lối sống giản dị, tiết kiệm trong công việc và gia đình", "Cả năm",
     "Chi bộ nhận xét cuối năm"),
    ("Đến đúng giờ, hoàn thành đúng hạn các việc được phân công", "Hằng tháng",
     "Sổ theo dõi công việc"),
    ("Gần dân, lắng nghe và giải quyết kiến nghị của nhân dân trong ấp", "Quý III",
     "Số kiến nghị được giải quyết"),
    ("Không vi phạm 27 biểu hiện suy thoái; tự phê bình mỗi quý", "Hằng quý",
     "Biên bản sinh hoạt chi bộ"),
]

QUIZ_POOL = 3000
"""Cadres kept for the quiz scenario: every lesson read, no attempt started."""


class SeedError(RuntimeError):
    """The province cannot be seeded as asked (the message says why)."""


@dataclass(frozen=True)
class Sizes:
    units: int = 500
    people: int = 50_000
    completions: int = 200_000
    attempts: int = 150_000
    pledges: int = 40_000

    def check(self) -> None:
        if self.units < 1 or self.people < 1:
            raise SeedError("--units and --people must be at least 1")
        if min(self.completions, self.attempts, self.pledges) < 0:
            raise SeedError("sizes cannot be negative")


@dataclass
class SeedReport:
    sizes: Sizes
    root_code: str
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def bench_province_exists() -> bool:
    return db.session.scalar(select(Unit.id).where(Unit.code == BENCH_ROOT_CODE)) is not None


def drop_and_recreate_schema() -> None:
    """Drop every table (whatever the migrations made) and migrate the empty database."""
    from flask_migrate import upgrade

    db.session.remove()
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        metadata = MetaData()
        metadata.reflect(bind=engine)
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                connection.execute(text("PRAGMA foreign_keys=OFF"))
            metadata.drop_all(bind=connection)
    engine.dispose()
    upgrade()


# -- helpers ---------------------------------------------------------------------------------

def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _bulk(model, rows: Iterable[dict[str, Any]], batch: int = BATCH) -> int:
    """Insert rows in batches of `batch`, one statement (executemany) per batch."""
    count, buffer = 0, []
    for row in rows:
        buffer.append(row)
        if len(buffer) >= batch:
            db.session.execute(insert(model), buffer)
            count += len(buffer)
            buffer = []
    if buffer:
        db.session.execute(insert(model), buffer)
        count += len(buffer)
    db.session.commit()
    return count


def _fix_sequences() -> None:
    if db.engine.dialect.name != "postgresql":
        return
    for table in _EXPLICIT_ID_TABLES:
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"))
    db.session.commit()


def _tree_shape(total: int) -> tuple[int, int, int]:
    """(districts, grassroots, cells) for a province of `total` units (root included)."""
    remaining = total - 1
    if remaining <= 0:
        return 0, 0, 0
    districts = max(1, round(remaining ** (1 / 3)))
    rest = remaining - districts
    grassroots = min(rest, max(min(districts, rest), round(rest / 7.7)))
    return districts, grassroots, rest - grassroots


def _place(rng: random.Random, index: int) -> str:
    return f"{PLACES[index % len(PLACES)]}{'' if index < len(PLACES) else f' {index // len(PLACES) + 1}'}"


def _full_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _weighted_pick(rng: random.Random, items: list[Any], weights: list[float], k: int) -> list[Any]:
    """k items without replacement, more likely the heavier ones (Efraimidis–Spirakis)."""
    keyed = sorted(((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights)), reverse=True)
    return [items[i] for _key, i in keyed[:k]]


@dataclass
class _Person:
    id: int
    unit_id: int
    audience: str
    reviewer: bool = False


@dataclass
class _Pair:
    """One person and one course, and what the seed decides they did."""

    person: _Person
    course: Any
    completion: str | None = None  # None | "online" | "in_person"
    reissued: bool = False         # gen 0 revoked, gen 1 live
    revoked: bool = False          # gen 0 revoked, nothing after
    failed_attempts: int = 0
    lessons: str = "none"          # none | partial | all


class _QuestionBank:
    """A right and a wrong answer per question, graded by the question's own type."""

    def __init__(self, course, rng: random.Random):
        registry = current_registry()
        self.questions = {q.id: q for q in course.quiz.questions}
        self.answers: dict[str, tuple[Any, float, Any, float]] = {}
        self.facility = {q.id: 0.3 + 0.65 * rng.random() for q in course.quiz.questions}
        for q in course.quiz.questions:
            right, wrong = _right_and_wrong(q)
            try:
                qtype = registry.question_type(q.type)
                right_fraction = qtype.grade(q, right).fraction if right is not None else 0.0
                wrong_fraction = qtype.grade(q, wrong).fraction if wrong is not None else 0.0
            except Exception:  # a plugin's type we cannot answer: leave it unanswered
                right, wrong, right_fraction, wrong_fraction = None, None, 0.0, 0.0
            self.answers[q.id] = (right, right_fraction, wrong, wrong_fraction)


def _right_and_wrong(question) -> tuple[Any, Any]:
    data = question.data
    if question.type == "single_choice":
        right = next(o["id"] for o in data["options"] if o["correct"])
        wrong = next((o["id"] for o in data["options"] if not o["correct"]), None)
        return right, wrong
    if question.type == "multiple_choice":
        right = sorted(o["id"] for o in data["options"] if o["correct"])
        wrong = [o["id"] for o in data["options"] if not o["correct"]][:1] or None
        return right, wrong
    if question.type == "true_false":
        return data["answer"], not data["answer"]
    if question.type == "short_text":
        return data["answers"][0], "không nhớ"
    return None, None


# -- the seed --------------------------------------------------------------------------------

def seed_province(sizes: Sizes = Sizes(), *, seed: int = 2026,
                  progress: Callable[[str], None] | None = None) -> SeedReport:
    """Build the bench province in the current app's database (already migrated)."""
    sizes.check()
    if bench_province_exists():
        raise SeedError(f"the bench province (unit {BENCH_ROOT_CODE}) already exists")
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    rng = random.Random(seed)
    report = SeedReport(sizes, BENCH_ROOT_CODE)
    now = utcnow().replace(microsecond=0)
    registry = current_registry()
    courses = list(registry.courses.values())
    if not courses:
        raise SeedError("no course is loaded: the seed needs the shipped courses")

    # -- units ------------------------------------------------------------------------------
    step = time.perf_counter()
    unit_rows, levels = _build_units(rng, sizes.units, _next_id(Unit), now)
    _bulk(Unit, unit_rows)
    root_id = unit_rows[0]["id"]
    root_path = unit_rows[0]["path"]
    say(f"units: {len(unit_rows)} ({_counts_by(levels)}) in {time.perf_counter() - step:.1f}s")

    # -- people -----------------------------------------------------------------------------
    step = time.perf_counter()
    password_hash = hash_password(BENCH_PASSWORD)
    cells = [u for u in unit_rows if u["level"] == "cell"]
    upper = [u for u in unit_rows if u["level"] != "cell"]
    homes = cells or unit_rows
    weights = [rng.uniform(0.4, 1.6) for _ in homes]
    first_user = _next_id(User)
    width = max(5, len(str(sizes.people)))
    people: list[_Person] = []
    user_rows = []
    seen_units: set[int] = set()
    for index in range(sizes.people):
        if upper and cells and rng.random() < 0.03:
            unit = rng.choice(upper)
        else:
            unit = rng.choices(homes, weights)[0]
        audience = "student" if rng.random() < 0.08 else "cadre"
        person = _Person(first_user + index, unit["id"], audience)
        if unit["id"] not in seen_units:  # the first person of each unit reviews it
            seen_units.add(unit["id"])
            person.reviewer = True
        people.append(person)
        position = ("Sinh viên" if audience == "student"
                    else "Bí thư" if person.reviewer else "Đảng viên")
        user_rows.append(_user_row(person.id, f"{USERNAME_PREFIX}{index + 1:0{width}d}",
                                   _full_name(rng), password_hash, unit["id"], position,
                                   audience, leader=person.reviewer, at=now))
    staff = []
    for offset, (username, name, roles) in enumerate([
            (OFFICER, "Lê Thị Thu Hà (bench)", (Role.OFFICER, Role.LEARNER)),
            (VERIFIER, "Phạm Quốc Việt (bench)", (Role.VERIFIER,)),
            (INSPECTOR, "Hoàng Văn Khải (bench)", (Role.INSPECTOR,))]):
        staff_id = first_user + sizes.people + offset
        staff.append((staff_id, roles))
        user_rows.append(_user_row(staff_id, username, name, password_hash, root_id,
                                   "Cán bộ", "cadre", leader=False, at=now))
    _bulk(User, user_rows)
    _bulk(UnitMembership, ({"user_id": row["id"], "unit_id": row["unit_id"],
                            "position": row["position"], "started_at": now, "ended_at": None}
                           for row in user_rows))
    grants = []
    for person in people:
        grants.append({"user_id": person.id, "unit_id": person.unit_id, "role": Role.LEARNER.value,
                       "granted_at": now, "granted_by_id": None})
        if person.reviewer:
            grants.append({"user_id": person.id, "unit_id": person.unit_id,
                           "role": Role.REVIEWER.value, "granted_at": now,
                           "granted_by_id": None})
    for staff_id, roles in staff:
        grants.extend({"user_id": staff_id, "unit_id": root_id, "role": role.value,
                       "granted_at": now, "granted_by_id": None} for role in roles)
    _bulk(RoleGrant, grants)
    verifier_id = staff[1][0]
    del user_rows, grants
    say(f"people: {len(people)} (+3 staff) in {time.perf_counter() - step:.1f}s")

    # -- who did what -----------------------------------------------------------------------
    step = time.perf_counter()
    # A pool of cadres who have just read every lesson of their courses and not yet taken a
    # quiz: the benchmark's quiz scenario starts attempts as them.
    cadres = [p for p in people if p.audience == "cadre"]
    # 3,000: a run's quiz (~150 flows/s for 18 s, most passing at once) got through 1,000.
    reserved_count = min(QUIZ_POOL, max(len(cadres) // 10, min(len(cadres), 2)))
    reserved = set(p.id for p in cadres[len(cadres) - reserved_count:])
    pairs, plan_notes = _plan_pairs(rng, people, courses, reserved, sizes)
    report.notes.extend(plan_notes)
    say(f"plan: {len(pairs)} person-course pairs in {time.perf_counter() - step:.1f}s")

    # -- lesson views -----------------------------------------------------------------------
    step = time.perf_counter()
    n_views = _bulk(LessonView, _lesson_view_rows(rng, pairs, now))
    say(f"lesson views: {n_views} in {time.perf_counter() - step:.1f}s")

    # -- quiz attempts and answers ----------------------------------------------------------
    step = time.perf_counter()
    banks = {c.slug: _QuestionBank(c, rng) for c in courses if c.quiz is not None}
    attempt_ids = iter(range(_next_id(QuizAttempt), 1 << 62))
    n_attempts = n_answers = 0
    attempt_rows, answer_rows = [], []
    passing: dict[int, tuple[datetime, float]] = {}  # id(pair) -> (finished, score)
    for pair in pairs:
        if pair.course.quiz is None:
            continue
        total = pair.failed_attempts + (1 if pair.completion == "online" else 0)
        if not total:
            continue
        at = now - timedelta(days=rng.uniform(20, 360))
        for number in range(1, total + 1):
            passed = pair.completion == "online" and number == total
            attempt, answers = _attempt(rng, next(attempt_ids), pair, number, passed,
                                        banks[pair.course.slug], at)
            attempt_rows.append(attempt)
            answer_rows.extend(answers)
            if passed:
                passing[id(pair)] = (attempt["finished_at"], attempt["score"])
            at = attempt["finished_at"] + timedelta(hours=rng.uniform(2, 240))
        if len(attempt_rows) >= BATCH:
            n_attempts += _bulk(QuizAttempt, attempt_rows)
            n_answers += _bulk(QuizAnswer, answer_rows)
            attempt_rows, answer_rows = [], []
    n_attempts += _bulk(QuizAttempt, attempt_rows)
    n_answers += _bulk(QuizAnswer, answer_rows)
    del attempt_rows, answer_rows
    say(f"quiz attempts: {n_attempts} with {n_answers} answers "
        f"in {time.perf_counter() - step:.1f}s")

    # -- completions, revocations, audit log ------------------------------------------------
    step = time.perf_counter()
    n_completions, n_revocations = _seed_completions(rng, pairs, passing, verifier_id, now)
    say(f"completions: {n_completions} ({n_revocations} revoked), signed, with audit entries "
        f"in {time.perf_counter() - step:.1f}s")

    # -- study plan and pledges -------------------------------------------------------------
    step = time.perf_counter()
    n_pledges, n_versions = _seed_pledges(rng, people, pairs, reserved, root_id, staff[0][0],
                                          sizes.pledges, now, report)
    say(f"pledges: {n_pledges} with {n_versions} filed versions "
        f"in {time.perf_counter() - step:.1f}s")

    _fix_sequences()
    report.counts = {
        "units": len(unit_rows), "people": len(people), "staff": len(staff),
        "lesson_views": n_views, "quiz_attempts": n_attempts, "quiz_answers": n_answers,
        "completions": n_completions, "revocations": n_revocations, "pledges": n_pledges,
        "pledge_versions": n_versions, "quiz_pool": len(reserved),
    }
    report.root_code = BENCH_ROOT_CODE
    report.seconds = time.perf_counter() - started
    assert root_path == f"/{root_id}/"
    return report


def _counts_by(levels: list[str]) -> str:
    found: dict[str, int] = {}
    for level in levels:
        found[level] = found.get(level, 0) + 1
    return ", ".join(f"{n} {level}" for level, n in found.items())


def _user_row(user_id: int, username: str, full_name: str, password_hash: str, unit_id: int,
              position: str, audience: str, *, leader: bool, at: datetime) -> dict[str, Any]:
    return {"id": user_id, "username": username, "full_name": full_name, "email": None,
            "phone": None, "password_hash": password_hash, "must_change_password": False,
            "unit_id": unit_id, "position": position, "audience": audience,
            "is_party_member": audience == "cadre", "is_leader": leader,
            "locale": None, "active": True, "created_at": at}


def _build_units(rng: random.Random, total: int, first_id: int, now: datetime
                 ) -> tuple[list[dict[str, Any]], list[str]]:
    districts, grassroots, cells = _tree_shape(total)
    rows: list[dict[str, Any]] = []
    next_id = iter(range(first_id, first_id + total))

    def add(code: str, name: str, level: str, parent: dict[str, Any] | None) -> dict[str, Any]:
        unit_id = next(next_id)
        row = {"id": unit_id, "code": code, "name": name, "level": level,
               "parent_id": parent["id"] if parent else None,
               "path": f"{parent['path'] if parent else '/'}{unit_id}/", "created_at": now}
        rows.append(row)
        return row

    root = add(BENCH_ROOT_CODE, "Đảng bộ tỉnh Thử Nghiệm (bench)", "province", None)
    district_rows = [add(f"{BENCH_ROOT_CODE}-D{d + 1:02d}", f"Đảng bộ huyện {_place(rng, d)}",
                         "district", root) for d in range(districts)]
    grassroots_rows = []
    for g in range(grassroots):
        parent = district_rows[g % districts]
        grassroots_rows.append(add(f"{parent['code']}-X{g // districts + 1:02d}",
                                   f"Đảng bộ xã {_place(rng, g + districts)}", "grassroots",
                                   parent))
    for c in range(cells):
        parent = grassroots_rows[c % grassroots]
        add(f"{parent['code']}-C{c // grassroots + 1:02d}",
            f"Chi bộ ấp {_place(rng, c + 3)} ({parent['name'].removeprefix('Đảng bộ xã ')})",
            "cell", parent)
    return rows, [row["level"] for row in rows]


def _plan_pairs(rng: random.Random, people: list[_Person], courses: list, reserved: set[int],
                sizes: Sizes) -> tuple[list[_Pair], list[str]]:
    """Decide, per person and course, completion, attempts and lessons read."""
    notes: list[str] = []
    primary, secondary, pairs = [], [], []
    for person in people:
        for course in courses:
            pair = _Pair(person, course)
            pairs.append(pair)
            matches = course.audience in ("all", person.audience)
            if person.id in reserved:
                if matches and course.quiz is not None:
                    pair.lessons = "all"  # read everything, quiz not started: the quiz pool
                continue
            (primary if matches else secondary).append(pair)
    rng.shuffle(primary)
    rng.shuffle(secondary)

    # Completions: people's own courses first; then others' courses (staff, cross-training);
    # past the number of pairs, re-issues (an earlier record revoked, generation 1).
    target = sizes.completions
    completed = primary[:target] + secondary[:max(0, target - len(primary))]
    capacity = len(primary) + len(secondary)
    for pair in completed:
        pair.completion = "in_person"
    if target > capacity:
        extra = min(target - capacity, capacity)
        for pair in rng.sample(completed, extra):
            pair.reissued = True
        notes.append(
            f"{target} completions asked for {len(people)} people and {len(courses)} courses "
            f"({capacity} person-course pairs outside the quiz pool): {extra} of them are "
            "re-issues (generation 1) of a revoked earlier record")
        if target - capacity > extra:
            notes.append(f"only {capacity + extra} completions could be made")
    # A few records are revoked for good (a mistaken in-person record, say).
    unrevoked = [p for p in completed if not p.reissued]
    for pair in rng.sample(unrevoked, len(unrevoked) // 300):
        pair.revoked = True

    # Attempts: most completions were earned online (a passed attempt); the rest of the
    # attempts are failed ones, before a pass or by people who have not passed yet.
    with_quiz = [p for p in completed if p.course.quiz is not None]
    online = min(len(with_quiz), sizes.attempts, round(0.85 * len(with_quiz)))
    for pair in with_quiz[:online]:
        pair.completion = "online"
    left = sizes.attempts - online
    not_completed = [p for p in primary if p.completion is None and p.course.quiz is not None]
    for round_number in range(3):
        for group in (not_completed, with_quiz[:online]):
            limit = 3 if group is not_completed else 2
            for pair in group:
                if left <= 0:
                    break
                if pair.failed_attempts < min(limit, round_number + 1):
                    pair.failed_attempts += 1
                    left -= 1
    if left > 0:
        notes.append(f"{left} quiz attempts could not be placed (3 attempts per person and "
                     "course at most)")

    for pair in primary + secondary:
        if pair.completion == "online" or pair.failed_attempts:
            pair.lessons = "all"
        elif pair.completion is None and pair.course.audience in ("all", pair.person.audience):
            roll = rng.random()
            pair.lessons = "all" if roll < 0.15 else "partial" if roll < 0.45 else "none"
    return pairs, notes


def _lesson_view_rows(rng: random.Random, pairs: list[_Pair], now: datetime
                      ) -> Iterator[dict[str, Any]]:
    for pair in pairs:
        if pair.lessons == "none":
            continue
        course = pair.course
        lessons = course.lessons
        count = len(lessons) if pair.lessons == "all" else rng.randint(1, max(1, len(lessons) - 1))
        at = now - timedelta(days=rng.uniform(380, 400) if pair.lessons == "all" and
                             pair.completion else rng.uniform(1, 60))
        for index, lesson in enumerate(lessons[:count]):
            opened = at + timedelta(minutes=15 * index)
            studied = (opened + timedelta(seconds=course.min_reading_seconds + rng.randint(5, 900))
                       if pair.lessons == "all" or index < count - 1 else None)
            yield {"user_id": pair.person.id, "course_slug": course.slug,
                   "lesson_slug": lesson.slug, "course_version": course.version,
                   "content_hash": course.content_hash, "opened_at": opened,
                   "studied_at": studied}


def _attempt(rng: random.Random, attempt_id: int, pair: _Pair, number: int, passed: bool,
             bank: _QuestionBank, at: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    course = pair.course
    quiz = course.quiz
    seed = rng.getrandbits(62)
    ids = draw_questions(course, seed)
    n = len(ids)
    need = math.ceil(n * quiz.pass_mark / 100)
    right_count = rng.randint(need, n) if passed else rng.randint(n // 5, max(n // 5, need - 1))
    right = set(_weighted_pick(rng, ids, [bank.facility[q] for q in ids], right_count))
    started = at.replace(microsecond=0)
    finished = started + timedelta(seconds=rng.randint(180, 1100))

    def grade(chosen: set[str]) -> tuple[list[tuple[Any, float, float]], float, float]:
        graded, points, max_points = [], 0.0, 0.0
        for qid in ids:
            question = bank.questions[qid]
            good, good_fraction, bad, bad_fraction = bank.answers[qid]
            response, fraction = (good, good_fraction) if qid in chosen else (bad, bad_fraction)
            earned = answer_points(fraction, question.points)
            graded.append((response, fraction, earned))
            points += earned
            max_points += question.points
        return graded, round(points, 4), max_points

    graded, points, max_points = grade(right)
    score = score_percent(points, max_points)
    if passes(score, quiz.pass_mark) != passed:  # partial credit or odd points: make it so
        graded, points, max_points = grade(set(ids) if passed else set())
        score = score_percent(points, max_points)
    attempt = {
        "id": attempt_id, "user_id": pair.person.id, "course_slug": course.slug,
        "course_version": course.version, "content_hash": course.content_hash,
        "number": number, "seed": seed, "question_ids": ids,
        "state": AttemptState.FINISHED.value, "started_at": started,
        "deadline": (started + timedelta(minutes=quiz.time_limit_minutes)
                     if quiz.time_limit_minutes else None),
        "last_saved_at": finished - timedelta(seconds=5), "finished_at": finished,
        "closed_by": CLOSED_BY_SUBMIT, "points": points, "max_points": max_points,
        "score": score, "passed": passes(score, quiz.pass_mark),
    }
    step = (finished - started) / max(1, n)
    answers = [{"attempt_id": attempt_id, "question_id": qid, "position": position,
                "response": response, "saved_at": started + step * (position + 1),
                "fraction": fraction, "points": earned}
               for position, (qid, (response, fraction, earned)) in enumerate(zip(ids, graded))]
    return attempt, answers


def _seed_completions(rng: random.Random, pairs: list[_Pair],
                      passing: dict[int, tuple[datetime, float]], verifier_id: int,
                      now: datetime) -> tuple[int, int]:
    """Signed completion records, revocations, and the audit chain that records them."""
    used: set[str] = set()

    def code() -> str:
        while True:
            candidate = codes.new_code()
            if candidate not in used:
                used.add(candidate)
                return candidate

    records: list[dict[str, Any]] = []  # completion rows, with "_revoke" for revoked ones
    for pair in pairs:
        if pair.completion is None:
            continue
        course = pair.course
        if pair.completion == "online" and id(pair) in passing:
            finished, score = passing[id(pair)]
            at, method, recorded_by = finished + timedelta(seconds=1), completions.ONLINE, None
        else:
            at = now - timedelta(days=rng.uniform(5, 330))
            method, recorded_by = completions.IN_PERSON, verifier_id
            score = round(rng.uniform(70, 100), 1) if rng.random() < 0.5 else None
        generations = [(0, pair.reissued or pair.revoked)]
        if pair.reissued:
            generations.append((1, False))
        for generation, revoke in generations:
            when = (at + timedelta(days=generation * rng.uniform(1, 30))).replace(microsecond=0)
            if when > now:
                when = now
            records.append({
                "code": code(), "user_id": pair.person.id, "unit_id": pair.person.unit_id,
                "course_slug": course.slug, "course_version": course.version,
                "content_hash": course.content_hash, "generation": generation,
                "score": None if score is None else round(float(score), 4), "method": method,
                "completed_at": when, "recorded_by_id": recorded_by,
                "note": "" if method == completions.ONLINE else "Lớp học tập trung (bench)",
                "_revoke": revoke,
                "_reason": ("Cấp lại sau khi sửa thông tin (bench)" if pair.reissued
                            else "Ghi nhận nhầm lớp học (bench)")})
    records.sort(key=lambda r: r["completed_at"])
    first_id = _next_id(Completion)
    head = db.session.get(AuditHead, 1)
    if head is None:
        raise SeedError("the audit log head row is missing: run flask db upgrade")
    seq, prev = head.seq, head.hash
    audit_id = _next_id(AuditEntry)
    completion_rows, revocation_rows, audit_rows = [], [], []
    for offset, record in enumerate(records):
        revoke, reason = record.pop("_revoke"), record.pop("_reason")
        record["id"] = first_id + offset
        record["revoked"] = revoke  # signed: the record commits to its revocation
        record["signature"] = completions.sign(Completion(**record))
        completion_rows.append(record)
        events = [("completion.issued", record["recorded_by_id"] or record["user_id"],
                   {"user": record["user_id"], "course": record["course_slug"],
                    "version": record["course_version"], "hash": record["content_hash"],
                    "method": record["method"], "score": record["score"]},
                   record["completed_at"])]
        if revoke:
            revoked_at = record["completed_at"] + timedelta(days=1)
            revocation = {"completion_id": record["id"], "reason": reason,
                          "revoked_by_id": verifier_id, "revoked_at": revoked_at}
            revocation["signature"] = completions.sign_revocation(
                Revocation(**revocation), record["code"])
            revocation_rows.append(revocation)
            events.append(("completion.revoked", verifier_id,
                           {"reason": reason, "user": record["user_id"],
                            "course": record["course_slug"]}, revoked_at))
        for action, actor, data, at in events:
            seq += 1
            payload = audit.canonical(data)
            digest = audit.entry_hash(prev, seq, at, actor, action, record["code"], payload)
            key_id, mac = audit.entry_mac(digest)
            audit_rows.append({"id": audit_id, "seq": seq, "at": at, "actor_id": actor,
                               "action": action, "subject": record["code"], "data": payload,
                               "prev_hash": prev, "hash": digest, "mac": mac,
                               "key_id": key_id})
            audit_id += 1
            prev = digest
        if len(completion_rows) >= BATCH:
            _bulk(Completion, completion_rows)
            completion_rows = []
    _bulk(Completion, completion_rows)
    _bulk(Revocation, revocation_rows)
    # Entries follow issue order, not time order, where a revocation comes a day later: the
    # chain is about order of writing, and this is the order they are written in.
    _bulk(AuditEntry, audit_rows)
    db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))
    db.session.commit()
    return len(records), len(revocation_rows)


def _seed_pledges(rng: random.Random, people: list[_Person], pairs: list[_Pair],
                  reserved: set[int], root_id: int, officer_id: int, count: int,
                  now: datetime, report: SeedReport) -> tuple[int, int]:
    year = now.year
    cadre_courses = sorted({p.course.slug for p in pairs if p.course.audience in ("cadre", "all")})
    eligible = [p for p in people if p.audience == "cadre" and p.id not in reserved]
    audience = "cadre"
    if count > len(eligible):
        eligible = [p for p in people if p.id not in reserved]
        audience = "all"
    if count > len(eligible):
        report.notes.append(f"{count} pledges asked for; {len(eligible)} people can file one")
        count = len(eligible)
    plan_id = _next_id(StudyPlan)
    _bulk(StudyPlan, [{
        "id": plan_id, "year": year, "unit_id": root_id,
        "title": f"Kế hoạch học tập và làm theo năm {year} (bench)", "audience": audience,
        "courses": json.dumps(cadre_courses), "deadline": date(year, 12, 31),
        "superiors_first": True, "template": DEFAULT_TEMPLATE, "created_by_id": officer_id,
        "created_at": now}])
    template, _errors = parse_template(DEFAULT_TEMPLATE)
    sections = [section.key for section in template.sections]
    completed = {p.person.id for p in pairs if p.completion and not p.revoked}
    # People who completed their study file first; the rest are drafts more often.
    eligible.sort(key=lambda p: (p.id not in completed, rng.random()))
    chosen = eligible[:count]
    reviewer_of_unit = {p.unit_id: p.id for p in people if p.reviewer}
    parent_of = dict(db.session.execute(select(Unit.id, Unit.parent_id)).all())
    first_id = _next_id(Pledge)
    statuses = [(PledgeStatus.DRAFT, 0.2), (PledgeStatus.FILED, 0.25),
                (PledgeStatus.RETURNED, 0.05), (PledgeStatus.ACKNOWLEDGED, 0.3),
                (PledgeStatus.SELF_ASSESSED, 0.08), (PledgeStatus.ASSESSED, 0.12)]
    pledge_rows, version_rows = [], []
    for offset, person in enumerate(chosen):
        status = rng.choices([s for s, _ in statuses], [w for _, w in statuses])[0]
        if person.id not in completed and status != PledgeStatus.DRAFT:
            status = PledgeStatus.DRAFT  # filing needs verified study
        content = {key: [dict(zip(("what", "by_when", "how"), rng.choice(COMMITMENTS)))
                         for _ in range(rng.randint(1, 2))] for key in sections}
        content_text = json.dumps(content, ensure_ascii=False)
        saved = now - timedelta(days=rng.uniform(30, 120))
        row = {"id": first_id + offset, "user_id": person.id, "plan_id": plan_id,
               "year": year, "status": status.value, "draft": content_text,
               "draft_saved_at": saved, "review_unit_id": None, "filed_at": None,
               "acknowledged_at": None, "reviewed_by_id": None, "self_assessment": "{}",
               "rating": None, "rating_comment": "", "assessed_at": None,
               "is_published": False}
        if status != PledgeStatus.DRAFT:
            review_unit = person.unit_id
            if person.reviewer:
                review_unit = parent_of.get(person.unit_id) or person.unit_id
            reviewer = reviewer_of_unit.get(review_unit)
            filed = saved + timedelta(days=rng.uniform(1, 10))
            row.update(review_unit_id=review_unit, filed_at=filed)
            outcome, answered = None, None
            if status == PledgeStatus.RETURNED:
                outcome, answered = "returned", filed + timedelta(days=2)
            elif status != PledgeStatus.FILED:
                outcome, answered = "acknowledged", filed + timedelta(days=3)
                row.update(acknowledged_at=answered, reviewed_by_id=reviewer)
            if status in (PledgeStatus.SELF_ASSESSED, PledgeStatus.ASSESSED):
                row["self_assessment"] = json.dumps(
                    {f"{key}-{i}": {"result": rng.choice(("done", "done", "partly")),
                                    "evidence": "Đã thực hiện (bench)"}
                     for key, items in content.items() for i in range(len(items))},
                    ensure_ascii=False)
            if status == PledgeStatus.ASSESSED:
                row.update(rating=rng.choice(("excellent", "good", "good", "fulfilled")),
                           rating_comment="Hoàn thành (bench)",
                           assessed_at=answered + timedelta(days=30))
            version_rows.append({"pledge_id": row["id"], "number": 1, "content": content_text,
                                 "filed_at": filed, "outcome": outcome,
                                 "comment": "Cần cụ thể hơn (bench)" if outcome == "returned"
                                 else "", "answered_at": answered,
                                 "answered_by_id": reviewer if outcome else None})
        pledge_rows.append(row)
    n_pledges = _bulk(Pledge, pledge_rows)
    n_versions = _bulk(PledgeVersion, version_rows)
    return n_pledges, n_versions

