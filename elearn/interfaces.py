"""The classes plugins implement. Hooks only register them; behaviour lives here."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar, Iterable, Mapping, Sequence

# InvalidAnswer lives beside the widgets that raise it; plugins import it from here.
from .answer_fields import InvalidAnswer, TextAnswerField  # noqa: F401
from .content.model import Course, Question
from .content.parsing import ParseContext  # noqa: F401 - moved; kept importable here
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
    """The issuer: the training centre or school that owns the course (course.yaml `issuer`),
    else the top of the holder's organisation tree; never the holder's cell."""
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
    # For portable credentials (Open Badges); defaults keep older callers working.
    course_titles: Mapping[str, str] = field(default_factory=dict)
    """The course title in every language it was written in, e.g. {"vi": …, "en": …}."""
    holder_identity: str = ""
    """What other systems know the holder by (email, else `username@host`); a credential
    carries only its salted hash, never this text."""
    holder_identity_type: str = "emailAddress"
    holder_salt: str = ""
    """Stable per completion, so downloading twice gives the same credential."""
    issuer_url: str = ""
    status_url: str = ""
    """The public verification API for this code; says `revoked` once it is."""
    criteria: str = ""


@dataclass(frozen=True)
class CheckResult:
    """What a pledge check answers: ok, or the translated reason and what to do next.
    `check` (the check's name) is filled in by the core."""

    ok: bool
    message: str = ""
    next_step: str = ""
    check: str = ""


@dataclass(frozen=True)
class PledgeAuthor:
    """The person filing, as a pledge check may see them."""

    id: int
    full_name: str
    position: str | None
    unit_name: str
    is_leader: bool


@dataclass(frozen=True)
class PlanCourse:
    """One course of the plan and whether the person's study of it counts (a signed, valid,
    unrevoked completion issued for this plan's year and minimum version)."""

    slug: str
    title: Any  # LocalText, or None when the course is no longer loaded
    verified: bool


@dataclass(frozen=True)
class PledgeContext:
    """What a pledge check may look at: a snapshot built by the core before the checks run,
    so checks stay pure (no database, like completion rules with `LearnerRecord`)."""

    user: PledgeAuthor
    year: int
    today: date
    deadline: date
    """The plan's deadline, or the latest extension granted to the person's unit or above."""
    superiors_first: bool
    inside_first: bool
    courses: tuple[PlanCourse, ...]
    routed: bool
    """A committee can receive the pledge."""
    superiors_waiting: tuple[str, ...] = ()
    """Names of those who must file first ("trên trước, dưới sau") and have not."""
    party_members_waiting: tuple[str, ...] = ()
    """Names of the unit's party members who must file first ("trong trước, ngoài sau")."""


class PledgeCheck:
    """A rule a pledge must pass before it can be filed. Registered by
    `register_pledge_checks`; every check runs, and every failure is shown with what to do."""

    name: ClassVar[str]

    def check(self, context: PledgeContext) -> CheckResult:
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


# -- notification channels (register_notification_channels) -------------------------------

@dataclass(frozen=True)
class OutgoingMessage:
    """One notification for one person, ready for a channel: texts already in the person's
    language, links absolute on ELEARN_PUBLIC_URL. `key` is the same on every attempt (use it
    as the gateway's idempotency key or the e-mail's Message-ID)."""

    key: str
    kind: str
    user_id: int
    recipient_name: str
    email: str | None
    phone: str | None
    language: str
    subject: str
    text: str
    link: str
    unsubscribe_url: str
    data: Mapping[str, Any]


class DeliveryFailed(Exception):
    """A channel could not deliver. `retryable` True (the default: server down, 4xx, timeout)
    lets the outbox try again later with backoff; raise `DeliveryRefused` for a failure that
    will not heal (no address, 5xx): the delivery is marked failed at once. Either way the
    message (`str(exc)`) is kept for administrators on /admin/outbox."""

    retryable: bool = True


class DeliveryRefused(DeliveryFailed):
    """A permanent failure: do not try again."""

    retryable = False


class NotificationChannel:
    """A way to reach a person outside the site (e-mail, a webhook, an SMS or Zalo gateway).

    Subclasses set `name` (unique, stored with each delivery) and `label` (translated, shown to
    people choosing their channel) and implement `deliver(message)`: return when it is
    delivered, raise `DeliveryFailed` / `DeliveryRefused`. Anything else it raises is a bug:
    the guard logs it, lists it on /admin/plugins and fails that delivery only.

    People choose channels per kind of notification (a table on their settings page).
    `opt_in` True: off for a kind until the person ticks it (e-mail, which the notifications
    plugin turns on by default for what needs acting on). False: on for every kind until the
    person unticks it (a centre's gateway that decides itself)."""

    name: ClassVar[str]
    label: ClassVar[Any] = ""
    opt_in: ClassVar[bool] = True

    def deliver(self, message: OutgoingMessage) -> None:
        raise NotImplementedError
