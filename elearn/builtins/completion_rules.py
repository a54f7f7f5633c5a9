"""Default plugin: the built-in completion rules."""
from __future__ import annotations

from ..api import CompletionRule, Course, LearnerRecord, hookimpl


class LessonsAndQuiz(CompletionRule):
    """Every lesson studied and the quiz passed (a course without a quiz: lessons only)."""

    name = "lessons_and_quiz"

    def is_met(self, course: Course, record: LearnerRecord) -> bool:
        lessons = {lesson.slug for lesson in course.lessons} <= record.lessons_studied
        return lessons and (course.quiz is None or record.quiz_passed)


class LessonsOnly(CompletionRule):
    name = "lessons_only"

    def is_met(self, course: Course, record: LearnerRecord) -> bool:
        return {lesson.slug for lesson in course.lessons} <= record.lessons_studied


class QuizOnly(CompletionRule):
    """For refresher courses: passing the quiz is enough."""

    name = "quiz_only"

    def is_met(self, course: Course, record: LearnerRecord) -> bool:
        return course.quiz is not None and record.quiz_passed


@hookimpl
def register_completion_rules() -> list[type[CompletionRule]]:
    return [LessonsAndQuiz, LessonsOnly, QuizOnly]
