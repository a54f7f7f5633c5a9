"""The classes plugins implement. Hooks only register them; behaviour lives here."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar, Iterable, Mapping, Sequence

from flask_babel import lazy_gettext as _l

from .content.errors import Problems, line_of
# InvalidAnswer lives beside the widgets that raise it; plugins import it from here.
from .answer_fields import InvalidAnswer, TextAnswerField  # noqa: F401
from .content.model import LANGUAGES, Course, LocalText, Question
# The quiz's shuffle and tokens live with the quiz; re-exported here because a QuestionType's
# methods receive an Arrangement and plugins import both from one place.
from .quiz_arrangement import Arrangement, tokenised  # noqa: F401


@dataclass(frozen=True)
class Grade:
    """Result of grading one answer: the share of the question's points earned (0..1)."""

    fraction: float
    correct: bool

    @classmethod
    def of(cls, fraction: float) -> "Grade":
        fraction = max(0.0, min(1.0, fraction))
        return cls(fraction, fraction >= 1.0)


class ParseContext:
    """What a QuestionType gets while parsing author YAML: typed readers that report problems
    with file and line instead of raising, so one check run lists every problem."""

    def __init__(self, path: Path, problems: Problems):
        self.path = path
        self.problems = problems

    def error(self, node: Any, key: Any, message: Any) -> None:
        self.problems.at(node, key, message, self.path)

    def require(self, node: Mapping, key: str) -> Any:
        if key not in node:
            self.error(node, None, _l("missing required field '%(field)s'", field=key))
            return None
        return node[key]

    def text(self, node: Mapping, key: str, required: bool = True) -> LocalText | None:
        """Read localised text: a string (Vietnamese) or {vi: …, en: …}."""
        if key not in node or node[key] is None:
            if required:
                self.error(node, None, _l("missing required field '%(field)s'", field=key))
            return None
        value = node[key]
        if isinstance(value, str):
            if not value.strip():
                self.error(node, key, _l("'%(field)s' is empty", field=key))
                return None
            return LocalText.of(value.strip())
        if isinstance(value, Mapping):
            unknown = [lang for lang in value if lang not in LANGUAGES]
            for lang in unknown:
                self.error(value, lang, _l("unknown language '%(lang)s'", lang=lang))
            if not isinstance(value.get("vi"), str) or not value["vi"].strip():
                self.error(node, key, _l("'%(field)s' needs Vietnamese text (vi)", field=key))
                return None
            texts = {lang: str(v).strip() for lang, v in value.items()
                     if lang in LANGUAGES and isinstance(v, str) and v.strip()}
            return LocalText.of(texts.pop("vi"), **texts)
        self.error(node, key, _l("'%(field)s' must be text or a {vi, en} mapping", field=key))
        return None

    def boolean(self, node: Mapping, key: str, default: bool) -> bool:
        value = node.get(key, default)
        if not isinstance(value, bool):
            self.error(node, key, _l("'%(field)s' must be true or false", field=key))
            return default
        return value

    def items(self, node: Mapping, key: str, minimum: int = 1) -> list:
        value = node.get(key)
        if not isinstance(value, list) or len(value) < minimum:
            self.error(node, key if key in node else None,
                       _l("'%(field)s' must be a list of at least %(n)d items", field=key, n=minimum))
            return []
        return value

    def line(self, node: Any, key: Any = None) -> int | None:
        return line_of(node, key)




class QuestionType:
    """One kind of question, CTFd-style: a plugin registers the class, the core instantiates it.

    Subclasses set `name`, implement `parse` (validate the author's YAML at load time, return the
    type's data), `grade` (pure: no database, no request), and `public_view` (what a learner may
    see before submitting: never the answer key).

    For the quiz, a type also says how a learner answers it: `present` (the public view as
    arranged for one attempt), `field` (a WTForms field built from that view), `parse_answer`
    (the field's data to the answer `grade` expects) and `field_data` (a saved answer back to
    the field's data, to show it again). The defaults give a one-line text answer.

    `template` names the Jinja template that draws the answer field inside the question's
    fieldset, so a new type needs no change to the core's pages (see docs/plugins.md).
    """

    name: ClassVar[str]
    label: ClassVar[Any] = ""
    fields: ClassVar[frozenset[str]] = frozenset()
    """Author fields this type reads besides id, type, prompt, points and feedback."""
    template: ClassVar[str | Path] = "question_types/field.html"
    """How the answer field looks: a template name the app finds (the core's templates, or a
    plugin blueprint's template folder), or a `Path` to a file the plugin ships in its own
    package (`Path(__file__).parent / "templates" / "mine.html"`). The template sees `field`
    (from `field`), `view` (from `present`), `disabled` (the review page) and `right` (the
    field values of the right choices, when the review shows the key)."""

    def parse(self, raw: Mapping[str, Any], ctx: ParseContext) -> dict[str, Any]:
        raise NotImplementedError

    def grade(self, question: Question, answer: Any) -> Grade:
        raise NotImplementedError

    def public_view(self, question: Question, language: str | None) -> dict[str, Any]:
        """Learner-safe data for rendering the question (no correctness information)."""
        raise NotImplementedError

    # -- answering in a quiz -------------------------------------------------------------

    def present(self, question: Question, language: str | None,
                arrangement: Arrangement) -> dict[str, Any]:
        """The learner's view of the question in one attempt (shuffled, tokenised ids)."""
        return self.public_view(question, language)

    def field(self, question: Question, view: Mapping[str, Any]) -> Any:
        """An unbound WTForms field for the answer, built from `present`'s view."""
        return TextAnswerField()

    def parse_answer(self, question: Question, data: Any, arrangement: Arrangement) -> Any:
        """The answer `grade` expects, from the field's data; None when unanswered.
        Raise `InvalidAnswer` with a translated message when the data cannot be an answer."""
        text = " ".join(str(data or "").split())
        return text[:500] or None

    def field_data(self, question: Question, answer: Any, arrangement: Arrangement) -> Any:
        """A saved answer as the field's data, so the page shows it again."""
        return answer

    # -- review ----------------------------------------------------------------------------

    def key_text(self, question: Question, language: str | None) -> str | None:
        """The right answer in words, shown on the review page when the course's review policy
        reveals the key. None: this type shows no key."""
        return None

    def key_choices(self, question: Question, arrangement: Arrangement) -> set[str]:
        """The field values (this attempt's tokens) of the right choices, marked in the list on
        the review page when the policy reveals the key. Empty for types without choices."""
        return set()

    # -- guessing resistance (elearn.content.guessing, `flask elearn courses check`) ---------

    def guess(self, question: Question, strategy: str) -> Mapping[Fraction, Fraction] | None:
        """What a learner who has not read the course earns with `strategy` (one of
        `elearn.content.guessing.STRATEGIES`): {share of the points: probability}, exactly,
        probabilities summing to 1. None when the strategy means nothing for this type (the
        analysis then uses "random" for this question).

        The default suits answers typed freely: guessing earns nothing. A type with a finite
        set of answers should override at least "random".
        """
        return {Fraction(0): Fraction(1)} if strategy == "random" else None

    def lint(self, question: Question) -> list[Any]:
        """Warnings about a question that loads but helps guessers (translated messages)."""
        return []


@dataclass(frozen=True)
class LearnerRecord:
    """What a completion rule may look at: a snapshot, so rules stay pure."""

    lessons_studied: frozenset[str]
    quiz_passed: bool
    best_score: float | None


class CompletionRule:
    """Decides when a course is complete. Registered by `register_completion_rules`; a course
    names its rule in course.yaml (`completion_rule`)."""

    name: ClassVar[str]

    def is_met(self, course: "Course", record: LearnerRecord) -> bool:
        raise NotImplementedError


class CertificateRenderer:
    """Turns a completion into a downloadable document. Registered by
    `register_certificate_renderers`; served at /certificates/<code>.<extension>."""

    name: ClassVar[str]
    extension: ClassVar[str]
    mimetype: ClassVar[str]

    def render(self, certificate: "CertificateData") -> bytes:
        raise NotImplementedError


@dataclass(frozen=True)
class CertificateData:
    """Everything a renderer needs; no database access inside renderers."""

    holder_name: str
    unit_name: str
    course_title: str
    course_version: str
    content_hash: str
    score: float | None
    method: str
    completed_at: Any
    code: str
    display_code: str
    verify_url: str
    language: str
    labels: dict[str, str]


class PledgeCheck:
    """A rule a pledge must pass before it can be filed. Registered by
    `register_pledge_checks`; every check runs, and every failure is shown with what to do."""

    name: ClassVar[str]

    def check(self, context: Any) -> Any:
        """Return `elearn.services.pledges.CheckResult` (ok, message, next_step)."""
        raise NotImplementedError


class Exporter:
    """Writes tabular data for download. Registered by `register_exporters`.

    `stream(header, rows)` yields bytes while reading rows lazily, so memory stays flat however
    many rows there are. A spreadsheet exporter passes every cell through
    `elearn.spreadsheet.safe_row`, so user text never becomes a live formula.
    """

    name: ClassVar[str]
    extension: ClassVar[str]
    mimetype: ClassVar[str]

    def stream(self, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterable[bytes]:
        raise NotImplementedError
