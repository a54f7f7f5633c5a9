"""Item analysis for authors: per question and course version, attempts, facility (share of
points earned) and discrimination (upper 27 % minus lower 27 % of attempts by total score),
computed in SQL with a window function."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from ..extensions import db
from ..models import AttemptState, QuizAnswer, QuizAttempt

HARD = 0.30            # most people fail it
WEAK = 0.20            # good and weak learners do about as well
MIN_ATTEMPTS = 10      # below this the numbers mean little


@dataclass(frozen=True)
class QuestionStat:
    question_id: str
    version: str
    attempts: int
    facility: float
    discrimination: float

    @property
    def flags(self) -> list[str]:
        if self.attempts < MIN_ATTEMPTS:
            return ["few"]
        found = []
        if self.facility < HARD:
            found.append("hard")
        if self.discrimination < 0:
            found.append("inverted")
        elif self.discrimination < WEAK:
            found.append("weak")
        return found


def question_stats(course_slug: str) -> list[QuestionStat]:
    # Position of each attempt in its version's score order, 0 (lowest) to 1 (highest); ties
    # are split by id, so "the top 27 %" always holds 27 % of the attempts.
    position = func.row_number().over(partition_by=QuizAttempt.course_version,
                                      order_by=(QuizAttempt.score, QuizAttempt.id)) - 1
    size = func.count().over(partition_by=QuizAttempt.course_version) - 1
    ranked = (select(QuizAttempt.id, QuizAttempt.course_version,
                     (position * 1.0 / func.nullif(size, 0)).label("rank"))
              .where(QuizAttempt.course_slug == course_slug,
                     QuizAttempt.state == AttemptState.FINISHED,
                     QuizAttempt.score.is_not(None))
              .subquery())
    earned = func.coalesce(QuizAnswer.fraction, 0.0)
    upper = func.avg(case((ranked.c.rank >= 0.73, earned)))
    lower = func.avg(case((ranked.c.rank <= 0.27, earned)))
    rows = db.session.execute(
        select(QuizAnswer.question_id, ranked.c.course_version, func.count(),
               func.avg(earned), upper, lower)
        .join(ranked, QuizAnswer.attempt_id == ranked.c.id)
        .group_by(QuizAnswer.question_id, ranked.c.course_version)
        .order_by(ranked.c.course_version, QuizAnswer.question_id)).all()
    return [QuestionStat(qid, version, int(count), float(facility or 0),
                         float((up or 0) - (low or 0)))
            for qid, version, count, facility, up, low in rows]
