"""What the tests build: courses with every question type, and the sites and people around
them. One password for every person built here.

* the learner's site: `write_quiz_course` + `make_site`, with helpers that read what only the
  server knows (an attempt's key and tokens) and answer, submit or let time pass;
* the centre: `build_centre` (a district verifying completions) and `complete`;
* the world: `build_world` (province P with districts A and B, one person per role, and one
  of every record on each side) for permission and scope tests; `bulk_tree` for big trees.

Generic helpers (CSRF, sign-in, a real server, jobs, the course folder builder) are public in
elearn.testing; fixtures are in conftest.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

from flask import Flask
from sqlalchemy import insert, select

from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.interfaces import Arrangement
from elearn.models import (
    ApiToken, Exemplar, Inspection, LessonView, Pledge, PledgeVersion, PledgeVolume, Position,
    QuizAttempt, Role, StudyPlan, Unit, User,
)
from elearn.registry import current_registry
from elearn.clock import local_today, utcnow
from elearn.services import codes, completions
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.committees import set_seat
from elearn.services.invitations import create_invitation
from elearn.services.orgs import create_unit
from elearn.testing import csrf_token as csrf, login, write_course

PASSWORD = "mat-khau-dai-2026"
ROLES = [role for role in Role]
CENTRE_COURSE = "cd-2016-toan-khoa"

# -- the learner's site ----------------------------------------------------------------------

QUIZ_LESSON = """\
---
title: {{vi: "Bài {n}: Học tập", en: "Lesson {n}: Study"}}
reading_minutes: 2
---
## Phần {n}

Nội dung bài {n}: học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh.
"""

# Every question type, with texts that can be searched for in any response. The right
# options are never listed first, and feedback/answer keys are unique marker strings.
QUIZ_BANK = """\
questions:
  - id: q-single
    type: single_choice
    prompt: {vi: "Chỉ thị 05 ban hành năm nào?", en: "In which year was Directive 05 issued?"}
    options:
      - {id: a, text: {vi: "Năm 2011", en: "In 2011"}}
      - {id: b, text: {vi: "Năm 2016", en: "In 2016"}, correct: true}
      - {id: c, text: {vi: "Năm 2021", en: "In 2021"}}
    feedback: {vi: "PHANHOI-DON: năm 2016.", en: "FEEDBACK-SINGLE: 2016."}
  - id: q-multiple
    type: multiple_choice
    prompt: {vi: "Những nội dung nào thuộc chuyên đề?", en: "Which belong to the topic?"}
    options:
      - {id: a, text: {vi: "Sao chép mô hình", en: "Copying a model"}}
      - {id: b, text: {vi: "Tư tưởng", en: "Thought"}, correct: true}
      - {id: c, text: {vi: "Đạo đức", en: "Ethics"}, correct: true}
      - {id: d, text: {vi: "Phong cách", en: "Style"}, correct: true}
    feedback: {vi: "PHANHOI-NHIEU: tư tưởng, đạo đức, phong cách.", en: "FEEDBACK-MULTIPLE: all three."}
  - id: q-truefalse
    type: true_false
    prompt: {vi: "Học tập phải đi đôi với làm theo.", en: "Study must go with following."}
    answer: true
    feedback: {vi: "PHANHOI-DUNGSAI.", en: "FEEDBACK-TRUEFALSE."}
  - id: q-short
    type: short_text
    prompt: {vi: "Chỉ thị về học tập và làm theo có số hiệu là gì?", en: "What is the number of the directive?"}
    answers: ["KHOADAPAN-05-CT/TW", "Chỉ thị KHOADAPAN"]
    ignore_diacritics: true
    feedback: {vi: "PHANHOI-NGAN.", en: "FEEDBACK-SHORT."}
  - id: q-order
    type: ordering
    prompt: {vi: "Sắp xếp các bước theo đúng trình tự.", en: "Put the steps in order."}
    items:
      - {vi: "Bước học tập", en: "Step study"}
      - {vi: "Bước đăng ký", en: "Step pledge"}
      - {vi: "Bước làm theo", en: "Step follow"}
      - {vi: "Bước tự đánh giá", en: "Step self-review"}
    feedback: {vi: "PHANHOI-THUTU.", en: "FEEDBACK-ORDER."}
"""

# The core's matching and numeric types, appended to QUIZ_BANK where a test wants every type.
NEW_TYPES_BANK = """\
  - id: q-match
    type: matching
    prompt: {vi: "Ghép mỗi chỉ thị với năm ban hành.", en: "Match each directive with its year."}
    pairs:
      - {left: {vi: "Chỉ thị 05", en: "Directive 05"}, right: {vi: "Năm 2016", en: "In 2016"}}
      - {left: {vi: "Chỉ thị 03", en: "Directive 03"}, right: {vi: "Năm 2011", en: "In 2011"}}
      - {left: {vi: "Chỉ thị 06", en: "Directive 06"}, right: {vi: "Năm 2006", en: "In 2006"}}
    distractors: [{vi: "Năm 2021", en: "In 2021"}]
    feedback: {vi: "PHANHOI-GHEP.", en: "FEEDBACK-MATCH."}
  - id: q-number
    type: numeric
    prompt: {vi: "Tỷ lệ đảng viên đã đăng ký là bao nhiêu phần trăm?", en: "What share of members filed a pledge?"}
    answer: 73.25
    tolerance: 0.05
    unit: "%"
    feedback: {vi: "PHANHOI-SO.", en: "FEEDBACK-NUMBER."}
"""
NUMERIC_KEY = "73,25"  # typed the Vietnamese way

QUIZ_COURSE = """\
slug: {slug}
version: "2.1"
title: {{vi: "Khóa học thử {slug}", en: "Trial course {slug}"}}
description: {{vi: "Khóa học dùng để kiểm thử.", en: "A course for tests."}}
kind: {kind}
term: "2021-2025"
year: {year}
audience: {audience}
languages: [vi, en]
min_reading_seconds: {min_reading}
lessons:
  - 01-mot.md
  - 02-hai.md
quiz:
  bank: quizzes/bank.yaml
  draw: {draw}
  pass_mark: {pass_mark}
  max_attempts: {max_attempts}
  time_limit_minutes: {time_limit}
  shuffle: {shuffle}
  review: {review}
  requires_lessons: {requires_lessons}
"""


def write_quiz_course(root: Path, slug: str = "khoa-quiz", *, min_reading: int = 60,
                      draw: int = 5, pass_mark: int = 60, max_attempts: int = 0,
                      time_limit: int = 0, shuffle: bool = True, review: str = "after_submit",
                      requires_lessons: bool = True, audience: str = "all",
                      kind: str = "annual", year: int = 2025, bank: str = QUIZ_BANK) -> Path:
    """A course with the built-in question types (`bank` may add more)."""
    course = QUIZ_COURSE.format(
        slug=slug, min_reading=min_reading, draw=draw, pass_mark=pass_mark,
        max_attempts=max_attempts, time_limit=time_limit, shuffle=str(shuffle).lower(),
        review=review, requires_lessons=str(requires_lessons).lower(), audience=audience,
        kind=kind, year=year)
    lessons = {name: QUIZ_LESSON.format(n=n)
               for n, name in enumerate(["01-mot.md", "02-hai.md"], start=1)}
    return write_course(root, slug, course=course, lessons=lessons, bank=bank)


def make_site(make_app, root: Path, **config) -> Flask:
    """An app with the example plugin (for `ordering`), the given course folder and a
    learner `hocvien` (audience cadre) and a student `sinhvien`."""
    app = make_app(PLUGINS=["elearn_centre_example"], COURSE_DIRS=[str(root)], **config)
    problems = app.extensions["elearn.registry"].course_problems
    assert not problems, [str(e) for p in problems for e in p.errors]
    with app.app_context():
        unit = create_unit("T", "Tỉnh thử", "province")
        create_user("hocvien", "Nguyễn Học Viên", PASSWORD, unit)
        create_user("sinhvien", "Trần Sinh Viên", PASSWORD, unit, audience="student")
        db.session.commit()
    return app


def user_id(app: Flask, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def pass_time(app: Flask, seconds: float = 3600) -> None:
    """Move every opened lesson and running attempt `seconds` into the past."""
    back = timedelta(seconds=seconds)
    with app.app_context():
        for view in db.session.scalars(select(LessonView)):
            view.opened_at -= back
        for attempt in db.session.scalars(select(QuizAttempt)):
            attempt.started_at -= back
            if attempt.deadline is not None:
                attempt.deadline -= back
        db.session.commit()


def study_everything(app: Flask, client, slug: str) -> None:
    """Open every lesson through the pages, let the reading time pass, mark them studied."""
    course = app.extensions["elearn.registry"].course(slug)
    for lesson in course.lessons:
        assert client.get(f"/courses/{slug}/lessons/{lesson.slug}").status_code == 200
    pass_time(app)
    for lesson in course.lessons:
        token = csrf(client, f"/courses/{slug}/lessons/{lesson.slug}")
        client.post(f"/courses/{slug}/lessons/{lesson.slug}/studied",
                    data={"csrf_token": token, "go": "stay"})


def studied_learner(app: Flask, slug: str, username: str = "hocvien"):
    """A test client signed in as `username`, who has studied every lesson of `slug`."""
    client = app.test_client()
    login(client, username, PASSWORD)
    study_everything(app, client, slug)
    return client


def attempt_row(app: Flask, attempt_id: int) -> QuizAttempt:
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        db.session.expunge(attempt)
        return attempt


def right_answer_form(app: Flask, slug: str, attempt: QuizAttempt, question_id: str,
                      wrong: bool = False) -> dict[str, str | list[str]]:
    """The form data that answers the question right (or wrong) in this attempt, computed
    from the bank and the attempt's seed, as only the server (and this test) can."""
    course = app.extensions["elearn.registry"].course(slug)
    question = course.quiz.question(question_id)
    arrangement = Arrangement(seed=attempt.seed, question_id=question_id,
                              shuffle=course.quiz.shuffle)
    data = question.data
    if question.type == "single_choice":
        pick = [o for o in data["options"] if o["correct"] != wrong][0]
        return {"answer": arrangement.token(pick["id"])}
    if question.type == "multiple_choice":
        return {"answer": [arrangement.token(o["id"]) for o in data["options"]
                           if o["correct"] != wrong]}
    if question.type == "true_false":
        return {"answer": "true" if data["answer"] != wrong else "false"}
    if question.type == "short_text":
        return {"answer": "sai" if wrong else data["answers"][0].lower()}
    if question.type == "ordering":
        items = list(data["items"])
        if wrong:
            items.reverse()
        return {f"answer-{arrangement.token(item['id'])}": str(position)
                for position, item in enumerate(items, start=1)}
    if question.type == "matching":
        rights = [pair["right"] for pair in data["pairs"]]
        if wrong:  # every left item gets its neighbour's partner
            rights = rights[1:] + rights[:1]
        return {f"answer-{arrangement.token(pair['id'])}": arrangement.token(right)
                for pair, right in zip(data["pairs"], rights)}
    if question.type == "numeric":
        return {"answer": "1" if wrong else NUMERIC_KEY}
    raise AssertionError(question.type)


def start_attempt(client, slug: str) -> int:
    token = csrf(client, f"/courses/{slug}/quiz/")
    response = client.post(f"/courses/{slug}/quiz/start", data={"csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.endswith("/1"), location
    return int(location.rstrip("/").split("/")[-2])


def answer(app: Flask, client, slug: str, attempt_id: int, number: int, *, wrong: bool = False,
           go: str = "save", as_json: bool = False):
    """Post the right (or a wrong) answer to question `number` of the attempt."""
    attempt = attempt_row(app, attempt_id)
    question_id = attempt.question_ids[number - 1]
    data = right_answer_form(app, slug, attempt, question_id, wrong=wrong)
    path = f"/courses/{slug}/quiz/{attempt_id}/{number}"
    data.update(csrf_token=csrf(client, path), go=go)
    headers = {"Accept": "application/json"} if as_json else {}
    return client.post(path, data=data, headers=headers)


def submit(client, slug: str, attempt_id: int, token: str | None = None):
    token = token or csrf(client, f"/courses/{slug}/quiz/")
    return client.post(f"/courses/{slug}/quiz/{attempt_id}/submit", data={"csrf_token": token})


class _FormState(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, set[str]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "input" and attrs.get("name") not in (None, "csrf_token", "next"):
            kind = attrs.get("type", "text")
            if kind == "text" and attrs.get("value"):
                self.values.setdefault(attrs["name"], set()).add(attrs["value"])
            elif kind in ("radio", "checkbox") and "checked" in attrs:
                self.values.setdefault(attrs["name"], set()).add(attrs.get("value", ""))
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and "selected" in attrs and attrs.get("value"):
            self.values.setdefault(self._select, set()).add(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_state(html: str) -> dict[str, set[str]]:
    """What a page's form fields show as chosen or typed: {name: {values}}."""
    parser = _FormState()
    parser.feed(html)
    return parser.values


def as_state(data: dict) -> dict[str, set[str]]:
    return {name: set(value) if isinstance(value, list) else {value}
            for name, value in data.items() if name not in ("csrf_token", "go")}


# -- the centre -----------------------------------------------------------------------------


def build_centre() -> None:
    province = create_unit("T", "Tỉnh", "province")
    district = create_unit("H", "Huyện Hưng Thịnh", "district", province)
    other = create_unit("K", "Huyện Khác", "district", province)
    cell = create_unit("H-C1", "Chi bộ Phú Hòa", "cell", district)
    outside = create_unit("K-C1", "Chi bộ Khác", "cell", other)
    grant_role(create_user("ttct", "Phạm Quốc Việt", PASSWORD, district), Role.VERIFIER, district)
    create_user("hoc.vien", "Nguyễn Thị Ánh Tuyết", PASSWORD, cell)
    create_user("ban.ngoai", "Trần Văn Ngoại", PASSWORD, outside)
    db.session.commit()


def complete(username: str = "hoc.vien", slug: str = CENTRE_COURSE, score: float = 90.0):
    return completions.issue(find_user(username), current_registry().course(slug),
                             method=completions.ONLINE, score=score)


# -- the world ------------------------------------------------------------------------------


@dataclass
class World:
    ids: dict[str, int] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)


def build_world() -> World:
    """Province P with districts A and B; one person per role, each holding it on A."""
    world = World()
    province = create_unit("P", "Tỉnh thử", "province")
    district_a = create_unit("A", "Huyện A", "district", province)
    district_b = create_unit("B", "Huyện B", "district", province)
    cell_a = create_unit("A-1", "Chi bộ A1", "cell", district_a)
    cell_b = create_unit("B-1", "Chi bộ B1", "cell", district_b)
    for role in ROLES:
        user = create_user(f"role.{role.value}", f"Người {role.value}", PASSWORD, cell_a)
        grant_role(user, role, district_a)
    # Reviewing is done by committees: the reviewer also sits on district A's committee.
    set_seat(district_a, find_user("role.reviewer"), Position.SECRETARY, None, commit=False)
    create_user("khong.vai.tro", "Người không có vai trò", PASSWORD, cell_a)
    person_a = create_user("nguoi.a", "Người A", PASSWORD, cell_a)
    person_b = create_user("nguoi.b", "Người B", PASSWORD, cell_b)
    grant_a = grant_role(person_a, Role.LEARNER, cell_a)
    grant_b = grant_role(person_b, Role.LEARNER, cell_b)
    invitation_a = create_invitation(cell_a)
    invitation_b = create_invitation(cell_b)
    course = next(iter(current_registry().courses.values()))
    completion_a = completions.create(person_a, course, method="online", score=90)
    completion_b = completions.create(person_b, course, method="online", score=90)
    plan_a = StudyPlan(year=local_today().year, unit=district_a, title="A", audience="all",
                       courses="[]", deadline=local_today(), template=DEFAULT_TEMPLATE)
    plan_b = StudyPlan(year=local_today().year, unit=district_b, title="B", audience="all",
                       courses="[]", deadline=local_today(), template=DEFAULT_TEMPLATE)
    db.session.add_all([plan_a, plan_b])
    ids = {}
    for side, person, plan, unit in (("a", person_a, plan_a, district_a),
                                     ("b", person_b, plan_b, district_b)):
        pledge = Pledge(user=person, plan=plan, year=plan.year, status="filed",
                        review_unit=unit)
        db.session.add(pledge)
        db.session.flush()
        db.session.add(PledgeVersion(pledge_id=pledge.id, number=1, content="{}"))
        volume = PledgeVolume(unit=unit, year=plan.year, entries=f"[[{pledge.id}, 1]]")
        exemplar = Exemplar(unit=unit, year=plan.year, kind="collective", name=f"Chi bộ {side}",
                            description="Gương mẫu")
        db.session.add_all([volume, exemplar])
        inspection = Inspection(committee_unit=unit, inspected_unit=unit, held_on=local_today(),
                                scope="x")
        db.session.add(inspection)
        db.session.flush()
        seat = set_seat(unit, person, Position.MEMBER, None, commit=False)
        ids.update({f"pledge_{side}": pledge.id, f"plan_{side}": plan.id,
                    f"inspection_{side}": inspection.id, f"volume_{side}": volume.id,
                    f"exemplar_{side}": exemplar.id, f"seat_{side}": seat.id,
                    f"district_{side}": unit.id})
    db.session.flush()
    for side, person in (("a", person_a), ("b", person_b)):  # an API token on each side
        token = ApiToken(kind="personal", user_id=person.id, created_by_id=person.id,
                         name=side, scopes="read:me", prefix=f"elt_{side}",
                         secret_hash=f"{side}" * 64, expires_at=utcnow() + timedelta(days=30))
        db.session.add(token)
        db.session.flush()
        ids[f"token_{side}"] = token.id
    world.ids.update(unit_a=cell_a.id, unit_b=cell_b.id, person_a=person_a.id,
                     person_b=person_b.id, grant_a=grant_a.id, grant_b=grant_b.id,
                     invitation_a=invitation_a.id, invitation_b=invitation_b.id,
                     completion_a=completion_a.id, completion_b=completion_b.id, **ids)
    world.codes = {"a": codes.display(completion_a.code), "b": codes.display(completion_b.code)}
    db.session.commit()
    return world


def bulk_tree(districts: int, grassroots: int, cells: int) -> int:
    """Insert a province tree fast (explicit ids and paths); returns the number of units."""
    rows, next_id = [], 1_000_000

    def add(code, name, level, parent_id, path):
        nonlocal next_id
        next_id += 1
        rows.append({"id": next_id, "code": code, "name": name, "level": level,
                     "parent_id": parent_id, "path": f"{path}{next_id}/"})
        return next_id, f"{path}{next_id}/"

    root_id, root_path = add("BIG", "Tỉnh lớn", "province", None, "/")
    for d in range(districts):
        d_id, d_path = add(f"BIG-{d}", f"Huyện {d}", "district", root_id, root_path)
        for g in range(grassroots):
            g_id, g_path = add(f"BIG-{d}-{g}", f"Xã {d}.{g}", "grassroots", d_id, d_path)
            for c in range(cells):
                add(f"BIG-{d}-{g}-{c}", f"Chi bộ {d}.{g}.{c}", "cell", g_id, g_path)
    db.session.execute(insert(Unit), rows)
    db.session.commit()
    return len(rows)


# A course finished by studying its one lesson (no quiz): the shortest way to a completion.
ONE_LESSON_COURSE = """\
slug: mot-bai
version: "1.0"
title: {vi: "Khóa một bài", en: "One-lesson course"}
description: "Chỉ cần học xong một bài."
kind: annual
term: "2016-2021"
year: 2017
audience: all
min_reading_seconds: 0
completion_rule: lessons_only
lessons:
  - 01-mot.md
"""
