"""The quiz engine: attempts, autosaved answers, the server-side clock, grading, review.

The only writer of QuizAttempt and QuizAnswer rows. Rules:

* An attempt draws `quiz.draw` questions from the bank with a random seed stored on the
  attempt; the question order, the option order and the opaque option tokens all derive
  from it, so every reload shows the same attempt.
* The time limit is the server's: the deadline is stored at the start; an attempt past it is
  closed and graded on what was saved by `close_expired`, which the pages that show the
  attempt call first (reading an attempt never closes or grades it).
* Closing an attempt is one conditional UPDATE … WHERE state = 'in_progress'; only the
  request whose UPDATE changed the row grades it, so a double click, a second tab or a
  replayed request grades once. Saving an answer first UPDATEs the attempt row under the
  same condition, so a save and a submit never interleave.
* Nothing that reveals the key (grades, feedback, correctness) is computed for a learner
  before the attempt is finished; after it, only what the course's review policy allows
  (`review_access`).
* With a blueprint (`draw: {per_lesson: N}` or `{by_tag: …}`) each lesson or tag is sampled
  on its own, from the same seeded generator, so the stored seed still redraws the attempt.
"""
from __future__ import annotations

import random
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (Float, Insert, Integer, Select, String, Update, and_, bindparam, func,
                        insert, or_, select, true, update)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from .. import clock, events
from ..content.model import Course, Question, ReviewPolicy
from ..content.scoring import answer_points, passes, score_percent
from ..extensions import db
from ..interfaces import Arrangement, Grade, InvalidAnswer, QuestionType
from ..models import AttemptState, QuizAnswer, QuizAttempt, User
from ..plugin_guard import owner_of, report, run_grade, run_optional
from ..psycopg_reads import whole_unit
from ..registry import current_registry
from . import accommodations, completions
from .accommodations import NONE as NO_ACCOMMODATION, Allowance
from .learner_record import studied_among, studied_column
from .unit_of_work import as_loaded

CLOSED_BY_SUBMIT = "submit"
CLOSED_BY_DEADLINE = "deadline"


class QuizError(Exception):
    """A rule stops the action; `message` is translated for the learner."""

    message: Any = _l("The quiz is not available.")

    def __init__(self, message: Any = None):
        super().__init__(str(message or self.message))
        if message is not None:
            self.message = message


class NoQuiz(QuizError):
    message = _l("This course has no quiz.")


class QuizLocked(QuizError):
    message = _l("The quiz opens once you have studied every lesson of the course.")


class NoAttemptsLeft(QuizError):
    message = _l("You have used all your attempts at this quiz.")


# -- reading state ---------------------------------------------------------------------------

@dataclass
class QuizStatus:
    course: Course
    attempts: list[QuizAttempt]
    """Every attempt, newest first."""
    in_progress: QuizAttempt | None
    finished: list[QuizAttempt]
    lessons_studied: int
    lessons_total: int
    accommodation: Allowance = NO_ACCOMMODATION
    """Extra time and attempts a training centre granted this person (see accommodation)."""

    @property
    def quiz(self):
        return self.course.quiz

    @property
    def locked(self) -> bool:
        return bool(self.quiz and self.quiz.requires_lessons
                    and self.lessons_studied < self.lessons_total)

    @property
    def attempts_used(self) -> int:
        return len(self.attempts)

    @property
    def attempts_left(self) -> int | None:
        """None when attempts are unlimited."""
        if not self.quiz or not self.quiz.max_attempts:
            return None
        allowed = self.quiz.max_attempts + self.accommodation.extra_attempts
        return max(0, allowed - self.attempts_used)

    @property
    def best(self) -> QuizAttempt | None:
        """Highest grade counts."""
        graded = [a for a in self.finished if a.score is not None]
        return max(graded, key=lambda a: (a.score, -a.number)) if graded else None

    @property
    def best_score(self) -> float | None:
        return self.best.score if self.best else None

    @property
    def passed(self) -> bool:
        return any(a.passed for a in self.finished)

    @property
    def can_start(self) -> bool:
        return (self.quiz is not None and self.in_progress is None and not self.locked
                and self.attempts_left != 0)


def _attempts(user: User, course: Course) -> list[QuizAttempt]:
    return list(db.session.scalars(_attempts_query(), {
        "user_id": user.id, "course_slug": course.slug}))


@cache
def _attempts_query() -> Select:
    """Built once (start, overview and result ask on every request)."""
    return (select(QuizAttempt).where(QuizAttempt.user_id == bindparam("user_id"),
                                      QuizAttempt.course_slug == bindparam("course_slug"))
            .order_by(QuizAttempt.number.desc()))


def status(user: User, course: Course) -> QuizStatus:
    """The person's attempts at the course's quiz, as stored (call `close_expired` first to
    see an attempt past its deadline as finished and graded)."""
    return _status(course, *_attempts_and_more(user, course))


def current_status(user: User, course: Course) -> QuizStatus:
    """`close_expired`, then `status`, reading the attempts once (a second time only when
    one had run out and was graded just now)."""
    attempts, studied, allowance = _attempts_and_more(user, course)
    if sum(close_if_expired(course, a) for a in attempts if a.in_progress):
        attempts = _attempts(user, course)
    return _status(course, attempts, studied, allowance)


def _status(course: Course, attempts: list[QuizAttempt], studied: set[str],
            allowance: Allowance) -> QuizStatus:
    return QuizStatus(
        course=course,
        attempts=attempts,
        in_progress=next((a for a in attempts if a.in_progress), None),
        finished=[a for a in attempts if not a.in_progress],
        lessons_studied=len(studied),
        lessons_total=len(course.lessons),
        accommodation=allowance,
    )


def _attempts_and_more(user: User, course: Course
                       ) -> tuple[list[QuizAttempt], set[str], Allowance]:
    """The person's attempts (newest first), the lessons they studied and their allowance,
    in one statement: three round trips were most of starting a quiz."""
    rows = db.session.execute(_attempts_and_more_query(), {
        "user_id": user.id, "course_slug": course.slug}).all()
    studied, *allowance = rows[0][:4]  # the same on every row; there is always one
    return ([row[4] for row in rows if row[4] is not None],
            studied_among(course, (studied or "").split(",")),
            accommodations.allowance_from(*allowance))


@cache
def _attempts_and_more_query() -> Select:
    """One row of the person's figures (a SELECT without a table), each attempt joined to
    it; the row alone (attempt None) when there is none yet."""
    person = select(studied_column().label("studied"),
                    *accommodations.allowance_columns()).subquery("person")
    return (select(*person.c, QuizAttempt).select_from(person)
            .outerjoin(QuizAttempt, and_(QuizAttempt.user_id == bindparam("user_id"),
                                         QuizAttempt.course_slug == bindparam("course_slug")))
            .order_by(QuizAttempt.number.desc()))


def open_attempt(user: User, course: Course, attempt_id: int, *,
                 with_answers: bool = False, close_others: bool = True) -> QuizAttempt | None:
    """The person's own attempt (None for anyone else's), closed and graded first if its time
    ran out: what `close_expired` then loading it gave, in one statement on the common path
    (the question page, the autosave and the submit run this on every request).

    `with_answers` loads the saved answers in the same statement (pages that show them); the
    autosave leaves them unread. `close_others=False`: the caller calls `current_status`
    next, which closes the person's other attempts that ran out."""
    attempt = db.session.scalars(_attempt_query(with_answers), {
        "attempt_id": attempt_id, "user_id": user.id, "course_slug": course.slug,
    }).unique().one_or_none()
    if attempt is None:
        return None
    if attempt.in_progress:
        # A person has one attempt in progress at a time (start_attempt), so this is the only
        # one close_expired could close; no statement unless its deadline has passed.
        close_if_expired(course, attempt)
    elif close_others:
        close_expired(user, course)  # another attempt of theirs may have run out meanwhile
    return attempt


@cache
def _attempt_query(with_answers: bool) -> Select:
    """Built once per shape (see `_expired_query`). Owner and course are in the WHERE clause,
    so another person's attempt id finds nothing."""
    query = select(QuizAttempt).where(QuizAttempt.id == bindparam("attempt_id"),
                                      QuizAttempt.user_id == bindparam("user_id"),
                                      QuizAttempt.course_slug == bindparam("course_slug"))
    return query.options(joinedload(QuizAttempt.answers)) if with_answers else query


def _commit_keeping(attempt: QuizAttempt, **written: Any) -> dict[str, Any]:
    """Commit, keeping what `attempt` holds plus the columns this transaction just wrote with
    UPDATE statements (`written`), instead of expiring it: the view reads the attempt once
    more (its id, deadline, how it closed), and re-reading the row this request has just
    written would be one more round trip on every autosave, start and submit."""
    names = attempt.__mapper__.column_attrs.keys()
    kept = {name: attempt.__dict__[name] for name in names if name in attempt.__dict__}
    kept.update(written)
    db.session.commit()
    _keep(attempt, kept)
    return kept


def _keep(attempt: QuizAttempt, values: dict[str, Any]) -> None:
    """Mark these column values as the attempt's loaded state (no reload on next read)."""
    for name, value in values.items():
        set_committed_value(attempt, name, value)


def seconds_left(attempt: QuizAttempt, at: datetime | None = None) -> int | None:
    """Whole seconds until the deadline (None without a time limit)."""
    if attempt.deadline is None:
        return None
    return max(0, int((attempt.deadline - (at or clock.utcnow())).total_seconds()))


# -- starting --------------------------------------------------------------------------------

def draw_questions(course: Course, seed: int) -> list[str]:
    """The ids of the questions an attempt with this seed gets, in the order shown.

    A plain `draw: N` samples the whole bank (unchanged since attempts first stored seeds); a
    blueprint samples each stratum (lesson or tag) in its fixed order, then shuffles the lot.
    """
    quiz = course.quiz
    rng = random.Random(seed)
    bank = list(quiz.questions)
    blueprint = quiz.blueprint
    if blueprint is None or blueprint.count is not None:
        drawn = rng.sample(range(len(bank)), min(quiz.draw, len(bank)))
    else:
        drawn = [index for indices, count in blueprint.strata(bank)
                 for index in rng.sample(indices, count)]
        if quiz.shuffle:
            rng.shuffle(drawn)
    if not quiz.shuffle:
        drawn.sort()
    return [bank[index].id for index in drawn]


def start_attempt(user: User, course: Course) -> QuizAttempt:
    """Start an attempt, or return the one already in progress (one at a time)."""
    if course.quiz is None:
        raise NoQuiz()
    current = current_status(user, course)  # an attempt whose time ran out no longer blocks
    if current.in_progress is not None:
        return current.in_progress
    if current.locked:
        raise QuizLocked()
    if current.attempts_left == 0:
        raise NoAttemptsLeft()
    quiz = course.quiz
    seed = secrets.randbits(62)
    started = clock.utcnow()
    ids = draw_questions(course, seed)
    values = {
        "user_id": user.id, "course_slug": course.slug, "course_version": course.version,
        "content_hash": course.content_hash, "number": current.attempts_used + 1, "seed": seed,
        "question_ids": ids, "state": AttemptState.IN_PROGRESS.value, "started_at": started,
        "deadline": (started + timedelta(minutes=quiz.time_limit_minutes
                                         + current.accommodation.extra_minutes)
                     if quiz.time_limit_minutes else None),
        **dict.fromkeys(_NOT_YET, None)}
    # Keyed like the unique (person, course, number): two tabs starting at once are one event.
    events.emit("attempt.started",
                key=f"attempt.started:user:{user.id}:{course.slug}:{values['number']}",
                person_id=user.id, actor_id=user.id, unit_id=user.unit_id,
                data={"course": course.slug, "number": values["number"]})
    try:
        if _postgresql():  # the attempt and its empty answer rows in one statement
            attempt_id = db.session.scalar(_start_in_one(), {**values, "drawn_ids": ids})
        else:
            attempt_id = db.session.scalar(_attempt_insert(), values)
            db.session.execute(insert(QuizAnswer.__table__), [
                {"attempt_id": attempt_id, "question_id": qid, "position": index}
                for index, qid in enumerate(ids)])
        attempt = as_loaded(QuizAttempt, {"id": attempt_id, **values})
        _commit_keeping(attempt)
    except IntegrityError:
        # Two tabs started at once: the unique (user, course, number) let one through.
        db.session.rollback()
        again = status(user, course)
        if again.in_progress is None:
            raise
        return again.in_progress
    return attempt


# What an attempt has not got when it starts.
_NOT_YET = ("last_saved_at", "finished_at", "closed_by", "points", "max_points", "score",
            "passed")


@cache
def _attempt_insert() -> Insert:
    """Every column but the id (`start_attempt`'s values), which comes back."""
    attempts = QuizAttempt.__table__
    return insert(attempts).values({
        column.name: bindparam(column.name, type_=column.type)
        for column in attempts.c if column.name != "id"}).returning(attempts.c.id)


# The empty answer rows, and later their grades, are one row per question. On PostgreSQL each
# batch is one statement over arrays: psycopg's executemany runs a pipeline step (a poll and
# its results) per row, which cost the worker ~3× the CPU of one statement, more under load
# (bench/README.md, 2026-12-05). SQLite runs in the worker: its executemany is the cheap way.
def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


@cache
def _start_in_one() -> Select:
    """PostgreSQL: the attempt's row and its empty answer rows (one per drawn question, from
    the array `drawn_ids`), inserted by one statement that returns the attempt's id: a whole
    unit of work, so it runs without BEGIN and COMMIT round trips (`psycopg_reads`)."""
    new_attempt = _attempt_insert().cte("new_attempt")
    drawn = (func.unnest(bindparam("drawn_ids", type_=postgresql.ARRAY(String)))
             .table_valued("question_id", with_ordinality="ordinal").render_derived("drawn"))
    answer_rows = insert(QuizAnswer.__table__).from_select(
        ["attempt_id", "question_id", "position"],
        select(new_attempt.c.id, drawn.c.question_id, drawn.c.ordinal - 1)
        .select_from(new_attempt.join(drawn, true())))
    return whole_unit(select(new_attempt.c.id).add_cte(answer_rows.cte("answer_rows")))


# -- showing questions -----------------------------------------------------------------------

class SavedAnswers:
    """An attempt's saved answers by question id, read on first use: the autosave presents
    the questions but never needs the answers, so it does not load them."""

    def __init__(self, attempt: QuizAttempt):
        self._attempt = attempt
        self._by_question: dict[str, Any] | None = None

    def get(self, question_id: str) -> Any:
        if self._by_question is None:
            self._by_question = {answer.question_id: answer.response
                                 for answer in self._attempt.answers}
        return self._by_question.get(question_id)


@dataclass
class Presented:
    """One question of an attempt as the learner sees it: never the key."""

    number: int
    question: Question
    qtype: QuestionType
    arrangement: Arrangement
    saved: SavedAnswers
    language: str | None = None
    subject: str = ""
    """Names the question in plugin failure reports: course/question."""
    made: tuple[Any, Any] | None = None
    """(view, the type's unbound WTForms field) once made: by `present`, or on first read."""

    @property
    def view(self) -> dict[str, Any]:
        return self._made()[0]

    @property
    def field(self) -> Any:
        return self._made()[1]

    def _made(self) -> tuple[Any, Any]:
        if self.made is None:
            self.made = _views.get(self.qtype, self.question, self.language, self.arrangement,
                                   self.subject)
            if self.made is None:  # a type that showed this question before fails now
                raise QuizError(_l("This question cannot be shown right now; the problem has "
                                   "been reported."))
        return self.made

    @property
    def answer(self) -> Any:
        return self.saved.get(self.question.id)

    @property
    def answered(self) -> bool:
        return self.answer is not None


def attempt_questions(course: Course, attempt: QuizAttempt) -> list[Question]:
    """The attempt's questions in its order (any the bank no longer has are left out)."""
    questions = [course.quiz.question(qid) for qid in attempt.question_ids]
    return [q for q in questions if q is not None]


def arrangement(course: Course, attempt: QuizAttempt, question: Question) -> Arrangement:
    return Arrangement(seed=attempt.seed, question_id=question.id, shuffle=course.quiz.shuffle)


class _Views:
    """The views and fields question types made for recent attempts, by (type, question,
    language, seed, shuffle): everything `present` and `field` depend on (they must be
    deterministic: a reload shows the same attempt). Every page of an attempt and every
    autosave shows all its questions (their numbers skip a type that fails), so without this
    each request made them all again. Bounded (oldest out first); failures are not kept, so
    a failing type is still flagged on each request, as before.

    Also which questions their type has shown in a language (for any attempt): the question
    page numbers those without making their views (`present(lazy=True)`)."""

    # About 2.6 KB an entry (measured with tracemalloc): 512 keep ~1.3 MB per worker, the
    # questions of some 40 attempts in progress at once; an older one is made again.
    SIZE = 512
    SHOWN_SIZE = 8192  # (type, question, language) keys: every bank's questions, twice over

    def __init__(self):
        self._entries: dict[tuple, tuple] = {}
        self._shown: dict[tuple, tuple] = {}
        self._lock = threading.Lock()

    def shown_before(self, qtype: QuestionType, question: Question,
                     language: str | None) -> bool:
        entry = self._shown.get((id(qtype), id(question), language))
        return entry is not None and entry[0] is qtype and entry[1] is question

    def get(self, qtype: QuestionType, question: Question, language: str | None,
            arranged: Arrangement, subject: str) -> tuple[Any, Any] | None:
        key = (id(qtype), id(question), language, arranged.seed, arranged.shuffle)
        entry = self._entries.get(key)
        # Ids are checked against the objects kept in the entry: a reloaded registry's new
        # question (or type) never meets the old one's view.
        if entry is not None and entry[0] is qtype and entry[1] is question:
            return entry[2], entry[3]
        view = run_optional("present", qtype, qtype.present, question, language, arranged,
                            subject=subject)
        field = None if view is None else run_optional("field", qtype, qtype.field, question,
                                                       view, subject=subject)
        with self._lock:
            if field is None:
                self._shown.pop(key[:3], None)
                return None
            self._entries[key] = (qtype, question, view, field)
            self._shown[key[:3]] = (qtype, question)
            for kept, size in ((self._entries, self.SIZE), (self._shown, self.SHOWN_SIZE)):
                while len(kept) > size:
                    del kept[next(iter(kept))]
        return view, field


_views = _Views()


def present(course: Course, attempt: QuizAttempt, language: str | None, *,
            lazy: bool = False, current: int | None = None) -> list[Presented]:
    """The attempt's questions in its order, numbered from 1; one whose type fails to show it
    is left out (flagged), like a retired question.

    `lazy`: for pages that show one question (`current`, the question page and its autosave)
    or none (overview, summary). A question whose type has shown it before (in any attempt)
    is then numbered without making its view: on an attempt's first page, making all twelve
    views of the benchmark's quiz was ~14 % of the request (cProfile, bench/README.md,
    2026-12-05)."""
    registry = current_registry()
    saved = SavedAnswers(attempt)
    presented = []
    for question in attempt_questions(course, attempt):
        qtype = registry.question_type(question.type)
        item = Presented(number=len(presented) + 1, question=question, qtype=qtype,
                         arrangement=arrangement(course, attempt, question), saved=saved,
                         language=language, subject=f"{course.slug}/{question.id}")
        if not lazy or item.number == current \
                or not _views.shown_before(qtype, question, language):
            item.made = _views.get(qtype, question, language, item.arrangement, item.subject)
            if item.made is None:  # its type failed (flagged): left out
                continue
        presented.append(item)
    return presented


def saved_field_data(course: Course, item: Presented) -> Any:
    """The saved answer as the type's field shows it; None (an empty field) when the type
    fails to read it back (flagged), so the learner can still answer."""
    return run_optional("field_data", item.qtype, item.qtype.field_data, item.question,
                        item.answer, item.arrangement, subject=f"{course.slug}/{item.question.id}")


def parse_answer(course: Course, item: Presented, data: Any) -> Any:
    """The field's data as the answer `grade` expects. Raises InvalidAnswer with the type's
    message for input it refuses, and with a plain message when the type itself fails
    (flagged for the author): nothing is saved either way."""
    try:
        return item.qtype.parse_answer(item.question, data, item.arrangement)
    except InvalidAnswer:
        raise
    except Exception as exc:  # noqa: BLE001 - a plugin's failure is contained and reported
        report("parse_answer", owner_of(item.qtype), item.qtype.parse_answer, exc,
               f"{course.slug}/{item.question.id}")
        raise InvalidAnswer(_l("This question cannot take answers right now; the problem has "
                               "been reported. Please go on with the other questions.")) from exc


# -- saving and closing ----------------------------------------------------------------------

def save_answer(course: Course, attempt: QuizAttempt, question: Question, answer: Any) -> bool:
    """Save one answer while the attempt is open and before its deadline. False otherwise
    (the attempt is then closed if its time ran out)."""
    at = clock.utcnow()
    # Each statement gets only its own parameters: a Core UPDATE takes a parameter named as
    # one of its table's columns (quiz_answers.attempt_id) as a value to SET.
    claim = {"the_attempt": attempt.id, "at": at}
    answer_row = {"the_attempt": attempt.id, "the_question": question.id,
                  "new_response": answer, "new_saved_at": at}
    if _postgresql():  # claim and save in one statement, a whole unit of work
        claimed = db.session.scalar(_save_in_one(), claim | answer_row) == 1
    else:
        claimed = db.session.execute(_claim_for_save(), claim).rowcount == 1
        if claimed:  # holding the attempt row now: a submit waits for this commit
            db.session.execute(_answer_update(), answer_row)
    if not claimed:
        db.session.rollback()
        close_if_expired(course, attempt)
        db.session.refresh(attempt)
        return False
    _commit_keeping(attempt, last_saved_at=at)
    return True


# The autosave runs on every answer: its two statements are built once (building them cost
# about as much CPU as running them), as plain table statements without the ORM's layer.
@cache
def _claim_for_save() -> Update:
    attempts = QuizAttempt.__table__
    at = bindparam("at", type_=attempts.c.last_saved_at.type)
    return (update(attempts)
            .where(attempts.c.id == bindparam("the_attempt"),
                   attempts.c.state == AttemptState.IN_PROGRESS,
                   or_(attempts.c.deadline.is_(None), attempts.c.deadline > at))
            .values(last_saved_at=at))


@cache
def _save_in_one() -> Select:
    """PostgreSQL: `_claim_for_save` and the answer's update in one statement, which counts
    the claimed attempt rows (1, or 0 when the attempt is closed or past its deadline: then
    nothing is saved). The update joins the claim's row, so it waits for and follows the
    claim as the two statements did."""
    attempts, answers = QuizAttempt.__table__, QuizAnswer.__table__
    claimed = _claim_for_save().returning(attempts.c.id).cte("claimed")
    saved = (update(answers)
             .where(answers.c.attempt_id == claimed.c.id,
                    answers.c.question_id == bindparam("the_question"))
             .values(response=bindparam("new_response", type_=answers.c.response.type),
                     saved_at=bindparam("new_saved_at", type_=answers.c.saved_at.type)))
    return whole_unit(select(func.count()).select_from(claimed).add_cte(saved.cte("saved")))


@cache
def _answer_update() -> Update:
    answers = QuizAnswer.__table__
    return (update(answers)
            .where(answers.c.attempt_id == bindparam("the_attempt"),
                   answers.c.question_id == bindparam("the_question"))
            .values(response=bindparam("new_response", type_=answers.c.response.type),
                    saved_at=bindparam("new_saved_at", type_=answers.c.saved_at.type)))


def submit(course: Course, attempt: QuizAttempt) -> bool:
    """Finish and grade the attempt. True only for the one call that graded it."""
    at = clock.utcnow()
    if attempt.deadline is not None and attempt.deadline <= at:
        return close_if_expired(course, attempt)
    return _finish(course, attempt, CLOSED_BY_SUBMIT, at)


def close_expired(user: User, course: Course) -> int:
    """Close and grade the person's attempts at the course's quiz that are past their
    deadline, on what was saved; returns how many this call graded. The explicit step before
    showing attempts: the course page and the quiz pages call it, readers never do."""
    expired = db.session.scalars(_expired_query(), {
        "user_id": user.id, "course_slug": course.slug, "at": clock.utcnow()})
    return sum(close_if_expired(course, attempt) for attempt in list(expired))


@cache
def _expired_query() -> Select:
    """Built once: every quiz page asks, and composing the statement cost about as much as
    running it (bench/profile_routes.py quiz)."""
    return select(QuizAttempt).where(
        QuizAttempt.user_id == bindparam("user_id"),
        QuizAttempt.course_slug == bindparam("course_slug"),
        QuizAttempt.state == AttemptState.IN_PROGRESS,
        QuizAttempt.deadline <= bindparam("at"))


def close_if_expired(course: Course, attempt: QuizAttempt) -> bool:
    """Close and grade an attempt past its deadline on what was saved. True if this call did."""
    at = clock.utcnow()
    if attempt.deadline is None or attempt.deadline > at:
        return False
    return _finish(course, attempt, CLOSED_BY_DEADLINE, at)


def _finish(course: Course, attempt: QuizAttempt, closed_by: str, at: datetime) -> bool:
    by_deadline = closed_by == CLOSED_BY_DEADLINE
    finished_at = attempt.deadline if by_deadline else at
    claimed = db.session.execute(_claim_for_finish(by_deadline), {
        "the_attempt": attempt.id, "at": at, "closed_at": finished_at, "how": closed_by})
    if claimed.rowcount != 1:  # someone else closed it first: they grade it, not us
        db.session.rollback()
        db.session.refresh(attempt)
        return False
    # Still in the transaction that closed the attempt: grade and commit together. Every
    # save that got the attempt row before us is committed and seen; later ones are refused.
    answers = list(db.session.scalars(_answers_query(), {"the_attempt": attempt.id}))
    # The loaded answers are left as they were: the commit below expires them.
    grades = _grade_answers(course, answers)
    points = round(sum(g[1] for g in grades.values()), 4)
    max_points = float(sum(g[2] for g in grades.values()))
    score = score_percent(points, max_points)
    values = {"points": points, "max_points": max_points, "score": score,
              "passed": passes(score, course.quiz.pass_mark),
              # A submit: the moment we held the row, after every saved answer.
              "finished_at": finished_at if by_deadline else clock.utcnow()}
    _store_grades(attempt.id, grades, values)
    events.emit("attempt.graded", key=f"attempt.graded:attempt:{attempt.id}",
                person_id=attempt.user_id,
                actor_id=attempt.user_id if closed_by == CLOSED_BY_SUBMIT else None,
                data={"course": course.slug, "attempt_id": attempt.id, "score": score,
                      "passed": bool(values["passed"]), "closed_by": closed_by})
    user_id = attempt.user_id
    kept = _commit_keeping(attempt, state=AttemptState.FINISHED.value, closed_by=closed_by,
                           **values)
    if values["passed"]:  # after the commit: a pass may complete the course
        completions.evaluate(db.session.get(User, user_id), course)
        _keep(attempt, kept)  # evaluate committed too; the attempt has not changed since
    return True


# Closing and grading: statements built once (as the autosave's), plain table statements.
@cache
def _claim_for_finish(by_deadline: bool) -> Update:
    attempts = QuizAttempt.__table__
    claim = update(attempts).where(attempts.c.id == bindparam("the_attempt"),
                                   attempts.c.state == AttemptState.IN_PROGRESS)
    if by_deadline:
        claim = claim.where(attempts.c.deadline <= bindparam(
            "at", type_=attempts.c.deadline.type))
    return claim.values(state=AttemptState.FINISHED,
                        finished_at=bindparam("closed_at", type_=attempts.c.finished_at.type),
                        closed_by=bindparam("how", type_=attempts.c.closed_by.type))


@cache
def _grade_update() -> Update:
    attempts = QuizAttempt.__table__
    return update(attempts).where(attempts.c.id == bindparam("the_attempt")).values({
        name: bindparam(f"new_{name}", type_=attempts.c[name].type)
        for name in ("points", "max_points", "score", "passed", "finished_at")})


@cache
def _answers_query() -> Select:
    # populate_existing: answers this request loaded before the claim are read again, so a
    # save committed in between is graded too.
    return (select(QuizAnswer).where(QuizAnswer.attempt_id == bindparam("the_attempt"))
            .execution_options(populate_existing=True))


def _grade_answers(course: Course, answers: list[QuizAnswer]) -> dict[QuizAnswer, tuple]:
    """Grade each saved answer with its question type's pure grade(): (fraction, points,
    max points) by answer."""
    registry = current_registry()
    grades = {}
    for answer in answers:
        question = course.quiz.question(answer.question_id)
        if question is None:  # retired from the bank since: neither counts nor costs
            continue
        qtype = registry.question_type(question.type)
        # A grader that raises scores 0 and is flagged on /admin/plugins; the attempt finishes.
        grade = run_grade(qtype, question, answer.response, f"{course.slug}/{question.id}")[0] \
            if answer.response is not None else Grade.of(0.0)
        grades[answer] = (grade.fraction, answer_points(grade.fraction, question.points),
                          question.points)
    return grades


def _store_grades(attempt_id: int, grades: dict[QuizAnswer, tuple],
                  totals: dict[str, Any]) -> None:
    """Write every graded answer's fraction and points and the attempt's `totals` (see
    `_postgresql`): on PostgreSQL one statement."""
    params = {"the_attempt": attempt_id, **{f"new_{k}": v for k, v in totals.items()}}
    if grades and _postgresql():
        db.session.execute(_grades_and_totals(), {
            **params,
            "graded_ids": [answer.id for answer in grades],
            "graded_fractions": [fraction for fraction, _points, _most in grades.values()],
            "graded_points": [points for _fraction, points, _most in grades.values()]})
        return
    if grades:
        db.session.execute(_grade_update_one(), [
            {"answer_id": answer.id, "new_fraction": fraction, "new_points": points}
            for answer, (fraction, points, _most) in grades.items()])
    db.session.execute(_grade_update(), params)


@cache
def _grade_update_one() -> Update:
    answers = QuizAnswer.__table__
    return (update(answers).where(answers.c.id == bindparam("answer_id"))
            .values(fraction=bindparam("new_fraction", type_=answers.c.fraction.type),
                    points=bindparam("new_points", type_=answers.c.points.type)))


@cache
def _grades_and_totals() -> Update:
    """PostgreSQL: the answers' grades from arrays (one statement, not a row each) and the
    attempt's totals (`_grade_update`), together."""
    answers = QuizAnswer.__table__
    graded = (func.unnest(bindparam("graded_ids", type_=postgresql.ARRAY(Integer)),
                          bindparam("graded_fractions", type_=postgresql.ARRAY(Float)),
                          bindparam("graded_points", type_=postgresql.ARRAY(Float)))
              .table_valued("id", "fraction", "points").render_derived("graded"))
    grades = (update(answers).where(answers.c.id == graded.c.id)
              .values(fraction=graded.c.fraction, points=graded.c.points))
    return _grade_update().add_cte(grades.cte("grades"))


# -- after the attempt -----------------------------------------------------------------------

@dataclass
class ReviewItem:
    presented: Presented
    fraction: float
    points: float
    max_points: float
    feedback: Any
    key: str | None = None
    """The right answer in words (only when the policy reveals the key)."""
    key_choices: frozenset[str] = frozenset()
    """Field values of the right choices, marked in the list (only when the key is shown)."""

    @property
    def correct(self) -> bool:
        return self.fraction >= 1.0

    @property
    def partly(self) -> bool:
        return 0.0 < self.fraction < 1.0


@dataclass
class Review:
    attempt: QuizAttempt
    show_details: bool
    """The learner's answers, each marked right, partly right or wrong, with its points."""
    show_key: bool = False
    """The right answers and the feedback."""
    items: list[ReviewItem] = field(default_factory=list)


def review_access(policy: ReviewPolicy, quiz_status: QuizStatus) -> tuple[bool, bool]:
    """(show the learner's answers marked right/wrong, show the key and feedback) under
    `policy` for this learner now. Documented in docs/course-format.md ("Review")."""
    # The key can no longer help with this quiz once the learner passed or has no attempt
    # left (unlimited attempts: only a pass). An attempt in progress always counts as "left".
    finished_trying = quiz_status.passed or (
        quiz_status.attempts_left == 0 and quiz_status.in_progress is None)
    if policy == ReviewPolicy.AFTER_SUBMIT:
        return True, True
    if policy == ReviewPolicy.AFTER_PASS:
        return (quiz_status.passed,) * 2
    if policy == ReviewPolicy.AFTER_LAST_ATTEMPT:
        return (finished_trying,) * 2
    if policy == ReviewPolicy.WRONG_ONLY_WITHOUT_KEY:
        return True, False
    return False, False  # score_only, and any policy this code does not know


def review(course: Course, attempt: QuizAttempt, quiz_status: QuizStatus,
           language: str | None) -> Review:
    """What the learner may see of a finished attempt, by the course's review policy."""
    if attempt.in_progress:
        raise QuizError(_l("This attempt is still in progress."))
    show, show_key = review_access(course.quiz.review, quiz_status)
    result = Review(attempt=attempt, show_details=show, show_key=show_key)
    if not show:
        return result
    registry = current_registry()
    graded = {answer.question_id: answer for answer in attempt.answers}
    for item in present(course, attempt, language):
        saved = graded.get(item.question.id)
        feedback = item.question.feedback.get(language) \
            if show_key and item.question.feedback else None
        qtype = registry.question_type(item.question.type)
        result.items.append(ReviewItem(
            presented=item, fraction=(saved.fraction or 0.0) if saved else 0.0,
            points=(saved.points or 0.0) if saved else 0.0, max_points=item.question.points,
            feedback=feedback,
            key=run_optional("review", qtype, qtype.key_text, item.question, language,
                             subject=f"{course.slug}/{item.question.id}") if show_key else None,
            key_choices=frozenset(run_optional(
                "review", qtype, qtype.key_choices, item.question, item.arrangement,
                subject=f"{course.slug}/{item.question.id}") or ()) if show_key
            else frozenset()))
    return result
