"""Marshmallow schemas of the JSON API v1: what each answer holds, as the OpenAPI document
describes it (flask-smorest generates the document from these and the routes)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

MAX_PER_PAGE = 100
# The hostile-input guard (web_input) refuses NUL in any value before a view runs; saying so
# in the document keeps it true.
NO_NUL = validate.Regexp(r"^[^\x00]*$")


class PageArgs(Schema):
    """`?page=&per_page=` of every list (a page past the end is an empty list, not an error)."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class CompletionFilterArgs(PageArgs):
    unit = fields.String(load_default="", validate=[validate.Length(max=64), NO_NUL],
                         metadata={"description": "unit code; its whole subtree"})
    course = fields.String(load_default="", validate=[validate.Length(max=128), NO_NUL],
                           metadata={"description": "course slug"})
    status = fields.String(load_default="", validate=validate.OneOf(["", "valid", "revoked"]))


class PageSchema(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    next = fields.String(required=True, allow_none=True,
                         metadata={"description": "address of the next page; null on the last"})


class MyCourse(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    version = fields.String(required=True)
    year = fields.Integer(required=True)
    may_study = fields.Boolean(required=True)
    lessons_total = fields.Integer(required=True)
    lessons_studied = fields.Integer(required=True)
    has_quiz = fields.Boolean(required=True)
    quiz_passed = fields.Boolean(required=True)
    best_score = fields.Float(required=True, allow_none=True)
    complete = fields.Boolean(required=True)
    certificate_code = fields.String(required=True, allow_none=True)
    url = fields.String(required=True)


class MyCoursesPage(PageSchema):
    items = fields.List(fields.Nested(MyCourse), required=True)


class MyCompletion(Schema):
    code = fields.String(required=True)
    course = fields.String(required=True)
    course_title = fields.String(required=True)
    version = fields.String(required=True)
    completed_at = fields.String(required=True, metadata={
        "description": "ISO 8601 in Asia/Ho_Chi_Minh (+07:00)"})
    method = fields.String(required=True)
    score = fields.Float(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ["valid", "revoked", "invalid", "unknown"]))
    certificate_url = fields.String(required=True)
    verify_url = fields.String(required=True)


class MyCompletionsPage(PageSchema):
    items = fields.List(fields.Nested(MyCompletion), required=True)


class UnitCompletion(MyCompletion):
    holder = fields.String(required=True)
    username = fields.String(required=True)
    unit = fields.String(required=True, metadata={"description": "unit code"})


class UnitCompletionsPage(PageSchema):
    items = fields.List(fields.Nested(UnitCompletion), required=True)


class PledgeCourse(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    certificate_code = fields.String(required=True, allow_none=True)


class MyPledge(Schema):
    year = fields.Integer(required=True)
    title = fields.String(required=True, allow_none=True)
    deadline = fields.Date(required=True)
    status = fields.String(required=True, metadata={
        "description": "not_started until the pledge is first opened, then the pledge's status"})
    status_label = fields.String(required=True)
    may_edit = fields.Boolean(required=True)
    courses_done = fields.Integer(required=True)
    courses = fields.List(fields.Nested(PledgeCourse), required=True)
    waiting_for = fields.List(fields.String(), required=True, metadata={
        "description": "people who must file before this person may"})


class Problem(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "422 only: the bad parameters"})
    error = fields.String(metadata={"description": "the detail again, as API v1 answered "
                                                   "errors before problem details"})
