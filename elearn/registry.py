"""The frozen registry: everything plugins registered, collected once at start-up."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

import pluggy
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from .content.errors import ContentError, CourseLoadError, line_of
from .content.loader import COURSE_FILE, is_course_folder, load_course
from .content.model import Course
from .content.yamlsource import YamlSyntaxError, load_yaml
from .interfaces import (
    CertificateRenderer, CompletionRule, Exporter, LearnerRecord, PledgeCheck, QuestionType,
)
from .plugin_guard import (
    PluginStartupError, call_impl, code_location, implementations, raised_at,
)
from .plugins import PluginInfo, plugin_infos

log = logging.getLogger(__name__)


class RegistryError(PluginStartupError):
    """A plugin misuses the API (duplicate names, wrong return types): start-up stops."""


@dataclass(frozen=True)
class CourseProblem:
    """A course (or a plugin's course hook) that could not be loaded, and why."""

    source: str
    folder: Path | None
    errors: tuple[ContentError, ...]


@dataclass(frozen=True)
class Registry:
    courses: Mapping[str, Course]
    question_types: Mapping[str, QuestionType]
    course_problems: tuple[CourseProblem, ...]
    plugins: tuple[PluginInfo, ...]
    completion_rules: Mapping[str, CompletionRule]
    certificate_renderers: Mapping[str, CertificateRenderer]
    pledge_checks: Mapping[str, PledgeCheck]
    exporters: Mapping[str, Exporter]
    owners: Mapping[type, str] = field(default_factory=lambda: MappingProxyType({}))
    """The plugin that registered each class (question types, rules, renderers, checks…)."""

    def plugin_of(self, obj: Any) -> str:
        """Name of the plugin that registered `obj`'s class (for logs and /admin/plugins)."""
        cls = obj if isinstance(obj, type) else type(obj)
        return self.owners.get(cls, cls.__module__)

    def course(self, slug: str) -> Course | None:
        return self.courses.get(slug)

    def question_type(self, name: str) -> QuestionType:
        return self.question_types[name]


def current_registry() -> Registry:
    return current_app.extensions["elearn.registry"]


def collect_named(hook: Any, base: type, owners: dict[type, str] | None = None
                  ) -> dict[str, Any]:
    """Instances of the classes a registering hook returns, by unique `name`. A hook that
    raises or misuses the API stops start-up with the plugin's name and its file:line."""
    found: dict[str, Any] = {}
    for impl in implementations(hook):
        where = code_location(impl.function)
        try:
            classes = list(call_impl(impl) or ())
        except Exception as exc:
            raise RegistryError(f"{impl.plugin_name}: {hook.name} raised "
                                f"{type(exc).__name__}: {exc} at {raised_at(exc, impl.function)}"
                                ) from exc
        for cls in classes:
            if not (isinstance(cls, type) and issubclass(cls, base)):
                raise RegistryError(f"{impl.plugin_name}: {hook.name} ({where}) returned "
                                    f"{cls!r}, not a {base.__name__} subclass")
            name = getattr(cls, "name", None)
            if not isinstance(name, str) or not name:
                raise RegistryError(f"{impl.plugin_name}: {cls.__qualname__} has no name "
                                    f"({where})")
            if name in found:
                raise RegistryError(f"{impl.plugin_name}: {base.__name__} '{name}' is already "
                                    f"registered by {type(found[name]).__module__} ({where})")
            found[name] = cls()
            if owners is not None:
                owners[cls] = impl.plugin_name
    return found


def collect_question_types(pm: pluggy.PluginManager,
                           owners: dict[type, str] | None = None) -> dict[str, QuestionType]:
    return collect_named(pm.hook.register_question_types, QuestionType, owners)


def _raised_at(exc: BaseException, function: Any) -> ContentError:
    """Where a plugin's own code raised: its file and line, for the admin page and the log."""
    location = raised_at(exc, function)
    path, _sep, line = location.rpartition(":")
    return ContentError(Path(path), int(line) if line.isdigit() else None,
                        f"{type(exc).__name__}: {exc}")


def expand_course_items(items: Iterable[Any]) -> Iterable[Path | Course]:
    for item in items or ():
        if isinstance(item, Course):
            yield item
        elif isinstance(item, (str, Path)):
            path = Path(item)
            if is_course_folder(path):
                yield path
            elif path.is_dir():
                yield from sorted(p for p in path.iterdir() if is_course_folder(p))
        else:
            raise TypeError(f"register_courses returned {item!r}, "
                            "expected a folder path or a Course")


def collect_courses(pm: pluggy.PluginManager, app: Flask,
                    question_types: Mapping[str, QuestionType]
                    ) -> tuple[dict[str, Course], list[CourseProblem]]:
    courses: dict[str, Course] = {}
    problems: list[CourseProblem] = []
    # Call each plugin separately: one plugin's broken hook must not hide the others' courses.
    for impl in implementations(pm.hook.register_courses):  # registration order: defaults first
        try:
            items = list(expand_course_items(call_impl(impl, app=app)))
        except Exception as exc:  # noqa: BLE001 - any plugin failure is reported, not fatal
            problems.append(CourseProblem(impl.plugin_name, None,
                                          (_raised_at(exc, impl.function),)))
            continue
        for item in items:
            try:
                course = item if isinstance(item, Course) else load_course(item, question_types)
            except CourseLoadError as exc:
                problems.append(CourseProblem(impl.plugin_name, Path(item), tuple(exc.errors)))
                continue
            except Exception as exc:  # noqa: BLE001
                problems.append(CourseProblem(impl.plugin_name, Path(item),
                                              (_raised_at(exc, impl.function),)))
                continue
            if course.slug in courses:
                other = courses[course.slug]
                error = ContentError(
                    (course.path or Path(course.slug)) / "course.yaml", None,
                    _l("course slug '%(slug)s' is already used by %(other)s",
                       slug=course.slug, other=str(other.path or other.source)))
                problems.append(CourseProblem(impl.plugin_name, course.path, (error,)))
                continue
            courses[course.slug] = _with_source(course, impl.plugin_name)
    for problem in problems:
        for error in problem.errors:
            log.error("course not loaded (%s): %s", problem.source, error)
    return courses, problems


def _with_source(course: Course, source: str) -> Course:
    return replace(course, source=source)


def completion_rule_problem(course: Course, rules: Mapping[str, CompletionRule]
                            ) -> ContentError | None:
    """Why the site refuses `course`'s completion rule: a name no plugin registered, or a rule
    that even a learner who studied every lesson and passed the quiz never meets (`quiz_only`
    on a course without a quiz). `courses check` and start-up both ask this."""
    path = (course.path or Path(course.slug)) / COURSE_FILE
    line = _line_of_key(path, "completion_rule")
    rule = rules.get(course.completion_rule)
    if rule is None:
        return ContentError(path, line, _l(
            "unknown completion rule '%(rule)s' (known: %(known)s)",
            rule=course.completion_rule, known=", ".join(sorted(rules))))
    best = LearnerRecord(lessons_studied=frozenset(lesson.slug for lesson in course.lessons),
                         quiz_passed=True, best_score=100.0)
    try:
        possible = rule.is_met(course, best)
    except Exception:  # noqa: BLE001
        # A rule that raises is the plugin's fault, not the course's: the course loads and
        # the run-time guard reports the failure each time (plugin_guard.run_rule).
        return None
    if not possible:
        hint = _l(" (the course has no quiz)") if course.quiz is None else ""
        return ContentError(path, line, _l(
            "completion rule '%(rule)s' can never be met by this course: not even by a learner "
            "who studied every lesson and passed the quiz%(hint)s",
            rule=course.completion_rule, hint=hint))
    return None


def _line_of_key(path: Path, key: str) -> int | None:
    """Line of a top-level key of a YAML file, so the error points at it."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlSyntaxError):
        return None
    return line_of(data, key) if isinstance(data, dict) and key in data else None


def _drop_refused_rules(courses: dict[str, Course], rules: Mapping[str, CompletionRule],
                        problems: list[CourseProblem]) -> None:
    for slug, course in list(courses.items()):
        error = completion_rule_problem(course, rules)
        if error is not None:
            problems.append(CourseProblem(course.source, course.path, (error,)))
            log.error("course not loaded (%s): %s", course.source, error)
            del courses[slug]


def build_registry(pm: pluggy.PluginManager, app: Flask) -> Registry:
    owners: dict[type, str] = {}
    question_types = collect_question_types(pm, owners)
    rules = collect_named(pm.hook.register_completion_rules, CompletionRule, owners)
    renderers = collect_named(pm.hook.register_certificate_renderers, CertificateRenderer,
                              owners)
    checks = collect_named(pm.hook.register_pledge_checks, PledgeCheck, owners)
    exporters = collect_named(pm.hook.register_exporters, Exporter, owners)
    courses, problems = collect_courses(pm, app, question_types)
    _drop_refused_rules(courses, rules, problems)
    ordered = dict(sorted(courses.items(), key=lambda kv: (kv[1].year, kv[1].kind, kv[0])))
    return Registry(
        courses=MappingProxyType(ordered),
        question_types=MappingProxyType(question_types),
        course_problems=tuple(problems),
        plugins=plugin_infos(pm),
        completion_rules=MappingProxyType(rules),
        certificate_renderers=MappingProxyType(renderers),
        pledge_checks=MappingProxyType(checks),
        exporters=MappingProxyType(exporters),
        owners=MappingProxyType(owners),
    )


def rebuild_courses(registry: Registry, pm: pluggy.PluginManager, app: Flask,
                    published: Iterable[tuple[str, Path]] = ()) -> Registry:
    """`registry` with its courses read again: the plugins' folders (re-scanned: a changed
    folder is parsed again, an unchanged one comes from the loader's cache), then the courses
    published through the site (`(source, folder)`), each replacing the folder course of the
    same slug. Question types, rules and the rest stay as they were built at start-up."""
    courses, problems = collect_courses(pm, app, registry.question_types)
    for source, folder in published:
        try:
            course = load_course(folder, registry.question_types)
        except CourseLoadError as exc:
            problems.append(CourseProblem(source, folder, tuple(exc.errors)))
            continue
        courses[course.slug] = _with_source(course, source)
    _drop_refused_rules(courses, registry.completion_rules, problems)
    ordered = dict(sorted(courses.items(), key=lambda kv: (kv[1].year, kv[1].kind, kv[0])))
    return replace(registry, courses=MappingProxyType(ordered), course_problems=tuple(problems))
