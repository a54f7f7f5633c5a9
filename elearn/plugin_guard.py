"""The one guard around every call into plugin code, and pluggy's calling convention.

A plugin's bug must stay that plugin's bug: `guarded` catches what plugin code raises, logs
the plugin's name and the file:line in the plugin's own code, keeps the failure for
`/admin/plugins` (written after the request by `elearn.services.plugin_failures`, so it never
joins the request's unit of work) and lets the caller apply its policy — the small `run_…`
helpers below are those policies, one per kind of plugin object.

Hook implementations are called the way pluggy calls them: each gets only the arguments it
declares (`impl.argnames`), so `def register_courses():` is as valid as
`def register_courses(app):`.
"""
from __future__ import annotations

import logging
import os
import sys
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, TypeVar

from flask import current_app, g, has_app_context
from flask_babel import gettext as _

from .interfaces import CheckResult, Grade, PledgeContext

log = logging.getLogger("elearn.plugins")
T = TypeVar("T")
PENDING = "elearn_plugin_failures"


@dataclass(frozen=True)
class PluginFailure:
    """One call into plugin code that raised: who, what kind of call, where, what."""

    plugin: str
    kind: str
    location: str
    error: str
    subject: str = ""

    def __str__(self) -> str:
        about = f" ({self.subject})" if self.subject else ""
        return f"plugin {self.plugin} failed in {self.kind}{about} at {self.location}: {self.error}"


def code_location(function: Callable) -> str:
    """file:line where a plugin function (or bound method) is defined."""
    code = getattr(getattr(function, "__func__", function), "__code__", None)
    return f"{code.co_filename}:{code.co_firstlineno}" if code else repr(function)


def plugin_source(function: Callable) -> str | None:
    """Where the plugin behind `function` lives: its package's folder (ending in a separator)
    or its single module's file. For a bound method, the plugin is the object's class, even
    when the method is inherited from an `elearn.api` base class; `elearn.builtins.x` counts
    as its own module (the core is not the plugin)."""
    owner = getattr(function, "__self__", None)
    if owner is not None and not isinstance(owner, type):
        module_name = type(owner).__module__
    else:
        module_name = getattr(getattr(function, "__func__", function), "__module__", None)
    if not module_name:
        return None
    parts = module_name.split(".")
    top = ".".join(parts[:3] if parts[:2] == ["elearn", "builtins"] else parts[:1])
    module = sys.modules.get(top)
    file = getattr(module, "__file__", None)
    if not file:
        return None
    if os.path.basename(file) == "__init__.py":
        return os.path.dirname(file) + os.sep
    return file


def raised_at(exc: BaseException, function: Callable | None = None) -> str:
    """file:line in the plugin's own code where `exc` was raised: the deepest frame in the
    plugin's source (see `plugin_source`), else the deepest frame of all."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return code_location(function) if function else "?"
    source = plugin_source(function) if function else None
    own = [frame for frame in frames if source and (
        frame.filename == source or (source.endswith(os.sep)
                                     and frame.filename.startswith(source)))]
    frame = (own or frames)[-1]
    return f"{frame.filename}:{frame.lineno}"


def owner_of(obj: Any) -> str:
    """The plugin that registered `obj` (a question type, rule, check…), by the registry."""
    registry = current_app.extensions.get("elearn.registry") if has_app_context() else None
    if registry is not None:
        return registry.plugin_of(obj)
    return type(obj).__module__


def report(kind: str, plugin: str, function: Callable, exc: BaseException,
           subject: str = "") -> PluginFailure:
    failure = PluginFailure(plugin, kind, raised_at(exc, function),
                            f"{type(exc).__name__}: {exc}"[:500], subject[:200])
    log.error("%s", failure, exc_info=exc)
    if has_app_context():
        g.setdefault(PENDING, []).append(failure)
    return failure


def pending_failures() -> list[PluginFailure]:
    """Failures of this app context not yet written (taken: a second call returns none)."""
    return g.pop(PENDING, []) if has_app_context() else []


def guarded(kind: str, plugin: str, function: Callable[..., T], *args: Any,
            subject: str = "", **kwargs: Any) -> tuple[T | None, PluginFailure | None]:
    """Call plugin code. Returns (result, None), or (None, failure) when it raised."""
    try:
        return function(*args, **kwargs), None
    except Exception as exc:  # noqa: BLE001 - any plugin failure is contained and reported
        return None, report(kind, plugin, function, exc, subject)


# -- pluggy's calling convention --------------------------------------------------------------

def implementations(hook: Any, *, call_order: bool = False) -> list[Any]:
    """A hook's plain implementations (wrappers excluded), in registration order, or in the
    order pluggy calls them (last registered and `tryfirst` first, `trylast` last)."""
    impls = [impl for impl in hook.get_hookimpls()
             if not (getattr(impl, "hookwrapper", False) or getattr(impl, "wrapper", False))]
    return list(reversed(impls)) if call_order else impls


def call_impl(impl: Any, **kwargs: Any) -> Any:
    """Call one hook implementation as pluggy would: with only the arguments it declares."""
    return impl.function(**{name: kwargs[name] for name in impl.argnames})


class PluginFailed(RuntimeError):
    """Plugin code failed where the core cannot carry on without it (an export half-written):
    the failure is already logged and kept; the caller ends that piece of work."""

    def __init__(self, failure: PluginFailure):
        self.failure = failure
        super().__init__(str(failure))


class PluginStartupError(RuntimeError):
    """A plugin's start-up hook raised or misused the API: start-up stops, naming the plugin
    and the file:line in its own code."""


def call_all(hook: Any, **kwargs: Any) -> list[Any]:
    """A start-up hook (blueprints, commands, startup): every implementation in pluggy's
    order, each with only the arguments it declares; a failure stops start-up with the
    plugin's name and file:line rather than pluggy's or the core's."""
    results = []
    for impl in implementations(hook, call_order=True):
        try:
            result = call_impl(impl, **kwargs)
        except Exception as exc:
            raise PluginStartupError(
                f"{impl.plugin_name}: {hook.name} raised {type(exc).__name__}: {exc} "
                f"at {raised_at(exc, impl.function)}") from exc
        if result is not None:
            results.append(result)
    return results


def guarded_impl(kind: str, impl: Any, **kwargs: Any) -> tuple[Any, PluginFailure | None]:
    """One hook implementation, called as pluggy would, inside the guard."""
    try:
        return call_impl(impl, **kwargs), None
    except Exception as exc:  # noqa: BLE001
        return None, report(kind, impl.plugin_name, impl.function, exc)


# -- policies, one per kind of plugin object ---------------------------------------------------

def run_first_result(hook: Any, kind: str, **kwargs: Any) -> Any:
    """A `firstresult` hook (sign-in): the first non-None answer wins; an implementation that
    raises is skipped, so a broken SSO plugin never blocks local passwords."""
    for impl in implementations(hook, call_order=True):
        result, failure = guarded_impl(kind, impl, **kwargs)
        if failure is None and result is not None:
            return result
    return None


def run_pledge_check(name: str, check: Any, context: PledgeContext) -> CheckResult:
    """A check that raises (or answers nonsense) is "unavailable": it refuses filing, with a
    message that says so, instead of breaking the pledge page for everyone."""
    result, failure = guarded("pledge_check", owner_of(check), check.check, context,
                              subject=name)
    if failure is None and not isinstance(result, CheckResult):
        failure = report("pledge_check", owner_of(check), check.check,
                         TypeError(f"check returned {result!r}, not a CheckResult"), name)
    if failure is not None:
        return CheckResult(
            False, _("A check needed before filing is unavailable (%(check)s).", check=name),
            _("Your draft is saved. Try again later; if this persists, tell your "
              "administrator."), name)
    return CheckResult(result.ok, result.message, result.next_step, name)


def run_grade(qtype: Any, question: Any, answer: Any, subject: str) -> tuple[Grade, bool]:
    """A grader that raises scores that question 0 and is flagged (logged, listed on
    /admin/plugins with the course and question) while the attempt still finishes."""
    grade, failure = guarded("grade", owner_of(qtype), qtype.grade, question, answer,
                             subject=subject)
    if failure is not None or not isinstance(grade, Grade):
        if failure is None:
            report("grade", owner_of(qtype), qtype.grade,
                   TypeError(f"grade returned {grade!r}, not a Grade"), subject)
        return Grade(0.0, False), True
    return grade, False


def run_optional(kind: str, qtype: Any, method: Callable[..., T], *args: Any,
                 subject: str) -> T | None:
    """A question type's page-time method (`present`, the review's key): None when it
    raises. The caller then leaves the question out (it scores 0, like any unanswered one)
    or shows no key, and the failure is flagged with the course and question."""
    result, _failure = guarded(kind, owner_of(qtype), method, *args, subject=subject)
    return result


def run_rule(rule: Any, course: Any, record: Any) -> bool:
    """A completion rule that raises is "not met": no completion is issued on a guess; the
    learner's progress is kept and the rule is evaluated again at their next step."""
    met, failure = guarded("completion_rule", owner_of(rule), rule.is_met, course, record,
                           subject=getattr(course, "slug", ""))
    return failure is None and bool(met)


def run_render(renderer: Any, data: Any) -> bytes | None:
    """A certificate renderer that raises: None (the page says the format is unavailable)."""
    body, failure = guarded("certificate_renderer", owner_of(renderer), renderer.render, data,
                            subject=getattr(data, "display_code", ""))
    return body if failure is None and isinstance(body, bytes) else None


def run_export(exporter: Any, header: Any, rows: Iterable[Any]) -> Iterator[bytes]:
    """An exporter's stream, guarded: when the exporter raises, the failure is reported and
    `PluginFailed` ends the export (the job fails with a message; others are unaffected). An
    error while reading the core's rows is the core's, and passes through unreported."""
    rows_failed = False

    def core_rows() -> Iterator[Any]:
        nonlocal rows_failed
        try:
            yield from rows
        except Exception:
            rows_failed = True
            raise

    try:
        for chunk in exporter.stream(header, core_rows()):
            yield chunk
    except Exception as exc:
        if rows_failed:
            raise
        raise PluginFailed(report("exporter", owner_of(exporter), exporter.stream, exc,
                                  getattr(exporter, "name", ""))) from exc
