"""The authored course, as immutable values. Learner state never lives here."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

DEFAULT_LANGUAGE = "vi"
LANGUAGES = ("vi", "en")


class TopicKind(StrEnum):
    FULL_TERM = "full_term"
    ANNUAL = "annual"
    STUDENT = "student"


class CourseAudience(StrEnum):
    """Who a course is written for (course.yaml `audience`); people belong to a
    `models.PersonAudience`, and `all` opens the course to every one of them."""

    CADRE = "cadre"
    STUDENT = "student"
    ALL = "all"


class ReviewPolicy(StrEnum):
    """What a learner sees of a finished attempt (see docs/course-format.md, "Review").

    * after_submit: answers, verdicts, the key and feedback after every attempt.
    * score_only: the score, never question by question.
    * after_pass: answers, verdicts, key and feedback once the learner has passed.
    * after_last_attempt: the same once the key can no longer help: the learner has passed,
      or every allowed attempt is used and none is in progress (with unlimited attempts that
      means only after passing).
    * wrong_only_without_key: the learner's answers marked right or wrong, with the points,
      but never the key or feedback.
    """

    AFTER_SUBMIT = "after_submit"
    SCORE_ONLY = "score_only"
    AFTER_PASS = "after_pass"
    AFTER_LAST_ATTEMPT = "after_last_attempt"
    WRONG_ONLY_WITHOUT_KEY = "wrong_only_without_key"


@dataclass(frozen=True)
class LocalText:
    """Text authored in one or more languages; Vietnamese is always present."""

    values: Mapping[str, str]

    def get(self, language: str | None = None) -> str:
        if language and language in self.values:
            return self.values[language]
        return self.values[DEFAULT_LANGUAGE]

    def __str__(self) -> str:
        return self.get()

    @classmethod
    def of(cls, vi: str, **others: str) -> "LocalText":
        return cls(MappingProxyType({DEFAULT_LANGUAGE: vi, **others}))


@dataclass(frozen=True)
class Lesson:
    slug: str
    position: int
    title: LocalText
    summary: LocalText | None
    reading_minutes: int
    word_count: int
    html: Mapping[str, str]
    """Sanitised HTML per language, rendered once at load time."""

    def available_in(self, language: str | None) -> bool:
        """Whether the body is written in this language (not a Vietnamese fallback)."""
        return language is None or language == DEFAULT_LANGUAGE or language in self.html

    def html_for(self, language: str | None) -> str:
        if language and language in self.html:
            return self.html[language]
        return self.html[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Question:
    """One question of a bank. `data` is what its QuestionType parsed; keys stay server-side."""

    id: str
    type: str
    prompt: LocalText
    points: float
    feedback: LocalText | None
    data: Mapping[str, Any]
    # Which lesson (file stem) the question tests, and free tags: quiz blueprints draw by them.
    lesson: str | None = None
    tags: tuple[str, ...] = ()
    line: int | None = field(default=None, compare=False)
    """Line of the question in its bank file, for warnings an author can act on."""


@dataclass(frozen=True)
class Blueprint:
    """How an attempt draws its questions (course.yaml `quiz.draw`).

    Exactly one of: `count` (draw N from the whole bank), `per_lesson` (N from each lesson, in
    the course's lesson order) or `by_tag` (N from each named tag, in the order written; the
    loader makes sure no question carries two of these tags, so the strata never overlap).
    """

    count: int | None = None
    per_lesson: int | None = None
    lessons: tuple[str, ...] = ()
    by_tag: tuple[tuple[str, int], ...] = ()

    @property
    def total(self) -> int:
        if self.count is not None:
            return self.count
        if self.per_lesson is not None:
            return self.per_lesson * len(self.lessons)
        return sum(n for _, n in self.by_tag)

    def strata(self, questions: tuple["Question", ...] | list["Question"]
               ) -> list[tuple[tuple[int, ...], int]]:
        """(indices into `questions`, how many to draw from them) per stratum, in a fixed order
        so a stored seed always draws the same questions."""
        if self.count is not None:
            return [(tuple(range(len(questions))), min(self.count, len(questions)))]
        if self.per_lesson is not None:
            groups = [(tuple(i for i, q in enumerate(questions) if q.lesson == lesson),
                       self.per_lesson) for lesson in self.lessons]
        else:
            groups = [(tuple(i for i, q in enumerate(questions) if tag in q.tags), n)
                      for tag, n in self.by_tag]
        return [(indices, min(n, len(indices))) for indices, n in groups]


@dataclass(frozen=True)
class QuizSettings:
    bank: str
    draw: int
    pass_mark: float
    max_attempts: int
    time_limit_minutes: int
    shuffle: bool
    review: ReviewPolicy
    requires_lessons: bool
    questions: tuple[Question, ...] = ()
    blueprint: Blueprint | None = None
    """None means `draw` questions from the whole bank."""
    max_guess_pass_probability: float = 0.05
    """`courses check` fails when a non-reader would pass within the allowed attempts more
    often than this under any guessing strategy (see elearn.content.guessing)."""

    def question(self, question_id: str) -> Question | None:
        return self._questions_by_id.get(question_id)

    @cached_property
    def _questions_by_id(self) -> dict[str, Question]:
        # Every quiz request looks up each of its questions: a scan of the bank each time
        # was ~1 % of the quiz's CPU (py-spy). The first of a repeated id wins, as before.
        by_id: dict[str, Question] = {}
        for question in self.questions:
            by_id.setdefault(question.id, question)
        return by_id


@dataclass(frozen=True)
class Course:
    slug: str
    version: str
    title: LocalText
    description: LocalText
    kind: TopicKind
    term: str | None
    """The Party term ("2021-2026"); None for a student course that names none."""
    year: int
    audience: CourseAudience
    languages: tuple[str, ...]
    min_reading_seconds: int
    lessons: tuple[Lesson, ...]
    quiz: QuizSettings | None
    completion_rule: str
    pledge_years: tuple[int, ...]
    content_hash: str
    path: Path | None = None
    issuer: LocalText | None = None
    """The training centre or school that issues the course's certificates (course.yaml
    `issuer`); None means the top unit of the learner's organisation tree."""
    source: str = field(default="", compare=False)
    """Name of the plugin that registered the course."""

    def lesson(self, slug: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.slug == slug), None)

    def lessons_missing(self, language: str | None) -> tuple[Lesson, ...]:
        """Lessons whose body a reader of this language gets in Vietnamese instead."""
        return tuple(lesson for lesson in self.lessons if not lesson.available_in(language))

    @property
    def assets_path(self) -> Path | None:
        return self.path / "assets" if self.path else None
