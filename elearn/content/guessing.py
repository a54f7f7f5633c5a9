"""How likely a learner who has not read the course passes its quiz by guessing, exactly.

Pure functions over the authored course (no database, no request): `flask elearn courses check`
prints the report and fails a course above its `quiz.max_guess_pass_probability`.

The model, stated so it can be checked:

* An attempt draws its questions as `elearn.services.quiz.draw_questions` does: within each
  stratum of the blueprint (the whole bank, a lesson, a tag) every set of the asked size is
  equally likely, and strata are drawn independently.
* A strategy is what the non-reader does on every question. Each question type says what the
  strategy earns on one of its questions (`QuestionType.guess`: {share of points: chance}); where
  a strategy means nothing for a type (ticking every box of a true/false question), the learner
  guesses at random there. Partial credit is included: the share may be anything in [0, 1].
* The attempt passes as the service grades it (`elearn.content.scoring`): points per answer to
  4 decimals, score in percent to 2 decimals, compared with the pass mark.
* Attempts are independent: within m attempts the chance is 1 - (1 - p)^m; with unlimited
  attempts any p > 0 means a certain pass eventually, reported as 100 %.

Sums over a stratum are built as a generating polynomial in two variables, one per question
(pick it or not, and if picked what it earns), then divided by the number of draws C(n, k):
exact rational arithmetic throughout, so small probabilities are not lost to rounding.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product
from math import comb, lcm
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l

from ..interfaces import QuestionType
from .model import Blueprint, Question, QuizSettings
from .scoring import answer_points, passes, score_percent

STRATEGIES = ("random", "longest", "all_boxes", "always_true", "always_false")
MIXED = "mixed"
STRATEGY_LABELS = {
    MIXED: _l("worst mix by question type"),
    "random": _l("random guessing"),
    "longest": _l("always the longest option"),
    "all_boxes": _l("tick every box"),
    "always_true": _l("always “true”"),
    "always_false": _l("always “false”"),
}

Odds = dict[Fraction, Fraction]
"""{value: probability}"""
Totals = dict[tuple[int, int], Fraction]
"""{(points earned, points possible) in UNITS: probability} over the questions of an attempt."""


def question_odds(qtype: QuestionType, question: Question, strategy: str) -> Odds:
    """{share of the question's points: probability} for one question under `strategy`."""
    odds = qtype.guess(question, strategy)
    if odds is None:
        odds = qtype.guess(question, "random")
    if odds is None:
        odds = {Fraction(0): Fraction(1)}
    odds = {Fraction(share): Fraction(chance) for share, chance in odds.items() if chance}
    if sum(odds.values()) != 1 or any(not 0 <= share <= 1 for share in odds):
        raise ValueError(f"{qtype.name}.guess({question.id!r}, {strategy!r}) is not a "
                         f"distribution of shares in [0, 1]: {odds}")
    return odds


UNITS = 10_000
"""Points are counted in ten-thousandths: the service rounds each answer's points to 4 decimals,
so every total is a whole number of units and sums stay exact."""


def _units(points: float) -> int:
    return round(points * UNITS)


def stratum_totals(questions: list[Question], odds: list[Odds], count: int) -> Totals:
    """Distribution of (earned, possible) points, in UNITS, when `count` of `questions` are
    drawn, every set of `count` equally likely. `odds[i]` is question i's distribution."""
    # The generating polynomial, expanded one question at a time. Weights are integers over
    # a common denominator (the product of each question's own denominator): whole-number
    # arithmetic is exact and an order of magnitude faster than adding Fractions.
    # layers[j] = {(earned, possible): weight of the sets of j questions seen so far}
    layers: list[dict[tuple[int, int], int]] = [{(0, 0): 1}] + [{} for _ in range(count)]
    denominator = 1
    for question, shares in zip(questions, odds):
        scale = lcm(*(chance.denominator for chance in shares.values()))
        denominator *= scale
        possible = _units(question.points)
        earned = [(_units(answer_points(float(share), question.points)),
                   chance.numerator * (scale // chance.denominator))
                  for share, chance in shares.items()]
        for j in range(count, -1, -1):  # downwards: each question joins a set once
            layer = layers[j]
            if not layer:
                continue
            if j < count:
                target = layers[j + 1]
                for (points, maximum), weight in layer.items():
                    for gained, numerator in earned:
                        key = (points + gained, maximum + possible)
                        target[key] = target.get(key, 0) + weight * numerator
            for key in layer:  # the sets that leave this question out: same denominator
                layer[key] *= scale
    total = denominator * comb(len(questions), count)
    return {key: Fraction(weight, total) for key, weight in layers[count].items()}


def combine(first: Totals, second: Totals) -> Totals:
    """The totals of two independent parts of an attempt."""
    result: Totals = {}
    for (p1, m1), w1 in first.items():
        for (p2, m2), w2 in second.items():
            key = (p1 + p2, m1 + m2)
            result[key] = result.get(key, 0) + w1 * w2
    return result


def strata(quiz: QuizSettings) -> list[tuple[list[Question], int]]:
    """(questions, how many are drawn from them) per stratum of the quiz's blueprint."""
    blueprint = quiz.blueprint or Blueprint(count=quiz.draw)
    return [([quiz.questions[i] for i in indices], count)
            for indices, count in blueprint.strata(quiz.questions)]


Rule = Mapping[str, str]
"""What the non-reader does on each question type: {type name: strategy}; types left out are
answered at random."""


def rule_for(strategy: str, quiz: QuizSettings) -> dict[str, str]:
    """One strategy applied wherever it means something, at random elsewhere."""
    return {question.type: strategy for question in quiz.questions}


def rules(quiz: QuizSettings, question_types: Mapping[str, QuestionType]) -> list[dict[str, str]]:
    """Every rule a non-reader could follow: for each question type of the bank, one of the
    strategies that type knows (or random). The worst of these is the honest figure: a guesser
    ticks every box *and* picks the longest option *and* answers "false"."""
    known: dict[str, list[str]] = {}
    for question in quiz.questions:
        choices = known.setdefault(question.type, ["random"])
        for strategy in STRATEGIES:
            if strategy not in choices and \
                    question_types[question.type].guess(question, strategy) is not None:
                choices.append(strategy)
    names = sorted(known)
    return [dict(zip(names, combination))
            for combination in product(*(known[name] for name in names))]


def pass_probability(quiz: QuizSettings, question_types: Mapping[str, QuestionType],
                     rule: str | Rule, cache: dict | None = None) -> Fraction:
    """Exact chance that one attempt passes when every answer follows `rule` (a strategy for
    every question, or one per question type). `cache` may be shared between calls for the
    same quiz: a stratum is computed once per strategies of the types it holds."""
    if isinstance(rule, str):
        rule = rule_for(rule, quiz)
    cache = {} if cache is None else cache
    totals: Totals = {(0, 0): Fraction(1)}
    for index, (questions, count) in enumerate(strata(quiz)):
        used = tuple(sorted({(q.type, rule.get(q.type, "random")) for q in questions}))
        if (index, used) not in cache:
            odds = [question_odds(question_types[q.type], q, rule.get(q.type, "random"))
                    for q in questions]
            cache[index, used] = stratum_totals(questions, odds, count)
        totals = combine(totals, cache[index, used])
    return sum((chance for (points, maximum), chance in totals.items()
                if passes(score_percent(points / UNITS, maximum / UNITS), quiz.pass_mark)),
               Fraction(0))


def within_attempts(chance: Fraction, attempts: int) -> Fraction:
    """Chance of at least one pass in `attempts` independent tries (0 = unlimited)."""
    if attempts == 0:
        return Fraction(1) if chance > 0 else Fraction(0)
    return 1 - (1 - chance) ** attempts


@dataclass(frozen=True)
class StrategyOdds:
    strategy: str
    """A name of STRATEGIES, or "mixed" for the worst rule per question type."""
    per_attempt: Fraction
    within_attempts: Fraction
    rule: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> Any:
        if self.strategy == MIXED:
            return STRATEGY_LABELS[MIXED]
        return STRATEGY_LABELS.get(self.strategy, self.strategy)


@dataclass(frozen=True)
class GuessReport:
    attempts: int
    """Allowed attempts (0 = unlimited)."""
    threshold: float
    odds: tuple[StrategyOdds, ...]

    @property
    def worst(self) -> StrategyOdds:
        return max(self.odds, key=lambda o: (o.within_attempts, o.per_attempt))

    @property
    def ok(self) -> bool:
        return self.worst.within_attempts <= Fraction(repr(self.threshold))


def guessing_report(quiz: QuizSettings, question_types: Mapping[str, QuestionType]
                    ) -> GuessReport:
    """Each strategy's chance to pass one attempt and within the allowed attempts, and the
    worst rule that mixes strategies by question type."""
    cache: dict[tuple[tuple[str, str], ...], Fraction] = {}
    strata_cache: dict = {}

    def chance(rule: Mapping[str, str]) -> Fraction:
        key = tuple(sorted(rule.items()))
        if key not in cache:
            cache[key] = pass_probability(quiz, question_types, rule, strata_cache)
        return cache[key]

    def odds(name: str, rule: Mapping[str, str]) -> StrategyOdds:
        once = chance(rule)
        return StrategyOdds(name, once, within_attempts(once, quiz.max_attempts), dict(rule))

    every_rule = rules(quiz, question_types)
    singles = []
    for strategy in STRATEGIES:
        # the strategy where the type knows it, random elsewhere: one of `every_rule`
        rule = {name: (strategy if strategy in _known(quiz, question_types, name)
                       else "random") for name in {q.type for q in quiz.questions}}
        singles.append(odds(strategy, rule))
    mixed = max((odds(MIXED, rule) for rule in every_rule),
                key=lambda o: (o.per_attempt, sorted(o.rule.items())))
    return GuessReport(attempts=quiz.max_attempts, threshold=quiz.max_guess_pass_probability,
                       odds=(*singles, mixed))


def _known(quiz: QuizSettings, question_types: Mapping[str, QuestionType],
           type_name: str) -> set[str]:
    return {strategy for question in quiz.questions if question.type == type_name
            for strategy in STRATEGIES
            if question_types[type_name].guess(question, strategy) is not None}


@dataclass(frozen=True)
class QuestionWarning:
    question: Question
    message: Any


def question_warnings(quiz: QuizSettings, question_types: Mapping[str, QuestionType]
                      ) -> list[QuestionWarning]:
    """What each question's type finds that helps guessers (the question still loads)."""
    return [QuestionWarning(question, message) for question in quiz.questions
            for message in question_types[question.type].lint(question)]
