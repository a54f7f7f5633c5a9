"""Every user-facing string goes through Flask-Babel, and both catalogues are complete:
this fails when a message lacks its Vietnamese or English translation (or is fuzzy, or its
placeholders differ), when the code has a message the catalogues do not, and when a
template holds user-facing text outside the translation functions."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from elearn.testing import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "elearn" / "translations"
TEMPLATE_DIRS = [PROJECT_ROOT / "elearn" / "templates"]
# Makefile `messages`: pybabel extract -k _l -k lazy_gettext
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{(\w+)\}")


def catalogue(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


def messages(language: str):
    catalog = catalogue(language)
    return catalog, [m for m in catalog if m.id]


def forms(message, plurals: int) -> list[str]:
    if isinstance(message.string, str):
        return [message.string]
    return list(message.string)[:plurals]


def text_of(message_id) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_catalogue_message_is_translated(language):
    catalog, entries = messages(language)
    assert len(entries) > 100
    problems = []
    for message in entries:
        if message.fuzzy:
            problems.append(f"fuzzy: {text_of(message.id)!r}")
        for form in forms(message, catalog.num_plurals):
            if not form.strip():
                problems.append(f"untranslated: {text_of(message.id)!r}")
            wanted = set(PLACEHOLDER.findall(text_of(message.id)))
            if message.pluralizable:
                wanted -= {("num", "")}  # a language may write the count as a word
            if not wanted <= set(PLACEHOLDER.findall(form)):
                problems.append(f"placeholders differ: {text_of(message.id)!r} -> {form!r}")
    assert problems == []


def test_english_messages_are_the_source_text():
    catalog, entries = messages("en")
    changed = [text_of(m.id) for m in entries
               if forms(m, catalog.num_plurals) != ([m.id] if isinstance(m.id, str)
                                                    else list(m.id)[:catalog.num_plurals])]
    assert changed == []


def test_every_message_in_the_code_is_in_both_catalogues():
    with open(PROJECT_ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    in_code = {text_of(message) for _file, _line, message, _comments, _context in
               extract_from_dir(str(PROJECT_ROOT), method_map, options_map, keywords=KEYWORDS)}
    assert len(in_code) > 100
    for language in ("vi", "en"):
        _catalog, entries = messages(language)
        missing = in_code - {text_of(m.id) for m in entries}
        assert sorted(missing) == [], f"run `make messages` and translate ({language})"


class _Text(HTMLParser):
    """Text a person would read, in what is left of a template once Jinja is removed."""

    VISIBLE_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "label"}
    SKIPPED = {"script", "style", "code"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        for name, value in attrs:
            if name in self.VISIBLE_ATTRIBUTES and value and _words(value):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name == "value" and tag == "input" and value and _words(value) \
                    and ("type", "submit") in attrs:
                self.found.append(f"<{tag} value={value!r}>")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and _words(data):
            self.found.append(data.strip())


ALLOWED = {"elearn"}  # the product's name


def _words(text: str) -> bool:
    """Whether the text has a word to translate: two letters or more, not the product's
    name, not an all-capital code or acronym (PDF, ABCD-EFGH) and not a unit like "v"."""
    for word in re.split(r"[\s·—–→←›✓✗◐:()|/.,-]+", text):
        letters = re.findall(r"[^\W\d_]", word)
        if len(letters) >= 2 and word not in ALLOWED and not word.isupper():
            return True
    return False


JINJA = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.S)


def untranslated_text(template: str) -> list[str]:
    parser = _Text()
    parser.feed(JINJA.sub(" ", template))
    return parser.found


def test_templates_hold_no_text_outside_the_translation_functions():
    problems = []
    for folder in TEMPLATE_DIRS:
        for path in sorted(folder.rglob("*.html")):
            for text in untranslated_text(path.read_text(encoding="utf-8")):
                problems.append(f"{path.relative_to(PROJECT_ROOT)}: {text}")
    assert problems == []


@pytest.mark.parametrize("template, found", [
    ("<p>{{ _('Xin chào') }}</p>", []),
    ("<h1>Quiz</h1>", ["Quiz"]),
    ('<a title="Trang chủ" href="/">{{ _("Home") }}</a>', ["<a title='Trang chủ'>"]),
    ('<button aria-label="{{ _(\'Close\') }}">×</button>', []),
    ("<p>{{ num }} · 2026 → {{ x }}</p>", []),
    ("<script>var done = 'saved';</script>", []),
    ('<input placeholder="ABCD-EFGH"> v{{ version }} PDF', []),
    ("<td>Đã nộp</td>", ["Đã nộp"]),
])
def test_the_template_check_finds_bare_text(template, found):
    assert untranslated_text(template) == found


def test_python_views_do_not_flash_or_answer_bare_text():
    bare = re.compile(r"""(?:flash|render_error)\(\s*f?["']|[(,]\s*message=f?["'][^"']*[A-Za-z]""")
    problems = [f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}"
                for path in sorted((PROJECT_ROOT / "elearn" / "views").rglob("*.py"))
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if bare.search(line)]
    assert problems == []
