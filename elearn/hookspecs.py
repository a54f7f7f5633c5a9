"""The whole plugin API of elearn. Every hook is documented here and in docs/plugins.md.

Hooks only *register* things; behaviour lives in the classes they return. Implement a hook
with `@hookimpl` (from `elearn.api`, the one module plugins import) on a function of the same
name in your plugin module; it may declare any subset of the hook's arguments.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Protocol

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    import click
    from flask import Blueprint, Flask

    from .content.model import Course
    from .events import Event
    from .interfaces import (
        CertificateRenderer, CompletionRule, Exporter, NotificationChannel, PledgeCheck,
        QuestionType,
    )
    from .models import User

PROJECT_NAME = "elearn"
hookspec = pluggy.HookspecMarker(PROJECT_NAME)


class RegistryView(Protocol):
    """What `startup` may read of the frozen registry (`elearn.registry.Registry` is one).
    A Protocol, so this module needs no import of the registry, which imports this one."""

    courses: Mapping[str, Course]
    question_types: Mapping[str, QuestionType]
    completion_rules: Mapping[str, CompletionRule]
    certificate_renderers: Mapping[str, CertificateRenderer]
    pledge_checks: Mapping[str, PledgeCheck]
    exporters: Mapping[str, Exporter]

    def course(self, slug: str) -> Course | None: ...


@hookspec
def register_courses(app: "Flask") -> "list[Path | str | Course]":
    """Return the courses this plugin provides.

    Each item is a course folder (a directory with course.yaml), a directory whose
    sub-folders are course folders, or a ready-made `Course` object. Called once at
    start-up, before the registry is frozen. A course that fails to load is reported with
    file and line (log, admin page, `flask elearn courses check`) and left out; the others
    keep working.
    """


@hookspec
def register_question_types() -> "list[type[QuestionType]]":
    """Return `QuestionType` subclasses. Their `name` is what a bank's `type:` refers to.

    Called once at start-up before any course is loaded. Two plugins registering the same
    name is an error that stops start-up.
    """


@hookspec
def register_completion_rules() -> "list[type[CompletionRule]]":
    """Return `CompletionRule` subclasses; a course names its rule in `completion_rule`.

    Called once at start-up. A rule's `is_met(course, record)` is pure: it sees a
    `LearnerRecord` snapshot (lessons studied, quiz passed, best score), never the database.
    A course naming an unknown rule is reported and left out; duplicate names stop start-up.
    """


@hookspec
def register_certificate_renderers() -> "list[type[CertificateRenderer]]":
    """Return `CertificateRenderer` subclasses (e.g. PDF), served at
    /certificates/<code>.<extension> to the holder and to verifiers of their unit.

    `render(certificate)` gets a `CertificateData` (names, course, code, verification URL,
    translated labels) and returns bytes; it must not touch the database or the network.
    """


@hookspec
def register_pledge_checks() -> "list[type[PledgeCheck]]":
    """Return `PledgeCheck` subclasses: rules a pledge must pass before it can be filed.

    Called once at start-up; at filing every check runs with a `PledgeContext` (a frozen
    snapshot: the author, the plan's year, switches and courses with their verified study, the
    deadline, routing, who must file first) and returns a `CheckResult(ok, message,
    next_step)`; it never touches the database. Filing is refused with every failed check's
    translated message and next step; a check that raises is "unavailable" and refuses too.
    Built in: study verified, routed, superiors first, inside first, deadline.
    """


@hookspec
def register_exporters() -> "list[type[Exporter]]":
    """Return `Exporter` subclasses (built in: csv, xlsx). Every export on the site (completions,
    pledge status, unit summaries, people still missing) is offered in each registered format.

    `stream(header, rows)` must yield bytes as it reads rows, so a national export does not
    hold everything in memory.
    """


@hookspec
def register_blueprints(app: "Flask") -> "list[Blueprint]":
    """Return Flask blueprints with the plugin's own pages, templates and static files.

    Called once after the core's own blueprints are registered. Every view in them must
    declare its permission with `elearn.security.permission`.
    """


@hookspec
def register_commands(cli: "click.Group") -> None:
    """Add sub-commands to the `flask elearn` command group (`cli.add_command(...)`)."""


@hookspec(firstresult=True)
def authenticate(identifier: str, secret: str) -> "User | None":
    """Check a sign-in. Return the `User` to sign in, or None to let the next plugin try.

    The first non-None answer wins; the built-in local-password plugin runs last, so an SSO
    or LDAP plugin is asked first. Called once per sign-in attempt, after the throttle check,
    inside a request with the database session available. Find or create the person with
    `find_user`/`create_user` from `elearn.api`, never by writing rows directly. A plugin that
    raises is skipped: the next one (finally local passwords) answers.
    """


@hookspec
def startup(app: "Flask", registry: RegistryView) -> Any:
    """Called once the registry is frozen and the app is fully configured.

    Use it to check the plugin's own configuration or warm caches; don't write learner state.
    """


@hookspec
def track_event(event: "Event") -> None:
    """Hear of a state change after it is committed: plan assigned, lesson studied, attempt
    graded, completion issued or revoked, pledge filed / returned / acknowledged / assessed,
    cell meeting recorded, "you can file now" (`elearn.events.EVENT_NAMES`).

    Called once per change, after the transaction that made it commits; never for a change
    that was rolled back (a duplicate request that lost its race tells nobody). `event` is a
    frozen `Event`: `name`, `key` (identifies the change; key your own rows on it to stay
    idempotent), `person_id`, `actor_id`, `unit_id`, a small JSON-able `data` and
    `occurred_at` (naive UTC). The request's session has just committed: write through your
    own `listener_session()`. A listener that raises is logged and listed on /admin/plugins;
    the request and the other listeners carry on.
    """


@hookspec
def header_figures() -> "Mapping[str, Any]":
    """Return {name: SQL scalar sub-select} of small per-person figures for the page header
    (the built-in notifications: the unread count), each correlated on `User.id`. They are
    read in the sign-in look-up's own statement on every signed-in page, so a figure costs no
    query of its own; read one as `current_user.request_figures.get(name)` (None when the
    look-up did not run, as for a request with an API token: then ask the database). A figure
    whose SQL fails is listed on /admin/plugins and dropped; sign-in carries on without it."""


@hookspec
def register_notification_channels() -> "list[NotificationChannel | type[NotificationChannel]]":
    """Return notification channels (instances, or classes made with no arguments): each has a
    `name`, a translated `label` and `deliver(message)`, raising `DeliveryFailed` (retry later)
    or `DeliveryRefused` (give up). Deliveries go through the outbox and the job queue: once per
    (notification, channel), retried with backoff, failures listed on /admin/outbox."""
