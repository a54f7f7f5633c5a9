"""How an attempt's score is computed from its graded answers: one definition, used by the
quiz service (real attempts) and by the guessing analysis (what a non-reader would score)."""
from __future__ import annotations


def answer_points(fraction: float, points: float) -> float:
    """Points one answer earns: its share of the question's points, to 4 decimals."""
    return round(fraction * points, 4)


def score_percent(points: float, max_points: float) -> float:
    """The attempt's score in percent, to 2 decimals (0 when nothing was drawn)."""
    return round(100.0 * points / max_points, 2) if max_points else 0.0


def passes(score: float, pass_mark: float) -> bool:
    return score >= pass_mark
