"""The guessing table `flask elearn courses check` prints under each course (translated)."""
from __future__ import annotations

from fractions import Fraction
from typing import Callable, Mapping

from flask_babel import format_percent, gettext as _, ngettext

from .content.guessing import STRATEGY_LABELS, GuessReport, guessing_report, question_warnings
from .content.model import Course
from .interfaces import QuestionType


def _percent(chance: Fraction | float) -> str:
    value = float(chance)
    if 0 < value < 0.0001:  # never print a real chance as 0
        return "< " + format_percent(0.0001, "#,##0.00%")
    return format_percent(value, "#,##0.00%")


def _draw(course: Course) -> str:
    blueprint = course.quiz.blueprint
    if blueprint is None or blueprint.count is not None:
        return _("%(num)d questions from the whole bank", num=course.quiz.draw)
    if blueprint.per_lesson is not None:
        return _("%(num)d questions from each lesson", num=blueprint.per_lesson)
    return _("by tag: %(tags)s", tags=", ".join(f"{tag} {n}" for tag, n in blueprint.by_tag))


def _attempts(attempts: int) -> str:
    if not attempts:
        return _("unlimited attempts")
    return ngettext("%(num)d attempt", "%(num)d attempts", attempts)


def report_lines(course: Course, question_types: Mapping[str, QuestionType]
                 ) -> tuple[list[str], list[str], bool]:
    """(table lines, warning lines, within the course's limit?) for one course."""
    quiz = course.quiz
    report: GuessReport = guessing_report(quiz, question_types)
    within = _("within %(attempts)s", attempts=_attempts(report.attempts))
    rows = [(str(odds.label), _percent(odds.per_attempt), _percent(odds.within_attempts))
            for odds in report.odds]
    header = (_("a non-reader who…"), _("one attempt"), within)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]

    def line(cells: tuple[str, str, str]) -> str:
        return "  " + cells[0].ljust(widths[0]) + "  " + cells[1].rjust(widths[1]) + "  " + \
            cells[2].rjust(widths[2])

    lines = ["  " + _("Chance to pass by guessing, without studying (pass mark %(mark)s, "
                      "%(draw)s):", mark=format_percent(quiz.pass_mark / 100, "#,##0.#%"),
                      draw=_draw(course)),
             line(header), *(line(row) for row in rows)]
    worst = report.worst
    if worst.rule:
        # The types answered at random are left out: they are the default of every rule.
        mix = ", ".join(f"{question_types[name].label or name}: {STRATEGY_LABELS[strategy]}"
                        for name, strategy in sorted(worst.rule.items()) if strategy != "random")
        lines.append("  " + _("worst: %(rule)s", rule=mix or STRATEGY_LABELS["random"]))
    if not report.ok:
        lines.append("  " + _(
            "FAIL: a non-reader passes %(chance)s of the time; the course allows at most "
            "%(limit)s (quiz.max_guess_pass_probability)", chance=_percent(
                worst.within_attempts), limit=_percent(report.threshold)))
    bank = course.path / quiz.bank if course.path else quiz.bank
    warnings = [_("warning: %(place)s: question %(id)s: %(message)s",
                  place=f"{bank}:{w.question.line}" if w.question.line else str(bank),
                  id=w.question.id, message=w.message)
                for w in question_warnings(quiz, question_types)]
    return lines, warnings, report.ok


def echo_report(course: Course, question_types: Mapping[str, QuestionType],
                echo: Callable[..., None]) -> bool:
    """Print the table and warnings under the course's "ok" line. False when the course is
    easier to pass by guessing than it allows."""
    if course.quiz is None or not course.quiz.questions:
        return True
    lines, warnings, ok = report_lines(course, question_types)
    for text in lines:
        echo(text)
    for text in warnings:
        echo("  " + text, err=True)
    return ok
