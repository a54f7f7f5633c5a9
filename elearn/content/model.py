"""The authored course, as immutable values. Learner state never lives here."""
from __future__ import annotations

from dataclasses import dataclass, field
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


class Audience(StrEnum):
    CADRE = "cadre"
    STUDENT = "student"
    ALL = "all"


class ReviewPolicy(StrEnum):
    AFTER_SUBMIT = "after_submit"
    SCORE_ONLY = "score_only"
    AFTER_PASS = "after_pass"


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

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class Course:
    slug: str
    version: str
    title: LocalText
    description: LocalText
    kind: TopicKind
    term: str
    year: int
    scope: str
    audience: Audience
    languages: tuple[str, ...]
    min_reading_seconds: int
    lessons: tuple[Lesson, ...]
    quiz: QuizSettings | None
    completion_rule: str
    pledge_years: tuple[int, ...]
    content_hash: str
    path: Path | None = None
    source: str = field(default="", compare=False)
    """Name of the plugin that registered the course."""

    def lesson(self, slug: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.slug == slug), None)

    @property
    def assets_path(self) -> Path | None:
        return self.path / "assets" if self.path else None
