"""Load a course folder into a frozen Course, reporting every problem with file and line."""
from __future__ import annotations

import copy
import math
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l

from ..interfaces import QuestionType
from .parsing import ParseContext
from .errors import CourseLoadError, Problems
from .hashing import fingerprint
from .model import (
    LANGUAGES, Blueprint, Course, CourseAudience, Lesson, LocalText, Question, QuizSettings,
    ReviewPolicy, TopicKind,
)
from .rendering import count_words, image_sources, render_markdown
from .yamlsource import LineDict, YamlSyntaxError, load_yaml

COURSE_FILE = "course.yaml"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QUESTION_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
TERM = re.compile(r"^(\d{4})-(\d{4})$")
WORDS_PER_MINUTE = 200

_COURSE_KEYS = {
    "slug", "version", "title", "description", "kind", "term", "year", "audience",
    "languages", "min_reading_seconds", "lessons", "quiz", "completion_rule", "pledge_years",
    "issuer",
}
# Keys that courses written for earlier versions may carry and nothing reads any more: they
# load as before and are ignored. `scope` (central or a province code) never restricted
# anything; who may study a course is its `audience`.
_RETIRED_COURSE_KEYS = {"scope"}
_QUIZ_KEYS = {
    "bank", "draw", "pass_mark", "max_attempts", "time_limit_minutes", "shuffle", "review",
    "requires_lessons", "max_guess_pass_probability",
}
MAX_DRAW = 500
_COMMON_QUESTION_KEYS = {"id", "type", "prompt", "points", "feedback", "lesson", "tags"}


def is_course_folder(path: Path) -> bool:
    return (path / COURSE_FILE).is_file()


# Parsed courses by (folder, fingerprint of its files' contents and mtimes, question types).
# Every app (and every test) builds its own registry; parsing Markdown and YAML was most of
# create_app's time, so an unchanged folder is parsed once per process.
# It stays a process-local dict, not Flask-Caching/Redis: the values are live Python objects
# (question types with callables), keyed by the files' own content hash, so every process
# agrees without sharing anything, and fetching them from Redis would cost a parse anyway.
_CACHE_SIZE = 64
_cache: OrderedDict[tuple[Any, ...], Course] = OrderedDict()
_cache_lock = threading.Lock()


def load_course(folder: Path, question_types: Mapping[str, QuestionType]) -> Course:
    """Load and validate one course folder. Raises CourseLoadError listing every problem.

    An unchanged folder read with the same question types comes from a cache; any edit to any
    of its files (contents or modification time) parses it again. Each caller gets its own
    copy of the mutable parts (question data, lesson HTML), so no app can change another's."""
    folder = Path(folder).resolve()
    evidence_hash, stamp = fingerprint(folder)
    types = tuple(sorted((name, type(kind)) for name, kind in question_types.items()))
    key = (folder, stamp, types)
    with _cache_lock:
        course = _cache.get(key)
        if course is not None:
            _cache.move_to_end(key)
    if course is None:
        course = _parse_course(folder, question_types, evidence_hash)  # errors are not cached
        with _cache_lock:
            _cache[key] = course
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return _private_copy(course)


def clear_course_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _private_copy(course: Course) -> Course:
    """The course with fresh copies of everything mutable inside its frozen dataclasses."""
    lessons = tuple(replace(lesson, html=dict(lesson.html)) for lesson in course.lessons)
    quiz = course.quiz
    if quiz is not None:
        quiz = replace(quiz, questions=tuple(replace(question, data=_copy_containers(question.data))
                                             for question in quiz.questions))
    return replace(course, lessons=lessons, quiz=quiz)


def _copy_containers(value: Any) -> Any:
    """Copy dicts, lists and sets all the way down (keeping subclasses such as LineDict);
    leave everything else, which is immutable (text, numbers, frozen LocalText), shared."""
    if isinstance(value, dict):
        fresh = copy.copy(value)
        for key, item in value.items():
            fresh[key] = _copy_containers(item)
        return fresh
    if isinstance(value, list):
        fresh = copy.copy(value)
        fresh[:] = [_copy_containers(item) for item in value]
        return fresh
    if isinstance(value, set):
        return {_copy_containers(item) for item in value}
    return value


def _parse_course(folder: Path, question_types: Mapping[str, QuestionType],
                  evidence_hash: str) -> Course:
    problems = Problems()
    course_file = folder / COURSE_FILE
    raw = _read_yaml(course_file, problems)
    if raw is None:
        raise CourseLoadError(problems.errors)
    ctx = ParseContext(course_file, problems)
    if not isinstance(raw, LineDict):
        ctx.error(raw, None, _l("course.yaml must be a mapping of fields"))
        raise CourseLoadError(problems.errors)
    _reject_unknown(ctx, raw, _COURSE_KEYS | _RETIRED_COURSE_KEYS)

    slug = raw.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        ctx.error(raw, "slug", _l("'slug' must be lowercase letters, digits and hyphens"))
    version = raw.get("version")
    if not isinstance(version, str) or not version.strip():
        ctx.error(raw, "version", _l("'version' must be a quoted string such as \"1.0.0\""))
    title = ctx.text(raw, "title")
    description = ctx.text(raw, "description")
    issuer = ctx.text(raw, "issuer", required=False)
    kind = _enum(ctx, raw, "kind", TopicKind, None)
    audience = _enum(ctx, raw, "audience", CourseAudience, None)
    term = _term(ctx, raw, kind)
    year = _integer(ctx, raw, "year", None, minimum=1900, maximum=2200)
    if term and isinstance(year, int):
        start, end = (int(part) for part in term.split("-"))
        if not start <= year <= end:
            ctx.error(raw, "year", _l("'year' %(year)s is outside the term %(term)s",
                                      year=year, term=term))
    languages = _languages(ctx, raw)
    min_reading = _integer(ctx, raw, "min_reading_seconds", 60, minimum=0, maximum=36000)
    completion_rule = raw.get("completion_rule", "lessons_and_quiz")
    if not isinstance(completion_rule, str):
        ctx.error(raw, "completion_rule", _l("'completion_rule' must be a name"))
    pledge_years = _pledge_years(ctx, raw)

    lessons = _lessons(folder, raw, ctx, languages)
    quiz = _quiz(folder, raw, ctx, question_types, _lesson_slugs(raw)) if "quiz" in raw else None

    if problems:
        raise CourseLoadError(problems.errors)
    return Course(
        slug=slug, version=version.strip(), title=title, description=description, kind=kind,
        term=term, year=year, audience=audience, languages=languages,
        min_reading_seconds=min_reading, lessons=tuple(lessons), quiz=quiz,
        completion_rule=completion_rule, pledge_years=pledge_years,
        content_hash=evidence_hash, path=folder, issuer=issuer,
    )


def _term(ctx: ParseContext, raw: Mapping, kind: TopicKind | None) -> str | None:
    """The Party term "YYYY-YYYY": required for Party topics, optional for student courses
    (which follow the school year, not a Party term)."""
    term = raw.get("term")
    if term is None and kind is TopicKind.STUDENT:
        return None
    match = TERM.match(term) if isinstance(term, str) else None
    if not match or int(match.group(1)) >= int(match.group(2)):
        ctx.error(raw, "term" if "term" in raw else None, _l(
            "'term' must look like \"2021-2026\" (required except for student courses)"))
        return None
    return term


def _read_yaml(path: Path, problems: Problems, line_offset: int = 0, text: str | None = None) -> Any:
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            problems.add(path, None, _l("file not found"))
            return None
        except UnicodeDecodeError:
            problems.add(path, None, _l("file is not UTF-8 text"))
            return None
    try:
        return load_yaml(text, line_offset)
    except YamlSyntaxError as exc:
        problems.add(path, exc.line, _l("YAML syntax error: %(problem)s", problem=exc.problem))
        return None


def _reject_unknown(ctx: ParseContext, node: Mapping, known: set[str]) -> None:
    for key in node:
        if key not in known:
            ctx.error(node, key, _l("unknown field '%(field)s'", field=key))


def _enum(ctx: ParseContext, node: Mapping, key: str, enum: type, default: Any) -> Any:
    value = node.get(key, default)
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        ctx.error(node, key if key in node else None,
                  _l("'%(field)s' must be one of: %(choices)s", field=key, choices=choices))
        return None


def _integer(ctx: ParseContext, node: Mapping, key: str, default: int | None, *,
             minimum: int, maximum: int) -> int | None:
    value = node.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        ctx.error(node, key if key in node else None,
                  _l("'%(field)s' must be a whole number from %(min)d to %(max)d",
                     field=key, min=minimum, max=maximum))
        return None
    return value


def _number(ctx: ParseContext, node: Mapping, key: str, default: float, *,
            minimum: float, maximum: float) -> float:
    value = node.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or not minimum <= value <= maximum:
        ctx.error(node, key, _l("'%(field)s' must be a number from %(min)s to %(max)s",
                                field=key, min=minimum, max=maximum))
        return default
    return float(value)


def _languages(ctx: ParseContext, raw: Mapping) -> tuple[str, ...]:
    value = raw.get("languages", ["vi"])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) \
            or "vi" not in value or any(v not in LANGUAGES for v in value):
        ctx.error(raw, "languages", _l("'languages' must list vi and optionally en"))
        return ("vi",)
    return tuple(dict.fromkeys(value))


def _pledge_years(ctx: ParseContext, raw: Mapping) -> tuple[int, ...]:
    value = raw.get("pledge_years", [])
    if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        ctx.error(raw, "pledge_years", _l("'pledge_years' must be a list of years"))
        return ()
    return tuple(value)


def _inside(folder: Path, relative: str) -> Path | None:
    """Resolve an author-given relative path, refusing anything outside the course folder."""
    candidate = (folder / relative).resolve()
    return candidate if candidate.is_relative_to(folder) else None


def _lessons(folder: Path, raw: Mapping, ctx: ParseContext,
             languages: tuple[str, ...]) -> list[Lesson]:
    entries = ctx.items(raw, "lessons")
    lessons: list[Lesson] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, str) or not entry.endswith(".md"):
            ctx.error(entries, index, _l("a lesson entry must be a .md file name"))
            continue
        path = _inside(folder / "lessons", entry)
        if path is None or not path.is_file():
            ctx.error(entries, index, _l("lesson file lessons/%(name)s not found", name=entry))
            continue
        slug = path.stem
        if not SLUG.match(slug):
            # The stem is the lesson's address on the site and in learners' records, so it
            # stays plain ASCII; say exactly which name to use instead.
            ctx.error(entries, index, _l(
                "lesson file names use lowercase letters without accents, digits and hyphens: "
                "rename lessons/%(name)s to lessons/%(suggestion)s and list it so here",
                name=entry, suggestion=lesson_file_name(slug)))
            continue
        if slug in seen:
            ctx.error(entries, index, _l("lesson %(name)s is listed twice", name=entry))
            continue
        seen.add(slug)
        lesson = _lesson(folder, path, slug, len(lessons) + 1, ctx.problems, languages)
        if lesson:
            lessons.append(lesson)
    return lessons


def _split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Return (front matter YAML, body, line number where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            return "".join(lines[1:number - 1]), "".join(lines[number:]), number + 1
    return None, text, 1


def _lesson(folder: Path, path: Path, slug: str, position: int, problems: Problems,
            languages: tuple[str, ...]) -> Lesson | None:
    ctx = ParseContext(path, problems)
    text = _utf8_text(path, problems)
    if text is None:
        return None
    front, body, body_line = _split_front_matter(text)
    if front is None:
        problems.add(path, 1, _l("a lesson starts with front matter between '---' lines"))
        return None
    meta = _read_yaml(path, problems, line_offset=1, text=front)
    if not isinstance(meta, LineDict):
        if meta is not None:
            problems.add(path, 2, _l("front matter must be a mapping of fields"))
        return None
    _reject_unknown(ctx, meta, {"title", "summary", "reading_minutes"})
    title = ctx.text(meta, "title")
    summary = ctx.text(meta, "summary", required=False)
    if not body.strip():
        problems.add(path, body_line, _l("the lesson has no text"))
    _check_images(folder, path, body, body_line, problems)
    words = count_words(body)
    default_minutes = max(1, math.ceil(words / WORDS_PER_MINUTE))
    minutes = meta.get("reading_minutes", default_minutes)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 600:
        ctx.error(meta, "reading_minutes",
                  _l("'reading_minutes' must be a whole number from 1 to 600"))
        minutes = default_minutes
    html = {"vi": render_markdown(body)}
    translation = path.with_suffix(".en.md")
    if translation.is_file():
        english = _english_version(folder, translation, problems, languages)
        if english is not None:
            en_title, en_summary, en_body = english
            html["en"] = render_markdown(en_body)
            title = _with_english(ctx, meta, "title", title, en_title)
            summary = _with_english(ctx, meta, "summary", summary, en_summary)
    if title is None:
        return None
    return Lesson(slug=slug, position=position, title=title, summary=summary,
                  reading_minutes=minutes, word_count=words, html=html)


def _utf8_text(path: Path, problems: Problems) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.add(path, None, _l("file is not UTF-8 text"))
        return None


def lesson_file_name(stem: str) -> str:
    """The lesson file name an author meant: `Bài 1` → `bai-1.md`."""
    text = unicodedata.normalize("NFD", stem.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return (re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "bai") + ".md"


def _check_images(folder: Path, path: Path, body: str, body_line: int,
                  problems: Problems) -> None:
    for line, src in image_sources(body):
        if "://" in src or src.startswith("//"):
            problems.add(path, body_line + line - 1,
                         _l("image %(src)s must be a file in the course's assets/", src=src))
        elif _inside(folder, "lessons/" + src) is None or not (path.parent / src).is_file():
            problems.add(path, body_line + line - 1, _l("image %(src)s not found", src=src))


def _english_version(folder: Path, path: Path, problems: Problems, languages: tuple[str, ...]
                     ) -> tuple[str | None, str | None, str] | None:
    """(English title, English summary, body) of a lesson's `.en.md`, validated like the
    Vietnamese file: optional front matter with `title` and `summary` in English, a body with
    text and local images."""
    if "en" not in languages:
        problems.add(path, None, _l("an English lesson file, but 'languages' in course.yaml "
                                    "does not list en: add en there or remove this file"))
        return None
    text = _utf8_text(path, problems)
    if text is None:
        return None
    front, body, body_line = _split_front_matter(text)
    ctx = ParseContext(path, problems)
    title = summary = None
    if front is not None:
        meta = _read_yaml(path, problems, line_offset=1, text=front)
        if meta is not None and not isinstance(meta, LineDict):
            problems.add(path, 2, _l("front matter must be a mapping of fields"))
        if not isinstance(meta, LineDict):  # empty, or its syntax error is reported already
            meta = LineDict()
        _reject_unknown(ctx, meta, {"title", "summary"})
        for key in ("title", "summary"):
            value = meta.get(key)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                ctx.error(meta, key, _l("'%(field)s' of an English lesson file is English text",
                                        field=key))
        title = meta.get("title") if isinstance(meta.get("title"), str) else None
        summary = meta.get("summary") if isinstance(meta.get("summary"), str) else None
    if not body.strip():
        problems.add(path, body_line, _l("the lesson has no text"))
    _check_images(folder, path, body, body_line, problems)
    return (title.strip() if title else None, summary.strip() if summary else None, body)


def _with_english(ctx: ParseContext, meta: LineDict, key: str, text: LocalText | None,
                  english: str | None) -> LocalText | None:
    """`text` with the English given in the `.en.md` front matter; given in both files it is
    refused, so no one edits the copy that is not shown."""
    if english is None:
        return text
    if text is None:
        if key in meta or key == "summary":  # a title missing in Vietnamese is reported already
            ctx.error(meta, key if key in meta else None,
                      _l("'%(field)s' needs Vietnamese text (vi)", field=key))
        return None
    if "en" in text.values:
        ctx.error(meta, key, _l("'%(field)s' has English here and in the .en.md file: keep "
                                "one", field=key))
        return text
    return LocalText.of(text.get("vi"), en=english)


def _lesson_slugs(raw: Mapping) -> tuple[str, ...]:
    """The lesson file stems course.yaml lists (even those that failed to load: their own
    error is reported once, and questions naming them should not add noise)."""
    entries = raw.get("lessons")
    if not isinstance(entries, list):
        return ()
    return tuple(dict.fromkeys(Path(e).stem for e in entries
                               if isinstance(e, str) and e.endswith(".md")))


def _quiz(folder: Path, raw: Mapping, ctx: ParseContext,
          question_types: Mapping[str, QuestionType],
          lesson_slugs: tuple[str, ...]) -> QuizSettings | None:
    quiz = raw["quiz"]
    if not isinstance(quiz, LineDict):
        ctx.error(raw, "quiz", _l("'quiz' must be a mapping of settings"))
        return None
    _reject_unknown(ctx, quiz, _QUIZ_KEYS)
    bank = ctx.require(quiz, "bank")
    questions: list[Question] = []
    items: list[LineDict] = []
    written = 0
    bank_ctx: ParseContext | None = None
    if isinstance(bank, str):
        bank_path = _inside(folder, bank)
        if bank_path is None or not bank_path.is_file():
            ctx.error(quiz, "bank", _l("question bank %(name)s not found", name=bank))
        else:
            questions, items, written = _questions(bank_path, ctx.problems, question_types,
                                                   lesson_slugs)
            bank_ctx = ParseContext(bank_path, ctx.problems)
    elif bank is not None:
        ctx.error(quiz, "bank", _l("'bank' must be a file name such as quizzes/bank.yaml"))
    blueprint = _blueprint(ctx, quiz, items, written, lesson_slugs, bank_ctx)
    settings = QuizSettings(
        bank=str(bank),
        draw=blueprint.total if blueprint else 1,
        pass_mark=_number(ctx, quiz, "pass_mark", 70.0, minimum=0, maximum=100),
        max_attempts=_integer(ctx, quiz, "max_attempts", 0, minimum=0, maximum=1000) or 0,
        time_limit_minutes=_integer(ctx, quiz, "time_limit_minutes", 0, minimum=0,
                                    maximum=1440) or 0,
        shuffle=ctx.boolean(quiz, "shuffle", True),
        review=_enum(ctx, quiz, "review", ReviewPolicy, "after_submit"),
        requires_lessons=ctx.boolean(quiz, "requires_lessons", True),
        questions=tuple(questions),
        blueprint=blueprint,
        max_guess_pass_probability=_number(ctx, quiz, "max_guess_pass_probability", 0.05,
                                           minimum=0, maximum=1),
    )
    return settings


def _blueprint(ctx: ParseContext, quiz: LineDict, items: list[LineDict], written: int,
               lesson_slugs: tuple[str, ...], bank_ctx: ParseContext | None
               ) -> Blueprint | None:
    """Read `draw`: a whole number, `{per_lesson: N}` or `{by_tag: {tag: N, …}}`.

    Counts go over every question written in the bank file (`items`), parsed or not, so one
    broken question is reported once and not again as a "too small" bank or lesson; `written`
    counts every entry of the bank's list, even one that is not a mapping at all.
    """
    draw = quiz.get("draw", written or 1)
    if isinstance(draw, Mapping):
        return _draw_mapping(ctx, quiz, draw, items, lesson_slugs, bank_ctx)
    count = _integer(ctx, quiz, "draw", written or 1, minimum=1, maximum=MAX_DRAW)
    if count is None:
        return None
    if written and count > written:
        ctx.error(quiz, "draw", _l("'draw' is %(draw)d but the bank has only %(n)d questions",
                                   draw=count, n=written))
    return Blueprint(count=count)


def _draw_mapping(ctx: ParseContext, quiz: LineDict, draw: Mapping, items: list[LineDict],
                  lesson_slugs: tuple[str, ...], bank_ctx: ParseContext | None
                  ) -> Blueprint | None:
    if len(draw) != 1 or next(iter(draw)) not in {"per_lesson", "by_tag"}:
        ctx.error(quiz, "draw", _l("'draw' must be a whole number, {per_lesson: N} or "
                                   "{by_tag: {tag: N, …}}"))
        return None
    if "per_lesson" in draw:
        per_lesson = _integer(ctx, draw, "per_lesson", None, minimum=1, maximum=MAX_DRAW)
        if per_lesson is None:
            return None
        for item in items:
            if not isinstance(item.get("lesson"), str) and bank_ctx is not None:
                bank_ctx.error(item, None, _l(
                    "question '%(id)s' has no 'lesson', but the quiz draws per lesson",
                    id=item.get("id")))
        for slug in lesson_slugs:
            have = sum(1 for item in items if item.get("lesson") == slug)
            if items and have < per_lesson:
                ctx.error(draw, "per_lesson", _l(
                    "lesson %(lesson)s has %(n)d questions in the bank but the quiz draws "
                    "%(k)d from each lesson", lesson=slug, n=have, k=per_lesson))
        return Blueprint(per_lesson=per_lesson, lessons=lesson_slugs)
    by_tag = draw["by_tag"]
    if not isinstance(by_tag, LineDict) or not by_tag:
        ctx.error(draw, "by_tag", _l("'by_tag' must map each tag to how many questions to "
                                     "draw, such as {by_tag: {tu-tuong: 2}}"))
        return None
    strata: list[tuple[str, int]] = []
    for key in by_tag:
        count = _integer(ctx, by_tag, key, None, minimum=1, maximum=MAX_DRAW)
        if count is None:
            continue
        tag = str(key)  # `2016:` reads as a number; question tags are always text
        have = sum(1 for item in items if tag in _tags_of(item))
        if items and have < count:
            ctx.error(by_tag, key, _l(
                "tag %(tag)s has %(n)d questions in the bank but the quiz draws %(k)d",
                tag=tag, n=have, k=count))
        strata.append((tag, count))
    named = {tag for tag, _ in strata}
    for item in items:
        both = [tag for tag in _tags_of(item) if tag in named]
        if len(both) > 1 and bank_ctx is not None:
            # A question in two strata could be drawn twice and would make the draw's odds
            # depend on the order of strata: keep them apart.
            bank_ctx.error(item, "tags", _l(
                "question '%(id)s' carries %(tags)s, which the quiz draws separately; a "
                "question may carry only one of them", id=item.get("id"),
                tags=", ".join(both)))
    return Blueprint(by_tag=tuple(strata)) if strata else None


def _tags_of(item: Mapping) -> list[str]:
    tags = item.get("tags")
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def _questions(path: Path, problems: Problems, question_types: Mapping[str, QuestionType],
               lesson_slugs: tuple[str, ...]) -> tuple[list[Question], list[LineDict], int]:
    """The questions that parsed, every question mapping written in the file, and how many
    entries the file's list has."""
    data = _read_yaml(path, problems)
    ctx = ParseContext(path, problems)
    if data is None:
        return [], [], 0
    if not isinstance(data, LineDict) or not isinstance(data.get("questions"), list):
        problems.add(path, getattr(data, "line", 1),
                     _l("a question bank is a mapping with a 'questions' list"))
        return [], [], 0
    questions: list[Question] = []
    items: list[LineDict] = []
    seen: set[str] = set()
    for index, item in enumerate(data["questions"]):
        if not isinstance(item, LineDict):
            ctx.error(data["questions"], index, _l("a question must be a mapping of fields"))
            continue
        items.append(item)
        question = _question(item, ctx, question_types, seen, lesson_slugs)
        if question:
            questions.append(question)
    if not data["questions"]:
        ctx.error(data, "questions", _l("the question bank is empty"))
    return questions, items, len(data["questions"])


def _question(item: LineDict, ctx: ParseContext, question_types: Mapping[str, QuestionType],
              seen: set[str], lesson_slugs: tuple[str, ...]) -> Question | None:
    errors_before = len(ctx.problems.errors)
    qid = item.get("id")
    if not isinstance(qid, str) or not QUESTION_ID.match(qid):
        ctx.error(item, "id" if "id" in item else None,
                  _l("a question needs an 'id' of letters, digits, '_', '-' or '.'"))
    elif qid in seen:
        ctx.error(item, "id", _l("question id '%(id)s' is used twice", id=qid))
    else:
        seen.add(qid)
    type_name = item.get("type")
    qtype = question_types.get(type_name) if isinstance(type_name, str) else None
    if qtype is None:
        known = ", ".join(sorted(question_types))
        ctx.error(item, "type" if "type" in item else None,
                  _l("unknown question type '%(type)s' (known: %(known)s)",
                     type=type_name, known=known))
        return None
    _reject_unknown(ctx, item, _COMMON_QUESTION_KEYS | set(qtype.fields))
    prompt = ctx.text(item, "prompt")
    feedback = ctx.text(item, "feedback", required=False)
    points = _number(ctx, item, "points", 1.0, minimum=0.01, maximum=1000)
    lesson = item.get("lesson")
    if lesson is not None and not isinstance(lesson, str):
        ctx.error(item, "lesson", _l("'lesson' must be a lesson file name without .md"))
    elif lesson is not None and lesson not in lesson_slugs:
        ctx.error(item, "lesson", _l(
            "'lesson' %(lesson)s is not one of this course's lessons (%(known)s)",
            lesson=lesson, known=", ".join(lesson_slugs) or "-"))
    tags = item.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        ctx.error(item, "tags", _l("'tags' must be a list of words"))
        tags = []
    data = qtype.parse(item, ctx)
    if len(ctx.problems.errors) > errors_before:
        return None
    return Question(id=qid, type=type_name, prompt=prompt, points=points, feedback=feedback,
                    data=data, lesson=lesson, tags=tuple(tags), line=item.line)
