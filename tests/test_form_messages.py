"""WTForms' own messages ("This field is required.") read in the page's language: every form
of the app, fed missing and bad data on a Vietnamese page, says nothing in English."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import wtforms
from babel.messages.pofile import read_po
from flask_wtf.file import FileAllowed
from wtforms import Form
from wtforms.fields import FieldList, FormField

from elearn import forms, wtforms_messages
from elearn.content.pledge_template import DEFAULT_TEMPLATE, parse_template
from elearn.form_base import AppForm, AppSubForm
from elearn.views.courses import StudiedForm
from elearn.views.quiz import ActionForm
from elearn.testing import csrf_token

WTFORMS_POT = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"
# Flask-WTF's file validators translate these two through the form too.
FLASK_WTF_MESSAGES = {"File does not have an approved extension.",
                      "File does not have an approved extension: {extensions}"}


def english_messages() -> set[str]:
    """Every built-in English message, singular and plural forms."""
    with open(WTFORMS_POT, "rb") as handle:
        catalog = read_po(handle)
    found = set(FLASK_WTF_MESSAGES)
    for message in catalog:
        if message.id:
            found.update([message.id] if isinstance(message.id, str) else message.id)
    return found


def as_pattern(message: str) -> re.Pattern:
    """The message with its placeholders (%(min)d, %s, {extensions}) matching any value."""
    return re.compile(re.sub(r"%\\\(\w+\\\)[sd]|%s|\\\{\w+\\\}", ".+", re.escape(message)))


ENGLISH = {message: as_pattern(message) for message in english_messages()}


def english_in(error: str) -> list[str]:
    return [message for message, pattern in ENGLISH.items() if pattern.fullmatch(error)]


def pledge_form():
    template, _problems = parse_template(DEFAULT_TEMPLATE)
    return forms.pledge_form_class(template, ["1", "2"])


def app_forms() -> list[type[AppForm]]:
    found = [cls for _name, cls in inspect.getmembers(forms, inspect.isclass)
             if issubclass(cls, AppForm) and cls.__module__ == forms.__name__]
    return found + [ActionForm, StudiedForm]


def leaves(fields):
    for field in fields:
        if isinstance(field, FieldList):
            yield from leaves(field.entries)
        elif isinstance(field, FormField):
            yield from leaves(field.form)
        else:
            yield field


def flatten(errors) -> list[str]:
    if isinstance(errors, dict):
        return [text for value in errors.values() for text in flatten(value)]
    if isinstance(errors, (list, tuple)):
        return [text for value in errors for text in flatten(value)]
    return [str(errors)]


# Missing, too short or not a number/date/choice, too long or too large, below the minimum.
BAD_VALUES = [None, "x", "9" * 1001, "-5"]


def errors_for(app, form_class, value, language: str) -> list[str]:
    with app.test_request_context("/", headers={"Cookie": f"lang={language}"}):
        names = [field.name for field in leaves(form_class(formdata=None, meta={"csrf": False}))
                 if field.type not in ("SubmitField", "CSRFTokenField")]
    data = {} if value is None else {name: value for name in names}
    with app.test_request_context("/", method="POST", data=data,
                                  headers={"Cookie": f"lang={language}"}):
        form = form_class(meta={"csrf": False})
        form.validate()
        return flatten(form.errors)


def test_every_form_says_its_built_in_errors_in_vietnamese(app):
    triggered, english_left, vietnamese_seen = set(), [], set()
    for form_class in app_forms() + [pledge_form()]:
        for value in BAD_VALUES:
            in_english = errors_for(app, form_class, value, "en")
            in_vietnamese = errors_for(app, form_class, value, "vi")
            # The same checks fail in both languages: only the words differ.
            assert len(in_english) == len(in_vietnamese), form_class.__name__
            for error in in_english:
                triggered.update(english_in(error))
            english_left += [f"{form_class.__name__}: {error}" for error in in_vietnamese
                             if english_in(error)]
            vietnamese_seen.update(in_vietnamese)
    assert english_left == []
    # The data did reach WTForms' own checks (else the test above proves nothing).
    assert {"This field is required.", "Not a valid choice.", "Not a valid date value.",
            "Number must be between %(min)s and %(max)s.", "Invalid email address.",
            "Field cannot be longer than %(max)d characters.", "Not a valid decimal value.",
            "Field must be between %(min)d and %(max)d characters long.",
            "Invalid value, must be one of: %(values)s."} <= triggered
    assert {"Trường này là bắt buộc.", "Lựa chọn không hợp lệ.", "Ngày không hợp lệ.",
            "Số phải nằm trong khoảng từ 1 đến 365.", "Địa chỉ email không hợp lệ.",
            "Trường này phải dài từ 5 đến 500 ký tự."} <= vietnamese_seen


def test_plural_and_file_messages_are_translated(app):
    class Upload(AppForm):
        name = wtforms.StringField(validators=[wtforms.validators.Length(min=3)])
        file = forms.FileField(validators=[FileAllowed(["csv"])])

    from io import BytesIO
    with app.test_request_context("/", method="POST", headers={"Cookie": "lang=vi"},
                                  data={"name": "x", "file": (BytesIO(b"a"), "a.exe")}):
        form = Upload(meta={"csrf": False})
        assert not form.validate()
        assert form.errors == {"name": ["Trường này phải có ít nhất 3 ký tự."],
                               "file": ["Loại tệp này không được chấp nhận; chỉ nhận: csv"]}


def test_english_pages_keep_the_english_messages(app):
    assert errors_for(app, forms.RevokeForm, None, "en") == ["This field is required."]


def test_join_page_shows_the_error_in_vietnamese(client):
    token = csrf_token(client, "/join")
    page = client.post("/join", data={"csrf_token": token, "code": "ABCD", "full_name": "A",
                                      "username": "nguoi.moi", "email": "khong-phai-email",
                                      "password": "mat-khau-du-dai", "confirm": "mat-khau-du-dai"})
    html = page.get_data(as_text=True)
    assert page.status_code in (200, 400)
    assert "Địa chỉ email không hợp lệ." in html and "Invalid email address." not in html


def test_every_form_class_uses_the_translated_base(app):
    """A form built straight on FlaskForm or wtforms.Form would answer in English again."""
    pledge_form()  # forms built at run time are subclasses too

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [cls for cls in subclasses(Form) if cls.__module__.split(".")[0] == "elearn"]
    assert len(ours) > 20
    assert [cls.__qualname__ for cls in ours
            if not issubclass(cls, (AppForm, AppSubForm))] == []


def test_the_catalogue_lists_every_built_in_message():
    listed = {text for item in wtforms_messages.MESSAGES
              for text in ([item] if isinstance(item, str) else item)}
    assert listed == english_messages()
