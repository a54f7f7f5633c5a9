"""Issue #14 item 8: a YAML mistake in a course, bank or pledge template is explained in the
author's language, never in PyYAML's English (the line is kept)."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

from elearn.content.errors import CourseLoadError
from elearn.content.loader import load_course
from elearn.content.pledge_template import parse_template
from elearn.registry import current_registry
from elearn.testing.courses import write_course

BROKEN = [
    ("title: Bản đăng ký: năm 2026\n", "dấu hai chấm"),
    ("title: Bản đăng ký\nsections:\n\t- key: a\n", "ký tự tab"),
    ("title: A\ntitle: B\n", "xuất hiện hai lần"),
    ('title: "Bản đăng ký\n', "dấu ngoặc kép"),
    ("title: [Bản đăng ký\n", "cấu trúc bị hỏng"),
]


@pytest.mark.parametrize("text, vietnamese", BROKEN)
def test_template_yaml_errors_are_in_the_readers_language(app, text, vietnamese):
    with app.test_request_context():
        template, errors = parse_template(text)
        assert template is None and len(errors) == 1
        with force_locale("vi"):
            message = str(errors[0].message)
        with force_locale("en"):
            english = str(errors[0].message)
    assert message.startswith("Lỗi cú pháp YAML: ") and vietnamese in message
    for pyyaml_word in ("mapping values", "found", "expected", "duplicate", "scanning"):
        assert pyyaml_word not in message
    assert english.startswith("YAML syntax error: ") and english != message
    assert errors[0].line is not None


def test_course_file_yaml_errors_are_in_vietnamese(app, tmp_path):
    folder = write_course(tmp_path, course="slug: khoa-thu\ntitle: Khóa: thử\n")
    with app.test_request_context(), force_locale("vi"):
        with pytest.raises(CourseLoadError) as raised:
            load_course(folder, current_registry().question_types)
        messages = [str(error.message) for error in raised.value.errors]
    assert any("dấu hai chấm" in message for message in messages), messages
    assert not any("mapping values" in message for message in messages)
